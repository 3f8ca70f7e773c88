//! The visitor's WebSocket (`/ws/visitor?site=SITE`): opens a session, answers `SessionStarted`, keeps
//! and forwards the page frames, stores asset uploads, and ends the session when the visitor leaves.
//!
//! Four things can end the connection, whichever comes first: the visitor (End, closing the page, a bad
//! frame), the relay's control messages failing to send, the key expiring with no agent joined, and the
//! relay shutting down. However it ends, the session is removed and its agents are closed.

use crate::close::{finish, CloseReason, Connection, Ending};
use crate::config::SiteConfig;
use crate::frames::next_frame;
use crate::heartbeat::{self, Heard, Heartbeat};
use crate::session::Session;
use crate::state::RelayState;
use crate::tap::Peer;
use bytes::Bytes;
use cobrowse_protocol::message::{decode_asset, decode_control, encode_control};
use cobrowse_protocol::{close, frame, Control, FrameKind};
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use warp::ws::{Message, WebSocket};

/// What the visitor's upgrade request said.
pub(crate) struct VisitorRequest {
    pub site: Option<String>,
    pub origin: Option<String>,
    pub client: SocketAddr,
}

pub(crate) async fn serve(socket: WebSocket, state: Arc<RelayState>, request: VisitorRequest) {
    let (mut sink, mut stream) = socket.split();
    let mut shutdown = state.shutdown.clone();
    let opened = check_site(&state, &request).and_then(|site| {
        let masking = site.masking.clone();
        state.registry.open(masking).map_err(|error| Ending::close(close::AT_CAPACITY, error.to_string()))
    });
    let (session, for_visitor) = match opened {
        Ok(opened) => opened,
        Err(ending) => {
            let who = Connection { peer: &Peer::Visitor, key: "", client: request.client };
            return finish(&mut sink, &mut stream, &ending, who).await;
        }
    };
    tracing::info!(key = session.key(), site = request.site, client = %request.client, "session started");

    let heard = Heard::now();
    let heartbeat = state.heartbeat();
    let ending = tokio::select! {
        ending = read_frames(&mut stream, &session, &state, &heard) => ending,
        ending = send_controls(&mut sink, for_visitor, heartbeat) => ending,
        ending = heartbeat::silence(&heard, heartbeat) => ending,
        ending = expire_unjoined(&session, state.config.key_ttl) => ending,
        () = shutdown.requested() => Ending::close(close::GOING_AWAY, "the relay is shutting down; start again in a moment"),
    };

    state.registry.remove(&session);
    session.end(reason_for_agents(&ending));
    let who = Connection { peer: &Peer::Visitor, key: session.key(), client: request.client };
    finish(&mut sink, &mut stream, &ending, who).await;
}

/// The site, which must be configured and allow the page's origin.
fn check_site<'a>(state: &'a RelayState, request: &VisitorRequest) -> Result<&'a SiteConfig, Ending> {
    let refuse = |reason: String| Err(Ending::bad_input(close::SITE_NOT_ALLOWED, reason));
    let Some(site_id) = request.site.as_deref().filter(|id| !id.is_empty()) else {
        return refuse("no site given: connect to /ws/visitor?site=SITE_ID".into());
    };
    let Some(site) = state.config.sites.iter().find(|site| site.id == site_id) else {
        return refuse(format!("site {site_id:?} is not configured on this relay"));
    };
    if !site.allows_origin(request.origin.as_deref()) {
        return match request.origin.as_deref() {
            Some(origin) => refuse(format!("origin {origin} is not allowed for site {site_id:?}")),
            None => refuse(format!("no Origin header: site {site_id:?} only allows listed origins")),
        };
    }
    Ok(site)
}

/// Reads the visitor's frames until the connection ends; page frames go to the session. Each frame goes
/// on the tap once the relay has handled it (so a listener that sees a page frame knows it is kept).
async fn read_frames(
    stream: &mut SplitStream<WebSocket>,
    session: &Session,
    state: &RelayState,
    heard: &Heard,
) -> Ending {
    loop {
        let bytes = match next_frame(stream, state.config.max_frame_bytes, heard).await {
            Ok(bytes) => bytes,
            Err(ending) => return ending,
        };
        let ending = handle_frame(&bytes, session);
        state.tap.publish(session.key(), &Peer::Visitor, &bytes);
        if let Some(ending) = ending {
            return ending;
        }
    }
}

/// Passes a page frame to the session, or says how the connection ends.
fn handle_frame(bytes: &Bytes, session: &Session) -> Option<Ending> {
    let kind = match frame::parse(bytes) {
        Ok((kind, _payload)) => kind,
        Err(error) => return Some(Ending::bad_input(close::MALFORMED_FRAME, error.to_string())),
    };
    match kind {
        FrameKind::Snapshot | FrameKind::Delta => {
            session.accept_page_frame(kind, bytes.clone());
            None
        }
        FrameKind::Asset => accept_asset(&bytes[frame::HEADER_LEN..], session),
        FrameKind::Control => Some(match decode_control(bytes) {
            Ok(Control::EndSession) => Ending::close(close::NORMAL, "you ended the session"),
            Ok(other) => {
                Ending::bad_input(close::UNEXPECTED_MESSAGE, format!("a visitor may not send {}", control_name(&other)))
            }
            Err(error) => Ending::bad_input(close::MALFORMED_FRAME, error.to_string()),
        }),
    }
}

/// Stores an asset upload; one over a limit is dropped and logged (the visitor stays connected, and the
/// mirror loads that resource from its own URL). Only a malformed upload ends the connection.
fn accept_asset(payload: &[u8], session: &Session) -> Option<Ending> {
    let upload = match decode_asset(payload) {
        Ok(upload) => upload,
        Err(error) => return Some(Ending::bad_input(close::MALFORMED_FRAME, error.to_string())),
    };
    let size = upload.bytes.len();
    if let Err(refused) = session.accept_asset(upload) {
        tracing::info!(key = session.key(), size, "asset upload not stored: {refused}");
    }
    None
}

/// Sends the session's control messages (`SessionStarted` first) to the visitor, and the heartbeat's pings.
async fn send_controls(
    sink: &mut SplitSink<WebSocket, Message>,
    mut for_visitor: mpsc::UnboundedReceiver<Control>,
    heartbeat: Heartbeat,
) -> Ending {
    let mut pings = heartbeat.pings();
    loop {
        let message = tokio::select! {
            // The session holds the sender for as long as this task runs.
            Some(control) = for_visitor.recv() => Message::binary(encode_control(&control)),
            _ = pings.tick() => Message::ping(Vec::new()),
        };
        if sink.send(message).await.is_err() {
            return Ending::PeerLeft;
        }
    }
}

/// Resolves when the key has expired with no agent joined; never, once one has.
async fn expire_unjoined(session: &Session, key_ttl: Duration) -> Ending {
    tokio::time::sleep(key_ttl).await;
    if session.expire_if_unjoined() {
        Ending::close(
            close::KEY_EXPIRED,
            format!("no agent joined within {}; start again for a new key", describe(key_ttl)),
        )
    } else {
        std::future::pending().await
    }
}

/// What the session's agents are told when the visitor's connection ends this way.
fn reason_for_agents(ending: &Ending) -> CloseReason {
    match ending.close_reason() {
        Some(reason) if reason.code == close::GOING_AWAY => {
            CloseReason::new(close::GOING_AWAY, "the relay is shutting down")
        }
        _ => CloseReason::new(close::SESSION_ENDED, "the visitor ended the session"),
    }
}

/// A control message's name, never its fields (a `Join` carries a password).
pub(crate) fn control_name(control: &Control) -> &'static str {
    match control {
        Control::SessionStarted { .. } => "SessionStarted",
        Control::AgentJoined { .. } => "AgentJoined",
        Control::AgentLeft { .. } => "AgentLeft",
        Control::SnapshotRequested => "SnapshotRequested",
        Control::EndSession => "EndSession",
        Control::Join { .. } => "Join",
        Control::Joined { .. } => "Joined",
        Control::MirrorOutOfStep => "MirrorOutOfStep",
        Control::Asset { .. } => "Asset",
    }
}

/// "10 minutes", "90 seconds", "0.5 seconds".
fn describe(duration: Duration) -> String {
    let seconds = duration.as_secs();
    match seconds {
        0 => format!("{} seconds", duration.as_secs_f64()),
        60 => "1 minute".into(),
        _ if seconds % 60 == 0 => format!("{} minutes", seconds / 60),
        _ => format!("{seconds} seconds"),
    }
}
