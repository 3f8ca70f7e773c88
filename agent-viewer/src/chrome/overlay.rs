//! What the agent sees around the mirror: its size, its scale, and the visitor's pointer.
//!
//! The mirror iframe always has the visitor's viewport size, so the page lays out exactly as the visitor
//! sees it; a CSS transform scales it down to fit the space the viewer page gives it (never up: a small
//! phone viewport stays crisp). The box around the iframe (the mirror box, `#cobrowse-frame` in
//! `index.html`) takes the scaled size, and holds the transparent shield that keeps the agent's clicks
//! away from the mirror, and the pointer, placed at the visitor's pointer coordinates times the scale.
//!
//! While the agent holds a call tool or controls the visitor's page the mirror is *interactive*: the
//! iframe loses `inert`, the mirror box gets `data-interactive` (the shield steps aside, see
//! `viewer.css`) and becomes focusable as the control surface, so the agent's gestures reach the
//! mirror's document, where `surface/` listens (and cancels every default: the mirror stays view-only).

use crate::chrome::agent_pointers::AgentPointers;
use cobrowse_protocol::call::AgentId;
use cobrowse_protocol::{Point, Size};
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, HtmlIFrameElement};

/// How long a click ripple stays, in milliseconds (its animation in `viewer.css` lasts as long).
const CLICK_RIPPLE_MS: i32 = 700;

/// The page elements around the mirror; tests may drive the mirror without them.
pub struct Surroundings {
    /// The area the scaled mirror must fit into.
    pub stage: HtmlElement,
    /// The mirror box: it takes the scaled size and holds the iframe, the shield and the pointer.
    pub mirror_box: HtmlElement,
    /// The visitor's pointer, positioned inside `mirror_box`.
    pub pointer: HtmlElement,
}

/// The mirror's size, scale and pointer.
pub struct Overlay {
    iframe: HtmlIFrameElement,
    surroundings: Option<Surroundings>,
    viewport: Size,
    scale: f64,
    pointer: Option<Point>,
    /// The other agents' pointers (the support call).
    agent_pointers: AgentPointers,
}

impl Overlay {
    /// An overlay that only sizes the iframe (no scaling, no pointer).
    pub fn for_iframe(iframe: HtmlIFrameElement) -> Self {
        let agent_pointers = AgentPointers::default();
        Self { iframe, surroundings: None, viewport: Size::default(), scale: 1.0, pointer: None, agent_pointers }
    }

    /// An overlay that also scales the iframe to fit `surroundings.stage` and shows the pointer.
    pub fn with_surroundings(iframe: HtmlIFrameElement, surroundings: Surroundings) -> Self {
        Self { surroundings: Some(surroundings), ..Self::for_iframe(iframe) }
    }

    pub fn iframe(&self) -> &HtmlIFrameElement {
        &self.iframe
    }

    /// The visitor's viewport size, as last told.
    pub fn viewport(&self) -> Size {
        self.viewport
    }

    /// The current scale of the mirror (1 when it fits as is).
    pub fn scale(&self) -> f64 {
        self.scale
    }

    /// Gives the iframe the visitor's viewport size and fits it again.
    pub fn set_viewport(&mut self, viewport: Size) {
        self.viewport = viewport;
        let style = self.iframe.style();
        let _ = style.set_property("width", &px(viewport.width as f64));
        let _ = style.set_property("height", &px(viewport.height as f64));
        self.fit();
    }

    /// Scales the mirror to fit the stage (call when the agent's window or layout changes).
    pub fn fit(&mut self) {
        let Some(surroundings) = &self.surroundings else {
            return;
        };
        let available = (surroundings.stage.client_width() as f64, surroundings.stage.client_height() as f64);
        self.scale = fit_scale(available, self.viewport);
        let _ = self.iframe.style().set_property("transform", &format!("scale({})", self.scale));
        let mirror_box = surroundings.mirror_box.style();
        let _ = mirror_box.set_property("width", &px(self.viewport.width as f64 * self.scale));
        let _ = mirror_box.set_property("height", &px(self.viewport.height as f64 * self.scale));
        self.place_pointer();
    }

    /// Shows the visitor's pointer at `point` (viewport coordinates).
    pub fn move_pointer(&mut self, point: Point) {
        self.pointer = Some(point);
        self.place_pointer();
    }

    /// Shows a ripple where the visitor clicked (viewport coordinates); it fades by itself (`viewer.css`).
    pub fn show_click(&self, point: Point) {
        self.ripple(point, "cobrowse-click");
    }

    /// Shows a ring where the agent highlighted (viewport coordinates); it fades by itself.
    pub fn show_highlight(&self, point: Point) {
        self.ripple(point, "cobrowse-click cobrowse-highlight");
    }

    /// Lets the agent's mouse and keys reach the mirror (`true`) or keeps them away with the shield.
    pub fn set_interactive(&mut self, interactive: bool) {
        let _ = match interactive {
            true => self.iframe.remove_attribute("inert"),
            false => self.iframe.set_attribute("inert", ""),
        };
        let Some(surroundings) = &self.surroundings else {
            return;
        };
        let mirror_box = &surroundings.mirror_box;
        let _ = match interactive {
            true => mirror_box.set_attribute("data-interactive", "").and(mirror_box.set_attribute("tabindex", "0")),
            false => mirror_box.remove_attribute("data-interactive").and(mirror_box.remove_attribute("tabindex")),
        };
    }

    /// Shows another agent's pointer at `at` on the mirror box (`None`: it left the mirror).
    pub fn show_agent_pointer(&mut self, agent: AgentId, name: &str, at: Option<(f64, f64)>) {
        if let Some(surroundings) = &self.surroundings {
            self.agent_pointers.show(&surroundings.mirror_box, agent, name, at);
        }
    }

    /// Takes away the pointers of agents no longer in the session (`agents`: those who are).
    pub fn keep_agent_pointers(&mut self, agents: &[AgentId]) {
        self.agent_pointers.keep_only(agents);
    }

    /// How many other agents' pointers are shown.
    pub fn agent_pointer_count(&self) -> usize {
        self.agent_pointers.len()
    }

    /// The mirror box, if the overlay has its surroundings.
    pub fn mirror_box(&self) -> Option<&HtmlElement> {
        self.surroundings.as_ref().map(|surroundings| &surroundings.mirror_box)
    }

    fn ripple(&self, point: Point, class: &str) {
        let Some(surroundings) = &self.surroundings else {
            return;
        };
        let Some(document) = surroundings.mirror_box.owner_document() else { return };
        let Ok(ripple) = document.create_element("div") else { return };
        ripple.set_class_name(class);
        let (left, top) = scaled(point, self.scale);
        let _ = ripple.set_attribute("style", &format!("left:{};top:{}", px(left), px(top)));
        let _ = surroundings.mirror_box.append_child(&ripple);
        let remove = wasm_bindgen::closure::Closure::once_into_js(move || ripple.remove());
        if let Some(window) = document.default_view() {
            let _ =
                window.set_timeout_with_callback_and_timeout_and_arguments_0(remove.unchecked_ref(), CLICK_RIPPLE_MS);
        }
    }

    fn place_pointer(&self) {
        let (Some(surroundings), Some(point)) = (&self.surroundings, self.pointer) else {
            return;
        };
        let (left, top) = scaled(point, self.scale);
        let style = surroundings.pointer.style();
        let _ = style.set_property("left", &px(left));
        let _ = style.set_property("top", &px(top));
        surroundings.pointer.set_hidden(false);
    }
}

/// The scale at which a `viewport` fits into `available` (width, height) CSS pixels: at most 1, and 1
/// while either is still unknown (zero).
pub fn fit_scale(available: (f64, f64), viewport: Size) -> f64 {
    let (width, height) = available;
    if viewport.width == 0 || viewport.height == 0 || width <= 0.0 || height <= 0.0 {
        return 1.0;
    }
    (width / viewport.width as f64).min(height / viewport.height as f64).min(1.0)
}

/// Where a viewport point lands in the scaled mirror box.
pub fn scaled(point: Point, scale: f64) -> (f64, f64) {
    (point.x as f64 * scale, point.y as f64 * scale)
}

fn px(value: f64) -> String {
    format!("{value}px")
}
