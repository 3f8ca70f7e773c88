//! A remote agent's socket: an agent signed in here (password or token, rate limits, its sites: all
//! checked by `agent.rs` as for any agent) for a session whose visitor is connected to another node,
//! its *home*. This task asks the home node to join it (`Wire::Join`), sends the agent what the home
//! node sends for it, as the same bytes, and forwards the agent's control messages there. Heartbeats and
//! the tap are this node's, as for a local agent.

use super::engine::{Delivery, Home, RedisNode};
use super::wire::Wire;
use crate::close::{finish, Connection, Ending};
use crate::frames::next_frame;
use crate::heartbeat::{self, Heard, Heartbeat};
use crate::metrics::Direction;
use crate::state::RelayState;
use crate::tap::Peer;
use crate::websocket::WebSocket;
use bytes::Bytes;
use cobrowse_protocol::message::decode_control;
use cobrowse_protocol::{close, frame, FrameKind};
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::SinkExt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::Receiver;
use warp::ws::Message;

/// How long the home node may take to answer a join before the agent is told to try again.
const HOME_ANSWER: Duration = Duration::from_secs(5);

/// The agent, as `agent.rs` admitted it.
pub(crate) struct Admitted {
    pub name: String,
    pub key: String,
    pub home: Home,
    pub client: SocketAddr,
}

/// Serves the agent's socket until it or its home node ends it.
pub(crate) async fn serve(
    (mut sink, mut stream): (SplitSink<WebSocket, Message>, SplitStream<WebSocket>),
    state: &RelayState,
    here: &Arc<RedisNode>,
    admitted: Admitted,
    heard: &Heard,
) {
    let Admitted { name, key, home, client } = admitted;
    let (conn, deliveries) = here.connect_agent(&home.node, &key, state.config.agent_queue_frames);
    here.send(&home.node, &Wire::Join { from: here.id.clone(), conn, name: name.clone(), key: key.clone() });
    state.metrics.agent_watching(true);
    let heartbeat = state.heartbeat();
    let peer = Peer::Agent { name: name.clone() };
    let to = Peer::ToAgent { name: name.clone() };
    let mut shutdown = state.shutdown.clone();
    let ending = tokio::select! {
        biased;
        () = shutdown.requested() => Ending::close(close::GOING_AWAY, "the relay is shutting down; join again in a moment"),
        ending = deliver(&mut sink, deliveries, (state, &key, &to), heartbeat) => ending,
        ending = forward(&mut stream, here, (&home.node, conn), (state, &key, &peer), heard) => ending,
        ending = heartbeat::silence(heard, heartbeat) => ending,
        ending = home_stopped(here, &home.node) => ending,
    };
    // Said even when the home node let it go: it then finds no task for it, and nothing happens.
    here.send(&home.node, &Wire::Leave { from: here.id.clone(), conn });
    here.disconnect_agent(conn, &home.node, &key);
    state.metrics.agent_watching(false);
    finish(&mut sink, &mut stream, &ending, Connection { peer: &peer, key: &key, client }).await;
}

/// Resolves when the home node no longer says it is alive (it was killed): the agent joins again, and
/// finds the session on the node its visitor resumed on.
async fn home_stopped(here: &Arc<RedisNode>, home: &str) -> Ending {
    super::liveness::until_stopped(here, home).await;
    Ending::close(close::TRY_AGAIN_LATER, "the relay node holding this session stopped; join again")
}

/// Sends the agent what its home node sends for it, and the heartbeat's pings; the first delivery must
/// come within [`HOME_ANSWER`].
async fn deliver(
    sink: &mut SplitSink<WebSocket, Message>,
    mut deliveries: Receiver<Delivery>,
    (state, key, to): (&RelayState, &str, &Peer),
    heartbeat: Heartbeat,
) -> Ending {
    let mut pings = heartbeat.pings();
    let mut answered = false;
    let no_answer = tokio::time::sleep(HOME_ANSWER);
    tokio::pin!(no_answer);
    loop {
        let delivery = tokio::select! {
            delivery = deliveries.recv() => delivery,
            () = &mut no_answer, if !answered => {
                return Ending::close(close::TRY_AGAIN_LATER, "the relay node holding this session does not answer; join again in a moment");
            }
            _ = pings.tick() => {
                if sink.send(Message::ping(Vec::new())).await.is_err() {
                    return Ending::PeerLeft;
                }
                continue;
            }
        };
        answered = true;
        match delivery {
            Some(Delivery::Frame(frame)) => {
                state.tap.publish(key, to, &frame);
                state.metrics.frame_bytes(Direction::Out, &frame);
                if sink.send(Message::binary(frame)).await.is_err() {
                    return Ending::PeerLeft;
                }
            }
            Some(Delivery::Closed { code, reason }) => return Ending::close(code, reason),
            // Let go by `RedisNode::deliver`: this agent fell too far behind.
            None => {
                return Ending::close(
                    close::TRY_AGAIN_LATER,
                    "your connection fell behind the visitor's page; join again",
                )
            }
        }
    }
}

/// Reads what the agent sends and forwards its control messages to the home node.
async fn forward(
    stream: &mut SplitStream<WebSocket>,
    here: &RedisNode,
    (home, conn): (&str, u64),
    (state, key, peer): (&RelayState, &str, &Peer),
    heard: &Heard,
) -> Ending {
    loop {
        let bytes: Bytes = match next_frame(stream, state.config.limits.agent_message_bytes, heard).await {
            Ok(bytes) => bytes,
            Err(ending) => return ending,
        };
        state.tap.publish(key, peer, &bytes);
        state.metrics.frame_bytes(Direction::In, &bytes);
        match frame::parse(&bytes) {
            Err(error) => return Ending::bad_input(close::MALFORMED_FRAME, error.to_string()),
            Ok((FrameKind::Snapshot | FrameKind::SnapshotPart | FrameKind::Delta, _)) => {
                return Ending::bad_input(close::UNEXPECTED_MESSAGE, "agents may not send page frames")
            }
            Ok((FrameKind::Asset, _)) => {
                return Ending::bad_input(close::UNEXPECTED_MESSAGE, "agents may not upload assets")
            }
            Ok((FrameKind::Control, _)) => {
                if let Err(error) = decode_control(&bytes) {
                    return Ending::bad_input(close::MALFORMED_FRAME, error.to_string());
                }
                here.send(home, &Wire::FromAgent { from: here.id.clone(), conn, frame: bytes.to_vec() });
            }
        }
    }
}
