//! Section `storms`: the main-thread time a recorder adds to a mutation storm (issue 13, target 4), ours
//! beside rrweb's recorder, with the bytes each sent.
//!
//! The storms (`js/storms.js`), each made in one task on the generated 1,000-element page: 1,000 added
//! subtrees of 10 elements, 10,000 attribute changes (1,000 elements, 10 each), 1,000 text changes, and a
//! 10,000-row table rendered again (`replaceChildren` with new rows). Each is measured on a fresh load of
//! the page under three recorders: none (the storm's own cost: its DOM work, style and layout), rrweb's
//! (`rrweb.record`, each event packed as @rrweb/packer does it, as a site shipping rrweb would) and ours
//! (a real session of the shim against the relay on loopback). The main-thread time is Chromium's own
//! count (`Performance.getMetrics`' `TaskDuration`) from just before the storm's task until the recorder
//! has sent or emitted nothing for 300 ms; a recorder's figure is its median over [`ROUNDS`] less the
//! median without a recorder. Goal: ours at most 1/3 of rrweb's on every storm.
//!
//! A fourth "recorder" is the floor of any recorder built on a MutationObserver: a bare observer with our
//! options (`storms.js`, "observer") whose callback reads each record's type, target and attribute name,
//! and sends nothing. What it adds is the browser's own cost of the records, which no such recorder avoids;
//! the summary prints it under target 4.
//!
//! `BENCH_PROFILE=NAME` adds, after the measured rounds, one run of each storm whose name contains NAME
//! under rrweb's recorder and under ours with V8's sampling profiler on (see [`crate::cpu_profile`]), and
//! prints the top self times of each. For the names of our wasm functions, point `COBROWSE_SITE_DIR` at a
//! copy of `target/site` whose `visitor/` is the one `cargo xtask build-bench --names` builds in
//! `target/site-bench/visitor` (`target/site-bench` alone holds no shim or viewer for a session).

use crate::cpu_profile;
use crate::page_server::{PageServer, FFLATE_PATH, RRWEB_PATH};
use crate::report::{bytes, ms, ratio, verdict, Table};
use crate::session_measure::open_with_shim;
use crate::snapshot_pages::large_page_file;
use crate::summary::{Figure, Summary, Target};
use crate::webdriver::{self, collect_garbage, page_answer};
use cobrowse_e2e::{Browser, Stage};
use serde::Deserialize;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const STORMS_JS: &str = concat!(include_str!("js/rrweb_pack.js"), include_str!("js/storms.js"));
const LOAD_RECORDER: &str = concat!(include_str!("js/classic_script.js"), include_str!("js/load_recorder.js"));

/// The storms: name in `storms.js`, what it is, and how many changes it makes.
const STORMS: [(&str, &str, usize); 4] = [
    ("added", "1,000 added subtrees of 10 elements", 10_000),
    ("attributes", "10,000 attribute changes", 10_000),
    ("text", "1,000 text changes", 1_000),
    ("table", "10,000-row table rendered again", 30_000),
];
/// The recorders, as `storms.js` names them.
const RECORDERS: [&str; 4] = ["none", "rrweb", "ours", "observer"];
/// The index of the bare observer, the floor, in [`RECORDERS`].
const FLOOR: usize = 3;
/// Rounds of every storm under every recorder; medians are kept. Five, not three: with three, one
/// storm's added time under one recorder read from 10 to 23 ms between runs of the section.
const ROUNDS: usize = 5;
/// The page the storms are made on.
const PAGE_ELEMENTS: usize = 1_000;
/// Goal: our added main-thread time over rrweb's.
const GOAL_RATIO: f64 = 1.0 / 3.0;
/// A recorder is settled once it has sent or emitted nothing for this long after it started.
const SETTLED_MS: f64 = 500.0;
/// How long a recorder may take to settle.
const SETTLE_TIMEOUT: Duration = Duration::from_secs(30);

/// One storm under one recorder, once.
#[derive(Debug, Clone, Deserialize)]
struct Run {
    /// The storm's own code, timed around it, in ms.
    storm_ms: f64,
    /// What the recorder sent (ours) or emitted packed (rrweb) from the storm's start until quiet.
    bytes: usize,
    /// From the storm's start to the recorder's last output, in ms.
    quiet_after_ms: f64,
    /// Chromium's main-thread task time over the storm and the recorder's work after it, in ms.
    #[serde(default)]
    main_thread_ms: f64,
}

/// One storm's medians under each recorder.
struct StormResult {
    what: &'static str,
    /// The storm's own code without a recorder (median), in ms.
    storm_code_ms: f64,
    changes: usize,
    /// Medians by recorder, in [`RECORDERS`]' order.
    main_thread_ms: [f64; 4],
    bytes: [usize; 4],
    quiet_after_ms: [f64; 4],
}

impl StormResult {
    /// The main-thread time `recorder` (an index in [`RECORDERS`]) added to the storm.
    fn added_ms(&self, recorder: usize) -> f64 {
        (self.main_thread_ms[recorder] - self.main_thread_ms[0]).max(0.0)
    }

    fn ratio(&self) -> f64 {
        self.added_ms(2) / self.added_ms(1).max(f64::EPSILON)
    }

    fn met(&self) -> bool {
        self.ratio() <= GOAL_RATIO
    }

    /// The floor over rrweb's added time: what a bare observer's records alone cost, of rrweb's.
    fn floor_ratio(&self) -> f64 {
        self.added_ms(FLOOR) / self.added_ms(1).max(f64::EPSILON)
    }
}

pub async fn run(summary: &mut Summary) -> cobrowse_e2e::Result<()> {
    let server = PageServer::start().await?;
    let stage = Stage::start().await?;
    let browser = webdriver::open_browser(&stage.driver, "visitor").await?;
    let measured = measure_all(&browser, &stage, &server).await;
    let profiles = match measured.is_ok() {
        true => profile_wanted(&browser, &stage, &server).await,
        false => Vec::new(),
    };
    let _ = browser.close().await;
    stage.shutdown().await;
    let results = measured?;
    print(&results);
    print_profiles(&profiles);
    record_target(&results, summary);
    Ok(())
}

/// A storm, a recorder, and the top self times of a profiled run of the one under the other.
type Profiled = (&'static str, &'static str, cobrowse_e2e::Result<Vec<String>>);

/// A profiled run of each storm `BENCH_PROFILE` names, under rrweb's recorder and under ours.
async fn profile_wanted(browser: &Browser, stage: &Stage, server: &PageServer) -> Vec<Profiled> {
    let mut profiles = Vec::new();
    for (storm, _, _) in STORMS.iter().filter(|(storm, _, _)| cpu_profile::wanted(storm)) {
        for recorder in ["rrweb", "ours"] {
            eprintln!("storms: {storm} under {recorder}, profiled ...");
            let profiled = measure_one(browser, stage, server, storm, recorder, true).await;
            profiles.push((*storm, recorder, profiled.map(|(_, top)| top)));
        }
    }
    profiles
}

fn print_profiles(profiles: &[Profiled]) {
    for (storm, recorder, top) in profiles {
        cpu_profile::print_or_error(&format!("CPU profile of the {storm} storm under {recorder}, until quiet"), top);
    }
}

/// Every storm under every recorder, [`ROUNDS`] times, rounds outermost so that a slow spell of the
/// machine falls on all of them.
async fn measure_all(browser: &Browser, stage: &Stage, server: &PageServer) -> cobrowse_e2e::Result<Vec<StormResult>> {
    let mut runs: Vec<Vec<Vec<Run>>> = vec![vec![Vec::new(); RECORDERS.len()]; STORMS.len()];
    for round in 1..=ROUNDS {
        for (storm_index, (storm, _, _)) in STORMS.iter().enumerate() {
            for (recorder_index, recorder) in RECORDERS.iter().enumerate() {
                eprintln!("storms: round {round}, {storm} under {recorder} ...");
                let (run, _) = measure_one(browser, stage, server, storm, recorder, false).await?;
                runs[storm_index][recorder_index].push(run);
            }
        }
    }
    Ok(STORMS
        .iter()
        .zip(runs)
        .map(|((_, what, changes), by_recorder)| StormResult {
            what,
            storm_code_ms: medians(&by_recorder, |run| run.storm_ms)[0],
            changes: *changes,
            main_thread_ms: medians(&by_recorder, |run| run.main_thread_ms),
            bytes: medians(&by_recorder, |run| run.bytes as f64).map(|median| median as usize),
            quiet_after_ms: medians(&by_recorder, |run| run.quiet_after_ms),
        })
        .collect())
}

fn medians(by_recorder: &[Vec<Run>], figure: impl Fn(&Run) -> f64) -> [f64; 4] {
    let median = |runs: &Vec<Run>| {
        let mut values: Vec<f64> = runs.iter().map(&figure).collect();
        values.sort_by(f64::total_cmp);
        values[values.len() / 2]
    };
    std::array::from_fn(|recorder| median(&by_recorder[recorder]))
}

/// `storm` under `recorder`, on a fresh load of the page; with `profiled`, under V8's sampling profiler
/// from the storm's start until the recorder is quiet, whose top self times come back too.
async fn measure_one(
    browser: &Browser,
    stage: &Stage,
    server: &PageServer,
    storm: &str,
    recorder: &str,
    profiled: bool,
) -> cobrowse_e2e::Result<(Run, Vec<String>)> {
    let url = server.url(&format!("/generated/{}", large_page_file(PAGE_ELEMENTS)));
    open_with_shim(browser, &url, stage.relay.origin()).await?;
    load_baseline_scripts(browser, server).await?;
    let _: Value = page_answer(browser.execute_async(STORMS_JS, vec![]).await?, "installing the storms")?;
    let script = "var done = arguments[2]; window.storms.prepare(arguments[0]); \
                  window.storms.record(arguments[1]).then(function () { done({}); }, \
                  function (error) { done({ error: String(error) }); });";
    let _: Value = page_answer(
        browser.execute_async(script, vec![json!(storm), json!(recorder)]).await?,
        &format!("starting {recorder}"),
    )?;
    wait_until_settled(browser, recorder).await?;
    // What earlier pages and the recorder's start left is collected now, not during the storm.
    collect_garbage(browser).await?;
    let before = task_duration_ms(browser).await?;
    if profiled {
        cpu_profile::start(browser).await?;
    }
    let script = "var done = arguments[1]; window.storms.run(arguments[0]).then(done, \
                  function (error) { done({ error: String((error && error.stack) || error) }); });";
    let answer = browser.execute_async(script, vec![json!(storm)]).await?;
    let after = task_duration_ms(browser).await?;
    let top = match profiled {
        true => cpu_profile::stop_top(browser, cpu_profile::TOP_LINES, &format!("storm, {storm}, {recorder}")).await?,
        false => Vec::new(),
    };
    let mut run: Run = page_answer(answer, &format!("the {storm} storm under {recorder}"))?;
    run.main_thread_ms = after - before;
    if recorder == "ours" {
        let _: Value = browser.execute("window.Cobrowse.stop();", vec![]).await?;
    }
    Ok((run, top))
}

/// rrweb's recorder and fflate (its packer's zlib), in every page whatever the recorder, so the pages
/// differ only in which recorder runs.
async fn load_baseline_scripts(browser: &Browser, server: &PageServer) -> cobrowse_e2e::Result<()> {
    let arguments = vec![json!(server.url(RRWEB_PATH)), json!(server.url(FFLATE_PATH))];
    let _: Value = page_answer(browser.execute_async(LOAD_RECORDER, arguments).await?, "loading rrweb's recorder")?;
    Ok(())
}

/// Waits until the recorder has sent or emitted nothing for [`SETTLED_MS`], and (but with no recorder or
/// the bare observer, which send nothing) something before: its full snapshot.
async fn wait_until_settled(browser: &Browser, recorder: &str) -> cobrowse_e2e::Result<()> {
    let deadline = Instant::now() + SETTLE_TIMEOUT;
    loop {
        let (quiet, bytes): (f64, usize) =
            browser.execute("return [window.storms.quietMs(), window.storms.bytes()];", vec![]).await?;
        if quiet >= SETTLED_MS && (matches!(recorder, "none" | "observer") || bytes > 0) {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(format!("{recorder} did not settle within {SETTLE_TIMEOUT:?}").into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Chromium's main-thread task time so far in the page's renderer (`TaskDuration`), in ms.
async fn task_duration_ms(browser: &Browser) -> cobrowse_e2e::Result<f64> {
    cobrowse_e2e::cdp::execute(browser, "Performance.enable", json!({})).await?;
    let answer = cobrowse_e2e::cdp::execute(browser, "Performance.getMetrics", json!({})).await?;
    let metrics = answer["metrics"].as_array().ok_or("Performance.getMetrics answered no metrics")?;
    let seconds = metrics
        .iter()
        .find(|metric| metric["name"] == "TaskDuration")
        .and_then(|metric| metric["value"].as_f64())
        .ok_or("Performance.getMetrics has no TaskDuration")?;
    Ok(seconds * 1000.0)
}

fn print(results: &[StormResult]) {
    let mut table = Table::new(
        "4. Mutation storms, each in one task on the generated 1,000-element page (headless Chromium): main-thread \
         time a recorder adds to the storm, ms (Chromium's TaskDuration from the storm until the recorder is \
         quiet, less the same without a recorder); rrweb = rrweb.record + @rrweb/packer's pack() per event",
        &[
            "storm",
            "changes",
            "storm's code",
            "no recorder",
            "rrweb adds",
            "ours adds",
            "ours / rrweb",
            "goal",
            "verdict",
            "floor: bare observer adds",
            "floor / rrweb",
            "rrweb bytes",
            "ours bytes",
            "ours quiet after",
        ],
    );
    for result in results {
        table.row(vec![
            result.what.to_owned(),
            bytes(result.changes),
            ms(result.storm_code_ms),
            ms(result.main_thread_ms[0]),
            ms(result.added_ms(1)),
            ms(result.added_ms(2)),
            ratio(result.ratio()),
            "<= 0.333".to_owned(),
            verdict(result.met()),
            ms(result.added_ms(FLOOR)),
            ratio(result.floor_ratio()),
            bytes(result.bytes[1]),
            bytes(result.bytes[2]),
            ms(result.quiet_after_ms[2]),
        ]);
    }
    table.print();
    println!(
        "   medians of {ROUNDS} rounds, each storm on a fresh load; ours = a real session (the shim from the relay on \
         loopback, no agent); bytes: what each recorder sent (ours, deflated frames) or emitted packed (rrweb) \
         for the storm; floor: a bare MutationObserver with our options reading each record's type, target and \
         attribute name, sending nothing: the records' own cost, which any observer-based recorder pays"
    );
}

/// The summary row of target 4: the storm where ours comes closest to rrweb's.
fn record_target(results: &[StormResult], summary: &mut Summary) {
    let Some(worst) = results.iter().max_by(|a, b| a.ratio().total_cmp(&b.ratio())) else { return };
    summary.record(
        Target::MutationStorms,
        Figure {
            measured: format!("main-thread time a recorder adds, {} storms; worst: {}", results.len(), worst.what),
            ours: format!("{} ms", ms(worst.added_ms(2))),
            baseline: format!("{} ms (rrweb's recorder)", ms(worst.added_ms(1))),
            ratio: ratio(worst.ratio()),
            met: results.iter().all(StormResult::met),
        },
    );
    let floors: Vec<String> = results
        .iter()
        .map(|result| {
            format!("{} {} ms ({} of rrweb's)", result.what, ms(result.added_ms(FLOOR)), ratio(result.floor_ratio()))
        })
        .collect();
    summary.record_bound(
        Target::MutationStorms,
        format!("a bare MutationObserver reading each record, sending nothing, adds: {}", floors.join("; ")),
    );
}
