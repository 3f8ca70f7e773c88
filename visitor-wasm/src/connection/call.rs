//! The support call's exports: the wasm's small half of the call (consent, presence, the agent's pointer,
//! remote control), which the shim's lazily loaded call module (`www/shim/call/`) does in JS.
//!
//! Why so little here: the visitor's first download has a budget, and the call is needed only once an agent
//! joins. The socket hands every frame it does not decode itself to the shim undecoded (`emit("call",
//! frame)`, an `ArrayBuffer`: the call's messages, see `socket.rs`); the shim encodes its answers and sends
//! them through [`send_call`], which lets out only the messages a visitor may send. The shim matches the
//! node ids an agent names with the page's elements through `node_info` (`nodes.rs`).

use js_sys::Uint8Array;
use wasm_bindgen::prelude::*;

/// Sends a support-call message the shim encoded (postcard `payload`, without the frame header) on the
/// running session's socket. False if no session records, the socket is not open, or it is not one of
/// the messages a visitor sends (`ConsentAnswer`, `ControlAnswer`, `ControlRelease`, `ControlRefused`).
#[wasm_bindgen]
pub fn send_call(payload: Uint8Array) -> bool {
    crate::connection::running::send_call(&payload.to_vec())
}
