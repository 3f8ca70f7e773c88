//! Blocking: `data-cobrowse-block` and the site's `block_selectors` send an element as an empty box of its
//! size, and nothing beneath it, ever.

mod common;

use cobrowse_protocol::{Child, Decoder, Encoder, MaskingRules, NodeKind, Size};
use cobrowse_visitor::page::forms::form_events;
use cobrowse_visitor::recorder::Recorder;
use cobrowse_visitor::tree::record::{self, Batch};
use common::*;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlInputElement};

wasm_bindgen_test_configure!(run_in_browser);

const PAGE: &str = r#"
<div id="ad" data-cobrowse-block title="BLOCK-TITLE" style="width: 200px; height: 50px">BLOCK-TEXT <b>BLOCK-BOLD</b></div>
<section id="statement" class="statement" style="width: 120.4px; height: 30.6px"><p>STATEMENT-TEXT</p></section>
<input id="blocked-input" data-cobrowse-block value="INPUT-VALUE">
<p id="after">after the boxes</p>"#;

/// A recorder with a site rule that blocks `section.statement`.
fn blocking_recorder() -> Recorder {
    recorder_with(MaskingRules { block_selectors: vec!["section.statement".into()], ..Default::default() })
}

fn assert_nothing_of_the_blocked(bytes: &[u8]) {
    for secret in ["BLOCK-", "STATEMENT-", "INPUT-", "statement\" class"] {
        assert!(!contains_bytes(bytes, secret), "{secret} leaked");
    }
}

#[wasm_bindgen_test]
fn blocked_elements_are_sent_as_boxes_of_their_size() {
    let page = Fixture::new(PAGE);
    let mut recorder = blocking_recorder();
    let snapshot = take_snapshot(&mut recorder);
    let (_, raw) = Decoder::default().inflate(&Encoder::new().snapshot(&snapshot)).unwrap();
    assert_nothing_of_the_blocked(&raw);
    assert!(contains_bytes(&raw, "after the boxes"));

    let kind = |selector: &str| find_dom(&snapshot.children, &recorder.ids, &page.get(selector)).kind.clone();
    assert_eq!(kind("#ad"), NodeKind::Blocked { tag: "div".into(), size: Size { width: 200, height: 50 } });
    assert_eq!(kind("#statement"), NodeKind::Blocked { tag: "section".into(), size: Size { width: 120, height: 31 } });
    assert!(matches!(kind("#blocked-input"), NodeKind::Blocked { tag, .. } if tag == "input"));
    assert!(recorder.ids.get(&page.get::<Element>("#ad b")).is_none(), "nothing beneath a blocked element has an id");
}

#[wasm_bindgen_test]
fn changes_inside_blocked_elements_send_nothing() {
    let page = Fixture::new(PAGE);
    let mut recorder = blocking_recorder();
    take_snapshot(&mut recorder);
    observe(&mut recorder);
    let (ad, statement): (Element, Element) = (page.get("#ad"), page.get("#statement"));
    ad.append_child(&document().create_text_node("BLOCK-ADDED")).unwrap();
    ad.set_attribute("title", "BLOCK-NEW-TITLE").unwrap();
    ad.first_child().unwrap().set_node_value(Some("BLOCK-CHANGED"));
    page.get::<Element>("#ad b").set_attribute("data-x", "BLOCK-ATTR").unwrap();
    statement.set_inner_html("<p>STATEMENT-NEW</p>");
    let input: HtmlInputElement = page.get("#blocked-input");
    input.set_value("INPUT-TYPED");
    let Batch::Delta(delta) = record::batch(&recorder.take_records(), &mut recorder) else { panic!("a delta") };
    assert_eq!(delta.events, [], "nothing beneath or on a blocked element");
    assert_eq!(form_events(&input, &document(), &recorder), []);
}

#[wasm_bindgen_test]
fn an_element_that_becomes_blocked_is_re_sent_as_a_box() {
    let page = Fixture::new(r#"<section id="later">LATER-TEXT</section>"#);
    let later: Element = page.get("#later");
    let mut recorder = blocking_recorder();
    take_snapshot(&mut recorder);
    let parent = recorder.ids.get(&page.root).unwrap();
    observe(&mut recorder);
    later.class_list().add_1("statement").unwrap();
    let Batch::Delta(delta) = record::batch(&recorder.take_records(), &mut recorder) else { panic!("a delta") };
    let children = children_of(&delta.events, parent).expect("the parent lists the rebuilt box");
    assert!(
        matches!(&children[..], [Child::New(node)] if matches!(&node.kind, NodeKind::Blocked { tag, .. } if tag == "section")),
        "{children:?}"
    );
    assert!(!format!("{delta:?}").contains("LATER-TEXT"));
}
