//! The viewer on the agent's page: the one type `viewer.js` (in `www/agent/`) drives.
//!
//! A [`Viewer`] finds the page's elements by id, owns the session (with its mirror), the status line, the
//! call's chrome, the [`Link`] that opens a connection when the agent joins (and again when it drops) and
//! the [`Surface`] that turns the agent's gestures on the mirror into the call's messages. Its methods
//! are the wasm exports `viewer.js` calls: `new Viewer()`, `onStateChange`, `state`, `join`, `leave`,
//! `fit`, and for the support call `requestControl`, `releaseControl`, `selectTool`, `tool`; their names
//! must not change.

use crate::call::tools::Tool;
use crate::chrome::call_bar::CallBar;
use crate::chrome::overlay::{Overlay, Surroundings};
use crate::chrome::status::{State, StatusLine, LEFT_TEXT};
use crate::chrome::strokes::Strokes;
use crate::connection::{self, Shared};
use crate::link::Link;
use crate::mirror::Mirror;
use crate::session::Session;
use crate::surface::listen::{self, Surface};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use web_sys::Document;

/// The ids of the viewer page's elements (see `www/agent/index.html`).
pub mod element_ids {
    pub const MIRROR: &str = "cobrowse-mirror";
    pub const STATUS: &str = "cobrowse-status";
    /// Shows "Tab N": which of the visitor's tabs the session follows (optional).
    pub const TAB: &str = "cobrowse-tab";
    pub const STAGE: &str = "cobrowse-stage";
    /// The mirror box (the page calls it a frame; the viewer keeps that word for the relay's messages).
    pub const MIRROR_BOX: &str = "cobrowse-frame";
    pub const POINTER: &str = "cobrowse-pointer";
    /// The layer of the agent's own strokes over the mirror (optional).
    pub const STROKES: &str = "cobrowse-strokes";
}

/// The viewer on the agent's page.
#[wasm_bindgen]
pub struct Viewer {
    shared: Shared,
    link: Link,
    _surface: Surface,
}

#[wasm_bindgen]
impl Viewer {
    /// A viewer for the current page, whose elements it finds by id.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Result<Viewer, JsValue> {
        let document = web_sys::window().and_then(|window| window.document()).ok_or("no document")?;
        let overlay = Overlay::with_surroundings(
            find(&document, element_ids::MIRROR)?,
            Surroundings {
                stage: find(&document, element_ids::STAGE)?,
                mirror_box: find(&document, element_ids::MIRROR_BOX)?,
                pointer: find(&document, element_ids::POINTER)?,
            },
        );
        let session = Session::new(Mirror::with_overlay(overlay));
        session.counters().publish();
        let status = StatusLine::with_tab_badge(
            document.get_element_by_id(element_ids::STATUS),
            document.get_element_by_id(element_ids::TAB),
        );
        status.show(State::Idle, "Sign in and enter the session key the visitor reads to you");
        status.show_tab(None);
        let bar = Rc::new(CallBar::new(Some(document.clone())));
        let shared = Shared { session: Rc::new(RefCell::new(session)), status: Rc::new(status), bar };
        shared.show_call();
        let link = Link::new(shared.clone());
        let strokes = Strokes::new(document.get_element_by_id(element_ids::STROKES));
        let surface = listen::surface(shared.clone(), link.sender(), strokes);
        Ok(Viewer { link, shared, _surface: surface })
    }

    /// Calls `callback(state, text)` whenever the status changes.
    #[wasm_bindgen(js_name = onStateChange)]
    pub fn on_state_change(&self, callback: js_sys::Function) {
        self.shared.status.on_change(callback);
    }

    /// The current state: `idle`, `connecting`, `live`, `navigating`, `reconnecting`, `ended`,
    /// `disconnected` or `error`.
    pub fn state(&self) -> String {
        self.shared.status.state().as_str().to_string()
    }

    /// Signs in and joins the session with this key, leaving any session joined before. If the
    /// connection drops later for a reason that passes, the viewer joins again by itself.
    /// Problems (missing fields, a socket that cannot open) show in the status; this never throws.
    pub fn join(&self, name: &str, password: &str, key: &str) {
        let join = match join_message(name, password, key) {
            Ok(join) => join,
            Err(problem) => {
                self.link.leave();
                return self.shared.status.show(State::Error, problem);
            }
        };
        let opened = web_sys::window()
            .ok_or_else(|| JsValue::from_str("no window"))
            .and_then(|window| connection::agent_url(&window.location()))
            .and_then(|url| self.link.join(url, join));
        if let Err(error) = opened {
            self.shared.status.show(State::Error, &format!("Cannot open a connection: {error:?}"));
        }
    }

    /// Leaves the session (also while the viewer waits to rejoin or for the visitor's consent): closes
    /// with 1000; the session goes on for the others. Final: `left`, no rejoin.
    pub fn leave(&self) {
        if self.link.leave() {
            self.shared.status.show(State::Left, LEFT_TEXT);
        }
        self.shared.end_call();
    }

    /// Asks the visitor for control of their page (`data-control` becomes `requested`).
    #[wasm_bindgen(js_name = requestControl)]
    pub fn request_control(&self) {
        self.send_call_change(|session| match session.joined() {
            Some(_) => session.change_call(|call| call.request_control()),
            None => None, // nothing to ask before joining (or while rejoining)
        });
    }

    /// Gives control back, or stops asking (`data-control` becomes `none`).
    #[wasm_bindgen(js_name = releaseControl)]
    pub fn release_control(&self) {
        self.send_call_change(|session| session.change_call(|call| call.release_control()));
    }

    /// Presses a tool's button: `"pointer"`, `"highlight"` or `"draw"` (pressing the held tool puts it
    /// down; any other name puts every tool down).
    #[wasm_bindgen(js_name = selectTool)]
    pub fn select_tool(&self, name: &str) {
        let change = |session: &mut Session| {
            session.change_call(|call| match Tool::parse(name) {
                Some(tool) => call.press_tool(tool),
                None => call.drop_tool(),
            });
            None
        };
        self.send_call_change(change);
    }

    /// The tool the agent holds: `"pointer"`, `"highlight"`, `"draw"`, or `""`.
    pub fn tool(&self) -> String {
        let session = self.shared.session.try_borrow();
        session.ok().and_then(|session| session.call().tool()).map_or("", Tool::as_str).to_string()
    }

    /// Scales the mirror to the space it has now.
    pub fn fit(&self) {
        if let Ok(mut session) = self.shared.session.try_borrow_mut() {
            session.mirror_mut().overlay_mut().fit();
        }
    }
}

impl Viewer {
    /// Changes the call's state, sends the message the change calls for, and shows the result.
    fn send_call_change(&self, change: impl FnOnce(&mut Session) -> Option<cobrowse_protocol::Control>) {
        let message = match self.shared.session.try_borrow_mut() {
            Ok(mut session) => change(&mut session),
            Err(_) => return,
        };
        if let Some(message) = message {
            if !self._surface.gestures().send(&message) {
                web_sys::console::warn_1(&format!("cobrowse viewer: {} not sent", message.name()).into());
            }
        }
        self.shared.show_call();
    }
}

/// The `Join` message for what the agent typed; the key may be typed with spaces or dashes.
pub fn join_message(name: &str, password: &str, key: &str) -> Result<cobrowse_protocol::Control, &'static str> {
    let key: String = key.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    if name.trim().is_empty() || password.is_empty() {
        return Err("Enter your agent name and password");
    }
    if key.is_empty() || !key.chars().all(|c| c.is_ascii_digit()) {
        return Err("Enter the session key the visitor reads to you: digits only");
    }
    Ok(cobrowse_protocol::Control::Join { name: name.trim().to_string(), password: password.to_string(), key })
}

fn find<T: JsCast>(document: &Document, id: &str) -> Result<T, JsValue> {
    document
        .get_element_by_id(id)
        .ok_or_else(|| JsValue::from_str(&format!("the viewer page has no #{id}")))?
        .dyn_into::<T>()
        .map_err(|_| JsValue::from_str(&format!("#{id} is not the kind of element the viewer expects")))
}
