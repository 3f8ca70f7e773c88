//! The agent's WebSocket (`/ws/agent`): signs the agent in, joins it to a session, and forwards the
//! session's frames to it.
//!
//! The first message must be `Control::Join { name, password, key }`, within [`JOIN_TIMEOUT`]. The relay
//! checks, in this order, the address's join allowance, the name and password, and the key, and writes
//! an audit line for every attempt (never the password). Once joined, the agent gets `Joined`, then the
//! session's asset announcements (`Control::Asset`), the kept snapshot and deltas, then live frames
//! from its own bounded queue. An agent may send only
//! `MirrorOutOfStep` after joining.

use crate::close::{finish, Connection, Ending};
use crate::frames::{first_control, first_frame, next_frame};
use crate::heartbeat::{self, Heard, Heartbeat};
use crate::session::{AgentLink, Session};
use crate::state::RelayState;
use crate::tap::Peer;
use crate::visitor::control_name;
use bytes::Bytes;
use cobrowse_protocol::message::{decode_control, encode_control};
use cobrowse_protocol::{close, frame, Control, FrameKind};
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use warp::ws::{Message, WebSocket};

/// How long an agent has to send `Join` after connecting.
const JOIN_TIMEOUT: Duration = Duration::from_secs(10);

/// How long an agent may take to read the frames still queued for it after its session ended.
const ENDED_SESSION_GRACE: Duration = Duration::from_secs(10);

/// An agent that got into a session.
struct Admitted {
    name: String,
    session: Arc<Session>,
    link: AgentLink,
}

pub(crate) async fn serve(socket: WebSocket, state: Arc<RelayState>, client: SocketAddr) {
    let (mut sink, mut stream) = socket.split();
    let mut shutdown = state.shutdown.clone();
    let heard = Heard::now();
    let heartbeat = state.heartbeat();
    let admitted = tokio::select! {
        admitted = admit(&mut stream, &state, client, &heard) => admitted,
        () = shutdown.requested() => Err(Ending::close(close::GOING_AWAY, "the relay is shutting down; join again in a moment")),
    };
    let Admitted { name, session, mut link } = match admitted {
        Ok(admitted) => admitted,
        Err(ending) => {
            let peer = Peer::Agent { name: String::new() };
            return finish(&mut sink, &mut stream, &ending, Connection { peer: &peer, key: "", client }).await;
        }
    };
    let peer = Peer::Agent { name };

    let ending = tokio::select! {
        biased;
        () = shutdown.requested() => Ending::close(close::GOING_AWAY, "the relay is shutting down"),
        ending = send_frames(&mut sink, &session, &mut link, heartbeat) => ending,
        ending = read_messages(&mut stream, &session, &state, &peer, &heard) => ending,
        ending = heartbeat::silence(&heard, heartbeat) => ending,
        ending = give_up_after_end(&session) => ending,
    };

    session.leave(link.id);
    finish(&mut sink, &mut stream, &ending, Connection { peer: &peer, key: session.key(), client }).await;
}

/// Reads the `Join`, checks it, and joins the session; otherwise, how the connection ends.
async fn admit(
    stream: &mut SplitStream<WebSocket>,
    state: &RelayState,
    client: SocketAddr,
    heard: &Heard,
) -> Result<Admitted, Ending> {
    let first = first_frame(stream, state.config.max_frame_bytes, heard, JOIN_TIMEOUT, "Join").await?;
    let (name, password, key) = read_join(&first, state)?;
    let audit = |outcome: &str| tracing::info!(target: "cobrowse_relay::audit", agent = name, ip = %client.ip(), key, outcome, "join attempt");

    if !state.join_limiter.try_acquire(client.ip()) {
        audit("too many attempts");
        return Err(Ending::close(
            close::TOO_MANY_ATTEMPTS,
            "too many join attempts from your address; wait a minute and try again",
        ));
    }
    if !state.accounts.verify(&name, &password).await {
        audit("wrong name or password");
        return Err(Ending::close(close::AUTH_FAILED, "wrong agent name or password"));
    }
    let joined = state.registry.find(&key).and_then(|session| session.join(&name).map(|link| (session, link)));
    let Some((session, link)) = joined else {
        audit("unknown key");
        return Err(Ending::close(
            close::UNKNOWN_KEY,
            format!("no live session has the key {key}; check the digits with the visitor"),
        ));
    };
    audit("joined");
    Ok(Admitted { name, session, link })
}

/// The fields of a `Join`, or how the connection ends if the first frame is not one. The frame goes on
/// the tap either way; a `Join` with its password blanked, so no audit stream ever holds one.
fn read_join(first: &Bytes, state: &RelayState) -> Result<(String, String, String), Ending> {
    let control = first_control(first, "Join");
    match &control {
        Ok(Control::Join { name, key, .. }) => {
            let redacted = Control::Join { name: name.clone(), password: String::new(), key: key.clone() };
            let bytes = Bytes::from(encode_control(&redacted));
            state.tap.publish(key, &Peer::Agent { name: name.clone() }, &bytes);
        }
        _ => state.tap.publish("", &Peer::Agent { name: String::new() }, first),
    }
    match control? {
        Control::Join { name, password, key } => Ok((name, password, key)),
        other => Err(Ending::bad_input(
            close::UNEXPECTED_MESSAGE,
            format!("the first message must be Join, not {}", control_name(&other)),
        )),
    }
}

/// Sends `Joined`, the catch-up frames, then live frames and the heartbeat's pings, until the session ends
/// or the socket fails.
async fn send_frames(
    sink: &mut SplitSink<WebSocket, Message>,
    session: &Session,
    link: &mut AgentLink,
    heartbeat: Heartbeat,
) -> Ending {
    let joined = Message::binary(encode_control(&Control::Joined { key: session.key().to_owned(), agent: link.id }));
    if sink.send(joined).await.is_err() {
        return Ending::PeerLeft;
    }
    for frame in std::mem::take(&mut link.catch_up) {
        if sink.send(Message::binary(frame)).await.is_err() {
            return Ending::PeerLeft;
        }
    }
    let mut pings = heartbeat.pings();
    loop {
        let frame = tokio::select! {
            frame = link.queue.recv() => match frame {
                Some(frame) => frame,
                None => break,
            },
            _ = pings.tick() => {
                if sink.send(Message::ping(Vec::new())).await.is_err() {
                    return Ending::PeerLeft;
                }
                continue;
            }
        };
        if sink.send(Message::binary(frame)).await.is_err() {
            return Ending::PeerLeft;
        }
        if link.queue.is_empty() && link.lagging.load(Ordering::Relaxed) {
            // It skipped deltas and has now caught up: it needs a snapshot to go on.
            session.request_snapshot("a lagging agent caught up");
        }
    }
    Ending::Close(session.end_reason())
}

/// Reads what the agent sends after joining: only `MirrorOutOfStep` is allowed.
async fn read_messages(
    stream: &mut SplitStream<WebSocket>,
    session: &Session,
    state: &RelayState,
    peer: &Peer,
    heard: &Heard,
) -> Ending {
    loop {
        let bytes = match next_frame(stream, state.config.max_frame_bytes, heard).await {
            Ok(bytes) => bytes,
            Err(ending) => return ending,
        };
        state.tap.publish(session.key(), peer, &bytes);
        match frame::parse(&bytes) {
            Err(error) => return Ending::bad_input(close::MALFORMED_FRAME, error.to_string()),
            Ok((FrameKind::Snapshot | FrameKind::Delta, _)) => {
                return Ending::bad_input(close::UNEXPECTED_MESSAGE, "agents may not send page frames")
            }
            Ok((FrameKind::Asset, _)) => {
                return Ending::bad_input(close::UNEXPECTED_MESSAGE, "agents may not upload assets")
            }
            Ok((FrameKind::Control, _)) => match decode_control(&bytes) {
                Ok(Control::MirrorOutOfStep) => session.request_snapshot("an agent's mirror is out of step"),
                Ok(other) => {
                    return Ending::bad_input(
                        close::UNEXPECTED_MESSAGE,
                        format!("an agent may not send {} after joining", control_name(&other)),
                    )
                }
                Err(error) => return Ending::bad_input(close::MALFORMED_FRAME, error.to_string()),
            },
        }
    }
}

/// After the session ends, an agent that does not take its remaining frames is closed anyway.
async fn give_up_after_end(session: &Session) -> Ending {
    session.ended().await;
    tokio::time::sleep(ENDED_SESSION_GRACE).await;
    Ending::Close(session.end_reason())
}
