//! The visitor's canvas pixels, shown in the mirror.
//!
//! The mirror runs without scripts, and a `<canvas>` in a document without scripting shows its fallback
//! content instead of its pixels: drawing into it would show nothing. So each mirror canvas gets an
//! `<img data-cobrowse-viewer>` as its first child, showing the PNG of the latest `Event::Canvas` through a
//! `blob:` URL the viewer makes (the mirror fetches nothing of the visitor's for it). The viewer's
//! stylesheet (`build/injected.rs`) hides the visitor's fallback content and makes the canvas a box the image
//! fills; the image takes the canvas's `width` and `height` as its own size when CSS gives none. Nodes
//! marked `data-cobrowse-viewer` are the viewer's: `apply/reorder.rs` leaves them in place.

use crate::dom::VIEWER_MARKER;
use cobrowse_protocol::Image;
use js_sys::{Array, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Blob, BlobPropertyBag, Element, Url};

/// Shows `image` in the mirror canvas `canvas`, replacing the image shown before once the new one is
/// decoded (so the canvas never shows a blank between two images).
pub fn draw(canvas: &Element, image: &Image) -> Result<(), JsValue> {
    let document = canvas.owner_document().ok_or_else(|| JsValue::from_str("the canvas has no document"))?;
    let picture = document.create_element("img")?;
    picture.set_attribute(VIEWER_MARKER, "")?;
    picture.set_attribute("alt", "")?;
    for dimension in ["width", "height"] {
        let size = canvas.get_attribute(dimension).unwrap_or_else(|| default_size(dimension).into());
        picture.set_attribute(dimension, &size)?;
    }
    let url = blob_url(image)?;
    picture.set_attribute("src", &url)?;
    let (shown, replacing) = (picture.clone(), canvas.clone());
    let on_load = Closure::once_into_js(move || {
        let previous = replacing.first_element_child().filter(|first| first.has_attribute(VIEWER_MARKER));
        let _ = replacing.insert_before(&shown, replacing.first_child().as_ref());
        if let Some(previous) = previous {
            if let Some(old_url) = previous.get_attribute("src") {
                let _ = Url::revoke_object_url(&old_url);
            }
            previous.remove();
        }
    });
    picture.add_event_listener_with_callback("load", on_load.unchecked_ref())?;
    Ok(())
}

/// A canvas's size when its attribute is missing (the HTML default).
fn default_size(dimension: &str) -> &'static str {
    if dimension == "width" {
        "300"
    } else {
        "150"
    }
}

fn blob_url(image: &Image) -> Result<String, JsValue> {
    let bytes = Uint8Array::from(image.bytes.as_slice());
    let options = BlobPropertyBag::new();
    options.set_type(&image.mime);
    let blob = Blob::new_with_u8_array_sequence_and_options(&Array::of1(&bytes), &options)?;
    Url::create_object_url_with_blob(&blob)
}
