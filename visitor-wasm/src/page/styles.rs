//! Stylesheets changed at run time: rules inserted or deleted through the CSSOM, constructed sheets
//! replaced, adopted sheets reassigned. None of it touches the DOM, so no MutationObserver sees it; the
//! shim reports each call (see `changes.rs`) and [`Styles`] collects them until the next animation tick,
//! when each changed sheet is sent once, whole, however many calls changed it:
//! - a sheet owned by a `<style>` or `<link>` the mirror knows: `Event::Sheet` with all its rules;
//! - a constructed sheet (no owner node): the adopted sheets of the document are sent again
//!   (`Event::Adopted`), as are those of any root whose `adoptedStyleSheets` was assigned.
//!
//! `document.adoptedStyleSheets.push(sheet)` calls no setter; [`Styles::poll`] notices it on the session's
//! timer by comparing the document's adopted rules with those last sent.
//!
//! A constructed sheet does not say who adopted it, so the shadow roots and child documents that had
//! adopted sheets when serialized (or were assigned some since) are remembered as *adopters* (in the
//! session's `Recorder`, since the snapshot notes them): a changed constructed sheet sends the adopted
//! sheets of the document and of every adopter again.

use crate::recorder::Recorder;
use cobrowse_protocol::{Event, Rules};
use js_sys::Reflect;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Node};

/// Sheets and roots whose rules changed since the last animation tick, and what the mirror has of the document's
/// adopted sheets.
#[derive(Default)]
pub struct Styles {
    sheets: Vec<JsValue>,
    roots: Vec<Node>,
    document_adopted: Vec<Rules>,
}

impl Styles {
    /// Whether nothing waits to be sent.
    pub fn is_empty(&self) -> bool {
        self.sheets.is_empty() && self.roots.is_empty()
    }

    /// After a snapshot: the document's adopted sheets as it sent them.
    pub fn snapshot_sent(&mut self, adopted: &[Rules]) {
        self.sheets.clear();
        self.roots.clear();
        self.document_adopted = adopted.to_vec();
    }

    /// A sheet's rules changed through the CSSOM.
    pub fn sheet_changed(&mut self, sheet: JsValue) {
        if !self.sheets.contains(&sheet) {
            self.sheets.push(sheet);
        }
    }

    /// A document's or shadow root's `adoptedStyleSheets` was assigned.
    pub fn adopted_changed(&mut self, root: Node) {
        if !self.roots.contains(&root) {
            self.roots.push(root);
        }
    }

    /// The events for everything collected, emptying the collection.
    pub fn take_events(&mut self, document: &Document, recorder: &mut Recorder) -> Vec<Event> {
        let mut events = Vec::new();
        for sheet in std::mem::take(&mut self.sheets) {
            match owner_node(&sheet) {
                Some(owner) => events.extend(sheet_event(&owner, &sheet, recorder)),
                None => {
                    self.adopted_changed(document.clone().into());
                    for root in recorder.adopters() {
                        self.adopted_changed(root);
                    }
                }
            }
        }
        for root in std::mem::take(&mut self.roots) {
            if root != *AsRef::<Node>::as_ref(document) {
                recorder.note_adopter(&root);
            }
            events.extend(self.adopted_event(&root, document, recorder));
        }
        events
    }

    /// An `Adopted` event if the document's adopted sheets differ from those last sent (a `push`).
    pub fn poll(&mut self, document: &Document, recorder: &Recorder) -> Option<Event> {
        let sheets = recorder.adopted_sheets(document);
        (sheets != self.document_adopted).then(|| self.adopted_event(document, document, recorder)).flatten()
    }

    fn adopted_event(&mut self, root: &Node, document: &Document, recorder: &Recorder) -> Option<Event> {
        let sheets = recorder.adopted_sheets(root);
        if root == document.as_ref() as &Node {
            self.document_adopted = sheets.clone();
            return Some(Event::Adopted { root: None, sheets });
        }
        recorder.ids.get(root).map(|id| Event::Adopted { root: Some(id), sheets })
    }
}

/// The `<style>` or `<link>` element that owns a sheet; `None` for a constructed sheet.
fn owner_node(sheet: &JsValue) -> Option<Node> {
    let owner = Reflect::get(sheet, &"ownerNode".into()).ok()?;
    (!owner.is_null() && !owner.is_undefined()).then(|| owner.unchecked_into())
}

/// The new rules of a sheet whose owner the mirror knows and that is not masked.
fn sheet_event(owner: &Node, sheet: &JsValue, recorder: &Recorder) -> Option<Event> {
    let (node, masking) = recorder.ids.get_with_masking(owner)?;
    if masking.masks() || !owner.is_connected() {
        return None;
    }
    Some(Event::Sheet { node, rules: recorder.hooks.sheet_rules(sheet, &recorder.mask) })
}
