//! Changes no MutationObserver reports, as the shim's patches to DOM prototypes tell of them.
//!
//! The shim (`www/cobrowse.js`) wraps a few DOM methods and setters once, when the page loads; each call
//! becomes `changed(kind, target)` on this module's export while a session runs. [`Change::parse`] turns
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
//! | `frame` | the frame element | a `load` in a watched document, not the shim (see `roots.rs`, `frames.rs`) |
//! | `input` | a field in a frame document | `input` / `change` there, not the shim (see `roots.rs`) |
//! | `scroll` | an element or frame document | `scroll` in a frame document or shadow root, not the shim (see `roots.rs`) |

use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Element, EventTarget, Node};

/// One change reported by the shim.
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
    /// This frame element loaded a new document.
    Frame(Element),
    /// `input` or `change` on this target in a frame document.
    Input(EventTarget),
    /// This element, or frame document, scrolled (inside a frame or a shadow root).
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
            "frame" => Change::Frame(target.unchecked_into()),
            "input" => Change::Input(target.unchecked_into()),
            "scroll" => Change::Scroll(target.unchecked_into()),
            _ => return None,
        })
    }
}
