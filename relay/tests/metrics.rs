//! `/metrics` over real sockets: a visitor and agents go through a session, and the counters move by
//! exactly what they did; the text parses as Prometheus (OpenMetrics) text; the bearer token is enforced.

mod common;

use cobrowse_protocol::{close, Control};
use common::*;
use std::collections::HashMap;
use std::net::SocketAddr;
use tokio::net::TcpStream;

/// The samples of a scrape, by series (`name{labels}` as written), after checking every line's syntax.
struct Scrape {
    samples: HashMap<String, f64>,
}

impl Scrape {
    async fn take(addr: SocketAddr) -> Scrape {
        let response = get(addr, "/metrics").await;
        assert_eq!(response.status, 200);
        assert!(response.header("content-type").unwrap().starts_with("application/openmetrics-text"));
        Scrape::parse(std::str::from_utf8(&response.body).unwrap())
    }

    /// Parses the text format strictly enough to catch a broken line: every metric family declared with
    /// `# TYPE` before its samples, every sample `name{label="value",...} number` of a declared family, and
    /// `# EOF` last.
    fn parse(text: &str) -> Scrape {
        let mut families: Vec<String> = Vec::new();
        let mut samples = HashMap::new();
        let mut saw_eof = false;
        for line in text.lines() {
            assert!(!saw_eof, "a line after # EOF: {line:?}");
            if line == "# EOF" {
                saw_eof = true;
                continue;
            }
            if let Some(comment) = line.strip_prefix("# ") {
                let mut parts = comment.splitn(3, ' ');
                let (keyword, name) = (parts.next().unwrap(), parts.next().expect("a metric name"));
                assert!(is_metric_name(name), "bad name in {line:?}");
                match keyword {
                    "TYPE" => {
                        let kind = parts.next().unwrap();
                        assert!(
                            ["counter", "gauge", "histogram", "summary", "unknown", "info"].contains(&kind),
                            "{line:?}"
                        );
                        families.push(name.to_owned());
                    }
                    "HELP" | "UNIT" => {}
                    other => panic!("unknown comment {other:?} in {line:?}"),
                }
                continue;
            }
            let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("no value in {line:?}"));
            let value: f64 = value.parse().unwrap_or_else(|_| panic!("bad value in {line:?}"));
            let name = series.split('{').next().unwrap();
            assert!(is_metric_name(name), "bad name in {line:?}");
            if let Some(labels) = series.strip_prefix(name) {
                if !labels.is_empty() {
                    check_labels(labels, line);
                }
            }
            assert!(
                families.iter().any(|family| name.starts_with(family.as_str())),
                "{name} belongs to no declared family"
            );
            assert!(samples.insert(series.to_owned(), value).is_none(), "{series} given twice");
        }
        assert!(saw_eof, "the text must end with # EOF");
        Scrape { samples }
    }

    /// A series' value; 0 if absent (a labelled counter appears at its first increment).
    fn value(&self, series: &str) -> f64 {
        self.samples.get(series).copied().unwrap_or(0.0)
    }

    /// How much `series` grew since `before`.
    fn grew(&self, before: &Scrape, series: &str) -> f64 {
        self.value(series) - before.value(series)
    }
}

fn is_metric_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|first| first.is_ascii_alphabetic() || first == '_' || first == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// `{name="value",...}` with simple values (the relay's never need escapes).
fn check_labels(labels: &str, line: &str) {
    let inner = labels.strip_prefix('{').and_then(|rest| rest.strip_suffix('}'));
    let inner = inner.unwrap_or_else(|| panic!("bad labels in {line:?}"));
    for pair in inner.split(',') {
        let (name, value) = pair.split_once('=').unwrap_or_else(|| panic!("bad label in {line:?}"));
        assert!(is_metric_name(name), "bad label name in {line:?}");
        assert!(value.len() >= 2 && value.starts_with('"') && value.ends_with('"'), "bad label value in {line:?}");
    }
}

#[tokio::test]
async fn a_session_moves_the_counters_by_what_happened_in_it() {
    let relay = start(|_| {}).await;
    let before = Scrape::take(relay.addr).await;
    assert_eq!(before.value("cobrowse_sessions_live"), 0.0);

    let (mut visitor, key) = start_session(relay.addr).await;
    let mut agent = join(relay.addr, AGENT, PASSWORD, &key).await;
    assert_eq!(next_control(&mut visitor).await, Control::AgentJoined { name: AGENT.into(), agents: 1 });
    let frames = [snapshot("the page"), delta("typed a"), delta("typed bc")];
    for frame in &frames {
        send(&mut visitor, frame.clone()).await;
    }
    for frame in &frames {
        assert_eq!(&next_binary(&mut agent).await, frame);
    }
    // Refusals: a wrong password, an unknown key, a site that is not configured.
    let mut wrong = connect_agent(relay.addr).await;
    send_join(&mut wrong, AGENT, "not the password", &key).await;
    assert_eq!(expect_close(&mut wrong).await.0, close::AUTH_FAILED);
    let mut lost = connect_agent(relay.addr).await;
    let unused_key = if key == "000000" { "000001" } else { "000000" };
    send_join(&mut lost, OTHER_AGENT, OTHER_PASSWORD, unused_key).await;
    assert_eq!(expect_close(&mut lost).await.0, close::UNKNOWN_KEY);
    let mut stranger = connect_visitor(relay.addr, "no-such-site", None).await;
    assert_eq!(expect_close(&mut stranger).await.0, close::SITE_NOT_ALLOWED);

    let during = Scrape::take(relay.addr).await;
    assert_eq!(during.value("cobrowse_sessions_live"), 1.0);
    assert_eq!(during.value("cobrowse_agents_live"), 1.0);
    let received = |kind: &str| format!("cobrowse_frames_received_total{{kind=\"{kind}\"}}");
    let sent = |kind: &str| format!("cobrowse_frames_sent_total{{kind=\"{kind}\"}}");
    assert_eq!(during.grew(&before, &received("snapshot")), 1.0);
    assert_eq!(during.grew(&before, &received("delta")), 2.0);
    assert_eq!(during.grew(&before, "cobrowse_received_bytes_total{kind=\"snapshot\"}"), frames[0].len() as f64);
    let delta_bytes = (frames[1].len() + frames[2].len()) as f64;
    assert_eq!(during.grew(&before, "cobrowse_received_bytes_total{kind=\"delta\"}"), delta_bytes);
    assert_eq!(during.grew(&before, &sent("snapshot")), 1.0, "one agent got the snapshot");
    assert_eq!(during.grew(&before, &sent("delta")), 2.0);
    assert_eq!(during.grew(&before, "cobrowse_sent_bytes_total{kind=\"delta\"}"), delta_bytes);
    // Joins (each attempt once, by outcome) and refusals.
    assert_eq!(during.grew(&before, "cobrowse_joins_total{reason=\"joined\"}"), 1.0);
    assert_eq!(during.grew(&before, "cobrowse_joins_total{reason=\"wrong_password\"}"), 1.0);
    assert_eq!(during.grew(&before, "cobrowse_joins_total{reason=\"unknown_key\"}"), 1.0);
    assert_eq!(during.grew(&before, "cobrowse_refused_connections_total{reason=\"auth_failed\"}"), 1.0);
    assert_eq!(during.grew(&before, "cobrowse_refused_connections_total{reason=\"unknown_key\"}"), 1.0);
    assert_eq!(during.grew(&before, "cobrowse_refused_connections_total{reason=\"site_not_allowed\"}"), 1.0);
    // Every page frame was timed and queued once to the one agent.
    assert_eq!(during.grew(&before, "cobrowse_forwarding_latency_seconds_count"), 3.0);
    assert_eq!(during.grew(&before, "cobrowse_agent_queue_depth_count"), 3.0);
    assert_eq!(during.grew(&before, "cobrowse_frames_skipped_total"), 0.0);

    agent.close(None).await.unwrap();
    assert_eq!(next_control(&mut visitor).await, Control::AgentLeft { name: AGENT.into(), agents: 0 });
    send(&mut visitor, control(&Control::EndSession)).await;
    assert_eq!(expect_close(&mut visitor).await.0, close::NORMAL);
    let after = wait_for_scrape(relay.addr, |scrape| scrape.value("cobrowse_sessions_live") == 0.0).await;
    assert_eq!(after.value("cobrowse_agents_live"), 0.0);
    drop((visitor, agent)); // hang up first, so shutdown need not wait for them
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn a_lagging_agent_s_skipped_frames_and_the_snapshot_request_are_counted() {
    let relay = start(|config| {
        config.agent_queue_frames = 4;
        // Only the slow agent may cause a snapshot request here.
        config.kept_state_bytes = 1 << 30;
    })
    .await;
    let (mut visitor, key) = start_session(relay.addr).await;
    let slow = join(relay.addr, AGENT, PASSWORD, &key).await; // never reads again
    let mut fast = join(relay.addr, OTHER_AGENT, OTHER_PASSWORD, &key).await;
    send(&mut visitor, snapshot("page")).await;
    assert_eq!(next_binary(&mut fast).await, snapshot("page"));
    let before = Scrape::take(relay.addr).await;

    let padding = "x".repeat(64 << 10);
    const DELTAS: usize = 300;
    for n in 0..DELTAS {
        let frame = delta(&format!("{n} {padding}"));
        send(&mut visitor, frame.clone()).await;
        assert!(next_binary(&mut fast).await == frame, "the fast agent got another frame at {n}");
    }
    wait_for_control(&mut visitor, &Control::SnapshotRequested).await;

    let after = Scrape::take(relay.addr).await;
    assert_eq!(after.grew(&before, "cobrowse_snapshot_requests_total"), 1.0);
    let skipped = after.grew(&before, "cobrowse_frames_skipped_total");
    assert!(skipped > 0.0, "the slow agent skipped deltas");
    // Each delta was sent to the fast agent; to the slow one sent, skipped, still in its queue (4), or the
    // one that found the queue full.
    let sent = after.grew(&before, "cobrowse_frames_sent_total{kind=\"delta\"}");
    let offered = (2 * DELTAS) as f64;
    assert!(sent + skipped <= offered && sent + skipped >= offered - 5.0, "sent {sent} + skipped {skipped}");
    assert_eq!(after.grew(&before, "cobrowse_agent_queue_depth_count"), offered - skipped);
    drop((visitor, slow, fast)); // hang up first, so shutdown need not wait for them
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn with_a_token_metrics_need_it_as_a_bearer() {
    let relay = start(|config| config.metrics_token = Some("s3cret-token".into())).await;
    let refused = get(relay.addr, "/metrics").await;
    assert_eq!(refused.status, 401);
    assert_eq!(refused.header("www-authenticate"), Some("Bearer"));
    let wrong = http_get_with(connect(relay.addr).await, "/metrics", "Authorization: Bearer s3cret-toke\r\n").await;
    assert_eq!(wrong.status, 401);
    let allowed = http_get_with(connect(relay.addr).await, "/metrics", "Authorization: Bearer s3cret-token\r\n").await;
    assert_eq!(allowed.status, 200);
    let scrape = Scrape::parse(std::str::from_utf8(&allowed.body).unwrap());
    assert_eq!(scrape.value("cobrowse_sessions_live"), 0.0);
    assert!(scrape.samples.contains_key("cobrowse_sessions_live"));
    relay.handle.shutdown().await;
}

async fn connect(addr: SocketAddr) -> TcpStream {
    TcpStream::connect(addr).await.unwrap()
}

/// Scrapes until `done` holds, failing after [`PATIENCE`].
async fn wait_for_scrape(addr: SocketAddr, done: impl Fn(&Scrape) -> bool) -> Scrape {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let scrape = Scrape::take(addr).await;
        if done(&scrape) {
            return scrape;
        }
        assert!(tokio::time::Instant::now() < deadline, "the metrics never reached the expected values");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
