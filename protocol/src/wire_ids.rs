//! A snapshot's node ids on the wire: each as its difference from the id expected there.
//!
//! The visitor numbers nodes as it walks the document, so in a snapshot each node's id is almost always
//! the previous node's plus one. Sent as they are, the ids differ in every repeated row or card, and the
//! deflate stream cannot match one row against the last: on large pages ids cost about half the
//! compressed bytes. Sent as `zigzag(id - expected)`, where `expected` is one past the previous id in the
//! order below, they are almost all `0`, and repeated markup becomes repeated bytes.
//!
//! The order: each node's id, then its element's children, then its shadow root's id and children, then
//! its frame document's id and children; depth first, as postcard writes them. Any `u32` ids round-trip
//! (the arithmetic wraps).
//!
//! A later part of a sliced snapshot (`Event::Children` and `Event::Append` of the elements the snapshot
//! left unfinished) is the rest of the same walk: the new nodes of its events take the same wire form, in the
//! order of the events ([`encode_part`]). Without it, a large page's parts (most of its snapshot)
//! compressed 4:1 where the snapshot in one piece compresses 14:1. Deltas keep their ids as they are.
//!
//! The senders write this form as they write the payload (`payload.rs`); [`encode`] and [`encode_part`]
//! turn a tree into it in place, for the tests that check those writers against serde.

use crate::page::{Child, Delta, Event, Node, NodeId, NodeKind, Root, Snapshot};

/// Replaces every id of `snapshot` by its wire form, in place.
pub fn encode(snapshot: &mut Snapshot) {
    let mut expected: NodeId = 0;
    visit_nodes(&mut snapshot.children, &mut |id| *id = to_wire(*id, &mut expected));
}

/// Turns the wire form of every id of `snapshot` back into the id, in place: the inverse of [`encode`].
pub fn decode(snapshot: &mut Snapshot) {
    let mut expected: NodeId = 0;
    visit_nodes(&mut snapshot.children, &mut |id| {
        let actual = expected.wrapping_add(unzigzag(*id) as u32);
        expected = actual.wrapping_add(1);
        *id = actual;
    });
}

/// Replaces the id of every new node of a snapshot part by its wire form, in place.
pub fn encode_part(part: &mut Delta) {
    let mut expected: NodeId = 0;
    visit_part(part, &mut |id| *id = to_wire(*id, &mut expected));
}

/// The inverse of [`encode_part`].
pub fn decode_part(part: &mut Delta) {
    let mut expected: NodeId = 0;
    visit_part(part, &mut |id| {
        let actual = expected.wrapping_add(unzigzag(*id) as u32);
        expected = actual.wrapping_add(1);
        *id = actual;
    });
}

/// Calls `each` on every id of the new nodes of `part`'s `Children` and `Append` events, in wire order
/// (parents and nodes the mirror has already keep their ids).
fn visit_part(part: &mut Delta, each: &mut impl FnMut(&mut NodeId)) {
    for event in &mut part.events {
        match event {
            Event::Children { children, .. } => {
                for child in children {
                    if let Child::New(node) = child {
                        visit_nodes(std::slice::from_mut(node), each);
                    }
                }
            }
            Event::Append { children, .. } => visit_nodes(children, each),
            _ => {}
        }
    }
}

/// Calls `each` on every id below `nodes`, in wire order. Recurses: a decoded tree is at most
/// `MAX_DEPTH` deep (`depth.rs`), and the visitor sends none deeper.
fn visit_nodes(nodes: &mut [Node], each: &mut impl FnMut(&mut NodeId)) {
    for node in nodes {
        each(&mut node.id);
        let NodeKind::Element(element) = &mut node.kind else { continue };
        visit_nodes(&mut element.children, each);
        if let Some(extras) = element.extras.as_deref_mut() {
            for root in [&mut extras.shadow, &mut extras.frame].into_iter().flatten() {
                visit_root(root, each);
            }
        }
    }
}

fn visit_root(root: &mut Root, each: &mut impl FnMut(&mut NodeId)) {
    each(&mut root.id);
    visit_nodes(&mut root.children, each);
}

/// `id`'s wire form where `expected` is expected, which then moves to one past `id` (the writers of
/// `payload.rs` call it as they go).
pub(crate) fn to_wire(id: NodeId, expected: &mut NodeId) -> u32 {
    let wire = zigzag(id.wrapping_sub(*expected) as i32);
    *expected = id.wrapping_add(1);
    wire
}

pub(crate) fn zigzag(difference: i32) -> u32 {
    ((difference << 1) ^ (difference >> 31)) as u32
}

fn unzigzag(wire: u32) -> i32 {
    ((wire >> 1) as i32) ^ -((wire & 1) as i32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::page::{Element, Extras, Namespace, Point, Size};

    fn text(id: NodeId) -> Node {
        Node { id, kind: NodeKind::Text(crate::Value::Plain("row".into())) }
    }

    fn element(id: NodeId, children: Vec<Node>, extras: Option<Box<Extras>>) -> Node {
        let element =
            Element { tag: "li".into(), namespace: Namespace::Html, attributes: vec![], form: None, children, extras };
        Node { id, kind: NodeKind::Element(element) }
    }

    fn page(ids: [NodeId; 8]) -> Snapshot {
        let shadow = Root { id: ids[4], url: String::new(), adopted: vec![], children: vec![text(ids[5])] };
        let frame = Root { id: ids[6], url: "https://x.test/".into(), adopted: vec![], children: vec![text(ids[7])] };
        let extras = Extras { shadow: Some(shadow), frame: Some(frame), ..Extras::default() };
        Snapshot {
            url: "https://x.test/".into(),
            viewport: Size { width: 1, height: 1 },
            scroll: Point { x: 0, y: 0 },
            children: vec![
                element(ids[0], vec![text(ids[1])], None),
                element(ids[2], vec![text(ids[3])], Some(Box::new(extras))),
            ],
            adopted: vec![],
        }
    }

    fn ids(snapshot: &mut Snapshot) -> Vec<NodeId> {
        let mut found = Vec::new();
        visit_nodes(&mut snapshot.children, &mut |id| found.push(*id));
        found
    }

    #[test]
    fn ids_in_walk_order_are_sent_as_zeros() {
        let mut snapshot = page([1, 2, 3, 4, 5, 6, 7, 8]);
        encode(&mut snapshot);
        assert_eq!(ids(&mut snapshot), [2, 0, 0, 0, 0, 0, 0, 0], "1 is one past the start (0): zigzag(1) = 2");
    }

    #[test]
    fn any_ids_round_trip() {
        for original in [[1, 2, 3, 4, 5, 6, 7, 8], [9, 3, u32::MAX, 0, 7, 7, 1 << 31, 12], [0; 8]] {
            let mut snapshot = page(original);
            encode(&mut snapshot);
            decode(&mut snapshot);
            assert_eq!(snapshot, page(original));
        }
    }

    #[test]
    fn a_part_s_new_nodes_take_the_wire_form_and_come_back() {
        use crate::page::{Child, Delta, Event};
        let rows = |first: NodeId| {
            (0..3).map(move |n| Child::New(element(first + 2 * n, vec![text(first + 2 * n + 1)], None)))
        };
        let children: Vec<Child> = rows(40).chain([Child::Existing(7)]).collect();
        let part = Delta {
            events: vec![
                Event::Children { parent: 3, children },
                Event::Children { parent: 9, children: rows(46).collect() },
                Event::Append {
                    parent: 10,
                    children: (0..3).map(|n| element(52 + 2 * n, vec![text(53 + 2 * n)], None)).collect(),
                },
            ],
        };
        let mut wire = part.clone();
        encode_part(&mut wire);
        let Event::Children { parent, children } = &wire.events[0] else { unreachable!() };
        assert_eq!(*parent, 3, "the parent keeps its id");
        assert_eq!(children[3], Child::Existing(7), "a node the mirror has keeps its id");
        let Child::New(first) = &children[1] else { unreachable!() };
        assert_eq!(first.id, 0, "one past the previous id: 0");
        let Event::Append { children, .. } = &wire.events[2] else { unreachable!() };
        assert!(children.iter().all(|node| node.id == 0), "appended after the last: {children:?}");
        decode_part(&mut wire);
        assert_eq!(wire, part);
    }
}
