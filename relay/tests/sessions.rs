//! Sessions end to end over real sockets: keys, agents joining, frames forwarded byte for byte, late
//! agents catching up, slow agents skipping ahead, and the ways a session ends.

mod common;

use cobrowse_protocol::{close, Control};
use cobrowse_relay::Peer;
use common::*;
use std::collections::HashSet;
use std::time::{Duration, Instant};

#[tokio::test]
async fn each_visitor_gets_a_distinct_six_digit_key() {
    let relay = start(|_| {}).await;
    let mut keys = HashSet::new();
    let mut visitors = Vec::new();
    for _ in 0..20 {
        let (visitor, key) = start_session(relay.addr).await;
        assert_eq!(key.len(), 6, "{key}");
        assert!(key.bytes().all(|byte| byte.is_ascii_digit()), "{key}");
        assert!(keys.insert(key.clone()), "key {key} issued twice");
        visitors.push(visitor);
    }
    drop(visitors); // hang up first, so shutdown need not wait for it
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn key_length_follows_the_config() {
    let relay = start(|config| config.key_digits = 9).await;
    let (visitor, key) = start_session(relay.addr).await;
    assert_eq!(key.len(), 9, "{key}");
    drop(visitor); // hang up first, so shutdown need not wait for it
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn a_joining_agent_gets_joined_then_the_kept_state_byte_for_byte() {
    let relay = start(|_| {}).await;
    let mut tap = relay.handle.subscribe_frames();
    let (mut visitor, key) = start_session(relay.addr).await;
    let sent = [snapshot("page one"), delta("typed a"), delta("typed b")];
    for frame in &sent {
        send(&mut visitor, frame.clone()).await;
    }
    // The tap shows each frame once the relay has handled it.
    for frame in &sent {
        let received = tokio::time::timeout(PATIENCE, tap.recv()).await.unwrap().unwrap();
        assert_eq!((&received.session_key, &received.from, &received.bytes), (&key, &Peer::Visitor, frame));
    }

    let started = Instant::now();
    let mut agent = join(relay.addr, AGENT, PASSWORD, &key).await;
    assert!(started.elapsed() < Duration::from_secs(1), "joining took {:?}", started.elapsed());
    for frame in &sent {
        assert_eq!(&next_binary(&mut agent).await, frame);
    }
    assert_eq!(next_control(&mut visitor).await, Control::AgentJoined { name: AGENT.into(), agents: 1 });

    let live = delta("typed c");
    send(&mut visitor, live.clone()).await;
    assert_eq!(next_binary(&mut agent).await, live);
    drop((visitor, agent)); // hang up first, so shutdown need not wait for them
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn two_agents_both_get_live_frames_and_the_visitor_hears_them_come_and_go() {
    let relay = start(|_| {}).await;
    let (mut visitor, key) = start_session(relay.addr).await;
    let mut ana = join(relay.addr, AGENT, PASSWORD, &key).await;
    let mut bo = join(relay.addr, OTHER_AGENT, OTHER_PASSWORD, &key).await;
    assert_eq!(next_control(&mut visitor).await, Control::AgentJoined { name: AGENT.into(), agents: 1 });
    assert_eq!(next_control(&mut visitor).await, Control::AgentJoined { name: OTHER_AGENT.into(), agents: 2 });

    let frames = [snapshot("page"), delta("scroll"), delta("pointer")];
    for frame in &frames {
        send(&mut visitor, frame.clone()).await;
    }
    for frame in &frames {
        assert_eq!(&next_binary(&mut ana).await, frame);
        assert_eq!(&next_binary(&mut bo).await, frame);
    }

    ana.close(None).await.unwrap();
    assert_eq!(next_control(&mut visitor).await, Control::AgentLeft { name: AGENT.into(), agents: 1 });
    send(&mut visitor, delta("after ana left")).await;
    assert_eq!(next_binary(&mut bo).await, delta("after ana left"));
    drop((visitor, ana, bo)); // hang up first, so shutdown need not wait for them
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn a_late_agent_starts_at_the_latest_snapshot() {
    let relay = start(|_| {}).await;
    let (mut visitor, key) = start_session(relay.addr).await;
    let mut early = join(relay.addr, AGENT, PASSWORD, &key).await;
    let frames = [
        snapshot("first page"),
        delta("old 1"),
        delta("old 2"),
        snapshot("second page"),
        delta("new 1"),
        delta("new 2"),
    ];
    for frame in &frames {
        send(&mut visitor, frame.clone()).await;
    }
    // Once the early agent has them all, the relay has kept them all.
    for frame in &frames {
        assert_eq!(&next_binary(&mut early).await, frame);
    }

    let mut late = join(relay.addr, OTHER_AGENT, OTHER_PASSWORD, &key).await;
    for frame in &frames[3..] {
        assert_eq!(&next_binary(&mut late).await, frame);
    }
    send(&mut visitor, delta("live")).await;
    assert_eq!(next_binary(&mut late).await, delta("live"), "nothing from before the second snapshot came in between");
    drop((visitor, early, late)); // hang up first, so shutdown need not wait for them
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn wrong_passwords_and_unknown_names_are_refused_alike() {
    let relay = start(|_| {}).await;
    let (visitor, key) = start_session(relay.addr).await;
    for (name, password) in [(AGENT, "wrong"), (AGENT, OTHER_PASSWORD), ("mallory", PASSWORD)] {
        let mut agent = connect_agent(relay.addr).await;
        send_join(&mut agent, name, password, &key).await;
        assert_eq!(expect_close(&mut agent).await, (close::AUTH_FAILED, "wrong agent name or password".into()));
    }
    drop(visitor); // hang up first, so shutdown need not wait for it
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn an_unknown_or_ended_key_is_refused_with_advice() {
    let relay = start(|_| {}).await;
    let (mut visitor, key) = start_session(relay.addr).await;
    let other_key = if key == "000000" { "000001" } else { "000000" };
    let mut agent = connect_agent(relay.addr).await;
    send_join(&mut agent, AGENT, PASSWORD, other_key).await;
    let (code, reason) = expect_close(&mut agent).await;
    assert_eq!(code, close::UNKNOWN_KEY);
    assert!(reason.contains(other_key) && reason.contains("check the digits"), "{reason}");

    send(&mut visitor, control(&Control::EndSession)).await;
    assert_eq!(expect_close(&mut visitor).await.0, close::NORMAL);
    let mut agent = connect_agent(relay.addr).await;
    send_join(&mut agent, AGENT, PASSWORD, &key).await;
    assert_eq!(expect_close(&mut agent).await.0, close::UNKNOWN_KEY);
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn an_agent_must_start_with_join() {
    let relay = start(|_| {}).await;
    for first in [snapshot("not a join"), control(&Control::MirrorOutOfStep)] {
        let mut agent = connect_agent(relay.addr).await;
        send(&mut agent, first).await;
        let (code, reason) = expect_close(&mut agent).await;
        assert_eq!(code, close::UNEXPECTED_MESSAGE);
        assert!(reason.contains("must be Join"), "{reason}");
    }
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn join_attempts_are_limited_per_address() {
    let relay = start(|config| config.join_attempts_per_minute = 2).await;
    let (visitor, key) = start_session(relay.addr).await;
    for _ in 0..2 {
        let mut agent = connect_agent(relay.addr).await;
        send_join(&mut agent, AGENT, "guess", &key).await;
        assert_eq!(expect_close(&mut agent).await.0, close::AUTH_FAILED);
    }
    let mut agent = connect_agent(relay.addr).await;
    send_join(&mut agent, AGENT, PASSWORD, &key).await;
    let (code, reason) = expect_close(&mut agent).await;
    assert_eq!(code, close::TOO_MANY_ATTEMPTS);
    assert!(reason.contains("wait"), "{reason}");
    drop(visitor); // hang up first, so shutdown need not wait for it
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn when_the_visitor_leaves_every_agent_gets_4010_after_its_frames() {
    let relay = start(|config| config.resume_grace = Duration::from_millis(300)).await;
    for leave_by_end_session in [false, true] {
        let (mut visitor, key) = start_session(relay.addr).await;
        let mut ana = join(relay.addr, AGENT, PASSWORD, &key).await;
        let mut bo = join(relay.addr, OTHER_AGENT, OTHER_PASSWORD, &key).await;
        send(&mut visitor, snapshot("last page")).await;
        if leave_by_end_session {
            send(&mut visitor, control(&Control::EndSession)).await;
            // The visitor gets `AgentJoined` twice first.
            assert_eq!(expect_close_after(&mut visitor, drop).await.0, close::NORMAL);
        } else {
            drop(visitor);
        }
        for agent in [&mut ana, &mut bo] {
            assert_eq!(next_binary(agent).await, snapshot("last page"));
            if leave_by_end_session {
                assert_eq!(expect_close(agent).await, (close::SESSION_ENDED, "the visitor ended the session".into()));
            } else {
                // A dropped visitor may come back: the agents wait for the grace period.
                assert_eq!(next_control(agent).await, Control::VisitorAway { navigating: false });
                let (code, reason) = expect_close(agent).await;
                assert_eq!(
                    (code, reason.as_str()),
                    (close::SESSION_ENDED, "the visitor left and did not come back within 0.3 seconds")
                );
            }
        }
    }
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn an_unused_key_expires() {
    let relay = start(|config| config.key_ttl = Duration::from_millis(300)).await;
    let (mut visitor, key) = start_session(relay.addr).await;
    let (code, reason) = expect_close(&mut visitor).await;
    assert_eq!(code, close::KEY_EXPIRED);
    assert!(reason.contains("no agent joined"), "{reason}");
    let mut agent = connect_agent(relay.addr).await;
    send_join(&mut agent, AGENT, PASSWORD, &key).await;
    assert_eq!(expect_close(&mut agent).await.0, close::UNKNOWN_KEY);
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn a_used_key_does_not_expire() {
    let relay = start(|config| config.key_ttl = Duration::from_millis(300)).await;
    let (mut visitor, key) = start_session(relay.addr).await;
    let mut agent = join(relay.addr, AGENT, PASSWORD, &key).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    send(&mut visitor, snapshot("still here")).await;
    assert_eq!(next_binary(&mut agent).await, snapshot("still here"));
    drop((visitor, agent)); // hang up first, so shutdown need not wait for them
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn a_mirror_out_of_step_asks_the_visitor_for_a_snapshot() {
    let relay = start(|_| {}).await;
    let mut tap = relay.handle.subscribe_frames();
    let (mut visitor, key) = start_session(relay.addr).await;
    let mut agent = join(relay.addr, AGENT, PASSWORD, &key).await;
    send(&mut agent, control(&Control::MirrorOutOfStep)).await;
    wait_for_control(&mut visitor, &Control::SnapshotRequested).await;

    let from_agent: Vec<_> = std::iter::from_fn(|| tap.try_recv().ok())
        .filter(|frame| frame.from == Peer::Agent { name: AGENT.into() })
        .map(|frame| (frame.session_key, frame.bytes))
        .collect();
    assert_eq!(from_agent.len(), 2, "the Join and MirrorOutOfStep are on the tap");
    assert_eq!(from_agent[1], (key.clone(), control(&Control::MirrorOutOfStep)));
    let tapped_join = control(&Control::Join { name: AGENT.into(), password: String::new(), key: key.clone() });
    assert_eq!(from_agent[0], (key, tapped_join), "the tap shows the Join with its password blanked");
    drop((visitor, agent)); // hang up first, so shutdown need not wait for them
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn kept_state_past_the_limit_asks_the_visitor_for_a_snapshot_once() {
    let relay = start(|config| config.kept_state_bytes = 4096).await;
    let (mut visitor, _key) = start_session(relay.addr).await;
    let padding = "x".repeat(1000);
    send(&mut visitor, snapshot("small page")).await;
    for n in 0..8 {
        send(&mut visitor, delta(&format!("{n} {padding}"))).await;
    }
    assert_eq!(next_control(&mut visitor).await, Control::SnapshotRequested);
    send(&mut visitor, delta("one more")).await;
    send(&mut visitor, snapshot("fresh page")).await;
    for n in 0..8 {
        send(&mut visitor, delta(&format!("{n} {padding}"))).await;
    }
    // Exactly one request per snapshot: the next message is the request after the fresh snapshot.
    assert_eq!(next_control(&mut visitor).await, Control::SnapshotRequested);
    drop(visitor); // hang up first, so shutdown need not wait for it
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn a_sliced_snapshot_past_the_limit_is_kept_whole_and_asks_for_no_fresh_one() {
    let relay = start(|config| config.kept_state_bytes = 4096).await;
    let (mut visitor, key) = start_session(relay.addr).await;
    let mut early = join(relay.addr, AGENT, PASSWORD, &key).await;
    assert_eq!(next_control(&mut visitor).await, Control::AgentJoined { name: AGENT.into(), agents: 1 });
    let padding = "x".repeat(1000);
    let mut frames = vec![snapshot("the top of a long page")];
    frames.extend((0..8).map(|n| snapshot_part(&format!("part {n} {padding}"))));
    frames.push(delta("typed a"));
    for frame in &frames {
        send(&mut visitor, frame.clone()).await;
    }
    for frame in &frames {
        assert_eq!(&next_binary(&mut early).await, frame, "parts are forwarded in order, as sent");
    }

    let mut late = join(relay.addr, OTHER_AGENT, OTHER_PASSWORD, &key).await;
    for frame in &frames {
        assert_eq!(&next_binary(&mut late).await, frame, "the late agent gets the snapshot, its parts, the delta");
    }
    // Had the 8,000 bytes of parts asked for a snapshot, the request would come before this.
    let joined = Control::AgentJoined { name: OTHER_AGENT.into(), agents: 2 };
    assert_eq!(next_control(&mut visitor).await, joined, "no SnapshotRequested for a sliced snapshot");
    drop((visitor, early, late)); // hang up first, so shutdown need not wait for them
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn a_slow_agent_skips_ahead_without_holding_up_the_others() {
    let relay = start(|config| {
        config.agent_queue_frames = 4;
        // Only the slow agent may cause a snapshot request here.
        config.kept_state_bytes = 1 << 30;
    })
    .await;
    let (mut visitor, key) = start_session(relay.addr).await;
    let slow = join(relay.addr, AGENT, PASSWORD, &key).await; // never reads again
    let mut fast = join(relay.addr, OTHER_AGENT, OTHER_PASSWORD, &key).await;

    // 300 frames of 64 KiB: far more than the slow agent's socket buffers and queue can hold.
    let padding = "x".repeat(64 << 10);
    send(&mut visitor, snapshot("page")).await;
    assert_eq!(next_binary(&mut fast).await, snapshot("page"));
    for n in 0..300 {
        let frame = delta(&format!("{n} {padding}"));
        send(&mut visitor, frame.clone()).await;
        let received = next_binary(&mut fast).await;
        assert!(received == frame, "the fast agent got another frame at {n}");
    }
    wait_for_control(&mut visitor, &Control::SnapshotRequested).await;

    send(&mut visitor, snapshot("fresh page")).await;
    assert_eq!(next_binary(&mut fast).await, snapshot("fresh page"));
    drop((visitor, slow, fast)); // hang up first, so shutdown need not wait for them
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn shutdown_closes_every_socket_with_1001() {
    let relay = start(|_| {}).await;
    let (mut visitor, key) = start_session(relay.addr).await;
    let mut agent = join(relay.addr, AGENT, PASSWORD, &key).await;
    let mut waiting = connect_agent(relay.addr).await; // has not sent Join yet
    let started = Instant::now();
    tokio::time::timeout(PATIENCE, relay.handle.shutdown()).await.expect("shutdown finishes");
    assert!(started.elapsed() < Duration::from_secs(3), "shutdown took {:?}", started.elapsed());
    assert_eq!(expect_close(&mut waiting).await.0, close::GOING_AWAY);
    assert_eq!(expect_close(&mut agent).await.0, close::GOING_AWAY);
    // The visitor may get `AgentJoined` first.
    assert_eq!(expect_close_after(&mut visitor, drop).await.0, close::GOING_AWAY);
    assert!(tokio::net::TcpStream::connect(relay.addr).await.is_err(), "the relay stopped listening");
}
