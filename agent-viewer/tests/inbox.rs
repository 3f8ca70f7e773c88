//! The inbox: frames applied in order, at once while they are short; after a long one, the rest wait for
//! the browser to render (at most once every `RENDER_EVERY_MS`); waiting frames applied before a close;
//! none after the connection is gone.

mod common;

use cobrowse_agent_viewer::inbox::Inbox;
use common::sleep;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A frame whose first byte is this takes longer to apply than a long frame.
const LONG: u8 = 100;

/// An inbox that notes each frame's first byte as it applies it; a [`LONG`] frame keeps it busy 20 ms.
fn noting_inbox() -> (Rc<Inbox>, Rc<RefCell<Vec<u8>>>) {
    let applied = Rc::new(RefCell::new(Vec::new()));
    let noted = applied.clone();
    let inbox = Inbox::new(move |frame: &[u8]| {
        if frame[0] == LONG {
            let started = js_sys::Date::now();
            while js_sys::Date::now() - started < 20.0 {}
        }
        noted.borrow_mut().push(frame[0]);
    });
    (inbox, applied)
}

/// A [`noting_inbox`] given a long frame and a short one, which waits behind it.
fn holding_a_frame() -> (Rc<Inbox>, Rc<RefCell<Vec<u8>>>) {
    let (inbox, applied) = noting_inbox();
    inbox.receive(vec![LONG]);
    inbox.receive(vec![2]);
    assert_eq!(*applied.borrow(), [LONG], "the frame behind a long one waits");
    (inbox, applied)
}

#[wasm_bindgen_test]
fn short_frames_are_applied_at_once_in_order() {
    let (inbox, applied) = noting_inbox();
    for frame in 1..=3 {
        inbox.receive(vec![frame]);
    }
    assert_eq!(*applied.borrow(), [1, 2, 3]);
}

#[wasm_bindgen_test]
async fn after_a_long_frame_the_next_wait_for_a_rendering() {
    let (inbox, applied) = holding_a_frame();
    inbox.receive(vec![3]);
    assert_eq!(*applied.borrow(), [LONG], "frames behind a long one waited");
    sleep(150).await; // an animation frame and a task after it, or the longest wait at most
    assert_eq!(*applied.borrow(), [LONG, 2, 3]);
    inbox.receive(vec![4]);
    assert_eq!(*applied.borrow(), [LONG, 2, 3, 4], "once rendered, short frames go at once again");
    inbox.receive(vec![LONG]);
    inbox.receive(vec![6]);
    assert_eq!(*applied.borrow(), [LONG, 2, 3, 4, LONG, 6], "one wait at most every RENDER_EVERY_MS");
}

#[wasm_bindgen_test]
async fn waiting_frames_are_applied_before_a_close_and_not_twice() {
    let (inbox, applied) = holding_a_frame();
    inbox.apply_waiting();
    assert_eq!(*applied.borrow(), [LONG, 2]);
    sleep(150).await;
    assert_eq!(*applied.borrow(), [LONG, 2]);
}

#[wasm_bindgen_test]
async fn a_detached_inbox_applies_nothing_more() {
    let (inbox, applied) = holding_a_frame();
    inbox.detach();
    sleep(150).await;
    inbox.receive(vec![3]);
    assert_eq!(*applied.borrow(), [LONG]);
}
