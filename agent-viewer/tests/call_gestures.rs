//! The agent's gestures on the mirror become the call's messages: with a tool (pointer, highlight,
//! draw) and, while in control, as inputs (click, key, wheel, `<select>`), each naming the visitor's
//! element and document point; nothing goes before joining, and the mirror keeps no effect of them.

mod common;

use cobrowse_agent_viewer::call::tools::Tool;
use cobrowse_agent_viewer::chrome::call_bar::CallBar;
use cobrowse_agent_viewer::chrome::status::StatusLine;
use cobrowse_agent_viewer::chrome::strokes::Strokes;
use cobrowse_agent_viewer::connection::Shared;
use cobrowse_agent_viewer::mirror::Mirror;
use cobrowse_agent_viewer::session::Session;
use cobrowse_agent_viewer::surface::gestures::{Gestures, Sink};
use cobrowse_agent_viewer::surface::listen::Surface;
use cobrowse_protocol::call::{modifiers, RemoteInput, NOBODY};
use cobrowse_protocol::message::encode_control;
use cobrowse_protocol::{Control, Encoder, Point};
use common::*;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, EventTarget};

wasm_bindgen_test_configure!(run_in_browser);

/// A viewer's session and surface whose messages are recorded.
struct Rig {
    shared: Shared,
    sent: Rc<RefCell<Vec<Control>>>,
    _surface: Surface,
}

impl Rig {
    fn new() -> Self {
        let session = Session::new(Mirror::new(mirror_iframe()));
        let shared = Shared {
            session: Rc::new(RefCell::new(session)),
            status: Rc::new(StatusLine::new(None)),
            bar: Rc::new(CallBar::new(None)),
        };
        let sent: Rc<RefCell<Vec<Control>>> = Rc::default();
        let record = sent.clone();
        let sink: Sink = Rc::new(move |message: &Control| {
            record.borrow_mut().push(message.clone());
            true
        });
        let surface = Surface::listen(Gestures::new(shared.clone(), sink, Strokes::new(None)));
        Rig { shared, sent, _surface: surface }
    }

    fn receive(&self, message: Control) {
        self.shared.session.borrow_mut().receive(&encode_control(&message));
    }

    /// Joined as agent 2, the form page in the mirror.
    fn joined() -> Self {
        let rig = Rig::new();
        rig.shared.session.borrow_mut().reset_connection(false);
        rig.receive(Control::Joined { key: "1".into(), agent: 2 });
        let form = page(
            vec![],
            vec![
                element(10, "button", &[("id", "pay"), ("style", "margin:40px")], vec![text(11, "Pay")]),
                element(
                    12,
                    "select",
                    &[("id", "size")],
                    vec![
                        element(13, "option", &[], vec![text(14, "S")]),
                        element(15, "option", &[], vec![text(16, "M")]),
                    ],
                ),
                element(17, "div", &[("style", "height:3000px")], vec![]),
            ],
        );
        rig.shared.session.borrow_mut().receive(&Encoder::new().snapshot(&form));
        rig
    }

    fn in_control(&self) {
        self.shared.session.borrow_mut().change_call(|call| call.request_control());
        self.receive(Control::ControlHolder { agent: 2 });
    }

    fn hold(&self, tool: Tool) {
        self.shared.session.borrow_mut().change_call(|call| call.press_tool(tool));
    }

    fn element(&self, id: &str) -> Element {
        self.shared.session.borrow().mirror().document().unwrap().get_element_by_id(id).unwrap()
    }

    fn take(&self) -> Vec<Control> {
        std::mem::take(&mut *self.sent.borrow_mut())
    }
}

fn mouse(kind: &str, target: &EventTarget, x: i32, y: i32) -> bool {
    let init = web_sys::MouseEventInit::new();
    init.set_bubbles(true);
    init.set_cancelable(true);
    init.set_client_x(x);
    init.set_client_y(y);
    target.dispatch_event(&web_sys::MouseEvent::new_with_mouse_event_init_dict(kind, &init).unwrap()).unwrap()
}

fn input(input: RemoteInput) -> Control {
    Control::Input { agent: NOBODY, input }
}

/// Lets the animation frame that sends the batch run.
async fn next_frames() {
    sleep(100).await;
}

#[wasm_bindgen_test]
fn in_control_a_click_a_key_and_a_select_go_to_the_visitor_and_not_to_the_mirror() {
    let rig = Rig::joined();
    let pay = rig.element("pay");
    mouse("click", &pay, 50, 45);
    assert!(rig.take().is_empty(), "only watching: the mirror is not interactive, nothing is read");

    rig.in_control();
    assert!(rig.take().is_empty());
    let allowed = mouse("click", &pay, 50, 45);
    assert!(!allowed, "the click's default is cancelled");
    assert_eq!(rig.take(), vec![input(RemoteInput::Click { node: 10, at: Point { x: 50, y: 45 } })]);

    let init = web_sys::KeyboardEventInit::new();
    init.set_key("a");
    init.set_shift_key(true);
    init.set_bubbles(true);
    init.set_cancelable(true);
    let key = web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    assert!(!pay.dispatch_event(&key).unwrap(), "the key's default is cancelled");
    assert_eq!(rig.take(), vec![input(RemoteInput::Key { key: "a".into(), modifiers: modifiers::SHIFT })]);
    init.set_key("Shift");
    let shift = web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    pay.dispatch_event(&shift).unwrap();
    assert!(rig.take().is_empty(), "a modifier alone is not a key");

    let size = rig.element("size");
    js_sys::Reflect::set(&size, &"selectedIndex".into(), &1.into()).unwrap();
    let change = web_sys::EventInit::new();
    change.set_bubbles(true);
    size.dispatch_event(&web_sys::Event::new_with_event_init_dict("change", &change).unwrap()).unwrap();
    let sent = rig.take();
    assert!(
        matches!(sent.as_slice(), [Control::Input { input: RemoteInput::Select { node: 12, index: 1, .. }, .. }]),
        "{sent:?}"
    );
}

#[wasm_bindgen_test]
async fn in_control_the_wheel_scrolls_the_visitors_window_once_per_frame() {
    let rig = Rig::joined();
    rig.in_control();
    rig.take();
    let body = rig.element("pay").parent_element().unwrap();
    for _ in 0..3 {
        let init = web_sys::WheelEventInit::new();
        init.set_delta_y(100.0);
        init.set_bubbles(true);
        init.set_cancelable(true);
        let wheel = web_sys::WheelEvent::new_with_event_init_dict("wheel", &init).unwrap();
        assert!(!body.dispatch_event(&wheel).unwrap(), "the mirror does not scroll by itself");
    }
    next_frames().await;
    assert_eq!(rig.take(), vec![input(RemoteInput::Scroll { to: Point { x: 0, y: 300 } })]);
}

#[wasm_bindgen_test]
async fn the_tools_send_the_pointer_a_highlight_and_a_stroke() {
    let rig = Rig::joined();
    let pay = rig.element("pay");
    rig.hold(Tool::Pointer);
    mouse("mousemove", &pay, 5, 6);
    mouse("mousemove", &pay, 7, 8);
    next_frames().await;
    assert_eq!(rig.take(), vec![Control::Pointer { agent: NOBODY, at: Some(Point { x: 7, y: 8 }) }]);
    let document: EventTarget = rig.shared.session.borrow().mirror().document().unwrap().unchecked_into();
    mouse("mouseout", &document, 0, 0);
    next_frames().await;
    assert_eq!(rig.take(), vec![Control::Pointer { agent: NOBODY, at: None }]);

    rig.hold(Tool::Highlight);
    rig.in_control();
    rig.take();
    assert!(!mouse("click", &pay, 50, 45));
    assert_eq!(
        rig.take(),
        vec![Control::Highlight { agent: NOBODY, node: 10, at: Point { x: 50, y: 45 } }],
        "the highlight tool wins over a remote click"
    );

    rig.hold(Tool::Draw);
    assert!(!mouse("mousedown", &pay, 1, 1));
    mouse("mousemove", &pay, 2, 2);
    next_frames().await;
    mouse("mousemove", &pay, 3, 3);
    mouse("mouseup", &pay, 3, 3);
    mouse("click", &pay, 3, 3);
    next_frames().await;
    assert_eq!(
        rig.take(),
        vec![
            Control::Draw { agent: NOBODY, start: true, points: vec![Point { x: 1, y: 1 }, Point { x: 2, y: 2 }] },
            Control::Draw { agent: NOBODY, start: false, points: vec![Point { x: 3, y: 3 }] },
        ]
    );
}

#[wasm_bindgen_test]
async fn nothing_goes_before_joining() {
    let rig = Rig::new();
    rig.shared.session.borrow_mut().reset_connection(false);
    rig.receive(Control::AwaitingConsent);
    rig.hold(Tool::Pointer);
    let document: EventTarget = rig.shared.session.borrow().mirror().document().unwrap().unchecked_into();
    mouse("mousemove", &document, 5, 5);
    next_frames().await;
    assert!(rig.take().is_empty());
}
