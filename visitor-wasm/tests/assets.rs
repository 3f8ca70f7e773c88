//! Asset uploads through the wasm API, against a fake relay socket: only a mirrored, unmasked element's
//! resources may be uploaded, the check is made again when the bytes are sent, and what is sent is one
//! `AssetUpload` frame outside the deflate context, and not while the socket is backed up.

mod common;

use cobrowse_protocol::{message, AssetUpload, Control, Decoder, Message};
use common::*;
use js_sys::{Array, Function, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{Element, Node};

wasm_bindgen_test_configure!(run_in_browser);

/// Replaces `WebSocket` with a fake that records what is sent.
const FAKE_SOCKET: &str = r#"
if (!globalThis.RealWebSocket) globalThis.RealWebSocket = globalThis.WebSocket;
class FakeSocket {
  constructor(url) { this.url = url; this.readyState = 0; this.bufferedAmount = 0; this.sent = []; FakeSocket.last = this; }
  send(data) { this.sent.push(new Uint8Array(data)); }
  close() { this.readyState = 3; }
}
globalThis.WebSocket = FakeSocket;
globalThis.FakeSocket = FakeSocket;
"#;

fn get(object: &JsValue, key: &str) -> JsValue {
    Reflect::get(object, &key.into()).unwrap()
}

/// The fake socket, opened, after the relay said `SessionStarted`.
fn start_on_fake_socket() -> (JsValue, js_sys::Promise) {
    Function::new_no_args(FAKE_SOCKET).call0(&JsValue::NULL).unwrap();
    let emit = Function::new_with_args("name, detail", "");
    let started = cobrowse_visitor::start(
        "ws://relay.test/ws/visitor?site=demo".into(),
        emit,
        Object::new().into(),
        JsValue::UNDEFINED,
        JsValue::UNDEFINED,
    );
    let socket = get(&get(&js_sys::global(), "FakeSocket"), "last");
    Reflect::set(&socket, &"readyState".into(), &1.into()).unwrap();
    let started_message = Control::SessionStarted {
        key: "123456".into(),
        masking: Default::default(),
        secret: "ab".repeat(32),
        agents: 0,
    };
    let event = Object::new();
    Reflect::set(&event, &"data".into(), &Uint8Array::from(&message::encode_control(&started_message)[..]).buffer())
        .unwrap();
    get(&socket, "onmessage").unchecked_into::<Function>().call1(&JsValue::NULL, &event).unwrap();
    (socket, started)
}

/// Waits until the first frame (the snapshot, which the browser compresses asynchronously) was sent.
async fn snapshot_sent(socket: &JsValue) {
    for _ in 0..400 {
        if get(socket, "sent").unchecked_into::<Array>().length() > 0 {
            return;
        }
        let tick = js_sys::Promise::new(&mut |resolve, _| {
            web_sys::window().unwrap().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 5).unwrap();
        });
        JsFuture::from(tick).await.unwrap();
    }
    panic!("no snapshot was sent within 2 s");
}

fn sent(socket: &JsValue) -> Vec<Message> {
    let sent: Array = get(socket, "sent").unchecked_into();
    let mut decoder = Decoder::default();
    sent.iter()
        .map(|bytes| decoder.decode(&bytes.unchecked_into::<Uint8Array>().to_vec()).expect("a valid frame"))
        .collect()
}

fn node(page: &Fixture, css: &str) -> Node {
    page.get::<Element>(css).into()
}

#[wasm_bindgen_test]
async fn only_mirrored_unmasked_elements_upload_and_the_check_is_made_again_when_sending() {
    let page = Fixture::new(
        r#"<img id="plain" src="a.png">
           <div data-cobrowse-mask><img id="masked" src="b.png"></div>
           <div data-cobrowse-block><img id="blocked" src="c.png"></div>
           <img id="ignored" data-cobrowse-ignore src="d.png">"#,
    );
    assert!(!cobrowse_visitor::connection::assets::asset_allowed(node(&page, "#plain")), "no session, no uploads");
    let (socket, started) = start_on_fake_socket();
    JsFuture::from(started).await.unwrap();
    snapshot_sent(&socket).await;
    assert!(matches!(&sent(&socket)[..], [Message::Snapshot(_)]));

    let allowed = |css| cobrowse_visitor::connection::assets::asset_allowed(node(&page, css));
    assert!(allowed("#plain"));
    assert!(!allowed("#masked") && !allowed("#blocked") && !allowed("#ignored"));

    let upload =
        AssetUpload { url: "https://shop.test/a.png".into(), mime: "image/png".into(), bytes: vec![137, 80, 78, 71] };
    let send = |css, upload: &AssetUpload| {
        let bytes = Uint8Array::from(&upload.bytes[..]);
        cobrowse_visitor::connection::assets::send_asset(
            node(&page, css),
            upload.url.clone(),
            upload.mime.clone(),
            bytes,
        )
    };
    assert!(send("#plain", &upload));
    assert!(!send("#masked", &AssetUpload { url: "https://shop.test/b.png".into(), ..upload.clone() }));
    assert!(!send("#blocked", &AssetUpload { url: "https://shop.test/c.png".into(), ..upload.clone() }));
    let frames = sent(&socket);
    assert_eq!(frames[1..], [Message::Asset(upload.clone())], "only the plain image's bytes");

    // A socket backed up with unsent frames: the upload waits (the shim tries again later).
    Reflect::set(&socket, &"bufferedAmount".into(), &(1 << 20).into()).unwrap();
    assert!(!send("#plain", &upload));
    Reflect::set(&socket, &"bufferedAmount".into(), &0.into()).unwrap();
    assert_eq!(sent(&socket).len(), 2);

    // Masked while its bytes were fetched: refused, though the recorder has not seen the change yet.
    page.get::<Element>("#plain").set_attribute("data-cobrowse-mask", "").unwrap();
    assert!(!send("#plain", &upload));
    assert_eq!(sent(&socket).len(), 2);

    cobrowse_visitor::stop();
    Function::new_no_args("globalThis.WebSocket = globalThis.RealWebSocket || globalThis.WebSocket;")
        .call0(&JsValue::NULL)
        .unwrap();
}
