//! Page trees built by hand, shared by the protocol's tests.
#![allow(dead_code)]

use cobrowse_protocol::*;

/// An HTML element with no attributes, these children and these extras.
pub fn element(id: NodeId, tag: &str, children: Vec<Node>, extras: Option<Extras>) -> Node {
    Node {
        id,
        kind: NodeKind::Element(Element {
            tag: tag.into(),
            namespace: Namespace::Html,
            attributes: vec![],
            form: None,
            children,
            extras: extras.map(Box::new),
        }),
    }
}

/// A text node holding `text`, plain.
pub fn text(id: NodeId, text: &str) -> Node {
    Node { id, kind: NodeKind::Text(Value::Plain(text.into())) }
}
