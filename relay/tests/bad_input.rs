//! Bad input from one peer closes that peer with a code that says what was wrong, and the relay keeps
//! serving everyone else.

mod common;

use cobrowse_protocol::{close, Control};
use common::*;
use std::time::Duration;
use futures_util::SinkExt;
use tokio_tungstenite::tungstenite::Message;

#[tokio::test]
async fn a_frame_over_the_limit_closes_with_1009_and_the_relay_serves_on() {
    let relay = start(|config| config.max_frame_bytes = 64 << 10).await;
    let (mut bystander, key) = start_session(relay.addr).await;
    let mut agent = join(relay.addr, AGENT, PASSWORD, &key).await;

    let (mut visitor, _) = start_session(relay.addr).await;
    let just_fits = snapshot(&"x".repeat((64 << 10) - 2));
    assert_eq!(just_fits.len(), 64 << 10);
    send(&mut visitor, just_fits).await;
    send(&mut visitor, snapshot(&"x".repeat(100 << 10))).await;
    let (code, reason) = expect_close(&mut visitor).await;
    assert_eq!(code, close::FRAME_TOO_LARGE);
    assert!(reason.contains("65536"), "{reason}");

    let (next_visitor, next_key) = start_session(relay.addr).await;
    assert_eq!(next_key.len(), 6);
    send(&mut bystander, snapshot("unaffected")).await;
    assert_eq!(next_binary(&mut agent).await, snapshot("unaffected"));
    drop((bystander, agent, next_visitor)); // hang up first, so shutdown need not wait for them
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn a_bad_header_closes_with_1007_and_the_parse_error() {
    let relay = start(|_| {}).await;
    for (bytes, expected) in [(vec![9, 1, 0], "protocol version 9"), (vec![1, 7], "kind 7"), (vec![1], "shorter than")]
    {
        let (mut visitor, _) = start_session(relay.addr).await;
        send(&mut visitor, bytes.into()).await;
        let (code, reason) = expect_close(&mut visitor).await;
        assert_eq!(code, close::MALFORMED_FRAME);
        assert!(reason.contains(expected), "{reason}");
        assert!(reason.len() <= 123);
    }
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn a_malformed_control_message_or_text_closes_with_1007() {
    let relay = start(|_| {}).await;
    let (mut visitor, _) = start_session(relay.addr).await;
    send(&mut visitor, vec![1, 3, 0xff, 0xff, 0xff].into()).await;
    let (code, reason) = expect_close(&mut visitor).await;
    assert_eq!(code, close::MALFORMED_FRAME);
    assert!(reason.contains("control message"), "{reason}");

    let (mut visitor, _) = start_session(relay.addr).await;
    visitor.send(Message::Text("hello".into())).await.unwrap();
    assert_eq!(
        expect_close(&mut visitor).await,
        (close::MALFORMED_FRAME, "expected binary frames, got a text message".into())
    );

    let mut agent = connect_agent(relay.addr).await;
    send(&mut agent, vec![1, 3, 0xff].into()).await;
    assert_eq!(expect_close(&mut agent).await.0, close::MALFORMED_FRAME);
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn an_agent_may_not_send_page_frames_or_other_controls() {
    let relay = start(|_| {}).await;
    let (mut visitor, key) = start_session(relay.addr).await;
    let mut agent = join(relay.addr, AGENT, PASSWORD, &key).await;
    send(&mut agent, delta("forged")).await;
    assert_eq!(expect_close(&mut agent).await, (close::UNEXPECTED_MESSAGE, "agents may not send page frames".into()));

    let mut agent = join(relay.addr, AGENT, PASSWORD, &key).await;
    send(&mut agent, control(&Control::EndSession)).await;
    assert_eq!(expect_close(&mut agent).await.0, close::UNEXPECTED_MESSAGE);

    // The session goes on.
    let mut watcher = join(relay.addr, OTHER_AGENT, OTHER_PASSWORD, &key).await;
    send(&mut visitor, snapshot("page")).await;
    assert_eq!(next_binary(&mut watcher).await, snapshot("page"));
    drop((visitor, watcher)); // hang up first, so shutdown need not wait for them
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn a_visitor_may_not_send_agent_controls() {
    let relay = start(|_| {}).await;
    let (mut visitor, _) = start_session(relay.addr).await;
    send(&mut visitor, control(&Control::Join { name: "x".into(), password: "y".into(), key: "1".into() })).await;
    let (code, reason) = expect_close(&mut visitor).await;
    assert_eq!(code, close::UNEXPECTED_MESSAGE);
    assert_eq!(reason, "a visitor may not send Join");
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn sites_and_origins_are_checked() {
    let relay = start(|_| {}).await;
    let refusals = [
        ("nosuchsite", None, "not configured"),
        (SHOP_SITE, Some("http://evil.test"), "origin http://evil.test is not allowed"),
        (SHOP_SITE, None, "no Origin header"),
        ("", None, "no site given"),
    ];
    for (site, origin, expected) in refusals {
        let mut visitor = connect_visitor(relay.addr, site, origin).await;
        let (code, reason) = expect_close(&mut visitor).await;
        assert_eq!(code, close::SITE_NOT_ALLOWED, "{site} {origin:?}");
        assert!(reason.contains(expected), "{reason}");
    }
    let mut allowed = connect_visitor(relay.addr, SHOP_SITE, Some(SHOP_ORIGIN)).await;
    assert!(matches!(next_control(&mut allowed).await, Control::SessionStarted { .. }));
    drop(allowed); // hang up first, so shutdown need not wait for it
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn sessions_past_the_limit_are_refused_with_4013() {
    let relay = start(|config| config.max_sessions = 1).await;
    let (first, _) = start_session(relay.addr).await;
    let mut second = connect_visitor(relay.addr, "demo", None).await;
    assert_eq!(expect_close(&mut second).await.0, close::AT_CAPACITY);
    drop(first); // hang up first, so shutdown need not wait for it
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn an_oversize_frame_gets_1009_every_time_not_a_reset() {
    let relay = start(|config| config.max_frame_bytes = 16 << 10).await;
    for attempt in 0..20 {
        let (mut visitor, _) = start_session(relay.addr).await;
        // Well past the limit, and past what socket buffers hold, so bytes are still unread at the close.
        send(&mut visitor, snapshot(&"x".repeat(1 << 20))).await;
        let (code, reason) = expect_close(&mut visitor).await;
        assert_eq!(code, close::FRAME_TOO_LARGE, "attempt {attempt}: {reason}");
    }
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn an_agent_s_oversize_first_message_gets_1009_before_it_signs_in() {
    let relay = start(|_| {}).await;
    let (visitor, key) = start_session(relay.addr).await;
    for size in [5 << 10, 1 << 20] {
        let mut agent = connect_agent(relay.addr).await;
        send_join(&mut agent, AGENT, &"p".repeat(size), &key).await;
        let (code, reason) = expect_close(&mut agent).await;
        assert_eq!(code, close::FRAME_TOO_LARGE, "{size} bytes: {reason}");
        assert!(reason.contains("bytes"), "{reason}");
    }
    join(relay.addr, AGENT, PASSWORD, &key).await;
    drop(visitor);
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn a_socket_that_sends_no_first_message_is_closed_after_the_timeout() {
    let relay = start(|config| config.limits.first_message_timeout = Duration::from_secs(1)).await;
    let mut agent = connect_agent(relay.addr).await;
    let started = std::time::Instant::now();
    let (code, reason) = expect_close(&mut agent).await;
    assert_eq!(code, close::FIRST_MESSAGE_TIMEOUT, "{reason}");
    assert!(reason.contains("no Join within"), "{reason}");
    assert!(started.elapsed() >= Duration::from_millis(900));
    let mut resuming = connect_path(relay.addr, "/ws/visitor?site=demo&tab=t&resume=1", None).await;
    let (code, reason) = expect_close(&mut resuming).await;
    assert_eq!(code, close::FIRST_MESSAGE_TIMEOUT, "{reason}");
    relay.handle.shutdown().await;
}
