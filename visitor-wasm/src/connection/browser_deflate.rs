//! The browser's own deflate: `CompressionStream('deflate-raw')`, for the snapshot.
//!
//! A snapshot is the largest frame a session sends, and it starts a deflate stream of its own (see
//! `cobrowse_protocol::codec`). The browser compresses it with dynamic Huffman codes at native speed, at
//! no cost to the download: our own encoder (`cobrowse_protocol::deflate`) has only the fixed codes and
//! gave back most of what postcard saves. The bindings are declared here, a handful of calls, instead of
//! web-sys's streams features. Where the browser has no `CompressionStream` or no `deflate-raw` format
//! (before Chrome 103, Firefox 113, Safari 16.4), [`deflate_raw`] answers `None` and the caller uses our
//! encoder.

use js_sys::{Array, ArrayBuffer, Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

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
    fn array_buffer(this: &NativeResponse) -> Result<Promise, JsValue>;
}

/// Starts deflating `bytes` as one complete raw deflate stream in the browser; `None` if it cannot.
pub fn deflate_raw(bytes: &[u8]) -> Option<impl std::future::Future<Output = Option<Vec<u8>>>> {
    let deflate = NativeCompressionStream::new("deflate-raw").ok()?;
    let parts = Array::of1(&Uint8Array::from(bytes)); // a copy: the Blob outlives any view of wasm memory
    let compressed = NativeBlob::new(&parts).ok()?.stream().ok()?.pipe_through(&deflate).ok()?;
    let buffer = NativeResponse::new(&compressed).ok()?.array_buffer().ok()?;
    Some(async move {
        let buffer = JsFuture::from(buffer).await.ok()?;
        Some(Uint8Array::new(buffer.dyn_ref::<ArrayBuffer>()?).to_vec())
    })
}
