//! The support call's exports: the wasm's small half of the call (consent, presence, the agent's pointer,
//! remote control), which the shim's lazily loaded call module (`www/shim/call/`) does in JS.
//!
//! Why so little here: the visitor's first download has a budget, and the call is needed only once an agent
//! joins. The socket hands the call's messages to the shim undecoded (`emit("call", bytes)`, see
//! `socket.rs`); the shim encodes its answers and sends them through [`send_call`], which lets out only the
//! messages a visitor may send. The shim asks [`node_info`] to match the node ids an agent names with the
//! page's elements; whether a field may be typed into by an agent is `asset_allowed` (`assets.rs`): mirrored,
//! and neither masked nor blocked.

use js_sys::Uint8Array;
use wasm_bindgen::prelude::*;
use web_sys::Node;

/// Sends a support-call message the shim encoded (postcard `payload`, without the frame header) on the
/// running session's socket. False if no session records, the socket is not open, or it is not one of
/// the messages a visitor sends (`ConsentAnswer`, `ControlAnswer`, `ControlRelease`, `ControlRefused`).
#[wasm_bindgen]
pub fn send_call(payload: Uint8Array) -> bool {
    crate::connection::running::send_call(&payload.to_vec())
}

/// The node's id as the mirror knows it, or -1 if it has none (not mirrored, or no session records).
#[wasm_bindgen]
pub fn node_info(node: Node) -> i32 {
    crate::connection::running::node_id(&node).map_or(-1, |id| id as i32)
}
