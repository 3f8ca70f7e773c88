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
//! The tree nests at most [`crate::depth::MAX_DEPTH`] levels: `Node`, `NodeKind`, `Element`, `Extras`
//! and `Root` are decoded by hand in `depth.rs`, which refuses deeper trees.
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Node {
    pub id: NodeId,
    pub kind: NodeKind,
}

/// What a node is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum NodeKind {
    Doctype {
        name: String,
        public_id: String,
        system_id: String,
    },
    Element(Element),
    Text(Value),
    Comment(String),
    /// A blocked element (`data-cobrowse-block` or a configured selector), replaced by an empty box of its
    /// rendered size: nothing of its content, attributes or children is sent. `tag` as in [`Element::tag`].
    Blocked {
        tag: String,
        size: Size,
    },
}

/// An element with its attributes, form state and children.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Element {
    /// The local name, lower case for HTML elements.
    pub tag: String,
    pub namespace: Namespace,
    pub attributes: Vec<Attribute>,
    pub form: Option<FormState>,
    pub children: Vec<Node>,
    /// The element's rarer state (shadow root, frame document, stylesheet rules, media, modal dialog);
    /// boxed and optional so that ordinary elements pay one byte for all of it. (Element scroll offsets and
    /// canvas pixels follow a snapshot as `Scroll` and `Canvas` events.)
    pub extras: Option<Box<Extras>>,
}

/// The CSSOM rules of one stylesheet, each as its `cssText`, in order.
pub type Rules = Vec<String>;

/// What an element has beyond its tag, attributes, form state and children. All of it is rare.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Extras {
    /// The open shadow root attached to the element.
    pub shadow: Option<Root>,
    /// The document of a same-origin `<iframe>` (or `<frame>`, `<object>`), with its own node ids.
    pub frame: Option<Root>,
    /// The rules of a `<style>`'s or `<link rel=stylesheet>`'s sheet, sent when the mirror cannot get them
    /// from the element's text or URL (rules inserted or deleted at run time, a sheet behind the visitor's
    /// cookies). URLs in them are absolute or relative to the visitor's page.
    pub sheet: Option<Rules>,
    /// The state of a `<video>` or `<audio>`.
    pub media: Option<MediaState>,
    /// A `<dialog>` opened with `showModal()` (the `open` attribute alone shows it non-modal).
    pub modal: bool,
}

/// A document or shadow root below an element: a same-origin iframe's document, or an open shadow root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Root {
    /// The root's id (shadow roots and frame documents have ids, so `Children` events can name them).
    pub id: NodeId,
    /// A frame document's URL, against which its relative URLs resolve; empty for a shadow root.
    pub url: String,
    /// Constructed stylesheets adopted by the root (`adoptedStyleSheets`), in order.
    pub adopted: Vec<Rules>,
    /// The root's children (for a document: doctype, comments and the root element).
    pub children: Vec<Node>,
}

/// The playback state of a media element.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaState {
    /// `currentTime` in milliseconds.
    pub time_ms: u64,
    pub paused: bool,
    pub muted: bool,
    /// `volume` in percent.
    pub volume: u8,
    /// `playbackRate` in percent.
    pub rate_percent: u16,
}

/// An encoded image (a canvas's pixels).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Image {
    /// `image/png`, `image/webp` or `image/jpeg`.
    pub mime: String,
    pub bytes: Vec<u8>,
}

/// A text selection, from its anchor to its focus (offsets as in the DOM's `Selection`). An end inside
/// masked text is moved to offset 0, so a selection reveals nothing of a masked text's length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Selection {
    pub anchor: NodeId,
    pub anchor_offset: u32,
    pub focus: NodeId,
    pub focus_offset: u32,
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
    /// Constructed stylesheets adopted by the document (`document.adoptedStyleSheets`), in order.
    pub adopted: Vec<Rules>,
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
    /// The visitor clicked at this viewport position.
    Click(Point),
    /// An open shadow root was attached to `host` after the host was sent.
    Shadow { host: NodeId, root: Root },
    /// A same-origin frame loaded a new document (`None`: its document cannot be read, e.g. cross-origin).
    Frame { frame: NodeId, document: Option<Root> },
    /// The rules of a `<style>`'s or `<link>`'s sheet changed at run time (`None`: back to its text or URL).
    Sheet { node: NodeId, rules: Option<Rules> },
    /// The adopted stylesheets of the top document (`root: None`), a frame document or a shadow root.
    Adopted { root: Option<NodeId>, sheets: Vec<Rules> },
    /// A media element played, paused, seeked or changed volume.
    Media { node: NodeId, state: MediaState },
    /// A canvas's pixels changed.
    Canvas { node: NodeId, image: Image },
    /// A `<dialog>` was shown modal (`true`) or is no longer modal.
    Modal { node: NodeId, modal: bool },
    /// The focused element (`None`: the body or nothing).
    Focus(Option<NodeId>),
    /// The element under the visitor's pointer, whose `:hover` styles the mirror shows (`None`: none).
    Hover(Option<NodeId>),
    /// The visitor's text selection (`None`: nothing selected).
    Selection(Option<Selection>),
    /// New nodes (with their subtrees) added after `parent`'s last child: the rest of a children list a
    /// snapshot or an earlier event left unfinished when the visitor's time slice ran out (a sliced
    /// walk). Only ever sent when the mirror's last child of `parent` is the visitor's last sent one.
    Append { parent: NodeId, children: Vec<Node> },
}
