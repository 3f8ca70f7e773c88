//! The viewer's own listeners on the mirror's document (the agent's gestures, see `surface/`), added
//! again to every document the mirror rebuilds.
//!
//! Rebuilding the top document (`document.open()`) erases its listeners, like the navigation guard's
//! (`view_only.rs`). The mirror keeps the listeners given once and adds them to each new document. They
//! are capturing and not passive, so they see an event before the page's markup could and may cancel it.
//! The functions are the owner's closures (`surface/`): they must outlive the mirror's use of them.

use wasm_bindgen::JsValue;
use web_sys::{AddEventListenerOptions, Document};

/// Listeners to add to every rebuilt document: (event name, function).
#[derive(Default)]
pub struct DocumentListeners {
    listeners: Vec<(&'static str, js_sys::Function)>,
}

impl DocumentListeners {
    /// Keeps `listeners` for the documents to come, and adds them to `document` (the current one).
    pub fn set(&mut self, listeners: Vec<(&'static str, js_sys::Function)>, document: Option<&Document>) {
        self.listeners = listeners;
        if let Some(document) = document {
            let _ = self.attach(document);
        }
    }

    /// Adds the listeners to `document`, capturing and not passive (they may cancel the default).
    pub fn attach(&self, document: &Document) -> Result<(), JsValue> {
        let options = AddEventListenerOptions::new();
        options.set_capture(true);
        options.set_passive(false);
        for (name, function) in &self.listeners {
            document.add_event_listener_with_callback_and_add_event_listener_options(name, function, &options)?;
        }
        Ok(())
    }
}
