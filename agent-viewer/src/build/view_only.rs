//! The mirror is view-only: nothing in it may navigate the iframe away from the mirrored page.
//!
//! The viewer's shield keeps the agent's real clicks away, but a script click (`link.click()` from the
//! viewer page, a browser extension) would still follow a mirrored link, resolved against the visitor's
//! URL. So capturing listeners on the mirror's document cancel the default of every click, middle click
//! and form submit. Rebuilding the document (`document.open()`) drops its listeners, so the mirror calls
//! [`NavigationGuard::protect`] again after each rebuild.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Event};

/// The events whose default action can navigate: following a link or an area, submitting a form.
const NAVIGATING_EVENTS: [&str; 3] = ["click", "auxclick", "submit"];

/// The listener that cancels navigation, shared by every document the mirror builds.
pub struct NavigationGuard {
    cancel: Closure<dyn Fn(Event)>,
}

impl Default for NavigationGuard {
    fn default() -> Self {
        Self { cancel: Closure::<dyn Fn(Event)>::new(|event: Event| event.prevent_default()) }
    }
}

impl NavigationGuard {
    /// Cancels, in `document`, the default of every event that could navigate.
    pub fn protect(&self, document: &Document) -> Result<(), JsValue> {
        for name in NAVIGATING_EVENTS {
            document.add_event_listener_with_callback_and_bool(name, self.cancel.as_ref().unchecked_ref(), true)?;
        }
        Ok(())
    }
}
