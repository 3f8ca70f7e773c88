//! Node ids: the numbers by which the visitor and the mirror name the same node.
//!
//! Every full snapshot starts a new map ([`Ids::restart`]): the mirror rebuilds its whole page from it, so
//! the ids it had before mean nothing any more, and a snapshot sliced across tasks (`backlog.rs`) can tell
//! the nodes it has sent (an id) from those still to come (none).
//!
//! Ids live in a JS `WeakMap` keyed by the DOM node itself, so a node the page drops is collected with
//! its id and the visitor never keeps the page's garbage alive. Ids count up from 1 and are never reused
//! within a session, so "was this id handed out during the current batch?" is a comparison with
//! [`Ids::next`] taken at the start of the batch.
//!
//! The forget rule (the mirror applies the same one): a node that is not connected to the document at the
//! end of a mutation batch loses its id, with its whole subtree. If it comes back it is a new node.
//!
//! With its id, each node keeps the [`Masking`] it was serialized with (the map's value is `id * 8` plus
//! the masking's code): a known node that moves into or out of a masked subtree, or whose own markings
//! change, must be serialized again, and keeping the masking here costs no extra call into JS.

use crate::tree::mask::Masking;
use cobrowse_protocol::NodeId;
use wasm_bindgen::prelude::*;
use web_sys::Node;

#[wasm_bindgen]
extern "C" {
    /// A `WeakMap` from nodes to numbers, its values passed as `f64`: no `JsValue` is made for them (every
    /// node of a snapshot is looked up or given an id).
    #[wasm_bindgen(js_name = WeakMap)]
    type NumberMap;
    #[wasm_bindgen(constructor, js_class = WeakMap)]
    fn new() -> NumberMap;
    /// The node's value; NaN if it has none (`undefined` becomes NaN as it enters the wasm). Not an
    /// `Option<f64>`: that comes back through the wasm's memory, two writes by the glue on every lookup.
    #[wasm_bindgen(method, js_class = WeakMap)]
    fn get(this: &NumberMap, key: &Node) -> f64;
    /// `WeakMap.set`, ignoring what it returns.
    #[wasm_bindgen(method, js_class = WeakMap)]
    fn set(this: &NumberMap, key: &Node, value: f64);
    #[wasm_bindgen(method, js_class = WeakMap)]
    fn delete(this: &NumberMap, key: &Node);
}

/// The id of every node the mirror knows about.
pub struct Ids {
    map: NumberMap,
    next: NodeId,
}

impl Default for Ids {
    fn default() -> Self {
        Self::new()
    }
}

impl Ids {
    pub fn new() -> Self {
        Self { map: NumberMap::new(), next: 1 }
    }

    /// The node's id, if the mirror knows it.
    pub fn get(&self, node: &Node) -> Option<NodeId> {
        self.get_with_masking(node).map(|(id, _)| id)
    }

    /// The node's id and the masking it was serialized with, if the mirror knows it.
    pub fn get_with_masking(&self, node: &Node) -> Option<(NodeId, Masking)> {
        let value = self.map.get(node);
        if value.is_nan() {
            return None;
        }
        let value = value as u64;
        Some((Self::id_of_value(value), Self::masking_of_value(value)))
    }

    /// The id a map value (read by `records.js`) stands for.
    pub fn id_of_value(value: u64) -> NodeId {
        (value / 8) as NodeId
    }

    /// The masking a map value (read by `records.js`) says its node was serialized with.
    pub fn masking_of_value(value: u64) -> Masking {
        Self::masking_of_code(value % 8)
    }

    /// The masking of a map value's code, the value modulo 8 (as `records.js` hands it over).
    pub fn masking_of_code(code: u64) -> Masking {
        decode(code)
    }

    /// Forgets every id at once (a new map), keeping the count: a full snapshot gives every node a fresh
    /// id, so no id the mirror had before it is ever named again, and nothing of an older page is left.
    pub fn restart(&mut self) {
        self.map = NumberMap::new();
    }

    /// Gives the node a new id, replacing any it had (a re-serialized subtree is new to the mirror);
    /// `masking` is how it is serialized.
    pub fn assign(&mut self, node: &Node, masking: Masking) -> NodeId {
        let id = self.next;
        self.next += 1;
        self.set(node, id, masking);
        id
    }

    /// The map's value [`Ids::assign`] would give the next node with `masking`, for `describe.js` to set
    /// it in the same call that reads the node; [`Ids::assign_preset`] then takes the id.
    pub fn preset(&self, masking: Masking) -> f64 {
        (u64::from(self.next) * 8 + encode(masking)) as f64
    }

    /// The map itself, for `describe.js`.
    pub fn map(&self) -> &JsValue {
        &self.map
    }

    /// [`Ids::assign`] for a node whose value `describe.js` already set with [`Ids::preset`]`(preset)`:
    /// only a masking other than the preset one costs a call into JS.
    pub fn assign_preset(&mut self, node: &Node, preset: Masking, masking: Masking) -> NodeId {
        let id = self.next;
        self.next += 1;
        if preset != masking {
            self.set(node, id, masking);
        }
        id
    }

    /// Removes the node's id (one `describe.js` preset for a node that turned out not to be sent).
    pub fn forget(&self, node: &Node) {
        self.map.delete(node);
    }

    fn set(&self, node: &Node, id: NodeId, masking: Masking) {
        let value = u64::from(id) * 8 + encode(masking);
        self.map.set(node, value as f64);
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

/// The masking's code in the map's value. An ignored node is never given an id.
fn encode(masking: Masking) -> u64 {
    match masking {
        Masking::Plain => 0,
        Masking::Allowed => 1,
        Masking::MaskedByMode => 2,
        Masking::Masked => 3,
        Masking::Blocked | Masking::Ignored => 4,
    }
}

fn decode(code: u64) -> Masking {
    match code {
        0 => Masking::Plain,
        1 => Masking::Allowed,
        2 => Masking::MaskedByMode,
        3 => Masking::Masked,
        _ => Masking::Blocked,
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
