//! The visitor's node ids and the mirror nodes they stand for, both ways.
//!
//! Events name nodes by the id the visitor gave them, so the mirror needs id → node. The forget rule
//! ("a node removed during a delta and no longer in the document loses its id, with its subtree") needs
//! node → id, to find the ids of a removed subtree by walking the DOM; a JS `Map` keyed by the node object
//! gives that without touching the mirror's DOM.
//!
//! Ids of `<script>` and `<noscript>` placeholders are remembered as inert: their children live in the
//! placeholder's `content` fragment, where nothing renders, loads or runs.

use crate::dom::template_content;
use cobrowse_protocol::NodeId;
use std::collections::{HashMap, HashSet};
use wasm_bindgen::JsValue;
use web_sys::Node;

/// The two-way map between visitor ids and mirror nodes.
pub struct NodeIds {
    by_id: HashMap<NodeId, Node>,
    by_node: js_sys::Map,
    inert: HashSet<NodeId>,
}

impl Default for NodeIds {
    fn default() -> Self {
        Self { by_id: HashMap::new(), by_node: js_sys::Map::new(), inert: HashSet::new() }
    }
}

impl NodeIds {
    /// Forgets every id (a snapshot starts over).
    pub fn clear(&mut self) {
        self.by_id.clear();
        self.by_node.clear();
        self.inert.clear();
    }

    /// Gives `node` the id `id`; a node that had this id before loses it.
    pub fn insert(&mut self, id: NodeId, node: &Node) {
        if let Some(previous) = self.by_id.insert(id, node.clone()) {
            self.by_node.delete(&previous);
        }
        self.inert.remove(&id);
        self.by_node.set(node, &JsValue::from(id));
    }

    /// Marks `id` as a placeholder for a script or noscript element.
    pub fn mark_inert(&mut self, id: NodeId) {
        self.inert.insert(id);
    }

    /// Whether `id` is a placeholder (its attributes and form state are not the visitor's business).
    pub fn is_inert(&self, id: NodeId) -> bool {
        self.inert.contains(&id)
    }

    /// The mirror node with this id.
    pub fn get(&self, id: NodeId) -> Option<&Node> {
        self.by_id.get(&id)
    }

    /// The visitor's id of the mirror node `node`, if it has one.
    pub fn id_of(&self, node: &Node) -> Option<NodeId> {
        self.by_node.get(node).as_f64().map(|id| id as NodeId)
    }

    /// How many nodes have an id.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// Whether no node has an id.
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// The node that holds `id`'s children: the node itself, or a placeholder's inert `content` fragment.
    pub fn children_holder(&self, id: NodeId) -> Option<Node> {
        let node = self.get(id)?;
        if self.is_inert(id) {
            return Some(placeholder_content(node));
        }
        Some(node.clone())
    }

    /// Removes the ids of `root` and of every node below it (placeholders' content included).
    pub fn forget_subtree(&mut self, root: &Node) {
        let mut pending = vec![root.clone()];
        while let Some(node) = pending.pop() {
            let holder = match self.forget(&node) {
                Some(id) => self.children_holder_after_forget(&node, id),
                None => node.clone(),
            };
            let mut child = holder.first_child();
            while let Some(current) = child {
                child = current.next_sibling();
                pending.push(current);
            }
        }
    }

    fn forget(&mut self, node: &Node) -> Option<NodeId> {
        let id = self.by_node.get(node).as_f64()? as NodeId;
        self.by_node.delete(node);
        self.by_id.remove(&id);
        Some(id)
    }

    fn children_holder_after_forget(&mut self, node: &Node, id: NodeId) -> Node {
        match self.inert.remove(&id) {
            true => placeholder_content(node),
            false => node.clone(),
        }
    }
}

/// The inert content of a placeholder (only placeholders are inert, so the node is a template).
fn placeholder_content(node: &Node) -> Node {
    template_content(node)
}
