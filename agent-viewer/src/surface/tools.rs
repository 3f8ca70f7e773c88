//! The pointer, highlight and draw tools on the mirror.
//!
//! Pointer: each mouse move is the pointer's latest place, sent at most once per animation frame;
//! leaving the mirror sends `Pointer { at: None }`. Highlight: a click sends `Highlight` with the
//! visitor's id of the element under the mouse and the point, and rings it locally. Draw: a press begins
//! a stroke (`Draw { start: true }`), dragging adds points (one `Draw` per animation frame), and the
//! stroke is drawn locally as it goes (`chrome/strokes.rs`).

use crate::call::point::on_box;
use crate::call::tools::Tool;
use crate::surface::gestures::Gestures;
use crate::surface::reading::{document_point, target_element};
use cobrowse_protocol::call::NOBODY;
use cobrowse_protocol::{Control, Point};
use std::rc::Rc;
use web_sys::MouseEvent;

/// The tool the agent holds, if the session can be read.
fn held(gestures: &Gestures) -> Option<Tool> {
    gestures.shared.session.try_borrow().ok()?.call().tool()
}

/// The document point of `event` and where it shows on the mirror box.
fn points(gestures: &Gestures, event: &MouseEvent) -> Option<(Point, (f64, f64))> {
    let session = gestures.shared.session.try_borrow().ok()?;
    let mirror = session.mirror();
    let at = document_point(event, mirror);
    Some((at, on_box(at, mirror.scroll_offset(), mirror.overlay().scale())))
}

/// A mouse move: the pointer's place, or the stroke's next point.
pub fn mouse_move(gestures: &Rc<Gestures>, event: &MouseEvent) {
    let Some((at, on_box)) = points(gestures, event) else { return };
    if gestures.strokes.borrow().drawing() {
        gestures.batch.borrow_mut().extend_stroke(at);
        gestures.strokes.borrow_mut().extend(on_box);
        gestures.send_batch_soon();
    } else if held(gestures) == Some(Tool::Pointer) {
        gestures.batch.borrow_mut().pointer(Some(at));
        gestures.send_batch_soon();
    }
}

/// The mouse left the mirror: the pointer goes, a stroke ends.
pub fn mouse_left(gestures: &Rc<Gestures>) {
    if held(gestures) == Some(Tool::Pointer) {
        gestures.batch.borrow_mut().pointer(None);
        gestures.send_batch_soon();
    }
    end_stroke(gestures);
}

/// A press: begins a stroke with the draw tool (`true`: the press was the tool's).
pub fn mouse_down(gestures: &Rc<Gestures>, event: &MouseEvent) -> bool {
    if held(gestures) != Some(Tool::Draw) || event.button() != 0 {
        return false;
    }
    let Some((at, on_box)) = points(gestures, event) else { return true };
    let mut earlier = Vec::new();
    gestures.batch.borrow_mut().start_stroke(at, &mut earlier);
    for message in &earlier {
        gestures.send(message);
    }
    gestures.strokes.borrow_mut().begin(on_box);
    gestures.send_batch_soon();
    true
}

/// A release: the stroke ends (its last points go with the next frame's batch).
pub fn mouse_up(gestures: &Rc<Gestures>) {
    end_stroke(gestures);
}

fn end_stroke(gestures: &Rc<Gestures>) {
    let mut strokes = gestures.strokes.borrow_mut();
    if strokes.drawing() {
        strokes.end();
        gestures.send_batch_soon();
    }
}

/// A click: highlights the element under it with the highlight tool (`true`: the click was a tool's,
/// the highlight's or the drawing's, and is no remote click).
pub fn click(gestures: &Rc<Gestures>, event: &MouseEvent) -> bool {
    match held(gestures) {
        Some(Tool::Highlight) => {
            highlight(gestures, event);
            true
        }
        Some(Tool::Draw) => true,
        _ => false,
    }
}

fn highlight(gestures: &Gestures, event: &MouseEvent) {
    let message = {
        let Ok(session) = gestures.shared.session.try_borrow() else { return };
        let mirror = session.mirror();
        let Some((_, node)) = target_element(event, mirror) else { return };
        let at = document_point(event, mirror);
        mirror.overlay().show_highlight(Point { x: event.client_x(), y: event.client_y() });
        Control::Highlight { agent: NOBODY, node, at }
    };
    gestures.send(&message);
}
