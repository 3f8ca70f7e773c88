//! Remote control: while the agent controls the visitor's page, its gestures on the mirror become
//! `Input`s the visitor acts out. None is applied to the mirror: the visitor's frames show the result.
//!
//! A click names the visitor's id of the element clicked and the document point; a key goes as
//! `KeyboardEvent.key` with its modifier bits; the wheel scrolls the nearest scrollable element under
//! the mouse (`ScrollElement`) or the window (`Scroll`) to a target offset, at most once per animation
//! frame (turns before it add up); a `<select>`'s change names the option's index; pasted text goes as
//! `Text`, typed where the visitor's caret is (a masked field refuses it there).

use crate::call::batch::ScrollTarget;
use crate::call::point::{scroll_target, wheel_pixels};
use crate::mirror::Mirror;
use crate::surface::gestures::Gestures;
use crate::surface::reading::{document_point, element_point, key_of, target_element};
use cobrowse_protocol::call::{RemoteInput, NOBODY};
use cobrowse_protocol::{Control, NodeId, Point};
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::{ClipboardEvent, Element, Event, KeyboardEvent, MouseEvent, WheelEvent};

fn send_input(gestures: &Gestures, input: RemoteInput) {
    gestures.send(&Control::Input { agent: NOBODY, input });
}

/// A click on the mirror: `Click` on the element clicked.
pub fn click(gestures: &Gestures, event: &MouseEvent) {
    let input = {
        let Ok(session) = gestures.shared.session.try_borrow() else { return };
        let mirror = session.mirror();
        let Some((_, node)) = target_element(event, mirror) else { return };
        RemoteInput::Click { node, at: document_point(event, mirror) }
    };
    send_input(gestures, input);
}

/// A key pressed on the mirror or the control surface: `Key`.
pub fn key(gestures: &Gestures, event: &KeyboardEvent) {
    if let Some((key, modifiers)) = key_of(event) {
        send_input(gestures, RemoteInput::Key { key, modifiers });
    }
}

/// The most characters one paste sends; a longer clipboard is cut there (a paste is typing, not an upload).
pub const PASTE_LIMIT: usize = 10_000;

/// Text pasted on the mirror or the control surface: `Text`, typed where the visitor's caret is.
pub fn paste(gestures: &Gestures, event: &Event) {
    let Some(text) = pasted_text(event) else { return };
    let text: String = text.chars().take(PASTE_LIMIT).collect();
    if !text.is_empty() {
        send_input(gestures, RemoteInput::Text { text });
    }
}

/// The plain text a `paste` event carries.
fn pasted_text(event: &Event) -> Option<String> {
    let data = event.dyn_ref::<ClipboardEvent>()?.clipboard_data()?;
    data.get_data("text/plain").ok()
}

/// A `<select>` in the mirror changed: `Select` with the chosen index.
pub fn change(gestures: &Gestures, event: &Event) {
    let input = {
        let Ok(session) = gestures.shared.session.try_borrow() else { return };
        let mirror = session.mirror();
        let Some((element, node)) = target_element(event, mirror) else { return };
        if !element.node_name().eq_ignore_ascii_case("select") {
            return;
        }
        let index = js_sys::Reflect::get(&element, &"selectedIndex".into()).ok().and_then(|index| index.as_f64());
        let Some(index) = index.filter(|index| *index >= 0.0) else { return };
        RemoteInput::Select { node, at: element_point(&element, mirror), index: index as u32 }
    };
    send_input(gestures, input);
}

/// The wheel over the mirror: the scroll target of what it would scroll, sent with the next frame.
pub fn wheel(gestures: &Rc<Gestures>, event: &WheelEvent) {
    let target = {
        let Ok(session) = gestures.shared.session.try_borrow() else { return };
        let pending = gestures.batch.borrow().pending_scroll();
        wheel_target(event, session.mirror(), pending)
    };
    if let Some(target) = target {
        gestures.batch.borrow_mut().scroll(target);
        gestures.send_batch_soon();
    }
}

fn wheel_target(event: &WheelEvent, mirror: &Mirror, pending: Option<ScrollTarget>) -> Option<ScrollTarget> {
    let raw = (event.delta_x(), event.delta_y());
    let at = document_point(event, mirror);
    if let Some((element, node)) = scrollable_under(event, mirror, raw) {
        let page = (element.client_width() as f64, element.client_height() as f64);
        let delta = wheel_pixels(raw, event.delta_mode(), page);
        let from = match pending {
            Some(ScrollTarget::Element { node: pending_node, to, .. }) if pending_node == node => as_pair(to),
            _ => (element.scroll_left() as f64, element.scroll_top() as f64),
        };
        let max = (
            (element.scroll_width() - element.client_width()) as f64,
            (element.scroll_height() - element.client_height()) as f64,
        );
        return Some(ScrollTarget::Element { node, at, to: scroll_target(from, delta, max) });
    }
    let window = mirror.overlay().iframe().content_window()?;
    let page = mirror.overlay().viewport();
    let delta = wheel_pixels(raw, event.delta_mode(), (page.width as f64, page.height as f64));
    let from = match pending {
        Some(ScrollTarget::Window(to)) => as_pair(to),
        _ => mirror.scroll_offset(),
    };
    let root = window.document()?.scrolling_element()?;
    let max =
        ((root.scroll_width() - root.client_width()) as f64, (root.scroll_height() - root.client_height()) as f64);
    Some(ScrollTarget::Window(scroll_target(from, delta, max)))
}

/// The nearest element under the mouse that can scroll in the wheel's direction (not the page itself).
fn scrollable_under(event: &Event, mirror: &Mirror, delta: (f64, f64)) -> Option<(Element, NodeId)> {
    let (mut element, _) = target_element(event, mirror)?;
    let window = mirror.overlay().iframe().content_window()?;
    let root = window.document()?.scrolling_element();
    loop {
        if root.as_ref() == Some(&element) || element.node_name().eq_ignore_ascii_case("body") {
            return None;
        }
        if scrolls(&window, &element, delta) {
            let id = mirror.visitor_id_of(&element)?;
            return Some((element, id));
        }
        element = element.parent_element()?;
    }
}

/// Whether `element` has overflow it lets the user scroll along the wheel's main axis.
fn scrolls(window: &web_sys::Window, element: &Element, delta: (f64, f64)) -> bool {
    let vertical = delta.1.abs() >= delta.0.abs();
    let (overflow, room) = match vertical {
        true => ("overflow-y", element.scroll_height() > element.client_height()),
        false => ("overflow-x", element.scroll_width() > element.client_width()),
    };
    if !room {
        return false;
    }
    let Ok(Some(style)) = window.get_computed_style(element.unchecked_ref()) else { return false };
    matches!(style.get_property_value(overflow).as_deref(), Ok("auto" | "scroll" | "overlay"))
}

fn as_pair(point: Point) -> (f64, f64) {
    (point.x as f64, point.y as f64)
}
