//! A `Delta` applied to the mirror: its events in order, then the forget rule, as on the visitor's side.
//!
//! Nodes are found by the id the visitor gave them. An event naming an id the mirror does not know (or
//! that the DOM refuses) does not stop the delta: it is counted ([`Mirror::out_of_step_events`]), the rest
//! is applied, and the session asks for a fresh snapshot (see `session.rs`). After the events, a node
//! removed from a parent during the delta and no longer in the document loses its id, with its subtree;
//! the viewer's nodes go back into the head if it was replaced, new text gets its `:hover` twins, and
//! the window's scroll offset is applied again in the next animation frame (the page may have grown).

use crate::mirror::Mirror;
use crate::state::presence;
use crate::styles::pseudo;
use cobrowse_protocol::{Delta, Event, Selection};
use web_sys::{Document, Node};

impl Mirror {
    /// Applies a delta's events in order, then the forget rule.
    pub fn apply_delta(&mut self, delta: &Delta) {
        let Some(document) = self.document() else {
            self.counts.out_of_step += delta.events.len() as u32;
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
        if delta
            .events
            .iter()
            .any(|event| matches!(event, Event::Children { .. } | Event::Append { .. } | Event::Text { .. }))
        {
            pseudo::process_document(&document);
        }
        self.window_scroll.restore_next_frame();
    }

    fn apply_event(&mut self, document: &Document, event: &Event, removed: &mut Vec<Node>) {
        match event {
            Event::Children { parent, children } => self.apply_children(document, *parent, children, removed),
            Event::Append { parent, children } => self.apply_append(document, *parent, children),
            Event::Attribute { node, name, value } => self.apply_attribute(*node, name, value.as_ref()),
            Event::Text { node, text } => self.apply_text(*node, text),
            Event::Form { node, state } => self.apply_form(*node, state),
            Event::Scroll { node: None, offset } => self.window_scroll.scroll_to(*offset),
            Event::Scroll { node: Some(node), offset } => self.apply_element_scroll(*node, *offset),
            Event::Viewport(size) => self.overlay.set_viewport(*size),
            Event::Pointer(point) => self.overlay.move_pointer(*point),
            Event::Click(point) => self.overlay.show_click(*point),
            Event::Sheet { node, rules } => self.apply_sheet(*node, rules.as_ref()),
            Event::Adopted { root, sheets } => self.apply_adopted(document, *root, sheets),
            Event::Media { node, state } => self.apply_media(*node, state),
            Event::Canvas { node, image } => self.apply_canvas(*node, image),
            Event::Modal { node, modal } => self.apply_modal(*node, *modal),
            Event::Hover(node) => {
                let element = node.and_then(|id| self.element(id));
                self.presence.hover(element);
            }
            Event::Focus(node) => {
                let element = node.and_then(|id| self.element(id));
                self.presence.focus(element);
            }
            Event::Selection(selection) => self.apply_selection(document, selection.as_ref()),
            Event::Shadow { host, root } => self.apply_shadow(*host, root),
            Event::Frame { frame: iframe, document } => self.apply_nested_document(*iframe, document.as_ref()),
        }
    }

    fn apply_selection(&self, document: &Document, selection: Option<&Selection>) {
        let ends =
            selection.and_then(|s| Some((self.node(s.anchor)?, s.anchor_offset, self.node(s.focus)?, s.focus_offset)));
        presence::select(document, ends);
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
