//! Asset uploads: the wasm's half of sending the relay the bytes of resources the agent cannot fetch itself.
//!
//! The shim's asset uploader (`www/shim/assets/uploader.js`, imported only once an agent watches) finds the
//! resources — `blob:` URLs, same-origin images, same-origin stylesheets — fetches them and asks `node_info`
//! (`nodes.rs`) whether an element is mirrored plainly, then calls `send_asset` here; the work that needs no
//! knowledge of ids and masking stays in JS, outside the visitor's first download. The wasm keeps the
//! one decision that must not be duplicated: whether an element is mirrored unmasked. An element whose
//! node has no id (ignored, not yet sent, beneath a blocked element) or that sits in a masked subtree
//! (masked, or covered by a mask-all mode) is never uploaded from; the check runs again when the bytes are
//! sent, since the element may have moved or become masked while they were fetched.

use js_sys::Uint8Array;
use wasm_bindgen::prelude::*;
use web_sys::Node;

/// Whether the resources of `element` may be uploaded now: it is mirrored, and not masked or blocked. (The
/// shim asks `node_info`, `nodes.rs`, which tells this too: one export for both.)
pub fn asset_allowed(element: Node) -> bool {
    crate::connection::running::asset_allowed(&element)
}

/// Sends `bytes`, which the page calls `url` (absolute), as an asset, if `element` may still have its
/// resources uploaded and the socket is not backed up with unsent frames. Returns whether it was sent.
/// (`bytes` is a `Uint8Array`, copied in here: a `Vec<u8>` parameter would add its own glue to the download.)
#[wasm_bindgen]
pub fn send_asset(element: Node, url: String, mime: String, bytes: Uint8Array) -> bool {
    crate::connection::running::send_asset(
        &element,
        cobrowse_protocol::AssetUpload { url, mime, bytes: bytes.to_vec() },
    )
}
