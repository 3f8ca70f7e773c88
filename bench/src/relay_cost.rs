//! Section `relay`: the relay's cost per session (issue 13's target 6), measured by the load tool
//! (`bench/src/bin/load`, the relay issue's) against the release relay, on loopback: two runs of it,
//! - [`IDLE_SESSIONS`] sessions with a 1 KB snapshot: the memory an idle session costs, and the frames a
//!   second one core of the relay forwards (every visitor sends a 1 KB delta 5 times a second, fanned
//!   out to its 2 agents);
//! - [`HEAVY_SESSIONS`] sessions with a 1 MB snapshot: the memory a session costs beside the state it
//!   keeps (the baseline: a relay can hold no less than the snapshot it keeps for late joiners).
//!
//! Fills the summary's row of target 6. The goal it is judged by is the load tool's own: at most 512 KB a
//! session beyond the kept state, and no frame lost or reordered.

use crate::report::{ratio, Table};
use crate::summary::{Figure, Summary, Target};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Sessions of the idle run (1 KB snapshots) and of the heavy one (1 MB snapshots).
const IDLE_SESSIONS: usize = 1000;
const HEAVY_SESSIONS: usize = 100;
/// How long each run measures.
const SECS: u64 = 10;
/// The goal: a session's memory beyond the state it keeps.
const BEYOND_KEPT_GOAL: f64 = 512.0 * 1024.0;

/// What the load tool writes with `--figures` (`bench/src/bin/load/figures.rs`).
#[derive(Debug, Deserialize)]
struct Figures {
    sessions: u64,
    frames_forwarded_per_sec: f64,
    relay_cores: f64,
    memory_per_session_beyond_idle: f64,
    kept_per_session: f64,
    memory_per_session_beyond_kept: f64,
    p99_micros: u32,
    lost: u64,
    reordered: u64,
    errors: u64,
}

impl Figures {
    fn frames_per_core(&self) -> f64 {
        self.frames_forwarded_per_sec / self.relay_cores.max(1e-6)
    }

    fn clean(&self) -> bool {
        self.lost == 0 && self.reordered == 0 && self.errors == 0
    }
}

pub fn run(summary: &mut Summary) -> cobrowse_e2e::Result<()> {
    let idle = load(IDLE_SESSIONS, 1)?;
    let heavy = load(HEAVY_SESSIONS, 1024)?;
    print(&idle, &heavy);
    record_target(&idle, &heavy, summary);
    Ok(())
}

fn print(idle: &Figures, heavy: &Figures) {
    let kb = |bytes: f64| format!("{:.0} KB", bytes / 1024.0);
    let mut table = Table::new(
        "The relay's cost per session (load tool, release relay, loopback)",
        &[
            "run",
            "sessions",
            "memory a session",
            "kept a session",
            "beyond kept",
            "frames/s a core",
            "p99",
            "lost/reordered/errors",
        ],
    );
    for (name, figures) in [("1 KB snapshot", idle), ("1 MB snapshot", heavy)] {
        table.row(vec![
            name.into(),
            figures.sessions.to_string(),
            kb(figures.memory_per_session_beyond_idle),
            kb(figures.kept_per_session),
            kb(figures.memory_per_session_beyond_kept),
            format!("{:.0}", figures.frames_per_core()),
            format!("{:.2} ms", figures.p99_micros as f64 / 1000.0),
            format!("{}/{}/{}", figures.lost, figures.reordered, figures.errors),
        ]);
    }
    table.print();
}

/// Target 6's row: an idle session's memory, a 1 MB session's memory against the state it keeps, and the
/// frames a core forwards.
fn record_target(idle: &Figures, heavy: &Figures, summary: &mut Summary) {
    let kb = |bytes: f64| bytes / 1024.0;
    summary.record(
        Target::RelayCost,
        Figure {
            measured: format!(
                "memory a session: idle ({} sessions), 1 MB kept ({}); 1 KB deltas to 2 agents a core",
                idle.sessions, heavy.sessions
            ),
            ours: format!(
                "{:.0} KB; {:.0} KB; {:.0} frames/s",
                kb(idle.memory_per_session_beyond_idle),
                kb(heavy.memory_per_session_beyond_idle),
                idle.frames_per_core()
            ),
            baseline: format!("kept state {:.0} KB", kb(heavy.kept_per_session)),
            ratio: ratio(heavy.memory_per_session_beyond_idle / heavy.kept_per_session.max(1.0)),
            met: idle.clean() && heavy.clean() && heavy.memory_per_session_beyond_kept <= BEYOND_KEPT_GOAL,
        },
    );
}

/// Runs the load tool for `sessions` sessions with `snapshot_kb` snapshots; returns its figures.
fn load(sessions: usize, snapshot_kb: usize) -> cobrowse_e2e::Result<Figures> {
    let tool = release_binary("load");
    if !tool.exists() || !release_binary("cobrowse-relay").exists() {
        return Err(format!(
            "{} or the release relay is missing: `cargo xtask bench` builds them (or `cargo build --release \
             -p cobrowse-relay -p cobrowse-bench --bin cobrowse-relay --bin load`)",
            tool.display()
        )
        .into());
    }
    let out = std::env::temp_dir().join(format!("cobrowse-load-figures-{}-{sessions}.json", std::process::id()));
    let status = Command::new(&tool)
        .args(["--sessions", &sessions.to_string(), "--secs", &SECS.to_string()])
        .args(["--snapshot-kb", &snapshot_kb.to_string(), "--figures"])
        .arg(&out)
        .status()
        .map_err(|error| format!("cannot run {}: {error}", tool.display()))?;
    if !status.success() {
        return Err(format!("the load tool failed ({status}); its output above says why").into());
    }
    read_figures(&out)
}

fn read_figures(path: &Path) -> cobrowse_e2e::Result<Figures> {
    let text = std::fs::read_to_string(path).map_err(|error| format!("no figures at {}: {error}", path.display()))?;
    let _ = std::fs::remove_file(path);
    Ok(serde_json::from_str(&text).map_err(|error| format!("the load tool's figures do not read: {error}"))?)
}

/// `target/release/NAME`, where `cargo build --release` puts it.
fn release_binary(name: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::paths::workspace().join("target"));
    target.join("release").join(name)
}
