//! The relay's limits over real sockets: failures are counted and back off, successes are free; a signed-in
//! agent joins with its token; password checks are bounded; agents see only their sites; and caps on
//! connections, sockets still signing in, and sessions per address are refused with a reason.

mod common;

use cobrowse_protocol::{close, Control};
use cobrowse_relay::AgentAccount;
use common::*;
use futures_util::future::join_all;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// An agent's attempt that should be refused: its close code and reason.
async fn refused_join(relay: &TestRelay, name: &str, password: &str, key: &str) -> (u16, String) {
    let mut agent = connect_agent(relay.addr).await;
    send_join(&mut agent, name, password, key).await;
    expect_close_after(&mut agent, |_| {}).await
}

/// The seconds a "wait N s" reason asks for.
fn wait_secs(reason: &str) -> u64 {
    let after = reason.split("wait ").nth(1).unwrap_or_else(|| panic!("no wait in {reason:?}"));
    after.split(' ').next().unwrap().parse().unwrap_or_else(|_| panic!("no number in {reason:?}"))
}

#[tokio::test]
async fn forty_successful_joins_from_one_address_all_pass() {
    let relay = start(|_| {}).await;
    let (visitor, key) = start_session(relay.addr).await;
    for _ in 0..40 {
        let agent = join(relay.addr, AGENT, PASSWORD, &key).await;
        drop(agent);
    }
    drop(visitor);
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn wrong_passwords_are_refused_with_waits_that_grow() {
    let relay = start(|config| {
        config.join_attempts_per_minute = 2;
        config.limits.join_backoff = Duration::from_secs(1);
    })
    .await;
    let (visitor, key) = start_session(relay.addr).await;
    for _ in 0..2 {
        assert_eq!(refused_join(&relay, AGENT, "guess", &key).await.0, close::AUTH_FAILED);
    }
    let mut waits = Vec::new();
    for _ in 0..3 {
        // Even the right password waits: the address must wait first.
        let (code, reason) = refused_join(&relay, AGENT, PASSWORD, &key).await;
        assert_eq!(code, close::TOO_MANY_ATTEMPTS, "{reason}");
        assert!(reason.starts_with("too many wrong passwords"), "{reason}");
        assert!(reason.contains("then try again"), "{reason}");
        let wait = wait_secs(&reason);
        waits.push(wait);
        tokio::time::sleep(Duration::from_secs(wait) + Duration::from_millis(100)).await;
        assert_eq!(refused_join(&relay, AGENT, "guess again", &key).await.0, close::AUTH_FAILED);
    }
    assert_eq!(waits, [1, 2, 4], "each failure past the free ones doubles the wait");
    drop(visitor);
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn unknown_keys_are_refused_with_waits_that_grow_and_a_right_key_waits_too() {
    let relay = start(|config| {
        config.join_attempts_per_minute = 2;
        config.limits.join_backoff = Duration::from_secs(1);
    })
    .await;
    let (visitor, key) = start_session(relay.addr).await;
    let wrong_key = if key == "000000" { "000001" } else { "000000" };
    for _ in 0..2 {
        assert_eq!(refused_join(&relay, AGENT, PASSWORD, wrong_key).await.0, close::UNKNOWN_KEY);
    }
    let (code, reason) = refused_join(&relay, AGENT, PASSWORD, &key).await;
    assert_eq!(code, close::TOO_MANY_ATTEMPTS, "{reason}");
    assert!(reason.starts_with("too many unknown session keys"), "{reason}");
    assert_eq!(wait_secs(&reason), 1);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(refused_join(&relay, AGENT, PASSWORD, wrong_key).await.0, close::UNKNOWN_KEY);
    let (code, reason) = refused_join(&relay, OTHER_AGENT, OTHER_PASSWORD, &key).await;
    assert_eq!(code, close::TOO_MANY_ATTEMPTS, "the address waits, whoever signs in: {reason}");
    assert_eq!(wait_secs(&reason), 2);
    drop(visitor);
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn a_signed_in_agent_joins_again_with_its_token_and_a_bad_token_is_refused() {
    let relay = start(|_| {}).await;
    let (visitor, key) = start_session(relay.addr).await;
    let mut agent = connect_agent(relay.addr).await;
    send_join(&mut agent, AGENT, PASSWORD, &key).await;
    let Control::SignedIn { token, valid_secs } = next_control_any(&mut agent).await else {
        panic!("SignedIn comes first after a right password");
    };
    assert_eq!(token.len(), 32);
    assert_eq!(valid_secs, 12 * 60 * 60);
    assert!(matches!(next_control(&mut agent).await, Control::Joined { .. }));
    drop(agent);

    for _ in 0..3 {
        let mut again = connect_agent(relay.addr).await;
        send(&mut again, control(&Control::JoinWithToken { token: token.clone(), key: key.clone() })).await;
        let Control::Joined { key: joined, .. } = next_control(&mut again).await else {
            panic!("a token join gets Joined, and no new token");
        };
        assert_eq!(joined, key);
    }

    let mut forged = connect_agent(relay.addr).await;
    send(&mut forged, control(&Control::JoinWithToken { token: "0".repeat(32), key: key.clone() })).await;
    let (code, reason) = expect_close(&mut forged).await;
    assert_eq!(code, close::AUTH_FAILED);
    assert!(reason.contains("sign in again"), "{reason}");
    drop(visitor);
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn a_token_expires_after_its_ttl() {
    let relay = start(|config| config.limits.agent_token_ttl = Duration::from_secs(1)).await;
    let (visitor, key) = start_session(relay.addr).await;
    let mut agent = connect_agent(relay.addr).await;
    send_join(&mut agent, AGENT, PASSWORD, &key).await;
    let Control::SignedIn { token, valid_secs: 1 } = next_control_any(&mut agent).await else { panic!("SignedIn") };
    drop(agent);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let mut late = connect_agent(relay.addr).await;
    send(&mut late, control(&Control::JoinWithToken { token, key })).await;
    assert_eq!(expect_close(&mut late).await.0, close::AUTH_FAILED);
    drop(visitor);
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn an_agent_limited_to_other_sites_is_told_the_key_is_unknown() {
    let relay = start(|config| {
        config.agents[1] = AgentAccount::with_cheap_password_hash(OTHER_AGENT, OTHER_PASSWORD).serving(&[SHOP_SITE]);
    })
    .await;
    let (visitor, key) = start_session(relay.addr).await; // site "demo"
    let absent = if key == "000000" { "000001" } else { "000000" };
    let (code, reason) = refused_join(&relay, OTHER_AGENT, OTHER_PASSWORD, &key).await;
    let (absent_code, absent_reason) = refused_join(&relay, OTHER_AGENT, OTHER_PASSWORD, absent).await;
    assert_eq!(code, close::UNKNOWN_KEY);
    assert_eq!((code, reason.replace(&key, "KEY")), (absent_code, absent_reason.replace(absent, "KEY")));
    join(relay.addr, AGENT, PASSWORD, &key).await;
    drop(visitor);
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn concurrent_sign_ins_past_the_gate_are_told_to_try_again() {
    let relay = start(|config| {
        // A real argon2 cost, so checks take long enough to overlap.
        config.agents.push(AgentAccount::with_password("slow", "a real password"));
        config.join_attempts_per_minute = 1000;
        config.limits.password_checks = 1;
        config.limits.password_check_queue = 2;
    })
    .await;
    let (visitor, key) = start_session(relay.addr).await;
    let mut agents = join_all((0..30).map(|_| connect_agent(relay.addr))).await;
    for agent in &mut agents {
        send_join(agent, "slow", "wrong", &key).await;
    }
    let closes = join_all(agents.iter_mut().map(|agent| expect_close_after(agent, |_| {}))).await;
    let busy: Vec<_> = closes.iter().filter(|(code, _)| *code == close::TRY_AGAIN_LATER).collect();
    let checked = closes.iter().filter(|(code, _)| *code == close::AUTH_FAILED).count();
    assert_eq!(busy.len() + checked, 30, "{closes:?}");
    assert!(!busy.is_empty(), "three at most are checked or wait at once: {closes:?}");
    assert!(busy.iter().all(|(_, reason)| reason.contains("try again in 1 s")), "{busy:?}");
    drop(visitor);
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn sockets_still_signing_in_are_capped_per_address() {
    let relay = start(|config| config.limits.unauthenticated_per_address = 2).await;
    let (visitor, key) = start_session(relay.addr).await;
    let mut silent = vec![connect_agent(relay.addr).await, connect_agent(relay.addr).await];
    // The relay counts a socket once its handler runs: give it a moment.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut third = connect_agent(relay.addr).await;
    let (code, reason) = expect_close(&mut third).await;
    assert_eq!(code, close::AT_CAPACITY);
    assert!(reason.contains("still signing in"), "{reason}");
    send_join(&mut silent[0], AGENT, PASSWORD, &key).await;
    assert!(matches!(next_control_any(&mut silent[0]).await, Control::SignedIn { .. }));
    tokio::time::sleep(Duration::from_millis(100)).await;
    join(relay.addr, OTHER_AGENT, OTHER_PASSWORD, &key).await;
    drop((visitor, silent));
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn visitor_sessions_are_capped_per_address_and_per_site() {
    let relay = start(|config| config.limits.sessions_per_address = 2).await;
    let (first, _) = start_session(relay.addr).await;
    let (second, _) = start_session(relay.addr).await;
    let mut third = connect_visitor(relay.addr, "demo", None).await;
    let (code, reason) = expect_close(&mut third).await;
    assert_eq!(code, close::AT_CAPACITY);
    assert!(reason.contains("this address has 2 sessions open"), "{reason}");
    drop((first, second));
    relay.handle.shutdown().await;

    let relay = start(|config| config.limits.sessions_per_site = 1).await;
    let (first, _) = start_session(relay.addr).await;
    let mut second = connect_visitor(relay.addr, "demo", None).await;
    let (code, reason) = expect_close(&mut second).await;
    assert_eq!(code, close::AT_CAPACITY);
    assert!(reason.contains("this site has 1 sessions open"), "{reason}");
    let mut shop = connect_visitor(relay.addr, SHOP_SITE, Some(SHOP_ORIGIN)).await;
    assert!(matches!(next_control(&mut shop).await, Control::SessionStarted { .. }), "another site is not capped");
    drop((first, shop));
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn past_the_connection_cap_new_connections_get_a_fast_503() {
    let relay = start(|config| config.limits.max_connections = 2).await;
    let held = [TcpStream::connect(relay.addr).await.unwrap(), TcpStream::connect(relay.addr).await.unwrap()];
    let mut refused = TcpStream::connect(relay.addr).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(PATIENCE, refused.read_to_end(&mut answer)).await.expect("answered at once").unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("connection limit"), "{answer}");
    drop(held);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(get(relay.addr, "/healthz").await.status, 200, "places are given back");
    let metrics = get(relay.addr, "/metrics").await;
    let text = String::from_utf8_lossy(&metrics.body);
    assert!(text.contains("cobrowse_refused_connections_total{reason=\"max_connections\"} 1"), "{text}");
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn a_connection_that_sends_nothing_is_closed_after_the_first_byte_timeout() {
    let relay = start(|config| config.limits.first_byte_timeout = Duration::from_millis(500)).await;
    let mut silent = TcpStream::connect(relay.addr).await.unwrap();
    let started = std::time::Instant::now();
    let mut buffer = [0; 16];
    let read = tokio::time::timeout(PATIENCE, silent.read(&mut buffer)).await.expect("closed in time");
    assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
    assert!(started.elapsed() >= Duration::from_millis(400));
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    let relay = start(|config| config.limits.idle_connection_timeout = Duration::from_millis(500)).await;
    let mut connection = TcpStream::connect(relay.addr).await.unwrap();
    connection.write_all(b"GET /healthz HTTP/1.1\r\nHost: relay.test\r\n\r\n").await.unwrap();
    let mut first = [0; 512];
    let read = connection.read(&mut first).await.unwrap();
    assert!(String::from_utf8_lossy(&first[..read]).starts_with("HTTP/1.1 200"));
    let started = std::time::Instant::now();
    let mut rest = Vec::new();
    tokio::time::timeout(PATIENCE, connection.read_to_end(&mut rest)).await.expect("closed in time").unwrap();
    assert!(started.elapsed() >= Duration::from_millis(400));
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn past_the_memory_budget_the_session_idle_the_longest_is_ended_and_told_why() {
    let relay = start(|config| {
        config.max_frame_bytes = 16 << 10;
        config.limits.memory_bytes = 40 << 10;
    })
    .await;
    let page = |label: &str| snapshot(&format!("{label}{}", "x".repeat(15 << 10)));
    let (mut oldest, _) = start_session(relay.addr).await;
    send(&mut oldest, page("oldest")).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (mut middle, middle_key) = start_session(relay.addr).await;
    send(&mut middle, page("middle")).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (mut newest, _) = start_session(relay.addr).await;
    send(&mut newest, page("newest")).await;

    let (code, reason) = expect_close(&mut oldest).await;
    assert_eq!(code, close::AT_CAPACITY);
    assert!(reason.contains("short of memory"), "{reason}");
    let mut agent = join(relay.addr, AGENT, PASSWORD, &middle_key).await;
    assert_eq!(next_binary(&mut agent).await, page("middle"), "the others are served on");
    send(&mut middle, delta("still here")).await;
    assert_eq!(next_binary(&mut agent).await, delta("still here"));
    drop((middle, newest, agent));
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn an_idle_http2_connection_is_closed() {
    let relay = start(|config| config.limits.idle_connection_timeout = Duration::from_millis(500)).await;
    let mut connection = TcpStream::connect(relay.addr).await.unwrap();
    // The HTTP/2 preface and an empty SETTINGS frame, then nothing (prior knowledge, as h2c clients do).
    connection.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n").await.unwrap();
    connection.write_all(&[0, 0, 0, 4, 0, 0, 0, 0, 0]).await.unwrap();
    let started = std::time::Instant::now();
    let mut received = Vec::new();
    let read = tokio::time::timeout(PATIENCE, connection.read_to_end(&mut received)).await.expect("closed in time");
    assert!(read.is_ok(), "{read:?}");
    assert!(started.elapsed() >= Duration::from_millis(400));
    // The server's SETTINGS first, then a GOAWAY (frame type 7) before it closed.
    let mut frame_types = Vec::new();
    let mut rest = received.as_slice();
    while rest.len() >= 9 {
        let length = usize::from(rest[0]) << 16 | usize::from(rest[1]) << 8 | usize::from(rest[2]);
        frame_types.push(rest[3]);
        rest = &rest[(9 + length).min(rest.len())..];
    }
    assert_eq!(frame_types.first(), Some(&4), "{frame_types:?}");
    assert!(frame_types.contains(&7), "a GOAWAY says it is closing: {frame_types:?}");
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn websockets_outlive_the_idle_http_timeout() {
    let relay = start(|config| config.limits.idle_connection_timeout = Duration::from_millis(300)).await;
    let (mut visitor, key) = start_session(relay.addr).await;
    let mut agent = join(relay.addr, AGENT, PASSWORD, &key).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    send(&mut visitor, snapshot("after the idle time")).await;
    assert_eq!(next_binary(&mut agent).await, snapshot("after the idle time"));
    drop((visitor, agent));
    relay.handle.shutdown().await;
}
