//! The agent's session token in the viewer: the relay's `SignedIn` reaches the connection (in the reply),
//! the token is kept in the tab's `sessionStorage` for the agent who signed in, replaces the password in
//! that agent's next join, and is forgotten when the relay refuses it.

mod common;

use cobrowse_agent_viewer::mirror::Mirror;
use cobrowse_agent_viewer::session::Session;
use cobrowse_agent_viewer::sign_in;
use cobrowse_protocol::message::encode_control;
use cobrowse_protocol::Control;
use common::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn join(name: &str) -> Control {
    Control::Join { name: name.into(), password: "pw".into(), key: "123456".into() }
}

#[wasm_bindgen_test]
fn signed_in_hands_the_token_to_the_connection() {
    let mut session = Session::new(Mirror::new(mirror_iframe()));
    let reply = session.receive(&encode_control(&Control::SignedIn { token: "abc".into(), valid_secs: 60 }));
    assert_eq!(reply.signed_in.as_deref(), Some("abc"));
    assert_eq!(reply.status, None, "signing in changes nothing on screen");
}

#[wasm_bindgen_test]
fn the_token_is_kept_for_the_tab_and_used_by_the_same_agent_until_forgotten() {
    sign_in::forget();
    assert_eq!(sign_in::remembered(), None);
    sign_in::remember(&join("ana"), "t0k3n");
    let stored = web_sys::window().unwrap().session_storage().unwrap().unwrap();
    assert!(stored.get_item("cobrowse-agent-token").unwrap().unwrap().ends_with("t0k3n"));
    assert_eq!(
        sign_in::first_message(&join("ana"), sign_in::remembered()),
        Control::JoinWithToken { token: "t0k3n".into(), key: "123456".into() }
    );
    assert_eq!(sign_in::first_message(&join("bo"), sign_in::remembered()), join("bo"));
    sign_in::remember(&Control::JoinWithToken { token: "x".into(), key: "1".into() }, "other");
    assert_eq!(sign_in::remembered(), Some(("ana".into(), "t0k3n".into())), "a token join keeps the token it used");
    sign_in::forget();
    assert_eq!(sign_in::first_message(&join("ana"), sign_in::remembered()), join("ana"));
}

#[wasm_bindgen_test]
fn a_refused_join_shows_the_relay_s_wait_and_a_busy_relay_is_rejoined() {
    use cobrowse_agent_viewer::chrome::status::{for_close, State};
    use cobrowse_agent_viewer::rejoin::{after_close, AfterClose};
    use cobrowse_protocol::close;
    let reason = "too many wrong passwords from this address; wait 4 s, then try again";
    assert_eq!(
        for_close(close::TOO_MANY_ATTEMPTS, reason),
        (State::Error, "Too many wrong passwords from this address; wait 4 s, then try again".into())
    );
    let (state, text) = for_close(close::TRY_AGAIN_LATER, "busy");
    assert_eq!(state, State::Error);
    assert!(text.contains("try again"), "{text}");
    assert_eq!(after_close(close::TRY_AGAIN_LATER), AfterClose::Rejoin);
}
