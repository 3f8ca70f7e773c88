//! From where the agent's mouse is to the visitor's document coordinates, and back to the mirror box.
//!
//! The mirror lays the page out at the visitor's viewport size, so an event inside the mirror's document
//! has the visitor's viewport coordinates in `clientX`/`clientY` (the CSS scale of the iframe does not
//! change them): the document point is that plus the mirror window's scroll. A point on the mirror box
//! in the viewer page (scaled) is divided by the scale first. Drawing the agent's own strokes goes the
//! other way: document point → viewport (minus the scroll) → mirror box (times the scale).

use cobrowse_protocol::call::modifiers;
use cobrowse_protocol::Point;

/// The document point of a mirror event at `client` (its viewport coordinates) with the mirror window
/// scrolled to `scroll`.
pub fn document_point(client: (f64, f64), scroll: (f64, f64)) -> Point {
    Point { x: (client.0 + scroll.0).round() as i32, y: (client.1 + scroll.1).round() as i32 }
}

/// The document point of `offset`, a point on the mirror box scaled by `scale`, with the mirror window
/// scrolled to `scroll`.
pub fn document_point_on_box(offset: (f64, f64), scale: f64, scroll: (f64, f64)) -> Point {
    let scale = if scale > 0.0 { scale } else { 1.0 };
    document_point((offset.0 / scale, offset.1 / scale), scroll)
}

/// Where the document point `point` shows on the mirror box, with the mirror scrolled to `scroll` and
/// scaled by `scale`.
pub fn on_box(point: Point, scroll: (f64, f64), scale: f64) -> (f64, f64) {
    ((point.x as f64 - scroll.0) * scale, (point.y as f64 - scroll.1) * scale)
}

/// The scroll offset a wheel turn of `delta` (CSS pixels) takes an offset `from` to, kept within
/// `0..=max` on both axes.
pub fn scroll_target(from: (f64, f64), delta: (f64, f64), max: (f64, f64)) -> Point {
    let clamp = |value: f64, max: f64| value.clamp(0.0, max.max(0.0)).round() as i32;
    Point { x: clamp(from.0 + delta.0, max.0), y: clamp(from.1 + delta.1, max.1) }
}

/// A wheel event's delta in CSS pixels: `mode` is `WheelEvent.deltaMode` (0 pixels, 1 lines, 2 pages),
/// `page` the size of what scrolls.
pub fn wheel_pixels(delta: (f64, f64), mode: u32, page: (f64, f64)) -> (f64, f64) {
    const LINE: f64 = 40.0;
    match mode {
        1 => (delta.0 * LINE, delta.1 * LINE),
        2 => (delta.0 * page.0, delta.1 * page.1),
        _ => delta,
    }
}

/// The [`modifiers`] bits of a keyboard event's modifier keys.
pub fn modifier_bits(shift: bool, ctrl: bool, alt: bool, meta: bool) -> u8 {
    [(shift, modifiers::SHIFT), (ctrl, modifiers::CTRL), (alt, modifiers::ALT), (meta, modifiers::META)]
        .into_iter()
        .filter(|(pressed, _)| *pressed)
        .fold(0, |bits, (_, bit)| bits | bit)
}
