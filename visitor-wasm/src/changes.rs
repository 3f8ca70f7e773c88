//! Changes no MutationObserver reports, as the shim's patches to DOM prototypes tell of them.
//!
//! The shim (`www/cobrowse.js`) wraps a few DOM methods and setters once, when the page loads; each call
//! becomes `changed(kind, target)` on this module's export while a session runs. [`Change::parse`] turns
//! the pair into a typed [`Change`]; the session decides what to send. A kind this build does not know is
//! ignored, so an older recorder keeps working with a newer shim.
//!
//! | kind | target | reported by |
//! |------|--------|-------------|
//! | (each feature adds its row) | | |
//! | `shadow` | the host | `Element.prototype.attachShadow` (see `shadow.rs`) |
//! | `frame` | the frame element | a `load` in a watched document, not the shim (see `roots.rs`, `frames.rs`) |
//! | `input` | a field in a frame document | `input` / `change` there, not the shim (see `roots.rs`) |

use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Element, EventTarget};

/// One change reported by the shim.
#[derive(Debug)]
pub enum Change {
    /// A shadow root was attached to this host.
    Shadow(Element),
    /// This frame element loaded a new document.
    Frame(Element),
    /// `input` or `change` on this target in a frame document.
    Input(EventTarget),
}

impl Change {
    /// The change `kind` names, on `target`; `None` for a kind this build does not know.
    pub fn parse(kind: &str, target: JsValue) -> Option<Self> {
        match kind {
            "shadow" => Some(Change::Shadow(target.unchecked_into())),
            "frame" => Some(Change::Frame(target.unchecked_into())),
            "input" => Some(Change::Input(target.unchecked_into())),
            _ => None,
        }
    }
}
