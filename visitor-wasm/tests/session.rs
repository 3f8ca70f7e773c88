//! The whole session through the wasm API, against a fake relay socket (and once against a closed port):
//! start resolves with the key and sends a snapshot, mutations and inputs become deltas, control messages
//! are answered, closes are reported, stop ends it all; a resume sends `Resume` first, suspend leaves quietly.

mod common;

use cobrowse_protocol::{message, Control, Decoder, Event, FormState, FrameKind, Message, Point, Value};
use common::*;
use js_sys::{Array, Function, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlInputElement};

wasm_bindgen_test_configure!(run_in_browser);

/// Replaces `WebSocket` with a fake that records what is sent and lets the test play the relay.
const FAKE_SOCKET: &str = r#"
if (!globalThis.RealWebSocket) globalThis.RealWebSocket = globalThis.WebSocket;
class FakeSocket {
  constructor(url) { this.url = url; this.readyState = 0; this.binaryType = "blob"; this.sent = []; this.closedWith = null; FakeSocket.last = this; }
  send(data) { this.sent.push(new Uint8Array(data)); }
  close(code) { this.closedWith = code === undefined ? null : code; this.readyState = 3; }
}
globalThis.WebSocket = FakeSocket;
globalThis.FakeSocket = FakeSocket;
"#;

fn install_fake_socket() {
    Function::new_no_args(FAKE_SOCKET).call0(&JsValue::NULL).unwrap();
}

fn restore_real_socket() {
    Function::new_no_args("globalThis.WebSocket = globalThis.RealWebSocket || globalThis.WebSocket;")
        .call0(&JsValue::NULL)
        .unwrap();
}

fn get(object: &JsValue, key: &str) -> JsValue {
    Reflect::get(object, &key.into()).unwrap()
}

/// The fake socket the visitor opened last.
struct Relay {
    socket: JsValue,
    decoder: Decoder,
    read: u32,
}

impl Relay {
    fn last() -> Self {
        let socket = get(&get(&js_sys::global(), "FakeSocket"), "last");
        assert!(!socket.is_undefined(), "the visitor opened a socket");
        Reflect::set(&socket, &"readyState".into(), &1.into()).unwrap();
        Self { socket, decoder: Decoder::default(), read: 0 }
    }

    /// The socket opens (the browser's `open` event), if the visitor listens for it.
    fn open(&self) {
        let on_open = get(&self.socket, "onopen");
        if let Some(on_open) = on_open.dyn_ref::<Function>() {
            on_open.call0(&JsValue::NULL).unwrap();
        }
    }

    fn url(&self) -> String {
        get(&self.socket, "url").as_string().unwrap()
    }

    fn send(&self, control: &Control) {
        let bytes = Uint8Array::from(&message::encode_control(control)[..]);
        let event = Object::new();
        Reflect::set(&event, &"data".into(), &bytes.buffer()).unwrap();
        get(&self.socket, "onmessage").unchecked_into::<Function>().call1(&JsValue::NULL, &event).unwrap();
    }

    fn close(&self, code: u16, reason: &str) {
        let event = Object::new();
        Reflect::set(&event, &"code".into(), &code.into()).unwrap();
        Reflect::set(&event, &"reason".into(), &reason.into()).unwrap();
        Reflect::set(&self.socket, &"readyState".into(), &3.into()).unwrap();
        get(&self.socket, "onclose").unchecked_into::<Function>().call1(&JsValue::NULL, &event).unwrap();
    }

    /// Waits until a snapshot frame was sent since the last `received`: the browser compresses it
    /// asynchronously (`CompressionStream`), so it leaves a moment after the session starts.
    async fn snapshot_sent(&self) {
        for _ in 0..400 {
            let sent: Array = get(&self.socket, "sent").unchecked_into();
            let snapshot = (self.read..sent.length())
                .any(|index| sent.get(index).unchecked_into::<Uint8Array>().get_index(1) == FrameKind::Snapshot as u8);
            if snapshot {
                return;
            }
            sleep(5).await;
        }
        panic!("no snapshot was sent within 2 s");
    }

    /// The frames sent since the last call, decoded.
    fn received(&mut self) -> Vec<Message> {
        let sent: Array = get(&self.socket, "sent").unchecked_into();
        let mut messages = Vec::new();
        while self.read < sent.length() {
            let bytes = sent.get(self.read).unchecked_into::<Uint8Array>().to_vec();
            messages.push(self.decoder.decode(&bytes).expect("a valid frame"));
            self.read += 1;
        }
        messages
    }

    fn closed_with(&self) -> JsValue {
        get(&self.socket, "closedWith")
    }
}

/// The resume secret the fake relay hands out (64 hex characters, as the relay's).
const SECRET: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// The relay's answer to a new session with this key.
fn session_started(key: &str) -> Control {
    Control::SessionStarted { key: key.into(), masking: Default::default(), secret: SECRET.into(), agents: 0 }
}

/// A `resume` argument for `start()`: `{key, secret}`.
fn resume(key: &str, secret: &str) -> JsValue {
    let resume = Object::new();
    Reflect::set(&resume, &"key".into(), &key.into()).unwrap();
    Reflect::set(&resume, &"secret".into(), &secret.into()).unwrap();
    resume.into()
}

/// An `emit` function that keeps what it is given.
fn recording_emit() -> (Function, Array) {
    let log = Array::new();
    let emit = Function::new_with_args("name, detail", "this.push([name, detail])").bind0(&log);
    (emit, log)
}

fn emitted(log: &Array, index: u32) -> (String, JsValue) {
    let entry: Array = log.get(index).unchecked_into();
    (entry.get(0).as_string().unwrap(), entry.get(1))
}

fn deltas(messages: Vec<Message>) -> Vec<Event> {
    messages
        .into_iter()
        .flat_map(|message| match message {
            Message::Delta(delta) => delta.events,
            other => panic!("expected deltas, got {other:?}"),
        })
        .collect()
}

#[wasm_bindgen_test]
async fn a_session_from_start_to_stop() {
    install_fake_socket();
    let page = Fixture::new(r#"<p id="hello">hello relay</p><input id="name"><input id="pw" type="password">"#);
    let (emit, log) = recording_emit();
    let started = cobrowse_visitor::start(
        "ws://relay.test/ws/visitor?site=demo".into(),
        emit,
        JsValue::UNDEFINED,
        JsValue::UNDEFINED,
        JsValue::UNDEFINED,
    );
    let mut relay = Relay::last();
    assert_eq!(relay.url(), "ws://relay.test/ws/visitor?site=demo");
    assert_eq!(get(&relay.socket, "binaryType"), "arraybuffer");
    assert!(relay.received().is_empty(), "nothing is sent before the session starts");

    relay.send(&session_started("123456"));
    let resolved = JsFuture::from(started).await.unwrap();
    assert_eq!(get(&resolved, "key"), "123456");
    assert_eq!(get(&resolved, "secret"), SECRET, "a new session's secret is handed to the shim");
    assert_eq!(get(&resolved, "agents"), 0);
    relay.snapshot_sent().await;
    let first = relay.received();
    let [Message::Snapshot(snapshot)] = &first[..] else { panic!("one snapshot first: {first:?}") };
    assert!(format!("{snapshot:?}").contains("hello relay"));

    // A DOM change reaches the relay as a delta without waiting for anything but the observer.
    page.get::<Element>("#hello").set_text_content(Some("changed"));
    sleep(0).await;
    let events = deltas(relay.received());
    assert!(format!("{events:?}").contains("changed"), "{events:?}");

    // Typing: a form event, masked for the password field.
    let name: HtmlInputElement = page.get("#name");
    name.set_value("Ada");
    name.dispatch_event(&web_sys::Event::new("input").unwrap()).unwrap();
    let pw: HtmlInputElement = page.get("#pw");
    pw.set_value("hunter2-SECRET");
    pw.dispatch_event(&web_sys::Event::new("input").unwrap()).unwrap();
    let events = deltas(relay.received());
    assert!(
        matches!(&events[0], Event::Form { state: FormState { value: Some(Value::Plain(v)), .. }, .. } if v == "Ada")
    );
    assert!(matches!(&events[1], Event::Form { state: FormState { value: Some(Value::Masked), .. }, .. }));

    // Pointer moves are coalesced to one per animation frame.
    for x in [10, 20, 30] {
        let init = web_sys::PointerEventInit::new();
        init.set_client_x(x);
        init.set_client_y(5);
        let event = web_sys::PointerEvent::new_with_event_init_dict("pointermove", &init).unwrap();
        document().dispatch_event(&event).unwrap();
    }
    sleep(100).await;
    assert_eq!(deltas(relay.received()), [Event::Pointer(Point { x: 30, y: 5 })]);

    // Control messages: agents are reported, a snapshot request is answered.
    relay.send(&Control::AgentJoined { name: "Ana".into(), agents: 1 });
    let (name, detail) = emitted(&log, 0);
    assert_eq!(name, "agentjoined");
    assert_eq!(get(&detail, "name"), "Ana");
    assert_eq!(get(&detail, "agents"), 1);
    relay.send(&Control::AgentLeft { name: "Ana".into(), agents: 0 });
    assert_eq!(emitted(&log, 1).0, "agentleft");
    relay.send(&Control::SnapshotRequested);
    relay.snapshot_sent().await;
    assert!(matches!(&relay.received()[..], [Message::Snapshot(_)]));

    // stop(): EndSession, close 1000, `ended`, and nothing more is recorded.
    cobrowse_visitor::stop();
    let messages = relay.received();
    assert_eq!(messages, [Message::Control(Control::EndSession)]);
    assert_eq!(relay.closed_with(), 1000);
    let (name, detail) = emitted(&log, 2);
    assert_eq!(name, "ended");
    assert!(get(&detail, "reason").as_string().unwrap().contains("ended"));
    assert_eq!(get(&detail, "code"), 1000);
    page.get::<Element>("#hello").set_text_content(Some("after the end"));
    sleep(0).await;
    assert!(relay.received().is_empty());
    restore_real_socket();
}

async fn start_error(close: (u16, &str)) -> String {
    install_fake_socket();
    let (emit, _) = recording_emit();
    let started = cobrowse_visitor::start(
        "ws://relay.test/ws/visitor?site=nope".into(),
        emit,
        JsValue::UNDEFINED,
        JsValue::UNDEFINED,
        JsValue::UNDEFINED,
    );
    Relay::last().close(close.0, close.1);
    let error = JsFuture::from(started).await.expect_err("start() rejects");
    restore_real_socket();
    error.unchecked_into::<js_sys::Error>().message().into()
}

#[wasm_bindgen_test]
async fn start_rejects_with_what_went_wrong() {
    let message = start_error((4003, "site nope does not allow origin http://x")).await;
    assert!(message.contains("not allowed") && message.contains("site nope does not allow"), "{message}");
    let message = start_error((1006, "")).await;
    assert!(message.contains("unreachable"), "{message}");
}

#[wasm_bindgen_test]
async fn a_close_by_the_relay_ends_the_session() {
    install_fake_socket();
    let (emit, log) = recording_emit();
    let started = cobrowse_visitor::start(
        "ws://relay.test/ws/visitor?site=demo".into(),
        emit,
        JsValue::UNDEFINED,
        JsValue::UNDEFINED,
        JsValue::UNDEFINED,
    );
    let relay = Relay::last();
    relay.send(&session_started("654321"));
    JsFuture::from(started).await.unwrap();
    relay.close(4010, "The session expired.");
    let (name, detail) = emitted(&log, 0);
    assert_eq!(name, "ended");
    assert_eq!(get(&detail, "reason"), "The session expired.");
    assert_eq!(get(&detail, "code"), 4010);
    // A new session can start after the end.
    let again = cobrowse_visitor::start(
        "ws://relay.test/ws/visitor?site=demo".into(),
        recording_emit().0,
        JsValue::UNDEFINED,
        JsValue::UNDEFINED,
        JsValue::UNDEFINED,
    );
    Relay::last().send(&session_started("111111"));
    assert_eq!(get(&JsFuture::from(again).await.unwrap(), "key"), "111111");
    cobrowse_visitor::stop();
    restore_real_socket();
}

#[wasm_bindgen_test]
async fn an_unreachable_relay_is_reported() {
    restore_real_socket();
    let (emit, _) = recording_emit();
    let started = cobrowse_visitor::start(
        "ws://127.0.0.1:9/ws/visitor?site=demo".into(),
        emit,
        JsValue::UNDEFINED,
        JsValue::UNDEFINED,
        JsValue::UNDEFINED,
    );
    let error = JsFuture::from(started).await.expect_err("start() rejects");
    let message: String = error.unchecked_into::<js_sys::Error>().message().into();
    assert!(message.contains("unreachable"), "{message}");
}

#[wasm_bindgen_test]
async fn the_site_s_rules_apply_from_the_first_snapshot() {
    install_fake_socket();
    let _page = Fixture::new(r#"<p class="site-secret">SITE-SECRET-TEXT</p><p>public words</p>"#);
    let started = cobrowse_visitor::start(
        "ws://relay.test/ws/visitor?site=demo".into(),
        recording_emit().0,
        JsValue::UNDEFINED,
        JsValue::UNDEFINED,
        JsValue::UNDEFINED,
    );
    let mut relay = Relay::last();
    let masking = cobrowse_protocol::MaskingRules { mask_selectors: vec![".site-secret".into()], ..Default::default() };
    relay.send(&Control::SessionStarted { key: "222222".into(), masking, secret: SECRET.into(), agents: 0 });
    JsFuture::from(started).await.unwrap();
    relay.snapshot_sent().await;
    let first = relay.received();
    let [Message::Snapshot(snapshot)] = &first[..] else { panic!("one snapshot first: {first:?}") };
    let sent = format!("{snapshot:?}");
    assert!(sent.contains("public words") && !sent.contains("SITE-SECRET-TEXT"), "{sent}");
    cobrowse_visitor::stop();
    restore_real_socket();
}

#[wasm_bindgen_test]
async fn an_invalid_selector_stops_the_start_before_anything_is_sent() {
    install_fake_socket();
    let _page = Fixture::new(r#"<p>PAGE-TEXT</p>"#);
    let started = cobrowse_visitor::start(
        "ws://relay.test/ws/visitor?site=demo".into(),
        recording_emit().0,
        JsValue::UNDEFINED,
        JsValue::UNDEFINED,
        JsValue::UNDEFINED,
    );
    let mut relay = Relay::last();
    let masking = cobrowse_protocol::MaskingRules {
        block_selectors: vec!["#ok".into(), "p:bogus(".into()],
        ..Default::default()
    };
    relay.send(&Control::SessionStarted { key: "333333".into(), masking, secret: SECRET.into(), agents: 0 });
    let error = JsFuture::from(started).await.expect_err("start() rejects");
    let message: String = error.unchecked_into::<js_sys::Error>().message().into();
    assert!(message.contains("p:bogus(") && message.contains("selector"), "{message}");
    let sent = relay.received();
    assert_eq!(sent, [Message::Control(Control::EndSession)], "no page content was sent");
    assert_eq!(relay.closed_with(), 1000);
    relay.close(1000, "");
    restore_real_socket();
}

#[wasm_bindgen_test]
async fn changes_the_shim_reports_reach_the_relay_masked() {
    install_fake_socket();
    let page =
        Fixture::new(r#"<input id="city"><input id="pin" type="password"><style id="s">p { color: red; }</style>"#);
    let started = cobrowse_visitor::start(
        "ws://relay.test/ws/visitor?site=demo".into(),
        recording_emit().0,
        shim_hooks(),
        JsValue::UNDEFINED,
        JsValue::UNDEFINED,
    );
    let mut relay = Relay::last();
    relay.send(&session_started("123456"));
    JsFuture::from(started).await.unwrap();
    relay.snapshot_sent().await;
    relay.received();

    // Values set from script fire no event: the shim's setter patch reports them.
    let city: HtmlInputElement = page.get("#city");
    city.set_value("Lisbon");
    cobrowse_visitor::changed("form".into(), city.into());
    let pin: HtmlInputElement = page.get("#pin");
    pin.set_value("9876-SECRET");
    cobrowse_visitor::changed("form".into(), pin.into());
    let events = deltas(relay.received());
    assert!(
        matches!(&events[0], Event::Form { state: FormState { value: Some(Value::Plain(v)), .. }, .. } if v == "Lisbon"),
        "{events:?}"
    );
    assert!(
        matches!(&events[1], Event::Form { state: FormState { value: Some(Value::Masked), .. }, .. }),
        "{events:?}"
    );

    // A rule inserted through the CSSOM is sent with the next animation frame, as the sheet's rules.
    let style: Element = page.get("#s");
    let sheet = Reflect::get(&style, &"sheet".into()).unwrap();
    let insert: Function = Reflect::get(&sheet, &"insertRule".into()).unwrap().unchecked_into();
    insert.call2(&sheet, &"b { color: blue; }".into(), &1.into()).unwrap();
    cobrowse_visitor::changed("sheet".into(), sheet);
    cobrowse_visitor::changed("no-such-kind".into(), JsValue::NULL);
    sleep(100).await;
    let events = deltas(relay.received());
    assert!(
        matches!(&events[..], [Event::Sheet { rules: Some(rules), .. }] if rules == &["p { color: red; }", "b { color: blue; }"]),
        "{events:?}"
    );
    cobrowse_visitor::stop();
    restore_real_socket();
}

#[wasm_bindgen_test]
async fn a_resume_is_the_first_message_and_resolves_with_an_empty_secret() {
    install_fake_socket();
    let _page = Fixture::new(r#"<p>the next page</p>"#);
    let (emit, _) = recording_emit();
    let url = "ws://relay.test/ws/visitor?site=demo&tab=ab12&resume=1";
    let started =
        cobrowse_visitor::start(url.into(), emit, JsValue::UNDEFINED, resume("123456", SECRET), JsValue::UNDEFINED);
    let mut relay = Relay::last();
    assert_eq!(relay.url(), url, "the secret never goes in the URL");
    assert!(relay.received().is_empty(), "nothing is sent before the socket opens");
    relay.open();
    let first = relay.received();
    let expected = Control::Resume { key: "123456".into(), secret: SECRET.into() };
    assert_eq!(first, [Message::Control(expected)]);

    relay.send(&Control::SessionStarted {
        key: "123456".into(),
        masking: Default::default(),
        secret: String::new(),
        agents: 2,
    });
    let resolved = JsFuture::from(started).await.unwrap();
    assert_eq!(get(&resolved, "key"), "123456");
    assert_eq!(get(&resolved, "secret"), "");
    assert_eq!(get(&resolved, "agents"), 2);
    relay.snapshot_sent().await;
    let [Message::Snapshot(snapshot)] = &relay.received()[..] else { panic!("a fresh snapshot follows") };
    assert!(format!("{snapshot:?}").contains("the next page"));
    cobrowse_visitor::stop();
    restore_real_socket();
}

/// The URL a resuming page connects to.
const RESUME_URL: &str = "ws://relay.test/ws/visitor?site=demo&tab=ab12&resume=1";

/// Resumes session 123456 on a socket opened as the shim opens one while the recorder loads (`new
/// WebSocket(url)`), in `ready_state`: that socket, `start()`'s promise, and the fake relay's view of the
/// socket the recorder uses.
fn resume_on_shim_socket(ready_state: u16) -> (JsValue, js_sys::Promise, Relay) {
    install_fake_socket();
    let early =
        Function::new_with_args("url", "return new WebSocket(url);").call1(&JsValue::NULL, &RESUME_URL.into()).unwrap();
    Reflect::set(&early, &"readyState".into(), &ready_state.into()).unwrap();
    let resume = resume("123456", SECRET);
    let started =
        cobrowse_visitor::start(RESUME_URL.into(), recording_emit().0, JsValue::UNDEFINED, resume, early.clone());
    (early, started, Relay::last())
}

#[wasm_bindgen_test]
async fn a_resume_takes_over_the_socket_the_shim_opened_and_sends_at_once_if_it_is_open() {
    let _page = Fixture::new(r#"<p>the next page</p>"#);
    let (early, started, mut relay) = resume_on_shim_socket(1);
    assert!(Object::is(&relay.socket, &early), "no second socket is opened");
    assert_eq!(get(&early, "binaryType"), "arraybuffer");
    let expected = Control::Resume { key: "123456".into(), secret: SECRET.into() };
    assert_eq!(relay.received(), [Message::Control(expected)], "the Resume goes at once on the open socket");
    relay.send(&Control::SessionStarted {
        key: "123456".into(),
        masking: Default::default(),
        secret: String::new(),
        agents: 1,
    });
    JsFuture::from(started).await.unwrap();
    relay.snapshot_sent().await;
    assert!(matches!(&relay.received()[..], [Message::Snapshot(_)]), "the page follows on the same socket");
    cobrowse_visitor::stop();
    restore_real_socket();
}

#[wasm_bindgen_test]
async fn a_socket_the_shim_opened_that_is_still_connecting_gets_the_resume_once_open() {
    let _page = Fixture::new(r#"<p>the next page</p>"#);
    let (early, _started, mut relay) = resume_on_shim_socket(0);
    assert!(Object::is(&relay.socket, &early), "no second socket is opened");
    assert!(relay.received().is_empty(), "nothing is sent before the socket opens");
    relay.open();
    assert_eq!(relay.received().len(), 1, "the Resume, once open");
    cobrowse_visitor::stop();
    restore_real_socket();
}

#[wasm_bindgen_test]
async fn a_socket_the_shim_opened_that_closed_meanwhile_is_replaced() {
    let _page = Fixture::new(r#"<p>the next page</p>"#);
    let (early, _started, relay) = resume_on_shim_socket(3);
    assert!(!Object::is(&relay.socket, &early), "a closed socket is not used: a new one is opened");
    assert_eq!(relay.url(), RESUME_URL);
    cobrowse_visitor::stop();
    restore_real_socket();
}

#[wasm_bindgen_test]
async fn changes_made_while_the_snapshot_compresses_follow_it_in_order() {
    install_fake_socket();
    let page = Fixture::new(r#"<p id="count">0</p>"#);
    let started = cobrowse_visitor::start(
        "ws://relay.test/ws/visitor?site=demo".into(),
        recording_emit().0,
        JsValue::UNDEFINED,
        JsValue::UNDEFINED,
        JsValue::UNDEFINED,
    );
    let mut relay = Relay::last();
    relay.send(&session_started("333333"));
    JsFuture::from(started).await.unwrap();
    let count = page.get::<Element>("#count");
    for n in 1..=3 {
        count.set_text_content(Some(&n.to_string()));
        JsFuture::from(js_sys::Promise::resolve(&JsValue::NULL)).await.unwrap();
        // the observer's microtask
    }
    relay.snapshot_sent().await;
    let sent = relay.received();
    let Some((Message::Snapshot(snapshot), later)) = sent.split_first() else { panic!("the snapshot first: {sent:?}") };
    let texts = format!("{snapshot:?}{:?}", deltas(later.to_vec()));
    let order: Vec<usize> = ["\"1\"", "\"2\"", "\"3\""].iter().filter_map(|n| texts.find(n)).collect();
    assert_eq!(order.len(), 3, "every change reaches the relay: {texts}");
    assert!(order.windows(2).all(|pair| pair[0] < pair[1]), "in order: {texts}");
    cobrowse_visitor::stop();
    restore_real_socket();
}

#[wasm_bindgen_test]
async fn a_new_session_sends_nothing_when_the_socket_opens() {
    install_fake_socket();
    let started = cobrowse_visitor::start(
        "ws://relay.test/ws/visitor?site=demo".into(),
        recording_emit().0,
        JsValue::UNDEFINED,
        JsValue::NULL,
        JsValue::UNDEFINED,
    );
    let mut relay = Relay::last();
    relay.open();
    assert!(relay.received().is_empty(), "no Resume without a session to resume");
    relay.send(&session_started("444444"));
    JsFuture::from(started).await.unwrap();
    cobrowse_visitor::stop();
    restore_real_socket();
}

#[wasm_bindgen_test]
async fn a_refused_resume_rejects_with_its_close_code() {
    install_fake_socket();
    let started = cobrowse_visitor::start(
        "ws://relay.test/ws/visitor?site=demo&resume=1".into(),
        recording_emit().0,
        JsValue::UNDEFINED,
        resume("123456", "wrong"),
        JsValue::UNDEFINED,
    );
    Relay::last().close(4005, "This session cannot be resumed.");
    let error = JsFuture::from(started).await.expect_err("start() rejects");
    assert_eq!(get(&error, "code"), 4005);
    assert_eq!(get(&error, "message"), "This session cannot be resumed.");
    restore_real_socket();
}

#[wasm_bindgen_test]
async fn suspend_closes_with_1001_and_emits_nothing() {
    install_fake_socket();
    let page = Fixture::new(r#"<p id="leaving">leaving</p>"#);
    let (emit, log) = recording_emit();
    let started = cobrowse_visitor::start(
        "ws://relay.test/ws/visitor?site=demo".into(),
        emit,
        JsValue::UNDEFINED,
        JsValue::NULL,
        JsValue::UNDEFINED,
    );
    let mut relay = Relay::last();
    relay.send(&session_started("555555"));
    JsFuture::from(started).await.unwrap();
    relay.snapshot_sent().await;
    relay.received();

    cobrowse_visitor::suspend();
    assert_eq!(relay.closed_with(), 1001, "going away: the relay keeps the session for the next page");
    assert!(relay.received().is_empty(), "no EndSession: the session goes on");
    page.get::<Element>("#leaving").set_text_content(Some("after suspend"));
    sleep(0).await;
    assert!(relay.received().is_empty(), "recording stopped");
    assert_eq!(log.length(), 0, "no ended event");

    // The next start resumes (here, in the same page, as after a back/forward cache restore).
    let again = cobrowse_visitor::start(
        "ws://relay.test/ws/visitor?site=demo&resume=1".into(),
        recording_emit().0,
        JsValue::UNDEFINED,
        resume("555555", SECRET),
        JsValue::UNDEFINED,
    );
    let relay = Relay::last();
    relay.open();
    relay.send(&Control::SessionStarted {
        key: "555555".into(),
        masking: Default::default(),
        secret: String::new(),
        agents: 0,
    });
    assert_eq!(get(&JsFuture::from(again).await.unwrap(), "key"), "555555");
    cobrowse_visitor::stop();
    restore_real_socket();
}
