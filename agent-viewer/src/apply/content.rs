//! Events that change one element or text node the mirror already has: an attribute, a text, form
//! state, an element's scroll offset, a sheet's rules, adopted sheets, media playback, canvas pixels and
//! a modal dialog.
//!
//! Each looks its node up by id; an unknown id counts as out of step. Placeholders (a script's or a
//! noscript's) ignore attribute and form events: those are not the visitor's business. Rules, sheets or
//! canvas images the mirror's browser refuses are counted as rejected.

use crate::build::attributes;
use crate::mirror::Mirror;
use crate::state::{canvas, dialog, form, mask, media};
use crate::styles::sheets;
use cobrowse_protocol::{FormState, Image, MediaState, NodeId, Point, Rules, Value, MASK_TEXT};
use wasm_bindgen::JsValue;
use web_sys::{Document, Element};

impl Mirror {
    pub(crate) fn apply_attribute(&mut self, id: NodeId, name: &str, value: Option<&Value>) {
        if self.ids.is_inert(id) {
            return;
        }
        let Some(element) = self.known_element(id) else { return };
        match value {
            Some(value) => {
                attributes::set(&element, name, value, &self.assets);
            }
            None => attributes::remove(&element, name),
        }
    }

    pub(crate) fn apply_text(&mut self, id: NodeId, text: &Value) {
        let Some(node) = self.ids.get(id) else {
            self.counts.out_of_step += 1;
            return;
        };
        node.set_node_value(Some(text.shown(MASK_TEXT)));
        if *text == Value::Masked {
            mask::mark_parent_of(node);
        }
    }

    pub(crate) fn apply_form(&mut self, id: NodeId, state: &FormState) {
        if self.ids.is_inert(id) {
            return;
        }
        if let Some(element) = self.known_element(id) {
            form::apply(&element, state);
        }
    }

    pub(crate) fn apply_element_scroll(&mut self, id: NodeId, offset: Point) {
        if let Some(element) = self.known_element(id) {
            element.set_scroll_left(offset.x);
            element.set_scroll_top(offset.y);
        }
    }

    pub(crate) fn apply_sheet(&mut self, id: NodeId, rules: Option<&Rules>) {
        if let Some(element) = self.known_element(id) {
            self.counts.rejected_rules += sheets::replace_rules(&element, rules);
        }
    }

    /// Adopted sheets of the document (`root: None`) or of a shadow root or nested document with an id.
    pub(crate) fn apply_adopted(&mut self, document: &Document, root: Option<NodeId>, adopted: &[Rules]) {
        let (target, owner): (JsValue, Document) = match root {
            None => (document.clone().into(), document.clone()),
            Some(id) => match self.ids.get(id) {
                Some(node) => (node.clone().into(), node.owner_document().unwrap_or_else(|| document.clone())),
                None => {
                    self.counts.out_of_step += 1;
                    return;
                }
            },
        };
        self.counts.rejected_rules += sheets::adopt_rejections(&target, &owner, adopted);
    }

    pub(crate) fn apply_media(&mut self, id: NodeId, state: &MediaState) {
        if let Some(element) = self.known_element(id) {
            media::apply(&element, state);
        }
    }

    pub(crate) fn apply_canvas(&mut self, id: NodeId, image: &Image) {
        if let Some(element) = self.known_element(id) {
            self.counts.rejected_rules += u32::from(canvas::draw(&element, image).is_err());
        }
    }

    pub(crate) fn apply_modal(&mut self, id: NodeId, modal: bool) {
        if let Some(element) = self.known_element(id) {
            dialog::set_modal(&element, modal);
        }
    }

    /// The element with this id; an unknown id (or one that is not an element) counts as out of step.
    fn known_element(&mut self, id: NodeId) -> Option<Element> {
        let element = self.element(id);
        if element.is_none() {
            self.counts.out_of_step += 1;
        }
        element
    }
}
