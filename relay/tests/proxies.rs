//! `trusted_proxies`: a request's client is its TCP peer, unless that peer is a trusted proxy, whose
//! `X-Forwarded-For` then names the client. The client address is what the logs (and the join limit)
//! see; the relay's tasks run on the test's thread, so its log events are captured there.

mod captured_logs;
mod common;

use captured_logs::CapturedLogs;
use cobrowse_protocol::Control;
use cobrowse_relay::Cidr;
use common::*;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// A visitor of site "demo" whose upgrade request carries `X-Forwarded-For: forwarded_for`; returns once
/// its session has started.
async fn visitor_forwarded_for(relay: &TestRelay, forwarded_for: &str) -> Socket {
    let mut request = format!("ws://{}/ws/visitor?site=demo", relay.addr).into_client_request().unwrap();
    request.headers_mut().insert("x-forwarded-for", forwarded_for.parse().unwrap());
    let (mut socket, _response) = tokio_tungstenite::connect_async(request).await.expect("the visitor connects");
    assert!(matches!(next_control(&mut socket).await, Control::SessionStarted { .. }));
    socket
}

fn ranges(ranges: &[&str]) -> Vec<Cidr> {
    ranges.iter().map(|range| range.parse().unwrap()).collect()
}

#[tokio::test]
async fn an_untrusted_peer_s_forwarded_for_is_ignored() {
    let logs = CapturedLogs::start();
    let relay = start(|config| config.trusted_proxies = ranges(&["10.0.0.0/8"])).await;
    let _visitor = visitor_forwarded_for(&relay, "203.0.113.7").await;
    assert!(logs.mention("client=127.0.0.1:"), "the peer is the client: {:?}", logs.relay_events());
    assert!(!logs.mention("203.0.113.7"), "the header was believed: {:?}", logs.relay_events());
}

#[tokio::test]
async fn no_trusted_proxies_means_no_header_is_believed() {
    let logs = CapturedLogs::start();
    let relay = start(|_| {}).await;
    let _visitor = visitor_forwarded_for(&relay, "203.0.113.7").await;
    assert!(logs.mention("client=127.0.0.1:"), "{:?}", logs.relay_events());
    assert!(!logs.mention("203.0.113.7"), "{:?}", logs.relay_events());
}

#[tokio::test]
async fn a_trusted_peer_s_forwarded_for_names_the_client() {
    let logs = CapturedLogs::start();
    let relay = start(|config| config.trusted_proxies = ranges(&["127.0.0.0/8"])).await;
    let _visitor = visitor_forwarded_for(&relay, "203.0.113.7").await;
    assert!(logs.mention("client=203.0.113.7:0"), "{:?}", logs.relay_events());
    assert!(!logs.mention("client=127.0.0.1"), "{:?}", logs.relay_events());
}

#[tokio::test]
async fn a_chain_is_read_from_the_right_past_trusted_proxies() {
    let logs = CapturedLogs::start();
    let relay = start(|config| config.trusted_proxies = ranges(&["127.0.0.0/8", "10.0.0.0/8"])).await;
    // The client forged the first entry; a trusted proxy at 10.1.1.1 added the one after the client's.
    let _visitor = visitor_forwarded_for(&relay, "198.51.100.9, 203.0.113.7, 10.1.1.1").await;
    assert!(logs.mention("client=203.0.113.7:0"), "{:?}", logs.relay_events());
    assert!(!logs.mention("198.51.100.9"), "a forged entry was believed: {:?}", logs.relay_events());
    assert!(!logs.mention("client=10.1.1.1"), "{:?}", logs.relay_events());
}
