//! The visitor's side of cobrowse, compiled to wasm32 and loaded by the shim (`www/shim/`, served bundled as `/cobrowse.js`).
//!
//! It snapshots the page's DOM, records its changes and the visitor's inputs, masks what must stay
//! private before anything is serialized, and streams the result to the relay as protocol frames.
//!
//! The JS API, called only by the shim:
//! - `start(wsUrl, emit, hooks)` → `Promise<string>`: connects to the relay's visitor socket and resolves to the
//!   session key, or rejects with an `Error` whose message says what went wrong (relay unreachable, site
//!   not allowed, ...). While a session runs, `emit(name, detail)` is called with
//!   `agentjoined` / `agentleft` (`{name, agents}`) and `ended` (`{reason}`). `hooks` is an object of
//!   the shim's with what the recorder needs from it (see `page::hooks`).
//! - `changed(kind, target)`: the shim's patches to DOM prototypes report a change no observer sees.
//! - `stop()`: ends the session (`EndSession`, close 1000) and stops recording; emits `ended`.
//! - `asset_allowed(element)`, `send_asset(element, url, mime, bytes)`: the shim's asset uploads (see
//!   [`connection::assets`]).
//!
//! One more export serves the benchmarks (`bench/`): `snapshot_frame()`.
//!
//! The modules follow the data flow, from the page to the wire:
//! - [`dom`]: the bottom layer, questions about DOM nodes that need no state;
//! - [`tree`]: the tree walk — ids, masking, markup held as text, the snapshot, the observer, mutation
//!   batches;
//! - [`page`]: page state beyond the tree — the shim's hooks, stylesheets, canvases, inputs, motion, shadow
//!   roots and child documents attached later;
//! - [`connection`]: the running session, its lifecycle and the socket;
//! - [`recorder`]: the [`Recorder`](recorder::Recorder), the one owner of the tree walk's state, which
//!   the session holds and passes to the functions that need it.
//!
//! `alloc` is the small allocator that keeps the download small.

#[cfg(target_arch = "wasm32")]
mod alloc;
pub mod connection;
pub mod dom;
pub mod page;
pub mod recorder;
pub mod tree;

use wasm_bindgen::prelude::*;

/// Starts a session; resolves to the session key. See the crate doc.
#[wasm_bindgen]
pub fn start(ws_url: String, emit: js_sys::Function, hooks: JsValue) -> js_sys::Promise {
    connection::running::start(&ws_url, emit, hooks)
}

/// The shim's patches report a change no observer sees: `kind` says what, `target` where. See `changes`.
#[wasm_bindgen]
pub fn changed(kind: String, target: JsValue) {
    connection::running::changed(&kind, target)
}

/// Ends the running session, if any.
#[wasm_bindgen]
pub fn stop() {
    connection::running::stop()
}

/// For the benchmarks: the frame a session sends first — the whole document snapshotted, encoded and
/// deflated with fresh ids and a fresh [`cobrowse_protocol::Encoder`] — without a session. Empty if there
/// is no window or document.
#[wasm_bindgen]
pub fn snapshot_frame() -> Vec<u8> {
    let Some(window) = web_sys::window() else { return Vec::new() };
    let Some(document) = window.document() else { return Vec::new() };
    let snapshot = tree::snapshot::take(&window, &document, &mut recorder::Recorder::default());
    cobrowse_protocol::Encoder::new().snapshot(&snapshot)
}
