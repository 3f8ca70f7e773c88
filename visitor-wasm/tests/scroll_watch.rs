//! Whose scroll offsets the walk reads: with the shim's set of scrolled elements, those in it alone;
//! without it, every element's (`page::hooks`, `www/shim/scrolls.js`).

mod common;

use cobrowse_visitor::recorder::Recorder;
use common::*;
use js_sys::{Object, Reflect, WeakSet};
use wasm_bindgen_test::*;
use web_sys::Element;

wasm_bindgen_test_configure!(run_in_browser);

const PAGE: &str = r#"<div id="box" style="height: 50px; overflow: auto"><div style="height: 500px"></div></div>"#;

/// Hooks as the shim gives them when its tag is in the head: the set of scrolled elements.
fn hooks() -> (Object, WeakSet<Element>) {
    let (hooks, set) = (Object::new(), WeakSet::new_typed());
    Reflect::set(&hooks, &"scrolled".into(), &set).unwrap();
    (hooks, set)
}

fn found_scrolled(recorder: &mut Recorder, element: &Element) -> bool {
    recorder.scrolled.clear();
    take_snapshot(recorder);
    recorder.scrolled.iter().any(|found| found == element)
}

#[wasm_bindgen_test]
fn with_a_complete_set_only_the_elements_in_it_are_read() {
    let page = Fixture::new(PAGE);
    let scroller: Element = page.get("#box");
    scroller.set_scroll_top(120);
    let (hooks, set) = hooks();
    let mut recorder = Recorder::new(&hooks);
    assert!(!found_scrolled(&mut recorder, &scroller), "not in the set: its offset is not read");
    set.add(&scroller);
    assert!(found_scrolled(&mut recorder, &scroller));
}

#[wasm_bindgen_test]
fn without_the_set_every_element_is_read() {
    let page = Fixture::new(PAGE);
    let scroller: Element = page.get("#box");
    scroller.set_scroll_top(120);
    assert!(found_scrolled(&mut Recorder::default(), &scroller));
}
