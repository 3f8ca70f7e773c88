//! One live session: the visitor's kept state, the agents watching it with their bounded queues, and the
//! control messages waiting for the visitor.
//!
//! The visitor's task hands every page frame to [`Session::accept_page_frame`], which never waits: each
//! agent has its own bounded queue, and an agent whose queue is full is marked *lagging*. A lagging agent
//! skips every delta until a snapshot fits in its queue, and the visitor is asked for a fresh snapshot.
//! So a slow agent never slows the visitor or the other agents. Each agent's task drains its own queue
//! at the pace of its own socket.
//!
//! The session also holds its asset cache (see `assets.rs`): each new asset mapping is queued to every agent,
//! lagging or not, and kept, so an agent who joins later gets all of them before the kept snapshot. An agent
//! whose queue was too full to take one gets them all again with the snapshot it recovers on.
//!
//! The state sits behind one std mutex, held for a few reference-count bumps at a time and never across
//! an await.

use crate::assets::{self, AssetBudget, AssetCache, AssetLimits, AssetRefused, StoredAsset};
use crate::close::CloseReason;
use crate::kept::KeptState;
use bytes::Bytes;
use cobrowse_protocol::{close, AssetUpload, Control, FrameKind, MaskingRules};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::mpsc::error::TrySendError;
use tokio::sync::{mpsc, watch};

/// Past this many times `kept_state_bytes`, the relay stops keeping state until the next snapshot: a
/// visitor that ignores snapshot requests must not grow the relay's memory without bound.
const HARD_LIMIT_FACTOR: usize = 4;

/// The limits a session works within, from the config.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SessionLimits {
    pub agent_queue_frames: usize,
    pub kept_state_bytes: usize,
    pub assets: AssetLimits,
}

pub(crate) struct Session {
    key: String,
    asset_token: String,
    limits: SessionLimits,
    to_visitor: mpsc::UnboundedSender<Control>,
    ended: watch::Sender<bool>,
    inner: Mutex<Inner>,
}

struct Inner {
    kept: KeptState,
    assets: AssetCache,
    agents: Vec<AgentSlot>,
    next_agent_id: u64,
    /// Once an agent has joined, the key no longer expires.
    ever_joined: bool,
    /// A `SnapshotRequested` was sent and no snapshot has arrived since.
    snapshot_requested: bool,
    /// Set once, when the session ends; what its agents are told.
    end_reason: Option<CloseReason>,
}

/// The session's side of one agent.
struct AgentSlot {
    id: u64,
    name: String,
    queue: mpsc::Sender<Bytes>,
    lagging: Arc<AtomicBool>,
}

/// The agent task's side of its place in a session.
pub(crate) struct AgentLink {
    pub id: u64,
    /// The kept snapshot and deltas at the moment of joining, to send before anything from `queue`.
    pub catch_up: Vec<Bytes>,
    /// Live frames, as the visitor sent them. Closed when the session ends.
    pub queue: mpsc::Receiver<Bytes>,
    /// Whether this agent is skipping deltas until the next snapshot.
    pub lagging: Arc<AtomicBool>,
}

/// What happened when a frame was offered to one agent.
#[derive(PartialEq, Eq)]
enum Offer {
    Queued,
    /// A snapshot that ended the agent's lagging: it may have missed asset announcements.
    Recovered,
    Skipped,
    StartedLagging,
}

impl Session {
    /// A new session, and the receiver of the control messages for its visitor (the first is
    /// `SessionStarted`, with the site's `masking` rules). Its assets take their bytes from `asset_budget`,
    /// shared by all sessions.
    pub fn new(
        key: String,
        limits: SessionLimits,
        masking: MaskingRules,
        asset_budget: Arc<AssetBudget>,
    ) -> (Arc<Session>, mpsc::UnboundedReceiver<Control>) {
        let (to_visitor, for_visitor) = mpsc::unbounded_channel();
        let _ = to_visitor.send(Control::SessionStarted { key: key.clone(), masking });
        let asset_token = crate::keys::generate_asset_token();
        let inner = Inner {
            kept: KeptState::default(),
            assets: AssetCache::new(asset_token.clone(), asset_budget),
            agents: Vec::new(),
            next_agent_id: 0,
            ever_joined: false,
            snapshot_requested: false,
            end_reason: None,
        };
        let session = Session {
            key,
            asset_token,
            limits,
            to_visitor,
            ended: watch::Sender::new(false),
            inner: Mutex::new(inner),
        };
        (Arc::new(session), for_visitor)
    }

    pub fn key(&self) -> &str {
        &self.key
    }

    /// The random token naming this session in asset URLs.
    pub fn asset_token(&self) -> &str {
        &self.asset_token
    }

    /// Stores an uploaded asset and announces a new URL mapping to every agent. Hashes outside the lock.
    pub fn accept_asset(&self, upload: AssetUpload) -> Result<(), AssetRefused> {
        let hash = assets::sha256_hex(&upload.bytes);
        let mut inner = self.lock();
        if inner.end_reason.is_some() {
            return Ok(());
        }
        let Some(announcement) = inner.assets.store(upload, hash, &self.limits.assets)? else {
            return Ok(());
        };
        if inner.agents.iter().any(|agent| !announce(agent, &announcement)) {
            self.request_snapshot_locked(&mut inner, "an agent's queue was too full for an asset announcement");
        }
        Ok(())
    }

    /// The stored asset with this hash; `None` once the session has ended.
    pub fn asset(&self, hash: &str) -> Option<StoredAsset> {
        self.lock().assets.get(hash)
    }

    /// Keeps a page frame and queues it, as the same bytes, to every agent that can take it.
    pub fn accept_page_frame(&self, kind: FrameKind, frame: Bytes) {
        let is_snapshot = kind == FrameKind::Snapshot;
        let mut inner = self.lock();
        if inner.end_reason.is_some() {
            return;
        }
        if is_snapshot {
            inner.kept.replace_with_snapshot(frame.clone());
            inner.snapshot_requested = false;
        } else {
            inner.kept.append_delta(frame.clone());
        }
        self.bound_kept_state(&mut inner);
        let mut started_lagging = Vec::new();
        for agent in &inner.agents {
            match offer(agent, &frame, is_snapshot) {
                Offer::StartedLagging => started_lagging.push(agent.name.clone()),
                Offer::Recovered => {
                    // It may have missed some while its queue was full; a full queue again makes it lag again.
                    for announcement in inner.assets.announcements() {
                        let _ = announce(agent, announcement);
                    }
                }
                Offer::Queued | Offer::Skipped => {}
            }
        }
        for name in started_lagging {
            tracing::info!(
                key = self.key,
                agent = name,
                "agent's queue is full: it skips deltas until the next snapshot"
            );
            self.request_snapshot_locked(&mut inner, "an agent lagged");
        }
    }

    /// Adds an agent; `None` if the session has ended. The visitor is told.
    pub fn join(&self, name: &str) -> Option<AgentLink> {
        let mut inner = self.lock();
        if inner.end_reason.is_some() {
            return None;
        }
        let (queue_sender, queue) = mpsc::channel(self.limits.agent_queue_frames);
        let id = inner.next_agent_id;
        inner.next_agent_id += 1;
        let lagging = Arc::new(AtomicBool::new(false));
        inner.agents.push(AgentSlot { id, name: name.to_owned(), queue: queue_sender, lagging: lagging.clone() });
        inner.ever_joined = true;
        let agents = inner.agents.len() as u32;
        self.tell_visitor(Control::AgentJoined { name: name.to_owned(), agents });
        let catch_up = inner.assets.announcements().iter().chain(inner.kept.frames()).cloned().collect();
        Some(AgentLink { id, catch_up, queue, lagging })
    }

    /// Removes an agent (if the session still has it). The visitor is told.
    pub fn leave(&self, agent_id: u64) {
        let mut inner = self.lock();
        let Some(index) = inner.agents.iter().position(|agent| agent.id == agent_id) else {
            return;
        };
        let agent = inner.agents.remove(index);
        let agents = inner.agents.len() as u32;
        self.tell_visitor(Control::AgentLeft { name: agent.name, agents });
    }

    /// Asks the visitor for a fresh snapshot, unless one is already asked for.
    pub fn request_snapshot(&self, why: &str) {
        let mut inner = self.lock();
        self.request_snapshot_locked(&mut inner, why);
    }

    /// Ends the session if no agent ever joined it; true if it did end. Checked and ended under one lock,
    /// so an agent joining at that moment either gets in (and the key does not expire) or finds it gone.
    pub fn expire_if_unjoined(&self) -> bool {
        let mut inner = self.lock();
        if inner.ever_joined || inner.end_reason.is_some() {
            return false;
        }
        self.end_locked(&mut inner, CloseReason::new(close::KEY_EXPIRED, "the session key expired"));
        true
    }

    /// Ends the session: no one can join any more, and each agent is closed with `reason` once it has
    /// taken the frames already queued for it. The first reason wins.
    pub fn end(&self, reason: CloseReason) {
        let mut inner = self.lock();
        self.end_locked(&mut inner, reason);
    }

    /// Why the session ended, for its agents.
    pub fn end_reason(&self) -> CloseReason {
        self.lock()
            .end_reason
            .clone()
            .unwrap_or_else(|| CloseReason::new(close::SESSION_ENDED, "the visitor ended the session"))
    }

    /// Resolves once the session has ended.
    pub async fn ended(&self) {
        let mut ended = self.ended.subscribe();
        let _ = ended.wait_for(|ended| *ended).await;
    }

    fn end_locked(&self, inner: &mut Inner, reason: CloseReason) {
        if inner.end_reason.is_some() {
            return;
        }
        inner.end_reason = Some(reason);
        // Dropping the queue senders closes each agent's queue after its last frame.
        inner.agents.clear();
        inner.kept.clear();
        inner.assets.clear();
        self.ended.send_replace(true);
    }

    fn bound_kept_state(&self, inner: &mut Inner) {
        let limit = self.limits.kept_state_bytes;
        if inner.kept.total_bytes() > limit.saturating_mul(HARD_LIMIT_FACTOR) {
            tracing::warn!(
                key = self.key,
                kept_bytes = inner.kept.total_bytes(),
                "the visitor sent no fresh snapshot and its kept state is far over kept_state_bytes: \
                 forgetting it until the next snapshot (agents joining now wait for that snapshot)"
            );
            inner.kept.clear();
        }
        if inner.kept.wants_fresh_snapshot(limit) {
            self.request_snapshot_locked(inner, "the kept state is over kept_state_bytes");
        }
    }

    fn request_snapshot_locked(&self, inner: &mut Inner, why: &str) {
        if inner.snapshot_requested || inner.end_reason.is_some() {
            return;
        }
        inner.snapshot_requested = true;
        tracing::debug!(key = self.key, why, "asking the visitor for a fresh snapshot");
        self.tell_visitor(Control::SnapshotRequested);
    }

    fn tell_visitor(&self, control: Control) {
        // An error only means the visitor's task has already finished.
        let _ = self.to_visitor.send(control);
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().expect("session lock poisoned")
    }
}

/// Queues `frame` for `agent` unless it is lagging and the frame is a delta; a full queue makes it lag.
fn offer(agent: &AgentSlot, frame: &Bytes, is_snapshot: bool) -> Offer {
    let lagging = agent.lagging.load(Ordering::Relaxed);
    if lagging && !is_snapshot {
        return Offer::Skipped;
    }
    match agent.queue.try_send(frame.clone()) {
        Ok(()) if is_snapshot && lagging => {
            agent.lagging.store(false, Ordering::Relaxed);
            Offer::Recovered
        }
        Ok(()) => Offer::Queued,
        Err(TrySendError::Full(_)) if !lagging => {
            agent.lagging.store(true, Ordering::Relaxed);
            Offer::StartedLagging
        }
        // Still lagging, or the agent is leaving.
        Err(_) => Offer::Skipped,
    }
}

/// Queues an asset announcement for `agent`, lagging or not; false (and the agent lags) if its queue is full.
fn announce(agent: &AgentSlot, announcement: &Bytes) -> bool {
    match agent.queue.try_send(announcement.clone()) {
        Ok(()) => true,
        Err(TrySendError::Full(_)) => {
            agent.lagging.store(true, Ordering::Relaxed);
            false
        }
        // The agent is leaving.
        Err(TrySendError::Closed(_)) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(queue: usize) -> SessionLimits {
        SessionLimits { agent_queue_frames: queue, kept_state_bytes: 1 << 20, assets: ASSET_LIMITS }
    }

    const ASSET_LIMITS: AssetLimits = AssetLimits { max_asset_bytes: 1 << 20, max_session_bytes: 1 << 20 };

    fn frame(text: &'static str) -> Bytes {
        Bytes::from_static(text.as_bytes())
    }

    fn drain(queue: &mut mpsc::Receiver<Bytes>) -> Vec<Bytes> {
        let mut frames = Vec::new();
        while let Ok(frame) = queue.try_recv() {
            frames.push(frame);
        }
        frames
    }

    fn drain_controls(controls: &mut mpsc::UnboundedReceiver<Control>) -> Vec<Control> {
        let mut all = Vec::new();
        while let Ok(control) = controls.try_recv() {
            all.push(control);
        }
        all
    }

    #[test]
    fn a_late_agent_catches_up_from_the_latest_snapshot() {
        let (session, mut controls) =
            Session::new("123456".into(), limits(8), MaskingRules::default(), AssetBudget::new(usize::MAX));
        session.accept_page_frame(FrameKind::Snapshot, frame("S1"));
        session.accept_page_frame(FrameKind::Delta, frame("d1"));
        session.accept_page_frame(FrameKind::Snapshot, frame("S2"));
        session.accept_page_frame(FrameKind::Delta, frame("d2"));
        let mut link = session.join("ana").unwrap();
        assert_eq!(link.catch_up, [frame("S2"), frame("d2")]);
        session.accept_page_frame(FrameKind::Delta, frame("d3"));
        assert_eq!(drain(&mut link.queue), [frame("d3")]);
        assert_eq!(
            drain_controls(&mut controls),
            [
                Control::SessionStarted { key: "123456".into(), masking: MaskingRules::default() },
                Control::AgentJoined { name: "ana".into(), agents: 1 }
            ]
        );
    }

    #[test]
    fn a_full_queue_skips_deltas_until_a_snapshot_fits() {
        let (session, mut controls) =
            Session::new("1".into(), limits(2), MaskingRules::default(), AssetBudget::new(usize::MAX));
        let mut slow = session.join("slow").unwrap();
        let mut fast = session.join("fast").unwrap();
        drain_controls(&mut controls);
        session.accept_page_frame(FrameKind::Snapshot, frame("S1"));
        session.accept_page_frame(FrameKind::Delta, frame("d1"));
        assert_eq!(drain(&mut fast.queue).len(), 2);
        session.accept_page_frame(FrameKind::Delta, frame("d2"));
        assert!(slow.lagging.load(Ordering::Relaxed));
        assert_eq!(drain_controls(&mut controls), [Control::SnapshotRequested]);
        session.accept_page_frame(FrameKind::Delta, frame("d3"));
        assert_eq!(drain_controls(&mut controls), [], "asked only once until a snapshot arrives");
        assert_eq!(drain(&mut fast.queue), [frame("d2"), frame("d3")]);

        assert_eq!(drain(&mut slow.queue), [frame("S1"), frame("d1")]);
        session.accept_page_frame(FrameKind::Delta, frame("d4"));
        assert!(drain(&mut slow.queue).is_empty(), "a lagging agent skips deltas even with room");
        assert_eq!(drain(&mut fast.queue), [frame("d4")]);
        session.accept_page_frame(FrameKind::Snapshot, frame("S2"));
        session.accept_page_frame(FrameKind::Delta, frame("d5"));
        assert!(!slow.lagging.load(Ordering::Relaxed));
        assert_eq!(drain(&mut slow.queue), [frame("S2"), frame("d5")]);
        assert_eq!(drain(&mut fast.queue), [frame("S2"), frame("d5")]);
    }

    #[test]
    fn asset_announcements_reach_lagging_agents_and_come_again_when_they_recover() {
        let (session, _controls) =
            Session::new("1".into(), limits(2), MaskingRules::default(), AssetBudget::new(usize::MAX));
        let mut agent = session.join("slow").unwrap();
        let upload =
            |url: &str| AssetUpload { url: url.into(), mime: "image/png".into(), bytes: url.as_bytes().to_vec() };
        session.accept_page_frame(FrameKind::Snapshot, frame("S1"));
        session.accept_asset(upload("u1")).unwrap();
        session.accept_asset(upload("u2")).unwrap();
        assert!(agent.lagging.load(Ordering::Relaxed), "a full queue made it lag");
        let first = drain(&mut agent.queue);
        assert_eq!(first.len(), 2, "the snapshot and u1's announcement");
        session.accept_page_frame(FrameKind::Snapshot, frame("S2"));
        let again = drain(&mut agent.queue);
        assert_eq!(again[0], frame("S2"));
        assert_eq!(again[1..], session.lock().assets.announcements()[..1], "u1 again; u2 waits for room");
        assert!(agent.lagging.load(Ordering::Relaxed));
        session.accept_page_frame(FrameKind::Snapshot, frame("S3"));
        assert_eq!(drain(&mut agent.queue)[1..], session.lock().assets.announcements()[..1]);
        let late = session.join("late").unwrap();
        assert_eq!(late.catch_up[..2], *session.lock().assets.announcements());
        assert_eq!(late.catch_up[2..], [frame("S3")]);
    }

    #[test]
    fn ending_closes_every_queue_after_its_frames_and_bars_joining() {
        let (session, _controls) =
            Session::new("1".into(), limits(8), MaskingRules::default(), AssetBudget::new(usize::MAX));
        let mut link = session.join("ana").unwrap();
        session.accept_page_frame(FrameKind::Snapshot, frame("S1"));
        session.end(CloseReason::new(close::SESSION_ENDED, "the visitor ended the session"));
        session.end(CloseReason::new(close::GOING_AWAY, "ignored: the first reason wins"));
        assert_eq!(link.queue.try_recv().unwrap(), frame("S1"));
        assert!(matches!(link.queue.try_recv(), Err(mpsc::error::TryRecvError::Disconnected)));
        assert_eq!(session.end_reason().code, close::SESSION_ENDED);
        assert!(session.join("bo").is_none());
    }

    #[test]
    fn a_key_expires_only_while_no_agent_has_joined() {
        let (unjoined, _controls) =
            Session::new("1".into(), limits(8), MaskingRules::default(), AssetBudget::new(usize::MAX));
        assert!(unjoined.expire_if_unjoined());
        assert!(unjoined.join("ana").is_none());

        let (joined, mut controls) =
            Session::new("2".into(), limits(8), MaskingRules::default(), AssetBudget::new(usize::MAX));
        let link = joined.join("ana").unwrap();
        joined.leave(link.id);
        assert!(!joined.expire_if_unjoined());
        assert!(drain_controls(&mut controls).contains(&Control::AgentLeft { name: "ana".into(), agents: 0 }));
    }

    #[test]
    fn growing_kept_state_asks_for_a_snapshot_then_is_dropped_far_past_the_limit() {
        let limits = SessionLimits { agent_queue_frames: 8, kept_state_bytes: 100, assets: ASSET_LIMITS };
        let (session, mut controls) =
            Session::new("1".into(), limits, MaskingRules::default(), AssetBudget::new(usize::MAX));
        drain_controls(&mut controls);
        session.accept_page_frame(FrameKind::Snapshot, Bytes::from(vec![0; 40]));
        session.accept_page_frame(FrameKind::Delta, Bytes::from(vec![0; 70]));
        assert_eq!(drain_controls(&mut controls), [Control::SnapshotRequested]);
        for _ in 0..5 {
            session.accept_page_frame(FrameKind::Delta, Bytes::from(vec![0; 70]));
        }
        assert!(session.join("late").unwrap().catch_up.is_empty());
    }
}
