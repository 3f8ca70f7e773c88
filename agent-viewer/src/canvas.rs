//! The visitor's canvas pixels, shown in the mirror.
//!
//! The mirror runs without scripts, and a `<canvas>` in a document without scripting shows its fallback
//! content instead of its pixels: drawing into it would show nothing. So each mirror canvas gets an
//! `<img data-cobrowse-viewer>` as its first child, showing the PNG of the latest `Event::Canvas` through a
//! `blob:` URL the viewer makes (the mirror fetches nothing of the visitor's for it). The viewer's
//! stylesheet (`injected.rs`) hides the visitor's fallback content and makes the canvas a box the image
//! fills; the image takes the canvas's `width` and `height` as its own size when CSS gives none. Nodes
//! marked `data-cobrowse-viewer` are the viewer's: `children.rs` leaves them in place.

use crate::injected::VIEWER_MARKER;
use cobrowse_protocol::Image;
use js_sys::{Array, Uint8Array};
use wasm_bindgen::prelude::*;
use web_sys::{Blob, BlobPropertyBag, Element, Url};

/// Shows `image` in the mirror canvas `canvas`, replacing the image shown before.
pub fn draw(canvas: &Element, image: &Image) -> Result<(), JsValue> {
    let picture = picture_of(canvas)?;
    let url = blob_url(image)?;
    if let Some(previous) = picture.get_attribute("src") {
        Url::revoke_object_url(&previous)?;
    }
    picture.set_attribute("src", &url)?;
    for dimension in ["width", "height"] {
        let size = canvas.get_attribute(dimension).unwrap_or_else(|| default_size(dimension).into());
        picture.set_attribute(dimension, &size)?;
    }
    Ok(())
}

/// The viewer's image inside `canvas`, created the first time.
fn picture_of(canvas: &Element) -> Result<Element, JsValue> {
    if let Some(first) = canvas.first_element_child().filter(|first| first.has_attribute(VIEWER_MARKER)) {
        return Ok(first);
    }
    let document = canvas.owner_document().ok_or_else(|| JsValue::from_str("the canvas has no document"))?;
    let picture = document.create_element("img")?;
    picture.set_attribute(VIEWER_MARKER, "")?;
    picture.set_attribute("alt", "")?;
    canvas.insert_before(&picture, canvas.first_child().as_ref())?;
    Ok(picture)
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
