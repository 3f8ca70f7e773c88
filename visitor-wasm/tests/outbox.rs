//! The order of page frames while a snapshot is being compressed: `connection::outbox`.

use cobrowse_visitor::connection::outbox::Outbox;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn frame(byte: u8) -> Vec<u8> {
    vec![byte]
}

#[wasm_bindgen_test]
fn frames_go_at_once_when_nothing_waits() {
    let mut outbox = Outbox::default();
    assert_eq!(outbox.push(frame(1)), [frame(1)]);
    assert!(!outbox.is_waiting());
}

#[wasm_bindgen_test]
fn deltas_wait_for_the_snapshot_before_them_and_follow_it_in_order() {
    let mut outbox = Outbox::default();
    let snapshot = outbox.reserve();
    assert!(outbox.push(frame(2)).is_empty());
    assert!(outbox.push(frame(3)).is_empty());
    assert_eq!(outbox.fill(snapshot, frame(1)), [frame(1), frame(2), frame(3)]);
    assert_eq!(outbox.push(frame(4)), [frame(4)]);
}

#[wasm_bindgen_test]
fn a_later_snapshot_ready_first_waits_for_the_earlier_one() {
    let mut outbox = Outbox::default();
    let first = outbox.reserve();
    assert!(outbox.push(frame(2)).is_empty());
    let second = outbox.reserve();
    assert!(outbox.push(frame(4)).is_empty());
    assert!(outbox.fill(second, frame(3)).is_empty());
    assert!(outbox.is_waiting());
    assert_eq!(outbox.fill(first, frame(1)), [frame(1), frame(2), frame(3), frame(4)]);
    assert!(!outbox.is_waiting());
}
