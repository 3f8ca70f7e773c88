//! Whose scroll offsets the walk reads: with the shim's set of scrolled elements, those in it alone;
//! without it, every element's (`page::hooks`, `www/shim/scrolls.js`); a set the shim could not vouch for
//! completed by a whole walk; and a delta's new nodes read only where the set says.

mod common;

use cobrowse_visitor::recorder::Recorder;
use cobrowse_visitor::tree::record::{self, Batch};
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

/// Hooks as the shim gives them when it loaded once the body had elements: its set, not known to be complete.
fn late_hooks() -> (Object, WeakSet<Element>) {
    let (hooks, set) = (Object::new(), WeakSet::new_typed());
    Reflect::set(&hooks, &"watchedScrolls".into(), &set).unwrap();
    (hooks, set)
}

#[wasm_bindgen_test]
fn a_late_shim_s_set_is_completed_by_a_whole_walk_and_then_read_alone() {
    let page = Fixture::new(PAGE);
    let scroller: Element = page.get("#box");
    scroller.set_scroll_top(120); // before the shim's listener could see it: not in the set
    let (hooks, set) = late_hooks();
    let mut recorder = Recorder::new(&hooks);
    assert!(recorder.hooks.scrolled().is_undefined(), "an incomplete set is not read from");
    assert!(found_scrolled(&mut recorder, &scroller), "every offset is read");
    assert!(set.has(&scroller), "the walk adds what it finds to the set");
    recorder.hooks.complete_scroll_watch();
    assert!(recorder.hooks.scrolled().is_object(), "complete once a whole walk noted what it found");
    assert!(found_scrolled(&mut recorder, &scroller), "in the set: read");
    set.delete(&scroller);
    assert!(!found_scrolled(&mut recorder, &scroller), "the set alone decides now");
}

#[wasm_bindgen_test]
fn a_delta_reads_the_offsets_of_the_elements_in_a_complete_set_alone() {
    let page = Fixture::new(r#"<div id="host"></div><div id="shadow-host"></div>"#);
    let shadow_host: Element = page.get("#shadow-host");
    let root = shadow_host.attach_shadow(&web_sys::ShadowRootInit::new(web_sys::ShadowRootMode::Open)).unwrap();
    let (hooks, set) = hooks();
    let mut recorder = Recorder::new(&hooks);
    common::observe(&mut recorder);
    take_snapshot(&mut recorder);
    let host: Element = page.get("#host");
    let make = |id: &str| {
        host.insert_adjacent_html("beforeend", &PAGE.replace("\"box\"", &format!("\"{id}\""))).unwrap();
        let scroller: Element = page.get(&format!("#{id}"));
        scroller.set_scroll_top(90); // in the task that inserted it: its scroll event is still to come
        scroller
    };
    let unread = make("unread");
    let listed = make("listed");
    set.add(&listed);
    recorder.scrolled.clear();
    let Batch::Delta(delta) = record::batch(&recorder.take_records(), &mut recorder) else { panic!("a delta") };
    assert!(!delta.events.is_empty());
    assert!(!recorder.scrolled.contains(&unread), "not in the set: its scroll event will send its offset");
    assert!(recorder.scrolled.contains(&listed), "in the set: read");

    // In a shadow root the shim's listener hears no scroll: every new element's offset is read there.
    root.set_inner_html(&PAGE.replace("\"box\"", "\"inner\""));
    let inner = root.get_element_by_id("inner").unwrap();
    inner.set_scroll_top(60);
    recorder.scrolled.clear();
    let _ = record::batch(&recorder.take_records(), &mut recorder);
    assert!(recorder.scrolled.contains(&inner), "in a shadow root: read");
}
