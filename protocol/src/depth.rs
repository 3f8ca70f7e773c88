//! The nesting limit of the page tree, and the decoding of its recursive types that enforces it.
//!
//! A [`Node`] holds its children, which hold theirs: decoding, building and dropping a tree all recurse
//! once per level. A visitor's page could nest a few thousand levels and make an agent's viewer (wasm,
//! a 1 MiB stack) run out of stack in the decoder or the builder, a trap it does not recover from. So the
//! tree has a depth limit, [`MAX_DEPTH`], enforced here while decoding: a deeper tree is an error
//! before the decoder goes one level further (postcard keeps no text of it), so decoding never uses
//! more than about 512 levels of stack (measured natively: postcard took ~0.5–1 KiB a level in a release
//! build and 4–8 KiB in a debug build; 5,000 levels overflowed a 2 MiB thread in release and an 8 MiB
//! one in debug). The visitor's serializer cuts deeper content itself (an element at the limit is sent as
//! [`NodeKind::Blocked`], an empty box of its size), so honest pages never meet the error; Chromium's HTML
//! parser nests no deeper than 512 either.
//!
//! How levels count: a snapshot's children, and the top node or root of a delta's event, are at level 1;
//! an element's children, and the children of its shadow root or frame document, are one level below
//! it (a root itself adds no level). The limit counts from the top of each decoded tree, so a delta may
//! add a subtree of up to 512 levels under any node: the viewer's builder recurses only over the subtree it
//! builds.
//!
//! The viewer's [`crate::Decoder`] reads snapshots and deltas without recursion (`reader.rs`: a browser's
//! native stack runs out before the wasm one); what is here is the serde path (`postcard::from_bytes`),
//! which any other reader of page content takes, with the same limit.
//!
//! serde's derive has no way to carry a depth, so `Node`, `NodeKind`, `Element`, `Extras` and `Root`
//! implement `Deserialize` by hand here with seeds that carry it; they read exactly what the derived
//! `Serialize` writes in postcard (a struct as its fields in order, an enum as its variant index then its
//! fields), which `tests/depth.rs` checks for every variant. Only postcard (the wire format) is supported.

use crate::page::Attribute;
use crate::page::{Element, Extras, FormState, MediaState, Namespace, Node, NodeId, NodeKind, Root, Rules, Size};
use serde::de::{self, DeserializeSeed, EnumAccess, Error as _, SeqAccess, VariantAccess, Visitor};
use serde::{Deserialize, Deserializer};
use std::fmt;

/// The deepest level a node may sit at in a decoded tree (see the module doc for how levels count).
pub const MAX_DEPTH: usize = 512;

/// The most elements a decoder reserves room for before it has read them (a declared length is only a
/// claim: the bytes may end long before).
const MAX_RESERVED: usize = 1024;

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        NodeSeed { depth: 1 }.deserialize(deserializer)
    }
}

impl<'de> Deserialize<'de> for Root {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        RootSeed { children_depth: 1 }.deserialize(deserializer)
    }
}

/// A node at level `depth`.
struct NodeSeed {
    depth: usize,
}

impl<'de> DeserializeSeed<'de> for NodeSeed {
    type Value = Node;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Node, D::Error> {
        if self.depth > MAX_DEPTH {
            return Err(D::Error::custom(format_args!(
                "the page tree is nested deeper than {MAX_DEPTH} levels (a hostile or broken page)"
            )));
        }
        deserializer.deserialize_struct("Node", &["id", "kind"], self)
    }
}

impl<'de> Visitor<'de> for NodeSeed {
    type Value = Node;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a page node")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut fields: A) -> Result<Node, A::Error> {
        let id: NodeId = field(&mut fields, 0, &self)?;
        let kind = seeded_field(&mut fields, 1, KindSeed { depth: self.depth }, &self)?;
        Ok(Node { id, kind })
    }
}

/// The kind of a node at level `depth`.
struct KindSeed {
    depth: usize,
}

const KIND_VARIANTS: &[&str] = &["Doctype", "Element", "Text", "Comment", "Blocked"];

impl<'de> DeserializeSeed<'de> for KindSeed {
    type Value = NodeKind;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<NodeKind, D::Error> {
        deserializer.deserialize_enum("NodeKind", KIND_VARIANTS, self)
    }
}

/// `NodeKind::Doctype`'s fields (a struct variant reads as this struct does in postcard).
#[derive(Deserialize)]
struct DoctypeFields {
    name: String,
    public_id: String,
    system_id: String,
}

/// `NodeKind::Blocked`'s fields.
#[derive(Deserialize)]
struct BlockedFields {
    tag: String,
    size: Size,
}

impl<'de> Visitor<'de> for KindSeed {
    type Value = NodeKind;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a node kind")
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<NodeKind, A::Error> {
        let (index, variant): (u32, _) = data.variant()?;
        Ok(match index {
            0 => {
                let DoctypeFields { name, public_id, system_id } = variant.newtype_variant()?;
                NodeKind::Doctype { name, public_id, system_id }
            }
            1 => NodeKind::Element(variant.newtype_variant_seed(ElementSeed { depth: self.depth })?),
            2 => NodeKind::Text(variant.newtype_variant()?),
            3 => NodeKind::Comment(variant.newtype_variant()?),
            4 => {
                let BlockedFields { tag, size } = variant.newtype_variant()?;
                NodeKind::Blocked { tag, size }
            }
            other => {
                return Err(de::Error::invalid_value(de::Unexpected::Unsigned(other.into()), &"a node kind, 0 to 4"))
            }
        })
    }
}

/// An element at level `depth`: its children are one level below.
struct ElementSeed {
    depth: usize,
}

impl<'de> DeserializeSeed<'de> for ElementSeed {
    type Value = Element;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Element, D::Error> {
        let fields = &["tag", "namespace", "attributes", "form", "children", "extras"];
        deserializer.deserialize_struct("Element", fields, self)
    }
}

impl<'de> Visitor<'de> for ElementSeed {
    type Value = Element;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("an element")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut fields: A) -> Result<Element, A::Error> {
        let tag: String = field(&mut fields, 0, &self)?;
        let namespace: Namespace = field(&mut fields, 1, &self)?;
        let attributes: Vec<Attribute> = field(&mut fields, 2, &self)?;
        let form: Option<FormState> = field(&mut fields, 3, &self)?;
        let below = self.depth + 1;
        let children = seeded_field(&mut fields, 4, ChildrenSeed { depth: below }, &self)?;
        let extras = seeded_field(&mut fields, 5, OptionSeed(ExtrasSeed { children_depth: below }), &self)?;
        Ok(Element { tag, namespace, attributes, form, children, extras: extras.map(Box::new) })
    }
}

/// A list of sibling nodes at level `depth`.
struct ChildrenSeed {
    depth: usize,
}

impl<'de> DeserializeSeed<'de> for ChildrenSeed {
    type Value = Vec<Node>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Vec<Node>, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ChildrenSeed {
    type Value = Vec<Node>;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a list of nodes")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<Vec<Node>, A::Error> {
        let mut children = Vec::with_capacity(items.size_hint().unwrap_or(0).min(MAX_RESERVED));
        while let Some(child) = items.next_element_seed(NodeSeed { depth: self.depth })? {
            children.push(child);
        }
        Ok(children)
    }
}

/// An element's extras; the children of its roots are at level `children_depth`.
struct ExtrasSeed {
    children_depth: usize,
}

impl<'de> DeserializeSeed<'de> for ExtrasSeed {
    type Value = Extras;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Extras, D::Error> {
        deserializer.deserialize_struct("Extras", &["shadow", "frame", "sheet", "media", "modal"], self)
    }
}

impl<'de> Visitor<'de> for ExtrasSeed {
    type Value = Extras;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("an element's extras")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut fields: A) -> Result<Extras, A::Error> {
        let root = || OptionSeed(RootSeed { children_depth: self.children_depth });
        let shadow = seeded_field(&mut fields, 0, root(), &self)?;
        let frame = seeded_field(&mut fields, 1, root(), &self)?;
        let sheet: Option<Rules> = field(&mut fields, 2, &self)?;
        let media: Option<MediaState> = field(&mut fields, 3, &self)?;
        let modal: bool = field(&mut fields, 4, &self)?;
        Ok(Extras { shadow, frame, sheet, media, modal })
    }
}

/// A shadow root or frame document whose children are at level `children_depth`.
struct RootSeed {
    children_depth: usize,
}

impl<'de> DeserializeSeed<'de> for RootSeed {
    type Value = Root;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Root, D::Error> {
        deserializer.deserialize_struct("Root", &["id", "url", "adopted", "children"], self)
    }
}

impl<'de> Visitor<'de> for RootSeed {
    type Value = Root;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a shadow root or frame document")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut fields: A) -> Result<Root, A::Error> {
        let id: NodeId = field(&mut fields, 0, &self)?;
        let url: String = field(&mut fields, 1, &self)?;
        let adopted: Vec<Rules> = field(&mut fields, 2, &self)?;
        let children = seeded_field(&mut fields, 3, ChildrenSeed { depth: self.children_depth }, &self)?;
        Ok(Root { id, url, adopted, children })
    }
}

/// An `Option` of what `T` decodes.
struct OptionSeed<T>(T);

impl<'de, T: DeserializeSeed<'de>> DeserializeSeed<'de> for OptionSeed<T> {
    type Value = Option<T::Value>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_option(self)
    }
}

impl<'de, T: DeserializeSeed<'de>> Visitor<'de> for OptionSeed<T> {
    type Value = Option<T::Value>;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("an optional value")
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        self.0.deserialize(deserializer).map(Some)
    }
}

/// The next field of a struct read as a sequence; missing is an error naming its position.
fn field<'de, A: SeqAccess<'de>, T: Deserialize<'de>>(
    fields: &mut A,
    index: usize,
    expected: &dyn de::Expected,
) -> Result<T, A::Error> {
    fields.next_element()?.ok_or_else(|| A::Error::invalid_length(index, expected))
}

/// The next field, decoded with `seed`.
fn seeded_field<'de, A: SeqAccess<'de>, S: DeserializeSeed<'de>>(
    fields: &mut A,
    index: usize,
    seed: S,
    expected: &dyn de::Expected,
) -> Result<S::Value, A::Error> {
    fields.next_element_seed(seed)?.ok_or_else(|| A::Error::invalid_length(index, expected))
}
