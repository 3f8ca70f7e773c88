//! The relay's metrics, served at `/metrics` in the Prometheus text format (OpenMetrics, by the
//! `prometheus-client` crate), every name prefixed `cobrowse_`.
//!
//! One [`Metrics`] is owned by the relay's state and handed, as an `Arc`, to whatever counts: the socket
//! handlers (frames and bytes in and out, joins, refusals, forwarding latency), each session (frames skipped
//! for lagging agents, snapshot requests, agents' queue depths), the fetches of assets visitors offer (what
//! became of each offer) and the audit log and webhooks (events they had to drop). Counting is a few atomic
//! operations and never waits. The live sessions and the asset bytes held are read from the registry when
//! `/metrics` is asked for, so they can never drift.
//!
//! Labels only ever take values from fixed lists (a frame's kind, a join's outcome, a refusal's reason),
//! never anything a client sent, so a client cannot grow the number of series.

use cobrowse_protocol::{close, FrameKind};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::{Registry, Unit};
use std::time::Duration;

/// The label of a frame's kind: `snapshot`, `delta`, `control`, `asset` or `snapshot_part`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct KindLabel {
    kind: &'static str,
}

/// The label of a join's outcome or a refusal's reason.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct ReasonLabel {
    reason: &'static str,
}

/// The label of what became of a visitor's asset offer.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct ResultLabel {
    result: &'static str,
}

/// What became of an asset a visitor offered (the `result` label of `cobrowse_asset_offers_total`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OfferOutcome {
    /// The relay fetched the same bytes and stored them.
    Stored,
    /// The visitor was asked to upload the file (`AssetWanted`): not fetchable, or the fetch failed or
    /// got other bytes.
    Asked,
    /// The relay fetched the same bytes but an asset limit refused them (an upload would be refused too).
    Refused,
}

impl OfferOutcome {
    fn label(self) -> &'static str {
        match self {
            OfferOutcome::Stored => "stored",
            OfferOutcome::Asked => "asked",
            OfferOutcome::Refused => "refused",
        }
    }
}

/// Where frames come from or go: the relay counts both ways by kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Direction {
    /// Received from a visitor or an agent.
    In,
    /// Sent to a visitor or an agent.
    Out,
}

/// What happened to an agent's join (the `outcome` label of `cobrowse_joins_total`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum JoinOutcome {
    Joined,
    WaitingForConsent,
    WrongPassword,
    UnknownKey,
    TooManyAttempts,
    ConsentDeclined,
    /// The first message was not a readable `Join`.
    BadJoin,
}

impl JoinOutcome {
    fn label(self) -> &'static str {
        match self {
            JoinOutcome::Joined => "joined",
            JoinOutcome::WaitingForConsent => "waiting_for_consent",
            JoinOutcome::WrongPassword => "wrong_password",
            JoinOutcome::UnknownKey => "unknown_key",
            JoinOutcome::TooManyAttempts => "too_many_attempts",
            JoinOutcome::ConsentDeclined => "consent_declined",
            JoinOutcome::BadJoin => "bad_join",
        }
    }
}

/// Every metric the relay keeps.
pub(crate) struct Metrics {
    registry: Registry,
    sessions_live: Gauge,
    agents_live: Gauge,
    frames: [Family<KindLabel, Counter>; 2],
    bytes: [Family<KindLabel, Counter>; 2],
    frames_skipped: Counter,
    snapshot_requests: Counter,
    joins: Family<ReasonLabel, Counter>,
    refused: Family<ReasonLabel, Counter>,
    queue_depth: Histogram,
    forwarding_latency: Histogram,
    asset_bytes_held: Gauge,
    asset_offers: Family<ResultLabel, Counter>,
    audit_dropped: Counter,
    webhook_dropped: Counter,
    webhook_failed: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("cobrowse");
        let sessions_live = Gauge::default();
        registry.register(
            "sessions_live",
            "Sessions live now (visitor present or expected back)",
            sessions_live.clone(),
        );
        let agents_live = Gauge::default();
        registry.register("agents_live", "Agents watching a session now", agents_live.clone());
        let frames = [Family::default(), Family::default()];
        let bytes = [Family::default(), Family::default()];
        registry.register("frames_received", "Frames received from visitors and agents, by kind", frames[0].clone());
        registry.register("frames_sent", "Frames sent to visitors and agents, by kind", frames[1].clone());
        registry.register_with_unit("received", "Bytes of frames received, by kind", Unit::Bytes, bytes[0].clone());
        registry.register_with_unit("sent", "Bytes of frames sent, by kind", Unit::Bytes, bytes[1].clone());
        let frames_skipped = Counter::default();
        registry.register(
            "frames_skipped",
            "Page frames not queued to a lagging agent (it skips deltas until the next snapshot)",
            frames_skipped.clone(),
        );
        let snapshot_requests = Counter::default();
        registry.register("snapshot_requests", "Fresh snapshots asked of visitors", snapshot_requests.clone());
        let joins = Family::default();
        registry.register("joins", "Agents' join attempts, by outcome", joins.clone());
        let refused = Family::default();
        registry.register(
            "refused_connections",
            "Connections refused or closed at admission, by reason",
            refused.clone(),
        );
        // 0, 1, 2, 4, ... 256 (the default agent_queue_frames) and beyond.
        let queue_depth = Histogram::new(std::iter::once(0.0).chain(exponential_buckets(1.0, 2.0, 10)));
        registry.register(
            "agent_queue_depth",
            "Frames already waiting in an agent's queue when a page frame is queued to it",
            queue_depth.clone(),
        );
        // 2 µs to about 1 s (on loopback a frame takes about 20 µs from read to queued).
        let forwarding_latency = Histogram::new(exponential_buckets(0.000_002, 2.0, 20));
        registry.register_with_unit(
            "forwarding_latency",
            "From receiving a visitor's page frame to having queued it to every agent",
            Unit::Seconds,
            forwarding_latency.clone(),
        );
        let asset_bytes_held = Gauge::default();
        registry.register_with_unit(
            "assets_held",
            "Bytes of uploaded assets all live sessions hold",
            Unit::Bytes,
            asset_bytes_held.clone(),
        );
        let asset_offers = Family::default();
        registry.register(
            "asset_offers",
            "Assets visitors offered for the relay to fetch itself, by result: stored (fetched, the same bytes), \
             asked (the visitor was asked to upload it), refused (fetched, but over an asset limit)",
            asset_offers.clone(),
        );
        let audit_dropped = Counter::default();
        registry.register(
            "audit_events_dropped",
            "Audit events dropped: the writer fell behind",
            audit_dropped.clone(),
        );
        let webhook_dropped = Counter::default();
        registry.register(
            "webhook_events_dropped",
            "Webhook events dropped: a site's queue was full",
            webhook_dropped.clone(),
        );
        let webhook_failed = Counter::default();
        registry.register(
            "webhook_events_failed",
            "Webhook events given up on after every attempt failed",
            webhook_failed.clone(),
        );
        Metrics {
            registry,
            sessions_live,
            agents_live,
            frames,
            bytes,
            frames_skipped,
            snapshot_requests,
            joins,
            refused,
            queue_depth,
            forwarding_latency,
            asset_bytes_held,
            asset_offers,
            audit_dropped,
            webhook_dropped,
            webhook_failed,
        }
    }

    /// A frame of `bytes` bytes of `kind` went `direction`.
    pub fn frame(&self, direction: Direction, kind: FrameKind, bytes: usize) {
        let index = direction as usize;
        let label = KindLabel { kind: kind_label(kind) };
        self.frames[index].get_or_create(&label).inc();
        self.bytes[index].get_or_create(&label).inc_by(bytes as u64);
    }

    /// A frame sent or received whose kind is read from its header (a control frame if unreadable); its kind.
    pub fn frame_bytes(&self, direction: Direction, frame: &[u8]) -> FrameKind {
        let kind = cobrowse_protocol::frame::parse(frame).map(|(kind, _)| kind).unwrap_or(FrameKind::Control);
        self.frame(direction, kind, frame.len());
        kind
    }

    pub fn frame_skipped(&self) {
        self.frames_skipped.inc();
    }

    pub fn snapshot_requested(&self) {
        self.snapshot_requests.inc();
    }

    pub fn join(&self, outcome: JoinOutcome) {
        self.joins.get_or_create(&ReasonLabel { reason: outcome.label() }).inc();
    }

    /// A connection was refused (or closed before it joined anything) with this close code.
    pub fn refused(&self, code: u16) {
        self.refused.get_or_create(&ReasonLabel { reason: refusal_label(code) }).inc();
    }

    /// A connection (or a proxied client's first request) was refused at once: its address holds
    /// `connections_per_address` already.
    pub fn refused_at_address_cap(&self) {
        self.refused.get_or_create(&ReasonLabel { reason: "connections_per_address" }).inc();
    }

    /// A TCP connection was refused at once: the relay holds `max_connections` already.
    pub fn refused_at_connection_cap(&self) {
        self.refused.get_or_create(&ReasonLabel { reason: "max_connections" }).inc();
    }

    /// An agent started (`true`) or stopped (`false`) watching.
    pub fn agent_watching(&self, watching: bool) {
        if watching {
            self.agents_live.inc();
        } else {
            self.agents_live.dec();
        }
    }

    pub fn queue_depth(&self, frames_waiting: usize) {
        self.queue_depth.observe(frames_waiting as f64);
    }

    pub fn forwarded(&self, latency: Duration) {
        self.forwarding_latency.observe(latency.as_secs_f64());
    }

    /// What became of an asset a visitor offered.
    pub fn asset_offer(&self, outcome: OfferOutcome) {
        self.asset_offers.get_or_create(&ResultLabel { result: outcome.label() }).inc();
    }

    /// One more audit event dropped; returns how many so far.
    pub fn audit_event_dropped(&self) -> u64 {
        self.audit_dropped.inc() + 1
    }

    /// One more webhook event dropped; returns how many so far.
    pub fn webhook_event_dropped(&self) -> u64 {
        self.webhook_dropped.inc() + 1
    }

    pub fn webhook_event_failed(&self) {
        self.webhook_failed.inc();
    }

    /// The text for `/metrics`, with the values read at scrape time.
    pub fn encode(&self, sessions_live: usize, asset_bytes_held: usize) -> String {
        self.sessions_live.set(sessions_live as i64);
        self.asset_bytes_held.set(asset_bytes_held as i64);
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry).expect("writing to a String cannot fail");
        text
    }
}

fn kind_label(kind: FrameKind) -> &'static str {
    match kind {
        FrameKind::Snapshot => "snapshot",
        FrameKind::Delta => "delta",
        FrameKind::Control => "control",
        FrameKind::Asset => "asset",
        FrameKind::SnapshotPart => "snapshot_part",
    }
}

/// The `reason` label of a refusal's close code.
fn refusal_label(code: u16) -> &'static str {
    match code {
        close::SITE_NOT_ALLOWED => "site_not_allowed",
        close::AT_CAPACITY => "at_capacity",
        close::RESUME_REFUSED => "resume_refused",
        close::OTHER_TAB => "other_tab",
        close::AUTH_FAILED => "auth_failed",
        close::UNKNOWN_KEY => "unknown_key",
        close::TOO_MANY_ATTEMPTS => "too_many_attempts",
        close::CONSENT_DECLINED => "consent_declined",
        close::MALFORMED_FRAME | close::UNEXPECTED_MESSAGE | close::FRAME_TOO_LARGE => "bad_input",
        close::PEER_SILENT => "silent",
        close::GOING_AWAY => "shutting_down",
        close::FIRST_MESSAGE_TIMEOUT => "first_message_timeout",
        close::TRY_AGAIN_LATER => "busy",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fails unless every one of `lines` is a whole line of `text`.
    fn assert_has_lines(text: &str, lines: &[&str]) {
        for line in lines {
            assert!(text.lines().any(|have| have == *line), "{line:?} missing from\n{text}");
        }
    }

    #[test]
    fn counters_and_histograms_show_in_the_text() {
        let metrics = Metrics::new();
        metrics.frame(Direction::In, FrameKind::Delta, 10);
        metrics.frame(Direction::In, FrameKind::Delta, 5);
        metrics.frame(Direction::Out, FrameKind::Snapshot, 100);
        metrics.join(JoinOutcome::WrongPassword);
        metrics.refused(close::SITE_NOT_ALLOWED);
        metrics.refused(close::FIRST_MESSAGE_TIMEOUT);
        metrics.refused_at_connection_cap();
        metrics.refused_at_address_cap();
        metrics.queue_depth(3);
        metrics.asset_offer(OfferOutcome::Stored);
        metrics.asset_offer(OfferOutcome::Asked);
        metrics.asset_offer(OfferOutcome::Asked);
        let text = metrics.encode(2, 1234);
        assert_has_lines(
            &text,
            &[
                "cobrowse_frames_received_total{kind=\"delta\"} 2",
                "cobrowse_received_bytes_total{kind=\"delta\"} 15",
                "cobrowse_sent_bytes_total{kind=\"snapshot\"} 100",
                "cobrowse_joins_total{reason=\"wrong_password\"} 1",
                "cobrowse_refused_connections_total{reason=\"site_not_allowed\"} 1",
                "cobrowse_refused_connections_total{reason=\"first_message_timeout\"} 1",
                "cobrowse_refused_connections_total{reason=\"max_connections\"} 1",
                "cobrowse_refused_connections_total{reason=\"connections_per_address\"} 1",
                "cobrowse_agent_queue_depth_count 1",
                "cobrowse_sessions_live 2",
                "cobrowse_assets_held_bytes 1234",
                "cobrowse_asset_offers_total{result=\"stored\"} 1",
                "cobrowse_asset_offers_total{result=\"asked\"} 2",
            ],
        );
        assert!(text.ends_with("# EOF\n"));
    }

    #[test]
    fn a_snapshot_part_is_counted_under_its_own_kind() {
        let metrics = Metrics::new();
        let part = cobrowse_protocol::frame::encode(FrameKind::SnapshotPart, b"abc");
        assert_eq!(metrics.frame_bytes(Direction::In, &part), FrameKind::SnapshotPart);
        metrics.frame_bytes(Direction::Out, &part);
        metrics.frame_bytes(Direction::Out, &part);
        let text = metrics.encode(0, 0);
        assert_has_lines(
            &text,
            &[
                "cobrowse_frames_received_total{kind=\"snapshot_part\"} 1",
                "cobrowse_received_bytes_total{kind=\"snapshot_part\"} 5",
                "cobrowse_frames_sent_total{kind=\"snapshot_part\"} 2",
                "cobrowse_sent_bytes_total{kind=\"snapshot_part\"} 10",
            ],
        );
        assert!(!text.contains("kind=\"delta\""), "a part is not counted as a delta:\n{text}");
    }
}
