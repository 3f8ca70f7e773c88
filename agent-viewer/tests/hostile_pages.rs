//! Pages a viewer must survive: a snapshot nested far past `MAX_DEPTH` is refused by the decoder (never a
//! stack overflow), the status says so, a fresh snapshot is asked for, and the next good snapshot brings
//! the mirror back; a page at the limit builds. A tag with a prefix never makes a real script or frame
//! (`createElementNS(html, "x:script")` would make a script element).

mod common;

use cobrowse_agent_viewer::chrome::status::State;
use cobrowse_agent_viewer::mirror::Mirror;
use cobrowse_agent_viewer::session::{live_text, Session, RESYNCING_TEXT};
use cobrowse_protocol::codec::Compressor;
use cobrowse_protocol::frame::{self, FrameKind};
use cobrowse_protocol::message::encode_control;
use cobrowse_protocol::{Control, Encoder, MAX_DEPTH};
use common::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A snapshot frame whose page nests `levels` `<div>`s around a text, written as bytes without recursion
/// (no recursive encoder could write 5,000 levels on a wasm stack either). Ids in their wire form
/// (`protocol/src/wire_ids.rs`): the first `2` (id 1), each next `0` (one more): the divs are 1 to
/// `levels`, the text is `levels + 1`.
fn nested_snapshot_frame(levels: usize) -> Vec<u8> {
    let mut payload = vec![0, 0, 0, 0, 0, 1]; // url "", viewport, scroll, one child
    for level in 0..levels {
        let id = if level == 0 { 2 } else { 0 };
        payload.extend_from_slice(&[id, 1, 3, b'd', b'i', b'v', 0, 0, 0, 1]); // <div>, one child
    }
    payload.extend_from_slice(&[0, 2, 0, 0]); // an empty text
    payload.extend(std::iter::repeat_n(0, levels)); // no extras
    payload.push(0); // no adopted sheets
    frame::encode(FrameKind::Snapshot, &Compressor::new().snapshot(&payload))
}

fn greeting_page() -> cobrowse_protocol::Snapshot {
    page(vec![], vec![element(10, "p", &[("id", "greeting")], vec![text(11, "Hello")])])
}

#[wasm_bindgen_test]
fn a_page_nested_five_thousand_levels_is_refused_and_the_next_snapshot_recovers() {
    let mut encoder = Encoder::new();
    let mut session = Session::new(Mirror::new(mirror_iframe()));
    session.receive(&encoder.snapshot(&greeting_page()));

    let reply = session.receive(&nested_snapshot_frame(5_000));
    assert_eq!(reply.send, Some(encode_control(&Control::MirrorOutOfStep)), "asks for a fresh snapshot");
    assert_eq!(reply.status, Some((State::Reconnecting, RESYNCING_TEXT.to_string())), "says so");
    assert_eq!(session.counters().bad_frames, 1);
    let document = session.mirror().document().unwrap();
    assert!(document.get_element_by_id("greeting").is_some(), "the mirror keeps the last page meanwhile");

    let reply = session.receive(&encoder.snapshot(&greeting_page()));
    assert_eq!(reply.status, Some((State::Live, live_text(""))), "live again");
    assert_eq!(reply.send, None);
    assert_eq!(session.counters().snapshots, 2);
    // It asks again if another deep page comes later.
    assert!(session.receive(&nested_snapshot_frame(MAX_DEPTH)).send.is_some());
}

#[wasm_bindgen_test]
fn a_page_at_the_depth_limit_is_built() {
    let mut session = Session::new(Mirror::new(mirror_iframe()));
    // 511 nested <div>s (the first one the document's element) and a text at level 512.
    let reply = session.receive(&nested_snapshot_frame(MAX_DEPTH - 1));
    assert_eq!(reply.send, None);
    assert_eq!(session.counters().bad_frames, 0);
    let deepest = session.mirror().node(MAX_DEPTH as u32).expect("the deepest text is in the mirror");
    let mut depth = 0;
    let mut current = deepest.parent_node();
    while let Some(node) = current {
        depth += 1;
        current = node.parent_node();
    }
    assert_eq!(depth, MAX_DEPTH, "the text's ancestors: {MAX_DEPTH} - 1 elements and the document");
}

#[wasm_bindgen_test]
fn prefixed_tags_never_make_a_script_or_a_frame_in_the_mirror() {
    let mut mirror = Mirror::new(mirror_iframe());
    let body = vec![
        element(10, "x:script", &[("id", "html-script")], vec![text(11, "parent.hacked = 1")]),
        element(12, "x:iframe", &[("id", "html-frame"), ("src", "https://evil.example/")], vec![]),
        svg(13, "svg", &[], vec![svg(14, "x:script", &[], vec![text(15, "parent.hacked = 2")])]),
    ];
    mirror.apply_snapshot(&page(vec![], body)).unwrap();
    let document = mirror.document().unwrap();
    let count = |selector: &str| document.query_selector_all(selector).unwrap().length();
    assert_eq!(count("script"), 0, "no script element, in any namespace");
    assert_eq!(count("iframe"), 0, "no frame element");
    // As the HTML parser makes them: unknown elements of the whole name, children and all.
    let html_script = document.get_element_by_id("html-script").expect("the HTML element is built");
    assert_eq!(html_script.local_name(), "x:script");
    assert_eq!(html_script.text_content().unwrap(), "parent.hacked = 1");
    assert_eq!(document.get_element_by_id("html-frame").unwrap().local_name(), "x:iframe");
}
