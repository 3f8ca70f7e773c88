//! A sliced snapshot (`parts_follow`) holds the mirror back from rendering until its last part ends with
//! `Event::SnapshotEnd`: the iframe is not displayed meanwhile (its partial page is neither laid out nor
//! painted), the nodes still go in as they come, and the visitor's scroll offset is applied in the frame
//! after the page is whole. A snapshot that is whole in itself shows the mirror at once, even after a sliced one
//! that never ended.

mod common;

use cobrowse_agent_viewer::mirror::Mirror;
use cobrowse_protocol::{Child, Delta, Event, Point, Size, Snapshot};
use common::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The first slice: `main` (10) sent without its children, and the visitor scrolled down.
fn first_slice() -> Snapshot {
    let mut snapshot = page(vec![], vec![element(10, "main", &[("id", "main")], vec![])]);
    snapshot.viewport = Size { width: 400, height: 300 };
    snapshot.scroll = Point { x: 0, y: 400 };
    snapshot.parts_follow = true;
    snapshot
}

/// A later part: one of `main`'s children (the tall one the offset needs).
fn a_part() -> Delta {
    let tall = element(11, "div", &[("id", "tall"), ("style", "height: 3000px")], vec![]);
    Delta { events: vec![Event::Children { parent: 10, children: vec![Child::New(tall)] }] }
}

/// The last part: the rest of `main`'s children, and the end.
fn the_last_part() -> Delta {
    let footer = element(12, "footer", &[("id", "footer")], vec![text(13, "end")]);
    Delta {
        events: vec![
            Event::Children { parent: 10, children: vec![Child::Existing(11), Child::New(footer)] },
            Event::SnapshotEnd,
        ],
    }
}

fn is_displayed(mirror: &Mirror) -> bool {
    mirror.overlay().iframe().style().get_property_value("display").unwrap() != "none"
}

fn has(mirror: &Mirror, id: &str) -> bool {
    mirror.document().unwrap().get_element_by_id(id).is_some()
}

fn window_scroll_y(mirror: &Mirror) -> f64 {
    mirror.overlay().iframe().content_window().unwrap().scroll_y().unwrap()
}

#[wasm_bindgen_test]
async fn the_mirror_is_held_until_the_last_part_then_shown_scrolled() {
    let mut mirror = Mirror::new(mirror_iframe());
    mirror.apply_snapshot(&first_slice()).unwrap();
    assert!(!is_displayed(&mirror), "a sliced snapshot's first slice is not rendered");
    assert!(has(&mirror, "main"), "but its nodes are in the mirror");

    mirror.apply_delta(&a_part());
    assert!(has(&mirror, "tall"), "a part's nodes go in as it comes");
    assert!(!is_displayed(&mirror), "still held: more parts follow");
    assert_eq!(window_scroll_y(&mirror), 0.0, "the offset waits for the whole page");

    mirror.apply_delta(&the_last_part());
    assert!(is_displayed(&mirror), "the last part shows the page");
    assert!(has(&mirror, "footer"), "with the last part's nodes");
    // Scrolled in the next frame, which lays the whole page out anyway (scrolling would do it at once).
    next_animation_frame().await;
    assert_eq!(window_scroll_y(&mirror), 400.0, "scrolled where the visitor is");
}

#[wasm_bindgen_test]
fn a_whole_snapshot_shows_the_mirror_even_after_an_unfinished_sliced_one() {
    let mut mirror = Mirror::new(mirror_iframe());
    mirror.apply_snapshot(&first_slice()).unwrap();
    mirror.apply_delta(&a_part());
    assert!(!is_displayed(&mirror));

    // The visitor moved on before the last part: the next page comes whole.
    let next_page = page(vec![], vec![element(20, "h1", &[("id", "next")], vec![text(21, "Next")])]);
    mirror.apply_snapshot(&next_page).unwrap();
    assert!(is_displayed(&mirror), "a whole snapshot is rendered at once");
    assert!(has(&mirror, "next"));
}

#[wasm_bindgen_test]
fn a_snapshot_that_is_whole_is_shown_at_once() {
    let mut mirror = Mirror::new(mirror_iframe());
    mirror.apply_snapshot(&page(vec![], vec![element(10, "p", &[("id", "p")], vec![])])).unwrap();
    assert!(is_displayed(&mirror));
}
