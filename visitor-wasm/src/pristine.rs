//! Constructors from a pristine realm, for pages that replace DOM globals.
//!
//! Some pages (and frameworks) overwrite `window.MutationObserver` or patch node prototypes. The shim
//! takes the constructors it needs from a fresh `about:blank` realm when a session starts and hands them
//! over in `hooks` (`hooks.MutationObserver`); [`adopt`] keeps them and [`mutation_observer`] uses them,
//! falling back to the page's global when the shim gave none. The recorder walks the DOM with
//! `firstChild` / `nextSibling` / `parentNode` only, never `childNodes`, `contains` or `getRootNode`,
//! which such pages hijack.

use js_sys::{Array, Function, Reflect};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::MutationObserver;

thread_local! {
    static OBSERVER_CLASS: RefCell<Option<Function>> = const { RefCell::new(None) };
}

/// Keeps the constructors the shim put in `hooks` (for the sessions to come).
pub fn adopt(hooks: &JsValue) {
    let class =
        Reflect::get(hooks, &"MutationObserver".into()).ok().and_then(|class| class.dyn_into::<Function>().ok());
    OBSERVER_CLASS.set(class);
}

/// A MutationObserver calling `callback`, made by the pristine constructor when there is one.
pub fn mutation_observer(callback: &Function) -> Result<MutationObserver, JsValue> {
    let class = OBSERVER_CLASS.take();
    OBSERVER_CLASS.set(class.clone());
    match class {
        Some(class) => Ok(Reflect::construct(&class, &Array::of1(callback))?.unchecked_into()),
        None => MutationObserver::new(callback),
    }
}
