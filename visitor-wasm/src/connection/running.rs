//! The running session: the one place a browser callback or an export finds the session from.
//!
//! The shim calls the wasm's exports (`changed`, `stop`, `node_info`, `send_asset`, `send_call`) as plain
//! functions,
//! and the browser calls the session's callbacks (socket messages and close, mutation records, DOM events,
//! timers, animation ticks) with nothing of ours but what they capture. None of them can be handed the
//! session, so it lives in a thread-local here; the session's callbacks reach it through [`REACH`]. The
//! fields seen secret outlive each session, and are kept here too.
//! Everything below the session is passed explicitly: the session owns its `Recorder`, and hands it to the
//! functions that need it.
//!
//! Calls back into page script are made only after the session is released (see `notice.rs`), so a page
//! that calls `stop()` from an event handler finds the session free.

use crate::connection::notice::{notify, Settle};
use crate::connection::session::{Dial, Reach, Session, SessionTask};
use crate::connection::socket::close_message;
use crate::page::changes::Change;
use cobrowse_protocol::AssetUpload;
use js_sys::{Function, Promise, WeakSet};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::Element;

thread_local! {
    /// The running session, if any. A thread-local because the exports the shim calls and the callbacks the
    /// browser makes have no other way to reach it (see the module doc).
    static SESSION: RefCell<Option<Session>> = const { RefCell::new(None) };
    /// The fields any session on this page saw secret (a password input, a card field). A thread-local
    /// because it must outlive each session, and `start()`, the export that makes the next one, has no other
    /// way to reach it: each session's recorder is handed this set, so a field once seen secret stays masked
    /// in later sessions too (a password shown as text between two sessions is still not sent).
    static SECRET_FIELDS: WeakSet<Element> = WeakSet::new_typed();
}

/// How the session's callbacks reach it here.
const REACH: Reach = Reach { lend, closed: on_close };

/// Starts a session with the relay at `ws_url`, or resumes the one `resume` (`{key, secret}`) names, on
/// `socket` if the shim opened one already; the promise resolves to `{key, secret, agents}`.
pub fn start(ws_url: &str, emit: Function, hooks: JsValue, resume: JsValue, socket: JsValue) -> Promise {
    let mut settle = None;
    let promise = Promise::new(&mut |resolve, reject| settle = Some(Settle { resolve, reject }));
    // The executor runs at once, so `settle` is there (not `expect`: its panic would cost download size).
    let Some(settle) = settle else { return promise };
    let free = SESSION.with(|cell| cell.try_borrow().is_ok_and(|session| session.is_none()));
    let notice = match free {
        true => {
            let secret_fields = SECRET_FIELDS.with(WeakSet::clone);
            let socket = (socket.is_object()).then(|| socket.unchecked_into());
            let dial = Dial { url: ws_url, socket, resume: resume_of(&resume) };
            match Session::open(dial, emit, &hooks, secret_fields, settle, REACH) {
                Ok(session) => {
                    // Free, as checked above (not `borrow_mut`: its panic would cost download size).
                    SESSION.with(|cell| cell.try_borrow_mut().map(|mut slot| *slot = Some(session)).ok());
                    return promise;
                }
                Err((settle, message)) => settle.reject(message, 0),
            }
        }
        false => settle.reject("A cobrowse session is already running.".into(), 0),
    };
    notify(vec![notice]);
    promise
}

/// The `{key, secret}` of `start()`'s `resume` argument; `None` for a new session (`undefined`, `null`, or
/// anything without a string key and secret).
fn resume_of(resume: &JsValue) -> Option<(String, String)> {
    let field = |name: &str| js_sys::Reflect::get(resume, &name.into()).ok()?.as_string();
    Some((field("key")?, field("secret")?))
}

/// A change the shim's patches reported (see `changes.rs`); ignored unless a session records.
pub fn changed(kind: &str, target: JsValue) {
    if let Some(change) = Change::parse(kind, target) {
        REACH.run(|session| session.on_change(change));
    }
}

/// Whether `node`'s resources may be uploaded as assets (see `assets.rs`); false unless a session records.
pub fn asset_allowed(node: &web_sys::Node) -> bool {
    let allowed = SESSION.with(|cell| cell.try_borrow().ok()?.as_ref().map(|session| session.asset_allowed(node)));
    allowed.unwrap_or(false)
}

/// Sends an asset upload found at `node` through the running session (see `Session::send_asset`); false
/// if no session runs.
pub fn send_asset(node: &web_sys::Node, upload: AssetUpload) -> bool {
    let mut sent = false;
    REACH.run(|session| {
        sent = session.send_asset(node, upload);
        Vec::new()
    });
    sent
}

/// Sends a support-call message the shim encoded (see `call.rs`); false if no session records.
pub fn send_call(payload: &[u8]) -> bool {
    let sent = SESSION.with(|cell| cell.try_borrow().ok()?.as_ref().map(|session| session.send_call(payload)));
    sent.unwrap_or(false)
}

/// What the shim may know of a node in the running session (see `nodes.rs`); -1 if no session records.
pub fn node_info(node: &web_sys::Node) -> i32 {
    let info = SESSION.with(|cell| cell.try_borrow().ok()?.as_ref().map(|session| session.node_info(node)));
    info.unwrap_or(-1)
}

/// Ends the session, if one runs: tells the relay, closes the socket, stops recording.
pub fn stop() {
    let Some(mut session) = take_session() else { return };
    session.end();
    let notice = session.finish("You ended the session.".into(), cobrowse_protocol::close::NORMAL);
    drop(session);
    notify(notice.into_iter().collect());
}

/// The page is going away: drops the session, which closes its socket with 1001 (the relay keeps the session
/// for the next page to resume) and stops recording; nothing is emitted, and a `start()` still waiting is
/// left unsettled (the shim has moved on from it).
pub fn suspend() {
    drop(take_session());
}

/// The socket closed: the session ends, and the page is told why (and the close code).
fn on_close(code: u16, reason: String) {
    let Some(mut session) = take_session() else { return };
    let message = close_message(code, &reason, session.key().is_some());
    let notice = session.finish(message, code);
    drop(session);
    notify(notice.into_iter().collect());
}

/// Runs `f` on the session if there is one and it is not already in use, then makes its calls to the page.
/// Not generic: one copy of the thread-local access for every caller (each copy costs download size).
#[inline(never)]
fn lend(task: &mut SessionTask) {
    let notices = SESSION.with(|cell| match cell.try_borrow_mut() {
        Ok(mut session) => session.as_mut().map(|session| session.run(task)),
        Err(_) => None,
    });
    notify(notices.unwrap_or_default());
}

fn take_session() -> Option<Session> {
    SESSION.with(|cell| cell.try_borrow_mut().ok().and_then(|mut session| session.take()))
}
