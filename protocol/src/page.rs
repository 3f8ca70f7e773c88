//! Page content: what the visitor's browser shows, as a full snapshot or as changes.
//!
//! The data flow follows rrweb's split: *snapshot* (a [`Snapshot`] of the whole document), *record* (a
//! stream of [`Delta`]s, each a batch of [`Event`]s from one MutationObserver callback or one input event),
//! *replay* (the agent viewer applies them to its mirror).
//!
//! Node ids are given by the visitor, unique within one snapshot and the deltas that follow it. A node
//! that is not connected to the document at the end of a batch loses its id on both sides; it gets a new
//! one if it comes back.
//!
//! Masked content never appears here: the visitor replaces it by [`Value::Masked`] before serializing, a
//! marker that carries neither the value nor its length.

use serde::{Deserialize, Serialize};

/// What the mirror shows in place of masked text or a masked value: fixed, so it reveals no length.
pub const MASK_TEXT: &str = "\u{2022}\u{2022}\u{2022}\u{2022}\u{2022}\u{2022}";

/// A node's id, given by the visitor.
pub type NodeId = u32;

/// A piece of page text or an attribute or form value, as it may be shown to an agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Value {
    /// Shown as is.
    Plain(String),
    /// Concealed by the visitor's masking rules; nothing of the original is sent, not even its length.
    Masked,
}

impl Value {
    /// The text to show, with `mask` standing for a masked value.
    pub fn shown<'a>(&'a self, mask: &'a str) -> &'a str {
        match self {
            Value::Plain(text) => text,
            Value::Masked => mask,
        }
    }
}

/// The namespace of an element, needed to rebuild SVG and MathML.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Namespace {
    Html,
    Svg,
    MathMl,
    Other(String),
}

/// An element's attribute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attribute {
    pub name: String,
    pub value: Value,
}

/// The live state of a form control, which attributes do not carry once the visitor has typed or clicked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormState {
    /// `value` of an input, textarea or select.
    pub value: Option<Value>,
    /// `checked` of a checkbox or radio button.
    pub checked: Option<bool>,
    /// `selected` of an option.
    pub selected: Option<bool>,
}

/// One node of the document with its subtree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Node {
    pub id: NodeId,
    pub kind: NodeKind,
}

/// What a node is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum NodeKind {
    Doctype { name: String, public_id: String, system_id: String },
    Element(Element),
    Text(Value),
    Comment(String),
    /// A blocked element (`data-cobrowse-block` or a configured selector), replaced by an empty box of its
    /// rendered size: nothing of its content, attributes or children is sent. `tag` as in [`Element::tag`].
    Blocked { tag: String, size: Size },
}

/// An element with its attributes, form state and children.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Element {
    /// The local name, lower case for HTML elements.
    pub tag: String,
    pub namespace: Namespace,
    pub attributes: Vec<Attribute>,
    pub form: Option<FormState>,
    pub children: Vec<Node>,
}

/// A size in CSS pixels.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Size {
    pub width: u32,
    pub height: u32,
}

/// A point or offset in CSS pixels.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Point {
    pub x: i32,
    pub y: i32,
}

/// The whole document as the visitor sees it now. Payload of a [`crate::FrameKind::Snapshot`] frame.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// The page's URL, against which the mirror resolves relative URLs.
    pub url: String,
    /// The visitor's viewport; the agent sees this size, scaled, never its own layout.
    pub viewport: Size,
    /// The window's scroll offset.
    pub scroll: Point,
    /// The document's children: doctype, comments and the root element, in order.
    pub children: Vec<Node>,
}

/// A batch of changes. Payload of a [`crate::FrameKind::Delta`] frame; applied in order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delta {
    pub events: Vec<Event>,
}

/// A child in a [`Event::Children`] list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Child {
    /// A node the mirror already has (possibly elsewhere: it moves).
    Existing(NodeId),
    /// A node (and subtree) the mirror has not seen.
    New(Node),
}

/// One change to the page or to what the visitor is doing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Event {
    /// `parent`'s children are now exactly these, in order. Children it had that are not listed are removed.
    Children { parent: NodeId, children: Vec<Child> },
    /// An attribute was set (`Some`) or removed (`None`).
    Attribute { node: NodeId, name: String, value: Option<Value> },
    /// A text or comment node's data changed.
    Text { node: NodeId, text: Value },
    /// A form control's live state changed (typing, clicking, or script).
    Form { node: NodeId, state: FormState },
    /// The window (`node: None`) or an element scrolled.
    Scroll { node: Option<NodeId>, offset: Point },
    /// The visitor's viewport changed size.
    Viewport(Size),
    /// The visitor's pointer moved, in viewport coordinates.
    Pointer(Point),
}
