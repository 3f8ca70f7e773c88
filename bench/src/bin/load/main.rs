//! `cargo xtask load`: N sessions on loopback against a relay it starts, each a visitor and two agents
//! sending realistic frames (a ~200 KB snapshot, then 1 KB deltas at 5 a second), and what the relay
//! makes of them: frames a second, forwarding latency (p50, p99, max), the relay's memory per session
//! (beyond the idle relay, and beyond the state it keeps, which is counted apart) and CPU, and frames lost
//! or reordered (which must be 0).
//!
//! ```text
//! load [--sessions N] [--secs S] [--snapshot-kb K] [--ramp [--step N] [--max-sessions N] [--max-minutes M]] [--relay PATH] [--cluster] [--figures PATH]
//! ```
//!
//! `--figures PATH` also writes the last round's figures there as JSON ([`figures::Figures`]), for
//! `cargo xtask bench`'s row of the relay's cost per session.
//!
//! `--cluster` starts a `redis-server` and three relay nodes of one cluster instead of one relay: session
//! i's visitor and first agent are on node i mod 3, its second agent on the next node, so the latency is
//! printed apart for agents on their visitor's node and on another node (through the engine), with the
//! engine's memory per session.
//!
//! `--sessions` (default 1000) sessions are started (256 at a time), then measured for `--secs` (default
//! 20). `--snapshot-kb` (default 200) sets each visitor's snapshot; a small one measures what an idle session
//! costs. `--ramp` starts at `--sessions` and adds `--step` (default 1000) each round, with a fresh relay each
//! round, until the load saturates (p99 past 10 ms, the relay and the tool using the machine's cores, errors), the open-files limit
//! has no room for more, `--max-sessions` (default 64000) is reached or `--max-minutes` (default 15) have
//! passed, and prints where it stopped and why. A benchmark: it prints, and fails only when it cannot run
//! at all. The relay is the release build `cargo xtask load` makes (`target/release/cobrowse-relay`) unless
//! `--relay` names another.
//!
//! Latency is from the visitor's send to the agent's receive, both in this process: it includes this
//! process's own scheduling, on the same cores as the relay (and whatever else the machine runs: the
//! machine's busy share is printed beside it). The CPU each session costs the relay and the tool, which
//! depends much less on what else runs, is printed too, with the sessions at which the cores would be
//! saturated.

mod figures;
mod relay_process;
mod session;
mod tally;

use figures::Figures;
use relay_process::{RedisProcess, RelayProcess};
use session::Load;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tally::Tally;

/// The p99 forwarding latency past which `--ramp` calls the relay saturated.
const SATURATED_P99_MICROS: u32 = 10_000;
/// The share of the machine's cores the relay and this tool use together past which `--ramp` calls the
/// relay saturated.
const SATURATED_BUSY: f64 = 0.95;
/// Sessions starting at once (a burst of connections past the listen backlog only retries).
const STARTING_AT_ONCE: usize = 256;
/// Open files each of the two processes needs beside its three sockets a session.
const SPARE_FILES: usize = 1024;

struct Options {
    sessions: usize,
    secs: u64,
    snapshot_bytes: usize,
    ramp: bool,
    step: usize,
    max_sessions: usize,
    max_minutes: u64,
    relay: PathBuf,
    cluster: bool,
    figures: Option<PathBuf>,
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
    /// The share of the machine's cores the relay and this tool used during the window, 0 to 1.
    busy: f64,
    figures: Figures,
}

impl Round {
    /// Why this round counts as saturated, if it does.
    fn saturation(&self) -> Option<String> {
        if self.errors > 0 {
            Some(format!("{} errors", self.errors))
        } else if self.p99_micros > SATURATED_P99_MICROS {
            Some(format!("p99 {:.1} ms > 10 ms", self.p99_micros as f64 / 1000.0))
        } else if self.busy >= SATURATED_BUSY {
            Some(format!("the relay and this tool use {:.0}% of the cores", self.busy * 100.0))
        } else {
            None
        }
    }
}

fn main() -> ExitCode {
    let options = match parse_options() {
        Ok(options) => options,
        Err(problem) => {
            eprintln!(
                "load: {problem}\nusage: load [--sessions N] [--secs S] [--snapshot-kb K] [--ramp [--step N] \
                 [--max-sessions N] [--max-minutes M]] [--relay PATH] [--cluster] [--figures PATH]"
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
    let fitting = raise_open_files_limit(if options.ramp { options.max_sessions } else { options.sessions });
    if !options.ramp {
        if fitting.sessions < options.sessions {
            return Err(fitting.too_few(options.sessions));
        }
        let last = round(&options, options.sessions).await?;
        return write_figures(&options, &last.figures);
    }
    ramp(&options, &fitting).await
}

/// With `--figures`, writes `figures` there as JSON.
fn write_figures(options: &Options, figures: &Figures) -> Result<(), String> {
    let Some(path) = &options.figures else { return Ok(()) };
    let json = serde_json::to_string_pretty(figures).expect("the figures always serialize");
    std::fs::write(path, json).map_err(|error| format!("cannot write the figures to {}: {error}", path.display()))
}

/// Rounds of more and more sessions until one saturates or a bound is reached; prints why it stopped.
async fn ramp(options: &Options, fitting: &OpenFiles) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(options.max_minutes * 60);
    let most = options.max_sessions.min(fitting.sessions);
    let mut sessions = options.sessions.min(most);
    let mut last_good = None;
    loop {
        let figures = round(options, sessions).await?;
        write_figures(options, &figures.figures)?;
        if let Some(why) = figures.saturation() {
            match last_good {
                Some(good) => println!("\nsaturated at {sessions} sessions ({why}); {good} sessions held"),
                None => println!("\nsaturated at the first round, {sessions} sessions ({why})"),
            }
            return Ok(());
        }
        last_good = Some(sessions);
        if sessions >= most {
            match most == fitting.sessions {
                true => println!("\nnot saturated at {sessions} sessions: {}", fitting.why_no_more()),
                false => println!("\nnot saturated up to {sessions} sessions (--max-sessions)"),
            }
            return Ok(());
        }
        if Instant::now() > deadline {
            println!("\nnot saturated at {sessions} sessions; stopped after --max-minutes {}", options.max_minutes);
            return Ok(());
        }
        sessions = (sessions + options.step).min(most);
    }
}

/// Starts a relay and `sessions` sessions, measures for `--secs`, prints the figures.
async fn round(options: &Options, sessions: usize) -> Result<Round, String> {
    let relay = Relays::start(options, sessions)?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (rss_idle, engine_before) = (relay.rss_bytes(), relay.engine_rss_bytes());
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let relays = relay.nodes.iter().map(|node| node.addr).collect();
    let load = Arc::new(Load {
        relays,
        clock: Instant::now(),
        tally: Tally::default(),
        stop: stopped,
        snapshot_bytes: options.snapshot_bytes,
    });
    let against = match relay.nodes.len() {
        1 => format!("{}", relay.nodes[0].addr),
        nodes => format!("{nodes} relay nodes and redis-server"),
    };
    println!("\n{sessions} sessions against {against} (relay RSS {:.1} MB idle)", mb(rss_idle));
    let started = Instant::now();
    let tasks = start_sessions(sessions, &load).await;
    let ready = Tally::get(&load.tally.ready_sessions);
    println!("  {ready} sessions ready in {:.1} s", started.elapsed().as_secs_f64());
    tokio::time::sleep(Duration::from_secs(2)).await; // the first deltas of the last sessions settle
    let (cpu_start, window_start) = (relay.cpu_time(), Instant::now());
    let engine_cpu_start = relay.engine_cpu_time();
    let own_cpu_start = relay_process::cpu_time("self");
    let machine_start = relay_process::MachineTimes::now();
    load.tally.set_measuring(true);
    tokio::time::sleep(Duration::from_secs(options.secs)).await;
    load.tally.set_measuring(false);
    let window = window_start.elapsed().as_secs_f64();
    let machine_busy = relay_process::MachineTimes::now().busy_since(&machine_start);
    let memory =
        Memory { idle: rss_idle, with_sessions: relay.rss_bytes(), kept: kept_bytes(&load, ready), sessions: ready };
    let cpu = relay.cpu_time() - cpu_start;
    let engine = (relay.engine_cpu_time() - engine_cpu_start, relay.engine_rss_bytes().saturating_sub(engine_before));
    let own = (relay_process::cpu_time("self") - own_cpu_start, relay_process::rss_bytes("self"));
    let _ = stop.send(true);
    for task in tasks {
        let _ = tokio::time::timeout(Duration::from_secs(30), task).await;
    }
    let mut figures = report(&load.tally, window, &memory);
    if relay.engine.is_some() {
        report_cluster(&load.tally, ready, window, engine);
    }
    let cores = relay_process::cores();
    let cpu = Cpu { relay: cpu.as_secs_f64() / window, tool: own.0.as_secs_f64() / window, sessions: ready };
    println!(
        "  CPU: relay {:.0}% of one core, this load tool {:.0}% (RSS {:.0} MB); the machine's {cores} cores {:.0}% \
         busy (other processes included)",
        cpu.relay * 100.0,
        cpu.tool * 100.0,
        mb(own.1),
        machine_busy * 100.0
    );
    println!(
        "  CPU a session: relay {:.0} µs a second, this tool {:.0}: the {cores} cores would be saturated at about \
         {:.0} sessions with this tool beside the relay, {:.0} with the relay alone",
        cpu.relay_per_session() * 1e6,
        cpu.tool_per_session() * 1e6,
        cores as f64 / (cpu.relay_per_session() + cpu.tool_per_session()),
        cores as f64 / cpu.relay_per_session(),
    );
    let busy = (cpu.relay + cpu.tool) / cores as f64;
    figures.figures.relay_cores = cpu.relay;
    drop(relay);
    Ok(Round { busy, ..figures })
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

/// The CPU the relay and this tool used in a window, in cores (1.0 is one core all the time).
struct Cpu {
    relay: f64,
    tool: f64,
    sessions: u64,
}

impl Cpu {
    fn relay_per_session(&self) -> f64 {
        self.relay / self.sessions.max(1) as f64
    }

    fn tool_per_session(&self) -> f64 {
        self.tool / self.sessions.max(1) as f64
    }
}

/// The relay's memory at the end of a window.
struct Memory {
    idle: u64,
    with_sessions: u64,
    /// The page frames the relay keeps for all sessions (their snapshots and the deltas after them).
    kept: u64,
    sessions: u64,
}

impl Memory {
    fn per_session_beyond_idle(&self) -> f64 {
        self.with_sessions.saturating_sub(self.idle) as f64 / self.sessions.max(1) as f64
    }

    fn kept_per_session(&self) -> f64 {
        self.kept as f64 / self.sessions.max(1) as f64
    }

    fn per_session_beyond_kept(&self) -> f64 {
        self.per_session_beyond_idle() - self.kept_per_session()
    }
}

/// The bytes of page frames the relay keeps now: each session's snapshot and every delta sent after it
/// (the relay keeps them all until a fresh snapshot, which it asks for only past `kept_state_bytes`).
fn kept_bytes(load: &Load, sessions: u64) -> u64 {
    let deltas = Tally::get(&load.tally.deltas_sent_all);
    sessions * load.snapshot_bytes as u64 + deltas * session::DELTA_BYTES as u64
}

fn report(tally: &Tally, window: f64, memory: &Memory) -> Round {
    let latency = tally.percentiles(false);
    let ms = |micros: u32| micros as f64 / 1000.0;
    let kb = |bytes: f64| bytes / 1024.0;
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
        "  relay RSS: {:.1} MB with the sessions, {:.1} MB idle: {:.0} KB a session beyond the idle relay",
        mb(memory.with_sessions),
        mb(memory.idle),
        kb(memory.per_session_beyond_idle()),
    );
    println!(
        "  of which kept state {:.0} KB a session (the snapshot and the deltas after it), and {:.0} KB a session \
         beyond the kept state (goal ≤ 512 KB)",
        kb(memory.kept_per_session()),
        kb(memory.per_session_beyond_kept()),
    );
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
    let figures = Figures {
        sessions: memory.sessions,
        window_secs: window,
        deltas_sent_per_sec: Tally::get(&tally.deltas_sent) as f64 / window,
        frames_forwarded_per_sec: Tally::get(&tally.deltas_received) as f64 / window,
        relay_cores: 0.0,
        memory_per_session_beyond_idle: memory.per_session_beyond_idle(),
        kept_per_session: memory.kept_per_session(),
        memory_per_session_beyond_kept: memory.per_session_beyond_kept(),
        p50_micros: latency.p50,
        p99_micros: latency.p99,
        lost: Tally::get(&tally.lost),
        reordered: Tally::get(&tally.reordered),
        errors: Tally::get(&tally.errors),
    };
    Round { p99_micros: latency.p99, errors: Tally::get(&tally.errors), busy: 0.0, figures }
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

/// The open-files limit this process got, and the sessions it fits.
struct OpenFiles {
    limit: usize,
    hard_limit: usize,
    sessions: usize,
}

impl OpenFiles {
    fn too_few(&self, sessions: usize) -> String {
        format!(
            "{sessions} sessions need {} open files in the relay and in this tool, and the limit is {}: {}; \
             or run at most {} sessions",
            sessions * 3 + SPARE_FILES,
            self.limit,
            self.how_to_raise(),
            self.sessions
        )
    }

    fn why_no_more(&self) -> String {
        format!(
            "the open-files limit ({}) fits no more (three sockets a session in the relay and in this tool); {}",
            self.limit,
            self.how_to_raise()
        )
    }

    fn how_to_raise(&self) -> String {
        format!(
            "the hard limit is {} and raising it needs CAP_SYS_RESOURCE (root outside a container that drops \
             it): raise it with `ulimit -Hn` or prlimit",
            self.hard_limit
        )
    }
}

/// Lets this process (and the relay it starts, which inherits the limit) hold the open files of
/// `sessions` sessions, three sockets each, or as many as its hard limit allows (root with
/// CAP_SYS_RESOURCE may raise the hard limit, up to `fs.nr_open`); returns what it got.
fn raise_open_files_limit(sessions: usize) -> OpenFiles {
    let needed = (sessions * 3 + SPARE_FILES) as libc::rlim_t;
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit and setrlimit read and write the plain struct given.
    unsafe {
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit);
        if limit.rlim_cur < needed {
            let raised = libc::rlimit { rlim_cur: needed, rlim_max: limit.rlim_max.max(needed) };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) != 0 {
                let capped = libc::rlimit { rlim_cur: limit.rlim_max, rlim_max: limit.rlim_max };
                libc::setrlimit(libc::RLIMIT_NOFILE, &capped);
            }
            libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit);
        }
    }
    let (current, hard) = (limit.rlim_cur as usize, limit.rlim_max as usize);
    OpenFiles { limit: current, hard_limit: hard, sessions: current.saturating_sub(SPARE_FILES) / 3 }
}

fn parse_options() -> Result<Options, String> {
    let mut options = Options {
        sessions: 1000,
        secs: 20,
        snapshot_bytes: session::SNAPSHOT_BYTES,
        ramp: false,
        step: 1000,
        max_sessions: 64_000,
        max_minutes: 15,
        relay: relay_process::release_binary(),
        cluster: false,
        figures: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--sessions" => options.sessions = number(&value()?)?,
            "--secs" => options.secs = number(&value()?)? as u64,
            "--snapshot-kb" => options.snapshot_bytes = number(&value()?)? * 1024,
            "--step" => options.step = number(&value()?)?,
            "--max-sessions" => options.max_sessions = number(&value()?)?,
            "--max-minutes" => options.max_minutes = number(&value()?)? as u64,
            "--relay" => options.relay = PathBuf::from(value()?),
            "--ramp" => options.ramp = true,
            "--cluster" => options.cluster = true,
            "--figures" => options.figures = Some(PathBuf::from(value()?)),
            other => return Err(format!("unknown flag {other}")),
        }
    }
    if options.sessions == 0 || options.step == 0 {
        return Err("--sessions and --step must be at least 1".into());
    }
    if options.snapshot_bytes < session::DELTA_BYTES {
        return Err("--snapshot-kb must be at least 1".into());
    }
    Ok(options)
}

fn number(text: &str) -> Result<usize, String> {
    text.parse().map_err(|_| format!("{text} is not a number"))
}
