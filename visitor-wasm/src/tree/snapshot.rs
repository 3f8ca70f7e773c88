//! Snapshot: the DOM turned into the protocol's `page::Node` tree, masking as it goes.
//!
//! The same [`Serializer`] writes the full [`Snapshot`] and the new subtrees of a delta
//! ([`cobrowse_protocol::Child::New`]), giving every node it writes a fresh id: a snapshot starts a new id
//! map (see `ids.rs`), and a new subtree is a copy the mirror has never seen (a known node moved into a new
//! subtree is rebuilt there; the mirror forgets its old copy with the old id).
//!
//! Slicing (see `backlog.rs`): once the task's slice is spent, the walk sends no more children of the
//! parent it is in (a shadow root, a child document or an element); the parent waits in the recorder's
//! backlog, and `record.rs` sends its children in a later task. The document's own children (the doctype
//! and the root element) are always sent: the document has no id for a later event to name.
//!
//! Every node's id is recorded with the [`Masking`] it was serialized with, so the recorder can tell when a
//! known node moved into or out of a masked subtree and must be serialized again.
//!
//! What is left out: elements with `data-cobrowse-ignore` (the shim's own widget and stylesheet) with
//! their subtrees, the text inside `<script>` (the mirror never runs it), and node types the mirror cannot
//! rebuild (processing instructions). The recorder uses [`is_serialized`] and [`lists_children`] to leave
//! out the same nodes from its events. A blocked element is sent as [`NodeKind::Blocked`], its tag and
//! rendered size only.
//!
//! Open shadow roots and readable child documents are serialized under their hosts as [`Root`]s, masked as
//! their hosts, and from then on watched by the recorder's observer (see `observer.rs`).
//!
//! Depth: the agent's decoder refuses a tree nested deeper than [`MAX_DEPTH`] levels (counted as the
//! protocol counts them: a snapshot's children, a new subtree's top node and a new root's children are at
//! level 1; a root adds no level). So an element at level `MAX_DEPTH` is sent as [`NodeKind::Blocked`], an
//! empty box of its size, and recorded as blocked: nothing below it has an id or produces events, as below
//! any blocked element. Honest pages rarely nest that deep (Chromium's HTML parser stops at 512 too).

use crate::dom::{self, IGNORE_ATTRIBUTE};
use crate::page::{extras, forms};
use crate::recorder::Recorder;
use crate::tree::backlog::Waiting;
use crate::tree::carriers;
use crate::tree::describe::{describe, unmasked_attributes, Described, DescribedElement};
use crate::tree::joined::NulFields;
use crate::tree::mask::Masking;
use cobrowse_protocol::{Attribute, Element, Extras, Namespace, Node, NodeKind, Root, Size, Snapshot, MAX_DEPTH};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, DocumentType, Window};

/// The whole document as the visitor sees it now, every node under a fresh id; with a slice set, the
/// parents reached once it is spent wait in the recorder's backlog (see the module doc).
pub fn take(window: &Window, document: &Document, recorder: &mut Recorder) -> Snapshot {
    recorder.ids.restart();
    recorder.backlog.clear();
    recorder.scroll_watch = recorder.hooks.scrolled(); // the page's document, which the shim's set covers
    let mut serializer = Serializer { recorder, depth: 0 };
    Snapshot {
        url: document.url().unwrap_or_default(),
        viewport: dom::viewport(window),
        scroll: dom::window_scroll(window),
        children: serializer.children(document, Masking::Plain, false),
        adopted: serializer.recorder.adopted_sheets(document),
    }
}

/// A node that is new to the mirror, with its subtree, every node under a fresh id. `parent` is its
/// parent's masking; `level` the node's level (1 at the top of a delta's new subtree, deeper for the
/// children of a parent that waited in the backlog: see the module doc on depth). `None` if the node is
/// not serialized at all.
pub fn new_subtree(node: &web_sys::Node, parent: Masking, level: usize, recorder: &mut Recorder) -> Option<Node> {
    Serializer { recorder, depth: level }.node(node, parent)
}

/// A shadow root or child document new to the mirror (see `shadow.rs`, `child_documents.rs`), every node
/// under a fresh id; `masking` is its host's.
pub fn new_root(root: &web_sys::Node, masking: Masking, url: String, recorder: &mut Recorder) -> Root {
    Serializer { recorder, depth: 0 }.root(root, masking, url)
}

/// Whether the node appears in frames at all: not an ignored element, and of a kind the mirror rebuilds.
pub fn is_serialized(node: &web_sys::Node) -> bool {
    match node.node_type() {
        web_sys::Node::ELEMENT_NODE => !node.unchecked_ref::<web_sys::Element>().has_attribute(IGNORE_ATTRIBUTE),
        web_sys::Node::TEXT_NODE
        | web_sys::Node::CDATA_SECTION_NODE
        | web_sys::Node::COMMENT_NODE
        | web_sys::Node::DOCUMENT_TYPE_NODE => true,
        _ => false,
    }
}

/// Whether an element's children appear in frames: not those of a `<script>` (its code is useless to the
/// agent) nor of the other elements whose content is raw text the visitor never sees (`carriers.rs`).
pub fn lists_children(element: &web_sys::Element) -> bool {
    carriers::lists_children(element, &element.local_name())
}

/// Walks the DOM, giving ids and masking with the session's [`Recorder`].
struct Serializer<'a> {
    recorder: &'a mut Recorder,
    /// The level of the nodes being serialized now (see the module doc).
    depth: usize,
}

impl Serializer<'_> {
    /// The id of a node `describe.js` read, recorded with `masking`: it set the node's value already, as
    /// [`Ids::preset`](crate::tree::ids::Ids::preset)`(preset)`.
    fn described_id(&mut self, node: &web_sys::Node, preset: Masking, masking: Masking) -> u32 {
        self.recorder.ids.assign_preset(node, preset, masking)
    }

    /// The serialized children of `parent`, whose masking is `masking`. If `deferrable`, those reached once
    /// the slice is spent are left out and `parent` waits in the backlog (see the module doc).
    fn children(&mut self, parent: &web_sys::Node, masking: Masking, deferrable: bool) -> Vec<Node> {
        self.depth += 1;
        let mut children = Vec::new();
        let (mut child, mut last_sent) = (parent.first_child(), None);
        while let Some(node) = child {
            if deferrable && self.recorder.backlog.is_spent() {
                let (parent, level) = (parent.clone(), self.depth);
                let scrolled = self.recorder.scroll_watch.clone();
                self.recorder.backlog.defer(Waiting { parent, level, after: last_sent, scrolled });
                break;
            }
            let serialized = self.node(&node, masking);
            child = node.next_sibling();
            if let Some(serialized) = serialized {
                children.push(serialized);
                last_sent = Some(node); // moved, not cloned: a clone is a call into JS
            }
        }
        self.depth -= 1;
        children
    }

    /// `node` and its subtree; `parent` is its parent's masking. `None` if it is left out.
    fn node(&mut self, node: &web_sys::Node, parent: Masking) -> Option<Node> {
        let mask = &self.recorder.mask;
        // Content is read with the node only where nothing of it can be masked (see `describe.rs`).
        let content = !parent.masks() && !mask.masks_all_text();
        let ids = &self.recorder.ids;
        let kind =
            match describe(node, mask.flagged(), content, ids.map(), ids.preset(parent), &self.recorder.scroll_watch) {
                Described::Element(described) => return self.element(node.unchecked_ref(), described, parent),
                Described::Text(text) => {
                    let text = std::cell::Cell::new(text);
                    let read = || text.take().unwrap_or_else(|| node.node_value().unwrap_or_default());
                    NodeKind::Text(carriers::text(mask, &|| node.clone(), parent, &read))
                }
                // Never shown to the visitor, and commented-out markup may hold anything: sent empty.
                Described::Comment => NodeKind::Comment(String::new()),
                Described::Doctype => {
                    let doctype = node.unchecked_ref::<DocumentType>();
                    NodeKind::Doctype {
                        name: dom::name_of(doctype),
                        public_id: doctype.public_id(),
                        system_id: doctype.system_id(),
                    }
                }
                Described::Other => return None,
            };
        Some(Node { id: self.described_id(node, parent, parent), kind })
    }

    /// An element with its id, attributes, form state and children, as its masking says; `parent` is its
    /// parent's masking. `None` if it is ignored.
    fn element(&mut self, element: &web_sys::Element, described: DescribedElement, parent: Masking) -> Option<Node> {
        let tag = described.tag();
        let namespace = described.namespace().unwrap_or_else(|| self::namespace(element.namespace_uri()));
        let masking = match self.recorder.mask.element_masking_flagged(element, tag, parent, described.is_flagged()) {
            Masking::Ignored => {
                self.recorder.ids.forget(element);
                return None;
            }
            _ if self.depth >= MAX_DEPTH => self.cut(element),
            masking => masking,
        };
        let id = self.described_id(element, parent, masking);
        if described.is_scrolled() {
            self.recorder.hooks.note_scrolled(element);
            self.recorder.scrolled.push(element.clone());
        }
        let kind = match masking {
            Masking::Blocked => NodeKind::Blocked { tag: described.into_tag(), size: rendered_size(element) },
            _ => {
                let masked = masking.masks();
                let form = match namespace {
                    Namespace::Html => forms::form_state(element, tag, masked),
                    _ => None,
                };
                let listed = carriers::lists_children(element, tag);
                let children = if listed { self.children(element, masking, true) } else { Vec::new() };
                let extras = self.extras(element, tag, &namespace, masking, described.has_shadow_root());
                let attributes = match described.attributes().filter(|_| !masked) {
                    Some(read) => described_attributes(self.recorder, read, masking),
                    None => match (!masked).then(|| unmasked_attributes(element)).flatten() {
                        Some(read) => described_attributes(self.recorder, &read, masking),
                        None => attributes(self.recorder, element, masking),
                    },
                };
                NodeKind::Element(Element { attributes, form, children, tag: described.into_tag(), namespace, extras })
            }
        };
        Some(Node { id, kind })
    }

    /// An element at the deepest level, sent as a blocked box: what was below it loses any id it had (a
    /// delta may have sent it before, counting from a shallower top), so no event names it.
    fn cut(&mut self, element: &web_sys::Element) -> Masking {
        let mut child = element.first_child();
        while let Some(node) = child {
            self.recorder.ids.forget_subtree(&node);
            child = node.next_sibling();
        }
        Masking::Blocked
    }

    /// The element's extras: its state (unless masked, see `extras.rs`), its open shadow root (if
    /// `has_shadow_root`) and its child document; `None` if it has none of them.
    fn extras(
        &mut self,
        element: &web_sys::Element,
        tag: &str,
        namespace: &Namespace,
        masking: Masking,
        has_shadow_root: bool,
    ) -> Option<Box<Extras>> {
        let mut extras =
            if masking.masks() { Extras::default() } else { extras::of(element, tag, namespace, self.recorder) };
        let shadow = has_shadow_root.then(|| dom::open_shadow_root(element, tag)).flatten();
        extras.shadow = shadow.map(|root| self.root(&root, masking, String::new()));
        extras.frame = dom::child_document(element, tag)
            .map(|document| self.root(&document, masking, dom::document_url(&document)));
        let empty = extras.shadow.is_none()
            && extras.frame.is_none()
            && extras.sheet.is_none()
            && !extras.modal
            && extras.media.is_none();
        (!empty).then(|| Box::new(extras))
    }

    /// A shadow root or child document with its id and children, masked as its host (`masking`); from now
    /// on the recorder observes it too.
    fn root(&mut self, root: &web_sys::Node, masking: Masking, url: String) -> Root {
        let _ = self.recorder.watch(root);
        let adopted = if masking.masks() { Vec::new() } else { self.recorder.adopted_sheets(root) };
        if !adopted.is_empty() {
            self.recorder.note_adopter(root);
        }
        let id = self.recorder.ids.assign(root, masking);
        // The shim's set of scrolled elements covers the page's document alone: every offset is read here.
        let scrolled = std::mem::replace(&mut self.recorder.scroll_watch, JsValue::UNDEFINED);
        let children = self.children(root, masking, true);
        self.recorder.scroll_watch = scrolled;
        Root { id, url, adopted, children }
    }
}

/// The element's rendered size in CSS pixels, rounded: all a blocked element shows.
fn rendered_size(element: &web_sys::Element) -> Size {
    let rect = element.get_bounding_client_rect();
    Size { width: rect.width().round() as u32, height: rect.height().round() as u32 }
}

/// The element's attributes, in the DOM's order, masked as needed; those never sent left out
/// (see `carriers.rs`).
fn attributes(recorder: &Recorder, element: &web_sys::Element, masking: Masking) -> Vec<Attribute> {
    dom::items::<wasm_bindgen::JsValue>(&element.attributes())
        .filter_map(|attribute| {
            let name = dom::name_of(&attribute);
            let value = carriers::attribute(&recorder.mask, &name, &|| masking, &|| dom::value_of(&attribute))?;
            Some(Attribute { name, value })
        })
        .collect()
}

/// The attributes `describe.js` read (NUL, name, NUL, value, ...; `masking`, the element's, masks nothing),
/// those never sent left out.
fn described_attributes(recorder: &Recorder, read: &str, masking: Masking) -> Vec<Attribute> {
    let mut attributes = Vec::new();
    let mut parts = NulFields::new(read);
    parts.next();
    while let (Some(name), Some(value)) = (parts.next(), parts.next()) {
        if let Some(value) = carriers::attribute(&recorder.mask, name, &|| masking, &|| value.to_string()) {
            attributes.push(Attribute { name: name.to_string(), value });
        }
    }
    attributes
}

fn namespace(uri: Option<String>) -> Namespace {
    match uri.as_deref() {
        Some(dom::HTML_NAMESPACE) => Namespace::Html,
        Some(dom::SVG_NAMESPACE) => Namespace::Svg,
        Some(dom::MATHML_NAMESPACE) => Namespace::MathMl,
        _ => Namespace::Other(uri.unwrap_or_default()),
    }
}
