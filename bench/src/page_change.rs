//! Section `pages`: the visitor moves to another page of the same site (a full page load) while an agent
//! watches; how long from the new page's `DOMContentLoaded` until the agent's mirror holds it, and what
//! the new page downloads again for cobrowsing (the shim, the recorder's glue JS and its wasm).
//!
//! A real relay on loopback serves the site ([`crate::page_change_site`]); the visitor's page and the
//! agent's viewer are two headless Chromiums. The visitor starts a session on the first page, the agent
//! joins, then the visitor goes to page after page (each URL carries `?bench=SEQ`). The session continues
//! by itself (the shim resumes it on the new page, the relay forwards the new page's snapshot). On the
//! visitor's side the navigation entry gives `DOMContentLoaded`, where the clock starts; on the agent's
//! side a watcher records when the mirror's document holds the page whose URL has that `bench` value,
//! first its first part (a large page's snapshot is sliced across the visitor's tasks and sent in parts),
//! then its end marker ([`END_MARKER_ID`]: the page is arriving). The parts of a sliced snapshot need not
//! come in document order (a parent's later children may go before an earlier child's descendants), so the
//! marker does not say the page is whole: once the visitor's page has sent every part (its count of parts
//! settled), the whole page is in the mirror when the viewer has applied the last of them, after the
//! snapshot frame. There the clock stops; then when the viewer's next frame after it has rendered (its
//! style, layout and paint done: the page shown). All are wall-clock times
//! (`performance.timeOrigin` plus `performance.now()`), which the two browsers on this machine share (the
//! `latency` section measures how far they agree: well under a millisecond). Parts say where the time goes: the visitor's, until its snapshot
//! reached the relay (the relay's frame tap, [`crate::snapshot_arrivals`]), itself split where
//! the recorder asked to resume (loaded, its socket open: the shim opens the socket while the recorder
//! loads), where the session was resumed on the page (`SessionStarted` back) and where the snapshot was
//! sent (serialized and compressed: its first part), all stamped by a wrapper of the visitor page's
//! `WebSocket` installed before every page's own scripts; the relay's, until the frame reached the
//! viewer's page (a wrapper of the viewer page's `WebSocket` stamps it before the viewer sees it); the
//! rest of a sliced snapshot, from its first frame to its last part at the viewer's page; the viewer's,
//! from that last frame to the whole page in the mirror; and the viewer's first layout and paint of it.
//!
//! `BENCH_PROFILE=NAME` profiles the visitor's pages and the agent's viewer over the measured changes of
//! the sets whose label contains NAME (`demo`, `5,000`), and prints their top self times under the table
//! (see [`crate::cpu_profile`]; the visitor's profiler runs on across its page loads).

use crate::cpu_profile;
use crate::page_change_site::{BenchSite, END_MARKER_ID, LARGE_PAGE_ELEMENTS, LARGE_PAGE_FILE};
use crate::report::{bytes, ms, verdict, Table};
use crate::snapshot_arrivals::SnapshotArrivals;
use crate::stats::percentile;
use crate::webdriver::{self, page_answer};
use cobrowse_e2e::relay::{AGENT_NAMES, AGENT_PASSWORD};
use cobrowse_e2e::{agent, visitor, Browser, Stage};
use serde::Deserialize;
use serde_json::{json, Value};
use std::time::Duration;

const MIRROR_PAGES: &str = include_str!("js/mirror_pages.js");
const VIEWER_FRAMES: &str = include_str!("js/viewer_frames.js");
const PAGE_TIMING: &str = include_str!("js/page_timing.js");
const VISITOR_FRAMES: &str = include_str!("js/visitor_frames.js");

/// Page changes measured per set of pages, after [`WARMUP_CHANGES`] that are not.
const MEASURED_CHANGES: usize = 20;
const WARMUP_CHANGES: usize = 2;
/// How long a new page may take to reach the mirror before the section gives up.
const ARRIVAL_TIMEOUT: Duration = Duration::from_secs(15);
/// A pause between two page changes, as a visitor reads a page before clicking on.
const PAUSE: Duration = Duration::from_millis(150);
/// Goal for a new page to reach the mirror, with the wasm cached.
const GOAL_MS: f64 = 150.0;

/// One set of pages the visitor walks through.
struct PageSet {
    label: String,
    files: Vec<String>,
}

/// What the visitor's page reports about itself (see `js/page_timing.js`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PageTiming {
    dom_content_loaded: Option<f64>,
    /// When the recorder sent `Resume` (loaded, and its socket open).
    asked: Option<f64>,
    /// When the session was resumed on the page (`SessionStarted` reached it).
    resumed: Option<f64>,
    /// When the recorder sent the page's first snapshot.
    snapshot_sent: Option<f64>,
    /// How many parts of a sliced snapshot it sent (on this page, by the time it was read).
    parts: Option<f64>,
    shim: Option<Fetched>,
    glue: Option<Fetched>,
    wasm: Option<Fetched>,
}

/// The files a page loads for cobrowsing.
#[derive(Debug, Clone, Copy)]
enum CobrowseFile {
    Shim,
    Glue,
    Wasm,
}

impl CobrowseFile {
    const ALL: [CobrowseFile; 3] = [CobrowseFile::Shim, CobrowseFile::Glue, CobrowseFile::Wasm];

    fn label(self) -> &'static str {
        match self {
            CobrowseFile::Shim => "shim /cobrowse.js",
            CobrowseFile::Glue => "glue /visitor/cobrowse_visitor.js",
            CobrowseFile::Wasm => "wasm /visitor/cobrowse_visitor_bg.wasm",
        }
    }
}

impl PageTiming {
    /// What the page fetched for `file`, if it loaded it.
    fn fetched(&self, file: CobrowseFile) -> Option<Fetched> {
        match file {
            CobrowseFile::Shim => self.shim,
            CobrowseFile::Glue => self.glue,
            CobrowseFile::Wasm => self.wasm,
        }
    }
}

/// One file's Resource Timing sizes, in bytes.
#[derive(Debug, Clone, Copy, Deserialize)]
struct Fetched {
    transfer: f64,
    encoded: f64,
}

/// When the agent's mirror held a page (see `js/mirror_pages.js`).
#[derive(Debug, Deserialize)]
struct Arrival {
    /// When the mirror held the page's first part.
    first: Option<f64>,
    /// When it held the page's end marker (the page is arriving: not necessarily whole, see mirror_pages.js).
    marker: Option<f64>,
    /// When the page's snapshot frame reached the viewer's page (the last one before the marker).
    frame: Option<f64>,
}

/// When the whole page was in the mirror (see [`whole_page`]).
#[derive(Debug, Deserialize)]
struct WholePage {
    /// When the last frame of the page's snapshot (the snapshot itself, or its last part) reached the
    /// viewer's page.
    last_frame: f64,
    /// When the viewer had applied it: the whole page in the mirror.
    at: f64,
    /// When the viewer's next frame after `at` had rendered.
    shown: f64,
}

/// How long the visitor's count of snapshot parts must stay put to be taken as final.
const SETTLED: Duration = Duration::from_millis(200);

/// One page change, measured.
struct Sample {
    to_mirror: f64,
    to_first: f64,
    to_shown: f64,
    /// From `DOMContentLoaded` to the page's snapshot at the relay.
    to_relay: Option<f64>,
    /// From `DOMContentLoaded` to the snapshot frame at the viewer's page.
    to_viewer: f64,
    /// From `DOMContentLoaded` to the snapshot's last later part at the relay (`None`: not sliced).
    to_last_part_at_relay: Option<f64>,
    /// From `DOMContentLoaded` to the page's last frame (its snapshot or a part) at the viewer's page.
    to_last_frame: f64,
    timing: PageTiming,
}

/// The figures of one set of pages.
struct Measured {
    label: String,
    samples: Vec<Sample>,
    /// The visitor's and the viewer's top self times over the measured changes, if profiled
    /// (`BENCH_PROFILE`).
    profiles: Vec<(&'static str, Vec<String>)>,
}

/// Lines of a profile printed.
const PROFILE_LINES: usize = 25;

/// Everything the section prints.
struct Results {
    sets: Vec<Measured>,
    first_page: PageTiming,
    second_page: PageTiming,
}

pub async fn run() -> cobrowse_e2e::Result<()> {
    let site = BenchSite::create()?;
    let www_dir = site.www_dir();
    let stage = Stage::start_with(move |config| config.www_dir = www_dir).await?;
    let measured = with_browsers(&stage, &site).await;
    stage.shutdown().await;
    print(&measured?);
    Ok(())
}

/// Opens the visitor's and the agent's browsers, measures, and closes them whatever happened.
async fn with_browsers(stage: &Stage, site: &BenchSite) -> cobrowse_e2e::Result<Results> {
    let (visitor, agent) = webdriver::open_visitor_and_agent(&stage.driver).await?;
    let snapshots = SnapshotArrivals::record(stage.relay.subscribe_frames());
    let measured = measure(stage, site, &snapshots, &visitor, &agent).await;
    let _ = visitor.close().await;
    let _ = agent.close().await;
    measured
}

async fn measure(
    stage: &Stage,
    site: &BenchSite,
    snapshots: &SnapshotArrivals,
    visitor: &Browser,
    agent: &Browser,
) -> cobrowse_e2e::Result<Results> {
    let page_url = |file: &str, seq: usize| format!("{}/demo/{file}?bench={seq}", stage.relay.origin());
    let first_file = &site.demo_pages()[0];
    cobrowse_e2e::cdp::run_before_every_page(visitor, VISITOR_FRAMES).await?;
    visitor::open(visitor, &page_url(first_file, 0)).await?;
    let key = visitor::start_session(visitor).await?;
    join_stamping_frames(agent, &stage.relay.agent_url(), &key).await?;
    let watching = agent.execute_async(MIRROR_PAGES, vec![json!(END_MARKER_ID)]).await?;
    let _: Value = page_answer(watching, "watching the mirror")?;
    wait_for_arrival(agent, 0).await?;
    let first_page: PageTiming = visitor.execute(PAGE_TIMING, vec![]).await?;

    let sets = [
        PageSet { label: format!("demo ({})", site.demo_pages().join(", ")), files: site.demo_pages().to_vec() },
        PageSet {
            label: format!("generated, {} elements", bytes(LARGE_PAGE_ELEMENTS)),
            files: vec![LARGE_PAGE_FILE.into()],
        },
    ];
    let mut seq = 0;
    let mut second_page = None;
    let mut results = Vec::new();
    for set in sets {
        eprintln!("pages: {}: {} page changes ...", set.label, WARMUP_CHANGES + MEASURED_CHANGES);
        let mut samples = Vec::new();
        let profiled = cpu_profile::wanted(&set.label);
        for change in 0..WARMUP_CHANGES + MEASURED_CHANGES {
            if profiled && change == WARMUP_CHANGES {
                cpu_profile::start(visitor).await?;
                cpu_profile::start(agent).await?;
            }
            seq += 1;
            let file = &set.files[change % set.files.len()];
            let sample = change_page(visitor, agent, snapshots, &page_url(file, seq), seq).await?;
            second_page.get_or_insert_with(|| sample.timing.clone());
            if change >= WARMUP_CHANGES {
                samples.push(sample);
            }
            tokio::time::sleep(PAUSE).await;
        }
        let mut profiles = Vec::new();
        if profiled {
            let label = |whose: &str| format!("page changes, {}, {whose}", set.label);
            profiles
                .push(("the visitor's pages", cpu_profile::stop_top(visitor, PROFILE_LINES, &label("visitor")).await?));
            profiles.push(("the agent's viewer", cpu_profile::stop_top(agent, PROFILE_LINES, &label("viewer")).await?));
        }
        results.push(Measured { label: set.label, samples, profiles });
    }
    let second_page = second_page.ok_or("no page change was made")?;
    Ok(Results { sets: results, first_page, second_page })
}

/// Loads `url` (page number `seq`) in the visitor's browser and times its way to the agent's mirror.
async fn change_page(
    visitor: &Browser,
    agent: &Browser,
    snapshots: &SnapshotArrivals,
    url: &str,
    seq: usize,
) -> cobrowse_e2e::Result<Sample> {
    visitor.goto(url).await?;
    let arrival = wait_for_arrival(agent, seq).await?;
    let frame = arrival.frame.ok_or("the page's snapshot frame was not stamped at the viewer")?;
    let whole = whole_page(agent, frame, parts_sent(visitor).await?).await?;
    let timing: PageTiming = visitor.execute(PAGE_TIMING, vec![]).await?;
    let loaded = timing.dom_content_loaded.ok_or("the visitor's page has no navigation timing")?;
    let (at, shown) = (whole.at, whole.shown);
    let to_viewer = frame - loaded;
    let to_last_frame = whole.last_frame - loaded;
    let to_relay = snapshots.first_between(loaded, at).map(|reached| reached - loaded);
    let to_last_part_at_relay = snapshots.last_part_between(loaded, at).map(|reached| reached - loaded);
    let to_first = arrival.first.unwrap_or(f64::NAN) - loaded;
    Ok(Sample {
        to_mirror: at - loaded,
        to_first,
        to_shown: shown - loaded,
        to_relay,
        to_viewer,
        to_last_part_at_relay,
        to_last_frame,
        timing,
    })
}

/// Opens the viewer page, wraps its `WebSocket` to stamp snapshot frames, joins `key` and waits until live.
async fn join_stamping_frames(agent: &Browser, agent_url: &str, key: &str) -> cobrowse_e2e::Result<()> {
    agent.goto(agent_url).await?;
    let ready = || async {
        let ready: bool =
            agent.execute("var b = document.getElementById('join'); return !!b && !b.disabled;", vec![]).await?;
        Ok(ready.then_some(()))
    };
    cobrowse_e2e::wait::until("agent: an enabled #join button", agent::JOIN_TIMEOUT, ready).await?;
    let _: bool = agent.execute(VIEWER_FRAMES, vec![json!(AGENT_NAMES[0]), json!(AGENT_PASSWORD), json!(key)]).await?;
    let status = agent::wait_for_state(agent, &["live", "error", "ended", "disconnected"], agent::JOIN_TIMEOUT).await?;
    match status.state.as_deref() {
        Some("live") => Ok(()),
        state => Err(format!("agent: joining {key} ended in state {state:?}: {:?}", status.text).into()),
    }
}

/// Waits until the agent's mirror holds page `seq` and has shown it.
async fn wait_for_arrival(agent: &Browser, seq: usize) -> cobrowse_e2e::Result<Arrival> {
    let what = format!(
        "page {seq} of the visitor in the agent's mirror (does the session continue across page loads in this \
         build: the shim resuming, the relay forwarding the new page?)"
    );
    let script = "var b = window.pageBench, s = String(arguments[0]), at = b.arrivals[s] || null; \
                  var frames = b.frames.filter(function (t) { return at && t <= at; }); \
                  return { first: b.first[s] || null, marker: at, frame: frames.length ? frames[frames.length - 1] : null };";
    cobrowse_e2e::wait::until(&what, ARRIVAL_TIMEOUT, || async {
        let arrival: Arrival = agent.execute(script, vec![json!(seq)]).await?;
        Ok((arrival.marker.is_some() && arrival.frame.is_some()).then_some(arrival))
    })
    .await
}

/// How many parts the visitor's page sent of its snapshot, once it has sent them all: the count has not
/// grown over [`SETTLED`] (the parts go in back-to-back tasks of the page).
async fn parts_sent(visitor: &Browser) -> cobrowse_e2e::Result<u32> {
    let script = "return window.pageBenchVisitor ? window.pageBenchVisitor.parts : null;";
    let mut last: Option<u32> = None;
    let deadline = tokio::time::Instant::now() + ARRIVAL_TIMEOUT;
    loop {
        tokio::time::sleep(SETTLED).await;
        let parts: Option<u32> = visitor.execute(script, vec![]).await?;
        let parts = parts.ok_or("the visitor's page has no frame stamps (visitor_frames.js)")?;
        if last == Some(parts) {
            return Ok(parts);
        }
        if tokio::time::Instant::now() >= deadline {
            return Err("the visitor's page kept sending snapshot parts".into());
        }
        last = Some(parts);
    }
}

/// When the whole page was in the mirror: the snapshot frame reached the viewer's page at `frame`, then
/// `parts` parts after it; the whole page is there once the viewer applied the last of them (and shown once
/// the frame after that rendered).
async fn whole_page(agent: &Browser, frame: f64, parts: u32) -> cobrowse_e2e::Result<WholePage> {
    let script = "var b = window.pageBench, frame = arguments[0], n = arguments[1]; \
                  var parts = b.parts.filter(function (t) { return t > frame; }).sort(function (x, y) { return x - y; }); \
                  if (parts.length < n) return null; \
                  var last = n ? parts[n - 1] : frame; \
                  for (var i = 0; i < b.applied.length; i++) if (b.applied[i] >= last) \
                    return b.appliedShown[i] ? { last_frame: last, at: b.applied[i], shown: b.appliedShown[i] } : null; \
                  return null;";
    let what = format!("the {parts} parts of the visitor's snapshot in the agent's mirror");
    cobrowse_e2e::wait::until(&what, ARRIVAL_TIMEOUT, || async {
        let whole: Option<WholePage> = agent.execute(script, vec![json!(frame), json!(parts)]).await?;
        Ok(whole)
    })
    .await
}

fn print(results: &Results) {
    let mut table = Table::new(
        "4. Page change, ms: the visitor's new page (a full load of the same site) from its DOMContentLoaded to \
         the agent's mirror, real relay on loopback",
        &[
            "pages",
            "changes",
            "p50",
            "p95",
            "max",
            "p50 to the first part",
            "p50 to shown",
            "visitor's part, p50",
            "of it: resume asked",
            "resumed",
            "of it: snapshot sent",
            "parts sent, p50",
            "relay's part, p50",
            "the rest of the parts, p50",
            "of it: the last at the relay",
            "viewer's part, p50",
            "viewer's layout and paint, p50",
            "goal (p50)",
            "verdict",
        ],
    );
    for set in &results.sets {
        let to_mirror: Vec<f64> = set.samples.iter().map(|sample| sample.to_mirror).collect();
        let to_shown: Vec<f64> = set.samples.iter().map(|sample| sample.to_shown).collect();
        let p50 = percentile(&to_mirror, 50.0);
        table.row(vec![
            set.label.clone(),
            set.samples.len().to_string(),
            ms(p50),
            ms(percentile(&to_mirror, 95.0)),
            ms(percentile(&to_mirror, 100.0)),
            ms(median_of(&set.samples, |sample| Some(sample.to_first))),
            ms(percentile(&to_shown, 50.0)),
            ms(median_of(&set.samples, |sample| sample.to_relay)),
            ms(median_of(&set.samples, |sample| Some(sample.timing.asked? - sample.timing.dom_content_loaded?))),
            ms(median_of(&set.samples, |sample| Some(sample.timing.resumed? - sample.timing.asked?))),
            ms(median_of(&set.samples, |sample| Some(sample.timing.snapshot_sent? - sample.timing.resumed?))),
            ms(median_of(&set.samples, |sample| sample.timing.parts)),
            ms(median_of(&set.samples, |sample| Some(sample.to_viewer - sample.to_relay?))),
            ms(median_of(&set.samples, |sample| Some(sample.to_last_frame - sample.to_viewer))),
            ms(median_of(&set.samples, |sample| Some(sample.to_last_part_at_relay? - sample.to_viewer))),
            ms(median_of(&set.samples, |sample| Some(sample.to_mirror - sample.to_last_frame))),
            ms(median_of(&set.samples, |sample| Some(sample.to_shown - sample.to_mirror))),
            format!("<= {GOAL_MS} ms"),
            verdict(p50 <= GOAL_MS),
        ]);
    }
    table.print();
    for set in &results.sets {
        for (whose, profile) in &set.profiles {
            println!("   {whose}, over the measured changes of {}: top self times", set.label);
            for line in profile {
                println!("   {line}");
            }
        }
    }
    println!(
        "   {WARMUP_CHANGES} warm-up changes per set not counted; the clock stops when the mirror's document holds \
         the whole page, built and attached (a large page's snapshot is sliced and sent in parts: when the viewer \
         has applied the last; \"to the first part\": when the mirror held the first); \"to shown\": when the viewer's next frame after that has rendered (style, \
         layout, paint); parts: the visitor's (DOMContentLoaded to its snapshot at the relay; of it, to the \
         recorder asking to resume (loaded, its socket open), to the session resumed on the page \
         (SessionStarted back), then to the snapshot sent), the relay's (to the frame at the viewer's \
         page), the rest of the parts (to the last at the viewer's page; of it, to the last at the relay: \
         the visitor's slicing, the rest the viewer's page busy), the viewer's (from that last frame to \
         the whole page in the mirror), then the viewer's layout and paint"
    );
    print_downloads(results);
}

/// The median of what `part` gives for the samples that have it.
fn median_of(samples: &[Sample], part: impl Fn(&Sample) -> Option<f64>) -> f64 {
    percentile(&samples.iter().filter_map(part).collect::<Vec<_>>(), 50.0)
}

/// The bytes the first (cold) and the second page fetched for cobrowsing, and the most any later page did.
fn print_downloads(results: &Results) {
    let mut table = Table::new(
        "   Bytes fetched for cobrowsing on a page load (Resource Timing transferSize; 0 = from the browser cache)",
        &["file", "first page (cold)", "second page", "most on a later page", "body (compressed)", "second page from"],
    );
    let later: Vec<&PageTiming> = results.sets.iter().flat_map(|set| set.samples.iter().map(|s| &s.timing)).collect();
    for file in CobrowseFile::ALL {
        let most = later.iter().filter_map(|timing| timing.fetched(file)).map(|fetched| fetched.transfer);
        let first = results.first_page.fetched(file);
        let second = results.second_page.fetched(file);
        // A revalidated file may report no body size of its own: the cold load's tells.
        let body = [first, second].iter().flatten().map(|fetched| fetched.encoded).fold(0.0, f64::max);
        table.row(vec![
            file.label().into(),
            size(first.map(|fetched| fetched.transfer)),
            size(second.map(|fetched| fetched.transfer)),
            size(Some(most.fold(0.0, f64::max))),
            size(Some(body)),
            second.map_or("not loaded".into(), |second| came_from(second.transfer, body)),
        ]);
    }
    table.print();
}

/// Where a file of `body` bytes (compressed) came from, by what the page load transferred: the cache,
/// a revalidation (304: headers only), or the network.
fn came_from(transfer: f64, body: f64) -> String {
    if transfer <= 0.0 {
        "browser cache".into()
    } else if transfer < body {
        "revalidated (304)".into()
    } else {
        "network".into()
    }
}

fn size(count: Option<f64>) -> String {
    count.map_or("-".into(), |count| bytes(count.max(0.0) as usize))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_from_the_cache_revalidated_or_fetched() {
        assert_eq!(came_from(0.0, 40_000.0), "browser cache");
        assert_eq!(came_from(310.0, 40_000.0), "revalidated (304)");
        assert_eq!(came_from(40_300.0, 40_000.0), "network");
    }
}
