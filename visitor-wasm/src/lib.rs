//! The visitor's side of cobrowse, compiled to wasm32 and loaded by the shim (`www/shim/`, served bundled as `/cobrowse.js`).
//!
//! It snapshots the page's DOM, records its changes and the visitor's inputs, masks what must stay
//! private before anything is serialized, and streams the result to the relay as protocol frames.
//!
//! The JS API, called only by the shim:
//! - `start(wsUrl, emit, hooks, resume, socket)` → `Promise<{key, secret, agents}>`: connects to the relay's
//!   visitor socket and resolves once the relay started the session: `key` is the session key, `secret`
//!   the resume secret (64 hex characters on a new session, `""` on a resumed one: the shim keeps the one it
//!   has), `agents` how many agents watch. `resume` is `undefined`/`null` for a new session, or the
//!   `{key, secret}` of the session to continue: `Control::Resume` is then the first message sent once the
//!   socket opens. `socket` is `undefined`, or a WebSocket the shim opened to `wsUrl` while the recorder
//!   loaded (binary type `arraybuffer`, no message received yet): the session takes it over if it is still
//!   connecting or open, and opens its own otherwise. Rejects with an `Error` whose `message` says what went wrong (relay unreachable, site
//!   not allowed, resume refused, ...) and whose `code` is the socket's close code (0 if it never opened a
//!   socket). While a session runs, `emit(name, detail)` is called with `agentjoined` / `agentleft`
//!   (`{name, agents}`), `call` (a frame the wasm does not decode, as an `ArrayBuffer`: the support call's
//!   messages) and `ended` (`{reason, code}`, `code` the close code: 1000 after `stop()`, 4012
//!   when another tab took the session over, 1006 when the connection dropped, ...). `hooks` is an object
//!   of the shim's with what the recorder needs from it (see `page::hooks`). Called while a session starts
//!   or runs, it rejects (the shim keeps to one session).
//! - `changed(kind, target)`: the shim's patches to DOM prototypes report a change no observer sees.
//! - `stop()`: ends the session (`EndSession`, close 1000) and stops recording; emits `ended`.
//! - `suspend()`: the page is going away (`pagehide`): closes the socket with 1001 (going away: the relay
//!   takes it for navigating), stops recording and drops the session without emitting `ended`; the relay
//!   keeps the session for the next page to resume. A `start()` still waiting is left unsettled.
//! - `node_info(node)` → the node's id × 2, plus 1 if it is mirrored plainly (not masked or blocked), or -1
//!   (see [`connection::nodes`]); `send_asset(element, url, mime, bytes)`: the shim's asset uploads (see
//!   [`connection::assets`]).
//! - `send_call(payload)` → bool: the support call's answers; the call's messages reach the shim undecoded
//!   as `emit("call", frame)`, an `ArrayBuffer` (see [`connection::call`]).
//!
//! One more export serves the benchmarks (`bench/`), with the `bench` feature only:
//! `snapshot_frame(hooks)` and `snapshot_frame_as_sent(hooks, done)`.
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

/// Starts a session, or resumes the one `resume` names; resolves to `{key, secret, agents}`. See the crate
/// doc.
#[wasm_bindgen]
pub fn start(
    ws_url: String,
    emit: js_sys::Function,
    hooks: JsValue,
    resume: JsValue,
    socket: JsValue,
) -> js_sys::Promise {
    connection::running::start(&ws_url, emit, hooks, resume, socket)
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

/// The page is going away: closes with 1001 and drops the session without emitting `ended`.
#[wasm_bindgen]
pub fn suspend() {
    connection::running::suspend()
}

/// For the benchmarks: the frame a session sends first — the whole document snapshotted, encoded and
/// deflated with fresh ids and a fresh [`cobrowse_protocol::Encoder`] — without a session, deflated by our
/// own encoder (as where the browser has no `CompressionStream`). `hooks` is the object a session's `start()`
/// is given (the shim's `www/shim/hooks.js`). Empty if there is no window or document. A `Uint8Array` made
/// here, not a `Vec` handed over. Built with the `bench` feature only: the package the relay serves leaves
/// it out.
#[cfg(feature = "bench")]
#[wasm_bindgen]
pub fn snapshot_frame(hooks: JsValue) -> js_sys::Uint8Array {
    let payload = bench_snapshot_payload(&hooks).unwrap_or_default();
    js_sys::Uint8Array::from(&cobrowse_protocol::message::deflate_snapshot(&payload)[..])
}

/// For the benchmarks: the same frame made as a session makes it (`Connection::send_fresh`), the payload
/// deflated by the browser (`CompressionStream`, where it has one; a small payload by the deltas' encoder
/// in one pass, as `connection/browser_deflate.rs` decides), given to `done` once ready (within the task:
/// the browser's deflate settles in microtasks). A payload the browser deflates primes an encoder that is
/// then dropped: a session pays that priming for its deltas, so the benchmark pays it too.
///
/// `done` gets what a session hands `WebSocket.send`: a view of the frame in the wasm's memory, not a copy
/// (the socket copies it; a copy here would time a second one). The view is valid only during the call:
/// `done` copies it if it keeps the bytes. Built with the `bench` feature only.
#[cfg(feature = "bench")]
#[wasm_bindgen]
pub fn snapshot_frame_as_sent(hooks: JsValue, done: js_sys::Function) {
    let payload = bench_snapshot_payload(&hooks).unwrap_or_default();
    let send = move |frame: Vec<u8>| {
        // SAFETY: `frame` outlives the call, and the view is read only while `done` runs: `done` is the
        // benchmark's own callback, which calls nothing in the wasm (nothing can grow its memory and
        // detach the view) and copies the bytes if it keeps them.
        let view = unsafe { js_sys::Uint8Array::view(&frame) };
        let _ = done.call1(&JsValue::NULL, &view);
    };
    let mut encoder = cobrowse_protocol::Encoder::new();
    match connection::browser_deflate::deflate(&payload) {
        Some(deflating) => {
            encoder.prime(&payload);
            deflating.finish(move |deflated| {
                send(match deflated {
                    Some(deflated) => cobrowse_protocol::message::snapshot_frame(&deflated),
                    None => cobrowse_protocol::message::deflate_snapshot(&payload),
                })
            })
        }
        None => send(encoder.deflate_fresh(cobrowse_protocol::FrameKind::Snapshot, &payload)),
    }
}

/// The payload of the frame a session sends first, as [`snapshot_frame`] describes; `None` without a
/// window or a document.
#[cfg(feature = "bench")]
fn bench_snapshot_payload(hooks: &JsValue) -> Option<Vec<u8>> {
    let window = dom::page_window()?;
    let document = window.document()?;
    let snapshot = tree::snapshot::take(&window, &document, &mut recorder::Recorder::new(hooks));
    Some(cobrowse_protocol::message::snapshot_payload(&snapshot))
}
