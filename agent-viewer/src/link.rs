//! The agent's link to one session, across as many connections as it takes.
//!
//! The agent joins once; if the socket then drops for a reason that passes (see `rejoin.rs`), the link
//! shows `reconnecting` and opens a new [`Connection`] with the same `Join` (name, password, key) after a
//! backoff with jitter, until one joins again (the catch-up rebuilds the mirror, see `session.rs`), the
//! relay says the session is over, or [`crate::rejoin::GIVE_UP_AFTER_MS`] passed. Before the first `Joined`,
//! nothing is retried: the agent is at the form and reads what went wrong.
//!
//! Every connection signs in with the tab's session token when it has one for the agent (`sign_in.rs`);
//! a token the relay refuses is forgotten and the same connection attempt is made again with the password.
//!
//! The [`Link`] is the one owner of that state; the socket's close handler and the retry timer hold only
//! a weak reference and the generation they were made for, so a timer set before the agent left or
//! joined another session does nothing. A new connection is opened from the timer, never from the old
//! socket's close handler, so a connection is never dropped while one of its own handlers runs.

use crate::chrome::status::State;
use crate::connection::{Closed, Connection, OnClosed, Shared};
use crate::rejoin::{Next, Retries};
use crate::sign_in;
use cobrowse_protocol::close;
use cobrowse_protocol::message::encode_control;
use cobrowse_protocol::Control;
use std::cell::RefCell;
use std::rc::{Rc, Weak};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

/// The agent's link to a session: the current connection and what to do when it drops.
pub struct Link {
    inner: Rc<RefCell<Attempts>>,
}

/// Sends the agent's own messages (the call's) on the link's connection of the moment. It holds only a
/// weak reference: after the viewer is gone it sends nothing.
#[derive(Clone)]
pub struct Sender {
    link: Weak<RefCell<Attempts>>,
}

impl Sender {
    /// Sends `message` on the current connection; `false` if there is none open.
    pub fn send(&self, message: &Control) -> bool {
        let Some(inner) = self.link.upgrade() else {
            return false;
        };
        let attempts = inner.borrow();
        attempts.connection.as_ref().is_some_and(|connection| connection.send(&encode_control(message)))
    }
}

/// Everything the link knows, in one place.
struct Attempts {
    shared: Shared,
    /// The relay's agent endpoint and the join message, sent again on every rejoin.
    target: Option<(String, Control)>,
    connection: Option<Connection>,
    /// Bumped by every join and leave: handlers and timers made for an older generation do nothing.
    generation: u32,
    /// Whether and when to rejoin.
    retries: Retries,
    /// The current connection signed in with a session token instead of the password.
    with_token: bool,
    /// The current connection replaces one that had joined.
    rejoining: bool,
}

impl Link {
    pub fn new(shared: Shared) -> Self {
        let attempts = Attempts {
            shared,
            target: None,
            connection: None,
            generation: 0,
            retries: Retries::default(),
            with_token: false,
            rejoining: false,
        };
        Self { inner: Rc::new(RefCell::new(attempts)) }
    }

    /// Joins at `url` with `join`, leaving any session joined before.
    pub fn join(&self, url: String, join: Control) -> Result<(), JsValue> {
        let (old, status) = {
            let mut inner = self.inner.borrow_mut();
            inner.generation += 1;
            inner.target = Some((url, join));
            inner.retries = Retries::default();
            (inner.connection.take(), inner.shared.status.clone())
        };
        drop(old);
        status.show_tab(None);
        open(&self.inner, false)
    }

    /// A sender of messages on whichever connection the link has when it sends.
    pub fn sender(&self) -> Sender {
        Sender { link: Rc::downgrade(&self.inner) }
    }

    /// Leaves the session; `true` if there was one (joined, joining or waiting to rejoin).
    pub fn leave(&self) -> bool {
        let connection = {
            let mut inner = self.inner.borrow_mut();
            inner.generation += 1;
            inner.retries = Retries::default();
            inner.target.take();
            inner.connection.take()
        };
        match connection {
            Some(connection) => {
                connection.leave();
                true
            }
            None => false,
        }
    }
}

/// Opens a connection for the link's current target and keeps it (dropping the one before).
fn open(inner: &Rc<RefCell<Attempts>>, rejoining: bool) -> Result<(), JsValue> {
    let (url, join, shared, generation) = {
        let attempts = inner.borrow();
        let Some((url, join)) = attempts.target.clone() else {
            return Ok(()); // the agent left meanwhile
        };
        (url, join, attempts.shared.clone(), attempts.generation)
    };
    let on_closed = on_closed(Rc::downgrade(inner), generation);
    let first = sign_in::first_message(&join, sign_in::remembered());
    let with_token = matches!(first, Control::JoinWithToken { .. });
    let connection = Connection::open(&url, (first, join), shared, rejoining, on_closed)?;
    let old = {
        let mut attempts = inner.borrow_mut();
        attempts.with_token = with_token;
        attempts.rejoining = rejoining;
        attempts.connection.replace(connection)
    };
    drop(old);
    Ok(())
}

/// The handler a connection calls when its socket closes.
fn on_closed(link: Weak<RefCell<Attempts>>, generation: u32) -> OnClosed {
    Rc::new(move |closed: Closed| {
        let Some(inner) = link.upgrade() else {
            return;
        };
        let (next, shared) = {
            let mut attempts = inner.borrow_mut();
            if attempts.generation != generation {
                return;
            }
            if attempts.with_token && closed.code == close::AUTH_FAILED {
                // The relay no longer knows the token: sign in once more with the password, at once.
                sign_in::forget();
                attempts.with_token = false;
                let rejoining = closed.joined || attempts.rejoining;
                drop(attempts);
                // From a timer, not from this socket's close handler (see the module doc).
                open_later(&inner, generation, 0.0, rejoining);
                return;
            }
            let next = attempts.retries.after(&closed, js_sys::Date::now(), js_sys::Math::random());
            (next, attempts.shared.clone())
        };
        let status = shared.status.clone();
        match next {
            Next::Show(state, text) => {
                status.show(state, &text);
                shared.end_call(); // a final close: no tool or control outlives the session
            }
            Next::RejoinAfter { delay_ms, text } => {
                status.show(State::Reconnecting, &text);
                open_later(&inner, generation, delay_ms, true);
            }
        }
    })
}

/// Opens a new connection after `delay_ms`, unless the agent joined again or left meanwhile. `rejoining`:
/// it replaces a connection that had joined.
fn open_later(inner: &Rc<RefCell<Attempts>>, generation: u32, delay_ms: f64, rejoining: bool) {
    let link = Rc::downgrade(inner);
    let rejoin = Closure::once_into_js(move || {
        let Some(inner) = link.upgrade() else {
            return;
        };
        if inner.borrow().generation != generation {
            return;
        }
        if let Err(error) = open(&inner, rejoining) {
            let status = inner.borrow().shared.status.clone();
            status.show(State::Error, &format!("Cannot open a connection: {error:?}"));
        }
    });
    let scheduled = web_sys::window().map(|window| {
        window.set_timeout_with_callback_and_timeout_and_arguments_0(rejoin.unchecked_ref(), delay_ms.round() as i32)
    });
    if !matches!(scheduled, Some(Ok(_))) {
        web_sys::console::warn_1(&"cobrowse viewer: cannot schedule the rejoin".into());
    }
}
