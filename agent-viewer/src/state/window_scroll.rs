//! The mirror window's scroll offset: the visitor's, applied at once and applied again when it slipped.
//!
//! A scroll offset can only be reached once the page is tall enough; stylesheets and images that arrive
//! after a snapshot change the height. So the offset the visitor has is kept, and applied again after
//! every delta and when the mirror document finishes loading. Scrolling is instant: the visitor's smooth
//! scrolling arrives as many offsets already.

use cobrowse_protocol::Point;
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{HtmlIFrameElement, ScrollBehavior, ScrollToOptions};

/// The visitor's window scroll offset, kept for one mirror iframe.
pub struct WindowScroll {
    iframe: HtmlIFrameElement,
    offset: Rc<Cell<Point>>,
    on_load: Closure<dyn FnMut()>,
}

impl WindowScroll {
    /// Keeps the offset of `iframe`'s window, applying it again whenever the iframe finishes loading.
    pub fn new(iframe: &HtmlIFrameElement) -> Self {
        let offset = Rc::new(Cell::new(Point::default()));
        let (target, kept) = (iframe.clone(), offset.clone());
        let on_load = Closure::<dyn FnMut()>::new(move || scroll_window(&target, kept.get()));
        let _ = iframe.add_event_listener_with_callback("load", on_load.as_ref().unchecked_ref());
        Self { iframe: iframe.clone(), offset, on_load }
    }

    /// The visitor scrolled to `offset`.
    pub fn scroll_to(&self, offset: Point) {
        self.offset.set(offset);
        self.restore();
    }

    /// Applies the visitor's offset again, unless the mirror is there already.
    pub fn restore(&self) {
        scroll_window(&self.iframe, self.offset.get());
    }
}

impl Drop for WindowScroll {
    fn drop(&mut self) {
        let _ = self.iframe.remove_event_listener_with_callback("load", self.on_load.as_ref().unchecked_ref());
    }
}

fn scroll_window(iframe: &HtmlIFrameElement, offset: Point) {
    let Some(window) = iframe.content_window() else {
        return;
    };
    let (x, y) = (window.scroll_x().unwrap_or(0.0), window.scroll_y().unwrap_or(0.0));
    if (x - offset.x as f64).abs() < 1.0 && (y - offset.y as f64).abs() < 1.0 {
        return;
    }
    let options = ScrollToOptions::new();
    options.set_left(offset.x as f64);
    options.set_top(offset.y as f64);
    options.set_behavior(ScrollBehavior::Instant);
    window.scroll_to_with_scroll_to_options(&options);
}
