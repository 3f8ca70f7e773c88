//! The support call's state without IO: remote control (`none` → `requested` → `granted`), the roster,
//! the tools, the per-frame batches of what the agent's gestures send, and the point mapping.

use cobrowse_agent_viewer::call::batch::{Batch, ScrollTarget};
use cobrowse_agent_viewer::call::control::{ControlState, RemoteControl, NOT_GIVEN_TEXT, TAKEN_BACK_TEXT};
use cobrowse_agent_viewer::call::point::{
    document_point, document_point_on_box, modifier_bits, on_box, scroll_target, wheel_pixels,
};
use cobrowse_agent_viewer::call::state::CallState;
use cobrowse_agent_viewer::call::tools::{press, Tool};
use cobrowse_protocol::call::{modifiers, AgentInfo, RemoteInput, NOBODY};
use cobrowse_protocol::{Control, Point};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

// control.rs
#[wasm_bindgen_test]
fn a_request_is_granted_then_released() {
    let mut control = RemoteControl::default();
    assert!(control.request());
    assert!(!control.request(), "asks once");
    assert_eq!(control.state(), ControlState::Requested);
    control.holder(2, 2, Some("ana"));
    assert_eq!(control.state(), ControlState::Granted);
    assert!(control.release());
    assert_eq!(control.state(), ControlState::None);
    assert!(!control.release());
    assert_eq!(control.notice(), None);
}

#[wasm_bindgen_test]
fn another_holder_or_nobody_ends_a_request_with_a_notice() {
    let mut control = RemoteControl::default();
    control.request();
    control.holder(2, 3, Some("bo"));
    assert_eq!((control.state(), control.notice()), (ControlState::None, Some("bo has control")));
    control.request();
    assert_eq!(control.notice(), None);
    control.holder(2, NOBODY, None);
    assert_eq!((control.state(), control.notice()), (ControlState::None, Some(NOT_GIVEN_TEXT)));
    control.request();
    control.holder(2, 2, None);
    control.holder(2, NOBODY, None);
    assert_eq!((control.state(), control.notice()), (ControlState::None, Some(TAKEN_BACK_TEXT)));
}

#[wasm_bindgen_test]
fn holders_while_only_watching_change_nothing_and_refusals_say_why() {
    let mut control = RemoteControl::default();
    control.holder(2, 3, Some("bo"));
    control.holder(NOBODY, NOBODY, None);
    assert_eq!(control, RemoteControl::default());
    control.request();
    control.refused("the site does not allow remote control");
    assert_eq!(control.state(), ControlState::None);
    assert_eq!(control.notice(), Some("the site does not allow remote control"));
    control.refused(" ");
    assert_eq!(control.notice(), Some("Control was refused"));
    control.request();
    control.holder(2, 2, None);
    control.refused("the field is masked: only the visitor types in it");
    assert_eq!(control.state(), ControlState::Granted, "a refused input does not end control");
    assert_eq!(control.notice(), Some("the field is masked: only the visitor types in it"));
    assert_eq!(ControlState::Granted.as_str(), "granted");
}

// tools.rs
#[wasm_bindgen_test]
fn one_tool_at_a_time_and_pressing_it_again_puts_it_down() {
    assert_eq!(press(None, Tool::Draw), Some(Tool::Draw));
    assert_eq!(press(Some(Tool::Draw), Tool::Pointer), Some(Tool::Pointer));
    assert_eq!(press(Some(Tool::Pointer), Tool::Pointer), None);
    for tool in Tool::ALL {
        assert_eq!(Tool::parse(tool.as_str()), Some(tool));
    }
    assert_eq!(Tool::parse("laser"), None);
}

// point.rs
#[wasm_bindgen_test]
fn a_mirror_event_is_its_viewport_point_plus_the_scroll() {
    assert_eq!(document_point((10.4, 20.6), (0.0, 300.0)), Point { x: 10, y: 321 });
    assert_eq!(document_point_on_box((50.0, 25.0), 0.5, (0.0, 100.0)), Point { x: 100, y: 150 });
    assert_eq!(document_point_on_box((50.0, 25.0), 0.0, (0.0, 0.0)), Point { x: 50, y: 25 });
}

#[wasm_bindgen_test]
fn a_document_point_shows_on_the_box_scrolled_and_scaled() {
    assert_eq!(on_box(Point { x: 100, y: 150 }, (0.0, 100.0), 0.5), (50.0, 25.0));
    let back = document_point_on_box(on_box(Point { x: 7, y: 900 }, (3.0, 500.0), 0.8), 0.8, (3.0, 500.0));
    assert_eq!(back, Point { x: 7, y: 900 });
}

#[wasm_bindgen_test]
fn the_wheel_scrolls_within_the_page() {
    assert_eq!(scroll_target((0.0, 100.0), (0.0, 120.0), (0.0, 1000.0)), Point { x: 0, y: 220 });
    assert_eq!(scroll_target((0.0, 100.0), (-30.0, -500.0), (0.0, 1000.0)), Point { x: 0, y: 0 });
    assert_eq!(scroll_target((0.0, 990.0), (0.0, 120.0), (0.0, 1000.0)), Point { x: 0, y: 1000 });
    assert_eq!(scroll_target((0.0, 0.0), (0.0, 50.0), (0.0, -5.0)), Point { x: 0, y: 0 });
    assert_eq!(wheel_pixels((0.0, 3.0), 1, (800.0, 600.0)), (0.0, 120.0));
    assert_eq!(wheel_pixels((0.0, 1.0), 2, (800.0, 600.0)), (0.0, 600.0));
    assert_eq!(wheel_pixels((2.0, 3.0), 0, (800.0, 600.0)), (2.0, 3.0));
}

#[wasm_bindgen_test]
fn modifier_keys_become_bits() {
    assert_eq!(modifier_bits(false, false, false, false), 0);
    assert_eq!(modifier_bits(true, false, false, true), modifiers::SHIFT | modifiers::META);
    assert_eq!(modifier_bits(true, true, true, true), 15);
}

// batch.rs
fn p(x: i32, y: i32) -> Point {
    Point { x, y }
}

#[wasm_bindgen_test]
fn only_the_pointers_last_place_goes() {
    let mut batch = Batch::default();
    batch.pointer(Some(p(1, 1)));
    batch.pointer(Some(p(2, 3)));
    assert_eq!(batch.take(), vec![Control::Pointer { agent: NOBODY, at: Some(p(2, 3)) }]);
    assert!(batch.is_empty());
    batch.pointer(None);
    assert_eq!(batch.take(), vec![Control::Pointer { agent: NOBODY, at: None }]);
    assert_eq!(batch.take(), vec![]);
}

#[wasm_bindgen_test]
fn a_stroke_starts_once_then_goes_in_batches() {
    let mut batch = Batch::default();
    let mut early = Vec::new();
    batch.start_stroke(p(0, 0), &mut early);
    assert!(early.is_empty());
    batch.extend_stroke(p(1, 1));
    assert_eq!(batch.take(), vec![Control::Draw { agent: NOBODY, start: true, points: vec![p(0, 0), p(1, 1)] }]);
    batch.extend_stroke(p(2, 2));
    batch.extend_stroke(p(3, 3));
    assert_eq!(batch.take(), vec![Control::Draw { agent: NOBODY, start: false, points: vec![p(2, 2), p(3, 3)] }]);
    batch.extend_stroke(p(4, 4));
    batch.start_stroke(p(9, 9), &mut early);
    assert_eq!(early, vec![Control::Draw { agent: NOBODY, start: false, points: vec![p(4, 4)] }]);
    assert_eq!(batch.take(), vec![Control::Draw { agent: NOBODY, start: true, points: vec![p(9, 9)] }]);
}

#[wasm_bindgen_test]
fn the_last_scroll_target_goes_as_an_input() {
    let mut batch = Batch::default();
    batch.scroll(ScrollTarget::Window(p(0, 100)));
    batch.scroll(ScrollTarget::Window(p(0, 200)));
    assert_eq!(batch.pending_scroll(), Some(ScrollTarget::Window(p(0, 200))));
    assert_eq!(batch.take(), vec![Control::Input { agent: NOBODY, input: RemoteInput::Scroll { to: p(0, 200) } }]);
    batch.scroll(ScrollTarget::Element { node: 7, at: p(5, 5), to: p(0, 40) });
    assert_eq!(
        batch.take(),
        vec![Control::Input {
            agent: NOBODY,
            input: RemoteInput::ScrollElement { node: 7, at: p(5, 5), to: p(0, 40) }
        }]
    );
}

// state.rs
#[wasm_bindgen_test]
fn the_relays_messages_name_me_the_agents_and_the_holder() {
    let mut call = CallState::default();
    assert!(call.receive(&Control::Joined { key: "1".into(), agent: 2 }));
    let agents = vec![AgentInfo { agent: 1, name: "bo".into() }, AgentInfo { agent: 2, name: "ana".into() }];
    assert!(call.receive(&Control::Agents { agents: agents.clone() }));
    assert_eq!(call.roster.agents(), agents.as_slice());
    assert_eq!(call.request_control(), Some(Control::ControlRequest { agent: NOBODY, name: String::new() }));
    assert_eq!(call.request_control(), None);
    call.receive(&Control::ControlHolder { agent: 1 });
    assert_eq!(call.control.notice(), Some("bo has control"));
    assert_eq!(call.roster.holder(), 1);
    call.request_control();
    call.receive(&Control::ControlHolder { agent: 2 });
    assert!(call.in_control() && call.interactive());
    assert_eq!(call.release_control(), Some(Control::ControlRelease));
    assert!(!call.interactive());
    assert!(!call.receive(&Control::MirrorOutOfStep));
}

#[wasm_bindgen_test]
fn a_held_tool_makes_the_mirror_interactive_and_survives_a_reconnection() {
    let mut call = CallState::default();
    call.press_tool(Tool::Draw);
    assert!(call.interactive());
    call.reset_connection();
    assert_eq!(call.tool(), Some(Tool::Draw));
    call.press_tool(Tool::Draw);
    assert_eq!(call.tool(), None);
}
