//! The agent's WebSocket (`/ws/agent`): signs the agent in, joins it to a session, and forwards the
//! session's frames to it.
//!
//! The first message must be `Control::Join { name, password, key }` or `Control::JoinWithToken { token,
//! key }`, within `limits.first_message_secs` and `limits.first_message_bytes`. The relay checks, in this
//! order, whether the address or account must wait after failed joins (`rate_limit.rs`), the password
//! (argon2, through the gate of `gate.rs`) or the token (`tokens.rs`), and the key (a key of a site the
//! agent does not serve counts as unknown), and writes an audit line for every attempt (never the
//! password). A right password gets `SignedIn { token }` first, so later joins skip the password check.
//! Where the site asks the visitor's consent, the
//! agent then gets `AwaitingConsent` and nothing else (pings aside) until the visitor answers: `Joined`
//! follows an Allow, `ConsentDeclined` and a close with `CONSENT_DECLINED` a Decline. Once joined, the
//! agent gets `Joined`, then the session's asset announcements (`Control::Asset`), the kept snapshot and
//! deltas, then live frames from its own bounded queue. After joining, an agent may send
//! `MirrorOutOfStep` and the support call's messages (pointer, highlight, drawing, control; see
//! `call.rs`). When the visitor stops sharing with a watching agent (`Dismiss`), it gets `ConsentDeclined`
//! at once (what its queue still holds is dropped) and a close with `CONSENT_DECLINED` and the reason
//! `close::STOPPED_SHARING`. Every frame sent to an agent goes on the tap as `Peer::ToAgent`.

use crate::close::{finish, Connection, Ending};
use crate::cluster::engine::Located;
use crate::events::{Event, What};
use crate::frames::{first_control, first_frame, next_frame};
use crate::gate::Busy;
use crate::heartbeat::{self, Heard, Heartbeat};
use crate::metrics::{Direction, JoinOutcome, Metrics};
use crate::rate_limit::{Failure, Scope};
use crate::session::{AgentLink, Joining, Session};
use crate::state::RelayState;
use crate::tap::Peer;
use crate::websocket::WebSocket;
use bytes::Bytes;
use cobrowse_protocol::message::{decode_control, encode_control};
use cobrowse_protocol::{close, frame, AgentId, Control, FrameKind};
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use warp::ws::Message;

/// The most characters of a key the agent sent that its close reason repeats.
const KEY_CHARS_IN_REASONS: usize = 16;

/// How long an agent may take to read the frames still queued for it after its session ended.
const ENDED_SESSION_GRACE: Duration = Duration::from_secs(10);

/// An agent that signed in to a session (it may still wait for the visitor's consent).
struct Admitted {
    name: String,
    session: Arc<Session>,
    joining: Joining,
}

/// Where an admitted agent watches: a session here, or one whose visitor is on another node.
enum Found {
    Here(Admitted),
    Elsewhere(crate::cluster::RemoteAgent),
}

/// Where frames sent to one agent go on the tap.
struct Outgoing<'a> {
    tap: &'a crate::tap::Tap,
    metrics: &'a Metrics,
    key: &'a str,
    to: Peer,
}

impl Outgoing<'_> {
    /// Sends `frame` to the agent, counts it and puts it on the tap; false if the socket failed.
    async fn send(&self, sink: &mut SplitSink<WebSocket, Message>, frame: Bytes) -> bool {
        self.tap.publish(self.key, &self.to, &frame);
        self.metrics.frame_bytes(Direction::Out, &frame);
        sink.send(Message::binary(frame)).await.is_ok()
    }
}

pub(crate) async fn serve(socket: WebSocket, state: Arc<RelayState>, client: SocketAddr) {
    let (mut sink, mut stream) = socket.split();
    let mut shutdown = state.shutdown.clone();
    let heard = Heard::now();
    let heartbeat = state.heartbeat();
    let mut issued = None;
    let admitted = {
        let Some(_unauthenticated) = state.caps.unauthenticated.enter(crate::caps::address_group(client.ip())) else {
            let ending = Ending::close(
                close::AT_CAPACITY,
                "too many connections from this address are still signing in; try again in 10 s",
            );
            let peer = Peer::Agent { name: String::new() };
            return finish(&mut sink, &mut stream, &ending, Connection { peer: &peer, key: "", client }).await;
        };
        tokio::select! {
            admitted = admit(&mut stream, &state, client, &heard, &mut issued) => admitted,
            () = shutdown.requested() => Err(Ending::close(close::GOING_AWAY, "the relay is shutting down; join again in a moment")),
        }
    };
    if let Some(token) = issued {
        // Not on the tap: the token signs the agent in, like its password, which no audit stream holds.
        let valid_secs = u32::try_from(state.tokens.ttl().as_secs()).unwrap_or(u32::MAX);
        let _ = sink.send(Message::binary(encode_control(&Control::SignedIn { token, valid_secs }))).await;
    }
    let Admitted { name, session, joining } = match admitted {
        Ok(Found::Here(admitted)) => admitted,
        Ok(Found::Elsewhere(remote)) => {
            let Some(node) = state.engine.node() else { return };
            return crate::cluster::serve_remote_agent((sink, stream), &state, node, remote, &heard).await;
        }
        Err(ending) => {
            if let Some(reason) = ending.close_reason() {
                state.metrics.refused(reason.code);
            }
            let peer = Peer::Agent { name: String::new() };
            return finish(&mut sink, &mut stream, &ending, Connection { peer: &peer, key: "", client }).await;
        }
    };
    let peer = Peer::Agent { name: name.clone() };
    let outgoing = Outgoing {
        tap: &state.tap,
        metrics: &state.metrics,
        key: session.key(),
        to: Peer::ToAgent { name: name.clone() },
    };
    let connection = Connection { peer: &peer, key: session.key(), client };
    let mut link = match joining {
        Joining::Watching(link) => link,
        Joining::Declined => {
            audit_consent(&name, client, session.key(), "declined earlier in this session");
            state.metrics.refused(close::CONSENT_DECLINED);
            let reason = "the visitor declined this agent earlier in the session".into();
            state.events.record(Event::of(&session, What::AgentRefused { reason }).agent(&name));
            let _ = outgoing.send(&mut sink, Bytes::from(encode_control(&Control::ConsentDeclined))).await;
            return finish(&mut sink, &mut stream, &declined(), connection).await;
        }
        Joining::Asking { agent, answer } => {
            let waited = tokio::select! {
                biased;
                () = shutdown.requested() => Err(Ending::close(close::GOING_AWAY, "the relay is shutting down; join again in a moment")),
                waited = await_consent(&mut sink, &mut stream, &outgoing, &session, (agent, &name), answer, &state, &heard) => waited,
            };
            match waited {
                Ok(link) => {
                    audit_consent(&name, client, session.key(), "allowed by the visitor");
                    state.metrics.join(JoinOutcome::Joined);
                    state.events.record(Event::of(&session, What::ConsentDecided { allowed: true }).agent(&name));
                    link
                }
                Err(ending) => {
                    if ending.close_reason().is_some_and(|reason| reason.code == close::CONSENT_DECLINED) {
                        state.metrics.join(JoinOutcome::ConsentDeclined);
                        state.metrics.refused(close::CONSENT_DECLINED);
                        state.events.record(Event::of(&session, What::ConsentDecided { allowed: false }).agent(&name));
                    }
                    session.stop_waiting(agent);
                    return finish(&mut sink, &mut stream, &ending, connection).await;
                }
            }
        }
    };

    let agent = link.id;
    state.metrics.agent_watching(true);
    state.events.record(Event::of(&session, What::AgentJoined).agent(&name));
    let dismissed = std::mem::replace(&mut link.dismissed, tokio::sync::oneshot::channel().1);
    let ending = tokio::select! {
        biased;
        () = shutdown.requested() => Ending::close(close::GOING_AWAY, "the relay is shutting down"),
        Ok(()) = dismissed => {
            audit_consent(&name, client, session.key(), "the visitor stopped sharing");
            // What its queue still holds is dropped: the visitor stopped sharing now, not after it.
            let _ = outgoing.send(&mut sink, Bytes::from(encode_control(&Control::ConsentDeclined))).await;
            Ending::close(close::CONSENT_DECLINED, close::STOPPED_SHARING)
        }
        ending = send_frames(&mut sink, &outgoing, &session, &mut link, heartbeat) => ending,
        ending = read_messages(&mut stream, &session, agent, &state, &peer, &heard) => ending,
        ending = heartbeat::silence(&heard, heartbeat) => ending,
        ending = give_up_after_end(&session) => ending,
    };

    session.leave(agent);
    crate::cluster::remember_changes(&state, &session);
    state.metrics.agent_watching(false);
    state.events.record(Event::of(&session, What::AgentLeft).agent(&name));
    finish(&mut sink, &mut stream, &ending, connection).await;
}

/// How an agent the visitor declined is let go.
fn declined() -> Ending {
    Ending::close(close::CONSENT_DECLINED, "the visitor declined to let you watch")
}

fn audit_consent(name: &str, client: SocketAddr, key: &str, outcome: &str) {
    tracing::info!(target: "cobrowse_relay::audit", agent = name, ip = %client.ip(), key, outcome, "consent");
}

/// Tells the agent it waits for the visitor's consent, keeps its connection alive, and returns its link
/// once the visitor allows it; otherwise how the connection ends (declined, the agent left or went
/// silent, the session ended).
#[allow(clippy::too_many_arguments)]
async fn await_consent(
    sink: &mut SplitSink<WebSocket, Message>,
    stream: &mut SplitStream<WebSocket>,
    outgoing: &Outgoing<'_>,
    session: &Session,
    (agent, name): (AgentId, &str),
    answer: tokio::sync::oneshot::Receiver<bool>,
    state: &RelayState,
    heard: &Heard,
) -> Result<AgentLink, Ending> {
    if !outgoing.send(sink, Bytes::from(encode_control(&Control::AwaitingConsent))).await {
        return Err(Ending::PeerLeft);
    }
    let heartbeat = state.heartbeat();
    let allowed = tokio::select! {
        answer = answer => answer.map_err(|_| Ending::Close(session.end_reason()))?,
        ending = keep_alive(sink, heartbeat) => return Err(ending),
        ending = ignore_messages(stream, state, heard) => return Err(ending),
        ending = heartbeat::silence(heard, heartbeat) => return Err(ending),
    };
    if !allowed {
        let _ = outgoing.send(sink, Bytes::from(encode_control(&Control::ConsentDeclined))).await;
        return Err(declined());
    }
    session.watch_after_consent(agent, name).ok_or_else(|| Ending::Close(session.end_reason()))
}

/// Sends the heartbeat's pings until the socket fails.
async fn keep_alive(sink: &mut SplitSink<WebSocket, Message>, heartbeat: Heartbeat) -> Ending {
    let mut pings = heartbeat.pings();
    loop {
        pings.tick().await;
        if sink.send(Message::ping(Vec::new())).await.is_err() {
            return Ending::PeerLeft;
        }
    }
}

/// Reads (and drops) what a waiting agent sends, until its connection ends: nothing it sends counts
/// before the visitor allows it.
async fn ignore_messages(stream: &mut SplitStream<WebSocket>, state: &RelayState, heard: &Heard) -> Ending {
    loop {
        if let Err(ending) = next_frame(stream, state.config.limits.agent_message_bytes, heard).await {
            return ending;
        }
    }
}

/// How an agent signs in: with its password, or with the token an earlier password sign-in gave it.
enum Credentials {
    Password { name: String, password: String },
    Token(String),
}

/// Reads the `Join` (or `JoinWithToken`), checks it, and joins the session; otherwise, how the connection
/// ends. A password that was right gets a session token in `issued`, even if the key then is not.
async fn admit(
    stream: &mut SplitStream<WebSocket>,
    state: &RelayState,
    client: SocketAddr,
    heard: &Heard,
    issued: &mut Option<String>,
) -> Result<Found, Ending> {
    let limits = &state.config.limits;
    let first = first_frame(stream, limits.agent_message_bytes, heard, limits.first_message_timeout, "Join").await?;
    check_first_message_size(&first, limits.first_message_bytes)?;
    let (credentials, key) = read_join(&first, state).inspect_err(|_| state.metrics.join(JoinOutcome::BadJoin))?;
    let named = match &credentials {
        Credentials::Password { name, .. } => name.as_str(),
        Credentials::Token(_) => "",
    };
    // Names and keys are the client's words: bounded, so a log line never carries kilobytes of them.
    let logged_key = crate::logging::bounded(&key);
    let audit = |name: &str, outcome: &str| tracing::info!(target: "cobrowse_relay::audit", agent = &*crate::logging::bounded(name), ip = %client.ip(), key = &*logged_key, outcome, "join attempt");
    let refused = |name: &str, outcome: JoinOutcome, reason: &str| {
        audit(name, reason);
        state.metrics.join(outcome);
        state.events.record(Event::outside_sessions(What::AgentRefused { reason: reason.into() }).agent(name));
    };
    let address = Scope::address(client.ip());
    let mut checks = vec![(Failure::WrongPassword, address.clone()), (Failure::UnknownKey, address.clone())];
    if !named.is_empty() {
        checks.extend([(Failure::WrongPassword, Scope::account(named)), (Failure::UnknownKey, Scope::account(named))]);
    }
    state.join_limiter.check(&checks).map_err(|waiting| {
        refused(named, JoinOutcome::TooManyAttempts, "waiting after too many failures");
        Ending::close(close::TOO_MANY_ATTEMPTS, waiting.reason())
    })?;
    let name = match credentials {
        Credentials::Password { name, password } => {
            match state.accounts.verify(&name, &password).await {
                Err(Busy) => {
                    refused(&name, JoinOutcome::TooManyAttempts, "busy");
                    return Err(Ending::close(
                        close::TRY_AGAIN_LATER,
                        "the relay is busy checking other sign-ins; try again in 1 s",
                    ));
                }
                Ok(None) => {
                    refused(&name, JoinOutcome::WrongPassword, "wrong name or password");
                    crate::cluster::count_failure(state, Failure::WrongPassword, &[address, Scope::account(&name)]);
                    return Err(Ending::close(close::AUTH_FAILED, "wrong agent name or password"));
                }
                Ok(Some(credential)) => *issued = Some(state.tokens.issue(&name, credential)),
            }
            name
        }
        Credentials::Token(token) => {
            let Some((name, credential)) = state.tokens.account(&token) else {
                refused("", JoinOutcome::WrongPassword, "unknown or expired token");
                crate::cluster::count_failure(state, Failure::WrongPassword, &[address]);
                return Err(Ending::close(
                    close::AUTH_FAILED,
                    "your sign-in has expired; sign in again with your name and password",
                ));
            };
            if !state.accounts.still_valid(&name, &credential) {
                // Not a guess: the token was real. The account's password changed, or it was removed.
                refused(&name, JoinOutcome::WrongPassword, "token of a changed or removed account");
                return Err(Ending::close(
                    close::AUTH_FAILED,
                    "your password changed or your account was removed since you signed in; sign in again",
                ));
            }
            let account_checks = [(Failure::UnknownKey, Scope::account(&name))];
            state.join_limiter.check(&account_checks).map_err(|waiting| {
                refused(&name, JoinOutcome::TooManyAttempts, "waiting after too many failures");
                Ending::close(close::TOO_MANY_ATTEMPTS, waiting.reason())
            })?;
            name
        }
    };
    let found = state.registry.find(&key).filter(|session| state.accounts.serves(&name, session.site_id()));
    let joined = found.and_then(|session| session.join(&name).map(|joining| (session, joining)));
    let Some((session, joining)) = joined else {
        match state.engine.locate(&key).await {
            Located::Elsewhere(home) if state.accounts.serves(&name, &home.site) => {
                audit(&name, "joining through the session's node");
                state.metrics.join(JoinOutcome::Joined);
                return Ok(Found::Elsewhere(crate::cluster::RemoteAgent { name, key: key.clone(), home, client }));
            }
            // Not a failure of the agent's: a viewer that had joined tries again by itself.
            Located::Unsure => {
                audit(&name, "the cluster engine cannot say where the session is now");
                return Err(Ending::close(
                    close::TRY_AGAIN_LATER,
                    "the relay nodes cannot look sessions up for a moment (the cluster engine is out of reach \
                     or restarted); join again in a few seconds",
                ));
            }
            Located::Elsewhere(_) | Located::Nowhere => {}
        }
        // A session of a site the agent does not serve is refused exactly as a key no session has.
        refused(&name, JoinOutcome::UnknownKey, "unknown key");
        crate::cluster::count_failure(state, Failure::UnknownKey, &[address, Scope::account(&name)]);
        return Err(Ending::close(
            close::UNKNOWN_KEY,
            format!(
                "no live session has the key {}; check the digits with the visitor",
                crate::logging::bounded_to(&key, KEY_CHARS_IN_REASONS)
            ),
        ));
    };
    let (outcome, said) = match joining {
        Joining::Asking { .. } => (JoinOutcome::WaitingForConsent, "waiting for the visitor's consent"),
        Joining::Watching(_) => (JoinOutcome::Joined, "joined"),
        Joining::Declined => (JoinOutcome::ConsentDeclined, "declined earlier in this session"),
    };
    audit(&name, said);
    state.metrics.join(outcome);
    Ok(Found::Here(Admitted { name, session, joining }))
}

/// A first message over `max` bytes (before anyone is signed in) ends the connection with 1009.
fn check_first_message_size(first: &Bytes, max: usize) -> Result<(), Ending> {
    if first.len() > max {
        return Err(Ending::bad_input(
            close::FRAME_TOO_LARGE,
            format!("a first message of {} bytes is over the limit of {max} bytes before signing in", first.len()),
        ));
    }
    Ok(())
}

/// The credentials and key of a `Join` or `JoinWithToken`, or how the connection ends if the first frame
/// is neither. The frame goes on the tap either way; with its password or token blanked, so no audit
/// stream ever holds one.
fn read_join(first: &Bytes, state: &RelayState) -> Result<(Credentials, String), Ending> {
    let control = first_control(first, "Join");
    match &control {
        Ok(Control::Join { name, key, .. }) => {
            let redacted = Control::Join { name: name.clone(), password: String::new(), key: key.clone() };
            let bytes = Bytes::from(encode_control(&redacted));
            state.tap.publish(key, &Peer::Agent { name: name.clone() }, &bytes);
        }
        Ok(Control::JoinWithToken { key, .. }) => {
            let redacted = Control::JoinWithToken { token: String::new(), key: key.clone() };
            let bytes = Bytes::from(encode_control(&redacted));
            state.tap.publish(key, &Peer::Agent { name: String::new() }, &bytes);
        }
        _ => state.tap.publish("", &Peer::Agent { name: String::new() }, first),
    }
    match control? {
        Control::Join { name, password, key } => Ok((Credentials::Password { name, password }, key)),
        Control::JoinWithToken { token, key } => Ok((Credentials::Token(token), key)),
        other => Err(Ending::bad_input(
            close::UNEXPECTED_MESSAGE,
            format!("the first message must be Join, not {}", other.name()),
        )),
    }
}

/// Sends `Joined`, the catch-up frames, then live frames and the heartbeat's pings, until the session ends
/// or the socket fails.
async fn send_frames(
    sink: &mut SplitSink<WebSocket, Message>,
    outgoing: &Outgoing<'_>,
    session: &Session,
    link: &mut AgentLink,
    heartbeat: Heartbeat,
) -> Ending {
    let joined = Bytes::from(encode_control(&Control::Joined { key: session.key().to_owned(), agent: link.id }));
    if !outgoing.send(sink, joined).await {
        return Ending::PeerLeft;
    }
    for frame in std::mem::take(&mut link.catch_up) {
        if !outgoing.send(sink, frame).await {
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
        if !outgoing.send(sink, frame).await {
            return Ending::PeerLeft;
        }
        if link.queue.is_empty() && link.lagging.load(Ordering::Relaxed) {
            // It skipped deltas and has now caught up: it needs a snapshot to go on.
            session.request_snapshot("a lagging agent caught up");
        }
    }
    Ending::Close(session.end_reason())
}

/// Reads what the agent sends after joining: `MirrorOutOfStep` and the call's messages.
async fn read_messages(
    stream: &mut SplitStream<WebSocket>,
    session: &Session,
    agent: AgentId,
    state: &RelayState,
    peer: &Peer,
    heard: &Heard,
) -> Ending {
    loop {
        let bytes = match next_frame(stream, state.config.limits.agent_message_bytes, heard).await {
            Ok(bytes) => bytes,
            Err(ending) => return ending,
        };
        state.tap.publish(session.key(), peer, &bytes);
        state.metrics.frame_bytes(Direction::In, &bytes);
        match frame::parse(&bytes) {
            Err(error) => return Ending::bad_input(close::MALFORMED_FRAME, error.to_string()),
            Ok((FrameKind::Snapshot | FrameKind::SnapshotPart | FrameKind::Delta, _)) => {
                return Ending::bad_input(close::UNEXPECTED_MESSAGE, "agents may not send page frames")
            }
            Ok((FrameKind::Asset, _)) => {
                return Ending::bad_input(close::UNEXPECTED_MESSAGE, "agents may not upload assets")
            }
            Ok((FrameKind::Control, _)) => match decode_control(&bytes) {
                Ok(Control::MirrorOutOfStep) => session.request_snapshot("an agent's mirror is out of step"),
                Ok(other) => {
                    let said = session.agent_says(agent, other);
                    crate::cluster::remember_changes(state, session);
                    if let Err(refused) = said {
                        return Ending::bad_input(
                            close::UNEXPECTED_MESSAGE,
                            format!("an agent may not send {} after joining", refused.0),
                        );
                    }
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
