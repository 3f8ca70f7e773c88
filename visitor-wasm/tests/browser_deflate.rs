//! The browser's own deflate for a snapshot: `connection::browser_deflate` (with `js/deflate.js`).

mod common;

use cobrowse_protocol::codec::Decompressor;
use cobrowse_visitor::connection::browser_deflate::{deflate, deflate_raw};
use common::sleep;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Bytes that repeat as markup does, `len` of them: several chunks of the stream's output.
fn page_like(len: usize) -> Vec<u8> {
    let markup = b"<div class=\"card\"><p>Order 1234</p><input name=\"street\"></div>";
    (0..len).map(|at| markup[at % markup.len()] ^ ((at / 4096) as u8 & 1)).collect()
}

/// Deflates `payload` in the browser; `(bytes, whether a task posted just before ran first)`.
async fn deflated(payload: &[u8]) -> (Option<Vec<u8>>, bool) {
    // A task posted before the deflate starts: the page's own work, waiting its turn.
    let post = js_sys::Function::new_no_args(
        "window.otherTaskRan = false; const channel = new MessageChannel(); \
         channel.port1.onmessage = () => { window.otherTaskRan = true; }; channel.port2.postMessage(0);",
    );
    post.call0(&JsValue::NULL).unwrap();
    let result = Rc::new(RefCell::new(None));
    let answered = result.clone();
    let deflating = deflate_raw(payload).expect("this Chromium has CompressionStream('deflate-raw')");
    deflating.finish(move |bytes| {
        let window = web_sys::window().unwrap();
        let other_ran = js_sys::Reflect::get(&window, &"otherTaskRan".into()).unwrap().is_truthy();
        *answered.borrow_mut() = Some((bytes, other_ran));
    });
    sleep(100).await;
    let settled = result.borrow_mut().take();
    settled.expect("the deflate settled")
}

#[wasm_bindgen_test]
async fn a_snapshot_is_deflated_whole_and_inflates_back_to_itself() {
    let payload = page_like(300_000);
    let (bytes, _) = deflated(&payload).await;
    let bytes = bytes.expect("the browser deflated it");
    assert!(bytes.len() < payload.len() / 10, "{} bytes deflated to {}", payload.len(), bytes.len());
    assert_eq!(Decompressor::new(1 << 24).snapshot(&bytes).unwrap(), payload);
}

#[wasm_bindgen_test]
async fn the_deflated_snapshot_is_ready_before_any_other_task_of_the_page_runs() {
    // Read through a Response, the bytes came a task later: on a page still loading, 15 to 35 ms later.
    for len in [2_000, 300_000] {
        let (bytes, other_ran) = deflated(&page_like(len)).await;
        assert!(bytes.is_some());
        assert!(!other_ran, "{len} bytes: the snapshot waited behind a task posted before it");
    }
}

#[wasm_bindgen_test]
fn a_small_snapshot_is_left_to_our_encoder_and_a_large_one_to_the_browser() {
    // The browser's stream costs about 0.1 ms whatever its size; a small page's snapshot is deflated at once.
    assert!(deflate(&page_like(300)).is_none(), "a payload of 300 bytes");
    assert!(deflate(&page_like(4_095)).is_none(), "a payload of 4,095 bytes");
    assert!(deflate(&page_like(4_096)).is_some(), "a payload of 4,096 bytes");
    assert!(deflate(&page_like(300_000)).is_some(), "a payload of 300,000 bytes");
}
