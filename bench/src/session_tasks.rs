//! Section `tasks`: the longest main-thread task while a real cobrowse session starts and sends its
//! snapshot, on every page of [`snapshot_pages::all`], beside rrweb's full snapshot (rrweb-snapshot's
//! `snapshot(document)` packed as @rrweb/packer does it) run once, in one task, in the same page.
//!
//! Each page is loaded in headless Chromium with the shim's tag from the real relay on loopback (the
//! e2e harness's stage); [`crate::task_meters`] measures the main thread (the longest gap of a
//! `MessageChannel` ping-pong and the `longtask` entries) from just before `Cobrowse.start()` until the
//! visitor has sent its snapshot and then nothing for half a second ([`crate::session_measure`]). Our
//! figure is the larger of the two meters. Goal (issue 13, target 2): no task over 50 ms on every page.
//! Fills the summary row of target 2.

use crate::cpu_profile;
use crate::measured::Measured;
use crate::page_server::PageServer;
use crate::report::{ms, ratio, verdict, Table};
use crate::session_measure::{self, PageTasks, QUIET_MS};
use crate::snapshot_pages;
use crate::summary::{Figure, Summary, Target};
use crate::webdriver;
use cobrowse_e2e::{Browser, Stage};

/// Goal: the longest main-thread task, in milliseconds.
const LONGEST_TASK_GOAL_MS: f64 = 50.0;

/// One page's name and figures.
struct PageResult {
    name: String,
    tasks: PageTasks,
}

impl PageResult {
    fn ours_ms(&self) -> f64 {
        self.tasks.ours.longest_ms()
    }

    fn rrweb_ms(&self) -> f64 {
        self.tasks.rrweb.longest_ms()
    }

    fn met(&self) -> bool {
        self.ours_ms() <= LONGEST_TASK_GOAL_MS
    }
}

pub async fn run(summary: &mut Summary) -> cobrowse_e2e::Result<()> {
    let server = PageServer::start().await?;
    let stage = Stage::start().await?;
    let measured = with_browser(&stage, &server).await;
    stage.shutdown().await;
    let (results, not_measured) = measured?.at_least_one()?;
    print(&results, &not_measured);
    record_target(&results, not_measured.len(), summary);
    Ok(())
}

/// Opens the visitor's browser, measures every page, and closes it whatever happened.
async fn with_browser(stage: &Stage, server: &PageServer) -> cobrowse_e2e::Result<Measured<PageResult>> {
    let browser = webdriver::open_browser(&stage.driver, "visitor").await?;
    let measured = measure_pages(&browser, stage, server).await;
    let _ = browser.close().await;
    Ok(measured)
}

/// Every page, once; the pages that could not be measured, with why.
async fn measure_pages(browser: &Browser, stage: &Stage, server: &PageServer) -> Measured<PageResult> {
    let mut measured = Measured::default();
    for page in snapshot_pages::all() {
        eprintln!("tasks: {} ...", page.name);
        let tasks = session_measure::measure(browser, server, stage, &page).await;
        measured.add(&page.name, tasks.map(|tasks| PageResult { name: page.name.clone(), tasks }));
    }
    measured
}

fn print(results: &[PageResult], not_measured: &[String]) {
    let mut table = Table::new(
        "2c. Longest main-thread task while a session starts and sends its snapshot (real relay on loopback, \
         headless Chromium), ms; rrweb = snapshot() + @rrweb/packer's pack(), once, in one task, same page",
        &[
            "page",
            "elements",
            "ours",
            "ours gap / longtask",
            "ours tasks > 50 ms",
            "start to last send",
            "rrweb",
            "rrweb gap / longtask",
            "rrweb call",
            "rrweb / ours",
            "goal",
            "verdict",
        ],
    );
    for result in results {
        let (ours, rrweb) = (&result.tasks.ours, &result.tasks.rrweb);
        table.row(vec![
            result.name.clone(),
            result.tasks.elements.to_string(),
            ms(result.ours_ms()),
            format!("{} / {}", ms(ours.longest_gap_ms), ms(ours.longest_task_ms)),
            ours.long_tasks.to_string(),
            ms(result.tasks.ours_last_send_ms),
            ms(result.rrweb_ms()),
            format!("{} / {}", ms(rrweb.longest_gap_ms), ms(rrweb.longest_task_ms)),
            ms(result.tasks.rrweb_call_ms),
            ratio(result.rrweb_ms() / result.ours_ms()),
            format!("<= {LONGEST_TASK_GOAL_MS} ms"),
            verdict(result.met()),
        ]);
    }
    table.print();
    let met = results.iter().filter(|result| result.met()).count();
    println!(
        "   ours: from just before Cobrowse.start() (the recorder's load included) until the visitor had sent its \
         snapshot and then nothing for {QUIET_MS} ms; longest = the larger of the gap meter (the longest time \
         between two handlers of a MessageChannel ping-pong: the work in between) and the longest `longtask` \
         entry (0: none over 50 ms); one run per page; met on {met} of {} pages",
        results.len()
    );
    for result in results.iter().filter(|result| !result.met() && !result.tasks.ours.longest_frame.is_empty()) {
        println!("   where our longest frame went, {}: {}", result.name, result.tasks.ours.longest_frame);
    }
    for result in results.iter().filter(|result| !result.tasks.profile.is_empty()) {
        cpu_profile::print(&format!("CPU profile of the session's start, {}", result.name), &result.tasks.profile);
    }
    for page in not_measured {
        println!("   not measured: {page}");
    }
}

/// The summary row of target 2: the worst page, judged on every page (a page not measured is not met).
fn record_target(results: &[PageResult], not_measured: usize, summary: &mut Summary) {
    let worst = results
        .iter()
        .max_by(|a, b| a.ours_ms().total_cmp(&b.ours_ms()))
        .expect("the section measured at least one page");
    summary.record(
        Target::LongestTask,
        Figure {
            measured: format!(
                "longest main-thread task, a session starting and sending its snapshot, {} of {} pages; worst: {}",
                results.len(),
                results.len() + not_measured,
                worst.name
            ),
            ours: format!("{} ms", ms(worst.ours_ms())),
            baseline: format!("{} ms (rrweb, one task)", ms(worst.rrweb_ms())),
            ratio: format!("{}x", ratio(worst.rrweb_ms() / worst.ours_ms())),
            met: not_measured == 0 && results.iter().all(PageResult::met),
        },
    );
}
