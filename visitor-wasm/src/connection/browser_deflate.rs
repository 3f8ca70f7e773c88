//! The browser's own deflate: `CompressionStream('deflate-raw')`, for the snapshot.
//!
//! A snapshot is the largest frame a session sends, and it starts a deflate stream of its own (see
//! `cobrowse_protocol::codec`). The browser compresses it with dynamic Huffman codes at native speed, at
//! no cost to the download: our own encoder (`cobrowse_protocol::deflate`) has only the fixed codes and
//! gave back most of what postcard saves. The stream is driven from `js/deflate.js` (written straight to
//! the stream, not through a Blob), one call across the boundary instead of a binding for each of the
//! streams API's steps. Where the browser has no `CompressionStream` or no `deflate-raw` format (before
//! Chrome 103, Firefox 113, Safari 16.4), [`deflate_raw`] answers `None` and the caller uses our encoder.
//! The promise is taken with a plain `then` (no futures executor: it would cost download size).

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
    /// cannot (see `js/deflate.js`).
    #[wasm_bindgen(js_name = deflateRaw)]
    pub fn deflate_raw(bytes: &[u8]) -> Option<Deflating>;
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
