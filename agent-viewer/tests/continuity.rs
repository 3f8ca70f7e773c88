//! Session continuity in the viewer: the visitor changing page (`navigating`), its connection dropping
//! (`reconnecting`), the next page's snapshot (`live`), the visitor's tab ("Tab N"), the agent's own
//! rejoin rebuilding the mirror from the catch-up, and the rejoin decision per close code with its backoff.

mod common;

use cobrowse_agent_viewer::chrome::status::{State, StatusLine};
use cobrowse_agent_viewer::connection::Closed;
use cobrowse_agent_viewer::mirror::Mirror;
use cobrowse_agent_viewer::rejoin::{self, AfterClose, Next, Retries};
use cobrowse_agent_viewer::session::{self, Session};
use cobrowse_protocol::message::encode_control;
use cobrowse_protocol::{close, Control, Encoder, Snapshot};
use common::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const KEY: &str = "123456";

fn session() -> Session {
    Session::new(Mirror::new(mirror_iframe()))
}

fn control(session: &mut Session, message: Control) -> cobrowse_agent_viewer::session::Reply {
    session.receive(&encode_control(&message))
}

fn page_with(marker: &str) -> Snapshot {
    page(vec![], vec![element(10, "h1", &[("id", marker)], vec![text(11, marker)])])
}

fn has_marker(session: &Session, marker: &str) -> bool {
    session.mirror().document().unwrap().get_element_by_id(marker).is_some()
}

fn state_of(reply: &cobrowse_agent_viewer::session::Reply) -> Option<State> {
    reply.status.as_ref().map(|(state, _)| *state)
}

/// A first join that caught up with the visitor's first page.
fn joined_session(encoder: &mut Encoder) -> Session {
    let mut session = session();
    session.reset_connection(false);
    let joined = control(&mut session, Control::Joined { key: KEY.into(), agent: 1 });
    assert_eq!(joined.status, Some((State::Live, session::live_text(KEY))));
    assert_eq!(control(&mut session, Control::VisitorTab { tab: 1 }).tab, Some(1));
    assert_eq!(session.receive(&encoder.snapshot(&page_with("first"))).status, None, "already live");
    session
}

#[wasm_bindgen_test]
fn a_page_change_shows_navigating_keeps_the_last_page_and_the_next_snapshot_is_live() {
    let mut visitor = Encoder::new();
    let mut session = joined_session(&mut visitor);

    let away = control(&mut session, Control::VisitorAway { navigating: true });
    assert_eq!(away.status, Some((State::Navigating, session::NAVIGATING_TEXT.to_string())));
    assert!(has_marker(&session, "first"), "the last page stays shown");

    // The next page comes on a new visitor connection: a new deflate context, announced by VisitorTab.
    let mut next_page = Encoder::new();
    assert_eq!(control(&mut session, Control::VisitorTab { tab: 1 }).status, None);
    let snapshot = session.receive(&next_page.snapshot(&page_with("second")));
    assert_eq!(snapshot.status, Some((State::Live, session::live_text(KEY))));
    assert!(has_marker(&session, "second") && !has_marker(&session, "first"));
    assert_eq!(session.receive(&next_page.snapshot(&page_with("third"))).status, None, "live stays live");
}

#[wasm_bindgen_test]
fn a_dropped_visitor_shows_reconnecting_until_its_next_snapshot() {
    let mut visitor = Encoder::new();
    let mut session = joined_session(&mut visitor);
    let away = control(&mut session, Control::VisitorAway { navigating: false });
    assert_eq!(away.status, Some((State::Reconnecting, session::VISITOR_DROPPED_TEXT.to_string())));
    assert!(has_marker(&session, "first"));
    let mut resumed = Encoder::new();
    assert_eq!(state_of(&session.receive(&resumed.snapshot(&page_with("after-drop")))), Some(State::Live));
}

#[wasm_bindgen_test]
fn joining_while_the_visitor_is_away_keeps_showing_away_over_the_kept_last_page() {
    let mut session = session();
    session.reset_connection(false);
    assert_eq!(state_of(&control(&mut session, Control::Joined { key: KEY.into(), agent: 1 })), Some(State::Live));
    assert_eq!(control(&mut session, Control::VisitorTab { tab: 2 }).tab, Some(2));
    assert_eq!(state_of(&control(&mut session, Control::VisitorAway { navigating: true })), Some(State::Navigating));
    // The kept frames: the last page the visitor showed. The visitor is still away.
    let mut kept = Encoder::new();
    assert_eq!(session.receive(&kept.snapshot(&page_with("last"))).status, None);
    assert!(has_marker(&session, "last"));
    // The visitor's next page.
    let mut next_page = Encoder::new();
    control(&mut session, Control::VisitorTab { tab: 2 });
    assert_eq!(state_of(&session.receive(&next_page.snapshot(&page_with("next")))), Some(State::Live));
}

#[wasm_bindgen_test]
fn a_rejoin_is_live_once_the_catch_up_rebuilt_the_mirror_with_fresh_asset_mappings() {
    let mut visitor = Encoder::new();
    let mut session = joined_session(&mut visitor);
    control(&mut session, Control::Asset { url: "https://shop.example/a.png".into(), path: "/assets/t/old".into() });
    assert!(session.mirror().assets().relay_url_for("https://shop.example/a.png").is_some());

    // The agent's socket dropped; the new connection starts a new deflate context at the relay.
    session.reset_connection(true);
    assert!(has_marker(&session, "first"), "the mirror keeps its page while rejoining");
    assert_eq!(session.mirror().assets().relay_url_for("https://shop.example/a.png"), None);
    let joined = control(&mut session, Control::Joined { key: KEY.into(), agent: 1 });
    assert_eq!(joined.status, Some((State::Reconnecting, session::CATCHING_UP_TEXT.to_string())));
    assert_eq!(joined.joined.as_deref(), Some(KEY));
    control(&mut session, Control::VisitorTab { tab: 1 });
    control(&mut session, Control::Asset { url: "https://shop.example/b.png".into(), path: "/assets/t/new".into() });
    let mut catch_up = Encoder::new();
    let page = page(vec![], vec![element(10, "img", &[("id", "picture"), ("src", "/b.png")], vec![])]);
    let rebuilt = session.receive(&catch_up.snapshot(&page));
    assert_eq!(state_of(&rebuilt), Some(State::Live));
    let document = session.mirror().document().unwrap();
    let src = document.get_element_by_id("picture").unwrap().get_attribute("src").unwrap();
    assert!(src.ends_with("/assets/t/new"), "the catch-up's mapping applies: {src}");
    assert!(!has_marker(&session, "first"));
    // Deltas in the catch-up's context apply.
    let delta = cobrowse_protocol::Delta {
        events: vec![cobrowse_protocol::Event::Attribute {
            node: 10,
            name: "alt".into(),
            value: Some(cobrowse_protocol::Value::Plain("b".into())),
        }],
    };
    assert_eq!(session.receive(&catch_up.delta(&delta)).send, None, "in step");
    assert_eq!(document.get_element_by_id("picture").unwrap().get_attribute("alt").as_deref(), Some("b"));
}

#[wasm_bindgen_test]
fn a_rejoin_while_the_visitor_is_away_stays_away_until_the_next_page() {
    let mut visitor = Encoder::new();
    let mut session = joined_session(&mut visitor);
    session.reset_connection(true);
    control(&mut session, Control::Joined { key: KEY.into(), agent: 1 });
    let away = control(&mut session, Control::VisitorAway { navigating: false });
    assert_eq!(state_of(&away), Some(State::Reconnecting));
    let mut kept = Encoder::new();
    assert_eq!(session.receive(&kept.snapshot(&page_with("last"))).status, None);
    let mut next_page = Encoder::new();
    assert_eq!(state_of(&session.receive(&next_page.snapshot(&page_with("next")))), Some(State::Live));
}

#[wasm_bindgen_test]
fn the_status_line_shows_the_states_and_the_visitors_tab() {
    let document = test_document();
    let status = document.create_element("p").unwrap();
    let badge = document.create_element("span").unwrap();
    document.body().unwrap().append_child(&status).unwrap();
    document.body().unwrap().append_child(&badge).unwrap();
    let line = StatusLine::with_tab_badge(Some(status.clone()), Some(badge.clone()));

    line.show(State::Navigating, session::NAVIGATING_TEXT);
    assert_eq!(status.get_attribute("data-state").as_deref(), Some("navigating"));
    assert_eq!(status.text_content().as_deref(), Some("The visitor is changing page…"));
    line.show(State::Reconnecting, session::VISITOR_DROPPED_TEXT);
    assert_eq!(status.get_attribute("data-state").as_deref(), Some("reconnecting"));
    assert_eq!(js_sys::Reflect::get(&test_global("cobrowseViewer"), &"state".into()).unwrap(), "reconnecting");

    line.show_tab(Some(2));
    assert_eq!(status.get_attribute("data-tab").as_deref(), Some("2"));
    assert_eq!(badge.text_content().as_deref(), Some("Tab 2"));
    assert!(!badge.has_attribute("hidden"));
    assert_eq!(js_sys::Reflect::get(&test_global("cobrowseViewer"), &"tab".into()).unwrap(), 2);
    line.show(State::Live, "Live");
    assert_eq!(status.get_attribute("data-tab").as_deref(), Some("2"), "the tab outlives state changes");
    assert_eq!(line.tab(), Some(2));

    line.show_tab(None);
    assert!(!status.has_attribute("data-tab"));
    assert!(badge.has_attribute("hidden"));
    assert!(js_sys::Reflect::get(&test_global("cobrowseViewer"), &"tab".into()).unwrap().is_null());
}

#[wasm_bindgen_test]
fn close_codes_that_pass_are_rejoined_and_the_others_are_final() {
    for code in [1006, close::GOING_AWAY, close::PEER_SILENT, close::AT_CAPACITY, 1011] {
        assert_eq!(rejoin::after_close(code), AfterClose::Rejoin, "code {code}");
    }
    for code in [
        close::NORMAL,
        close::SESSION_ENDED,
        close::RESUME_REFUSED,
        close::UNKNOWN_KEY,
        close::KEY_EXPIRED,
        close::SITE_NOT_ALLOWED,
        close::AUTH_FAILED,
        close::UNEXPECTED_MESSAGE,
        close::MALFORMED_FRAME,
        close::FRAME_TOO_LARGE,
        close::OTHER_TAB,
    ] {
        assert_eq!(rejoin::after_close(code), AfterClose::Stop, "code {code}");
    }
}

#[wasm_bindgen_test]
fn the_backoff_doubles_from_250_ms_to_5_s_with_full_jitter() {
    assert_eq!(rejoin::delay_ms(0, 0.999_999).round(), 250.0);
    assert_eq!(rejoin::delay_ms(1, 0.999_999).round(), 500.0);
    assert_eq!(rejoin::delay_ms(4, 0.999_999).round(), 4_000.0);
    assert_eq!(rejoin::delay_ms(5, 0.999_999).round(), 5_000.0, "capped");
    assert_eq!(rejoin::delay_ms(60, 0.999_999).round(), 5_000.0, "no overflow");
    assert_eq!(rejoin::delay_ms(3, 0.0), 0.0, "full jitter starts at zero");
    assert_eq!(rejoin::delay_ms(3, 0.5), 1_000.0);
    assert!(!rejoin::gives_up(119_999.0) && rejoin::gives_up(120_000.0));
}

fn closed(code: u16, opened: bool, joined: bool) -> Closed {
    Closed { opened, joined, code, reason: String::new() }
}

fn delay(next: &Next) -> f64 {
    match next {
        Next::RejoinAfter { delay_ms, .. } => *delay_ms,
        Next::Show(state, text) => panic!("expected a rejoin, got {state:?}: {text}"),
    }
}

#[wasm_bindgen_test]
fn a_first_join_is_never_retried() {
    let mut retries = Retries::default();
    assert_eq!(
        retries.after(&closed(1006, false, false), 0.0, 0.5),
        Next::Show(State::Disconnected, rejoin::UNREACHABLE_TEXT.into())
    );
    let Next::Show(state, _) = retries.after(&closed(close::AT_CAPACITY, true, false), 0.0, 0.5) else {
        panic!("a refused first join is shown, not retried");
    };
    assert_eq!(state, State::Error);
    let Next::Show(state, _) = retries.after(&closed(close::UNKNOWN_KEY, true, false), 0.0, 0.5) else {
        panic!("an unknown key on a first join is shown");
    };
    assert_eq!(state, State::Error);
}

#[wasm_bindgen_test]
fn a_joined_link_rejoins_with_growing_delays_then_gives_up_after_two_minutes() {
    let mut retries = Retries::default();
    let first = retries.after(&closed(1006, true, true), 1_000.0, 1.0);
    assert_eq!(first, Next::RejoinAfter { delay_ms: 250.0, text: rejoin::reconnecting_text(1) });
    // Failed attempts (the relay is unreachable): the series goes on.
    assert_eq!(delay(&retries.after(&closed(1006, false, false), 1_300.0, 1.0)), 500.0);
    assert_eq!(delay(&retries.after(&closed(close::AT_CAPACITY, true, false), 2_000.0, 1.0)), 1_000.0);
    for _ in 0..5 {
        retries.after(&closed(1006, false, false), 30_000.0, 1.0);
    }
    assert_eq!(delay(&retries.after(&closed(1006, false, false), 60_000.0, 1.0)), 5_000.0);
    assert_eq!(
        retries.after(&closed(1006, false, false), 121_000.0, 1.0),
        Next::Show(State::Disconnected, rejoin::GAVE_UP_TEXT.into())
    );
}

#[wasm_bindgen_test]
fn a_rejoin_that_joined_starts_a_fresh_series() {
    let mut retries = Retries::default();
    retries.after(&closed(1006, true, true), 0.0, 1.0);
    retries.after(&closed(1006, false, false), 100.0, 1.0);
    assert_eq!(delay(&retries.after(&closed(1006, false, false), 200.0, 1.0)), 1_000.0);
    // The next connection joined and worked for a while, then dropped again, long after the first drop.
    assert_eq!(delay(&retries.after(&closed(close::PEER_SILENT, true, true), 500_000.0, 1.0)), 250.0);
}

#[wasm_bindgen_test]
fn final_closes_after_joining_say_why() {
    let mut retries = Retries::default();
    assert_eq!(
        retries.after(&closed(close::SESSION_ENDED, true, true), 0.0, 0.5),
        Next::Show(State::Ended, "The visitor ended the session".into())
    );
    // While rejoining, the relay no longer knows the key: the session ended meanwhile.
    let mut retries = Retries::default();
    retries.after(&closed(1006, true, true), 0.0, 0.5);
    assert_eq!(
        retries.after(&closed(close::UNKNOWN_KEY, true, false), 900.0, 0.5),
        Next::Show(State::Ended, rejoin::ENDED_WHILE_DOWN_TEXT.into())
    );
    let mut retries = Retries::default();
    retries.after(&closed(1006, true, true), 0.0, 0.5);
    let Next::Show(state, text) = retries.after(&closed(close::AUTH_FAILED, true, false), 900.0, 0.5) else {
        panic!("a refused sign-in is final");
    };
    assert_eq!((state, text.as_str()), (State::Error, "Wrong agent name or password"));
}
