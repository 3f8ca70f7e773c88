//! The mirror: the visitor's page rebuilt in the sandboxed iframe, and kept in step with their deltas.
//!
//! A [`Snapshot`] resets the iframe's document (with the visitor's doctype, so the rendering mode matches)
//! and builds the whole tree; a [`Delta`] applies its events in order. Nodes are found by the id the
//! visitor gave them ([`NodeIds`]). After each delta the forget rule runs, as on the visitor's side: a node
//! removed from a parent during the delta and no longer in the document loses its id, with its subtree.
//!
//! An event naming an id the mirror does not know (or that the DOM refuses) does not stop the delta: it is
//! counted in [`Mirror::out_of_step_events`], the rest is applied, and the session asks for a fresh
//! snapshot (see `session.rs`).
//!
//! The mirror is only looked at: each rebuilt document gets the [`NavigationGuard`], so nothing in it
//! navigates the iframe away.

use crate::attributes;
use crate::build::Builder;
use crate::children;
use crate::form;
use crate::ids::NodeIds;
use crate::injected::Injected;
use crate::mask;
use crate::overlay::Overlay;
use crate::presence::{self, Presence};
use crate::sanitize;
use crate::scroll::WindowScroll;
use crate::sheet_loads::SheetLoads;
use crate::view_only::NavigationGuard;
use crate::{canvas, dialog, media, pseudo, sheets};
use cobrowse_protocol::{Child, Delta, Event, FormState, NodeId, NodeKind, Point, Snapshot, Value, MASK_TEXT};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Element, HtmlDocument, HtmlIFrameElement, Node};

/// The visitor's page, mirrored in an iframe.
pub struct Mirror {
    overlay: Overlay,
    ids: NodeIds,
    injected: Option<Injected>,
    window_scroll: WindowScroll,
    navigation_guard: NavigationGuard,
    out_of_step: u32,
    /// Stylesheet rules (or adopted sheets, or canvas images) the mirror's browser refused.
    rejected_rules: u32,
    presence: Presence,
    sheet_loads: SheetLoads,
}

impl Mirror {
    /// A mirror in `iframe`, which must be in the page and sandboxed with `allow-same-origin` only.
    pub fn new(iframe: HtmlIFrameElement) -> Self {
        Self::with_overlay(Overlay::for_iframe(iframe))
    }

    /// A mirror whose iframe is scaled and given a pointer by `overlay`.
    pub fn with_overlay(overlay: Overlay) -> Self {
        let window_scroll = WindowScroll::new(overlay.iframe());
        let navigation_guard = NavigationGuard::default();
        Self {
            overlay,
            ids: NodeIds::default(),
            injected: None,
            window_scroll,
            navigation_guard,
            out_of_step: 0,
            rejected_rules: 0,
            presence: Presence::default(),
            sheet_loads: SheetLoads::default(),
        }
    }

    pub fn overlay(&self) -> &Overlay {
        &self.overlay
    }

    pub fn overlay_mut(&mut self) -> &mut Overlay {
        &mut self.overlay
    }

    /// The mirror's document.
    pub fn document(&self) -> Option<Document> {
        self.overlay.iframe().content_document()
    }

    /// The mirror node the visitor calls `id`.
    pub fn node(&self, id: NodeId) -> Option<Node> {
        self.ids.get(id).cloned()
    }

    /// How many nodes have an id.
    pub fn node_count(&self) -> usize {
        self.ids.len()
    }

    /// How many events (since the mirror was made) named an unknown id or could not be applied.
    pub fn out_of_step_events(&self) -> u32 {
        self.out_of_step
    }

    /// How many stylesheet rules, adopted sheets or canvas images the mirror's browser refused.
    pub fn rejected_rules(&self) -> u32 {
        self.rejected_rules
    }

    /// Rebuilds the whole document from `snapshot`.
    pub fn apply_snapshot(&mut self, snapshot: &Snapshot) -> Result<(), JsValue> {
        let document = self.fresh_document(snapshot)?;
        self.navigation_guard.protect(&document)?;
        self.ids.clear();
        let injected = Injected::create(&document, &snapshot.url)?;
        let mut builder = Builder::new(&document, &mut self.ids).inject_into_head(&injected);
        for node in &snapshot.children {
            builder.build_into(node, &document);
        }
        self.rejected_rules += builder.finish();
        injected.ensure_attached(&document)?;
        self.presence.clear();
        if !snapshot.adopted.is_empty() {
            self.rejected_rules += u32::from(sheets::adopt(&document, &document, &snapshot.adopted).is_err());
        }
        pseudo::process_document(&document);
        self.sheet_loads.listen(&document);
        injected.follow_visitor_base(&document, &snapshot.url);
        self.injected = Some(injected);
        self.overlay.set_viewport(snapshot.viewport);
        self.window_scroll.scroll_to(snapshot.scroll);
        Ok(())
    }

    /// Applies a delta's events in order, then the forget rule.
    pub fn apply_delta(&mut self, delta: &Delta) {
        let Some(document) = self.document() else {
            self.out_of_step += delta.events.len() as u32;
            return;
        };
        let mut removed = Vec::new();
        for event in &delta.events {
            self.apply_event(&document, event, &mut removed);
        }
        self.forget_detached(&removed);
        if let Some(injected) = &self.injected {
            let _ = injected.ensure_attached(&document);
        }
        if delta.events.iter().any(|event| matches!(event, Event::Children { .. } | Event::Text { .. })) {
            pseudo::process_document(&document);
        }
        self.window_scroll.restore();
    }

    /// Opens the iframe's document afresh with the snapshot's doctype (or none: quirks mode) and empties it.
    fn fresh_document(&self, snapshot: &Snapshot) -> Result<Document, JsValue> {
        let document = self.document().ok_or_else(no_document)?;
        // The iframe's document is of the iframe's realm: `instanceof HTMLDocument` here would be false.
        let html: HtmlDocument = document.unchecked_into();
        html.open()?;
        html.write_1(&doctype_markup(snapshot))?;
        html.close()?;
        let document = self.document().ok_or_else(no_document)?;
        while let Some(child) = document.first_child() {
            document.remove_child(&child)?;
        }
        Ok(document)
    }

    fn apply_event(&mut self, document: &Document, event: &Event, removed: &mut Vec<Node>) {
        match event {
            Event::Children { parent, children } => self.apply_children(document, *parent, children, removed),
            Event::Attribute { node, name, value } => self.apply_attribute(*node, name, value.as_ref()),
            Event::Text { node, text } => self.apply_text(*node, text),
            Event::Form { node, state } => self.apply_form(*node, state),
            Event::Scroll { node: None, offset } => self.window_scroll.scroll_to(*offset),
            Event::Scroll { node: Some(node), offset } => self.apply_element_scroll(*node, *offset),
            Event::Viewport(size) => self.overlay.set_viewport(*size),
            Event::Pointer(point) => self.overlay.move_pointer(*point),
            Event::Click(point) => self.overlay.show_click(*point),
            Event::Sheet { node, rules } => match self.element(*node) {
                Some(element) => self.rejected_rules += sheets::replace_rules(&element, rules.as_ref()),
                None => self.out_of_step += 1,
            },
            Event::Adopted { root, sheets: adopted } => self.apply_adopted(document, *root, adopted),
            Event::Media { node, state } => match self.element(*node) {
                Some(element) => media::apply(&element, state),
                None => self.out_of_step += 1,
            },
            Event::Canvas { node, image } => match self.element(*node) {
                Some(element) => self.rejected_rules += u32::from(canvas::draw(&element, image).is_err()),
                None => self.out_of_step += 1,
            },
            Event::Modal { node, modal } => match self.element(*node) {
                Some(element) => dialog::set_modal(&element, *modal),
                None => self.out_of_step += 1,
            },
            Event::Hover(node) => {
                let element = node.and_then(|id| self.element(id));
                self.presence.hover(element);
            }
            Event::Focus(node) => {
                let element = node.and_then(|id| self.element(id));
                self.presence.focus(element);
            }
            Event::Selection(selection) => {
                let ends = selection
                    .and_then(|s| Some((self.node(s.anchor)?, s.anchor_offset, self.node(s.focus)?, s.focus_offset)));
                presence::select(document, ends);
            }
            Event::Shadow { host, root } => self.out_of_step += crate::shadow::apply(&mut self.ids, *host, root),
            Event::Frame { frame, document } => {
                self.out_of_step += crate::frames::apply(&mut self.ids, *frame, document.as_ref())
            }
        }
    }

    /// Makes `parent`'s children exactly `children`, in order: existing nodes move, new ones are built.
    fn apply_children(&mut self, document: &Document, parent: NodeId, children: &[Child], removed: &mut Vec<Node>) {
        // The document's own children never change in a delta: the visitor sends a snapshot instead.
        let Some(holder) = self.ids.children_holder(parent) else {
            self.out_of_step += 1;
            return;
        };
        let mut builder = Builder::new(document, &mut self.ids);
        let mut unknown = 0;
        let wanted: Vec<Node> = children
            .iter()
            .filter_map(|child| match child {
                Child::Existing(id) => builder.known(*id).or_else(|| {
                    unknown += 1;
                    None
                }),
                Child::New(data) => builder.build(data),
            })
            .collect();
        let refused = children::reorder(&holder, &wanted, self.injected.as_ref(), removed);
        self.rejected_rules += builder.finish();
        self.out_of_step += unknown + refused;
    }

    /// Adopted sheets of the document (`root: None`) or of a shadow root or frame document with an id.
    fn apply_adopted(&mut self, document: &Document, root: Option<NodeId>, adopted: &[cobrowse_protocol::Rules]) {
        let (target, owner): (JsValue, Document) = match root {
            None => (document.clone().into(), document.clone()),
            Some(id) => match self.ids.get(id) {
                Some(node) => (node.clone().into(), node.owner_document().unwrap_or_else(|| document.clone())),
                None => {
                    self.out_of_step += 1;
                    return;
                }
            },
        };
        self.rejected_rules += u32::from(sheets::adopt(&target, &owner, adopted).is_err());
    }

    fn apply_attribute(&mut self, id: NodeId, name: &str, value: Option<&Value>) {
        if self.ids.is_inert(id) {
            return;
        }
        let Some(element) = self.element(id) else {
            self.out_of_step += 1;
            return;
        };
        match value {
            Some(value) => {
                attributes::set(&element, name, value);
            }
            None => attributes::remove(&element, name),
        }
    }

    fn apply_text(&mut self, id: NodeId, text: &Value) {
        let Some(node) = self.ids.get(id) else {
            self.out_of_step += 1;
            return;
        };
        node.set_node_value(Some(text.shown(MASK_TEXT)));
        if *text == Value::Masked {
            mask::mark_parent_of(node);
        }
    }

    fn apply_form(&mut self, id: NodeId, state: &FormState) {
        if self.ids.is_inert(id) {
            return;
        }
        match self.element(id) {
            Some(element) => form::apply(&element, state),
            None => self.out_of_step += 1,
        }
    }

    fn apply_element_scroll(&mut self, id: NodeId, offset: Point) {
        match self.element(id) {
            Some(element) => {
                element.set_scroll_left(offset.x);
                element.set_scroll_top(offset.y);
            }
            None => self.out_of_step += 1,
        }
    }

    /// The element with this id (by node type: mirror nodes are of the iframe's realm, not this one's).
    fn element(&self, id: NodeId) -> Option<Element> {
        let node = self.ids.get(id)?;
        (node.node_type() == Node::ELEMENT_NODE).then(|| node.unchecked_ref::<Element>().clone())
    }

    /// The forget rule: removed nodes that did not come back lose their ids, with their subtrees.
    ///
    /// A node that came back inside a script placeholder is not connected either (the placeholder's
    /// content is a fragment) and is forgotten too; the visitor never puts page content into a script.
    fn forget_detached(&mut self, removed: &[Node]) {
        for node in removed {
            if !node.is_connected() {
                self.ids.forget_subtree(node);
            }
        }
    }
}

fn doctype_markup(snapshot: &Snapshot) -> String {
    snapshot
        .children
        .iter()
        .find_map(|node| match &node.kind {
            NodeKind::Doctype { name, public_id, system_id } => {
                Some(sanitize::doctype_markup(name, public_id, system_id))
            }
            _ => None,
        })
        .unwrap_or_default()
}

fn no_document() -> JsValue {
    JsValue::from_str("the mirror iframe has no document: it must be in the page, sandboxed with allow-same-origin")
}
