//! The agent's own strokes, drawn over the mirror as they are sent, fading as they do on the visitor's
//! side.
//!
//! An `<svg id="cobrowse-strokes">` over the mirror box holds one `<polyline>` per stroke, in mirror box
//! coordinates (document point → box, see `call/point.rs`). A finished stroke fades (`viewer.css`,
//! `.cobrowse-stroke[data-fading]`) and is removed after [`FADE_MS`]. It does not follow the mirror's
//! scroll: it is gone in a few seconds, as on the visitor's side.

use crate::dom::SVG_NS;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::Element;

/// How long a finished stroke stays before it is removed (its fade in `viewer.css` lasts as long).
pub const FADE_MS: i32 = 3_000;

/// The strokes layer and the stroke being drawn.
pub struct Strokes {
    layer: Option<Element>,
    /// A stroke is being drawn (with or without a layer to show it).
    drawing: bool,
    /// The stroke's line and its points so far.
    current: Option<(Element, String)>,
}

impl Strokes {
    /// Strokes drawn into `layer` (none: nothing is drawn).
    pub fn new(layer: Option<Element>) -> Self {
        Self { layer, drawing: false, current: None }
    }

    /// Begins a stroke at `at` (mirror box coordinates), ending the one before.
    pub fn begin(&mut self, at: (f64, f64)) {
        self.end();
        self.drawing = true;
        let Some(layer) = &self.layer else { return };
        let Some(document) = layer.owner_document() else { return };
        let Ok(line) = document.create_element_ns(Some(SVG_NS), "polyline") else { return };
        let _ = line.set_attribute("class", "cobrowse-stroke");
        let _ = layer.append_child(&line);
        self.current = Some((line, String::new()));
        self.extend(at);
    }

    /// The stroke goes on to `at`.
    pub fn extend(&mut self, at: (f64, f64)) {
        let Some((line, points)) = &mut self.current else { return };
        points.push_str(&format!("{:.1},{:.1} ", at.0, at.1));
        let _ = line.set_attribute("points", points);
    }

    /// Ends the stroke: it fades, then goes.
    pub fn end(&mut self) {
        self.drawing = false;
        let Some((line, _)) = self.current.take() else { return };
        let _ = line.set_attribute("data-fading", "");
        let remove = Closure::once_into_js(move || line.remove());
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(remove.unchecked_ref(), FADE_MS);
        }
    }

    /// Whether a stroke is being drawn.
    pub fn drawing(&self) -> bool {
        self.drawing
    }
}
