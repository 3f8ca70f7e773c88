//! A snapshot's, a snapshot part's and a delta's postcard payload, written by hand in one pass over the
//! tree; in a snapshot and a snapshot part each node's id takes its wire form (`wire_ids.rs`) as it is
//! written, in a delta ids stay as they are.
//!
//! Why not serde's postcard serializer, as for every other message: a snapshot is most of what the visitor
//! encodes, and serde's way cost two walks of the whole tree (one to turn every id into its wire form, in
//! place, which needs the tree mutable or copied, then serde's own) and a call through its generic layers
//! for every field. Here one walk writes what postcard would write for the same value after
//! [`wire_ids::encode`](crate::wire_ids::encode), byte for byte (the tests below compare both on generated
//! trees), from a tree only borrowed: the decoders are unchanged. A delta is what the visitor encodes for
//! every change after that (a storm's thousands of new nodes or changed attributes in one), so its common
//! events are written here too, byte for byte as serde writes the delta.
//!
//! Postcard's rules used here: unsigned integers but `u8` (and lengths, and enum variants, by index) as
//! LEB128 varints; `i32` zigzagged first; `u8` and `bool` as one byte; a string as its length and its
//! UTF-8 bytes; `None` as 0 and `Some` as 1 before the value; a struct's fields in order, nothing between.

use crate::page::{
    Attribute, Child, Delta, Element, Event, Extras, FormState, MediaState, Namespace, Node, NodeId, NodeKind, Root,
    Rules, Snapshot, Value,
};
use crate::wire_ids::{to_wire, zigzag};

/// The variant indices of the events written by hand (checked against serde's in the tests).
const CHILDREN_EVENT: u32 = 0;
const ATTRIBUTE_EVENT: u32 = 1;
const TEXT_EVENT: u32 = 2;
const APPEND_EVENT: u32 = 18;

/// The postcard payload of `snapshot`, its ids in their wire form: what [`crate::message::snapshot_payload`]
/// sends.
pub fn snapshot(snapshot: &Snapshot) -> Vec<u8> {
    let mut writer = Writer::wire_ids();
    writer.str(&snapshot.url);
    writer.varint(snapshot.viewport.width);
    writer.varint(snapshot.viewport.height);
    writer.varint(zigzag(snapshot.scroll.x));
    writer.varint(zigzag(snapshot.scroll.y));
    writer.nodes(&snapshot.children);
    writer.sheets(&snapshot.adopted);
    writer.bytes
}

/// The postcard payload of a snapshot part, the ids of the new nodes of its `Children` and `Append` events
/// in their wire form (as [`wire_ids::encode_part`](crate::wire_ids::encode_part)); its other events as a
/// delta's are.
pub fn snapshot_part(part: &Delta) -> Vec<u8> {
    events(Writer::wire_ids(), part)
}

/// The postcard payload of a delta, its ids as they are: what serde's postcard writes for `delta`.
pub fn delta(delta: &Delta) -> Vec<u8> {
    events(Writer::ids_as_they_are(), delta)
}

/// `delta`'s events after `writer`'s bytes: `Children`, `Append`, `Attribute` and `Text` by hand (the new
/// nodes' ids as `writer` writes ids), any other event by serde, as it is.
fn events(mut writer: Writer, delta: &Delta) -> Vec<u8> {
    writer.length(delta.events.len());
    for event in &delta.events {
        match event {
            Event::Children { parent, children } => {
                writer.varint(CHILDREN_EVENT);
                writer.varint(*parent);
                writer.length(children.len());
                children.iter().for_each(|child| writer.child(child));
            }
            Event::Append { parent, children } => {
                writer.varint(APPEND_EVENT);
                writer.varint(*parent);
                writer.nodes(children);
            }
            Event::Attribute { node, name, value } => {
                writer.varint(ATTRIBUTE_EVENT);
                writer.varint(*node);
                writer.str(name);
                writer.optional_value(value.as_ref());
            }
            Event::Text { node, text } => {
                writer.varint(TEXT_EVENT);
                writer.varint(*node);
                writer.value(text);
            }
            other => writer.bytes.extend(postcard::to_allocvec(other).unwrap_or_default()),
        }
    }
    writer.bytes
}

/// A postcard varint: 7 bits a byte, the lowest first, the high bit set on every byte but the last.
fn push_varint(bytes: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        bytes.push(value as u8 | 0x80);
        value >>= 7;
    }
    bytes.push(value as u8);
}

/// A postcard string: its length as a varint, then its UTF-8 bytes (also the control messages the visitor
/// writes by hand, `message.rs`).
pub(crate) fn push_str(bytes: &mut Vec<u8>, text: &str) {
    push_varint(bytes, text.len() as u64);
    bytes.extend_from_slice(text.as_bytes());
}

/// The payload being written, and, where ids take their wire form, the id the next node is expected to
/// have (see `wire_ids.rs`).
struct Writer {
    bytes: Vec<u8>,
    expected: Option<NodeId>,
}

impl Writer {
    /// A writer of a snapshot or a snapshot part: new nodes' ids in their wire form.
    fn wire_ids() -> Self {
        Writer { bytes: Vec::new(), expected: Some(0) }
    }

    /// A writer of a delta: every id as it is.
    fn ids_as_they_are() -> Self {
        Writer { bytes: Vec::new(), expected: None }
    }

    fn varint(&mut self, value: u32) {
        self.varint64(u64::from(value));
    }

    fn varint64(&mut self, value: u64) {
        push_varint(&mut self.bytes, value);
    }

    fn length(&mut self, length: usize) {
        self.varint64(length as u64);
    }

    fn flag(&mut self, on: bool) {
        self.bytes.push(u8::from(on));
    }

    fn str(&mut self, text: &str) {
        push_str(&mut self.bytes, text);
    }

    /// A node's id: as the difference from the one expected, or as it is.
    fn id(&mut self, id: NodeId) {
        let written = match &mut self.expected {
            Some(expected) => to_wire(id, expected),
            None => id,
        };
        self.varint(written);
    }

    /// A child of a `Children` event: a node the mirror has, by its id as it is, or a new one.
    fn child(&mut self, child: &Child) {
        match child {
            Child::Existing(id) => {
                self.varint(0);
                self.varint(*id);
            }
            Child::New(node) => {
                self.varint(1);
                self.node(node);
            }
        }
    }

    fn nodes(&mut self, nodes: &[Node]) {
        self.length(nodes.len());
        for node in nodes {
            self.node(node);
        }
    }

    fn node(&mut self, node: &Node) {
        self.id(node.id);
        match &node.kind {
            NodeKind::Doctype { name, public_id, system_id } => {
                self.varint(0);
                for text in [name, public_id, system_id] {
                    self.str(text);
                }
            }
            NodeKind::Element(element) => {
                self.varint(1);
                self.element(element);
            }
            NodeKind::Text(value) => {
                self.varint(2);
                self.value(value);
            }
            NodeKind::Comment(text) => {
                self.varint(3);
                self.str(text);
            }
            NodeKind::Blocked { tag, size } => {
                self.varint(4);
                self.str(tag);
                self.varint(size.width);
                self.varint(size.height);
            }
        }
    }

    fn element(&mut self, element: &Element) {
        self.str(&element.tag);
        match &element.namespace {
            Namespace::Html => self.varint(0),
            Namespace::Svg => self.varint(1),
            Namespace::MathMl => self.varint(2),
            Namespace::Other(uri) => {
                self.varint(3);
                self.str(uri);
            }
        }
        self.length(element.attributes.len());
        for Attribute { name, value } in &element.attributes {
            self.str(name);
            self.value(value);
        }
        self.flag(element.form.is_some());
        if let Some(form) = &element.form {
            self.form(form);
        }
        self.nodes(&element.children);
        self.flag(element.extras.is_some());
        if let Some(extras) = &element.extras {
            self.extras(extras);
        }
    }

    fn value(&mut self, value: &Value) {
        match value {
            Value::Plain(text) => {
                self.varint(0);
                self.str(text);
            }
            Value::Masked => self.varint(1),
        }
    }

    /// An `Option<Value>`: `None` as 0, `Some` as 1 and the value.
    fn optional_value(&mut self, value: Option<&Value>) {
        self.flag(value.is_some());
        if let Some(value) = value {
            self.value(value);
        }
    }

    fn form(&mut self, FormState { value, checked, selected }: &FormState) {
        self.optional_value(value.as_ref());
        for state in [checked, selected] {
            self.flag(state.is_some());
            if let Some(on) = state {
                self.flag(*on);
            }
        }
    }

    fn extras(&mut self, Extras { shadow, frame, sheet, media, modal }: &Extras) {
        for root in [shadow, frame] {
            self.flag(root.is_some());
            if let Some(root) = root {
                self.root(root);
            }
        }
        self.flag(sheet.is_some());
        if let Some(rules) = sheet {
            self.rules(rules);
        }
        self.flag(media.is_some());
        if let Some(media) = media {
            self.media(media);
        }
        self.flag(*modal);
    }

    fn root(&mut self, Root { id, url, adopted, children }: &Root) {
        self.id(*id);
        self.str(url);
        self.sheets(adopted);
        self.nodes(children);
    }

    fn sheets(&mut self, sheets: &[Rules]) {
        self.length(sheets.len());
        for rules in sheets {
            self.rules(rules);
        }
    }

    fn rules(&mut self, rules: &Rules) {
        self.length(rules.len());
        for rule in rules {
            self.str(rule);
        }
    }

    fn media(&mut self, MediaState { time_ms, paused, muted, volume, rate_percent }: &MediaState) {
        self.varint64(*time_ms);
        self.flag(*paused);
        self.flag(*muted);
        self.bytes.push(*volume);
        self.varint(u32::from(*rate_percent));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::page::{Point, Size};
    use crate::wire_ids;
    use proptest::prelude::*;

    fn value() -> impl Strategy<Value = Value> {
        prop_oneof![Just(Value::Masked), "[a-z\u{e9}\u{2022} ]{0,12}".prop_map(Value::Plain)]
    }

    fn rules() -> impl Strategy<Value = Rules> {
        prop::collection::vec("[a-z{}: ;]{0,16}", 0..3)
    }

    fn form() -> impl Strategy<Value = FormState> {
        (prop::option::of(value()), prop::option::of(any::<bool>()), prop::option::of(any::<bool>()))
            .prop_map(|(value, checked, selected)| FormState { value, checked, selected })
    }

    fn media() -> impl Strategy<Value = MediaState> {
        (any::<u64>(), any::<bool>(), any::<bool>(), any::<u8>(), any::<u16>()).prop_map(
            |(time_ms, paused, muted, volume, rate_percent)| MediaState {
                time_ms,
                paused,
                muted,
                volume,
                rate_percent,
            },
        )
    }

    fn namespace() -> impl Strategy<Value = Namespace> {
        prop_oneof![
            Just(Namespace::Html),
            Just(Namespace::Svg),
            Just(Namespace::MathMl),
            "[a-z:/.]{0,20}".prop_map(Namespace::Other)
        ]
    }

    /// Any node, with any ids (the wire form must round-trip whatever they are), nested a few levels.
    fn node() -> impl Strategy<Value = Node> {
        let leaf = prop_oneof![
            (any::<u32>(), value()).prop_map(|(id, value)| Node { id, kind: NodeKind::Text(value) }),
            (any::<u32>(), "[ -~]{0,8}").prop_map(|(id, text)| Node { id, kind: NodeKind::Comment(text) }),
            (any::<u32>(), "[a-z]{1,6}", any::<u32>(), any::<u32>()).prop_map(|(id, tag, width, height)| Node {
                id,
                kind: NodeKind::Blocked { tag, size: Size { width, height } }
            }),
            (any::<u32>(), "[a-z]{0,5}", "[ -~]{0,8}", "[ -~]{0,8}").prop_map(|(id, name, public_id, system_id)| {
                Node { id, kind: NodeKind::Doctype { name, public_id, system_id } }
            }),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            let root = || {
                let children = prop::collection::vec(inner.clone(), 0..3);
                (any::<u32>(), "[a-z:/.]{0,12}", prop::collection::vec(rules(), 0..2), children)
                    .prop_map(|(id, url, adopted, children)| Root { id, url, adopted, children })
            };
            let extras = (
                prop::option::of(root()),
                prop::option::of(root()),
                prop::option::of(rules()),
                prop::option::of(media()),
                any::<bool>(),
            )
                .prop_map(|(shadow, frame, sheet, media, modal)| {
                    Box::new(Extras { shadow, frame, sheet, media, modal })
                });
            let attribute = ("[a-z-]{1,8}", value()).prop_map(|(name, value)| Attribute { name, value });
            (
                any::<u32>(),
                "[a-z]{1,8}",
                namespace(),
                prop::collection::vec(attribute, 0..4),
                prop::option::of(form()),
                prop::collection::vec(inner, 0..4),
                prop::option::of(extras),
            )
                .prop_map(|(id, tag, namespace, attributes, form, children, extras)| Node {
                    id,
                    kind: NodeKind::Element(Element { tag, namespace, attributes, form, children, extras }),
                })
        })
    }

    fn snapshot_tree() -> impl Strategy<Value = Snapshot> {
        (
            "[ -~]{0,20}",
            any::<u32>(),
            any::<u32>(),
            any::<i32>(),
            any::<i32>(),
            prop::collection::vec(node(), 0..4),
            prop::collection::vec(rules(), 0..2),
        )
            .prop_map(|(url, width, height, x, y, children, adopted)| Snapshot {
                url,
                viewport: Size { width, height },
                scroll: Point { x, y },
                children,
                adopted,
            })
    }

    fn child() -> impl Strategy<Value = Child> {
        prop_oneof![any::<u32>().prop_map(Child::Existing), node().prop_map(Child::New)]
    }

    fn delta_tree() -> impl Strategy<Value = Delta> {
        let event = prop_oneof![
            (any::<u32>(), prop::collection::vec(child(), 0..4))
                .prop_map(|(parent, children)| Event::Children { parent, children }),
            (any::<u32>(), prop::collection::vec(node(), 0..4))
                .prop_map(|(parent, children)| Event::Append { parent, children }),
            (any::<u32>(), value()).prop_map(|(node, text)| Event::Text { node, text }),
            (any::<u32>(), "[a-z:-]{0,8}", prop::option::of(value()))
                .prop_map(|(node, name, value)| Event::Attribute { node, name, value }),
            (any::<u32>(), any::<i32>(), any::<i32>())
                .prop_map(|(node, x, y)| Event::Scroll { node: Some(node), offset: Point { x, y } }),
            (any::<u32>(), node()).prop_map(|(host, node)| Event::Shadow {
                host,
                root: Root { id: host, url: String::new(), adopted: vec![], children: vec![node] }
            }),
        ];
        prop::collection::vec(event, 0..5).prop_map(|events| Delta { events })
    }

    proptest! {
        #[test]
        fn a_snapshot_is_written_as_serde_writes_it_with_wire_ids(snapshot in snapshot_tree()) {
            let mut wire = snapshot.clone();
            wire_ids::encode(&mut wire);
            prop_assert_eq!(super::snapshot(&snapshot), postcard::to_allocvec(&wire).unwrap());
        }

        #[test]
        fn a_part_is_written_as_serde_writes_it_with_wire_ids(part in delta_tree()) {
            let mut wire = part.clone();
            wire_ids::encode_part(&mut wire);
            prop_assert_eq!(super::snapshot_part(&part), postcard::to_allocvec(&wire).unwrap());
        }

        #[test]
        fn a_delta_is_written_as_serde_writes_it(delta in delta_tree()) {
            prop_assert_eq!(super::delta(&delta), postcard::to_allocvec(&delta).unwrap());
        }
    }

    #[test]
    fn the_event_indices_are_serde_s() {
        let first_byte = |event: &Event| postcard::to_allocvec(event).unwrap()[0];
        assert_eq!(u32::from(first_byte(&Event::Children { parent: 0, children: vec![] })), CHILDREN_EVENT);
        let attribute = Event::Attribute { node: 0, name: String::new(), value: None };
        assert_eq!(u32::from(first_byte(&attribute)), ATTRIBUTE_EVENT);
        assert_eq!(u32::from(first_byte(&Event::Text { node: 0, text: Value::Masked })), TEXT_EVENT);
        assert_eq!(u32::from(first_byte(&Event::Append { parent: 0, children: vec![] })), APPEND_EVENT);
    }
}
