//! Section `join`: a late agent's join to the page shown (issue 13, target 5's second half), ours beside
//! an rrweb-based live cobrowse on the same page.
//!
//! Pages: the generated 10,000- and 100,000-element pages and the table-heavy admin page of our own making
//! (`real_pages.rs`, about 21,000 elements), served by the page server, each with the empty end marker
//! (`#bench-page-end`) appended as its body's last child before anything records it.
//! - Ours ([`crate::join_ours`]): the page opened with the shim from the real relay on loopback and a
//!   session started; once the relay holds the page (the visitor's snapshot and all its later parts), the
//!   agent's viewer, loaded and ready, joins. From the join submitted: the page's first part in the
//!   mirror, shown (the viewer's next frame rendered), and the whole page in the mirror (every part
//!   applied, the marker there), shown.
//! - rrweb ([`crate::join_rrweb`]): rrweb 2.2.2's `record` on a fresh load of the page gives the events a
//!   late agent needs first; a blank page in the agent's browser replays them live (`liveMode`,
//!   `startLive`, `addEvent`), timed from the replayer made to the marker in its document, shown.
//! - The floor ([`crate::join_floor`]): the page's markup loaded natively in a sandboxed frame of a blank
//!   agent page, shown: what the agent's browser itself takes to build and show the page, which no mirror
//!   built by script can beat. Printed per page, and under the summary as a fraction of rrweb's time.
//!
//! All stamped in the pages (`performance.timeOrigin + performance.now()`), not by WebDriver round trips.
//! Medians of [`ROUNDS`] rounds per page ([`ROUNDS_LARGEST`] for the 100,000-element page). The ratio is ours to the whole page shown over rrweb's; fills the
//! summary row `Target::Join` with the worst page's ratio, met when every page's is at most [`GOAL_RATIO`].
//! `BENCH_PAGES=NAME` keeps the pages whose name contains NAME. `BENCH_PROFILE=NAME` adds, on the pages
//! whose name contains NAME, one more join of ours with the agent's page under V8's sampling profiler from
//! the join until the whole page is shown, and prints its top self times (see [`crate::cpu_profile`]).

use crate::cpu_profile;
use crate::join_floor::{self, NativeLoad};
use crate::join_ours::{self, OurJoin};
use crate::join_rrweb::{self, RrwebJoin};
use crate::measured::Measured;
use crate::page_server::PageServer;
use crate::real_pages;
use crate::report::{bytes, ms, ratio, verdict, Table};
use crate::snapshot_pages::{kept_by_env, large_page_file};
use crate::stats::median;
use crate::summary::{Figure, Summary, Target};
use crate::webdriver;
use cobrowse_e2e::{Browser, Stage};
use std::time::Instant;

/// Rounds per page (each a fresh session and a fresh viewer, and a fresh page for rrweb's replayer).
const ROUNDS: usize = 3;
/// Rounds of the 100,000-element page, whose round takes about a minute (the section's run within ~5).
const ROUNDS_LARGEST: usize = 2;
/// Goal: ours at most this fraction of rrweb's time.
const GOAL_RATIO: f64 = 0.1;

/// A page, by name and path on the page server, and how many rounds it gets.
struct JoinPage {
    name: &'static str,
    path: String,
    rounds: usize,
}

/// One page's rounds.
struct PageJoins {
    name: &'static str,
    elements: usize,
    ours: Vec<OurJoin>,
    rrweb: Vec<RrwebJoin>,
    /// The floor: the page's markup loaded natively, each round.
    floor: Vec<NativeLoad>,
    /// The top self times of a profiled join of ours (`BENCH_PROFILE`), a line each; else empty.
    profile: Vec<String>,
}

impl PageJoins {
    fn ours(&self, figure: impl Fn(&OurJoin) -> f64) -> f64 {
        median(&self.ours.iter().map(figure).collect::<Vec<_>>())
    }

    fn rrweb(&self, figure: impl Fn(&RrwebJoin) -> f64) -> f64 {
        median(&self.rrweb.iter().map(figure).collect::<Vec<_>>())
    }

    fn floor(&self, figure: impl Fn(&NativeLoad) -> f64) -> f64 {
        median(&self.floor.iter().map(figure).collect::<Vec<_>>())
    }

    /// The floor's whole page shown over rrweb's, medians: the least any mirror could show.
    fn floor_ratio(&self) -> f64 {
        self.floor(|load| load.whole_shown) / self.rrweb(|join| join.whole_shown)
    }

    /// Ours to the whole page shown over rrweb's, medians.
    fn ratio(&self) -> f64 {
        self.ours(|join| join.whole_shown) / self.rrweb(|join| join.whole_shown)
    }
}

pub async fn run(summary: &mut Summary) -> cobrowse_e2e::Result<()> {
    let server = PageServer::start().await?;
    let stage = Stage::start().await?;
    let measured = with_browsers(&stage, &server).await;
    stage.shutdown().await;
    let (results, not_measured) = measured?.at_least_one()?;
    print(&results, &not_measured);
    print_profiles(&results);
    record_target(&results, not_measured.len(), summary);
    Ok(())
}

/// The pages, or those whose name contains `BENCH_PAGES`.
fn pages() -> Vec<JoinPage> {
    let pages = vec![
        JoinPage {
            name: "generated, 10,000 elements",
            path: format!("/generated/{}", large_page_file(10_000)),
            rounds: ROUNDS,
        },
        JoinPage { name: "admin table page", path: format!("/generated/{}", real_pages::ADMIN_FILE), rounds: ROUNDS },
        JoinPage {
            name: "generated, 100,000 elements",
            path: format!("/generated/{}", large_page_file(100_000)),
            rounds: ROUNDS_LARGEST,
        },
    ];
    kept_by_env(pages, |page| page.name)
}

/// Opens the visitor's and the agent's browsers, measures every page, and closes them whatever happened.
async fn with_browsers(stage: &Stage, server: &PageServer) -> cobrowse_e2e::Result<Measured<PageJoins>> {
    let (visitor, agent) = webdriver::open_visitor_and_agent(&stage.driver).await?;
    let mut measured = Measured::default();
    for page in pages() {
        eprintln!("join: {}: {} rounds ...", page.name, page.rounds);
        measured.add(page.name, measure_page(stage, server, (&visitor, &agent), &page).await);
    }
    let _ = visitor.close().await;
    let _ = agent.close().await;
    Ok(measured)
}

/// rrweb's events recorded once, then the page's rounds, each ours and then rrweb's.
async fn measure_page(
    stage: &Stage,
    server: &PageServer,
    (visitor, agent): (&Browser, &Browser),
    page: &JoinPage,
) -> cobrowse_e2e::Result<PageJoins> {
    let url = server.url(&page.path);
    let recorded = join_rrweb::record(server, visitor, &url).await?;
    let markup = join_floor::markup(visitor).await?;
    let mut joins = PageJoins {
        name: page.name,
        elements: recorded.elements,
        ours: Vec::new(),
        rrweb: Vec::new(),
        floor: Vec::new(),
        profile: Vec::new(),
    };
    for round in 1..=page.rounds {
        let started = Instant::now();
        joins.ours.push(join_ours::measure(stage, visitor, agent, &url, None).await?.0);
        let ours_took = started.elapsed();
        joins.rrweb.push(join_rrweb::replay(server, agent, &recorded).await?);
        eprintln!("join:   round {round}: ours {ours_took:.1?}, rrweb {:.1?}", started.elapsed() - ours_took);
        joins.floor.push(join_floor::load(server, agent, &markup).await?);
    }
    if cpu_profile::wanted(page.name) {
        eprintln!("join:   a join of ours, profiled ...");
        let label = format!("join, {}: the agent's page", page.name);
        joins.profile = join_ours::measure(stage, visitor, agent, &url, Some(&label)).await?.1;
    }
    Ok(joins)
}

fn print_profiles(results: &[PageJoins]) {
    for result in results.iter().filter(|result| !result.profile.is_empty()) {
        let heading = format!(
            "CPU profile of the agent's page, a join of ours, {}: from the join until the whole page is shown",
            result.name
        );
        cpu_profile::print(&heading, &result.profile);
    }
}

fn print(results: &[PageJoins], not_measured: &[String]) {
    let mut table = Table::new(
        &format!(
            "5b. A late agent's join to the page shown, ms (medians of {ROUNDS} rounds, {ROUNDS_LARGEST} at 100,000 \
             elements): ours from the join submitted \
             (real relay on loopback, the relay holding the page), rrweb's live replayer from its creation"
        ),
        &[
            "page",
            "elements",
            "ours: snapshot frame at the viewer",
            "ours: first part in the mirror",
            "first part shown",
            "whole page in the mirror",
            "ours: whole page shown",
            "frames",
            "rrweb: whole page in its document",
            "rrweb: whole page shown",
            "rrweb JSON (parse ms)",
            "ratio (ours / rrweb, shown)",
            "goal",
            "verdict",
            "floor: markup loaded natively, shown",
            "floor / rrweb",
        ],
    );
    for page in results {
        table.row(vec![
            page.name.into(),
            bytes(page.elements),
            ms(page.ours(|join| join.first_frame)),
            ms(page.ours(|join| join.first)),
            ms(page.ours(|join| join.first_shown)),
            ms(page.ours(|join| join.whole)),
            ms(page.ours(|join| join.whole_shown)),
            page.ours.first().map_or(0, |join| join.frames).to_string(),
            ms(page.rrweb(|join| join.whole)),
            ms(page.rrweb(|join| join.whole_shown)),
            format!(
                "{} B ({})",
                bytes(page.rrweb.first().map_or(0, |join| join.json_bytes)),
                ms(page.rrweb(|join| join.parse))
            ),
            ratio(page.ratio()),
            format!("<= {GOAL_RATIO}"),
            verdict(page.ratio() <= GOAL_RATIO),
            ms(page.floor(|load| load.whole_shown)),
            ratio(page.floor_ratio()),
        ]);
    }
    table.print();
    println!(
        "   ours: the viewer loaded and ready, the clock starts when its join form is submitted (sign-in and \
         key included); \"first part\": the viewer has applied the session's snapshot frame (a large page's \
         snapshot comes in parts: \"frames\" = the snapshot and its later parts, all kept by the relay); \
         \"whole page\": every part applied and the end marker in the mirror; \"shown\": the viewer's next \
         animation frame after it has rendered. rrweb 2.2.2: the events up to its full snapshot, recorded on a \
         fresh load of the page, handed to a blank page (not counted; nor their JSON.parse, printed apart); the \
         clock starts at `new Replayer([], {{ liveMode: true }})`, `startLive(now)` (no buffering delay) and \
         `addEvent` of each event, and stops at the marker in its document, then shown the same way; floor: the \
         page's markup (the marker in it) set as the srcdoc of a frame sandboxed as the mirror is, no script, to \
         its load event and then shown the same way: the agent's browser building and showing the page itself"
    );
    for page in results.iter().filter(|page| page.ours(|join| join.first_shown) >= page.ours(|join| join.whole)) {
        println!(
            "   {}: the mirror was first shown after the whole page was in it (the viewer applied every part before \
             its first rendering): the first part was not usable before the whole",
            page.name
        );
    }
    for page in not_measured {
        println!("   not measured: {page}");
    }
}

/// The summary row of target 5's join: the worst page's ratio, judged on every page (a page not measured is
/// not met).
fn record_target(results: &[PageJoins], not_measured: usize, summary: &mut Summary) {
    let worst =
        results.iter().max_by(|a, b| a.ratio().total_cmp(&b.ratio())).expect("the section measured at least one page");
    summary.record(
        Target::Join,
        Figure {
            measured: format!(
                "late agent's join to the whole page shown, medians of {ROUNDS} rounds ({ROUNDS_LARGEST} at 100k), {} of \
                 {} pages; worst: {}",
                results.len(),
                results.len() + not_measured,
                worst.name
            ),
            ours: format!(
                "{} ms (first part {} ms)",
                ms(worst.ours(|join| join.whole_shown)),
                ms(worst.ours(|join| join.first))
            ),
            baseline: format!("{} ms (rrweb live replayer)", ms(worst.rrweb(|join| join.whole_shown))),
            ratio: ratio(worst.ratio()),
            met: not_measured == 0 && results.iter().all(|page| page.ratio() <= GOAL_RATIO),
        },
    );
    let floors: Vec<String> = results
        .iter()
        .map(|page| {
            format!(
                "{} {} ms ({} of rrweb's)",
                page.name,
                ms(page.floor(|load| load.whole_shown)),
                ratio(page.floor_ratio())
            )
        })
        .collect();
    summary.record_bound(
        Target::Join,
        format!(
            "the agent's browser loading the page's markup itself (no script), to the whole page shown: {}",
            floors.join("; ")
        ),
    );
}
