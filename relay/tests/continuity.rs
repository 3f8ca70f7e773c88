//! A session outlives its visitor's connections: page loads, drops and other tabs resume it with the
//! secret only the visitor holds; nothing else can.

mod common;

use bytes::Bytes;
use cobrowse_protocol::{close, Control};
use cobrowse_relay::TabPolicy;
use common::*;
use futures_util::{SinkExt, StreamExt};
use std::net::SocketAddr;
use std::time::Duration;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;

/// A new session of site "demo" from tab `tab`: the socket, the key and the resume secret.
async fn open(addr: SocketAddr, tab: &str) -> (Socket, String, String) {
    let mut socket = connect_path(addr, &format!("/ws/visitor?site=demo&tab={tab}"), None).await;
    match next_control(&mut socket).await {
        Control::SessionStarted { key, secret, agents: 0, .. } => (socket, key, secret),
        other => panic!("expected SessionStarted, got {other:?}"),
    }
}

/// A resuming connection of `site` from tab `tab` that has sent its `Resume`.
async fn resume(addr: SocketAddr, site: &str, tab: &str, origin: Option<&str>, key: &str, secret: &str) -> Socket {
    let mut socket = connect_path(addr, &format!("/ws/visitor?site={site}&tab={tab}&resume=1"), origin).await;
    send(&mut socket, control(&Control::Resume { key: key.into(), secret: secret.into() })).await;
    socket
}

/// Closes like a browser leaving its page: 1001 "going away", then reads to the end of the closing
/// handshake (dropping a socket with unread messages would reset the connection instead).
async fn leave_page(mut socket: Socket) {
    let frame = CloseFrame { code: CloseCode::Away, reason: "navigating".into() };
    socket.send(Message::Close(Some(frame))).await.expect("the close is sent");
    let _ = tokio::time::timeout(PATIENCE, async { while socket.next().await.is_some() {} }).await;
}

#[tokio::test]
async fn the_next_page_resumes_the_session_and_the_agent_sees_it_without_doing_anything() {
    let relay = start(|_| {}).await;
    let (mut first_page, key, secret) = open(relay.addr, "tab-a").await;
    assert_eq!(secret.len(), 64, "256 bits of hex");
    let mut agent = join(relay.addr, AGENT, PASSWORD, &key).await;
    send(&mut first_page, snapshot("page one")).await;
    assert_eq!(next_binary(&mut agent).await, snapshot("page one"));

    leave_page(first_page).await;
    assert_eq!(next_control(&mut agent).await, Control::VisitorAway { navigating: true });
    let mut second_page = resume(relay.addr, "demo", "tab-a", None, &key, &secret).await;
    let Control::SessionStarted { key: resumed, secret: sent_again, agents, .. } = next_control(&mut second_page).await
    else {
        panic!("expected SessionStarted")
    };
    assert_eq!((resumed.as_str(), sent_again.as_str(), agents), (key.as_str(), "", 1));
    assert_eq!(next_control(&mut agent).await, Control::VisitorTab { tab: 1 });
    send(&mut second_page, snapshot("page two")).await;
    assert_eq!(next_binary(&mut agent).await, snapshot("page two"));
    drop((second_page, agent));
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn a_dropped_connection_is_reported_as_reconnecting_and_can_come_back() {
    let relay = start(|_| {}).await;
    let (first, key, secret) = open(relay.addr, "tab-a").await;
    let mut agent = join(relay.addr, AGENT, PASSWORD, &key).await;
    drop(first);
    assert_eq!(next_control(&mut agent).await, Control::VisitorAway { navigating: false });
    let mut again = resume(relay.addr, "demo", "tab-a", None, &key, &secret).await;
    assert!(matches!(next_control(&mut again).await, Control::SessionStarted { .. }));
    assert_eq!(next_control(&mut agent).await, Control::VisitorTab { tab: 1 });
    drop((again, agent));
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn the_key_alone_a_wrong_secret_or_another_origin_cannot_resume() {
    let relay = start(|_| {}).await;
    let mut shop = connect_path(relay.addr, "/ws/visitor?site=shop&tab=t", Some(SHOP_ORIGIN)).await;
    let Control::SessionStarted { key, secret, .. } = next_control(&mut shop).await else { panic!("no session") };
    for (site, origin, offered) in [
        (SHOP_SITE, Some(SHOP_ORIGIN), ""),
        (SHOP_SITE, Some(SHOP_ORIGIN), "0".repeat(64).as_str()),
        (SHOP_SITE, Some(SHOP_ORIGIN), &key),
        ("demo", Some("http://evil.test"), &secret),
        ("demo", None, &secret),
    ] {
        let mut thief = resume(relay.addr, site, "t", origin, &key, offered).await;
        let (code, reason) = expect_close(&mut thief).await;
        assert_eq!(code, close::RESUME_REFUSED, "{site} {origin:?}: {reason}");
    }
    let mut other_origin = resume(relay.addr, SHOP_SITE, "t", Some("http://other.test"), &key, &secret).await;
    assert_eq!(expect_close(&mut other_origin).await.0, close::SITE_NOT_ALLOWED, "the site's origins still apply");
    let mut owner = resume(relay.addr, SHOP_SITE, "t", Some(SHOP_ORIGIN), &key, &secret).await;
    assert!(matches!(next_control(&mut owner).await, Control::SessionStarted { .. }), "the real secret still works");
    drop((shop, owner));
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn an_ended_session_is_never_resumed_and_its_key_stops_working_at_once() {
    let relay = start(|_| {}).await;
    let (mut visitor, key, secret) = open(relay.addr, "tab-a").await;
    send(&mut visitor, control(&Control::EndSession)).await;
    assert_eq!(expect_close(&mut visitor).await.0, close::NORMAL);
    let mut again = resume(relay.addr, "demo", "tab-a", None, &key, &secret).await;
    assert_eq!(expect_close(&mut again).await.0, close::RESUME_REFUSED);
    let mut agent = connect_agent(relay.addr).await;
    send_join(&mut agent, AGENT, PASSWORD, &key).await;
    assert_eq!(expect_close(&mut agent).await.0, close::UNKNOWN_KEY);
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn a_session_not_resumed_within_the_grace_period_ends() {
    let relay = start(|config| config.resume_grace = Duration::from_millis(300)).await;
    let (visitor, key, secret) = open(relay.addr, "tab-a").await;
    leave_page(visitor).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    let mut late = resume(relay.addr, "demo", "tab-a", None, &key, &secret).await;
    let (code, reason) = expect_close(&mut late).await;
    assert_eq!(code, close::RESUME_REFUSED, "{reason}");
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn another_tab_takes_the_session_over_and_the_agent_sees_which() {
    let relay = start(|_| {}).await;
    let (mut first_tab, key, secret) = open(relay.addr, "tab-a").await;
    let mut agent = join(relay.addr, AGENT, PASSWORD, &key).await;
    let mut second_tab = resume(relay.addr, "demo", "tab-b", None, &key, &secret).await;
    assert!(matches!(next_control(&mut second_tab).await, Control::SessionStarted { .. }));
    let (code, _) = expect_close_after(&mut first_tab, drop).await;
    assert_eq!(code, close::OTHER_TAB);
    assert_eq!(next_control(&mut agent).await, Control::VisitorTab { tab: 2 });
    send(&mut second_tab, snapshot("tab two")).await;
    assert_eq!(next_binary(&mut agent).await, snapshot("tab two"));
    drop((second_tab, agent));
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn a_site_keeping_sessions_to_the_first_tab_refuses_the_second() {
    let relay = start(|config| config.sites[0].tabs = TabPolicy::First).await;
    let (first_tab, key, secret) = open(relay.addr, "tab-a").await;
    let mut second_tab = resume(relay.addr, "demo", "tab-b", None, &key, &secret).await;
    assert_eq!(expect_close(&mut second_tab).await.0, close::OTHER_TAB);
    leave_page(first_tab).await;
    let mut next_page = resume(relay.addr, "demo", "tab-a", None, &key, &secret).await;
    assert!(matches!(next_control(&mut next_page).await, Control::SessionStarted { .. }));
    drop(next_page);
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn the_tap_never_holds_the_resume_secret() {
    let relay = start(|_| {}).await;
    let mut tap = relay.handle.subscribe_frames();
    let (visitor, key, secret) = open(relay.addr, "tab-a").await;
    leave_page(visitor).await;
    let mut resumed = resume(relay.addr, "demo", "tab-a", None, &key, &secret).await;
    assert!(matches!(next_control(&mut resumed).await, Control::SessionStarted { .. }));
    let mut seen_resume = false;
    while let Ok(frame) = tap.try_recv() {
        assert!(!contains(&frame.bytes, secret.as_bytes()), "the tap holds the secret");
        seen_resume |= matches!(cobrowse_protocol::message::decode_control(&frame.bytes), Ok(Control::Resume { .. }));
    }
    assert!(seen_resume, "the Resume went on the tap, redacted");
    drop(resumed);
    relay.handle.shutdown().await;
}

fn contains(bytes: &Bytes, needle: &[u8]) -> bool {
    bytes.windows(needle.len()).any(|window| window == needle)
}

#[tokio::test]
async fn a_session_idle_past_the_idle_limit_ends_for_everyone() {
    let relay = start(|config| {
        config.resume_grace = Duration::from_millis(200);
        config.idle_limit = Duration::from_millis(600);
    })
    .await;
    let (mut visitor, key, _) = open(relay.addr, "tab-a").await;
    let mut agent = join(relay.addr, AGENT, PASSWORD, &key).await;
    send(&mut visitor, snapshot("a page nobody touches")).await;
    assert_eq!(next_binary(&mut agent).await, snapshot("a page nobody touches"));
    let (code, reason) = expect_close(&mut agent).await;
    assert_eq!(code, close::SESSION_ENDED);
    assert!(reason.contains("idle"), "{reason}");
    let (code, _) = expect_close_after(&mut visitor, drop).await;
    assert_eq!(code, close::SESSION_ENDED, "the visitor is told too");
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn a_next_page_of_the_same_tab_is_a_page_change_even_if_the_last_page_never_closed() {
    // A page frozen into the back/forward cache keeps its socket open while the next page resumes.
    let relay = start(|_| {}).await;
    let (mut frozen_page, key, secret) = open(relay.addr, "tab-a").await;
    let mut agent = join(relay.addr, AGENT, PASSWORD, &key).await;
    let mut next_page = resume(relay.addr, "demo", "tab-a", None, &key, &secret).await;
    assert!(matches!(next_control(&mut next_page).await, Control::SessionStarted { .. }));
    assert_eq!(next_control(&mut agent).await, Control::VisitorAway { navigating: true });
    assert_eq!(next_control(&mut agent).await, Control::VisitorTab { tab: 1 });
    assert_eq!(expect_close_after(&mut frozen_page, drop).await.0, close::OTHER_TAB);
    drop((next_page, agent));
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn a_resuming_connection_whose_first_frame_is_not_resume_is_refused_with_a_reason() {
    let relay = start(|_| {}).await;
    let path = "/ws/visitor?site=demo&tab=t&resume=1";
    let mut page_first = connect_path(relay.addr, path, None).await;
    send(&mut page_first, snapshot("a page before any Resume")).await;
    let (code, reason) = expect_close(&mut page_first).await;
    assert_eq!(code, close::UNEXPECTED_MESSAGE);
    assert!(reason.contains("must be Resume"), "{reason}");
    let mut end_first = connect_path(relay.addr, path, None).await;
    send(&mut end_first, control(&Control::EndSession)).await;
    let (code, reason) = expect_close(&mut end_first).await;
    assert_eq!(code, close::UNEXPECTED_MESSAGE);
    assert!(reason.contains("must be Resume, not EndSession"), "{reason}");
    let mut garbage = connect_path(relay.addr, path, None).await;
    send(&mut garbage, Bytes::from(vec![cobrowse_protocol::frame::VERSION, 3, 0xff, 0xff])).await;
    assert_eq!(expect_close(&mut garbage).await.0, close::MALFORMED_FRAME);
    relay.handle.shutdown().await;
}
