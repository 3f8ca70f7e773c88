//! Section `latency`: a DOM change on the visitor's page reaching the agent's mirror, through the real
//! relay on loopback, with the visitor's page on its own origin and the agent's viewer in a second
//! Chromium (the e2e harness's stage).
//!
//! The visitor's page sets `data-bench-seq=i` on `<body>` every [`SPACING_MS`], recording the wall-clock
//! time; a MutationObserver on the mirror's document records when each change arrives. Of that time, the
//! visitor's part (the change to the session's frame leaving the page, stamped by a wrapper of the page's
//! `WebSocket.send`) is printed beside it; the rest is the relay's and the viewer's. Between changes,
//! the same two pages echo a message through a bare WebSocket forwarder ([`crate::bare_echo`]): the
//! baseline of browser-to-browser over loopback, and a check of how far the two browsers' clocks agree.
//! Measured twice: with the one viewer, then with nine more agents joined (sockets that read every frame,
//! [`crate::socket_agents`]: ten agents in all, the relay fanning every frame out to each). Fills the
//! summary row of issue 13's target 5 (latency, 1 and 10 agents). `BENCH_PROFILE=visitor` (`viewer`) adds
//! a CPU profile of the visitor's page (the agent's viewer) over the one-agent measurement, printed before
//! its table.

use crate::bare_echo::BareEcho;
use crate::cpu_profile;
use crate::latency_samples::{AgentTimes, Latencies, VisitorTimes};
use crate::report::{ms, ratio, verdict, Table};
use crate::socket_agents::SocketAgents;
use crate::stats::percentile;
use crate::summary::{Figure, Summary, Target};
use crate::webdriver::{self, page_answer};
use cobrowse_e2e::{agent, relay::AGENT_NAMES, visitor, Browser, Stage};
use serde_json::{json, Value};
use std::time::Duration;

const MIRROR_WATCH: &str = include_str!("js/mirror_watch.js");
const VISITOR_CHANGES: &str = include_str!("js/visitor_changes.js");

/// Changes measured, after [`WARMUP_CHANGES`] that are not.
const MEASURED_CHANGES: usize = 300;
const WARMUP_CHANGES: usize = 10;
/// Time between two changes.
const SPACING_MS: u64 = 20;
/// How long the last change may take to arrive before the times are collected.
const SETTLE: Duration = Duration::from_millis(1_000);
/// Goal for a change to reach the mirror.
const GOAL_MS: f64 = 2.0;
/// The agents joined beside the viewer for the second measurement (ten agents in all).
const EXTRA_AGENTS: usize = 9;
/// Issue 13's goals (target 5), for the summary.
const TARGET_P50_MS: f64 = 1.5;
const TARGET_P99_MS: f64 = 5.0;

pub async fn run(summary: &mut Summary) -> cobrowse_e2e::Result<()> {
    let stage = Stage::start().await?;
    let bare = BareEcho::start().await?;
    let measured = with_browsers(&stage, &bare).await;
    stage.shutdown().await;
    let [one, ten] = measured?;
    print(&one, 1);
    print(&ten, 1 + EXTRA_AGENTS);
    record_target(&one, &ten, summary);
    Ok(())
}

/// The summary row of target 5's latency, with 1 and with 10 agents: p50 and p99 beside the bare
/// WebSocket's one-way times (of the one-agent run).
fn record_target(one: &Latencies, ten: &Latencies, summary: &mut Summary) {
    let p = |latencies: &Latencies| (percentile(&latencies.mirror, 50.0), percentile(&latencies.mirror, 99.0));
    let ((p50, p99), (ten50, ten99)) = (p(one), p(ten));
    let (bare50, bare99) = (percentile(&one.bare_one_way, 50.0), percentile(&one.bare_one_way, 99.0));
    summary.record(
        Target::Latency,
        Figure {
            measured: "DOM change to the mirror, real relay: p50 / p99, 1 agent; 10 agents".into(),
            ours: format!("{} / {} ms; {} / {} ms", ms(p50), ms(p99), ms(ten50), ms(ten99)),
            baseline: format!("{} / {} ms (bare WS)", ms(bare50), ms(bare99)),
            ratio: format!("{} / {}", ratio(p50 / bare50), ratio(p99 / bare99)),
            met: [p50, ten50].iter().all(|p50| *p50 <= TARGET_P50_MS)
                && [p99, ten99].iter().all(|p99| *p99 <= TARGET_P99_MS),
        },
    );
}

/// Opens the visitor's and the agent's browsers, measures, and closes them whatever happened.
async fn with_browsers(stage: &Stage, bare: &BareEcho) -> cobrowse_e2e::Result<[Latencies; 2]> {
    let (visitor, agent) = webdriver::open_visitor_and_agent(&stage.driver).await?;
    let measured = async {
        let one = measure(stage, bare, (&visitor, &agent), 0).await?;
        Ok([one, measure(stage, bare, (&visitor, &agent), EXTRA_AGENTS).await?])
    }
    .await;
    let _ = visitor.close().await;
    let _ = agent.close().await;
    measured
}

/// One measurement, the viewer and `extra_agents` socket agents watching.
async fn measure(
    stage: &Stage,
    bare: &BareEcho,
    (visitor, agent): (&Browser, &Browser),
    extra_agents: usize,
) -> cobrowse_e2e::Result<Latencies> {
    visitor::open(visitor, &stage.site.demo_url()).await?;
    visitor::set_demo_timers(visitor, false).await?;
    let key = visitor::start_session(visitor).await?;
    agent::join(agent, &stage.relay.agent_url(), AGENT_NAMES[0], &key).await?;
    let _others = SocketAgents::join(stage.relay.origin(), &key, extra_agents).await?;
    let _: Value =
        page_answer(agent.execute_async(MIRROR_WATCH, vec![json!(bare.agent_url())]).await?, "watching the mirror")?;
    let changes = WARMUP_CHANGES + MEASURED_CHANGES;
    let profiled = profiled_pages(visitor, agent, extra_agents);
    for (_, browser) in &profiled {
        cpu_profile::start(browser).await?;
    }
    let _: Value = page_answer(
        visitor
            .execute_async(VISITOR_CHANGES, vec![json!(bare.visitor_url()), json!(changes), json!(SPACING_MS)])
            .await?,
        "making the changes",
    )?;
    eprintln!("latency: {changes} changes, {SPACING_MS} ms apart, {} agents ...", 1 + extra_agents);
    tokio::time::sleep(Duration::from_millis(changes as u64 * SPACING_MS)).await;
    wait_until_finished(visitor).await?;
    tokio::time::sleep(SETTLE).await;
    for (page, browser) in &profiled {
        let heading = format!("CPU profile of the {page} over the {changes} changes, 1 agent");
        let top = cpu_profile::stop_top(browser, cpu_profile::TOP_LINES, &format!("latency, {page}")).await;
        cpu_profile::print_or_error(&heading, &top);
    }
    let visitor_times: VisitorTimes = visitor.execute("return window.latencyBench;", vec![]).await?;
    let agent_times: AgentTimes = agent.execute("return window.latencyBench;", vec![]).await?;
    Ok(Latencies::from_times(&visitor_times, &agent_times, WARMUP_CHANGES))
}

/// The pages `BENCH_PROFILE` names (`visitor`: the visitor's page, `viewer`: the agent's), with their
/// browsers, in the one-agent measurement.
fn profiled_pages<'a>(
    visitor: &'a Browser,
    agent: &'a Browser,
    extra_agents: usize,
) -> Vec<(&'static str, &'a Browser)> {
    let pages = [("visitor's page", "visitor", visitor), ("agent's viewer", "viewer", agent)];
    let wanted = pages.into_iter().filter(|(_, name, _)| extra_agents == 0 && cpu_profile::wanted(name));
    wanted.map(|(page, _, browser)| (page, browser)).collect()
}

/// Waits until the visitor's page has made its last change.
async fn wait_until_finished(visitor: &Browser) -> cobrowse_e2e::Result<()> {
    cobrowse_e2e::wait::until("the visitor's page to make its last change", Duration::from_secs(60), || async {
        let finished: bool = visitor.execute("return !!window.latencyBench.finished;", vec![]).await?;
        Ok(finished.then_some(()))
    })
    .await
}

/// The `p`th percentile of the visitor's part, or a dash where no frame was stamped.
fn visitor_part(latencies: &Latencies, p: f64) -> String {
    match latencies.visitor_part.is_empty() {
        true => "-".into(),
        false => ms(percentile(&latencies.visitor_part, p)),
    }
}

fn print(latencies: &Latencies, agents: usize) {
    let corrected = latencies.mirror_offset_corrected();
    let half_round_trip = latencies.bare_half_round_trip();
    let mut table = Table::new(
        &format!(
            "3. Latency, ms: a DOM change on the visitor's page reaching the agent's mirror, real relay on \
             loopback, {agents} agent{} watching",
            if agents == 1 { "" } else { "s (the viewer and socket agents reading every frame)" }
        ),
        &[
            "percentile",
            "change -> mirror",
            "of it: change -> frame sent",
            "minus clock offset",
            "bare WS one-way",
            "bare WS round trip / 2",
            "goal",
            "verdict",
        ],
    );
    for (label, p) in [("p50", 50.0), ("p90", 90.0), ("p99", 99.0), ("max", 100.0)] {
        let mirror = percentile(&latencies.mirror, p);
        table.row(vec![
            label.into(),
            ms(mirror),
            visitor_part(latencies, p),
            ms(percentile(&corrected, p)),
            ms(percentile(&latencies.bare_one_way, p)),
            ms(percentile(&half_round_trip, p)),
            format!("<= {GOAL_MS} ms"),
            verdict(mirror <= GOAL_MS),
        ]);
    }
    table.print();
    println!(
        "   {} of {} changes reached the mirror ({} warm-up changes not counted); {} of {} bare echoes came back",
        latencies.mirror.len(),
        latencies.changes,
        WARMUP_CHANGES,
        latencies.bare_round_trip.len(),
        latencies.changes,
    );
    println!(
        "   clock offset, agent minus visitor, median of the echoes: {} ms (\"minus clock offset\" takes it out); \
         the pages' clocks tick by 0.1 ms",
        ms(latencies.clock_offset())
    );
}
