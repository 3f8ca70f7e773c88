//! Node ids: the numbers by which the visitor and the mirror name the same node.
//!
//! Ids live in a `js_sys::WeakMap` keyed by the DOM node itself, so a node the page drops is collected with
//! its id and the visitor never keeps the page's garbage alive. Ids count up from 1 and are never reused
//! within a session, so "was this id handed out during the current batch?" is a comparison with
//! [`Ids::next`] taken at the start of the batch.
//!
//! The forget rule (the mirror applies the same one): a node that is not connected to the document at the
//! end of a mutation batch loses its id, with its whole subtree. If it comes back it is a new node.
//!
//! With its id, each node keeps whether it was serialized masked (the map's value is the id, negated for a
//! masked node): a known node that moves into or out of a masked subtree must be serialized again, and
//! keeping the flag here costs no extra call into JS.

use cobrowse_protocol::NodeId;
use js_sys::WeakMap;
use wasm_bindgen::JsValue;
use web_sys::Node;

/// The id of every node the mirror knows about.
pub struct Ids {
    map: WeakMap<Node, JsValue>,
    next: NodeId,
}

impl Default for Ids {
    fn default() -> Self {
        Self::new()
    }
}

impl Ids {
    pub fn new() -> Self {
        Self { map: WeakMap::new_typed(), next: 1 }
    }

    /// The node's id, if the mirror knows it.
    pub fn get(&self, node: &Node) -> Option<NodeId> {
        self.get_with_masking(node).map(|(id, _)| id)
    }

    /// The node's id and whether it was serialized masked, if the mirror knows it.
    pub fn get_with_masking(&self, node: &Node) -> Option<(NodeId, bool)> {
        self.map.get(node).as_f64().map(|value| (value.abs() as NodeId, value < 0.0))
    }

    /// The node's id, giving it one if it has none (snapshots keep ids stable this way); `masked` is how it
    /// is serialized now.
    pub fn get_or_assign(&mut self, node: &Node, masked: bool) -> NodeId {
        match self.get_with_masking(node) {
            Some((id, was_masked)) => {
                if was_masked != masked {
                    self.set(node, id, masked);
                }
                id
            }
            None => self.assign(node, masked),
        }
    }

    /// Gives the node a new id, replacing any it had (a re-serialized subtree is new to the mirror);
    /// `masked` is how it is serialized.
    pub fn assign(&mut self, node: &Node, masked: bool) -> NodeId {
        let id = self.next;
        self.next += 1;
        self.set(node, id, masked);
        id
    }

    fn set(&self, node: &Node, id: NodeId, masked: bool) {
        let value = if masked { -f64::from(id) } else { f64::from(id) };
        self.map.set(node, &JsValue::from(value));
    }

    /// The id the next [`Ids::assign`] will give: ids at or above it were handed out after this call.
    pub fn next(&self) -> NodeId {
        self.next
    }

    /// Removes the ids of `node` and of everything below it.
    pub fn forget_subtree(&self, node: &Node) {
        let mut pending = vec![node.clone()];
        while let Some(node) = pending.pop() {
            self.map.delete(&node);
            let mut child = node.first_child();
            while let Some(current) = child {
                child = current.next_sibling();
                pending.push(current);
            }
        }
    }
}

/// A set of ids, for dropping duplicate events within one batch: a bitmap, since ids are small and dense.
#[derive(Default)]
pub struct IdSet {
    words: Vec<u64>,
}

impl IdSet {
    /// Adds `id`; `false` if it was already there.
    pub fn insert(&mut self, id: NodeId) -> bool {
        let (word, bit) = ((id / 64) as usize, 1u64 << (id % 64));
        if word >= self.words.len() {
            self.words.resize(word + 1, 0);
        }
        let fresh = self.words[word] & bit == 0;
        self.words[word] |= bit;
        fresh
    }
}
