//! What each serializer captured, counted in nodes: our frame is decoded as the agent's viewer would
//! (which also checks that it is a valid snapshot frame), rrweb's JSON is walked through `childNodes`.

use cobrowse_protocol::{Decoder, Message, Node, NodeKind};
use serde_json::Value;

/// The nodes in our snapshot frame; fails if the frame does not decode to a snapshot.
pub fn in_our_frame(frame: &[u8]) -> cobrowse_e2e::Result<usize> {
    match Decoder::default().decode(frame)? {
        Message::Snapshot(snapshot) => Ok(snapshot.children.iter().map(subtree_size).sum()),
        _ => Err("our frame is not a snapshot frame".into()),
    }
}

/// The nodes in rrweb's serialized document, not counting the document node itself.
pub fn in_rrweb_json(json: &str) -> cobrowse_e2e::Result<usize> {
    let document: Value = serde_json::from_str(json)?;
    Ok(rrweb_subtree_size(&document) - 1)
}

fn subtree_size(node: &Node) -> usize {
    match &node.kind {
        NodeKind::Element(element) => 1 + element.children.iter().map(subtree_size).sum::<usize>(),
        _ => 1,
    }
}

fn rrweb_subtree_size(node: &Value) -> usize {
    let children = node.get("childNodes").and_then(Value::as_array);
    1 + children.map_or(0, |children| children.iter().map(rrweb_subtree_size).sum())
}
