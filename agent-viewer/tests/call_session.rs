//! The support call through the session and on the page: the visitor's consent (`consent`, then `live`
//! or `declined`, which is final), a rejoin while waiting for consent, the call's messages changing
//! `data-control` and the mirror's interactivity, the call's chrome, and the agent's gestures read in
//! the mirror (the visitor's id of the element, the document point) through listeners that survive a
//! rebuild.

mod common;

use cobrowse_agent_viewer::call::control::ControlState;
use cobrowse_agent_viewer::call::tools::Tool;
use cobrowse_agent_viewer::chrome::call_bar::{agent_words, BarView, CallBar};
use cobrowse_agent_viewer::chrome::status::{
    for_close, State, StatusLine, CONSENT_TEXT, DECLINED_TEXT, LEFT_TEXT, STOPPED_SHARING_TEXT,
};
use cobrowse_agent_viewer::connection::Closed;
use cobrowse_agent_viewer::mirror::Mirror;
use cobrowse_agent_viewer::rejoin::{Next, Retries};
use cobrowse_agent_viewer::session::{self, Reply, Session};
use cobrowse_agent_viewer::surface::reading::{document_point, target_element};
use cobrowse_protocol::call::{AgentInfo, NOBODY};
use cobrowse_protocol::message::encode_control;
use cobrowse_protocol::{close, Control, Encoder, NodeId, Point};
use common::*;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const KEY: &str = "123456";

fn session() -> Session {
    let mut session = Session::new(Mirror::new(mirror_iframe()));
    session.reset_connection(false);
    session
}

fn control(session: &mut Session, message: Control) -> Reply {
    session.receive(&encode_control(&message))
}

fn closed(code: u16, joined: bool) -> Closed {
    Closed { opened: true, joined, code, reason: String::new() }
}

fn titled_page() -> cobrowse_protocol::Snapshot {
    page(
        vec![element(5, "title", &[], vec![text(6, "Checkout — Shop")])],
        vec![element(10, "p", &[("id", "greeting")], vec![text(11, "Hello")])],
    )
}

#[wasm_bindgen_test]
fn the_visitor_allows_after_a_wait_then_the_page_comes() {
    let mut session = session();
    let waiting = control(&mut session, Control::AwaitingConsent);
    assert_eq!(waiting.status, Some((State::Consent, CONSENT_TEXT.to_string())));
    assert_eq!(CONSENT_TEXT, "Waiting for the visitor to allow you…");
    assert!(session.signed_in() && session.joined().is_none());
    let joined = control(&mut session, Control::Joined { key: KEY.into(), agent: 3 });
    assert_eq!(joined.status, Some((State::Live, session::live_text(KEY))));
    assert_eq!(session.call().roster.me(), 3);
    session.receive(&Encoder::new().snapshot(&titled_page()));
    assert_eq!(session.visitor_url(), VISITOR_URL);
    assert_eq!(session.visitor_title(), "Checkout — Shop");
}

#[wasm_bindgen_test]
fn an_agent_the_visitor_stops_sharing_with_is_told_so_and_never_rejoins() {
    let mut session = session();
    control(&mut session, Control::AwaitingConsent);
    control(&mut session, Control::Joined { key: KEY.into(), agent: 3 });
    let dismissed = control(&mut session, Control::ConsentDeclined);
    assert_eq!(dismissed.status, Some((State::Declined, STOPPED_SHARING_TEXT.to_string())));
    assert!(session.declined());
    let stopped =
        Closed { opened: true, joined: true, code: close::CONSENT_DECLINED, reason: close::STOPPED_SHARING.into() };
    assert_eq!(Retries::default().after(&stopped, 0.0, 0.5), Next::Show(State::Declined, STOPPED_SHARING_TEXT.into()));
}

#[wasm_bindgen_test]
fn a_declined_agent_never_rejoins() {
    let mut session = session();
    control(&mut session, Control::AwaitingConsent);
    let declined = control(&mut session, Control::ConsentDeclined);
    assert_eq!(declined.status, Some((State::Declined, DECLINED_TEXT.to_string())));
    assert_eq!(DECLINED_TEXT, "The visitor declined.");
    assert!(session.declined());
    session.reset_connection(true);
    assert!(session.declined(), "a rejoin would not undo it");
    session.reset_connection(false);
    assert!(!session.declined(), "a new join starts afresh");
    assert_eq!(for_close(close::CONSENT_DECLINED, ""), (State::Declined, DECLINED_TEXT.to_string()));
    // Signed in (waiting), then closed with 4014: final, whether it had waited or joined before.
    let mut retries = Retries::default();
    assert_eq!(
        retries.after(&closed(close::CONSENT_DECLINED, true), 0.0, 0.5),
        Next::Show(State::Declined, DECLINED_TEXT.into())
    );
    let mut retries = Retries::default();
    assert_eq!(
        retries.after(&closed(close::CONSENT_DECLINED, false), 0.0, 0.5),
        Next::Show(State::Declined, DECLINED_TEXT.into())
    );
    assert_eq!(State::Declined.as_str(), "declined");
    assert_eq!(for_close(close::CONSENT_DECLINED, "whatever"), (State::Declined, DECLINED_TEXT.to_string()));
    assert_eq!((State::Left.as_str(), LEFT_TEXT), ("left", "You left; the session goes on for the others"));
}

#[wasm_bindgen_test]
fn a_drop_while_waiting_for_consent_rejoins_and_the_relay_says_again_whether_to_wait() {
    let mut session = session();
    control(&mut session, Control::AwaitingConsent);
    let mut retries = Retries::default();
    let next = retries.after(&closed(1006, session.signed_in()), 0.0, 0.5);
    assert!(matches!(next, Next::RejoinAfter { .. }), "{next:?}");
    // The new connection waits again…
    session.reset_connection(true);
    assert!(!session.signed_in());
    assert_eq!(control(&mut session, Control::AwaitingConsent).status.map(|(state, _)| state), Some(State::Consent));
    // …and after another drop, the visitor has allowed meanwhile: catching up, then live.
    session.reset_connection(true);
    let joined = control(&mut session, Control::Joined { key: KEY.into(), agent: 4 });
    assert_eq!(joined.status, Some((State::Reconnecting, session::CATCHING_UP_TEXT.to_string())));
    let page = session.receive(&Encoder::new().snapshot(&titled_page()));
    assert_eq!(page.status, Some((State::Live, session::live_text(KEY))));
}

#[wasm_bindgen_test]
fn control_goes_requested_granted_and_back_and_the_mirror_takes_gestures_only_then() {
    let mut session = session();
    control(&mut session, Control::Joined { key: KEY.into(), agent: 2 });
    let agents = vec![AgentInfo { agent: 1, name: "bo".into() }, AgentInfo { agent: 2, name: "ana".into() }];
    control(&mut session, Control::Agents { agents: agents.clone() });
    control(&mut session, Control::ControlHolder { agent: NOBODY });
    let iframe = session.mirror().overlay().iframe().clone();
    assert!(iframe.has_attribute("inert"), "the mirror starts inert");

    let request = session.change_call(|call| call.request_control());
    assert_eq!(request, Some(Control::ControlRequest { agent: NOBODY, name: String::new() }));
    assert_eq!(session.call().control.state(), ControlState::Requested);
    control(&mut session, Control::ControlHolder { agent: 2 });
    assert_eq!(session.call().control.state(), ControlState::Granted);
    assert!(!iframe.has_attribute("inert"), "in control, the mirror takes the agent's gestures");

    control(&mut session, Control::ControlHolder { agent: NOBODY });
    assert_eq!(session.call().control.state(), ControlState::None);
    assert_eq!(session.call().control.notice(), Some("The visitor took control back"));
    assert!(iframe.has_attribute("inert"));

    session.change_call(|call| call.request_control());
    control(&mut session, Control::ControlRefused { agent: 2, reason: "the visitor declined".into() });
    assert_eq!(session.call().control.state(), ControlState::None);
    assert_eq!(session.call().control.notice(), Some("the visitor declined"));

    session.change_call(|call| call.press_tool(Tool::Pointer));
    assert!(!iframe.has_attribute("inert"), "a held tool makes the mirror interactive too");
    assert_eq!(session.change_call(|call| call.release_control()), None, "nothing to release");
}

fn add(document: &web_sys::Document, tag: &str, id: &str) -> web_sys::Element {
    let element = document.create_element(tag).unwrap();
    element.set_id(id);
    document.body().unwrap().append_child(&element).unwrap();
    element
}

#[wasm_bindgen_test]
fn the_call_bar_shows_control_tools_agents_and_the_visitors_page() {
    let document = test_document();
    let status = add(&document, "p", "call-test-status");
    let request = add(&document, "button", "request-control");
    let release = add(&document, "button", "release-control");
    let draw = add(&document, "button", "tool-draw");
    let pointer = add(&document, "button", "tool-pointer");
    let agents = add(&document, "ul", "agents");
    let notice = add(&document, "p", "cobrowse-notice");
    let title = add(&document, "span", "visitor-title");
    let url = add(&document, "span", "visitor-url");
    let line = StatusLine::new(Some(status.clone()));
    let bar = CallBar::new(Some(document.clone()));
    let view = BarView {
        control: ControlState::Granted,
        notice: None,
        tool: Some(Tool::Draw),
        me: 2,
        holder: 2,
        agents: vec![AgentInfo { agent: 1, name: "bo".into() }, AgentInfo { agent: 2, name: "ana".into() }],
        title: "Checkout".into(),
        url: VISITOR_URL.into(),
    };
    bar.show(view.clone(), &line);
    assert_eq!(status.get_attribute("data-control").as_deref(), Some("granted"));
    assert!(request.has_attribute("disabled") && !release.has_attribute("disabled"));
    assert_eq!(draw.get_attribute("aria-pressed").as_deref(), Some("true"));
    assert_eq!(pointer.get_attribute("aria-pressed").as_deref(), Some("false"));
    assert_eq!(agents.children().length(), 2);
    let me = agents.query_selector("li[data-me]").unwrap().unwrap();
    assert_eq!(me.text_content().as_deref(), Some("ana (you) — has control"));
    assert_eq!(me.get_attribute("data-agent").as_deref(), Some("2"));
    assert!(me.has_attribute("data-control"));
    assert_eq!((title.text_content().unwrap(), url.text_content().unwrap()), ("Checkout".into(), VISITOR_URL.into()));
    let global = test_global("cobrowseViewer");
    let get = |name: &str| js_sys::Reflect::get(&global, &name.into()).unwrap();
    assert_eq!((get("control"), get("tool"), get("agent")), ("granted".into(), "draw".into(), 2.into()));

    bar.show(BarView { control: ControlState::None, notice: Some("bo has control".into()), holder: 1, ..view }, &line);
    assert_eq!(status.get_attribute("data-control").as_deref(), Some("none"));
    assert_eq!(notice.text_content().as_deref(), Some("bo has control"));
    assert!(!request.has_attribute("disabled") && release.has_attribute("disabled"));
    assert_eq!(agent_words(&AgentInfo { agent: 1, name: "bo".into() }, 2, 1), "bo — has control");
    for element in [status, request, release, draw, pointer, agents, notice, title, url] {
        element.remove();
    }
}

#[wasm_bindgen_test]
fn a_gesture_in_the_mirror_names_the_visitors_element_and_document_point_after_every_rebuild() {
    let session = Rc::new(RefCell::new(Session::new(Mirror::new(mirror_iframe()))));
    let seen: Rc<RefCell<Vec<(NodeId, Point)>>> = Rc::default();
    let (reader, record) = (session.clone(), seen.clone());
    let listener = Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
        let session = reader.borrow();
        let mirror = session.mirror();
        let (_, node) = target_element(&event, mirror).unwrap();
        record.borrow_mut().push((node, document_point(event.unchecked_ref(), mirror)));
    });
    let function: js_sys::Function = listener.as_ref().unchecked_ref::<js_sys::Function>().clone();
    session.borrow_mut().mirror_mut().listen(vec![("click", function)]);
    let mut encoder = Encoder::new();
    for round in 0..2 {
        session.borrow_mut().receive(&encoder.snapshot(&titled_page()));
        let document = session.borrow().mirror().document().unwrap();
        let greeting = document.get_element_by_id("greeting").unwrap();
        let init = web_sys::MouseEventInit::new();
        init.set_bubbles(true);
        init.set_client_x(12);
        init.set_client_y(34);
        let click = web_sys::MouseEvent::new_with_mouse_event_init_dict("click", &init).unwrap();
        greeting.dispatch_event(&click).unwrap();
        assert_eq!(seen.borrow().len(), round + 1, "the listener survives the rebuild");
    }
    assert_eq!(seen.borrow()[1], (10, Point { x: 12, y: 34 }));
    let text_node = session.borrow().mirror().node(11).unwrap();
    assert_eq!(session.borrow().mirror().visitor_id_of(&text_node), Some(11));
}

#[wasm_bindgen_test]
fn other_agents_pointers_show_with_their_names_and_go_when_they_leave() {
    use cobrowse_agent_viewer::chrome::overlay::{Overlay, Surroundings};
    let document = test_document();
    let div = || -> web_sys::HtmlElement { document.create_element("div").unwrap().unchecked_into() };
    let (stage, mirror_box, pointer) = (div(), div(), div());
    document.body().unwrap().append_child(&mirror_box).unwrap();
    let overlay =
        Overlay::with_surroundings(mirror_iframe(), Surroundings { stage, mirror_box: mirror_box.clone(), pointer });
    let mut session = Session::new(Mirror::with_overlay(overlay));
    session.reset_connection(false);
    control(&mut session, Control::Joined { key: KEY.into(), agent: 2 });
    let agents = vec![AgentInfo { agent: 1, name: "bo".into() }, AgentInfo { agent: 2, name: "ana".into() }];
    control(&mut session, Control::Agents { agents });
    control(&mut session, Control::Pointer { agent: 1, at: Some(Point { x: 30, y: 40 }) });
    control(&mut session, Control::Pointer { agent: 2, at: Some(Point { x: 1, y: 1 }) });
    let dots = mirror_box.query_selector_all(".cobrowse-agent-pointer").unwrap();
    assert_eq!(dots.length(), 1, "only the other agent's pointer");
    let dot: web_sys::Element = dots.item(0).unwrap().unchecked_into();
    assert_eq!(dot.get_attribute("data-name").as_deref(), Some("bo"));
    assert_eq!(dot.get_attribute("data-agent").as_deref(), Some("1"));
    assert!(dot.get_attribute("style").unwrap().contains("left:30px;top:40px"));
    control(&mut session, Control::Agents { agents: vec![AgentInfo { agent: 2, name: "ana".into() }] });
    assert_eq!(session.mirror().overlay().agent_pointer_count(), 0, "bo left");
    control(&mut session, Control::Pointer { agent: 1, at: Some(Point { x: 3, y: 4 }) });
    control(&mut session, Control::Pointer { agent: 1, at: None });
    assert_eq!(mirror_box.query_selector_all(".cobrowse-agent-pointer").unwrap().length(), 0);
    mirror_box.remove();
}
