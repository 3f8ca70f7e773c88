//! `cargo xtask`: the project's own build tool, so that two commands do everything on a fresh machine.
//!
//! - `cargo xtask demo`  installs what is missing, builds the wasm, starts the relay with the demo site.
//! - `cargo xtask test`  installs what is missing, builds the wasm, checks formatting, import circles and
//!   clippy, runs every test: native, wasm in headless Chromium (`wasm-pack test`), and end to end.
//! - `cargo xtask bench` measures the speed and size goals against baselines run alongside.
//! - `cargo xtask load`  opens many sessions against a release relay on loopback and prints what it holds
//!   (`bench/src/bin/load/`): a benchmark, not part of `test`.
//! - `cargo xtask check` builds, then checks formatting, import circles and clippy.
//! - `cargo xtask build` / `cargo xtask setup` do the first steps alone.

mod checks;
mod circles;
mod command;
mod imports;
mod precompress;
mod setup;
mod site;
mod source_paths;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(about = "Build, run and test the cobrowse service")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Install the tools a fresh machine lacks (wasm32 target, wasm-bindgen-cli, wasm-pack, chromium, binaryen, redis-server).
    Setup,
    /// Build the visitor and viewer wasm packages into target/site.
    Build,
    /// Build, then the benchmarks' copy of the visitor package (with its snapshot_frame export) into
    /// target/site-bench, for running `cargo run --release -p cobrowse-bench -- SECTION` by hand.
    BuildBench {
        /// Keep the wasm's function names in the benchmarks' copy, so a CPU profile (`BENCH_PROFILE`) names
        /// the Rust functions where the time goes (the copy is then larger than the download).
        #[arg(long)]
        names: bool,
    },
    /// Build, then run the relay on loopback with the demo site.
    Demo {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
    },
    /// Build, then check formatting, import circles between a crate's files, and clippy (as `test` does first).
    Check,
    /// Build, then run every test: native, wasm in headless Chromium, end to end.
    Test,
    /// Build, then measure the goals (download size, snapshot speed and size, mutation storms, latency, page changes) against
    /// baselines.
    Bench {
        /// Sections to run: size, snapshot, bytes, tasks, storms, latency, pages, control (all when none is given).
        sections: Vec<String>,
    },
    /// Build the relay in release mode, open N sessions against it on loopback (a visitor and two agents
    /// each: a 200 KB snapshot, then 1 KB deltas at 5/s) and print frames/s, forwarding latency, the relay's
    /// memory per session and CPU, and frames lost or reordered. Prints; never fails on timing.
    Load {
        /// Sessions to open (with --ramp, the first round's).
        #[arg(long, default_value_t = 1000)]
        sessions: usize,
        /// Seconds to measure once every session is ready.
        #[arg(long, default_value_t = 20)]
        secs: u64,
        /// Add sessions each round (a fresh relay each) until p99 passes 10 ms, the cores are saturated,
        /// errors appear or the open-files limit is reached, and print where.
        #[arg(long)]
        ramp: bool,
        /// Three relay nodes and redis-server instead of one relay; agents on other nodes than their visitor.
        #[arg(long)]
        cluster: bool,
        /// More of the load tool's flags, after `--`: `--step N`, `--snapshot-kb N`, `--max-minutes N`.
        #[arg(last = true)]
        more: Vec<String>,
    },
}

fn main() -> ExitCode {
    let result = match Cli::parse().task {
        Task::Setup => setup::ensure_tools(),
        Task::Build => setup::ensure_tools().and_then(|_| site::build()),
        Task::BuildBench { names } => {
            setup::ensure_tools().and_then(|_| site::build()).and_then(|_| site::build_bench_visitor(names))
        }
        // The visitor's wasm tests include the bundled shim, so clippy on them needs the build first.
        Task::Check => setup::ensure_tools().and_then(|_| site::build()).and_then(|_| checks::style()),
        Task::Demo { listen } => setup::ensure_tools().and_then(|_| site::build()).and_then(|_| demo(&listen)),
        Task::Test => {
            setup::ensure_tools().and_then(|_| site::build()).and_then(|_| checks::style()).and_then(|_| test())
        }
        Task::Bench { sections } => setup::ensure_tools()
            .and_then(|_| site::build())
            .and_then(|_| site::build_bench_visitor(false))
            .and_then(|_| bench(&sections)),
        Task::Load { sessions, secs, ramp, cluster, more } => load(sessions, secs, ramp, cluster, &more),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the relay in the foreground; it prints the demo agent's credentials and the URLs.
fn demo(listen: &str) -> command::Result {
    command::run("cargo", &["run", "-p", "cobrowse-relay", "--", "--listen", listen])
}

/// The benchmarks, in release mode: they print figures and never fail on timing.
fn bench(sections: &[String]) -> command::Result {
    // Section `relay` runs the load tool against the release relay.
    let release = ["build", "--release", "-p", "cobrowse-relay", "-p", "cobrowse-bench", "--bin", "cobrowse-relay"];
    command::run("cargo", &[&release[..], &["--bin", "load"]].concat())?;
    let mut args = vec!["run", "--release", "-p", "cobrowse-bench", "--bin", "cobrowse-bench", "--"];
    args.extend(sections.iter().map(String::as_str));
    command::run("cargo", &args)
}

/// The load tool against a release build of the relay (it needs no wasm: only page frames cross it).
fn load(sessions: usize, secs: u64, ramp: bool, cluster: bool, more: &[String]) -> command::Result {
    command::run("cargo", &["build", "--release", "-p", "cobrowse-relay"])?;
    let (sessions, secs) = (sessions.to_string(), secs.to_string());
    let mut args = vec!["run", "--release", "-p", "cobrowse-bench", "--bin", "load", "--"];
    args.extend(["--sessions", &sessions, "--secs", &secs]);
    if ramp {
        args.push("--ramp");
    }
    if cluster {
        args.push("--cluster");
    }
    args.extend(more.iter().map(String::as_str));
    command::run("cargo", &args)
}

/// Every suite, in order of speed: a failure in a fast one stops the run early.
fn test() -> command::Result {
    // The wasm crates' tests need a browser: wasm-pack runs them below.
    command::run(
        "cargo",
        &[
            "test",
            "--workspace",
            "--exclude=cobrowse-e2e",
            "--exclude=cobrowse-visitor",
            "--exclude=cobrowse-agent-viewer",
        ],
    )?;
    // The shim's modules (and the call's and the uploader's, built apart): lint, and their tests in jsdom.
    site::check_shim()?;
    let chromedriver = setup::chromedriver_path()?;
    for krate in ["visitor-wasm", "agent-viewer"] {
        command::run_with_env(
            "wasm-pack",
            &["test", "--headless", "--chrome", krate],
            &[("CHROMEDRIVER", chromedriver.as_str())],
        )?;
    }
    // Every end-to-end file runs even when one fails: each failure names a different part. Their progress
    // lines and the leak suite's tables (ours and rrweb's) are shown.
    command::run("cargo", &["test", "--no-fail-fast", "-p", "cobrowse-e2e", "--", "--test-threads=1", "--nocapture"])
}
