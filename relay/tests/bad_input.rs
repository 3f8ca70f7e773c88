//! Bad input from one peer closes that peer with a code that says what was wrong, and the relay keeps
//! serving everyone else.

mod common;

use cobrowse_protocol::{close, Control};
use common::*;
use futures_util::SinkExt;
use std::time::Duration;
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
    for (bytes, expected) in [
        (vec![9, 1, 0], "protocol version 9"),
        (vec![cobrowse_protocol::frame::VERSION, 7], "kind 7"),
        (vec![cobrowse_protocol::frame::VERSION], "shorter than"),
    ] {
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
    send(&mut visitor, vec![cobrowse_protocol::frame::VERSION, 3, 0xff, 0xff, 0xff].into()).await;
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
    send(&mut agent, vec![cobrowse_protocol::frame::VERSION, 3, 0xff].into()).await;
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
    send(&mut agent, snapshot_part("forged")).await;
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
        // Well past the limit, and past what socket buffers hold, so the visitor is still sending when the
        // relay refuses it (a browser then sees 1006 if the relay drops the socket with bytes unread).
        let _ = visitor.send(Message::Binary(snapshot(&"x".repeat(16 << 20)))).await;
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

/// A visitor socket opened by hand over TCP, its upgrade answered (and its `SessionStarted` unread).
async fn raw_visitor(addr: std::net::SocketAddr) -> tokio::net::TcpStream {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let upgrade = "GET /ws/visitor?site=demo HTTP/1.1\r\nHost: relay.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    tcp.write_all(upgrade.as_bytes()).await.unwrap();
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        head.push(tcp.read_u8().await.unwrap());
    }
    assert!(head.starts_with(b"HTTP/1.1 101"), "{}", String::from_utf8_lossy(&head));
    tcp
}

/// The close code in what a server sent (unmasked frames), if a close frame is among them.
fn close_code_in(mut bytes: &[u8]) -> Option<u16> {
    while bytes.len() >= 2 {
        let opcode = bytes[0] & 0x0f;
        let (length, header) = match bytes[1] & 0x7f {
            126 => (u16::from_be_bytes([bytes[2], bytes[3]]) as usize, 4),
            127 => (u64::from_be_bytes(bytes[2..10].try_into().unwrap()) as usize, 10),
            short => (short as usize, 2),
        };
        let payload = bytes.get(header..header + length)?;
        if opcode == 8 {
            return Some(u16::from_be_bytes([payload[0], payload[1]]));
        }
        bytes = &bytes[header + length..];
    }
    None
}

#[tokio::test]
async fn a_visitor_still_sending_an_oversize_frame_is_not_reset_before_it_reads_1009() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let relay = start(|config| config.max_frame_bytes = 16 << 10).await;
    for attempt in 0..20 {
        let mut tcp = raw_visitor(relay.addr).await;
        // A masked binary frame of 1 MiB whose payload is still coming for a while after the relay has
        // refused it: a browser whose write fails (a reset) before it has read the close reports 1006.
        let mut header = vec![0x82, 0x80 | 127];
        header.extend_from_slice(&(1u64 << 20).to_be_bytes());
        header.extend_from_slice(&[1, 2, 3, 4]);
        tcp.write_all(&header).await.unwrap();
        for chunk in 0..16 {
            let written = tcp.write_all(&[0x55; 64 << 10]).await;
            assert!(written.is_ok(), "attempt {attempt}: the relay reset the socket at chunk {chunk}: {written:?}");
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        let mut received = Vec::new();
        let read = tokio::time::timeout(PATIENCE, tcp.read_to_end(&mut received)).await.expect("closed in time");
        assert_eq!(close_code_in(&received), Some(close::FRAME_TOO_LARGE), "attempt {attempt}: {read:?}");
    }
    relay.handle.shutdown().await;
}
