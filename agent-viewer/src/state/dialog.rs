//! Modal dialogs: a `<dialog>` the visitor opened with `showModal()` is shown modal in the mirror too
//! (in the top layer, centred, with its backdrop), which its `open` attribute alone would not do.

use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlDialogElement};

/// Shows the mirror dialog modal, or back as its `open` attribute says.
pub fn set_modal(element: &Element, modal: bool) {
    let is_modal = element.matches(":modal").unwrap_or(false);
    if modal == is_modal || !element.is_connected() {
        return;
    }
    let dialog = element.unchecked_ref::<HtmlDialogElement>();
    if is_modal {
        let stays_open = element.has_attribute("open");
        // `close()` does nothing to a dialog without `open`, and the visitor's close removed it first.
        let _ = element.set_attribute("open", "");
        dialog.close();
        if stays_open {
            let _ = element.set_attribute("open", "");
        }
    } else {
        if dialog.open() {
            dialog.close();
        }
        let _ = dialog.show_modal();
    }
}
