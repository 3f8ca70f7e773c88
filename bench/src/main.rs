//! `cobrowse-bench`: measures the project's goals and prints each figure beside a baseline measured in
//! the same run, with the goal and whether it was "met" or "missed".
//!
//! Sections, all by default, or those named on the command line (`size`, `snapshot`, `bytes`, `tasks`,
//! `storms`, `latency`, `join`, `relay`, `pages`, `control`, `upstream`):
//! - [`download_size`]: the gzipped bytes a visitor downloads, against the 50 KiB budget and rrweb's bundles.
//! - [`snapshot_speed`]: a full snapshot, ready to send, against rrweb-snapshot's, in the same page.
//! - [`snapshot_bytes`]: a full snapshot's bytes as sent (deflated by the browser) against rrweb's packed bytes.
//! - [`session_tasks`]: the longest main-thread task while a real session starts and sends its snapshot,
//!   against rrweb's full snapshot in one task.
//! - [`mutation_storms`]: the main-thread time a recorder adds to a mutation storm, ours against rrweb's.
//! - [`latency`]: a DOM change on the visitor's page reaching the agent's mirror through the real relay.
//! - [`late_join`]: a late agent's join to the page shown, through the real relay, against an rrweb-based
//!   live cobrowse's replayer on the same page.
//! - [`relay_cost`]: the relay's memory per session and frames forwarded a second per core (the load tool).
//! - [`page_change`]: the visitor's next page (a full page load) reaching the agent's mirror, and the bytes
//!   a page load fetches again for cobrowsing.
//! - [`control_latency`]: an agent's click, control granted, running the visitor's own click handler.
//! - [`upstream_bytes`]: the visitor's upstream bytes per session start, asset uploads included, on a
//!   documentation page with its same-origin stylesheets, fonts and images (the relay fetching the public
//!   files it is offered, and not), against rrweb's packed full snapshot.
//!
//! The run ends with [`summary`]: one row per target of issue 13, our figure beside the baseline's, the
//! ratio and "met" or "missed" ("not measured" for a target no section of the run measures).
//!
//! Timing never fails the run: it exits non-zero only when a section could not run at all.

mod bare_echo;
mod control_latency;
mod cpu_profile;
mod download_size;
mod gzip;
mod join_floor;
mod join_ours;
mod join_rrweb;
mod large_page;
mod late_join;
mod latency;
mod latency_samples;
mod measured;
mod mutation_storms;
mod page_change;
mod page_change_site;
mod page_server;
mod paths;
mod real_pages;
mod relay_cost;
mod report;
mod session_measure;
mod session_tasks;
mod snapshot_arrivals;
mod snapshot_bytes;
mod snapshot_measure;
mod snapshot_nodes;
mod snapshot_pages;
mod snapshot_speed;
mod socket_agents;
mod stats;
mod summary;
mod task_meters;
mod task_trace;
mod upstream_bytes;
mod upstream_frames;
mod upstream_session;
mod upstream_site;
mod webdriver;

use std::process::ExitCode;

/// The sections, by the name that selects them on the command line.
const SECTIONS: [&str; 11] =
    ["size", "snapshot", "bytes", "tasks", "storms", "latency", "join", "relay", "pages", "control", "upstream"];

#[tokio::main]
async fn main() -> ExitCode {
    let Some(chosen) = chosen_sections() else {
        eprintln!("usage: cobrowse-bench [{}]...", SECTIONS.join(" | "));
        return ExitCode::from(2);
    };
    let mut could_not_run = Vec::new();
    let mut summary = summary::Summary::default();
    for section in chosen {
        if let Err(error) = run_section(section, &mut summary).await {
            println!("\n{section}: could not run: {error}");
            could_not_run.push(section);
        }
    }
    summary.print();
    if could_not_run.is_empty() {
        ExitCode::SUCCESS
    } else {
        eprintln!("cobrowse-bench: sections that could not run: {}", could_not_run.join(", "));
        ExitCode::FAILURE
    }
}

/// The sections named in the arguments, or all of them; `None` if an argument names no section.
fn chosen_sections() -> Option<Vec<&'static str>> {
    let named: Vec<String> = std::env::args().skip(1).collect();
    if named.is_empty() {
        return Some(SECTIONS.to_vec());
    }
    named.iter().map(|name| SECTIONS.iter().copied().find(|section| section == name)).collect()
}

async fn run_section(section: &str, summary: &mut summary::Summary) -> cobrowse_e2e::Result<()> {
    match section {
        "size" => download_size::run(summary),
        "snapshot" => snapshot_speed::run(summary).await,
        "bytes" => snapshot_bytes::run(summary).await,
        "tasks" => session_tasks::run(summary).await,
        "storms" => mutation_storms::run(summary).await,
        "latency" => latency::run(summary).await,
        "join" => late_join::run(summary).await,
        "relay" => relay_cost::run(summary),
        "pages" => page_change::run().await,
        "control" => control_latency::run().await,
        "upstream" => upstream_bytes::run(summary).await,
        _ => unreachable!("chosen_sections only returns known sections"),
    }
}
