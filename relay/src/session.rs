//! One live session: the visitor's kept state, the agents watching it with their bounded queues, and the
//! visitor's presence (which connection carries it, or since when it waits for the visitor's next page).
//!
//! A session is not its visitor's socket: it opens with the visitor's first page and lives while the
//! visitor loads pages, reconnects or changes tabs (see `presence.rs`); a connection that comes back
//! proves itself with the resume secret (see `resume.rs`). It ends when the visitor ends it, when it
//! waits longer than the grace period, when it idles past the idle limit, or when its key expires unused —
//! the deadlines `keeper.rs` checks.
//!
//! The visitor's task hands every page frame to [`Session::accept_page_frame`], which never waits: each
//! agent has its own bounded queue, and an agent whose queue is full is marked *lagging*. A lagging agent
//! skips every delta until a snapshot fits in its queue, and the visitor is asked for a fresh snapshot.
//! So a slow agent never slows the visitor or the other agents. Each agent's task drains its own queue
//! at the pace of its own socket.
//!
//! The session also holds its asset cache (see `assets.rs`): each new asset mapping is queued to every agent,
//! lagging or not, and kept, so an agent who joins later gets all of them before the kept snapshot. An agent
//! whose queue was too full to take one gets them all again with the snapshot it recovers on. What the
//! visitor offered for the relay to fetch itself is counted in its [`AssetOffers`] (see `asset_offers.rs`).
//!
//! The state sits behind one std mutex, held for a few reference-count bumps at a time and never across
//! an await.

use crate::asset_offers::AssetOffers;
use crate::assets::{self, AssetBudget, AssetCache, AssetLimits, AssetOwner, AssetRefused, StoredAsset};
use crate::budget::MemoryBudget;
use crate::call::{self, Admission, Call, NotAllowed};
use crate::carried::Carried;
use crate::close::{describe_duration, CloseReason};
use crate::config::{ConsentPolicy, ControlPolicy, TabPolicy};
use crate::kept::KeptState;
use crate::metrics::Metrics;
use crate::presence::{self, Presence, VisitorLink};
use crate::queue::{self, QueueReceiver, QueueSender};
use crate::resume::ResumeSecret;
use bytes::Bytes;
use cobrowse_protocol::message::encode_control;
use cobrowse_protocol::{close, AgentId, AssetUpload, Control, FrameKind, MaskingRules};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use thiserror::Error;
use tokio::sync::mpsc::error::TrySendError;
use tokio::sync::{oneshot, watch};
use tokio::time::Instant;

/// Why a snapshot is asked for when a call message found an agent's queue full.
const CALL_MESSAGE_LAG: &str = "an agent's queue was too full for a call message";

/// Past this many times `kept_state_bytes`, the relay stops keeping state until the next snapshot: a
/// visitor that ignores snapshot requests must not grow the relay's memory without bound.
const HARD_LIMIT_FACTOR: usize = 4;

/// The limits a session works within, from the config.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SessionLimits {
    pub agent_queue_frames: usize,
    /// The most bytes waiting for one agent (see `queue.rs`).
    pub agent_queue_bytes: usize,
    pub kept_state_bytes: usize,
    pub assets: AssetLimits,
}

/// Where a session comes from: the site, the page origin that started it (a resume must come from the
/// same), the address of the visitor that opened it (its assets count in that address's share), the site's
/// masking rules, its tab policy and its call settings.
#[derive(Debug, Clone)]
pub(crate) struct SessionSite {
    pub site_id: String,
    pub address: std::net::IpAddr,
    pub origin: Option<String>,
    pub masking: MaskingRules,
    pub tabs: TabPolicy,
    pub consent: ConsentPolicy,
    pub remote_control: ControlPolicy,
}

impl SessionSite {
    /// Whose shares the session's assets count in.
    fn asset_owner(&self) -> AssetOwner {
        AssetOwner { address: crate::caps::address_group(self.address), site: self.site_id.clone() }
    }
}

/// When a session ends by itself, from the config.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deadlines {
    /// A key no agent used by then expires.
    pub key_ttl: Duration,
    /// A session whose visitor stays away this long ends.
    pub resume_grace: Duration,
    /// A session with no page frame from its visitor for this long ends.
    pub idle_limit: Duration,
}

/// Why a visitor's connection may not resume a session.
#[derive(Debug, Error, PartialEq, Eq)]
pub(crate) enum ResumeRefused {
    #[error("this session has ended; start a new one for a new key")]
    Ended,
    #[error("the resume secret does not match this session; start a new session")]
    WrongSecret,
    #[error("this page is not on the site and origin that started the session; start a new session here")]
    OtherOrigin,
    #[error("this site keeps a session to the tab that started it; it goes on in that tab")]
    NotTheFirstTab,
}

pub(crate) struct Session {
    key: String,
    asset_token: String,
    site: SessionSite,
    secret: ResumeSecret,
    limits: SessionLimits,
    metrics: Arc<Metrics>,
    opened: Instant,
    /// What the kept state and the agents' queues are charged to.
    memory: Arc<MemoryBudget>,
    ended: watch::Sender<bool>,
    /// The visitor's asset offers: how many, which are being fetched (apart from `inner`: a fetch's end
    /// takes no session lock).
    offers: AssetOffers,
    inner: Mutex<Inner>,
}

struct Inner {
    presence: Presence,
    /// When the visitor last sent a page frame (or the session opened).
    last_page_frame: Instant,
    kept: KeptState,
    assets: AssetCache,
    agents: Vec<AgentSlot>,
    /// Consent, who watches, who controls (see `call.rs`).
    call: Call,
    /// The number the next agent connection gets (from 1: 0 is `NOBODY`).
    next_agent_id: AgentId,
    /// Once an agent has joined, the key no longer expires.
    ever_joined: bool,
    /// A `SnapshotRequested` was sent and no snapshot has arrived since.
    snapshot_requested: bool,
    /// The account holding control and the count of tabs seen when [`Session::carried_if_changed`] last
    /// said them.
    reported: (Option<String>, usize),
    /// Set once, when the session ends; what its agents are told.
    end_reason: Option<CloseReason>,
}

/// The session's side of one agent.
struct AgentSlot {
    id: AgentId,
    name: String,
    queue: QueueSender,
    lagging: Arc<AtomicBool>,
    /// Fired when the visitor stops sharing with this agent.
    dismiss: oneshot::Sender<()>,
}

/// The agent task's side of its place in a session.
pub(crate) struct AgentLink {
    pub id: AgentId,
    /// The kept snapshot and deltas at the moment of joining, to send before anything from `queue`.
    pub catch_up: Vec<Bytes>,
    /// Live frames, as the visitor sent them. Closed when the session ends.
    pub queue: QueueReceiver,
    /// Whether this agent is skipping deltas until the next snapshot.
    pub lagging: Arc<AtomicBool>,
    /// Resolves with `Ok` when the visitor stops sharing with this agent (`Control::Dismiss`): the agent
    /// is out of the session already, and its task closes it with `close::CONSENT_DECLINED` at once,
    /// dropping what its queue still holds. An error only means the session let go of it otherwise.
    pub dismissed: oneshot::Receiver<()>,
}

/// What became of an agent that signed in to a session.
pub(crate) enum Joining {
    /// It watches: its link carries the session's frames.
    Watching(AgentLink),
    /// It waits for the visitor's consent as agent number `agent`; `answer` says it (`true`: allowed;
    /// dropped: the session ended). Then [`Session::watch_after_consent`] or [`Session::stop_waiting`].
    Asking { agent: AgentId, answer: oneshot::Receiver<bool> },
    /// The visitor declined this agent's account earlier in the session.
    Declined,
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
    /// A new session with no visitor connection yet, and its resume secret, to send to the visitor once
    /// (with [`Session::attach_first_visitor`]). Its assets take their bytes from `asset_budget`, shared by
    /// all sessions; it counts skipped frames, snapshot requests and queue depths into `metrics`.
    pub fn new(
        key: String,
        site: SessionSite,
        limits: SessionLimits,
        asset_budget: Arc<AssetBudget>,
        metrics: Arc<Metrics>,
        memory: Arc<MemoryBudget>,
    ) -> (Arc<Session>, String) {
        let (secret, secret_text) = ResumeSecret::generate();
        let session = Session::adopt(key, (site, &Carried::default()), secret, limits, asset_budget, (metrics, memory));
        (session, secret_text)
    }

    /// A session under `key` whose resume secret is `secret` already: one a cluster node takes over from a
    /// node that died (`cluster/`), its visitor resuming here with the secret it holds, and what its call
    /// was there `carried` over (the visitor's consent decisions, the account holding control).
    pub fn adopt(
        key: String,
        (site, carried): (SessionSite, &Carried),
        secret: ResumeSecret,
        limits: SessionLimits,
        asset_budget: Arc<AssetBudget>,
        (metrics, memory): (Arc<Metrics>, Arc<MemoryBudget>),
    ) -> Arc<Session> {
        let asset_token = crate::keys::generate_asset_token();
        let now = Instant::now();
        let mut call = Call::new(site.consent, site.remote_control);
        call.carry_over(carried);
        let inner = Inner {
            presence: Presence::carried_over(carried.tabs.clone()),
            last_page_frame: now,
            kept: KeptState::charged_to(memory.clone()),
            assets: AssetCache::new(asset_token.clone(), asset_budget, site.asset_owner()),
            agents: Vec::new(),
            call,
            next_agent_id: 1,
            ever_joined: false,
            snapshot_requested: false,
            reported: (carried.control.clone(), carried.tabs.len()),
            end_reason: None,
        };
        let session = Session {
            key,
            asset_token,
            site,
            secret,
            limits,
            metrics,
            opened: now,
            memory,
            ended: watch::Sender::new(false),
            offers: AssetOffers::new(),
            inner: Mutex::new(inner),
        };
        Arc::new(session)
    }

    /// The SHA-256 of the resume secret, as hex (what a cluster node stores to take the session over).
    pub fn secret_hash_hex(&self) -> String {
        self.secret.hash_hex()
    }

    /// The page origin that started the session.
    pub fn origin(&self) -> Option<&str> {
        self.site.origin.as_deref()
    }

    /// Attaches the connection that opened the session; its `SessionStarted` carries `secret`, the only
    /// time the relay sends it.
    pub fn attach_first_visitor(&self, tab_id: Option<&str>, secret: String) -> Option<VisitorLink> {
        let mut inner = self.lock();
        self.attach_locked(&mut inner, tab_id, secret)
    }

    /// Attaches a connection that offers `secret` from `site_id` and `origin` for the tab `tab_id`: the
    /// visitor's next page, its reconnection, or its other tab. The connection carrying the session before
    /// is let go.
    pub fn resume(
        &self,
        secret: &str,
        site_id: &str,
        origin: Option<&str>,
        tab_id: Option<&str>,
    ) -> Result<VisitorLink, ResumeRefused> {
        let mut inner = self.lock();
        if inner.end_reason.is_some() {
            return Err(ResumeRefused::Ended);
        }
        if !self.secret.matches(secret) {
            return Err(ResumeRefused::WrongSecret);
        }
        if site_id != self.site.site_id || origin != self.site.origin.as_deref() {
            return Err(ResumeRefused::OtherOrigin);
        }
        if self.site.tabs == TabPolicy::First && !inner.presence.is_first_tab(tab_id) {
            return Err(ResumeRefused::NotTheFirstTab);
        }
        self.attach_locked(&mut inner, tab_id, String::new()).ok_or(ResumeRefused::Ended)
    }

    /// The visitor's connection `link_id` is gone: if it carried the session, the session waits for the
    /// visitor's next page (`navigating`) or reconnection, and the agents are told.
    pub fn visitor_left(&self, link_id: u64, navigating: bool) {
        let mut inner = self.lock();
        if inner.end_reason.is_some() || !inner.presence.detach(link_id, navigating, Instant::now()) {
            return;
        }
        let away = Bytes::from(encode_control(&Control::VisitorAway { navigating }));
        self.tell_agents_locked(&mut inner, &away);
    }

    /// Whether the session has ended.
    pub fn has_ended(&self) -> bool {
        self.lock().end_reason.is_some()
    }

    /// Ends the session if a deadline has passed at `now`; true if it has ended (now or before).
    pub fn check_deadlines(&self, now: Instant, deadlines: &Deadlines) -> bool {
        let mut inner = self.lock();
        if inner.end_reason.is_some() {
            return true;
        }
        let reason = if !inner.ever_joined && now.saturating_duration_since(self.opened) >= deadlines.key_ttl {
            CloseReason::new(
                close::KEY_EXPIRED,
                format!("no agent joined within {}; start again for a new key", describe_duration(deadlines.key_ttl)),
            )
        } else if presence::waited(inner.presence.away(), now) >= deadlines.resume_grace {
            CloseReason::new(
                close::SESSION_ENDED,
                format!("the visitor left and did not come back within {}", describe_duration(deadlines.resume_grace)),
            )
        } else if now.saturating_duration_since(inner.last_page_frame) >= deadlines.idle_limit {
            CloseReason::new(
                close::SESSION_ENDED,
                format!("the session was idle for {}", describe_duration(deadlines.idle_limit)),
            )
        } else {
            return false;
        };
        tracing::info!(key = self.key, reason = reason.reason, "session ended by a deadline");
        self.end_locked(&mut inner, reason);
        true
    }

    fn attach_locked(&self, inner: &mut Inner, tab_id: Option<&str>, secret: String) -> Option<VisitorLink> {
        if inner.end_reason.is_some() {
            return None;
        }
        let (link, tab, same_tab) = inner.presence.attach(tab_id);
        if same_tab {
            // The tab's previous page never closed its socket: the visitor changed page all the same.
            let away = Bytes::from(encode_control(&Control::VisitorAway { navigating: true }));
            self.tell_agents_locked(inner, &away);
        }
        let agents = inner.agents.len() as u32;
        let masking = self.site.masking.clone();
        inner.presence.tell(Control::SessionStarted { key: self.key.clone(), masking, secret, agents });
        for control in inner.call.for_new_page() {
            inner.presence.tell(control);
        }
        let tab = Bytes::from(encode_control(&Control::VisitorTab { tab }));
        self.tell_agents_locked(inner, &tab);
        Some(link)
    }

    /// Queues a control frame to every agent; one whose queue is full lags (and gets a snapshot later).
    fn tell_agents_locked(&self, inner: &mut Inner, frame: &Bytes) {
        self.tell_agents_where(inner, frame, |_| true, "an agent's queue was too full for a visitor notice");
    }

    /// Queues a control frame to the agents `wanted` picks; one whose queue is full lags (`why` is logged
    /// with the snapshot request that follows).
    fn tell_agents_where(&self, inner: &mut Inner, frame: &Bytes, wanted: impl Fn(&AgentSlot) -> bool, why: &str) {
        // Every wanted agent gets the frame: counting the failures (not `any`) never stops at the first full queue.
        let lagging = inner.agents.iter().filter(|slot| wanted(slot)).filter(|slot| !announce(slot, frame)).count();
        if lagging > 0 {
            self.request_snapshot_locked(inner, why);
        }
    }

    pub fn key(&self) -> &str {
        &self.key
    }

    /// When the visitor last sent a page frame (or the session opened): the oldest are shed first.
    pub fn last_active(&self) -> Instant {
        self.lock().last_page_frame
    }

    /// The bytes the session holds in kept state and its agents' queues.
    pub fn held_bytes(&self) -> usize {
        let inner = self.lock();
        inner.kept.total_bytes() + inner.agents.iter().map(|agent| agent.queue.held_bytes()).sum::<usize>()
    }

    /// The id of the site the session belongs to.
    pub fn site_id(&self) -> &str {
        &self.site.site_id
    }

    /// The masking rules the session's visitor is sent.
    pub fn masking(&self) -> &MaskingRules {
        &self.site.masking
    }

    /// The name of the watching agent `agent`, if it still watches.
    pub fn agent_name(&self, agent: AgentId) -> Option<String> {
        self.lock().agents.iter().find(|slot| slot.id == agent).map(|slot| slot.name.clone())
    }

    /// The random token naming this session in asset URLs.
    pub fn asset_token(&self) -> &str {
        &self.asset_token
    }

    /// Stores an uploaded asset and announces a new URL mapping to every agent. Hashes outside the lock.
    pub fn accept_asset(&self, upload: AssetUpload) -> Result<(), AssetRefused> {
        let hash = assets::sha256_hex(&upload.bytes);
        self.accept_hashed_asset(upload, hash)
    }

    /// [`Session::accept_asset`] for bytes whose SHA-256 (`hash`, lower-case hex) the caller has computed
    /// already: a file the relay fetched itself and compared with the visitor's offer.
    pub fn accept_hashed_asset(&self, upload: AssetUpload, hash: String) -> Result<(), AssetRefused> {
        let mut inner = self.lock();
        if inner.end_reason.is_some() {
            return Ok(());
        }
        let Some(announcement) = inner.assets.store(upload, hash, &self.limits.assets)? else {
            return Ok(());
        };
        let lagging = inner.agents.iter().filter(|agent| !announce(agent, &announcement)).count();
        if lagging > 0 {
            self.request_snapshot_locked(&mut inner, "an agent's queue was too full for an asset announcement");
        }
        Ok(())
    }

    /// Whether the session's assets map `url` already (uploaded or fetched).
    pub fn maps_url(&self, url: &str) -> bool {
        self.lock().assets.maps_url(url)
    }

    /// The visitor's asset offers so far (see `asset_fetch.rs`).
    pub fn asset_offers(&self) -> &AssetOffers {
        &self.offers
    }

    /// Sends `control` to the visitor's current connection; dropped if the visitor is away (its next
    /// page starts over) or the session has ended.
    pub fn tell_visitor(&self, control: Control) {
        let inner = self.lock();
        if inner.end_reason.is_none() {
            inner.presence.tell(control);
        }
    }

    /// The stored asset with this hash; `None` once the session has ended.
    pub fn asset(&self, hash: &str) -> Option<StoredAsset> {
        self.lock().assets.get(hash)
    }

    /// Keeps a page frame (a snapshot, a snapshot part or a delta) from the visitor's connection `link_id`
    /// and queues it, as the same bytes, to every agent that can take it. Frames of a connection that no
    /// longer carries the session are dropped. A snapshot part travels as a delta does (after its
    /// snapshot, skipped by a lagging agent) but is kept as part of the snapshot (see `kept.rs`).
    pub fn accept_page_frame(&self, link_id: u64, kind: FrameKind, frame: Bytes) {
        let is_snapshot = kind == FrameKind::Snapshot;
        let mut inner = self.lock();
        if inner.end_reason.is_some() || !inner.presence.accepts_frame(link_id, is_snapshot) {
            return;
        }
        inner.last_page_frame = Instant::now();
        keep(&mut inner, kind, frame.clone());
        self.bound_kept_state(&mut inner);
        let mut started_lagging = Vec::new();
        for agent in &inner.agents {
            match offer(agent, &frame, is_snapshot, &self.metrics) {
                Offer::StartedLagging => started_lagging.push(agent.name.clone()),
                Offer::Recovered => {
                    // It may have missed some while its queue was full; a full queue again makes it lag again.
                    for announcement in inner.assets.announcements() {
                        let _ = announce(agent, announcement);
                    }
                }
                Offer::Skipped => self.metrics.frame_skipped(),
                Offer::Queued => {}
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

    /// An agent signed in as `name` to join; `None` if the session has ended. It watches at once, or
    /// waits for the visitor's consent (the visitor is asked), or is refused.
    pub fn join(&self, name: &str) -> Option<Joining> {
        let mut inner = self.lock();
        if inner.end_reason.is_some() {
            return None;
        }
        let id = inner.next_agent_id;
        inner.next_agent_id += 1;
        inner.ever_joined = true;
        let mut out = Vec::new();
        let admission = inner.call.admission(id, name, &mut out);
        self.deliver_locked(&mut inner, out);
        Some(match admission {
            Admission::Watch => Joining::Watching(self.add_agent_locked(&mut inner, id, name)),
            Admission::Ask(answer) => Joining::Asking { agent: id, answer },
            Admission::Declined => Joining::Declined,
        })
    }

    /// The visitor allowed agent `agent` (from [`Joining::Asking`]): it watches now. `None` if the session
    /// has ended meanwhile.
    pub fn watch_after_consent(&self, agent: AgentId, name: &str) -> Option<AgentLink> {
        let mut inner = self.lock();
        if inner.end_reason.is_some() {
            return None;
        }
        Some(self.add_agent_locked(&mut inner, agent, name))
    }

    /// Agent `agent` stopped waiting for consent (it left, was declined, or the relay is stopping).
    pub fn stop_waiting(&self, agent: AgentId) {
        let mut inner = self.lock();
        let mut out = Vec::new();
        inner.call.leave(agent, &mut out);
        self.deliver_locked(&mut inner, out);
    }

    fn add_agent_locked(&self, inner: &mut Inner, id: AgentId, name: &str) -> AgentLink {
        // The others learn the new list now; the new agent gets it with its catch-up.
        let mut out = Vec::new();
        inner.call.watch(id, name, &mut out);
        self.deliver_locked(inner, out);
        let (queue_sender, queue) =
            queue::channel(self.limits.agent_queue_frames, self.limits.agent_queue_bytes, self.memory.clone());
        let lagging = Arc::new(AtomicBool::new(false));
        let (dismiss, dismissed) = oneshot::channel();
        let slot = AgentSlot { id, name: name.to_owned(), queue: queue_sender, lagging: lagging.clone(), dismiss };
        inner.agents.push(slot);
        let agents = inner.agents.len() as u32;
        inner.presence.tell(Control::AgentJoined { name: name.to_owned(), agents });
        let mut catch_up = vec![Bytes::from(encode_control(&Control::VisitorTab { tab: inner.presence.tab() }))];
        if let Some(away) = inner.presence.away() {
            catch_up.push(Bytes::from(encode_control(&Control::VisitorAway { navigating: away.navigating })));
        }
        catch_up.extend(inner.assets.announcements().iter().chain(inner.kept.frames()).cloned());
        catch_up.extend(inner.call.for_new_agent().iter().map(|control| Bytes::from(encode_control(control))));
        AgentLink { id, catch_up, queue, lagging, dismissed }
    }

    /// Removes an agent (if the session still has it). The visitor and the other agents are told.
    pub fn leave(&self, agent_id: AgentId) {
        let mut inner = self.lock();
        let Some(index) = inner.agents.iter().position(|agent| agent.id == agent_id) else {
            return;
        };
        let agent = inner.agents.remove(index);
        let agents = inner.agents.len() as u32;
        inner.presence.tell(Control::AgentLeft { name: agent.name, agents });
        let mut out = Vec::new();
        inner.call.leave(agent_id, &mut out);
        self.deliver_locked(&mut inner, out);
    }

    /// What the session carries to another node (see `carried.rs`): the visitor's consent decisions so
    /// far, the account holding control, the visitor's tabs.
    pub fn carried(&self) -> Carried {
        Self::carried_locked(&self.lock())
    }

    /// [`Session::carried`] when the account holding control or the tabs seen changed since it was last
    /// said here (control granted, released, taken back, its agent gone; a new tab), while the session
    /// goes on; `None` otherwise (so a pointer's every move writes nothing to the engine, and allocates nothing).
    pub fn carried_if_changed(&self) -> Option<Carried> {
        let mut inner = self.lock();
        let (control, tabs) = (inner.call.control_account(), inner.presence.tabs().len());
        if inner.end_reason.is_some() || (control, tabs) == (inner.reported.0.as_deref(), inner.reported.1) {
            return None;
        }
        let carried = Self::carried_locked(&inner);
        inner.reported = (carried.control.clone(), tabs);
        Some(carried)
    }

    fn carried_locked(inner: &Inner) -> Carried {
        Carried {
            decisions: inner.call.decisions(),
            control: inner.call.control_account().map(str::to_owned),
            tabs: inner.presence.tabs().to_vec(),
        }
    }

    /// The visitor answered the consent asked for `agent`, from its connection `link_id`.
    pub fn answer_consent(&self, link_id: u64, agent: AgentId, allow: bool) {
        let mut inner = self.lock();
        if inner.end_reason.is_none() && inner.presence.is_current(link_id) {
            inner.call.answer_consent(agent, allow);
        }
    }

    /// The visitor's connection `link_id` stopped sharing with the watching agent `agent` (see
    /// [`Call::dismiss`]): every connection of that agent's account leaves the session at once (no frame
    /// is queued for it any more, and its task is told to close it), and the others learn the new list.
    /// Returns the account's name when the dismissal was accepted; `None` when it changed nothing (it came
    /// from a connection that no longer carries the session, the session ended, or `agent` does not watch).
    pub fn dismiss(&self, link_id: u64, agent: AgentId) -> Option<String> {
        let mut inner = self.lock();
        if inner.end_reason.is_some() || !inner.presence.is_current(link_id) {
            return None;
        }
        let name = inner.agents.iter().find(|slot| slot.id == agent).map(|slot| slot.name.clone());
        let mut out = Vec::new();
        let dismissed = inner.call.dismiss(agent, &mut out);
        if dismissed.is_empty() {
            return None;
        }
        for id in dismissed {
            let Some(index) = inner.agents.iter().position(|slot| slot.id == id) else {
                continue;
            };
            let slot = inner.agents.remove(index);
            tracing::info!(key = self.key, agent = slot.name, "the visitor stopped sharing with an agent");
            let agents = inner.agents.len() as u32;
            inner.presence.tell(Control::AgentLeft { name: slot.name, agents });
            // An error only means the agent's task is ending anyway.
            let _ = slot.dismiss.send(());
        }
        self.deliver_locked(&mut inner, out);
        name
    }

    /// A call message from the visitor's connection `link_id` (see `call.rs`); one from a connection that
    /// no longer carries the session is dropped.
    pub fn visitor_says(&self, link_id: u64, control: Control) -> Result<(), NotAllowed> {
        let mut inner = self.lock();
        if inner.end_reason.is_some() || !inner.presence.is_current(link_id) {
            return Ok(());
        }
        let mut out = Vec::new();
        let result = inner.call.visitor_says(control, &mut out);
        self.deliver_locked(&mut inner, out);
        result
    }

    /// A call message from the watching agent `agent` (see `call.rs`).
    pub fn agent_says(&self, agent: AgentId, control: Control) -> Result<(), NotAllowed> {
        let mut inner = self.lock();
        if inner.end_reason.is_some() {
            return Ok(());
        }
        let mut out = Vec::new();
        let result = inner.call.agent_says(agent, control, &mut out);
        self.deliver_locked(&mut inner, out);
        result
    }

    /// Delivers what the call's rules said to send.
    fn deliver_locked(&self, inner: &mut Inner, out: Vec<call::Send>) {
        for send in out {
            match send {
                call::Send::Visitor(control) => inner.presence.tell(control),
                call::Send::Agent(agent, control) => {
                    let frame = Bytes::from(encode_control(&control));
                    self.tell_agents_where(inner, &frame, |slot| slot.id == agent, CALL_MESSAGE_LAG);
                }
                call::Send::Agents { except, control } => {
                    let frame = Bytes::from(encode_control(&control));
                    self.tell_agents_where(inner, &frame, |slot| slot.id != except, CALL_MESSAGE_LAG);
                }
            }
        }
    }

    /// Asks the visitor for a fresh snapshot, unless one is already asked for.
    pub fn request_snapshot(&self, why: &str) {
        let mut inner = self.lock();
        self.request_snapshot_locked(&mut inner, why);
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
        inner.presence.clear();
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
        self.metrics.snapshot_requested();
        tracing::debug!(key = self.key, why, "asking the visitor for a fresh snapshot");
        inner.presence.tell(Control::SnapshotRequested);
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().expect("session lock poisoned")
    }
}

/// Keeps a page frame of `kind`: a snapshot starts the kept state over, a snapshot part or a delta follows.
fn keep(inner: &mut Inner, kind: FrameKind, frame: Bytes) {
    match kind {
        FrameKind::Snapshot => {
            inner.kept.replace_with_snapshot(frame);
            inner.snapshot_requested = false;
        }
        FrameKind::SnapshotPart => inner.kept.append_snapshot_part(frame),
        // Only page frames come here: the rest are deltas.
        _ => inner.kept.append_delta(frame),
    }
}

/// Queues `frame` for `agent` unless it is lagging and the frame is not a snapshot (a delta or a snapshot
/// part); a full queue makes it lag.
fn offer(agent: &AgentSlot, frame: &Bytes, is_snapshot: bool, metrics: &Metrics) -> Offer {
    let lagging = agent.lagging.load(Ordering::Relaxed);
    if lagging && !is_snapshot {
        return Offer::Skipped;
    }
    metrics.queue_depth(agent.queue.queued_frames());
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
        SessionLimits {
            agent_queue_frames: queue,
            agent_queue_bytes: 1 << 20,
            kept_state_bytes: 1 << 20,
            assets: ASSET_LIMITS,
        }
    }

    const ASSET_LIMITS: AssetLimits = AssetLimits { max_asset_bytes: 1 << 20, max_session_bytes: 1 << 20 };

    fn frame(text: &'static str) -> Bytes {
        Bytes::from_static(text.as_bytes())
    }

    fn site() -> SessionSite {
        SessionSite {
            site_id: "shop".into(),
            address: std::net::Ipv4Addr::LOCALHOST.into(),
            origin: Some("https://shop.example".into()),
            masking: MaskingRules::default(),
            tabs: TabPolicy::Visible,
            consent: ConsentPolicy::Never,
            remote_control: ControlPolicy::Ask,
        }
    }

    /// Joins `name` to a session that asks no consent.
    fn watching(session: &Session, name: &str) -> AgentLink {
        match session.join(name) {
            Some(Joining::Watching(link)) => link,
            _ => panic!("{name} should watch at once"),
        }
    }

    /// A session with its visitor's first connection attached.
    fn open(limits: SessionLimits) -> (Arc<Session>, VisitorLink, String) {
        let (session, secret) = Session::new(
            "123456".into(),
            site(),
            limits,
            AssetBudget::new(crate::assets::SharedAssetLimits::total(usize::MAX)),
            Arc::default(),
            MemoryBudget::unlimited(),
        );
        let link = session.attach_first_visitor(Some("tab-a"), secret.clone()).unwrap();
        (session, link, secret)
    }

    /// Whether `frame` is a who-watches list (`call.rs` tests those).
    fn is_list(frame: &Bytes) -> bool {
        matches!(cobrowse_protocol::message::decode_control(frame), Ok(Control::Agents { .. }))
    }

    /// The frames queued for an agent, but the who-watches lists.
    fn drain(queue: &mut QueueReceiver) -> Vec<Bytes> {
        let mut frames = Vec::new();
        while let Ok(frame) = queue.try_recv() {
            frames.push(frame);
        }
        frames.into_iter().filter(|frame| !is_list(frame)).collect()
    }

    /// An agent's catch-up, but the who-watches list.
    fn page_catch_up(link: &AgentLink) -> Vec<Bytes> {
        link.catch_up.iter().filter(|frame| !is_list(frame)).cloned().collect()
    }

    /// The visitor's control messages, but the who-watches lists.
    fn drain_controls(controls: &mut tokio::sync::mpsc::UnboundedReceiver<Control>) -> Vec<Control> {
        let mut all = Vec::new();
        while let Ok(control) = controls.try_recv() {
            if !matches!(control, Control::Agents { .. }) {
                all.push(control);
            }
        }
        all
    }

    #[test]
    fn the_visitor_is_told_while_the_session_lives_and_a_stored_url_is_mapped() {
        let (session, mut visitor, _) = open(limits(8));
        drain_controls(&mut visitor.controls);
        let wanted = || Control::AssetWanted { url: "https://shop.example/a.png".into() };
        session.tell_visitor(wanted());
        assert_eq!(drain_controls(&mut visitor.controls), [wanted()]);
        let upload = AssetUpload { url: "https://shop.example/a.png".into(), mime: "image/png".into(), bytes: vec![1] };
        assert!(!session.maps_url(&upload.url));
        session.accept_hashed_asset(upload, assets::sha256_hex(&[1])).unwrap();
        assert!(session.maps_url("https://shop.example/a.png"));
        session.end(CloseReason::new(close::SESSION_ENDED, "the visitor ended the session"));
        session.tell_visitor(wanted());
        assert!(drain_controls(&mut visitor.controls).is_empty(), "nothing after the end");
    }

    #[test]
    fn a_late_agent_catches_up_from_the_latest_snapshot() {
        let (session, mut visitor, secret) = open(limits(8));
        session.accept_page_frame(visitor.id, FrameKind::Snapshot, frame("S1"));
        session.accept_page_frame(visitor.id, FrameKind::Delta, frame("d1"));
        session.accept_page_frame(visitor.id, FrameKind::Snapshot, frame("S2"));
        session.accept_page_frame(visitor.id, FrameKind::Delta, frame("d2"));
        let mut link = watching(&session, "ana");
        assert_eq!(page_catch_up(&link), [tab_frame(1), frame("S2"), frame("d2")]);
        session.accept_page_frame(visitor.id, FrameKind::Delta, frame("d3"));
        assert_eq!(drain(&mut link.queue), [frame("d3")]);
        assert_eq!(
            drain_controls(&mut visitor.controls),
            [
                Control::SessionStarted {
                    key: "123456".into(),
                    masking: MaskingRules::default(),
                    secret: secret.clone(),
                    agents: 0
                },
                Control::AgentJoined { name: "ana".into(), agents: 1 }
            ]
        );
    }

    #[test]
    fn a_full_queue_skips_deltas_until_a_snapshot_fits() {
        let (session, mut visitor, _) = open(limits(2));
        let mut slow = watching(&session, "slow");
        let mut fast = watching(&session, "fast");
        drain_controls(&mut visitor.controls);
        drain(&mut slow.queue);
        drain(&mut fast.queue);
        session.accept_page_frame(visitor.id, FrameKind::Snapshot, frame("S1"));
        session.accept_page_frame(visitor.id, FrameKind::Delta, frame("d1"));
        assert_eq!(drain(&mut fast.queue).len(), 2);
        session.accept_page_frame(visitor.id, FrameKind::Delta, frame("d2"));
        assert!(slow.lagging.load(Ordering::Relaxed));
        assert_eq!(drain_controls(&mut visitor.controls), [Control::SnapshotRequested]);
        session.accept_page_frame(visitor.id, FrameKind::Delta, frame("d3"));
        assert_eq!(drain_controls(&mut visitor.controls), [], "asked only once until a snapshot arrives");
        assert_eq!(drain(&mut fast.queue), [frame("d2"), frame("d3")]);

        assert_eq!(drain(&mut slow.queue), [frame("S1"), frame("d1")]);
        session.accept_page_frame(visitor.id, FrameKind::Delta, frame("d4"));
        assert!(drain(&mut slow.queue).is_empty(), "a lagging agent skips deltas even with room");
        assert_eq!(drain(&mut fast.queue), [frame("d4")]);
        session.accept_page_frame(visitor.id, FrameKind::Snapshot, frame("S2"));
        session.accept_page_frame(visitor.id, FrameKind::Delta, frame("d5"));
        assert!(!slow.lagging.load(Ordering::Relaxed));
        assert_eq!(drain(&mut slow.queue), [frame("S2"), frame("d5")]);
        assert_eq!(drain(&mut fast.queue), [frame("S2"), frame("d5")]);
    }

    #[test]
    fn asset_announcements_reach_lagging_agents_and_come_again_when_they_recover() {
        let (session, visitor, _) = open(limits(2));
        let mut agent = watching(&session, "slow");
        let upload =
            |url: &str| AssetUpload { url: url.into(), mime: "image/png".into(), bytes: url.as_bytes().to_vec() };
        session.accept_page_frame(visitor.id, FrameKind::Snapshot, frame("S1"));
        session.accept_asset(upload("u1")).unwrap();
        session.accept_asset(upload("u2")).unwrap();
        assert!(agent.lagging.load(Ordering::Relaxed), "a full queue made it lag");
        let first = drain(&mut agent.queue);
        assert_eq!(first.len(), 2, "the snapshot and u1's announcement");
        session.accept_page_frame(visitor.id, FrameKind::Snapshot, frame("S2"));
        let again = drain(&mut agent.queue);
        assert_eq!(again[0], frame("S2"));
        assert_eq!(again[1..], session.lock().assets.announcements()[..1], "u1 again; u2 waits for room");
        assert!(agent.lagging.load(Ordering::Relaxed));
        session.accept_page_frame(visitor.id, FrameKind::Snapshot, frame("S3"));
        assert_eq!(drain(&mut agent.queue)[1..], session.lock().assets.announcements()[..1]);
        let late = watching(&session, "late");
        let late = page_catch_up(&late);
        assert_eq!(late[0], tab_frame(1));
        assert_eq!(late[1..3], *session.lock().assets.announcements());
        assert_eq!(late[3..], [frame("S3")]);
    }

    #[test]
    fn a_full_queue_does_not_keep_an_announcement_from_the_agents_after_it() {
        let (session, visitor, _) = open(limits(2));
        let mut slow = watching(&session, "slow");
        let mut quick = watching(&session, "quick");
        let upload =
            |url: &str| AssetUpload { url: url.into(), mime: "image/png".into(), bytes: url.as_bytes().to_vec() };
        session.accept_page_frame(visitor.id, FrameKind::Snapshot, frame("S1"));
        drain(&mut quick.queue);
        // `slow`'s queue (two frames) is full now; `quick`'s is empty.
        session.accept_asset(upload("u1")).unwrap();
        assert!(slow.lagging.load(Ordering::Relaxed), "the full queue lags");
        let announced = drain(&mut quick.queue);
        assert_eq!(announced, session.lock().assets.announcements()[..1], "the agent after a full one is told too");
        drain(&mut slow.queue);
    }

    #[test]
    fn a_dismissed_agent_gets_no_frame_after_it_and_cannot_rejoin() {
        let (session, mut visitor, _) = open(limits(8));
        let mut ana = watching(&session, "ana");
        let mut bo = watching(&session, "bo");
        session.accept_page_frame(visitor.id, FrameKind::Snapshot, frame("S1"));
        drain_controls(&mut visitor.controls);
        drain(&mut bo.queue);
        assert_eq!(session.dismiss(visitor.id + 1, ana.id), None, "refused, so nothing to record");
        assert!(ana.dismissed.try_recv().is_err(), "only the visitor's current connection may dismiss");

        assert_eq!(session.dismiss(visitor.id, ana.id).as_deref(), Some("ana"));
        assert_eq!(ana.dismissed.try_recv(), Ok(()));
        assert_eq!(session.dismiss(visitor.id, ana.id), None, "ana no longer watches");
        session.accept_page_frame(visitor.id, FrameKind::Delta, frame("d1"));
        assert_eq!(drain(&mut ana.queue), [frame("S1")], "what was queued before; nothing after");
        assert!(matches!(ana.queue.try_recv(), Err(tokio::sync::mpsc::error::TryRecvError::Disconnected)));
        assert_eq!(drain(&mut bo.queue), [frame("d1")]);
        assert_eq!(drain_controls(&mut visitor.controls), [Control::AgentLeft { name: "ana".into(), agents: 1 }]);
        assert!(matches!(session.join("ana"), Some(Joining::Declined)), "ana's account is declined");
        session.leave(ana.id);
        assert!(drain_controls(&mut visitor.controls).is_empty(), "leaving after a dismissal says nothing again");
    }

    #[test]
    fn ending_closes_every_queue_after_its_frames_and_bars_joining() {
        let (session, visitor, _) = open(limits(8));
        let mut link = watching(&session, "ana");
        session.accept_page_frame(visitor.id, FrameKind::Snapshot, frame("S1"));
        session.end(CloseReason::new(close::SESSION_ENDED, "the visitor ended the session"));
        session.end(CloseReason::new(close::GOING_AWAY, "ignored: the first reason wins"));
        assert_eq!(link.queue.try_recv().unwrap(), frame("S1"));
        assert!(matches!(link.queue.try_recv(), Err(tokio::sync::mpsc::error::TryRecvError::Disconnected)));
        assert_eq!(session.end_reason().code, close::SESSION_ENDED);
        assert!(session.join("bo").is_none());
    }

    const DEADLINES: Deadlines = Deadlines {
        key_ttl: Duration::from_secs(600),
        resume_grace: Duration::from_secs(60),
        idle_limit: Duration::from_secs(1800),
    };

    #[tokio::test(start_paused = true)]
    async fn a_key_expires_only_while_no_agent_has_joined() {
        let (unjoined, _visitor, _) = open(limits(8));
        let (joined, mut visitor, _) = open(limits(8));
        let link = watching(&joined, "ana");
        joined.leave(link.id);
        let later = Instant::now() + Duration::from_secs(601);
        joined.accept_page_frame(visitor.id, FrameKind::Snapshot, frame("S1"));
        assert!(!unjoined.check_deadlines(Instant::now(), &DEADLINES));
        assert!(unjoined.check_deadlines(later, &DEADLINES));
        assert_eq!(unjoined.end_reason().code, close::KEY_EXPIRED);
        assert!(unjoined.join("ana").is_none());
        assert!(!joined.check_deadlines(later, &DEADLINES));
        assert!(drain_controls(&mut visitor.controls).contains(&Control::AgentLeft { name: "ana".into(), agents: 0 }));
    }

    #[tokio::test(start_paused = true)]
    async fn an_away_visitor_is_waited_for_the_grace_period_then_the_session_ends() {
        let (session, visitor, _) = open(limits(8));
        let mut agent = watching(&session, "ana");
        session.visitor_left(visitor.id, true);
        assert_eq!(drain(&mut agent.queue), [away_frame(true)]);
        let left = Instant::now();
        assert!(!session.check_deadlines(left + Duration::from_secs(59), &DEADLINES));
        assert!(session.check_deadlines(left + Duration::from_secs(60), &DEADLINES));
        assert_eq!(session.end_reason().code, close::SESSION_ENDED);
        assert!(session.end_reason().reason.contains("did not come back within 1 minute"));
    }

    #[tokio::test(start_paused = true)]
    async fn an_idle_session_ends_at_the_idle_limit() {
        let (session, visitor, _) = open(limits(8));
        watching(&session, "ana");
        tokio::time::advance(Duration::from_secs(1000)).await;
        session.accept_page_frame(visitor.id, FrameKind::Snapshot, frame("S1"));
        let now = Instant::now();
        assert!(!session.check_deadlines(now + Duration::from_secs(1799), &DEADLINES), "the frame reset the clock");
        assert!(session.check_deadlines(now + Duration::from_secs(1800), &DEADLINES));
        assert!(session.end_reason().reason.contains("idle for 30 minutes"));
    }

    #[test]
    fn resuming_needs_the_secret_the_site_and_the_origin() {
        let (session, _visitor, secret) = open(limits(8));
        let shop = Some("https://shop.example");
        assert_eq!(session.resume("", "shop", shop, Some("tab-a")).err(), Some(ResumeRefused::WrongSecret));
        assert_eq!(session.resume("123456", "shop", shop, Some("tab-a")).err(), Some(ResumeRefused::WrongSecret));
        assert_eq!(session.resume(&secret, "demo", shop, Some("tab-a")).err(), Some(ResumeRefused::OtherOrigin));
        let other = Some("https://evil.example");
        assert_eq!(session.resume(&secret, "shop", other, Some("tab-a")).err(), Some(ResumeRefused::OtherOrigin));
        assert!(session.resume(&secret, "shop", shop, Some("tab-a")).is_ok());
        session.end(CloseReason::new(close::SESSION_ENDED, "the visitor ended the session"));
        assert_eq!(session.resume(&secret, "shop", shop, Some("tab-a")).err(), Some(ResumeRefused::Ended));
    }

    #[test]
    fn a_resumed_page_replaces_the_last_one_for_agents_and_gets_the_agent_count() {
        let (session, old, secret) = open(limits(8));
        session.accept_page_frame(old.id, FrameKind::Snapshot, frame("S1"));
        let mut agent = watching(&session, "ana");
        session.visitor_left(old.id, true);
        let late = watching(&session, "bo");
        assert_eq!(page_catch_up(&late), [tab_frame(1), away_frame(true), frame("S1")], "the last page, marked away");
        let mut new = session.resume(&secret, "shop", Some("https://shop.example"), Some("tab-b")).unwrap();
        let started = drain_controls(&mut new.controls);
        assert_eq!(
            started[0],
            Control::SessionStarted {
                key: "123456".into(),
                masking: MaskingRules::default(),
                secret: "".into(),
                agents: 2
            },
            "a resumed page gets no secret"
        );
        session.accept_page_frame(new.id, FrameKind::Delta, frame("d-before-snapshot"));
        session.accept_page_frame(old.id, FrameKind::Snapshot, frame("S-old"));
        session.accept_page_frame(new.id, FrameKind::Snapshot, frame("S2"));
        assert_eq!(drain(&mut agent.queue), [away_frame(true), tab_frame(2), frame("S2")]);
    }

    #[test]
    fn a_site_keeping_sessions_to_the_first_tab_refuses_other_tabs() {
        let first_only = SessionSite { tabs: TabPolicy::First, ..site() };
        let (session, secret) = Session::new(
            "1".into(),
            first_only,
            limits(8),
            AssetBudget::new(crate::assets::SharedAssetLimits::total(usize::MAX)),
            Arc::default(),
            MemoryBudget::unlimited(),
        );
        session.attach_first_visitor(Some("tab-a"), secret.clone()).unwrap();
        let shop = Some("https://shop.example");
        assert_eq!(session.resume(&secret, "shop", shop, Some("tab-b")).err(), Some(ResumeRefused::NotTheFirstTab));
        assert!(session.resume(&secret, "shop", shop, Some("tab-a")).is_ok());
    }

    fn tab_frame(tab: u32) -> Bytes {
        Bytes::from(encode_control(&Control::VisitorTab { tab }))
    }

    fn away_frame(navigating: bool) -> Bytes {
        Bytes::from(encode_control(&Control::VisitorAway { navigating }))
    }

    #[test]
    fn growing_kept_state_asks_for_a_snapshot_then_is_dropped_far_past_the_limit() {
        let limits = SessionLimits {
            agent_queue_frames: 8,
            agent_queue_bytes: 1 << 20,
            kept_state_bytes: 100,
            assets: ASSET_LIMITS,
        };
        let (session, mut visitor, _) = open(limits);
        drain_controls(&mut visitor.controls);
        session.accept_page_frame(visitor.id, FrameKind::Snapshot, Bytes::from(vec![0; 40]));
        session.accept_page_frame(visitor.id, FrameKind::Delta, Bytes::from(vec![0; 70]));
        assert_eq!(drain_controls(&mut visitor.controls), [Control::SnapshotRequested]);
        for _ in 0..5 {
            session.accept_page_frame(visitor.id, FrameKind::Delta, Bytes::from(vec![0; 70]));
        }
        assert_eq!(page_catch_up(&watching(&session, "late")), [tab_frame(1)], "no page kept");
    }

    fn kept_limit(kept_state_bytes: usize) -> SessionLimits {
        SessionLimits { kept_state_bytes, ..limits(64) }
    }

    #[test]
    fn a_sliced_snapshot_past_kept_state_bytes_asks_for_no_fresh_one() {
        let (sliced, mut sliced_visitor, _) = open(kept_limit(100));
        let (unsliced, mut unsliced_visitor, _) = open(kept_limit(100));
        for (session, visitor, kind) in [
            (&sliced, &mut sliced_visitor, FrameKind::SnapshotPart),
            (&unsliced, &mut unsliced_visitor, FrameKind::Delta),
        ] {
            drain_controls(&mut visitor.controls);
            session.accept_page_frame(visitor.id, FrameKind::Snapshot, Bytes::from(vec![0; 20]));
            for _ in 0..5 {
                session.accept_page_frame(visitor.id, kind, Bytes::from(vec![0; 20]));
            }
        }
        assert_eq!(drain_controls(&mut sliced_visitor.controls), [], "the parts are the snapshot's bytes");
        assert_eq!(drain_controls(&mut unsliced_visitor.controls), [Control::SnapshotRequested]);

        // Deltas after the sliced snapshot still count, against the snapshot and its parts (120 bytes).
        sliced.accept_page_frame(sliced_visitor.id, FrameKind::Delta, Bytes::from(vec![0; 120]));
        assert_eq!(drain_controls(&mut sliced_visitor.controls), [], "120 bytes of deltas do not outweigh 120");
        sliced.accept_page_frame(sliced_visitor.id, FrameKind::Delta, Bytes::from(vec![0; 1]));
        assert_eq!(drain_controls(&mut sliced_visitor.controls), [Control::SnapshotRequested]);
        assert_eq!(page_catch_up(&watching(&sliced, "late")).len(), 1 + 1 + 5 + 2, "the whole page is kept");
    }

    #[test]
    fn a_late_agent_gets_the_snapshot_its_parts_and_the_deltas_in_order() {
        let (session, visitor, _) = open(limits(8));
        let mut early = watching(&session, "early");
        session.accept_page_frame(visitor.id, FrameKind::SnapshotPart, frame("p0-before-any-snapshot"));
        session.accept_page_frame(visitor.id, FrameKind::Snapshot, frame("S1"));
        session.accept_page_frame(visitor.id, FrameKind::SnapshotPart, frame("p1"));
        session.accept_page_frame(visitor.id, FrameKind::Delta, frame("d1"));
        session.accept_page_frame(visitor.id, FrameKind::SnapshotPart, frame("p2"));
        session.accept_page_frame(visitor.id, FrameKind::Delta, frame("d2"));
        let in_order = [frame("S1"), frame("p1"), frame("d1"), frame("p2"), frame("d2")];
        assert_eq!(drain(&mut early.queue), in_order, "a part before any snapshot goes nowhere");
        let mut late = watching(&session, "late");
        assert_eq!(page_catch_up(&late)[1..], in_order);
        session.accept_page_frame(visitor.id, FrameKind::SnapshotPart, frame("p3"));
        assert_eq!(drain(&mut late.queue), [frame("p3")]);
        session.accept_page_frame(visitor.id, FrameKind::Snapshot, frame("S2"));
        assert_eq!(page_catch_up(&watching(&session, "later"))[1..], [frame("S2")], "S1's parts went with it");
    }

    #[test]
    fn a_lagging_agent_skips_snapshot_parts_until_the_next_snapshot() {
        let (session, mut visitor, _) = open(limits(2));
        let mut slow = watching(&session, "slow");
        drain(&mut slow.queue);
        drain_controls(&mut visitor.controls);
        session.accept_page_frame(visitor.id, FrameKind::Snapshot, frame("S1"));
        session.accept_page_frame(visitor.id, FrameKind::SnapshotPart, frame("p1"));
        session.accept_page_frame(visitor.id, FrameKind::SnapshotPart, frame("p2"));
        assert!(slow.lagging.load(Ordering::Relaxed), "a part that does not fit makes it lag");
        assert_eq!(drain_controls(&mut visitor.controls), [Control::SnapshotRequested]);
        assert_eq!(drain(&mut slow.queue), [frame("S1"), frame("p1")]);
        session.accept_page_frame(visitor.id, FrameKind::SnapshotPart, frame("p3"));
        assert!(drain(&mut slow.queue).is_empty(), "a lagging agent skips parts even with room");
        session.accept_page_frame(visitor.id, FrameKind::Snapshot, frame("S2"));
        session.accept_page_frame(visitor.id, FrameKind::SnapshotPart, frame("p4"));
        assert!(!slow.lagging.load(Ordering::Relaxed));
        assert_eq!(drain(&mut slow.queue), [frame("S2"), frame("p4")]);
    }
}
