//! The observer: one MutationObserver on the document and on every root below it, and the few listeners
//! that tell of what happens inside those roots.
//!
//! An observer on the document does not see inside shadow roots or child documents. The snapshot
//! serializes such a root under its host (`Extras::shadow`, `Extras::frame`) with its own id, and calls
//! [`Observer::watch`] on it (through the recorder): the same MutationObserver then observes it too, so its
//! changes become `Children`, `Attribute` and `Text` events naming the root's nodes, or the root itself.
//!
//! A watched document also gets a capture-phase `load` listener, so an iframe in it that loads a new child
//! document (added later, navigated, reloaded) is reported as [`Change::ChildDocument`] (see
//! `child_documents.rs`). A child document also gets capture-phase `input`, `change` and `scroll` listeners
//! (the session's own listen on the top document only), reported as [`Change::Input`] and
//! [`Change::Scroll`]; a shadow root gets a `scroll` listener (a scroll inside it is not seen from the
//! document). These go straight to the session's callback, as typed changes.
//!
//! Masking crosses these boundaries: `dom::host_of` gives the element a root hangs under, whose masking its
//! content inherits (see `mask.rs`). Dropping the observer disconnects it and removes its listeners.

use crate::dom;
use crate::page::changes::Change;
use crate::tree::pristine::Pristine;
use js_sys::Array;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, EventTarget, MutationObserver, MutationObserverInit, Node};

/// The events a watched document is listened to for (`input`, `change` and `scroll` in child documents
/// only; shadow roots get `scroll`).
const EVENTS: [&str; 4] = ["load", "input", "change", "scroll"];

/// The MutationObserver watching the document and the roots below it, with its listeners.
pub struct Observer {
    observer: MutationObserver,
    options: MutationObserverInit,
    _on_records: Closure<dyn FnMut(Array)>,
    /// One listener (`load`, and `input` / `change` / `scroll` in child documents) for every watched
    /// document, so adding it twice to one document is a no-op.
    listener: Closure<dyn FnMut(web_sys::Event)>,
    documents: Vec<Document>,
    /// Shadow roots listened to for `scroll` (which does not leave a shadow root).
    shadow_roots: Vec<EventTarget>,
}

impl Observer {
    /// Starts observing everything under `document` with a MutationObserver made by `pristine`:
    /// `on_records` gets each batch of records, `on_change` each change heard in a watched root.
    pub fn observe(
        document: &Document,
        pristine: &Pristine,
        on_records: impl FnMut(Array) + 'static,
        mut on_change: impl FnMut(Change) + 'static,
    ) -> Result<Self, JsValue> {
        let on_records = Closure::<dyn FnMut(Array)>::new(on_records);
        let observer = pristine.mutation_observer(on_records.as_ref().unchecked_ref())?;
        let options = MutationObserverInit::new();
        options.set_child_list(true);
        options.set_attributes(true);
        options.set_attribute_old_value(true);
        options.set_character_data(true);
        options.set_subtree(true);
        let listener = Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
            if let Some(change) = change_of(&event) {
                on_change(change);
            }
        });
        let mut observing = Self {
            observer,
            options,
            _on_records: on_records,
            listener,
            documents: Vec::new(),
            shadow_roots: Vec::new(),
        };
        observing.watch(document)?;
        Ok(observing)
    }

    /// The records queued but not yet delivered to the callback (call before taking a snapshot).
    pub fn take_records(&self) -> Array {
        self.observer.take_records()
    }

    /// Observes `root` (the document, a shadow root or a child document) too.
    pub fn watch(&mut self, root: &Node) -> Result<(), JsValue> {
        self.observer.observe_with_options(root, &self.options)?;
        // A snapshot taken again watches the same documents again: listen to each once.
        if root.node_type() == Node::DOCUMENT_NODE
            && !self.documents.iter().any(|document| AsRef::<Node>::as_ref(document) == root)
        {
            let target: &EventTarget = root.unchecked_ref();
            let is_child_document = dom::host_of(root).is_some();
            for kind in EVENTS {
                if kind == "load" || is_child_document {
                    target.add_event_listener_with_callback_and_bool(kind, self.callback(), true)?;
                }
            }
            self.documents.push(root.clone().unchecked_into());
        }
        if root.node_type() == Node::DOCUMENT_FRAGMENT_NODE
            && !self.shadow_roots.iter().any(|known| AsRef::<JsValue>::as_ref(known) == AsRef::<JsValue>::as_ref(root))
        {
            let target: &EventTarget = root.unchecked_ref();
            target.add_event_listener_with_callback_and_bool("scroll", self.callback(), true)?;
            self.shadow_roots.push(target.clone());
        }
        Ok(())
    }

    fn callback(&self) -> &js_sys::Function {
        self.listener.as_ref().unchecked_ref()
    }
}

impl Drop for Observer {
    fn drop(&mut self) {
        self.observer.disconnect();
        for document in &self.documents {
            for kind in EVENTS {
                let _ = document.remove_event_listener_with_callback_and_bool(kind, self.callback(), true);
            }
        }
        for root in &self.shadow_roots {
            let _ = root.remove_event_listener_with_callback_and_bool("scroll", self.callback(), true);
        }
    }
}

/// What an event in a watched root means: an iframe's `load` (its new child document; other loads are
/// not reported), typing or a scroll in a child document, a scroll in a shadow root.
fn change_of(event: &web_sys::Event) -> Option<Change> {
    let target: web_sys::EventTarget = crate::dom::target_of(event)?;
    match crate::dom::type_of(event).as_str() {
        "load" => {}
        "scroll" => return Some(Change::Scroll(target)),
        _ => return Some(Change::Input(target)),
    }
    let target: Node = target.unchecked_into();
    let is_iframe = target.node_type() == Node::ELEMENT_NODE && dom::is_iframe(target.unchecked_ref());
    is_iframe.then(|| Change::ChildDocument(target.unchecked_into()))
}
