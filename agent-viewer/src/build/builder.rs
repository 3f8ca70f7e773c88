//! Turning the visitor's serialized nodes into mirror DOM nodes, sanitized, and giving them their ids.
//!
//! A [`Builder`] works on one mirror document and holds the [`Mirror`] it builds for (its ids, its
//! asset map, its counts). Nodes are created by `node.rs`, attributes go through `attributes.rs`
//! (sanitized, masked), a placeholder's children go into its `content` fragment. An input's or textarea's
//! state is set at once, while the element is detached (set in the document, a password's value had the
//! whole mirror laid out then, most likely by the browser's password manager). A select's and its options' state, the marks of
//! masked text and what an element's extras carry need the finished tree, so the builder collects them
//! and [`Builder::finish`] applies them once the new nodes are in place. A blocked element becomes an
//! empty box of its size (see `blocked.rs`). An element's open shadow root is built into it at once (see
//! `shadow.rs`); an iframe's nested document is built in `finish`, once the iframe is in the document
//! (see `nested_document.rs`).

use crate::build::injected::Injected;
use crate::build::{attributes, blocked, node};
use crate::dom;
use crate::mirror::Mirror;
use crate::sanitize;
use crate::state::{dialog, form, mask, media};
use crate::styles::sheets;
use cobrowse_protocol::{
    Element as ElementData, Extras, FormState, Node as NodeData, NodeId, NodeKind, Root, Value, MASK_TEXT,
};
use web_sys::{Document, Element, Node};

/// Builds subtrees into one mirror document.
pub struct Builder<'a> {
    mirror: &'a mut Mirror,
    document: &'a Document,
    /// The viewer's nodes, put into the first head built (a snapshot does this before the body exists,
    /// so no image in the body ever resolves its URL against the viewer's page).
    head_injection: Option<&'a Injected>,
    forms: Vec<(Element, FormState)>,
    masked_texts: Vec<Node>,
    extras: Vec<(Element, Box<Extras>)>,
    /// Iframes whose nested documents are built in [`Builder::finish`].
    nested_documents: Vec<(Node, Root)>,
}

impl<'a> Builder<'a> {
    /// A builder of nodes of `document` (the mirror's, or one nested in it) for `mirror`.
    pub fn new(document: &'a Document, mirror: &'a mut Mirror) -> Self {
        Self {
            mirror,
            document,
            head_injection: None,
            forms: Vec::new(),
            masked_texts: Vec::new(),
            extras: Vec::new(),
            nested_documents: Vec::new(),
        }
    }

    /// Puts `injected` into the first HTML `<head>` this builder creates.
    pub fn inject_into_head(mut self, injected: &'a Injected) -> Self {
        self.head_injection = Some(injected);
        self
    }

    /// The mirror being built.
    pub fn mirror(&self) -> &Mirror {
        self.mirror
    }

    pub(crate) fn mirror_mut(&mut self) -> &mut Mirror {
        self.mirror
    }

    /// The document the nodes are made in.
    pub fn document(&self) -> &'a Document {
        self.document
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
        self.mirror.ids.get(id).cloned()
    }

    /// Builds `data` and its subtree, detached; the caller inserts it.
    pub fn build(&mut self, data: &NodeData) -> Option<Node> {
        let node = self.create(data)?;
        self.build_children(data, &node);
        Some(node)
    }

    /// Applies what needs the nodes in place: form state, the marks of masked text, nested documents,
    /// sheet rules, media state and modal dialogs. Rules the mirror's browser rejected are counted.
    pub fn finish(self) {
        for (element, state) in &self.forms {
            form::apply(element, state);
        }
        for text in &self.masked_texts {
            mask::mark_parent_of(text);
        }
        for (iframe, root) in &self.nested_documents {
            self.mirror.build_nested_document(iframe, root);
        }
        let rejected: u32 = self.extras.iter().map(|(element, extras)| apply_extras(element, extras)).sum();
        self.mirror.counts.rejected_rules += rejected;
    }

    fn build_children(&mut self, data: &NodeData, node: &Node) {
        let NodeKind::Element(element) = &data.kind else {
            return;
        };
        // The placeholder is known to be a template because the builder made it.
        let holder = match self.mirror.ids.is_inert(data.id) {
            true => dom::template_content(node),
            false => node.clone(),
        };
        if node::is_html_head(element) {
            self.inject_viewer_nodes(&holder);
        }
        for child in &element.children {
            self.build_into(child, &holder);
        }
        if let Some(extras) = &element.extras {
            if let Some(root) = &extras.shadow {
                self.build_shadow_root(node, root);
            }
            if let Some(root) = &extras.frame {
                self.nested_documents.push((node.clone(), root.clone()));
            }
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
            NodeKind::Blocked { tag, size } => blocked::create(self.document, tag, *size).ok()?.into(),
            NodeKind::Doctype { name, public_id, system_id } => {
                node::doctype(self.document, name, public_id, system_id)?
            }
        };
        self.mirror.ids.insert(data.id, &node);
        if let NodeKind::Element(element) = &data.kind {
            if sanitize::inert_kind(&element.tag, &element.namespace).is_some() {
                self.mirror.ids.mark_inert(data.id);
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
            return node::placeholder(self.document, inert).ok();
        }
        let element = node::element_in_namespace(self.document, data).ok()?;
        if !data.attributes.is_empty() {
            let tag = element.local_name();
            for attribute in &data.attributes {
                attributes::set_on(&element, &tag, &attribute.name, &attribute.value, &self.mirror.assets);
            }
        }
        if let Some(state) = &data.form {
            match needs_its_options(data, state) {
                true => self.forms.push((element.clone(), state.clone())),
                // Set while detached: a password's value set in the document had the whole mirror laid
                // out then and there (about 20 ms a page; most likely the browser's password manager).
                false => form::apply(&element, state),
            }
        }
        if let Some(extras) = &data.extras {
            self.extras.push((element.clone(), extras.clone()));
        }
        if node::is_media(data) {
            node::silence(&element);
        }
        Some(element.into())
    }
}

/// Whether `state` can only be set once the element is in place with its options: a `<select>`'s value,
/// an `<option>`'s selectedness (a select settles which option is selected as options join it).
fn needs_its_options(data: &ElementData, state: &FormState) -> bool {
    state.selected.is_some() || data.tag.eq_ignore_ascii_case("select")
}

/// Applies what an element's extras carry once it is in the document; returns rejected sheet rules.
fn apply_extras(element: &Element, extras: &Extras) -> u32 {
    if let Some(state) = &extras.media {
        media::apply(element, state);
    }
    if extras.modal {
        dialog::set_modal(element, true);
    }
    match &extras.sheet {
        Some(rules) => sheets::replace_rules(element, Some(rules)),
        None => 0,
    }
}
