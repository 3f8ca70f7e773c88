//! Changes no MutationObserver reports, as the shim's patches to DOM prototypes tell of them.
//!
//! The shim (`www/shim/patches.js`) wraps a few DOM methods and setters once, when the page loads; each call
//! becomes `changed(kind, target)` on the crate's export while a session runs. [`Change::parse`] turns
//! the pair into a typed [`Change`]; the session decides what to send. A kind this build does not know is
//! ignored, so an older recorder keeps working with a newer shim.
//!
//! | kind | target | reported by |
//! |------|--------|-------------|
//! | `form` | the control | setters `value`, `checked` (input), `value` (textarea), `value`, `selectedIndex` (select), `selected` (option) |
//! | `modal` | the dialog | `showModal()`, `close()` |
//! | `sheet` | the top `CSSStyleSheet` | `insertRule`, `deleteRule`, `replace`, `replaceSync`, `addRule`, `removeRule` (also on grouping rules) |
//! | `adopted` | the document or shadow root | the `adoptedStyleSheets` setter |
//! | `canvas` | the canvas | drawing calls of 2D and WebGL contexts |
//! | `shadow` | the host | `Element.prototype.attachShadow` (see `shadow.rs`) |
//! | `frame` | the iframe | a `load` in a watched document (see `observer.rs`, `child_documents.rs`) |
//! | `input` | a field in a child document | `input` / `change` there (see `observer.rs`) |
//! | `scroll` | an element or child document | `scroll` in a child document or shadow root (see `observer.rs`) |
//!
//! The last three do not come from the shim: the recorder's observer hears them and hands them to the
//! session as typed changes directly. `changed()` still accepts their kinds, as before (the kind `frame`
//! names an iframe's new child document, not a wire frame).

use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Element, EventTarget, Node};

/// One change reported by the shim (or heard by the observer).
#[derive(Debug)]
pub enum Change {
    /// A form control's state was set from script.
    Form(Element),
    /// A dialog was shown modal or closed.
    Modal(Element),
    /// A stylesheet's rules were changed through the CSSOM (the `CSSStyleSheet`).
    Sheet(JsValue),
    /// A document's or shadow root's adopted stylesheets were replaced.
    Adopted(Node),
    /// A canvas was drawn on.
    Canvas,
    /// A shadow root was attached to this host.
    Shadow(Element),
    /// This iframe loaded a new child document.
    ChildDocument(Element),
    /// `input` or `change` on this target in a child document.
    Input(EventTarget),
    /// This element, or child document, scrolled (inside a child document or a shadow root).
    Scroll(EventTarget),
}

impl Change {
    /// The change `kind` names, on `target`; `None` for a kind this build does not know.
    pub fn parse(kind: &str, target: JsValue) -> Option<Self> {
        if target.is_null() || target.is_undefined() {
            return None;
        }
        Some(match kind {
            "form" => Change::Form(target.unchecked_into()),
            "modal" => Change::Modal(target.unchecked_into()),
            "sheet" => Change::Sheet(target),
            "adopted" => Change::Adopted(target.unchecked_into()),
            "canvas" => Change::Canvas,
            "shadow" => Change::Shadow(target.unchecked_into()),
            "frame" => Change::ChildDocument(target.unchecked_into()),
            "input" => Change::Input(target.unchecked_into()),
            "scroll" => Change::Scroll(target.unchecked_into()),
            _ => return None,
        })
    }
}
