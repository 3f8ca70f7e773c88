//! The browser's own deflate: `CompressionStream('deflate-raw')`, for the snapshot.
//!
//! A snapshot is the largest frame a session sends, and it starts a deflate stream of its own (see
//! `cobrowse_protocol::codec`). The browser compresses it with dynamic Huffman codes at native speed, at
//! no cost to the download: our own encoder (`cobrowse_protocol::deflate`) has only the fixed codes and
//! gave back most of what postcard saves. The bindings are declared here, a handful of calls, instead of
//! web-sys's streams features. Where the browser has no `CompressionStream` or no `deflate-raw` format
//! (before Chrome 103, Firefox 113, Safari 16.4), [`deflate_raw`] answers `None` and the caller uses our
//! encoder. The promise is taken with a plain `then` (no futures executor: it would cost download size).

use js_sys::{Array, ArrayBuffer, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = CompressionStream)]
    type NativeCompressionStream;
    #[wasm_bindgen(constructor, catch, js_class = "CompressionStream")]
    fn new(format: &str) -> Result<NativeCompressionStream, JsValue>;

    #[wasm_bindgen(js_name = Blob)]
    type NativeBlob;
    #[wasm_bindgen(constructor, catch, js_class = "Blob")]
    fn new(parts: &Array) -> Result<NativeBlob, JsValue>;
    #[wasm_bindgen(method, catch)]
    fn stream(this: &NativeBlob) -> Result<NativeReadableStream, JsValue>;

    type NativeReadableStream;
    #[wasm_bindgen(method, catch, js_name = pipeThrough)]
    fn pipe_through(
        this: &NativeReadableStream,
        transform: &NativeCompressionStream,
    ) -> Result<NativeReadableStream, JsValue>;

    #[wasm_bindgen(js_name = Response)]
    type NativeResponse;
    #[wasm_bindgen(constructor, catch, js_class = "Response")]
    fn new(body: &NativeReadableStream) -> Result<NativeResponse, JsValue>;
    #[wasm_bindgen(method, catch, js_name = arrayBuffer)]
    fn array_buffer(this: &NativeResponse) -> Result<NativePromise, JsValue>;

    #[wasm_bindgen(js_name = Promise)]
    type NativePromise;
    #[wasm_bindgen(method, js_name = then)]
    fn then_either(this: &NativePromise, on_fulfilled: &JsValue, on_rejected: &JsValue);
}

/// The browser deflating one payload.
pub struct Deflating(NativePromise);

impl Deflating {
    /// Calls `done` with the deflated bytes once the browser has them, or with `None` if it failed.
    pub fn then(self, done: impl FnOnce(Option<Vec<u8>>) + 'static) {
        // One function for both outcomes: only one is ever called, and it frees itself then.
        let settled = Closure::once_into_js(move |value: JsValue| {
            done(value.dyn_ref::<ArrayBuffer>().map(|buffer| Uint8Array::new(buffer).to_vec()))
        });
        self.0.then_either(&settled, &settled);
    }
}

/// Starts deflating `bytes` as one complete raw deflate stream in the browser; `None` if it cannot.
pub fn deflate_raw(bytes: &[u8]) -> Option<Deflating> {
    let deflate = NativeCompressionStream::new("deflate-raw").ok()?;
    let parts = Array::of1(&Uint8Array::from(bytes)); // a copy: the Blob outlives any view of wasm memory
    let compressed = NativeBlob::new(&parts).ok()?.stream().ok()?.pipe_through(&deflate).ok()?;
    Some(Deflating(NativeResponse::new(&compressed).ok()?.array_buffer().ok()?))
}
