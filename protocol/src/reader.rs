//! Decoding snapshots and deltas without recursion: the page tree is read with a stack of open lists
//! on the heap, so the decoder's own stack stays flat however deep the tree claims to be.
//!
//! Why not serde alone: serde decodes a tree by recursing once per level through several functions, and in
//! a browser each wasm call is a frame on the engine's native stack (about 1 MiB in Chromium). Even with
//! `depth.rs`'s limit of 512 levels, the debug build of the viewer ran out of it ("Maximum call stack size
//! exceeded") before reaching the limit. So the viewer's [`crate::Decoder`] reads the tree here: the
//! structure (nodes, elements, extras, roots, the events that carry them) by hand, each leaf value
//! (strings, attributes, form state, sizes, rules) with postcard. It reads exactly what the derived
//! `Serialize` writes, refuses trees past [`MAX_DEPTH`] as `depth.rs` does, and `tests/depth.rs` and
//! `tests/hostile.rs` check that it agrees with the serde path on valid and arbitrary bytes.

use crate::depth::MAX_DEPTH;
use crate::page::{Child, Delta, Element, Event, Extras, Node, NodeKind, Root, Snapshot};
use serde::de::DeserializeOwned;

/// Decodes a snapshot's postcard bytes.
pub fn snapshot(bytes: &[u8]) -> Result<Snapshot, String> {
    let mut reader = Reader { bytes };
    let url = reader.value()?;
    let viewport = reader.value()?;
    let scroll = reader.value()?;
    let count = reader.length()?;
    let children = reader.nodes(count)?;
    let adopted = reader.value()?;
    Ok(Snapshot { url, viewport, scroll, children, adopted })
}

/// Decodes a delta's postcard bytes.
pub fn delta(bytes: &[u8]) -> Result<Delta, String> {
    let mut reader = Reader { bytes };
    let count = reader.length()?;
    let mut events = Vec::with_capacity(count.min(reader.bytes.len()));
    for _ in 0..count {
        events.push(reader.event()?);
    }
    Ok(Delta { events })
}

/// The variant indices of the events that carry nodes or roots.
const CHILDREN_EVENT: u32 = 0;
const SHADOW_EVENT: u32 = 8;
const FRAME_EVENT: u32 = 9;
const APPEND_EVENT: u32 = 18;
/// The variant index of `NodeKind::Element`.
const ELEMENT_KIND: u32 = 1;

/// The bytes not read yet.
struct Reader<'a> {
    bytes: &'a [u8],
}

/// A list of nodes being read, and what it belongs to.
struct OpenList {
    owner: Owner,
    remaining: usize,
    children: Vec<Node>,
}

/// Whose children an open list holds. A root's list replaces its host's on the stack: a root adds no level.
/// (One value per open level, moved once into its node: boxing the large variants would only add allocations.)
#[allow(clippy::large_enum_variant)]
enum Owner {
    /// The list asked for (a snapshot's children, a new subtree, a root's children).
    Top,
    Element {
        id: u32,
        element: Element,
    },
    Shadow {
        id: u32,
        element: Element,
        root: Root,
    },
    Frame {
        id: u32,
        element: Element,
        extras: Extras,
        root: Root,
    },
}

impl Reader<'_> {
    /// A leaf value, as postcard reads it.
    fn value<T: DeserializeOwned>(&mut self) -> Result<T, String> {
        let (value, rest) = postcard::take_from_bytes(self.bytes).map_err(|error| error.to_string())?;
        self.bytes = rest;
        Ok(value)
    }

    fn varint(&mut self) -> Result<u32, String> {
        self.value()
    }

    /// A sequence's length.
    fn length(&mut self) -> Result<usize, String> {
        Ok(self.varint()? as usize)
    }

    /// An `Option`'s tag.
    fn is_some(&mut self) -> Result<bool, String> {
        self.value()
    }

    /// One event of a delta: those that carry nodes or roots by hand, the others by postcard.
    fn event(&mut self) -> Result<Event, String> {
        let at_event = self.bytes;
        Ok(match self.varint()? {
            CHILDREN_EVENT => {
                let parent = self.varint()?;
                let count = self.length()?;
                let mut children = Vec::with_capacity(count.min(self.bytes.len()));
                for _ in 0..count {
                    children.push(match self.varint()? {
                        0 => Child::Existing(self.varint()?),
                        1 => Child::New(self.nodes(1)?.remove(0)),
                        other => return Err(format!("unknown child kind {other}")),
                    });
                }
                Event::Children { parent, children }
            }
            APPEND_EVENT => {
                let parent = self.varint()?;
                let count = self.length()?;
                Event::Append { parent, children: self.nodes(count)? }
            }
            SHADOW_EVENT => Event::Shadow { host: self.varint()?, root: self.root()? },
            FRAME_EVENT => {
                let frame = self.varint()?;
                let document = if self.is_some()? { Some(self.root()?) } else { None };
                Event::Frame { frame, document }
            }
            _ => {
                self.bytes = at_event;
                self.value()?
            }
        })
    }

    /// A root at the top of a decoded tree: its children are at level 1.
    fn root(&mut self) -> Result<Root, String> {
        let (id, url, adopted) = (self.varint()?, self.value()?, self.value()?);
        let count = self.length()?;
        Ok(Root { id, url, adopted, children: self.nodes(count)? })
    }

    /// `count` sibling nodes at level 1, with their subtrees, read with a stack of open lists.
    fn nodes(&mut self, count: usize) -> Result<Vec<Node>, String> {
        let mut stack = vec![self.open(Owner::Top, count)];
        loop {
            let Some(list) = stack.last_mut() else { unreachable!("the top list is popped last") };
            if list.remaining == 0 {
                let OpenList { owner, children, .. } = stack.pop().expect("a list is open");
                let node = match owner {
                    Owner::Top => return Ok(children),
                    owner => self.close(owner, children, &mut stack)?,
                };
                if let (Some(node), Some(parent)) = (node, stack.last_mut()) {
                    parent.children.push(node);
                }
                continue;
            }
            list.remaining -= 1;
            if stack.len() > MAX_DEPTH {
                return Err(format!("the page tree is nested deeper than {MAX_DEPTH} levels"));
            }
            let id = self.varint()?;
            match self.varint()? {
                ELEMENT_KIND => {
                    let element = Element {
                        tag: self.value()?,
                        namespace: self.value()?,
                        attributes: self.value()?,
                        form: self.value()?,
                        children: Vec::new(),
                        extras: None,
                    };
                    let count = self.length()?;
                    stack.push(self.open(Owner::Element { id, element }, count));
                }
                kind => {
                    let leaf = self.leaf(kind)?;
                    stack.last_mut().expect("a list is open").children.push(Node { id, kind: leaf });
                }
            }
        }
    }

    fn open(&self, owner: Owner, count: usize) -> OpenList {
        OpenList { owner, remaining: count, children: Vec::with_capacity(count.min(self.bytes.len())) }
    }

    /// A node kind without children (the index is read).
    fn leaf(&mut self, kind: u32) -> Result<NodeKind, String> {
        Ok(match kind {
            0 => NodeKind::Doctype { name: self.value()?, public_id: self.value()?, system_id: self.value()? },
            2 => NodeKind::Text(self.value()?),
            3 => NodeKind::Comment(self.value()?),
            4 => NodeKind::Blocked { tag: self.value()?, size: self.value()? },
            other => return Err(format!("unknown node kind {other}")),
        })
    }

    /// A list is complete: the element goes on to its extras (a root's list may open in its place) or is
    /// done. Returns the finished node, if it is.
    fn close(&mut self, owner: Owner, children: Vec<Node>, stack: &mut Vec<OpenList>) -> Result<Option<Node>, String> {
        let (id, element, extras) = match owner {
            Owner::Top => unreachable!("the top list is returned, not closed"),
            Owner::Element { id, mut element } => {
                element.children = children;
                if !self.is_some()? {
                    return Ok(Some(Node { id, kind: NodeKind::Element(element) }));
                }
                if self.is_some()? {
                    let root = self.root_head()?;
                    let count = self.length()?;
                    stack.push(self.open(Owner::Shadow { id, element, root }, count));
                    return Ok(None);
                }
                (id, element, Extras::default())
            }
            Owner::Shadow { id, element, mut root } => {
                root.children = children;
                (id, element, Extras { shadow: Some(root), ..Extras::default() })
            }
            Owner::Frame { id, mut element, mut extras, mut root } => {
                root.children = children;
                extras.frame = Some(root);
                self.extras_after_roots(&mut extras)?;
                element.extras = Some(Box::new(extras));
                return Ok(Some(Node { id, kind: NodeKind::Element(element) }));
            }
        };
        self.after_shadow(id, element, extras, stack)
    }

    /// The frame document's option, after the shadow root's.
    fn after_shadow(
        &mut self,
        id: u32,
        mut element: Element,
        mut extras: Extras,
        stack: &mut Vec<OpenList>,
    ) -> Result<Option<Node>, String> {
        if self.is_some()? {
            let root = self.root_head()?;
            let count = self.length()?;
            stack.push(self.open(Owner::Frame { id, element, extras, root }, count));
            return Ok(None);
        }
        self.extras_after_roots(&mut extras)?;
        element.extras = Some(Box::new(extras));
        Ok(Some(Node { id, kind: NodeKind::Element(element) }))
    }

    /// A root's fields before its children.
    fn root_head(&mut self) -> Result<Root, String> {
        Ok(Root { id: self.varint()?, url: self.value()?, adopted: self.value()?, children: Vec::new() })
    }

    /// The extras' fields after the two roots: sheet, media, modal.
    fn extras_after_roots(&mut self, extras: &mut Extras) -> Result<(), String> {
        extras.sheet = self.value()?;
        extras.media = self.value()?;
        extras.modal = self.value()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The variant index the derived `Serialize` writes first for `event`.
    fn written_index(event: Event) -> u32 {
        let bytes = postcard::to_allocvec(&event).expect("an event encodes");
        postcard::take_from_bytes::<u32>(&bytes).expect("a variant index").0
    }

    #[test]
    fn the_hand_read_events_are_at_the_indices_serde_writes() {
        let root = || Root { id: 2, url: String::new(), adopted: vec![], children: vec![] };
        assert_eq!(written_index(Event::Children { parent: 1, children: vec![] }), CHILDREN_EVENT);
        assert_eq!(written_index(Event::Shadow { host: 1, root: root() }), SHADOW_EVENT);
        assert_eq!(written_index(Event::Frame { frame: 1, document: None }), FRAME_EVENT);
        assert_eq!(written_index(Event::Append { parent: 1, children: vec![] }), APPEND_EVENT);
    }

    #[test]
    fn an_append_and_the_events_around_it_decode() {
        let delta = Delta {
            events: vec![Event::Selection(None), Event::Append { parent: 1, children: vec![] }, Event::Hover(Some(2))],
        };
        assert_eq!(super::delta(&postcard::to_allocvec(&delta).expect("a delta encodes")), Ok(delta));
    }
}
