//! One page of the `tasks` section: open it with the shim, measure rrweb's full snapshot run once in one
//! task, then load the page again, start a real session against the relay and measure the main thread
//! from just before `Cobrowse.start()` until the visitor has sent its snapshot and then nothing for
//! [`QUIET_MS`].
//!
//! Each runs on a fresh load of the page, after a full garbage collection (`HeapProfiler.collectGarbage`)
//! and a pause with the meters off: neither pays for the other's garbage, nor for the previous page's.
//! On the page rrweb had just snapshotted, our session used to: on the 100,000-element page the heap held
//! over 100 MB of rrweb's garbage, and a major collection (57-83 ms) landed in one of our slices on every
//! run, where our own heap stays under 20 MB.

use crate::cpu_profile;
use crate::page_server::PageServer;
use crate::snapshot_measure::load_rrweb;
use crate::snapshot_pages::BenchPage;
use crate::task_meters::{self, Sent, Tasks};
use crate::task_trace::{TaskTrace, TracedTasks};
use crate::webdriver::{collect_garbage, page_answer};
use cobrowse_e2e::{relay::SITE_ID, visitor, Browser, Stage};
use serde::Deserialize;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const RRWEB_TASK: &str = concat!(include_str!("js/rrweb_pack.js"), include_str!("js/rrweb_task.js"));
const SESSION_START: &str = include_str!("js/session_start.js");

/// The visitor has sent its snapshot once it has sent a snapshot frame and then nothing for this long.
pub const QUIET_MS: f64 = 500.0;
/// How long a session may take from `Cobrowse.start()` to quiet before the page fails.
pub const SESSION_TIMEOUT: Duration = Duration::from_secs(60);
/// How long the shim may take to load.
const SHIM_TIMEOUT: Duration = Duration::from_secs(15);
/// How long the meters go on after rrweb's task, so that the browser has reported it.
const BASELINE_SETTLE_MS: u64 = 300;
/// The pause between a page's load and what is measured on it, the meters off.
const REST: Duration = Duration::from_secs(1);
/// How often the page is asked whether the visitor has gone quiet.
const POLL: Duration = Duration::from_millis(100);

/// One page's figures.
pub struct PageTasks {
    pub elements: usize,
    pub ours: Tasks,
    /// Our session's start as Chromium's trace saw it.
    pub ours_traced: TracedTasks,
    /// From `Cobrowse.start()` to the visitor's last send, in ms.
    pub ours_last_send_ms: f64,
    pub rrweb: Tasks,
    /// rrweb's snapshot as Chromium's trace saw it.
    pub rrweb_traced: TracedTasks,
    /// rrweb's call alone, timed around it, in ms.
    pub rrweb_call_ms: f64,
    /// The top self times of a CPU profile of the session's start (`BENCH_PROFILE`), a line each; empty if
    /// not asked.
    pub profile: Vec<String>,
}

#[derive(Deserialize)]
struct Baseline {
    meters: Tasks,
    took_ms: f64,
}

/// Functions a profile (`BENCH_PROFILE`) lists.
const PROFILE_LINES: usize = 25;

/// Measures `page` in `browser`: served by `server`, or the demo shop by the stage's site.
pub async fn measure(
    browser: &Browser,
    server: &PageServer,
    stage: &Stage,
    page: &BenchPage,
) -> cobrowse_e2e::Result<PageTasks> {
    let url = page_url(page, server, stage);
    open_with_meters(browser, &url, stage).await?;
    let elements = load_rrweb(browser, server).await?;
    settle(browser).await?;
    let trace = TaskTrace::start(browser).await?;
    let baseline = rrweb_once(browser).await?;
    let rrweb_traced = trace.stop().await?;
    open_with_meters(browser, &url, stage).await?;
    settle(browser).await?;
    let profiled = cpu_profile::wanted(&page.name);
    if profiled {
        cpu_profile::start(browser).await?;
    }
    let trace = TaskTrace::start(browser).await?;
    let session = run_session(browser).await;
    let ours_traced = trace.stop().await?;
    let profile = match profiled {
        true => cpu_profile::stop_top(browser, PROFILE_LINES, &format!("session start, {}", page.name)).await?,
        false => Vec::new(),
    };
    let _: Value = browser.execute("if (window.Cobrowse) window.Cobrowse.stop();", vec![]).await?;
    let (ours, sent) = session?;
    Ok(PageTasks {
        elements,
        ours,
        ours_traced,
        ours_last_send_ms: sent.last_ms,
        rrweb: baseline.meters,
        rrweb_traced,
        rrweb_call_ms: baseline.took_ms,
        profile,
    })
}

/// The page's URL: the demo shop from the stage's site, whose pages load the shim from the relay (the page
/// server's load it from the page server itself, where no session can start); the others from `server`.
fn page_url(page: &BenchPage, server: &PageServer, stage: &Stage) -> String {
    if page.path.starts_with("/demo/") {
        format!("{}{}", stage.site.origin(), page.path)
    } else {
        server.url(&page.path)
    }
}

/// Opens `url`, adds the shim's tag from `relay` unless the page has one (as a site embeds it), and waits
/// until the shim has defined `window.Cobrowse`.
pub async fn open_with_shim(browser: &Browser, url: &str, relay: &str) -> cobrowse_e2e::Result<()> {
    browser.goto(url).await?;
    let script = "if (document.querySelector('script[src$=\"cobrowse.js\"]')) return; \
                  var tag = document.createElement('script'); tag.src = arguments[0] + '/cobrowse.js'; \
                  tag.setAttribute('data-site', arguments[1]); tag.async = true; \
                  (document.head || document.documentElement).appendChild(tag);";
    let _: Value = browser.execute(script, vec![json!(relay), json!(SITE_ID)]).await?;
    cobrowse_e2e::wait::until(&format!("window.Cobrowse on {url}"), SHIM_TIMEOUT, || async {
        let ready: bool = browser.execute("return !!(window.Cobrowse && window.Cobrowse.start);", vec![]).await?;
        Ok(ready.then_some(()))
    })
    .await
}

/// A fresh load of `url` with the shim from the stage's relay, the demo's timers off and the task meters in.
async fn open_with_meters(browser: &Browser, url: &str, stage: &Stage) -> cobrowse_e2e::Result<()> {
    open_with_shim(browser, url, stage.relay.origin()).await?;
    visitor::set_demo_timers(browser, false).await?;
    task_meters::install(browser).await
}

/// Collects the page's garbage (and what earlier pages left), then lets the page idle for [`REST`].
async fn settle(browser: &Browser) -> cobrowse_e2e::Result<()> {
    collect_garbage(browser).await?;
    tokio::time::sleep(REST).await;
    Ok(())
}

/// rrweb's full snapshot, packed, once in one task, with the meters on.
async fn rrweb_once(browser: &Browser) -> cobrowse_e2e::Result<Baseline> {
    let answer = browser.execute_async(RRWEB_TASK, vec![json!(BASELINE_SETTLE_MS)]).await?;
    page_answer(answer, "rrweb's snapshot in one task")
}

/// Starts the session with the meters on, waits until the visitor has gone quiet, stops the meters.
async fn run_session(browser: &Browser) -> cobrowse_e2e::Result<(Tasks, Sent)> {
    let started = Instant::now();
    let answer = tokio::time::timeout(SESSION_TIMEOUT, browser.execute_async(SESSION_START, vec![]))
        .await
        .map_err(|_| format!("Cobrowse.start() did not resolve within {SESSION_TIMEOUT:?}"))??;
    let _: Value = page_answer(answer, "starting the session")?;
    let sent = wait_until_quiet(browser, started + SESSION_TIMEOUT).await?;
    Ok((task_meters::stop(browser).await?, sent))
}

/// Polls the page until the visitor has sent a snapshot frame and then nothing for [`QUIET_MS`]; fails
/// at `deadline`, or if the session ended.
async fn wait_until_quiet(browser: &Browser, deadline: Instant) -> cobrowse_e2e::Result<Sent> {
    loop {
        let sent = task_meters::sent(browser).await?;
        if sent.snapshots > 0 && sent.quiet_ms >= QUIET_MS {
            return Ok(sent);
        }
        let ended: Option<String> = browser.execute("return window.sessionTasksEnded;", vec![]).await?;
        if let Some(ended) = ended {
            return Err(format!("the session stopped before the visitor went quiet: {ended}").into());
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "the visitor did not send its snapshot and then nothing for {QUIET_MS} ms within \
                 {SESSION_TIMEOUT:?} of Cobrowse.start(): {} sends, {} snapshot frames, the last {} ms ago",
                sent.sends, sent.snapshots, sent.quiet_ms as u64
            )
            .into());
        }
        tokio::time::sleep(POLL).await;
    }
}
