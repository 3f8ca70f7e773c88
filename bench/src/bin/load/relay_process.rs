//! The relay under load: a release build of `cobrowse-relay` started as its own process (so its memory and
//! CPU can be read apart from the clients'), with a generated config whose limits let N sessions in from
//! one machine, and readings of its RSS and CPU time from `/proc`.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The site the load's visitors open sessions on (any origin, no consent asked).
pub const SITE: &str = "load";
/// The two agent accounts of every session, with their password.
pub const AGENTS: [&str; 2] = ["load-a", "load-b"];
pub const PASSWORD: &str = "load-test-password";

/// A running relay; killed when dropped.
pub struct RelayProcess {
    child: Child,
    pub addr: SocketAddr,
    _dir: TempDir,
}

impl RelayProcess {
    /// Starts `binary` on a free loopback port with a config for `sessions` sessions, and waits until it
    /// accepts connections; with `cluster` (`(redis URL, node name)`) as a node of that cluster.
    pub fn start(binary: &Path, sessions: usize, cluster: Option<(&str, &str)>) -> Result<Self, String> {
        let dir = TempDir::new(cluster.map_or("alone", |(_, node)| node))?;
        let config = dir.0.join("load.toml");
        std::fs::write(&config, config_text(sessions)).map_err(|error| format!("cannot write the config: {error}"))?;
        let port = free_port()?;
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let mut command = Command::new(binary);
        if let Some((redis, node)) = cluster {
            command.args(["--redis", redis, "--node-id", node]);
        }
        command
            .args(["--listen", &addr.to_string(), "--config"])
            .arg(&config)
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        // SAFETY: between fork and exec the child only asks the kernel to kill it when this tool dies (a
        // timeout or Ctrl-C would otherwise leave the relay running, holding its memory and port).
        unsafe {
            command.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let child = command.spawn().map_err(|error| format!("cannot start {}: {error}", binary.display()))?;
        let relay = RelayProcess { child, addr, _dir: dir };
        relay.wait_until_listening()?;
        Ok(relay)
    }

    fn wait_until_listening(&self) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if TcpStream::connect(self.addr).is_ok() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(format!("the relay did not listen on {} within 20 s", self.addr))
    }

    /// The relay's resident memory now, in bytes.
    pub fn rss_bytes(&self) -> u64 {
        rss_bytes(&self.child.id().to_string())
    }

    /// The CPU time the relay used so far, user and system.
    pub fn cpu_time(&self) -> Duration {
        cpu_time(&self.child.id().to_string())
    }
}

/// The resident memory of process `pid` (or `self`) now, in bytes (`VmRSS` of `/proc/PID/status`).
pub fn rss_bytes(pid: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kib = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next().and_then(|number| number.parse::<u64>().ok()));
    kib.unwrap_or(0) * 1024
}

/// The CPU time process `pid` (or `self`) used so far, user and system (`/proc/PID/stat`).
pub fn cpu_time(pid: &str) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The fields after the command name (which may hold spaces) start after its closing parenthesis,
    // with the state (the 3rd field); utime and stime are the 14th and 15th.
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let field = |number: usize| fields.get(number - 3).and_then(|text| text.parse::<u64>().ok()).unwrap_or(0);
    let ticks = field(14) + field(15);
    Duration::from_secs_f64(ticks as f64 / clock_ticks_per_second())
}

impl Drop for RelayProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The config: one site open to any origin without consent, two agents with the cheapest password hash
/// (a join checks it; the load measures forwarding, not argon2), and limits (`[limits]` too) high enough
/// for `sessions` sessions from one address. Everything else is the relay's default.
fn config_text(sessions: usize) -> String {
    let hash = |name: &str| cobrowse_relay::AgentAccount::with_cheap_password_hash(name, PASSWORD).password_hash;
    let mut text = format!(
        "max_sessions = {max_sessions}\njoin_attempts_per_minute = 100000000\n\n\
         [limits]\nsessions_per_address = {max_sessions}\nsessions_per_site = {max_sessions}\n\
         unauthenticated_per_address = {sockets}\nmax_connections = {sockets}\nconnections_per_address = {sockets}\nmemory_bytes = {memory}\n\
         password_check_queue = {sockets}\n\n\
         [[sites]]\nid = \"{SITE}\"\norigins = [\"*\"]\nconsent = \"never\"\n",
        max_sessions = (sessions * 2).max(100),
        sockets = (sessions * 4).max(1000),
        memory = 64u64 << 30,
    );
    for agent in AGENTS {
        text.push_str(&format!("\n[[agents]]\nname = \"{agent}\"\npassword_hash = \"{}\"\n", hash(agent)));
    }
    text
}

fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|error| format!("no free port: {error}"))?;
    listener.local_addr().map(|addr| addr.port()).map_err(|error| error.to_string())
}

/// The machine's CPU time, busy and idle, summed over its cores (`/proc/stat`), in clock ticks.
pub struct MachineTimes {
    busy: u64,
    idle: u64,
}

impl MachineTimes {
    pub fn now() -> MachineTimes {
        let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
        let ticks: Vec<u64> = stat
            .lines()
            .next()
            .and_then(|line| line.strip_prefix("cpu "))
            .map(|rest| rest.split_whitespace().filter_map(|field| field.parse().ok()).collect())
            .unwrap_or_default();
        // user nice system idle iowait irq softirq steal (guest time is counted in user already).
        let field = |index: usize| ticks.get(index).copied().unwrap_or(0);
        let idle = field(3) + field(4);
        let busy = field(0) + field(1) + field(2) + field(5) + field(6) + field(7);
        MachineTimes { busy, idle }
    }

    /// The share of the machine's cores busy since `earlier`, 0 to 1.
    pub fn busy_since(&self, earlier: &MachineTimes) -> f64 {
        let busy = self.busy.saturating_sub(earlier.busy) as f64;
        let idle = self.idle.saturating_sub(earlier.idle) as f64;
        if busy + idle == 0.0 {
            0.0
        } else {
            busy / (busy + idle)
        }
    }
}

/// The machine's cores (the ones this process may run on).
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |cores| cores.get())
}

fn clock_ticks_per_second() -> f64 {
    // SAFETY: sysconf only reads a system setting.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if ticks > 0 {
        ticks as f64
    } else {
        100.0
    }
}

/// The relay binary of a release build in this workspace.
pub fn release_binary() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    target.join("release/cobrowse-relay")
}

/// A temporary folder, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Result<Self, String> {
        let path = std::env::temp_dir().join(format!("cobrowse-load-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&path).map_err(|error| format!("cannot make {}: {error}", path.display()))?;
        Ok(TempDir(path))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The cluster engine for `--cluster`: a `redis-server` on a free loopback port that saves nothing; killed
/// when dropped.
pub struct RedisProcess {
    child: Child,
    pub url: String,
}

impl RedisProcess {
    pub fn start() -> Result<Self, String> {
        let port = free_port()?;
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .map_err(|error| format!("cannot start redis-server ({error}): `cargo xtask setup` installs it"))?;
        let redis = RedisProcess { child, url: format!("redis://127.0.0.1:{port}/") };
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                return Err(format!("redis-server did not listen on port {port}"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(redis)
    }

    /// The engine's resident memory now, in bytes.
    pub fn rss_bytes(&self) -> u64 {
        rss_bytes(&self.child.id().to_string())
    }

    /// The engine's CPU time so far.
    pub fn cpu_time(&self) -> Duration {
        cpu_time(&self.child.id().to_string())
    }
}

impl Drop for RedisProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
