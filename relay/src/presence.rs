//! The visitor's presence in a session: which connection carries it now, which of the visitor's tabs
//! that is, and since when the session has been waiting for the visitor to come back.
//!
//! A session outlives its visitor's connections: each page the visitor loads, each reconnection and each
//! tab that takes over attaches a new connection here, which replaces the one before (whose control channel
//! is dropped, so its task closes it with `OTHER_TAB`). When the current connection goes, the session is
//! *away* until the next one attaches or the grace period runs out. Only the current connection's frames
//! count, and only after its own first snapshot (a new connection starts a new compression context).

use cobrowse_protocol::Control;
use tokio::sync::mpsc;
use tokio::time::{Duration, Instant};

/// Where the visitor is.
#[derive(Default)]
pub(crate) struct Presence {
    current: Option<Attached>,
    away: Option<Away>,
    /// The tab ids seen, in order: a tab's number is its place here plus one.
    tabs: Vec<String>,
    /// The number of the tab the last attached connection came from.
    last_tab: u32,
    next_id: u64,
}

/// The connection carrying the session now.
struct Attached {
    id: u64,
    tab: u32,
    to_visitor: mpsc::UnboundedSender<Control>,
    sent_snapshot: bool,
}

/// Since when, and why, no connection carries the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Away {
    pub since: Instant,
    /// The visitor's page closed its connection to load another page; otherwise the connection dropped.
    pub navigating: bool,
}

/// A visitor connection's side of its place in the session.
pub(crate) struct VisitorLink {
    pub id: u64,
    /// The session's control messages for this connection, `SessionStarted` first. Closed when another
    /// connection takes the session over, or the session ends.
    pub controls: mpsc::UnboundedReceiver<Control>,
}

impl Presence {
    /// Makes a new connection of the tab `tab_id` the current one (the one before is let go). Returns its
    /// link, the tab's number, and whether it replaced a connection of the same tab that had not closed
    /// yet: a page change the relay did not see end (a page frozen into the back/forward cache keeps its
    /// socket open until the browser discards it).
    pub fn attach(&mut self, tab_id: Option<&str>) -> (VisitorLink, u32, bool) {
        let (to_visitor, controls) = mpsc::unbounded_channel();
        let id = self.next_id;
        self.next_id += 1;
        let tab = self.tab_number(tab_id);
        let same_tab = tab_id.is_some() && self.current.as_ref().is_some_and(|current| current.tab == tab);
        self.current = Some(Attached { id, tab, to_visitor, sent_snapshot: false });
        self.last_tab = tab;
        self.away = None;
        (VisitorLink { id, controls }, tab, same_tab)
    }

    /// The connection `id` is gone; the session is away if it was the current one. Returns whether it was.
    pub fn detach(&mut self, id: u64, navigating: bool, now: Instant) -> bool {
        if !self.is_current(id) {
            return false;
        }
        self.current = None;
        self.away = Some(Away { since: now, navigating });
        true
    }

    /// Whether a page frame from connection `id` counts: it is current and, for a delta, has sent its
    /// first snapshot.
    pub fn accepts_frame(&mut self, id: u64, is_snapshot: bool) -> bool {
        match &mut self.current {
            Some(current) if current.id == id => {
                current.sent_snapshot |= is_snapshot;
                current.sent_snapshot
            }
            _ => false,
        }
    }

    pub fn is_current(&self, id: u64) -> bool {
        self.current.as_ref().is_some_and(|current| current.id == id)
    }

    /// Whether the tab `tab_id` may carry the session when only its first tab may.
    pub fn is_first_tab(&self, tab_id: Option<&str>) -> bool {
        match (self.tabs.first(), tab_id) {
            (None, _) => true,
            (Some(first), Some(tab_id)) => first == tab_id,
            (Some(_), None) => false,
        }
    }

    /// A session's presence on the node it moved to: the tabs seen there, in order, keep their numbers.
    pub fn carried_over(tabs: Vec<String>) -> Presence {
        Presence { tabs, ..Presence::default() }
    }

    /// The tab ids seen, in the order first seen.
    pub fn tabs(&self) -> &[String] {
        &self.tabs
    }

    /// The number of the tab carrying the session now, or last (1 before any).
    pub fn tab(&self) -> u32 {
        self.last_tab.max(1)
    }

    pub fn away(&self) -> Option<Away> {
        self.away
    }

    /// Sends a control message to the current connection, if any (one for an away visitor is dropped:
    /// the next `SessionStarted` says what it needs).
    pub fn tell(&self, control: Control) {
        if let Some(current) = &self.current {
            // An error only means the connection's task has already finished.
            let _ = current.to_visitor.send(control);
        }
    }

    /// Lets the current connection go (the session ended).
    pub fn clear(&mut self) {
        self.current = None;
    }

    fn tab_number(&mut self, tab_id: Option<&str>) -> u32 {
        let known = tab_id.and_then(|tab_id| self.tabs.iter().position(|seen| seen == tab_id));
        let index = known.unwrap_or_else(|| {
            self.tabs.push(tab_id.unwrap_or_default().to_owned());
            self.tabs.len() - 1
        });
        index as u32 + 1
    }
}

/// How long the session has waited for its visitor at `now`; zero while a connection carries it.
pub(crate) fn waited(away: Option<Away>, now: Instant) -> Duration {
    away.map_or(Duration::ZERO, |away| now.saturating_duration_since(away.since))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_connection_replaces_the_current_one_and_ends_its_channel() {
        let mut presence = Presence::default();
        let (mut first, tab, _) = presence.attach(Some("a"));
        assert_eq!(tab, 1);
        let (_second, tab, same_tab) = presence.attach(Some("b"));
        assert!(!same_tab);
        assert_eq!(tab, 2);
        assert!(matches!(first.controls.try_recv(), Err(mpsc::error::TryRecvError::Disconnected)));
        assert!(!presence.detach(first.id, true, Instant::now()), "a replaced connection leaving changes nothing");
        assert!(presence.away().is_none());
    }

    #[test]
    fn tabs_keep_their_numbers_and_the_first_tab_is_remembered() {
        let mut presence = Presence::default();
        assert!(presence.is_first_tab(Some("x")), "before any tab, every tab is the first");
        presence.attach(Some("a"));
        presence.attach(Some("b"));
        let (link, tab, _) = presence.attach(Some("a"));
        assert_eq!(tab, 1);
        assert_eq!(presence.tab(), 1);
        presence.detach(link.id, false, Instant::now());
        assert_eq!(presence.tab(), 1, "an away session names the tab it was last in, not the newest tab seen");
        assert!(presence.is_first_tab(Some("a")));
        assert!(!presence.is_first_tab(Some("b")));
        assert!(!presence.is_first_tab(None));
        let (_, tab, _) = presence.attach(None);
        assert_eq!(tab, 3, "a connection without a tab id is a tab of its own");
    }

    #[test]
    fn deltas_count_only_from_the_current_connection_after_its_snapshot() {
        let mut presence = Presence::default();
        let (old, _, _) = presence.attach(Some("a"));
        assert!(presence.accepts_frame(old.id, true));
        let (new, _, same_tab) = presence.attach(Some("a"));
        assert!(same_tab, "the same tab's next page, its old page not closed yet");
        assert!(!presence.accepts_frame(old.id, false), "the replaced connection's frames are dropped");
        assert!(!presence.accepts_frame(new.id, false), "no delta before the new page's snapshot");
        assert!(presence.accepts_frame(new.id, true));
        assert!(presence.accepts_frame(new.id, false));
    }

    #[test]
    fn leaving_makes_the_session_wait_until_the_next_connection() {
        let mut presence = Presence::default();
        let start = Instant::now();
        let (link, _, _) = presence.attach(Some("a"));
        assert_eq!(waited(presence.away(), start), Duration::ZERO);
        assert!(presence.detach(link.id, true, start));
        assert_eq!(presence.away(), Some(Away { since: start, navigating: true }));
        assert_eq!(presence.tab(), 1);
        assert_eq!(waited(presence.away(), start + Duration::from_secs(5)), Duration::from_secs(5));
        presence.attach(Some("a"));
        assert!(presence.away().is_none());
    }
}
