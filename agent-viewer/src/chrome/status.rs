//! What the agent is told about the connection: a state for the page (and for tests) and words for people.
//!
//! The state goes into `#cobrowse-status[data-state]`, the words into its text, and both to the page's
//! callback (viewer.js shows and hides the join form with it). A close code from the relay (see
//! `cobrowse_protocol::close`) becomes a state and a sentence saying what happened and what to do. The
//! state is also published as `window.cobrowseViewer.state` (see `counters.rs`).
//!
//! Beside the state, where the agent's remote control stands goes into `data-control` (`none`,
//! `requested`, `granted`; see `call/control.rs`) and `window.cobrowseViewer.control`.
//!
//! The visitor's tab the session follows (`Control::VisitorTab`) is shown beside it: `data-tab` on the
//! status element, "Tab N" in `#cobrowse-tab`, and `window.cobrowseViewer.tab`.

use crate::call::control::ControlState;
use crate::dom::global_object;
use cobrowse_protocol::close;
use std::cell::{Cell, RefCell};
use wasm_bindgen::JsValue;
use web_sys::Element;

/// Where the agent's connection stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Not joined yet.
    Idle,
    /// The socket is opening, or the relay is checking the sign-in.
    Connecting,
    /// Signed in; the site asks the visitor's consent before the agent sees anything.
    Consent,
    /// Joined: the mirror follows the visitor.
    Live,
    /// The visitor's page is loading another page (or the same one again); the mirror keeps the last one.
    Navigating,
    /// A connection dropped, the agent's own or the visitor's, and is expected back; the mirror keeps the
    /// last page.
    Reconnecting,
    /// The session is over (the visitor ended it).
    Ended,
    /// The agent left; the session goes on for the others. Final: no rejoin.
    Left,
    /// The visitor declined to let this agent watch. Final: no rejoin.
    Declined,
    /// The connection dropped without the relay saying why.
    Disconnected,
    /// The relay refused (sign-in, key, limits) or the viewer could not work.
    Error,
}

impl State {
    /// The value of `data-state`.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Idle => "idle",
            State::Connecting => "connecting",
            State::Consent => "consent",
            State::Live => "live",
            State::Navigating => "navigating",
            State::Reconnecting => "reconnecting",
            State::Ended => "ended",
            State::Left => "left",
            State::Declined => "declined",
            State::Disconnected => "disconnected",
            State::Error => "error",
        }
    }
}

/// The status text while the visitor is asked to let the agent watch.
pub const CONSENT_TEXT: &str = "Waiting for the visitor to allow you…";
/// The status text once the visitor declined (`ConsentDeclined`, or a close with 4014).
pub const DECLINED_TEXT: &str = "The visitor declined.";
/// The status text once the visitor stopped sharing the page with this agent, who watched
/// (`ConsentDeclined` after `Joined`, or a close with 4014 and the reason `close::STOPPED_SHARING`).
pub const STOPPED_SHARING_TEXT: &str = "The visitor stopped sharing the page with you.";
/// The status text after the agent pressed Leave.
pub const LEFT_TEXT: &str = "You left; the session goes on for the others";

/// The state and words for a socket the relay closed with `code` and `reason`.
pub fn for_close(code: u16, reason: &str) -> (State, String) {
    let (state, text) = match code {
        close::SESSION_ENDED => (State::Ended, "The visitor ended the session"),
        close::NORMAL => (State::Ended, "The session ended"),
        close::CONSENT_DECLINED if reason == close::STOPPED_SHARING => (State::Declined, STOPPED_SHARING_TEXT),
        close::CONSENT_DECLINED => (State::Declined, DECLINED_TEXT),
        close::AUTH_FAILED => (State::Error, "Wrong agent name or password"),
        close::UNKNOWN_KEY => (State::Error, "No session has this key — check the digits with the visitor"),
        close::KEY_EXPIRED => (State::Error, "This session key has expired — ask the visitor for a new one"),
        // The relay's reason says what failed too often and how long to wait ("wait 4 s, then try again").
        close::TOO_MANY_ATTEMPTS if !reason.trim().is_empty() => return (State::Error, sentence(reason)),
        close::TOO_MANY_ATTEMPTS => (State::Error, "Too many join attempts — wait a minute, then try again"),
        close::TRY_AGAIN_LATER => (State::Error, "The relay is busy signing others in — try again in a second"),
        close::AT_CAPACITY => (State::Error, "The relay cannot take more sessions right now — try again shortly"),
        close::UNEXPECTED_MESSAGE => (State::Error, "The relay did not accept this viewer's message — reload the page"),
        close::MALFORMED_FRAME => (State::Error, "The relay could not read this viewer's message — reload the page"),
        close::FRAME_TOO_LARGE => (State::Error, "A message was too large for the relay"),
        close::SITE_NOT_ALLOWED => (State::Error, "The relay refused this site"),
        close::GOING_AWAY => (State::Disconnected, "The relay is restarting — join again in a moment"),
        _ if !reason.trim().is_empty() => return (State::Disconnected, reason.trim().to_string()),
        _ => (State::Disconnected, "Connection to the relay lost"),
    };
    (state, text.to_string())
}

/// `reason` as a sentence: trimmed, its first letter upper-case.
fn sentence(reason: &str) -> String {
    let reason = reason.trim();
    let mut chars = reason.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The status line on the page. Shared by the viewer and its connection's handlers, so it changes
/// through `&self`, and calls the page's callback with nothing of it borrowed.
pub struct StatusLine {
    element: Option<Element>,
    tab_badge: Option<Element>,
    on_change: RefCell<Option<js_sys::Function>>,
    state: Cell<State>,
    tab: Cell<Option<u32>>,
}

impl StatusLine {
    /// A status line written into `element` (if any), without a tab badge.
    pub fn new(element: Option<Element>) -> Self {
        Self::with_tab_badge(element, None)
    }

    /// A status line written into `element`, with the visitor's tab shown as "Tab N" in `tab_badge`
    /// (hidden until a tab is known).
    pub fn with_tab_badge(element: Option<Element>, tab_badge: Option<Element>) -> Self {
        Self { element, tab_badge, on_change: RefCell::new(None), state: Cell::new(State::Idle), tab: Cell::new(None) }
    }

    /// Calls `callback(state, text)` on every change.
    pub fn on_change(&self, callback: js_sys::Function) {
        *self.on_change.borrow_mut() = Some(callback);
    }

    /// The state shown now.
    pub fn state(&self) -> State {
        self.state.get()
    }

    /// The visitor's tab the session follows, once the relay said which.
    pub fn tab(&self) -> Option<u32> {
        self.tab.get()
    }

    /// Shows which of the visitor's tabs the session follows (1 is the first), or none (a new join).
    pub fn show_tab(&self, tab: Option<u32>) {
        self.tab.set(tab);
        if let Some(element) = &self.element {
            let _ = match tab {
                Some(tab) => element.set_attribute("data-tab", &tab.to_string()),
                None => element.remove_attribute("data-tab"),
            };
        }
        if let Some(badge) = &self.tab_badge {
            badge.set_text_content(tab.map(tab_words).as_deref());
            let _ = match tab {
                Some(_) => badge.remove_attribute("hidden"),
                None => badge.set_attribute("hidden", ""),
            };
        }
        publish_tab(tab);
    }

    /// Shows where the agent's remote control stands.
    pub fn show_control(&self, control: ControlState) {
        if let Some(element) = &self.element {
            let _ = element.set_attribute("data-control", control.as_str());
        }
        if let Some(global) = global_object() {
            let _ = js_sys::Reflect::set(&global, &"control".into(), &control.as_str().into());
        }
    }

    /// Shows `state` and `text`.
    pub fn show(&self, state: State, text: &str) {
        self.state.set(state);
        if let Some(element) = &self.element {
            let _ = element.set_attribute("data-state", state.as_str());
            element.set_text_content(Some(text));
        }
        publish(state);
        let callback = self.on_change.borrow().clone();
        if let Some(callback) = callback {
            let _ = callback.call2(&JsValue::NULL, &state.as_str().into(), &text.into());
        }
    }
}

/// The visible words for the visitor's tab number `tab`.
pub fn tab_words(tab: u32) -> String {
    format!("Tab {tab}")
}

/// Writes the visitor's tab onto `window.cobrowseViewer.tab` (`null` while unknown).
fn publish_tab(tab: Option<u32>) {
    if let Some(global) = global_object() {
        let value = tab.map_or(JsValue::NULL, |tab| tab.into());
        let _ = js_sys::Reflect::set(&global, &"tab".into(), &value);
    }
}

/// Writes the connection state onto `window.cobrowseViewer.state`, beside the counters.
fn publish(state: State) {
    if let Some(global) = global_object() {
        let _ = js_sys::Reflect::set(&global, &"state".into(), &state.as_str().into());
    }
}
