//! One connection's frames, from bytes to the mirror: the decoder, the mirror and what to answer.
//!
//! Every frame of a connection goes through the same [`Decoder`] (it keeps the inflate context; a
//! snapshot resets it). This part does no IO: it takes a frame's bytes and says what the connection should
//! do ([`Reply`]), so it can be tested with frames made by the real `Encoder`.
//!
//! When the mirror falls out of step (an event names an unknown id, or a frame cannot be decoded) the
//! session asks the relay once for a fresh snapshot with `Control::MirrorOutOfStep`, and may ask again
//! only after a snapshot arrived. A frame that cannot be decoded or built (corrupt, too large, or a page
//! tree nested past `cobrowse_protocol::MAX_DEPTH`, which the decoder refuses before it could exhaust the
//! stack) also shows in the status (`reconnecting`, [`RESYNCING_TEXT`]) until the fresh snapshot is in the
//! mirror: the viewer never stays on a page it cannot show without saying so.
//!
//! It also follows the visitor's page between pages: `VisitorAway` makes the status `navigating` (a page
//! load) or `reconnecting` (a dropped connection) while the mirror keeps the last page, and the next page's
//! snapshot makes it `live` again. After `Joined`, the relay first sends the session's kept frames (the
//! catch-up); if the visitor is away then, the kept snapshot is the last page, not the next one, and the
//! status stays. A rejoin (after the agent's own connection dropped) is `live` only once its catch-up
//! snapshot is in the mirror.
//!
//! Where the site asks the visitor's consent, the relay answers the join with `AwaitingConsent` (status
//! `consent`; the agent counts as signed in, so a drop is rejoined and the relay says again whether to
//! wait) and later `Joined` (live) or `ConsentDeclined` (`declined`, final). The support call's other
//! messages (who watches, who controls the page, refusals) go to the [`CallState`] the session owns; the
//! other agents' pointers are shown over the mirror.

use crate::call::point;
use crate::call::state::CallState;
use crate::chrome::counters::Counters;
use crate::chrome::status::{State, CONSENT_TEXT, DECLINED_TEXT, STOPPED_SHARING_TEXT};
use crate::mirror::Mirror;
use cobrowse_protocol::call::AgentId;
use cobrowse_protocol::message::encode_control;
use cobrowse_protocol::{Control, Decoder, Message, Point};

/// What the connection should do after a frame.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Reply {
    /// The relay accepted the join for this session key.
    pub joined: Option<String>,
    /// A frame to send to the relay.
    pub send: Option<Vec<u8>>,
    /// A new status to show.
    pub status: Option<(State, String)>,
    /// The relay named the visitor's tab the session follows now.
    pub tab: Option<u32>,
    /// The relay signed the agent in with this session token (see `sign_in.rs`).
    pub signed_in: Option<String>,
}

/// The status text while the visitor's page loads another page.
pub const NAVIGATING_TEXT: &str = "The visitor is changing page…";
/// The status text while the visitor's connection is down.
pub const VISITOR_DROPPED_TEXT: &str = "The visitor's connection dropped; waiting for it to come back…";
/// The status text after a frame the mirror could not decode or build, until a fresh snapshot is in.
pub const RESYNCING_TEXT: &str = "Part of the visitor's page could not be shown; asking for a fresh copy…";
/// The status text after a rejoin, until the catch-up snapshot is in the mirror.
pub const CATCHING_UP_TEXT: &str = "Reconnected — catching up with the visitor's page…";

/// The status text while the mirror follows the visitor's page of session `key`.
pub fn live_text(key: &str) -> String {
    match key {
        "" => "Live — watching the visitor's page".to_string(),
        key => format!("Live — watching the visitor's page (session {key})"),
    }
}

/// A connection's decoder and mirror.
pub struct Session {
    decoder: Decoder,
    mirror: Mirror,
    counters: Counters,
    asked_for_snapshot: bool,
    /// This connection replaces one that dropped after it had joined.
    rejoining: bool,
    /// The key `Joined` named on this connection.
    joined: Option<String>,
    /// `Joined` arrived and the kept snapshot has not yet.
    catching_up: bool,
    /// The visitor's page is away: `Some(true)` loading another page, `Some(false)` its connection dropped.
    visitor_away: Option<bool>,
    /// `AwaitingConsent` arrived on this connection and `Joined` has not yet.
    awaiting_consent: bool,
    /// A frame could not be decoded or built; the status says so until the next snapshot is in.
    resyncing: bool,
    /// The visitor declined this agent (final, across connections).
    declined: bool,
    /// The URL of the visitor's page, from its last snapshot.
    visitor_url: String,
    call: CallState,
}

impl Session {
    pub fn new(mirror: Mirror) -> Self {
        Self {
            decoder: Decoder::default(),
            mirror,
            counters: Counters::default(),
            asked_for_snapshot: false,
            rejoining: false,
            joined: None,
            catching_up: false,
            visitor_away: None,
            awaiting_consent: false,
            resyncing: false,
            declined: false,
            visitor_url: String::new(),
            call: CallState::default(),
        }
    }

    pub fn mirror(&self) -> &Mirror {
        &self.mirror
    }

    pub fn mirror_mut(&mut self) -> &mut Mirror {
        &mut self.mirror
    }

    pub fn counters(&self) -> Counters {
        self.counters
    }

    /// Starts a new connection: a fresh inflate context (the relay starts every agent at a snapshot), and
    /// the asset mappings the catch-up announces again. `rejoining`: the last connection had joined and
    /// dropped; the mirror keeps its page until the catch-up rebuilds it.
    pub fn reset_connection(&mut self, rejoining: bool) {
        self.decoder = Decoder::default();
        self.asked_for_snapshot = false;
        self.mirror.forget_assets();
        self.rejoining = rejoining;
        self.joined = None;
        self.catching_up = false;
        self.visitor_away = None;
        self.awaiting_consent = false;
        self.resyncing = false;
        if !rejoining {
            self.declined = false; // a new join, perhaps to another session
        }
        self.call.reset_connection();
        self.mirror.overlay_mut().keep_agent_pointers(&[]);
    }

    /// The key this connection joined, once `Joined` arrived.
    pub fn joined(&self) -> Option<&str> {
        self.joined.as_deref()
    }

    /// Whether the relay accepted this connection's sign-in: it joined, or waits for the visitor's consent.
    pub fn signed_in(&self) -> bool {
        self.joined.is_some() || self.awaiting_consent
    }

    /// Whether the visitor declined this agent (the relay then closes with `close::CONSENT_DECLINED`).
    pub fn declined(&self) -> bool {
        self.declined
    }

    /// The URL of the visitor's page as the visitor sees it (empty before the first snapshot).
    pub fn visitor_url(&self) -> &str {
        &self.visitor_url
    }

    /// The title of the visitor's page: the `<title>` of the mirrored document.
    pub fn visitor_title(&self) -> String {
        self.mirror.document().map(|document| document.title()).unwrap_or_default()
    }

    /// The support call: who watches, who controls the page, the agent's tool.
    pub fn call(&self) -> &CallState {
        &self.call
    }

    /// Changes the call's state (the viewer's buttons), keeping the mirror's interactivity in step.
    pub fn change_call<T>(&mut self, change: impl FnOnce(&mut CallState) -> T) -> T {
        let result = change(&mut self.call);
        self.sync_interactivity();
        result
    }

    /// Shows another agent's pointer at the document point `at` (as the mirror is scrolled and scaled now).
    fn show_agent_pointer(&mut self, agent: AgentId, at: Option<Point>) {
        if agent == self.call.roster.me() {
            return;
        }
        let name = self.call.roster.name_of(agent).unwrap_or("Agent").to_string();
        let (scroll, scale) = (self.mirror.scroll_offset(), self.mirror.overlay().scale());
        let at = at.map(|at| point::on_box(at, scroll, scale));
        self.mirror.overlay_mut().show_agent_pointer(agent, &name, at);
    }

    /// Takes away the pointers of agents who left.
    fn keep_agent_pointers(&mut self) {
        let agents: Vec<AgentId> = self.call.roster.agents().iter().map(|info| info.agent).collect();
        self.mirror.overlay_mut().keep_agent_pointers(&agents);
    }

    /// Lets the mirror take the agent's mouse and keys while a tool is held or the agent controls the
    /// page; the shield keeps them away otherwise.
    fn sync_interactivity(&mut self) {
        let interactive = self.call.interactive();
        self.mirror.overlay_mut().set_interactive(interactive);
    }

    /// Handles one binary frame from the relay.
    pub fn receive(&mut self, bytes: &[u8]) -> Reply {
        let mut reply = Reply::default();
        match self.decoder.decode(bytes) {
            Ok(Message::Snapshot(snapshot)) => match self.mirror.apply_snapshot(&snapshot) {
                Ok(()) => {
                    self.visitor_url = snapshot.url.clone();
                    self.asked_for_snapshot = false;
                    self.counters.snapshots += 1;
                    self.counters.frames_applied += 1;
                    reply.status = self.status_after_snapshot();
                }
                Err(error) => self.bad_frame(&format!("cannot rebuild the mirror: {error:?}"), &mut reply),
            },
            Ok(Message::Delta(delta)) => {
                let before = self.mirror.out_of_step_events();
                self.mirror.apply_delta(&delta);
                let missed = self.mirror.out_of_step_events() - before;
                self.counters.deltas += 1;
                self.counters.frames_applied += 1;
                if missed > 0 {
                    self.counters.out_of_step += missed;
                    self.ask_for_snapshot(&mut reply);
                }
            }
            Ok(Message::Control(Control::Joined { key, agent })) => {
                self.awaiting_consent = false;
                self.call.roster.set_me(agent);
                reply.status = Some(self.status_when_joined(&key));
                self.joined = Some(key.clone());
                reply.joined = Some(key);
            }
            Ok(Message::Control(Control::VisitorAway { navigating })) => {
                self.visitor_away = Some(navigating);
                reply.status = Some(away_status(navigating));
            }
            Ok(Message::Control(Control::VisitorTab { tab })) => reply.tab = Some(tab),
            Ok(Message::Control(Control::SignedIn { token, .. })) => reply.signed_in = Some(token),
            Ok(Message::Control(Control::Asset { url, path })) => self.mirror.learn_asset(&url, &path),
            Ok(Message::Control(Control::AwaitingConsent)) => {
                self.awaiting_consent = true;
                reply.status = Some((State::Consent, CONSENT_TEXT.to_string()));
            }
            Ok(Message::Control(Control::ConsentDeclined)) => {
                self.declined = true;
                self.call.drop_tool();
                self.sync_interactivity();
                // After `Joined` it watched: the visitor stopped sharing with it (`Dismiss`).
                let text = if self.joined.is_some() { STOPPED_SHARING_TEXT } else { DECLINED_TEXT };
                reply.status = Some((State::Declined, text.to_string()));
            }
            Ok(Message::Control(Control::Pointer { agent, at })) => self.show_agent_pointer(agent, at),
            Ok(Message::Control(message)) => {
                if self.call.receive(&message) {
                    self.sync_interactivity();
                    self.keep_agent_pointers();
                }
            }
            Ok(Message::Asset(_)) => {}
            Err(error) => self.bad_frame(&error.to_string(), &mut reply),
        }
        self.count_mirror_problems();
        self.counters.publish();
        reply
    }

    /// `live` at once on a first join; after a rejoin, catching up until the kept snapshot is in.
    fn status_when_joined(&mut self, key: &str) -> (State, String) {
        self.catching_up = true;
        self.visitor_away = None;
        match self.rejoining {
            true => (State::Reconnecting, CATCHING_UP_TEXT.to_string()),
            false => (State::Live, live_text(key)),
        }
    }

    /// The status a snapshot that reached the mirror brings, if it changes anything: the next page of a
    /// visitor who was away, or the catch-up of a rejoin. The catch-up snapshot of a visitor who is away is
    /// the last page, so the status stays.
    fn status_after_snapshot(&mut self) -> Option<(State, String)> {
        let resynced = std::mem::take(&mut self.resyncing);
        let catch_up = std::mem::take(&mut self.catching_up);
        if catch_up && self.visitor_away.is_some() {
            return None;
        }
        let was_waiting = self.visitor_away.take().is_some() || (catch_up && self.rejoining) || resynced;
        self.rejoining = false;
        let key = self.joined.as_deref().unwrap_or_default();
        was_waiting.then(|| (State::Live, live_text(key)))
    }

    /// Copies the mirror's own counts of what went wrong into the counters.
    fn count_mirror_problems(&mut self) {
        self.counters.rejected_rules = self.mirror.rejected_rules();
        self.counters.unbuilt_nested_documents = self.mirror.unbuilt_nested_documents();
        self.counters.refused_shadow_hosts = self.mirror.refused_shadow_hosts();
    }

    /// A frame the mirror cannot show: warned about, counted, shown in the status, and a fresh snapshot
    /// asked for (once until one arrives).
    fn bad_frame(&mut self, why: &str, reply: &mut Reply) {
        web_sys::console::warn_1(&format!("cobrowse viewer: frame skipped: {why}").into());
        self.counters.bad_frames += 1;
        self.resyncing = true;
        reply.status = Some((State::Reconnecting, RESYNCING_TEXT.to_string()));
        self.ask_for_snapshot(reply);
    }

    fn ask_for_snapshot(&mut self, reply: &mut Reply) {
        if !self.asked_for_snapshot {
            self.asked_for_snapshot = true;
            self.counters.snapshot_requests += 1;
            reply.send = Some(encode_control(&Control::MirrorOutOfStep));
        }
    }
}

/// The status while the visitor's page is away.
fn away_status(navigating: bool) -> (State, String) {
    match navigating {
        true => (State::Navigating, NAVIGATING_TEXT.to_string()),
        false => (State::Reconnecting, VISITOR_DROPPED_TEXT.to_string()),
    }
}
