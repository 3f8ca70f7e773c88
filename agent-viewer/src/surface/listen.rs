//! The listeners of the agent's gestures: on the mirror's document (every rebuilt one) and, for keys, on
//! the control surface (the mirror box, focusable while the agent controls the page).
//!
//! Nothing is done while the mirror is not interactive (the shield takes the agent's mouse then). While
//! it is, every event's default is cancelled — the mirror never changes by the agent's hand — except a
//! press on a `<select>` while in control, so that its options open and the agent can choose one (the
//! change goes to the visitor as `Select`). A press elsewhere while in control focuses the control
//! surface, where the agent's keys are read; Shift+Escape there leaves it for the Release control button
//! (every other key, Tab included, goes to the visitor's page). The paste shortcut is left to the browser,
//! whose `paste` event carries the agent's clipboard text to the visitor's page as `Text`.

use crate::chrome::strokes::Strokes;
use crate::connection::Shared;
use crate::link::Sender;
use crate::surface::gestures::{Gestures, Sink};
use crate::surface::reading::{is_select, target_node};
use crate::surface::{remote, tools};
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Event, HtmlElement, KeyboardEvent, MouseEvent, WheelEvent};

/// The events the surface listens to on the mirror's document. Those without a handler are cancelled.
const EVENTS: [&str; 16] = [
    "mousemove",
    "mouseout",
    "mousedown",
    "mouseup",
    "click",
    "auxclick",
    "dblclick",
    "contextmenu",
    "keydown",
    "keyup",
    "keypress",
    "wheel",
    "change",
    "beforeinput",
    "paste",
    "dragstart",
];

/// The button the focus goes to when the agent leaves the control surface (see `chrome/call_bar.rs`).
const RELEASE_BUTTON: &str = "release-control";

/// A listener of the agent's gestures.
type Listener = Closure<dyn FnMut(Event)>;

/// The gesture listeners; they work as long as this value lives (the viewer owns it).
pub struct Surface {
    gestures: Rc<Gestures>,
    _listeners: Vec<Listener>,
    /// The control surface and its keydown and paste listeners.
    surface_keys: Option<(HtmlElement, Vec<(&'static str, Listener)>)>,
}

impl Surface {
    /// Listens to the agent's gestures on the mirror of `gestures.shared.session`.
    pub fn listen(gestures: Rc<Gestures>) -> Surface {
        let mut listeners = Vec::new();
        let mut functions = Vec::new();
        for name in EVENTS {
            let on_event = gestures.clone();
            let listener = Closure::<dyn FnMut(Event)>::new(move |event: Event| handle(&on_event, name, &event));
            functions.push((name, listener.as_ref().unchecked_ref::<js_sys::Function>().clone()));
            listeners.push(listener);
        }
        let surface_keys = {
            let mut session = gestures.shared.session.borrow_mut();
            session.mirror_mut().listen(functions);
            session.mirror().overlay().mirror_box().cloned()
        };
        let surface_keys = surface_keys.map(|mirror_box| (mirror_box.clone(), listen_for_keys(&mirror_box, &gestures)));
        Surface { gestures, _listeners: listeners, surface_keys }
    }

    /// The shared state of the listeners.
    pub fn gestures(&self) -> &Rc<Gestures> {
        &self.gestures
    }
}

impl Drop for Surface {
    fn drop(&mut self) {
        if let Some((mirror_box, listeners)) = &self.surface_keys {
            for (name, listener) in listeners {
                let _ = mirror_box.remove_event_listener_with_callback(name, listener.as_ref().unchecked_ref());
            }
        }
    }
}

/// A surface for `shared`'s mirror, sending through `sender`.
pub fn surface(shared: Shared, sender: Sender, strokes: Strokes) -> Surface {
    let sink: Sink = Rc::new(move |message| sender.send(message));
    Surface::listen(Gestures::new(shared, sink, strokes))
}

/// The keys pressed, and the text pasted, while the control surface (the mirror box) has the focus.
fn listen_for_keys(mirror_box: &HtmlElement, gestures: &Rc<Gestures>) -> Vec<(&'static str, Listener)> {
    let (on_key, surface) = (gestures.clone(), mirror_box.clone());
    let keys = Closure::<dyn FnMut(Event)>::new(move |event: Event| {
        let key = event.unchecked_ref::<KeyboardEvent>();
        if key.key() == "Escape" && key.shift_key() {
            return leave_control_surface(&surface);
        }
        if in_control(&on_key) == Some(true) && !is_paste_shortcut(key) {
            event.prevent_default();
            event.stop_propagation();
            remote::key(&on_key, key);
        }
    });
    let on_paste = gestures.clone();
    let paste = Closure::<dyn FnMut(Event)>::new(move |event: Event| {
        event.prevent_default();
        if in_control(&on_paste) == Some(true) {
            remote::paste(&on_paste, &event);
        }
    });
    let listeners = vec![("keydown", keys), ("paste", paste)];
    for (name, listener) in &listeners {
        let _ = mirror_box.add_event_listener_with_callback(name, listener.as_ref().unchecked_ref());
    }
    listeners
}

/// Ctrl+V (Cmd+V): left to the browser, which fires `paste` with the agent's clipboard.
fn is_paste_shortcut(key: &KeyboardEvent) -> bool {
    (key.ctrl_key() || key.meta_key()) && !key.alt_key() && key.key().eq_ignore_ascii_case("v")
}

/// Shift+Escape on the control surface: the keys stop going to the visitor's page, and the focus moves to
/// the Release control button (so no keyboard user is trapped in the surface, which sends Tab on).
fn leave_control_surface(mirror_box: &HtmlElement) {
    let _ = mirror_box.blur();
    let release = mirror_box.owner_document().and_then(|document| document.get_element_by_id(RELEASE_BUTTON));
    if let Some(release) = release {
        let _ = release.unchecked_into::<HtmlElement>().focus();
    }
}

/// Whether the agent controls the page (`None`: the session is busy).
fn in_control(gestures: &Gestures) -> Option<bool> {
    Some(gestures.shared.session.try_borrow().ok()?.call().in_control())
}

/// Whether the mirror takes the agent's gestures now, and whether the agent controls the page.
fn modes(gestures: &Gestures) -> Option<(bool, bool)> {
    let session = gestures.shared.session.try_borrow().ok()?;
    Some((session.call().interactive(), session.call().in_control()))
}

fn handle(gestures: &Rc<Gestures>, name: &str, event: &Event) {
    let Some((true, in_control)) = modes(gestures) else { return };
    match name {
        "mousemove" => tools::mouse_move(gestures, event.unchecked_ref()),
        "mouseout" => left_the_mirror(gestures, event.unchecked_ref()),
        "mousedown" => press(gestures, event.unchecked_ref(), in_control),
        "mouseup" => tools::mouse_up(gestures),
        "click" => {
            event.prevent_default();
            if !tools::click(gestures, event.unchecked_ref()) && in_control {
                remote::click(gestures, event.unchecked_ref());
            }
        }
        "keydown" if in_control && is_paste_shortcut(event.unchecked_ref()) => {}
        "keydown" => {
            event.prevent_default();
            if in_control {
                remote::key(gestures, event.unchecked_ref());
            }
        }
        "paste" => {
            event.prevent_default();
            if in_control {
                remote::paste(gestures, event);
            }
        }
        "wheel" => {
            event.prevent_default();
            if in_control {
                remote::wheel(gestures, event.unchecked_ref::<WheelEvent>());
            }
        }
        "change" if in_control => remote::change(gestures, event),
        _ => event.prevent_default(),
    }
}

/// `mouseout` with no element to go to: the mouse left the mirror's document.
fn left_the_mirror(gestures: &Rc<Gestures>, event: &MouseEvent) {
    if event.related_target().is_none() {
        tools::mouse_left(gestures);
    }
}

fn press(gestures: &Rc<Gestures>, event: &MouseEvent, in_control: bool) {
    if tools::mouse_down(gestures, event) {
        event.prevent_default();
        return;
    }
    let on_select = target_node(event).is_some_and(|node| is_select(&node));
    if in_control && on_select {
        return; // its options open; the choice goes to the visitor as `Select`
    }
    event.prevent_default();
    if in_control {
        focus_control_surface(gestures);
    }
}

fn focus_control_surface(gestures: &Gestures) {
    let mirror_box =
        gestures.shared.session.try_borrow().ok().and_then(|session| session.mirror().overlay().mirror_box().cloned());
    if let Some(mirror_box) = mirror_box {
        let _ = mirror_box.focus();
    }
}
