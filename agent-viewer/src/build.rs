//! Turning the visitor's serialized nodes into mirror DOM nodes, sanitized, and giving them their ids.
//!
//! Elements are created with `createElementNS` in their namespace (so SVG and MathML render), attributes
//! go through `attributes::set` (sanitized, masked), `<script>`/`<noscript>` become inert placeholders
//! whose children go into the placeholder's `content` fragment. Form state and the marks of masked text
//! need the finished tree, so the builder collects them and [`Builder::finish`] applies them once the new
//! nodes are in place. A blocked element becomes an empty box of its size (see `blocked.rs`).

use crate::attributes;
use crate::ids::NodeIds;
use crate::injected::Injected;
use crate::mask;
use crate::sanitize::{self, Inert};
use cobrowse_protocol::{
    Element as ElementData, Extras, FormState, Namespace, Node as NodeData, NodeId, NodeKind, Value, MASK_TEXT,
};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Element, HtmlTemplateElement, Node};

const HTML_NS: &str = "http://www.w3.org/1999/xhtml";
const SVG_NS: &str = "http://www.w3.org/2000/svg";
const MATHML_NS: &str = "http://www.w3.org/1998/Math/MathML";

/// Builds subtrees into one mirror document.
pub struct Builder<'a> {
    document: &'a Document,
    ids: &'a mut NodeIds,
    /// The viewer's nodes, put into the first head built (a snapshot does this before the body exists,
    /// so no image in the body ever resolves its URL against the viewer's page).
    head_injection: Option<&'a Injected>,
    forms: Vec<(Element, FormState)>,
    masked_texts: Vec<Node>,
    extras: Vec<(Element, Box<Extras>)>,
}

impl<'a> Builder<'a> {
    pub fn new(document: &'a Document, ids: &'a mut NodeIds) -> Self {
        Self {
            document,
            ids,
            head_injection: None,
            forms: Vec::new(),
            masked_texts: Vec::new(),
            extras: Vec::new(),
        }
    }

    /// Puts `injected` into the first HTML `<head>` this builder creates.
    pub fn inject_into_head(mut self, injected: &'a Injected) -> Self {
        self.head_injection = Some(injected);
        self
    }

    /// Builds `data` and its subtree, appending each node to its parent as soon as it exists, starting
    /// with `data` itself into `parent`.
    pub fn build_into(&mut self, data: &NodeData, parent: &Node) {
        if let Some(node) = self.create(data) {
            if parent.append_child(&node).is_ok() {
                self.build_children(data, &node);
            }
        }
    }

    /// The node that already has `id`.
    pub fn known(&self, id: NodeId) -> Option<Node> {
        self.ids.get(id).cloned()
    }

    /// Builds `data` and its subtree, detached; the caller inserts it.
    pub fn build(&mut self, data: &NodeData) -> Option<Node> {
        let node = self.create(data)?;
        self.build_children(data, &node);
        Some(node)
    }

    /// Applies what needs the nodes in place: form state, the marks of masked text, sheet rules, media
    /// state and modal dialogs. Returns how many sheet rules the mirror's browser rejected.
    pub fn finish(self) -> u32 {
        for (element, state) in &self.forms {
            crate::form::apply(element, state);
        }
        for text in &self.masked_texts {
            mask::mark_parent_of(text);
        }
        self.extras.iter().map(|(element, extras)| apply_extras(element, extras)).sum()
    }

    fn build_children(&mut self, data: &NodeData, node: &Node) {
        let NodeKind::Element(element) = &data.kind else {
            return;
        };
        // Mirror nodes belong to the iframe's realm, where `instanceof` against this realm's classes fails:
        // the placeholder is known to be a template because the builder made it.
        let holder = match self.ids.is_inert(data.id) {
            true => node.unchecked_ref::<HtmlTemplateElement>().content().into(),
            false => node.clone(),
        };
        if is_html_head(element) {
            self.inject_viewer_nodes(&holder);
        }
        for child in &element.children {
            self.build_into(child, &holder);
        }
    }

    fn inject_viewer_nodes(&mut self, head: &Node) {
        if let Some(injected) = self.head_injection.take() {
            let _ = injected.attach_to(head);
        }
    }

    /// Creates one node (without its children) and gives it its id; `None` if the DOM refuses it.
    fn create(&mut self, data: &NodeData) -> Option<Node> {
        let node = match &data.kind {
            NodeKind::Element(element) => self.create_element(element)?,
            NodeKind::Text(value) => self.create_text(value),
            NodeKind::Comment(text) => self.document.create_comment(text).into(),
            NodeKind::Blocked { tag, size } => crate::blocked::create(self.document, tag, *size).ok()?.into(),
            NodeKind::Doctype { name, public_id, system_id } => {
                self.document.implementation().ok()?.create_document_type(name, public_id, system_id).ok()?.into()
            }
        };
        self.ids.insert(data.id, &node);
        if let NodeKind::Element(element) = &data.kind {
            if sanitize::inert_kind(&element.tag, &element.namespace).is_some() {
                self.ids.mark_inert(data.id);
            }
        }
        Some(node)
    }

    fn create_text(&mut self, value: &Value) -> Node {
        let text: Node = self.document.create_text_node(value.shown(MASK_TEXT)).into();
        if *value == Value::Masked {
            self.masked_texts.push(text.clone());
        }
        text
    }

    fn create_element(&mut self, data: &ElementData) -> Option<Node> {
        if let Some(inert) = sanitize::inert_kind(&data.tag, &data.namespace) {
            return self.create_placeholder(inert).ok();
        }
        let element = self.create_element_in_namespace(data).ok()?;
        for attribute in &data.attributes {
            attributes::set(&element, &attribute.name, &attribute.value);
        }
        if let Some(state) = &data.form {
            self.forms.push((element.clone(), state.clone()));
        }
        if let Some(extras) = &data.extras {
            self.extras.push((element.clone(), extras.clone()));
        }
        if is_media(data) {
            silence(&element);
        }
        Some(element.into())
    }

    fn create_element_in_namespace(&self, data: &ElementData) -> Result<Element, JsValue> {
        let namespace = match &data.namespace {
            Namespace::Html => HTML_NS,
            Namespace::Svg => SVG_NS,
            Namespace::MathMl => MATHML_NS,
            Namespace::Other(uri) => uri.as_str(),
        };
        self.document
            .create_element_ns(Some(namespace), &data.tag)
            // A tag name the DOM rejects still gets a node, so its children and id have a home.
            .or_else(|_| self.document.create_element_ns(Some(HTML_NS), "cobrowse-unknown"))
    }

    fn create_placeholder(&self, inert: Inert) -> Result<Node, JsValue> {
        let template = self.document.create_element("template")?;
        template.set_attribute(sanitize::PLACEHOLDER_MARKER, inert.marker_value())?;
        Ok(template.into())
    }
}

/// Applies what an element's extras carry once it is in the document; returns rejected sheet rules.
fn apply_extras(element: &Element, extras: &Extras) -> u32 {
    if let Some(media) = &extras.media {
        crate::media::apply(element, media);
    }
    if extras.modal {
        crate::dialog::set_modal(element, true);
    }
    match &extras.sheet {
        Some(rules) => crate::sheets::replace_rules(element, Some(rules)),
        None => 0,
    }
}

fn is_media(element: &ElementData) -> bool {
    element.namespace == Namespace::Html && matches!(element.tag.as_str(), "video" | "audio")
}

/// The visitor's media must not play sound in the agent's browser (the agent's click on Join would let
/// an `autoplay` element start). `muted` the property leaves the attributes as the visitor has them.
fn silence(element: &Element) {
    let _ = js_sys::Reflect::set(element, &"muted".into(), &true.into());
}

fn is_html_head(element: &ElementData) -> bool {
    element.namespace == Namespace::Html && element.tag.eq_ignore_ascii_case("head")
}
