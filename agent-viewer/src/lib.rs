//! The agent's viewer: joins a cobrowse session and rebuilds the visitor's page in a sandboxed iframe.
//!
//! `viewer.js` (in `www/agent/`) loads this module and drives a [`Viewer`]:
//!
//! ```js
//! import init, { Viewer } from "./pkg/cobrowse_agent_viewer.js";
//! await init();
//! const viewer = new Viewer();                 // finds #cobrowse-mirror, #cobrowse-status, … by id
//! viewer.onStateChange((state, text) => …);    // "idle" | "connecting" | "live" | "ended" | "disconnected" | "error"
//! viewer.join(name, password, key);            // opens ws(s)://<host>/ws/agent and sends Control::Join
//! viewer.fit();                                // after the agent's window or layout changed
//! viewer.leave();
//! ```
//!
//! The way a frame takes: [`connection`] (WebSocket) → [`session`] (one `Decoder` per connection) →
//! [`mirror`] (the iframe's DOM, built by [`build`] with [`shadow`] roots and [`frames`]' documents,
//! cleaned by [`sanitize`], keyed by [`ids`], patched
//! by [`children`], [`attributes`], [`form`]; [`mask`] and [`injected`] for what the viewer adds,
//! [`view_only`] for the navigation it cancels; [`assets`] for resources loaded from the relay) and [`overlay`] (size, scale, pointer), [`scroll`] (the
//! window's offset). [`status`] tells the agent where things stand; [`counters`] tells tests, on
//! `window.cobrowseViewer`.

pub mod assets;
pub mod attributes;
pub mod blocked;
pub mod build;
pub mod canvas;
pub mod children;
pub mod connection;
pub mod counters;
pub mod dialog;
pub mod fonts;
pub mod form;
pub mod frames;
pub mod ids;
pub mod injected;
pub mod mask;
pub mod media;
pub mod mirror;
pub mod overlay;
pub mod presence;
pub mod pseudo;
pub mod sanitize;
pub mod scroll;
pub mod session;
pub mod shadow;
pub mod sheet_loads;
pub mod sheets;
pub mod status;
pub mod view_only;

use connection::{Connection, Shared};
use mirror::Mirror;
use overlay::{Overlay, Surroundings};
use session::Session;
use status::{State, StatusLine};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use web_sys::Document;

/// The ids of the viewer page's elements (see `www/agent/index.html`).
pub mod element_ids {
    pub const MIRROR: &str = "cobrowse-mirror";
    pub const STATUS: &str = "cobrowse-status";
    pub const STAGE: &str = "cobrowse-stage";
    pub const FRAME: &str = "cobrowse-frame";
    pub const POINTER: &str = "cobrowse-pointer";
}

/// The viewer on the agent's page.
#[wasm_bindgen]
pub struct Viewer {
    shared: Shared,
    connection: RefCell<Option<Connection>>,
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
                frame: find(&document, element_ids::FRAME)?,
                pointer: find(&document, element_ids::POINTER)?,
            },
        );
        let session = Session::new(Mirror::with_overlay(overlay));
        session.counters().publish();
        let status = StatusLine::new(document.get_element_by_id(element_ids::STATUS));
        status.show(State::Idle, "Sign in and enter the session key the visitor reads to you");
        let shared = Shared { session: Rc::new(RefCell::new(session)), status: Rc::new(status) };
        Ok(Viewer { shared, connection: RefCell::new(None) })
    }

    /// Calls `callback(state, text)` whenever the status changes.
    #[wasm_bindgen(js_name = onStateChange)]
    pub fn on_state_change(&self, callback: js_sys::Function) {
        self.shared.status.on_change(callback);
    }

    /// The current state: `idle`, `connecting`, `live`, `ended`, `disconnected` or `error`.
    pub fn state(&self) -> String {
        self.shared.status.state().as_str().to_string()
    }

    /// Signs in and joins the session with this key, leaving any session joined before.
    /// Problems (missing fields, a socket that cannot open) show in the status; this never throws.
    pub fn join(&self, name: &str, password: &str, key: &str) {
        self.connection.borrow_mut().take();
        let join = match join_message(name, password, key) {
            Ok(join) => join,
            Err(problem) => return self.shared.status.show(State::Error, problem),
        };
        let opened = web_sys::window()
            .ok_or_else(|| JsValue::from_str("no window"))
            .and_then(|window| connection::agent_url(&window.location()))
            .and_then(|url| Connection::open(&url, join, self.shared.clone()));
        match opened {
            Ok(connection) => *self.connection.borrow_mut() = Some(connection),
            Err(error) => self.shared.status.show(State::Error, &format!("Cannot open a connection: {error:?}")),
        }
    }

    /// Leaves the session.
    pub fn leave(&self) {
        if let Some(connection) = self.connection.borrow_mut().take() {
            connection.leave();
            self.shared.status.show(State::Ended, "You left the session");
        }
    }

    /// Scales the mirror to the space it has now.
    pub fn fit(&self) {
        if let Ok(mut session) = self.shared.session.try_borrow_mut() {
            session.mirror_mut().overlay_mut().fit();
        }
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
