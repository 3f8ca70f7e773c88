//! The visitor's side of cobrowse, compiled to wasm32 and loaded by the shim (`www/cobrowse.js`).
//!
//! It snapshots the page's DOM, records its changes and the visitor's inputs, masks what must stay
//! private before anything is serialized, and streams the result to the relay as protocol frames.
//!
//! The JS API is two functions, called only by the shim:
//! - `start(wsUrl, emit, hooks)` → `Promise<string>`: connects to the relay's visitor socket and resolves to the
//!   session key, or rejects with an `Error` whose message says what went wrong (relay unreachable, site
//!   not allowed, ...). While a session runs, `emit(name, detail)` is called with
//!   `agentjoined` / `agentleft` (`{name, agents}`) and `ended` (`{reason}`). `hooks` is an object of
//!   the shim's with what the recorder needs from it (see `changes`).
//! - `changed(kind, target)`: the shim's patches to DOM prototypes report a change no observer sees.
//! - `stop()`: ends the session (`EndSession`, close 1000) and stops recording; emits `ended`.
//! - `asset_allowed(element)`, `send_asset(element, url, mime, bytes)`: the shim's asset uploads (see [`assets`]).
//!
//! One more export serves the benchmarks (`bench/`): `snapshot_frame()`.
//!
//! Modules, in the order a frame is made: [`ids`] names nodes, [`mask`] decides what is hidden,
//! [`snapshot`] serializes the DOM, [`record`] turns mutations into deltas, [`inputs`] turns the
//! visitor's actions into events, [`connection`] sends frames, [`session`] runs one session. [`shadow`] and
//! [`frames`] add open shadow roots and same-origin frame documents, [`roots`] watches them like the
//! document, [`pristine`] takes constructors a page may have replaced from the shim's hooks. `alloc` is
//! the small allocator that keeps the download small.

#[cfg(target_arch = "wasm32")]
mod alloc;
pub mod assets;
pub mod canvas;
pub mod carriers;
pub mod changes;
pub mod connection;
pub mod extras;
pub mod frames;
pub mod hooks;
pub mod ids;
pub mod inputs;
pub mod mask;
pub mod pristine;
pub mod record;
pub mod roots;
mod session;
pub mod shadow;
pub mod snapshot;
pub mod styles;

use wasm_bindgen::prelude::*;

/// Starts a session; resolves to the session key. See the crate doc.
#[wasm_bindgen]
pub fn start(ws_url: String, emit: js_sys::Function, hooks: JsValue) -> js_sys::Promise {
    session::start(&ws_url, emit, hooks)
}

/// The shim's patches report a change no observer sees: `kind` says what, `target` where. See `changes`.
#[wasm_bindgen]
pub fn changed(kind: String, target: JsValue) {
    session::changed(&kind, target)
}

/// Ends the running session, if any.
#[wasm_bindgen]
pub fn stop() {
    session::stop()
}

/// For the benchmarks: the frame a session sends first — the whole document snapshotted, encoded and
/// deflated with fresh ids and a fresh [`cobrowse_protocol::Encoder`] — without a session. Empty if there
/// is no window or document.
#[wasm_bindgen]
pub fn snapshot_frame() -> Vec<u8> {
    let Some(window) = web_sys::window() else { return Vec::new() };
    let Some(document) = window.document() else { return Vec::new() };
    let snapshot = snapshot::take(&window, &document, &mut ids::Ids::new());
    cobrowse_protocol::Encoder::new().snapshot(&snapshot)
}
