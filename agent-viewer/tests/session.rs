//! Frames through the real codec into the mirror, the out-of-step request, the counters on
//! `window.cobrowseViewer`, the status texts for the relay's close codes, and the sanitizing rules.

mod common;

use cobrowse_agent_viewer::chrome::status::{for_close, State};
use cobrowse_agent_viewer::mirror::Mirror;
use cobrowse_agent_viewer::sanitize::{self, Inert};
use cobrowse_agent_viewer::session::{Reply, Session};
use cobrowse_protocol::message::{decode_control, encode_control};
use cobrowse_protocol::{close, Child, Control, Delta, Encoder, Event, Namespace, Value, MASK_TEXT};
use common::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn session() -> Session {
    Session::new(Mirror::new(mirror_iframe()))
}

fn first_page() -> cobrowse_protocol::Snapshot {
    page(
        vec![],
        vec![
            element(10, "p", &[("id", "greeting")], vec![text(11, "Hello")]),
            element(12, "script", &[], vec![text(13, "parent.cobrowseScriptRan = true")]),
            element(14, "input", &[("type", "password")], vec![]),
        ],
    )
}

fn counter(name: &str) -> f64 {
    let global = test_global("cobrowseViewer");
    js_sys::Reflect::get(&global, &name.into()).unwrap().as_f64().unwrap_or(-1.0)
}

fn out_of_step() -> Vec<u8> {
    encode_control(&Control::MirrorOutOfStep)
}

#[wasm_bindgen_test]
fn frames_from_the_real_encoder_reach_the_mirror() {
    let mut encoder = Encoder::new();
    let mut session = session();
    assert_eq!(session.receive(&encoder.snapshot(&first_page())), Reply::default());
    let delta = Delta {
        events: vec![
            Event::Text { node: 11, text: Value::Plain("Hello again".into()) },
            Event::Children {
                parent: 4,
                children: vec![
                    Child::Existing(10),
                    Child::Existing(12),
                    Child::Existing(14),
                    Child::New(element(20, "em", &[], vec![masked_text(21)])),
                ],
            },
            Event::Form {
                node: 14,
                state: cobrowse_protocol::FormState { value: Some(Value::Masked), ..Default::default() },
            },
        ],
    };
    assert_eq!(session.receive(&encoder.delta(&delta)), Reply::default());
    // A second delta in the same deflate context.
    let again = Delta {
        events: vec![Event::Attribute { node: 10, name: "class".into(), value: Some(Value::Plain("big".into())) }],
    };
    assert_eq!(session.receive(&encoder.delta(&again)), Reply::default());

    let document = session.mirror().document().unwrap();
    let greeting = document.get_element_by_id("greeting").unwrap();
    assert_eq!(greeting.text_content().as_deref(), Some("Hello again"));
    assert_eq!(greeting.class_name(), "big");
    assert_eq!(document.query_selector("em").unwrap().unwrap().text_content().as_deref(), Some(MASK_TEXT));
    let password: web_sys::HtmlInputElement = session.mirror().node(14).unwrap().unchecked_into();
    assert_eq!(password.value(), MASK_TEXT);
    assert_eq!(document.query_selector_all("script").unwrap().length(), 0);
    let counters = session.counters();
    assert_eq!((counters.frames_applied, counters.snapshots, counters.deltas), (3, 1, 2));
    assert_eq!(counter("framesApplied"), 3.0);
    assert_eq!(counter("outOfStep"), 0.0);
}

#[wasm_bindgen_test]
fn the_mirror_asks_once_for_a_fresh_snapshot_when_out_of_step() {
    let mut encoder = Encoder::new();
    let mut session = session();
    session.receive(&encoder.snapshot(&first_page()));
    let stray = Delta { events: vec![Event::Text { node: 404, text: Value::Plain("?".into()) }] };
    let reply = session.receive(&encoder.delta(&stray));
    assert_eq!(reply.send.as_deref(), Some(out_of_step().as_slice()), "asks for a snapshot");
    assert_eq!(decode_control(&reply.send.unwrap()).unwrap(), Control::MirrorOutOfStep);
    assert_eq!(session.receive(&encoder.delta(&stray)).send, None, "asks only once");
    assert_eq!(session.counters().out_of_step, 2);
    assert_eq!(counter("outOfStep"), 2.0);
    // The fresh snapshot arrives; out of step again later means asking again.
    assert_eq!(session.receive(&encoder.snapshot(&first_page())).send, None);
    assert_eq!(session.receive(&encoder.delta(&stray)).send, Some(out_of_step()));
    assert_eq!(session.counters().snapshot_requests, 2);
}

#[wasm_bindgen_test]
fn a_frame_that_cannot_be_decoded_asks_for_a_snapshot() {
    let mut session = session();
    let mut encoder = Encoder::new();
    let _missed = encoder.snapshot(&first_page());
    let delta = encoder.delta(&Delta::default());
    let reply = session.receive(&delta);
    assert_eq!(reply.send, Some(out_of_step()), "a delta before any snapshot cannot be inflated");
    assert_eq!(session.receive(&[cobrowse_protocol::frame::VERSION, 2, 0xff, 0xff]).send, None, "asks only once");
    assert_eq!(session.counters().bad_frames, 2);
    assert_eq!(session.counters().frames_applied, 0);
}

#[wasm_bindgen_test]
fn joined_is_reported_and_other_controls_ignored() {
    let mut session = session();
    let reply = session.receive(&encode_control(&Control::Joined { key: "123456".into(), agent: 1 }));
    assert_eq!(reply.joined.as_deref(), Some("123456"));
    assert_eq!(session.receive(&encode_control(&Control::SnapshotRequested)), Reply::default());
}

#[wasm_bindgen_test]
fn close_codes_become_clear_status() {
    assert_eq!(for_close(close::SESSION_ENDED, ""), (State::Ended, "The visitor ended the session".into()));
    assert_eq!(for_close(close::AUTH_FAILED, "auth"), (State::Error, "Wrong agent name or password".into()));
    assert_eq!(
        for_close(close::UNKNOWN_KEY, ""),
        (State::Error, "No session has this key — check the digits with the visitor".into())
    );
    assert_eq!(for_close(1006, ""), (State::Disconnected, "Connection to the relay lost".into()));
    assert_eq!(for_close(4999, " something new "), (State::Disconnected, "something new".into()));
    for code in [close::KEY_EXPIRED, close::TOO_MANY_ATTEMPTS, close::AT_CAPACITY, close::UNEXPECTED_MESSAGE] {
        let (state, text) = for_close(code, "");
        assert_eq!(state, State::Error, "code {code}");
        assert!(!text.is_empty());
    }
    assert_eq!(State::Disconnected.as_str(), "disconnected");
}

#[wasm_bindgen_test]
fn the_join_message_takes_what_the_agent_typed() {
    let join = cobrowse_agent_viewer::join_message(" ana ", "pw", " 123 456 ").unwrap();
    assert_eq!(join, Control::Join { name: "ana".into(), password: "pw".into(), key: "123456".into() });
    assert!(cobrowse_agent_viewer::join_message("", "pw", "123456").is_err());
    assert!(cobrowse_agent_viewer::join_message("ana", "pw", "").is_err());
}

#[wasm_bindgen_test]
fn script_urls_are_recognized_as_a_browser_parses_them() {
    for url in [
        "javascript:alert(1)",
        "  JavaScript:alert(1)",
        "java\tscript:alert(1)",
        "java\nscript:alert(1)",
        "\u{1}javascript:alert(1)",
        "VBScript:msgbox",
        "data:text/html,<script>alert(1)</script>",
        "DATA:text/html;base64,PHNjcmlwdD4=",
    ] {
        assert!(sanitize::is_script_url(url), "{url:?} is a script URL");
    }
    for url in ["https://shop.example/", "/javascript:/x", "#top", "data:image/png;base64,AAAA", "mailto:a@b.c"] {
        assert!(!sanitize::is_script_url(url), "{url:?} is not a script URL");
    }
}

#[wasm_bindgen_test]
fn attribute_rules() {
    assert_eq!(sanitize::attribute("div", "onclick", "x"), None);
    assert_eq!(sanitize::attribute("body", "OnLoad", "x"), None);
    assert_eq!(sanitize::attribute("iframe", "srcdoc", "<p>"), None);
    assert_eq!(sanitize::attribute("meta", "http-equiv", " refresh "), None);
    assert_eq!(sanitize::attribute("meta", "http-equiv", "Content-Security-Policy"), None);
    assert_eq!(sanitize::attribute("meta", "http-equiv", "X-UA-Compatible").as_deref(), Some("X-UA-Compatible"));
    assert_eq!(sanitize::attribute("a", "href", "javascript:x").as_deref(), Some("#"));
    assert_eq!(sanitize::attribute("a", "xlink:href", "javascript:x").as_deref(), Some("#"), "an SVG link");
    assert_eq!(sanitize::attribute("use", "xlink:href", "javascript:x"), None);
    assert_eq!(sanitize::attribute("link", "href", "javascript:x"), None);
    assert_eq!(sanitize::attribute("img", "src", "javascript:x"), None);
    assert_eq!(sanitize::attribute("form", "action", "javascript:x"), None);
    assert_eq!(sanitize::attribute("object", "data", "data:text/html,x"), None);
    assert_eq!(sanitize::attribute("animate", "values", "#a;javascript:alert(1)"), None);
    assert_eq!(sanitize::attribute("div", "data-cobrowse-viewer", ""), None, "the viewer's markers are its own");
    assert_eq!(
        sanitize::attribute("div", "title", "javascript: the good parts").as_deref(),
        Some("javascript: the good parts")
    );
    assert_eq!(sanitize::attribute("a", "href", "/cart").as_deref(), Some("/cart"));
    assert_eq!(
        sanitize::attribute("img", "src", "data:image/png;base64,AAAA").as_deref(),
        Some("data:image/png;base64,AAAA")
    );
    assert_eq!(sanitize::inert_kind("script", &Namespace::Svg), Some(Inert::Script));
    assert_eq!(sanitize::inert_kind("SCRIPT", &Namespace::Html), Some(Inert::Script));
    assert_eq!(sanitize::inert_kind("noscript", &Namespace::Html), Some(Inert::Noscript));
    assert_eq!(sanitize::inert_kind("div", &Namespace::Html), None);
}

#[wasm_bindgen_test]
fn doctype_markup_cannot_smuggle_markup() {
    assert_eq!(sanitize::doctype_markup("html", "", ""), "<!DOCTYPE html>");
    let sneaky = sanitize::doctype_markup("html><script>x</script", "a\"><script>", "b'>");
    assert!(!sneaky.contains('<') || sneaky.matches('<').count() == 1, "{sneaky}");
    assert_eq!(sneaky.matches('>').count(), 1, "{sneaky}");
}
