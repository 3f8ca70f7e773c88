//! The visitor's canvas pixels, drawn onto the mirror's `<canvas>`.
//!
//! Each `Event::Canvas` carries a PNG of the whole canvas. It is decoded through an `<img>` of a `blob:`
//! URL (made by the viewer, so the mirror's browser never fetches anything of the visitor's for it) and
//! drawn at the canvas's size once loaded; the URL is released right after.

use cobrowse_protocol::Image;
use js_sys::{Array, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Blob, BlobPropertyBag, CanvasRenderingContext2d, Element, HtmlCanvasElement, HtmlImageElement, Url};

/// Draws `image` onto the mirror canvas `element`, replacing what it shows.
pub fn draw(element: &Element, image: &Image) -> Result<(), JsValue> {
    let canvas: HtmlCanvasElement = element.clone().unchecked_into();
    let url = blob_url(image)?;
    let picture = HtmlImageElement::new()?;
    let loaded = picture.clone();
    let release = url.clone();
    let on_load = Closure::once_into_js(move || {
        if let Ok(Some(context)) = canvas.get_context("2d") {
            let context: CanvasRenderingContext2d = context.unchecked_into();
            let (width, height) = (f64::from(canvas.width()), f64::from(canvas.height()));
            context.clear_rect(0.0, 0.0, width, height);
            let _ = context.draw_image_with_html_image_element_and_dw_and_dh(&loaded, 0.0, 0.0, width, height);
        }
        let _ = Url::revoke_object_url(&release);
    });
    picture.set_onload(Some(on_load.unchecked_ref()));
    picture.set_src(&url);
    Ok(())
}

fn blob_url(image: &Image) -> Result<String, JsValue> {
    let bytes = Uint8Array::from(image.bytes.as_slice());
    let options = BlobPropertyBag::new();
    options.set_type(&image.mime);
    let blob = Blob::new_with_u8_array_sequence_and_options(&Array::of1(&bytes), &options)?;
    Url::create_object_url_with_blob(&blob)
}
