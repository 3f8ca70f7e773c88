//! Making a parent's children exactly the list a `Children` event gives, in order.
//!
//! Children not in the list are removed; listed nodes are moved into place (from wherever they are now,
//! including later in the same parent) with as few DOM moves as a single pass allows: a node already at
//! the cursor stays. The viewer's own nodes (its base and stylesheet in the head, see
//! `build/injected.rs`, and a canvas's image, see `state/canvas.rs`) are not the visitor's business and
//! keep their place.

use crate::build::injected::Injected;
use crate::dom::is_viewer_node;
use wasm_bindgen::JsValue;
use web_sys::Node;

/// Makes `holder`'s children exactly `wanted`, in order, leaving the viewer's own nodes where they are.
///
/// Every node taken out of a parent (removed here, or moved from elsewhere) is pushed to `removed`, for
/// the forget rule. Returns how many nodes the DOM refused to place (a node into its own subtree).
pub fn reorder(holder: &Node, wanted: &[Node], injected: Option<&Injected>, removed: &mut Vec<Node>) -> u32 {
    let ours_here = injected.filter(|injected| injected.holder().as_ref() == Some(holder));
    let is_ours = |node: &Node| ours_here.is_some_and(|injected| injected.is_ours(node)) || is_viewer_node(node);
    remove_unwanted(holder, wanted, &is_ours, removed);
    place_in_order(holder, wanted, &is_ours, removed)
}

fn remove_unwanted(holder: &Node, wanted: &[Node], is_ours: &dyn Fn(&Node) -> bool, removed: &mut Vec<Node>) {
    let wanted_set = js_sys::Set::new(&JsValue::UNDEFINED);
    for node in wanted {
        wanted_set.add(node);
    }
    let mut child = holder.first_child();
    while let Some(current) = child {
        child = current.next_sibling();
        if !wanted_set.has(&current) && !is_ours(&current) && holder.remove_child(&current).is_ok() {
            removed.push(current);
        }
    }
}

fn place_in_order(holder: &Node, wanted: &[Node], is_ours: &dyn Fn(&Node) -> bool, removed: &mut Vec<Node>) -> u32 {
    let mut failures = 0;
    let mut cursor = holder.first_child();
    for node in wanted {
        while let Some(ours) = cursor.as_ref().filter(|current| is_ours(current)) {
            cursor = ours.next_sibling();
        }
        if cursor.as_ref() == Some(node) {
            cursor = node.next_sibling();
            continue;
        }
        if node.parent_node().is_some() {
            removed.push(node.clone());
        }
        if holder.insert_before(node, cursor.as_ref()).is_err() {
            failures += 1;
        }
    }
    failures
}
