//! The visitor's WebSocket: `/ws/visitor?site=SITE&tab=TAB` opens a session, and
//! `/ws/visitor?site=SITE&tab=TAB&resume=1` continues one (its first message is `Resume { key, secret }`).
//! Either way the connection then gets `SessionStarted` and the session's control messages and the
//! heartbeat's pings, and may send:
//! - page frames (snapshots, their parts, deltas), kept and forwarded to the agents (`session.rs`);
//! - `AssetOffer { url, sha256 }`: a same-origin file its page holds, which the relay fetches itself
//!   (`asset_fetch.rs`, in a task of its own: the read loop never waits for it); what the relay cannot get
//!   the same bytes for, it answers with `AssetWanted { url }`;
//! - `AssetUpload` frames (kind 4): the files the relay asked for, and those no offer could stand for
//!   (`blob:` URLs), stored in the session's asset cache (`assets.rs`);
//! - `EndSession`; the support call's messages (`ConsentAnswer`, `Dismiss`, and through `call.rs`
//!   `ControlAnswer`, `ControlRelease`, `ControlRefused`); any other message ends the connection as bad
//!   input.
//!
//! The connection is not the session (see `session.rs`). How the connection ends decides what happens to
//! the session:
//! - `EndSession` (the visitor's End), a bad frame, or the relay shutting down: the session ends.
//! - The page leaving (close 1001), a drop, or heartbeat silence: the session waits for the visitor's
//!   next page or reconnection, for the grace period (its keeper ends it after that).
//! - Another connection taking the session over (the visitor's other tab): this one is closed with
//!   `OTHER_TAB`; the session goes on.
//! - The session ending (a deadline, the key expiring): the connection is closed with the session's reason.

use crate::asset_fetch::Offer;
use crate::caps::Place;
use crate::close::{finish, CloseReason, Connection, Ending};
use crate::config::SiteConfig;
use crate::events::{self, Event, Events, What};
use crate::frames::{first_control, first_frame, next_frame};
use crate::heartbeat::{self, Heard, Heartbeat};
use crate::keeper;
use crate::metrics::{Direction, Metrics};
use crate::presence::VisitorLink;
use crate::registry::OpenError;
use crate::session::{ResumeRefused, Session, SessionSite};
use crate::state::RelayState;
use crate::tap::Peer;
use crate::websocket::WebSocket;
use bytes::Bytes;
use cobrowse_protocol::message::{decode_asset, decode_control, encode_control};
use cobrowse_protocol::{close, frame, Control, FrameKind};
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use warp::ws::Message;

/// The longest tab id the relay keeps (the shim sends 32 hex digits).
const MAX_TAB_ID_BYTES: usize = 64;

/// A session's places among its address's sessions and its site's, held until it ends.
type SessionPlaces = (Place<IpAddr>, Place<String>);

/// What the visitor's upgrade request said.
pub(crate) struct VisitorRequest {
    pub site: Option<String>,
    pub origin: Option<String>,
    pub client: SocketAddr,
    /// The visitor's random tab id (not a secret: it tells the visitor's tabs apart).
    pub tab: Option<String>,
    /// The first message will be `Resume`.
    pub resume: bool,
}

pub(crate) async fn serve(socket: WebSocket, state: Arc<RelayState>, request: VisitorRequest) {
    let (mut sink, mut stream) = socket.split();
    let mut shutdown = state.shutdown.clone();
    let heard = Heard::now();
    let admitted = tokio::select! {
        admitted = admit(&mut stream, &state, &request, &heard) => admitted,
        () = shutdown.requested() => Err(Ending::close(close::GOING_AWAY, "the relay is shutting down; start again in a moment")),
    };
    let (session, link) = match admitted {
        Ok(admitted) => admitted,
        Err(ending) => {
            if let Some(reason) = ending.close_reason() {
                state.metrics.refused(reason.code);
            }
            let who = Connection { peer: &Peer::Visitor, key: "", client: request.client };
            return finish(&mut sink, &mut stream, &ending, who).await;
        }
    };

    let heartbeat = state.heartbeat();
    let VisitorLink { id: link_id, controls } = link;
    let ending = tokio::select! {
        ending = read_frames(&mut stream, &session, link_id, &state, &heard) => ending,
        ending = send_controls(&mut sink, controls, heartbeat, &session, &state.metrics) => ending,
        ending = heartbeat::silence(&heard, heartbeat) => ending,
        () = session.ended() => ending_for_visitor(session.end_reason()),
        () = shutdown.requested() => Ending::close(close::GOING_AWAY, "the relay is shutting down; start again in a moment"),
    };

    settle_session(&session, link_id, &ending);
    let who = Connection { peer: &Peer::Visitor, key: session.key(), client: request.client };
    finish(&mut sink, &mut stream, &ending, who).await;
}

/// How a connection of a session that ended is closed: as the session's agents are, but for a session
/// that moved to another cluster node (1013 to its agents, who join it there), which goes on in the
/// visitor's newer connection: this one is told so as a tab whose session another tab carries (4012).
fn ending_for_visitor(reason: CloseReason) -> Ending {
    match reason.code {
        close::TRY_AGAIN_LATER => Ending::close(close::OTHER_TAB, reason.reason),
        _ => Ending::Close(reason),
    }
}

/// Opens a new session, or resumes the one the first message names; otherwise, how the connection ends.
async fn admit(
    stream: &mut SplitStream<WebSocket>,
    state: &Arc<RelayState>,
    request: &VisitorRequest,
    heard: &Heard,
) -> Result<(Arc<Session>, VisitorLink), Ending> {
    let site = check_site(state, request)?;
    let tab = request.tab.as_deref().filter(|tab| !tab.is_empty() && tab.len() <= MAX_TAB_ID_BYTES);
    if request.resume {
        return resume(stream, state, request, site, tab, heard).await;
    }
    let session_site = SessionSite {
        site_id: site.id.clone(),
        address: request.client.ip(),
        origin: request.origin.clone(),
        masking: site.masking.clone(),
        tabs: site.tabs,
        consent: site.consent,
        remote_control: site.remote_control,
    };
    let places = take_session_places(state, request.client, &site.id)?;
    let (session, secret) = crate::cluster::open_session(state, session_site).await.map_err(|error| {
        let code = if error == OpenError::EngineUnreachable { close::TRY_AGAIN_LATER } else { close::AT_CAPACITY };
        Ending::close(code, error.to_string())
    })?;
    keeper::spawn(session.clone(), state.clone());
    hold_until_ended(&session, places);
    let link = session.attach_first_visitor(tab, secret).ok_or_else(|| Ending::Close(session.end_reason()))?;
    crate::cluster::remember_changes(state, &session);
    tracing::info!(key = session.key(), site = site.id, client = %request.client, "session started");
    let masking_sha256 = events::masking_sha256(session.masking());
    state.events.record(Event::of(&session, What::SessionStarted { masking_sha256 }));
    Ok((session, link))
}

/// The places a new session takes among its address's and its site's sessions (held until it ends), or
/// why it may not open.
fn take_session_places(state: &RelayState, client: SocketAddr, site_id: &str) -> Result<SessionPlaces, Ending> {
    let caps = &state.caps;
    let by_address = caps.sessions_per_address.enter(crate::caps::address_group(client.ip())).ok_or_else(|| {
        Ending::close(
            close::AT_CAPACITY,
            format!(
                "this address has {} sessions open already; end one, or try again in a few minutes",
                caps.sessions_per_address.cap()
            ),
        )
    })?;
    let by_site = caps.sessions_per_site.enter(site_id.to_owned()).ok_or_else(|| {
        Ending::close(
            close::AT_CAPACITY,
            format!(
                "this site has {} sessions open already, its limit; try again in a few minutes",
                caps.sessions_per_site.cap()
            ),
        )
    })?;
    Ok((by_address, by_site))
}

/// The places a session taken over from another cluster node takes here, past the caps if need be (it
/// was let in where it opened; see `cluster/shared_caps.rs`).
fn hold_moved_session_places(state: &RelayState, client: SocketAddr, session: &Session) -> SessionPlaces {
    let caps = &state.caps;
    let by_address = caps.sessions_per_address.hold(crate::caps::address_group(client.ip()));
    (by_address, caps.sessions_per_site.hold(session.site_id().to_owned()))
}

/// Gives `places` back when `session` ends.
fn hold_until_ended(session: &Arc<Session>, places: SessionPlaces) {
    let ended = session.clone();
    tokio::spawn(async move {
        ended.ended().await;
        drop(places);
    });
}

/// Reads the `Resume` and attaches this connection to its session.
async fn resume(
    stream: &mut SplitStream<WebSocket>,
    state: &Arc<RelayState>,
    request: &VisitorRequest,
    site: &SiteConfig,
    tab: Option<&str>,
    heard: &Heard,
) -> Result<(Arc<Session>, VisitorLink), Ending> {
    let Some(_unauthenticated) = state.caps.unauthenticated.enter(crate::caps::address_group(request.client.ip()))
    else {
        return Err(Ending::close(
            close::AT_CAPACITY,
            "too many connections from this address are still resuming; try again in 10 s",
        ));
    };
    let limits = &state.config.limits;
    let first =
        first_frame(stream, state.config.max_frame_bytes, heard, limits.first_message_timeout, "Resume").await?;
    if first.len() > limits.first_message_bytes {
        return Err(Ending::bad_input(
            close::FRAME_TOO_LARGE,
            format!("a Resume of {} bytes is over the limit of {} bytes", first.len(), limits.first_message_bytes),
        ));
    }
    let (key, secret) = read_resume(&first, state)?;
    let refuse = |refused: ResumeRefused| {
        tracing::warn!(key = &*crate::logging::bounded(&key), site = site.id, client = %request.client, %refused, "resume refused");
        let code = match refused {
            ResumeRefused::NotTheFirstTab => close::OTHER_TAB,
            _ => close::RESUME_REFUSED,
        };
        Ending::close(code, refused.to_string())
    };
    let session = match state.registry.find(&key) {
        Some(session) => session,
        None => {
            let moved = crate::cluster::take_over(state, &key, &secret, request.client.ip())
                .await
                .ok_or_else(|| refuse(ResumeRefused::Ended))?;
            hold_until_ended(&moved, hold_moved_session_places(state, request.client, &moved));
            moved
        }
    };
    let link = session.resume(&secret, &site.id, request.origin.as_deref(), tab).map_err(refuse)?;
    crate::cluster::remember_changes(state, &session);
    tracing::info!(key, site = site.id, client = %request.client, "session resumed");
    let masking_sha256 = events::masking_sha256(session.masking());
    state.events.record(Event::of(&session, What::SessionResumed { masking_sha256 }));
    Ok((session, link))
}

/// The key and secret of a `Resume`, or how the connection ends if the first frame is not one. The frame
/// goes on the tap with its secret blanked, so no audit stream ever holds one.
fn read_resume(first: &Bytes, state: &RelayState) -> Result<(String, String), Ending> {
    let control = first_control(first, "Resume");
    match control? {
        Control::Resume { key, secret } => {
            let redacted = Bytes::from(encode_control(&Control::Resume { key: key.clone(), secret: String::new() }));
            state.tap.publish(&key, &Peer::Visitor, &redacted);
            Ok((key, secret))
        }
        other => Err(Ending::bad_input(
            close::UNEXPECTED_MESSAGE,
            format!("the first message of a resuming visitor must be Resume, not {}", other.name()),
        )),
    }
}

/// What the way this connection ended means for its session (see the module doc).
fn settle_session(session: &Session, link_id: u64, ending: &Ending) {
    let visitor_ended = CloseReason::new(close::SESSION_ENDED, "the visitor ended the session");
    match ending {
        Ending::PeerLeftPage => session.visitor_left(link_id, true),
        Ending::PeerLeft => session.visitor_left(link_id, false),
        Ending::Close(reason) if reason.code == close::PEER_SILENT => session.visitor_left(link_id, false),
        Ending::Close(reason) if reason.code == close::NORMAL => session.end(visitor_ended),
        Ending::Close(reason) if reason.code == close::GOING_AWAY => {
            session.end(CloseReason::new(close::GOING_AWAY, "the relay is shutting down"))
        }
        Ending::BadInput(_) => session.end(visitor_ended),
        // Taken over by another tab, or the session has already ended.
        Ending::Close(_) => {}
    }
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
    session: &Arc<Session>,
    link_id: u64,
    state: &RelayState,
    heard: &Heard,
) -> Ending {
    loop {
        let bytes = match next_frame(stream, state.config.max_frame_bytes, heard).await {
            Ok(bytes) => bytes,
            Err(ending) => return ending,
        };
        let received = std::time::Instant::now();
        let kind = state.metrics.frame_bytes(Direction::In, &bytes);
        let ending = handle_frame(&bytes, session, link_id, state);
        if matches!(kind, FrameKind::Snapshot | FrameKind::SnapshotPart | FrameKind::Delta) {
            state.metrics.forwarded(received.elapsed());
        }
        state.tap.publish(session.key(), &Peer::Visitor, &bytes);
        if let Some(ending) = ending {
            return ending;
        }
    }
}

/// Passes a page frame to the session, or says how the connection ends.
fn handle_frame(bytes: &Bytes, session: &Arc<Session>, link_id: u64, state: &RelayState) -> Option<Ending> {
    let events = &state.events;
    let kind = match frame::parse(bytes) {
        Ok((kind, _payload)) => kind,
        Err(error) => return Some(Ending::bad_input(close::MALFORMED_FRAME, error.to_string())),
    };
    match kind {
        FrameKind::Snapshot | FrameKind::SnapshotPart | FrameKind::Delta => {
            session.accept_page_frame(link_id, kind, bytes.clone());
            None
        }
        FrameKind::Asset => accept_asset(&bytes[frame::HEADER_LEN..], session),
        FrameKind::Control => match decode_control(bytes) {
            Ok(Control::EndSession) => Some(Ending::close(close::NORMAL, "you ended the session")),
            Ok(Control::Dismiss { agent }) => {
                // Recorded only when the session accepted it: a stale connection's Dismiss changes nothing.
                if let Some(name) = session.dismiss(link_id, agent) {
                    events.record(Event::of(session, What::ConsentWithdrawn).agent(&name));
                    crate::cluster::remember_call(state, session);
                }
                None
            }
            Ok(Control::AssetOffer { url, sha256 }) => {
                state.asset_fetcher.offer(session, Offer { url, sha256 });
                None
            }
            Ok(Control::ConsentAnswer { agent, allow }) => {
                session.answer_consent(link_id, agent, allow);
                crate::cluster::remember_call(state, session);
                None
            }
            Ok(other) => {
                record_control_decision(&other, session, events);
                let said = session.visitor_says(link_id, other);
                crate::cluster::remember_changes(state, session);
                said.err().map(|refused| {
                    Ending::bad_input(close::UNEXPECTED_MESSAGE, format!("a visitor may not send {}", refused.0))
                })
            }
            Err(error) => Some(Ending::bad_input(close::MALFORMED_FRAME, error.to_string())),
        },
    }
}

/// The visitor's answer to a request for control, or its taking control back, as an event.
fn record_control_decision(control: &Control, session: &Session, events: &Events) {
    let (agent, what) = match *control {
        Control::ControlAnswer { agent, allow } => (Some(agent), What::ControlDecided { granted: allow }),
        Control::ControlRelease => (None, What::ControlTakenBack),
        _ => return,
    };
    let event = Event::of(session, what);
    match agent.map(|agent| session.agent_name(agent)) {
        None => events.record(event),
        Some(Some(name)) => events.record(event.agent(&name)),
        // An answer about an agent no longer watching decides nothing.
        Some(None) => {}
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
/// Their channel closes when another connection takes the session over, or the session ends.
async fn send_controls(
    sink: &mut SplitSink<WebSocket, Message>,
    mut controls: tokio::sync::mpsc::UnboundedReceiver<Control>,
    heartbeat: Heartbeat,
    session: &Session,
    metrics: &Metrics,
) -> Ending {
    let mut pings = heartbeat.pings();
    loop {
        let message = tokio::select! {
            control = controls.recv() => match control {
                Some(control) => {
                    let bytes = encode_control(&control);
                    metrics.frame(Direction::Out, FrameKind::Control, bytes.len());
                    Message::binary(bytes)
                }
                None if session.has_ended() => return ending_for_visitor(session.end_reason()),
                None => return Ending::close(close::OTHER_TAB, "the session continues in another tab"),
            },
            _ = pings.tick() => Message::ping(Vec::new()),
        };
        if sink.send(message).await.is_err() {
            return Ending::PeerLeft;
        }
    }
}
