//! Heartbeats over real sockets: a peer that stops answering the relay's pings is closed within the
//! timeout (and a silent visitor's session ends for its agents), while one that answers stays as long as
//! it likes. Test sockets answer pings only while they are read, as a browser answers them while alive.

mod common;

use cobrowse_protocol::{close, Control};
use common::*;
use futures_util::StreamExt;
use std::time::Duration;

const INTERVAL: Duration = Duration::from_millis(100);
const TIMEOUT: Duration = Duration::from_millis(400);

fn quick_heartbeats(config: &mut cobrowse_relay::Config) {
    config.heartbeat_interval = INTERVAL;
    config.heartbeat_timeout = TIMEOUT;
}

/// Reads (and so answers pings on) `socket` for `duration`; panics if it closes meanwhile.
async fn stay_alive_for(socket: &mut Socket, duration: Duration) {
    let _ = tokio::time::timeout(duration, async {
        loop {
            match socket.next().await {
                Some(Ok(message)) if message.is_close() => panic!("closed while answering pings: {message:?}"),
                Some(Ok(_)) => continue,
                other => panic!("the socket ended while answering pings: {other:?}"),
            }
        }
    })
    .await;
}

#[tokio::test]
async fn a_silent_visitor_is_closed_and_its_session_ends_for_the_agents_after_the_grace_period() {
    let relay = start(|config| {
        quick_heartbeats(config);
        config.resume_grace = Duration::from_millis(300);
    })
    .await;
    let (visitor, key) = start_session(relay.addr).await;
    let mut agent = join(relay.addr, AGENT, PASSWORD, &key).await;
    // The visitor is never read again: its pings go unanswered, like a laptop whose lid was shut.
    assert_eq!(next_control(&mut agent).await, Control::VisitorAway { navigating: false });
    let (code, reason) = expect_close_after(&mut agent, |_| {}).await;
    assert_eq!(code, close::SESSION_ENDED, "{reason}");
    assert!(reason.contains("did not come back"), "{reason}");
    let mut late = connect_agent(relay.addr).await;
    send_join(&mut late, AGENT, PASSWORD, &key).await;
    assert_eq!(expect_close(&mut late).await.0, close::UNKNOWN_KEY, "the key stops working at once");
    drop(visitor);
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn a_silent_agent_is_closed_with_peer_silent_and_the_visitor_told_it_left() {
    let relay = start(quick_heartbeats).await;
    let (mut visitor, key) = start_session(relay.addr).await;
    let agent = join(relay.addr, AGENT, PASSWORD, &key).await;
    assert_eq!(next_control(&mut visitor).await, Control::AgentJoined { name: AGENT.into(), agents: 1 });
    // The agent is never read again; the visitor keeps answering.
    let left =
        tokio::time::timeout(TIMEOUT * 5, next_control(&mut visitor)).await.expect("the agent is dropped in time");
    assert_eq!(left, Control::AgentLeft { name: AGENT.into(), agents: 0 });
    drop(agent);
    drop(visitor);
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn peers_that_answer_pings_stay_connected_well_past_the_timeout() {
    let relay = start(quick_heartbeats).await;
    let (mut visitor, key) = start_session(relay.addr).await;
    let mut agent = join(relay.addr, AGENT, PASSWORD, &key).await;
    tokio::join!(stay_alive_for(&mut visitor, TIMEOUT * 4), stay_alive_for(&mut agent, TIMEOUT * 4));
    send(&mut visitor, snapshot("still here")).await;
    assert_eq!(next_binary(&mut agent).await, snapshot("still here"), "the session still forwards frames");
    drop((visitor, agent));
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn a_timeout_not_longer_than_the_interval_is_refused_naming_the_field() {
    let mut config = cobrowse_relay::Config::development(Some("pw".into()));
    config.heartbeat_interval = Duration::from_secs(30);
    config.heartbeat_timeout = Duration::from_secs(30);
    let error = config.validate("test").unwrap_err().to_string();
    assert!(error.contains("heartbeat_timeout_secs"), "{error}");
}
