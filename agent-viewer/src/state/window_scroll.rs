//! The mirror window's scroll offset: the visitor's, applied at once and applied again when it slipped.
//!
//! A scroll offset can only be reached once the page is tall enough; stylesheets and images that arrive
//! after a snapshot change the height. So the offset the visitor has is kept, and applied again after
//! deltas and when the mirror document finishes loading. Scrolling is instant: the visitor's smooth
//! scrolling arrives as many offsets already.
//!
//! After a delta the offset is looked at in the next animation frame, not at once
//! ([`WindowScroll::restore_next_frame`]): looking reads the window's offset, which lays the whole page
//! out there and then, and a large page's snapshot comes in many parts, each a delta. In the frame's own
//! callback the layout is one the frame makes anyway, once for all the deltas before it.
//!
//! Reading a window's offset lays its document out at once. A snapshot rebuilds the document, so
//! [`WindowScroll::top_while_empty`] puts the window at the top while the document is still empty (a
//! layout of nothing), and [`WindowScroll::scroll_rebuilt_to`] then reads nothing for a page at the top,
//! as a new page is: its first layout is left to the browser's next frame instead of made in the middle
//! of taking the page in.

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
    /// The animation frame requested to look at the offset, if one is, and what it calls.
    frame_requested: Rc<Cell<Option<i32>>>,
    on_frame: Closure<dyn FnMut()>,
}

impl WindowScroll {
    /// Keeps the offset of `iframe`'s window, applying it again whenever the iframe finishes loading.
    pub fn new(iframe: &HtmlIFrameElement) -> Self {
        let offset = Rc::new(Cell::new(Point::default()));
        let (target, kept) = (iframe.clone(), offset.clone());
        let on_load = Closure::<dyn FnMut()>::new(move || scroll_window(&target, kept.get()));
        let _ = iframe.add_event_listener_with_callback("load", on_load.as_ref().unchecked_ref());
        let frame_requested = Rc::new(Cell::new(None));
        let (target, kept, requested) = (iframe.clone(), offset.clone(), frame_requested.clone());
        let on_frame = Closure::<dyn FnMut()>::new(move || {
            requested.set(None);
            scroll_window(&target, kept.get());
        });
        Self { iframe: iframe.clone(), offset, on_load, frame_requested, on_frame }
    }

    /// The visitor scrolled to `offset`.
    pub fn scroll_to(&self, offset: Point) {
        self.offset.set(offset);
        self.restore();
    }

    /// Puts the window at the top while its document is empty, before a rebuild.
    pub fn top_while_empty(&self) {
        scroll_window(&self.iframe, Point::default());
    }

    /// The visitor's offset for a document rebuilt since [`WindowScroll::top_while_empty`]: at the top,
    /// the window is there already; elsewhere it is scrolled there (which lays the page out).
    pub fn scroll_rebuilt_to(&self, offset: Point) {
        self.offset.set(offset);
        if offset != Point::default() {
            self.restore();
        }
    }

    /// Applies the visitor's offset again, unless the mirror is there already.
    pub fn restore(&self) {
        scroll_window(&self.iframe, self.offset.get());
    }

    /// [`WindowScroll::restore`] in the next animation frame (see the module doc); once, however often
    /// it is asked before.
    pub fn restore_next_frame(&self) {
        if self.frame_requested.get().is_some() {
            return;
        }
        let requested =
            web_sys::window().map(|window| window.request_animation_frame(self.on_frame.as_ref().unchecked_ref()));
        match requested {
            Some(Ok(handle)) => self.frame_requested.set(Some(handle)),
            _ => self.restore(),
        }
    }
}

impl Drop for WindowScroll {
    fn drop(&mut self) {
        let _ = self.iframe.remove_event_listener_with_callback("load", self.on_load.as_ref().unchecked_ref());
        if let (Some(handle), Some(window)) = (self.frame_requested.take(), web_sys::window()) {
            let _ = window.cancel_animation_frame(handle);
        }
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
