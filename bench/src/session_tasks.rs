//! Section `tasks`: the longest main-thread task while a real cobrowse session starts and sends its
//! snapshot, on every page of [`snapshot_pages::all`], beside rrweb's full snapshot (rrweb-snapshot's
//! `snapshot(document)` packed as @rrweb/packer does it) run once, in one task, in the same page.
//!
//! Each page is loaded in headless Chromium with the shim's tag from the real relay on loopback (the
//! e2e harness's stage); from just before `Cobrowse.start()` until the visitor has sent its snapshot and
//! then nothing for half a second ([`crate::session_measure`]), Chromium traces its tasks
//! ([`crate::task_trace`]: the figure, each task's own duration) and the page's meters run beside
//! ([`crate::task_meters`]: the longest gap of a `MessageChannel` ping-pong, which adds up the tasks that
//! run between two of its handlers, and the `longtask` entries), printed for comparison. Goal (issue 13,
//! target 2): no task over 50 ms on every page. Fills the summary row of target 2.

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
        self.tasks.ours_traced.longest_ms
    }

    fn rrweb_ms(&self) -> f64 {
        self.tasks.rrweb_traced.longest_ms
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
            "ours tasks > 50 ms",
            "ours gap / longtask",
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
            format!("{} of {}", result.tasks.ours_traced.long_tasks, result.tasks.ours_traced.tasks),
            format!("{} / {}", ms(ours.longest_gap_ms), ms(ours.longest_task_ms)),
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
         snapshot and then nothing for {QUIET_MS} ms; ours and rrweb = the longest task of a renderer's main \
         thread in Chromium's trace (`ThreadControllerImpl::RunTask`: each task's own duration, a script's, a \
         rendering frame's, a garbage collection's); beside it, the page's meters: the gap meter (the longest time between two \
         handlers of a MessageChannel ping-pong: every task that ran in between, summed) and the longest \
         `longtask` entry (0: none over 50 ms); one run per page; met on {met} of {} pages",
        results.len()
    );
    let worst = results.iter().max_by(|a, b| a.ours_ms().total_cmp(&b.ours_ms()));
    for result in
        results.iter().filter(|result| !result.met() || worst.is_some_and(|worst| std::ptr::eq(worst, *result)))
    {
        let traced = &result.tasks.ours_traced;
        println!(
            "   what our longest task held, {}: {} ms: {}",
            result.name,
            ms(traced.longest_ms),
            traced.longest_parts
        );
    }
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
                "longest main-thread task in Chromium's trace, a session starting and sending its snapshot, {} of {} \
                 pages; worst: {}",
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
