//! What the shim may know of the page's nodes, in one export (each export costs the visitor's download):
//! `node_info(node)`, the node's id and whether it is mirrored plainly.
//!
//! Two of the shim's parts need it. The asset uploader (`www/shim/assets/uploader.js`) uploads the resources of an
//! element only if it is mirrored plainly: it has an id, and neither it nor an ancestor is masked or blocked
//! (the check runs again in `send_asset`). The support call's module (`www/shim/call/`) matches the node ids
//! an agent names with the page's elements, and lets an agent in control type only in a field that is
//! mirrored plainly: what the recorder masks is the visitor's alone.

use wasm_bindgen::prelude::*;
use web_sys::Node;

/// The node's id × 2, plus 1 if it is mirrored plainly (not masked, not blocked, as it was sent and as it is
/// now); -1 if it has no id (not mirrored, ignored, or no session records). So `info >> 1` is the id (or
/// -1), and `info % 2 === 1` tells a node mirrored plainly.
#[wasm_bindgen]
pub fn node_info(node: Node) -> i32 {
    crate::connection::running::node_info(&node)
}
