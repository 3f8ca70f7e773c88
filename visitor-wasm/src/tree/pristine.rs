//! Constructors from a pristine realm, for pages that replace DOM globals.
//!
//! Some pages (and frameworks) overwrite `window.MutationObserver` or patch node prototypes. The shim
//! takes the constructors it needs from a fresh `about:blank` realm when a session starts and hands them
//! over in `hooks` (`hooks.MutationObserver`); [`Pristine`] keeps them for the session's recorder and
//! [`Pristine::mutation_observer`] uses them, falling back to the page's global when the shim gave none.
//! The recorder walks the DOM with `firstChild` / `nextSibling` / `parentNode` only, never `childNodes`,
//! `contains` or `getRootNode`, which such pages hijack.

use js_sys::{Array, Function, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::MutationObserver;

/// The constructors the shim put in `hooks`.
pub struct Pristine {
    observer_class: Option<Function>,
}

impl Pristine {
    /// Keeps the constructors the shim put in `hooks` (none if `hooks` is not an object or lacks them).
    pub fn new(hooks: &JsValue) -> Self {
        let class =
            Reflect::get(hooks, &"MutationObserver".into()).ok().and_then(|class| class.dyn_into::<Function>().ok());
        Self { observer_class: class }
    }

    /// A MutationObserver calling `callback`, made by the pristine constructor when there is one.
    pub fn mutation_observer(&self, callback: &Function) -> Result<MutationObserver, JsValue> {
        match &self.observer_class {
            Some(class) => Ok(Reflect::construct(class, &Array::of1(callback))?.unchecked_into()),
            None => MutationObserver::new(callback),
        }
    }
}
