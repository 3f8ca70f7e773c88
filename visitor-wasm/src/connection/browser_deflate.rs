//! The browser's own deflate: `CompressionStream('deflate-raw')`, for the snapshot.
//!
//! A snapshot is the largest frame a session sends, and it starts a deflate stream of its own (see
//! `cobrowse_protocol::codec`). The browser compresses it with dynamic Huffman codes at native speed, at
//! no cost to the download: our own encoder (`cobrowse_protocol::deflate`) has only the fixed codes and
//! gave back most of what postcard saves. The stream is driven from `js/deflate.js` (written straight to
//! the stream, not through a Blob), one call across the boundary instead of a binding for each of the
//! streams API's steps. Where the browser has no `CompressionStream` or no `deflate-raw` format (before
//! Chrome 103, Firefox 113, Safari 16.4), [`deflate`] answers `None` and the caller uses our encoder.
//! The promise is taken with a plain `then` (no futures executor: it would cost download size).
//!
//! A small payload is left to our encoder too. The browser's stream costs about 0.1 ms whatever it is
//! given (its zlib state made and cleared, the stream's promises settled), several times what our encoder
//! takes for a page of a few dozen elements; on such a payload the dynamic codes save some ten percent, a
//! few dozen bytes.

use js_sys::{ArrayBuffer, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen(module = "/js/deflate.js")]
extern "C" {
    /// A promise of the deflated bytes (an `ArrayBuffer`, or null if the browser failed; never rejected).
    pub type Deflating;
    #[wasm_bindgen(method)]
    fn then(this: &Deflating, done: &JsValue);

    /// Starts deflating `bytes` as one complete raw deflate stream in the browser; `None` where the browser
    /// cannot (see `js/deflate.js`). Whatever its size: a snapshot goes through [`deflate`].
    #[wasm_bindgen(js_name = deflateRaw)]
    pub fn deflate_raw(bytes: &[u8]) -> Option<Deflating>;
}

/// Below this many bytes of payload, our own encoder deflates a snapshot (see the module doc).
const SMALL_PAYLOAD: usize = 4096;

/// Starts deflating a snapshot's `payload` in the browser; `None` where the browser cannot, or for a
/// payload small enough for our own encoder: the caller deflates it itself.
pub fn deflate(payload: &[u8]) -> Option<Deflating> {
    if payload.len() < SMALL_PAYLOAD {
        return None;
    }
    deflate_raw(payload)
}

impl Deflating {
    /// Calls `done` with the deflated bytes once the browser has them, or with `None` if it failed.
    pub fn finish(self, done: impl FnOnce(Option<Vec<u8>>) + 'static) {
        // The promise never rejects: `done` is called once, and `once_into_js` frees it then.
        let settled = Closure::once_into_js(move |value: JsValue| {
            done(value.dyn_ref::<ArrayBuffer>().map(|buffer| Uint8Array::new(buffer).to_vec()))
        });
        self.then(&settled);
    }
}
