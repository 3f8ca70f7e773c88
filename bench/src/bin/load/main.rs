//! `cargo xtask load`: N sessions on loopback against a relay it starts, each a visitor and two agents
//! sending realistic frames (a ~200 KB snapshot, then 1 KB deltas at 5 a second), and what the relay
//! makes of them: frames a second, forwarding latency (p50, p99, max), the relay's memory per session and
//! CPU, and frames lost or reordered (which must be 0).
//!
//! ```text
//! load [--sessions N] [--secs S] [--ramp] [--max-sessions N] [--relay PATH] [--cluster]
//! ```
//!
//! `--cluster` starts a `redis-server` and three relay nodes of one cluster instead of one relay: session
//! i's visitor and first agent are on node i mod 3, its second agent on the next node, so the latency is
//! printed apart for agents on their visitor's node and on another node (through the engine), with the
//! engine's memory per session.
//!
//! `--sessions` (default 1000) sessions are started (256 at a time), then measured for `--secs` (default
//! 20). `--ramp` starts at `--sessions` and doubles until p99 passes 10 ms, an error happens or
//! `--max-sessions` (default 64000) is passed, with a fresh relay each round, and prints where it
//! saturated. A benchmark: it prints, and fails only when it cannot run at all. The relay is the release
//! build `cargo xtask load` makes (`target/release/cobrowse-relay`) unless `--relay` names another.
//!
//! Latency is from the visitor's send to the agent's receive, both in this process: it includes this
//! process's own scheduling, on the same two cores as the relay.

mod relay_process;
mod session;
mod tally;

use relay_process::{RedisProcess, RelayProcess};
use session::Load;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tally::Tally;

/// The p99 forwarding latency past which `--ramp` calls the relay saturated.
const SATURATED_P99_MICROS: u32 = 10_000;
/// Sessions starting at once (a burst of connections past the listen backlog only retries).
const STARTING_AT_ONCE: usize = 256;

struct Options {
    sessions: usize,
    secs: u64,
    ramp: bool,
    max_sessions: usize,
    relay: PathBuf,
    cluster: bool,
}

/// The relays under load (one, or three nodes) and the cluster engine, if any.
struct Relays {
    nodes: Vec<RelayProcess>,
    engine: Option<RedisProcess>,
}

impl Relays {
    fn start(options: &Options, sessions: usize) -> Result<Relays, String> {
        if !options.cluster {
            return Ok(Relays { nodes: vec![RelayProcess::start(&options.relay, sessions, None)?], engine: None });
        }
        let engine = RedisProcess::start()?;
        let nodes = ["n1", "n2", "n3"]
            .iter()
            .map(|node| RelayProcess::start(&options.relay, sessions, Some((&engine.url, node))))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Relays { nodes, engine: Some(engine) })
    }

    fn rss_bytes(&self) -> u64 {
        self.nodes.iter().map(RelayProcess::rss_bytes).sum()
    }

    fn cpu_time(&self) -> Duration {
        self.nodes.iter().map(RelayProcess::cpu_time).sum()
    }

    fn engine_rss_bytes(&self) -> u64 {
        self.engine.as_ref().map_or(0, RedisProcess::rss_bytes)
    }

    fn engine_cpu_time(&self) -> Duration {
        self.engine.as_ref().map_or(Duration::ZERO, RedisProcess::cpu_time)
    }
}

/// One round's figures.
struct Round {
    p99_micros: u32,
    errors: u64,
}

fn main() -> ExitCode {
    let options = match parse_options() {
        Ok(options) => options,
        Err(problem) => {
            eprintln!(
                "load: {problem}\nusage: load [--sessions N] [--secs S] [--ramp] [--max-sessions N] [--relay PATH] [--cluster]"
            );
            return ExitCode::from(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime");
    match runtime.block_on(run(options)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(problem) => {
            eprintln!("load: {problem}");
            ExitCode::FAILURE
        }
    }
}

async fn run(options: Options) -> Result<(), String> {
    if !options.ramp {
        round(&options, options.sessions).await?;
        return Ok(());
    }
    let mut sessions = options.sessions;
    let mut last_good = None;
    while sessions <= options.max_sessions {
        let figures = round(&options, sessions).await?;
        if figures.errors > 0 || figures.p99_micros > SATURATED_P99_MICROS {
            let why = match figures.errors {
                0 => format!("p99 {:.1} ms > 10 ms", figures.p99_micros as f64 / 1000.0),
                errors => format!("{errors} errors"),
            };
            match last_good {
                Some(good) => println!("\nsaturated at {sessions} sessions ({why}); {good} sessions held"),
                None => println!("\nsaturated at the first round, {sessions} sessions ({why})"),
            }
            return Ok(());
        }
        last_good = Some(sessions);
        sessions *= 2;
    }
    println!("\nnot saturated up to {} sessions (--max-sessions)", options.max_sessions);
    Ok(())
}

/// Starts a relay and `sessions` sessions, measures for `--secs`, prints the figures.
async fn round(options: &Options, sessions: usize) -> Result<Round, String> {
    raise_open_files_limit(sessions * 3 + 1024)?;
    let relay = Relays::start(options, sessions)?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (rss_before, engine_before) = (relay.rss_bytes(), relay.engine_rss_bytes());
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let relays = relay.nodes.iter().map(|node| node.addr).collect();
    let load = Arc::new(Load { relays, clock: Instant::now(), tally: Tally::default(), stop: stopped });
    let against = match relay.nodes.len() {
        1 => format!("{}", relay.nodes[0].addr),
        nodes => format!("{nodes} relay nodes and redis-server"),
    };
    println!("\n{sessions} sessions against {against} (relay RSS {:.1} MB idle)", mb(rss_before));
    let started = Instant::now();
    let tasks = start_sessions(sessions, &load).await;
    let ready = Tally::get(&load.tally.ready_sessions);
    println!("  {ready} sessions ready in {:.1} s", started.elapsed().as_secs_f64());
    tokio::time::sleep(Duration::from_secs(2)).await; // the first deltas of the last sessions settle
    let (rss_start, cpu_start, window_start) = (relay.rss_bytes(), relay.cpu_time(), Instant::now());
    let engine_cpu_start = relay.engine_cpu_time();
    let own_cpu_start = relay_process::cpu_time("self");
    load.tally.set_measuring(true);
    tokio::time::sleep(Duration::from_secs(options.secs)).await;
    load.tally.set_measuring(false);
    let window = window_start.elapsed().as_secs_f64();
    let (cpu, rss_end) = (relay.cpu_time() - cpu_start, relay.rss_bytes());
    let engine = (relay.engine_cpu_time() - engine_cpu_start, relay.engine_rss_bytes().saturating_sub(engine_before));
    let own = (relay_process::cpu_time("self") - own_cpu_start, relay_process::rss_bytes("self"));
    let _ = stop.send(true);
    for task in tasks {
        let _ = tokio::time::timeout(Duration::from_secs(30), task).await;
    }
    let figures = report(&load.tally, ready, window, cpu, rss_before, rss_start.max(rss_end));
    if relay.engine.is_some() {
        report_cluster(&load.tally, ready, window, engine);
    }
    println!(
        "  this load tool: {:.0}% of one core, RSS {:.0} MB (it shares the machine's cores with the relay)",
        own.0.as_secs_f64() / window * 100.0,
        mb(own.1)
    );
    drop(relay);
    Ok(figures)
}

/// Spawns the sessions, at most [`STARTING_AT_ONCE`] starting at a time, and waits until all are ready
/// or have failed.
async fn start_sessions(sessions: usize, load: &Arc<Load>) -> Vec<tokio::task::JoinHandle<()>> {
    let starting = Arc::new(tokio::sync::Semaphore::new(STARTING_AT_ONCE));
    let mut tasks = Vec::with_capacity(sessions);
    for index in 0..sessions {
        let permit = starting.clone().acquire_owned().await.expect("the semaphore stays open");
        tasks.push(tokio::spawn(session::run(index, load.clone(), permit)));
    }
    let _ = starting.acquire_many(STARTING_AT_ONCE as u32).await;
    tasks
}

fn report(tally: &Tally, ready: u64, window: f64, cpu: Duration, rss_before: u64, rss_with: u64) -> Round {
    let latency = tally.percentiles(false);
    let ms = |micros: u32| micros as f64 / 1000.0;
    let per_session = rss_with.saturating_sub(rss_before) as f64 / ready.max(1) as f64;
    println!("  window {window:.1} s:");
    println!(
        "  frames/s: {:.0} deltas sent by visitors, {:.0} forwarded to agents",
        Tally::get(&tally.deltas_sent) as f64 / window,
        Tally::get(&tally.deltas_received) as f64 / window
    );
    println!(
        "  forwarding latency (agents on their visitor's node): p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} deltas)",
        ms(latency.p50),
        ms(latency.p99),
        ms(latency.max),
        latency.samples
    );
    println!(
        "  relay RSS: {:.1} MB with the sessions, {:.0} KB per session beyond the idle relay (a kept snapshot alone is {} KB)",
        mb(rss_with),
        per_session / 1024.0,
        session::SNAPSHOT_BYTES / 1024
    );
    println!("  relay CPU: {:.0}% of one core", cpu.as_secs_f64() / window * 100.0);
    println!(
        "  lost {}, reordered {}, snapshot requests {}, errors {}",
        Tally::get(&tally.lost),
        Tally::get(&tally.reordered),
        Tally::get(&tally.snapshot_requests),
        Tally::get(&tally.errors)
    );
    if let Some(error) = tally.first_error() {
        println!("  first error: {error}");
    }
    Round { p99_micros: latency.p99, errors: Tally::get(&tally.errors) }
}

/// The cross-node figures of `--cluster`: latency to agents on another node than their visitor's, beside
/// the same-node latency measured in the same run, and the engine's memory and CPU.
fn report_cluster(tally: &Tally, ready: u64, window: f64, (engine_cpu, engine_rss): (Duration, u64)) {
    let (same, cross) = (tally.percentiles(false), tally.percentiles(true));
    let ms = |micros: u32| micros as f64 / 1000.0;
    println!(
        "  cross-node latency: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} deltas); same-node p99 {:.2} ms: cross-node p99 is {:+.2} ms from it (goal: at most +2 ms)",
        ms(cross.p50),
        ms(cross.p99),
        ms(cross.max),
        cross.samples,
        ms(same.p99),
        ms(cross.p99) - ms(same.p99)
    );
    println!(
        "  engine (redis-server): RSS {:.0} KB per session beyond its idle size, CPU {:.0}% of one core",
        engine_rss as f64 / 1024.0 / ready.max(1) as f64,
        engine_cpu.as_secs_f64() / window * 100.0
    );
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// Lets this process (and the relay it starts, which inherits the limit) hold `needed` open files: three
/// sockets a session, in each of the two processes.
fn raise_open_files_limit(needed: usize) -> Result<(), String> {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit and setrlimit read and write the plain struct given.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return Err("cannot read the open-files limit".into());
        }
        let needed = needed as libc::rlim_t;
        if limit.rlim_cur >= needed {
            return Ok(());
        }
        // Root may raise the hard limit too; others get as far as it.
        let raised = libc::rlimit { rlim_cur: needed, rlim_max: limit.rlim_max.max(needed) };
        if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
            return Ok(());
        }
        let capped = libc::rlimit { rlim_cur: limit.rlim_max, rlim_max: limit.rlim_max };
        libc::setrlimit(libc::RLIMIT_NOFILE, &capped);
    }
    let most = (limit.rlim_max as usize).saturating_sub(1024) / 3;
    Err(format!(
        "{needed} open files are needed and the hard limit is {} (raising it needs root with CAP_SYS_RESOURCE): \
         raise it (ulimit -Hn) or run at most {most} sessions",
        limit.rlim_max
    ))
}

fn parse_options() -> Result<Options, String> {
    let mut options = Options {
        sessions: 1000,
        secs: 20,
        ramp: false,
        max_sessions: 64_000,
        relay: relay_process::release_binary(),
        cluster: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--sessions" => options.sessions = number(&value()?)?,
            "--secs" => options.secs = number(&value()?)? as u64,
            "--max-sessions" => options.max_sessions = number(&value()?)?,
            "--relay" => options.relay = PathBuf::from(value()?),
            "--ramp" => options.ramp = true,
            "--cluster" => options.cluster = true,
            other => return Err(format!("unknown flag {other}")),
        }
    }
    if options.sessions == 0 {
        return Err("--sessions must be at least 1".into());
    }
    Ok(options)
}

fn number(text: &str) -> Result<usize, String> {
    text.parse().map_err(|_| format!("{text} is not a number"))
}
