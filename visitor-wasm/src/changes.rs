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

use wasm_bindgen::JsValue;

/// One change reported by the shim.
#[derive(Debug)]
pub enum Change {}

impl Change {
    /// The change `kind` names, on `target`; `None` for a kind this build does not know.
    pub fn parse(kind: &str, target: JsValue) -> Option<Self> {
        let _ = (kind, target);
        None
    }
}
