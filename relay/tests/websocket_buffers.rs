//! The relay's own WebSocket upgrade and socket (`upgrade.rs`, `websocket.rs`): a long page frame crosses
//! the small read buffer whole and reaches an agent as a fragmented message (no frame over 16 KiB, so no
//! write buffer grows to a snapshot), and an opening request that cannot be upgraded is told why.

mod common;

use bytes::Bytes;
use cobrowse_protocol::frame::{self, FrameKind};
use cobrowse_protocol::Control;
use common::*;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

/// The largest frame the test's agent accepts: a relay sending a long message as one frame fails it.
const AGENT_MAX_FRAME_BYTES: usize = 20 * 1024;

/// A page frame of `bytes` that do not repeat, so a misplaced fragment shows.
fn long_frame(kind: FrameKind, bytes: usize, seed: u32) -> Bytes {
    let payload: Vec<u8> = (0..bytes as u32).map(|index| (index.wrapping_mul(2_654_435_761) ^ seed) as u8).collect();
    Bytes::from(frame::encode(kind, &payload))
}

/// An agent whose socket refuses frames over [`AGENT_MAX_FRAME_BYTES`], joined to `key`.
async fn join_with_small_frames(relay: &TestRelay, key: &str) -> Socket {
    let config = WebSocketConfig::default().max_frame_size(Some(AGENT_MAX_FRAME_BYTES)).max_message_size(None);
    let url = format!("ws://{}/ws/agent", relay.addr);
    let (mut agent, _response) =
        tokio_tungstenite::connect_async_with_config(url, Some(config), false).await.expect("the agent connects");
    send_join(&mut agent, AGENT, PASSWORD, key).await;
    assert!(matches!(next_control(&mut agent).await, Control::Joined { .. }));
    assert!(matches!(next_control(&mut agent).await, Control::VisitorTab { .. }));
    agent
}

#[tokio::test]
async fn long_snapshots_reach_agents_whole_in_fragments_kept_and_live() {
    let relay = start(|_| {}).await;
    let (mut visitor, key) = start_session(relay.addr).await;
    let kept = long_frame(FrameKind::Snapshot, 300 * 1024, 1);
    let kept_delta = long_frame(FrameKind::Delta, 40 * 1024, 2);
    send(&mut visitor, kept.clone()).await;
    send(&mut visitor, kept_delta.clone()).await;

    let mut agent = join_with_small_frames(&relay, &key).await;
    assert!(next_binary(&mut agent).await == kept, "the kept snapshot arrives byte for byte");
    assert!(next_binary(&mut agent).await == kept_delta, "the kept delta arrives byte for byte");

    let live = long_frame(FrameKind::Snapshot, 200 * 1024 + 7, 3);
    let short = long_frame(FrameKind::Delta, 1000, 4);
    send(&mut visitor, live.clone()).await;
    send(&mut visitor, short.clone()).await;
    assert!(next_binary(&mut agent).await == live, "the live snapshot arrives byte for byte");
    assert_eq!(next_binary(&mut agent).await, short, "a short frame after it is unharmed");
    drop((visitor, agent));
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn an_opening_request_without_connection_upgrade_is_told_what_is_missing() {
    let relay = start(|_| {}).await;
    let headers = "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
    for path in ["/ws/agent", "/ws/visitor?site=demo"] {
        let response = http_get_with(TcpStream::connect(relay.addr).await.unwrap(), path, headers).await;
        assert_eq!(response.status, 400, "{path}");
        let body = String::from_utf8_lossy(&response.body);
        assert!(body.contains("Connection: Upgrade"), "{path}: {body}");
    }
    relay.handle.shutdown().await;
}
