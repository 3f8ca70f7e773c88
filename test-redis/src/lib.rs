//! A real `redis-server` on a loopback port, saving nothing, killed when dropped: the engine of the relay
//! nodes in the cross-node tests (`relay/tests/cluster.rs` and the end-to-end `tests/`).
//!
//! Why a crate of its own: both test suites start servers, many tests at once, each on a port it picks.
//! Between the pick and the server's bind another test's server may take the same port; ours then exits,
//! unable to bind, while the other answers on the port until its own test ends, and a node of ours meets
//! "connection refused" halfway through. So a server is taken as ready only once the process we started
//! answers (`INFO server` names its process id), and another port is tried if it exits. One copy of that
//! logic serves both suites.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a started `redis-server` may take to answer.
const PATIENCE: Duration = Duration::from_secs(10);
/// Ports tried by [`RedisServer::start`] before it gives up.
const START_ATTEMPTS: usize = 3;
/// How long one `INFO server` may take to be answered.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(1);

/// Why a server did not start.
#[derive(Debug)]
pub enum StartError {
    /// `redis-server` could not be run (not installed): a suite may skip its tests, saying so.
    NotInstalled(std::io::Error),
    /// It ran but did not serve: it exited, or did not answer in time, on every port tried.
    DidNotServe(String),
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartError::NotInstalled(error) => write!(
                f,
                "cannot run redis-server ({error}): `cargo xtask setup` (or apt-get install redis-server) installs it"
            ),
            StartError::DidNotServe(why) => write!(f, "{why}"),
        }
    }
}

impl std::error::Error for StartError {}

/// A running `redis-server` on `127.0.0.1`.
pub struct RedisServer {
    child: Child,
    port: u16,
}

impl RedisServer {
    /// Starts one on a free loopback port, trying another port if the server does not serve there.
    pub fn start() -> Result<RedisServer, StartError> {
        let mut failures = Vec::new();
        for _ in 0..START_ATTEMPTS {
            let port =
                free_loopback_port().map_err(|error| StartError::DidNotServe(format!("no free port: {error}")))?;
            match RedisServer::spawn(port)?.until_serving() {
                Ok(server) => return Ok(server),
                Err(why) => failures.push(format!("port {port}: {why}")),
            }
        }
        Err(StartError::DidNotServe(format!(
            "redis-server did not start on any of {START_ATTEMPTS} ports ({})",
            failures.join("; ")
        )))
    }

    /// Starts one on `port` (where a killed one served): the engine back, holding nothing.
    pub fn start_on(port: u16) -> Result<RedisServer, StartError> {
        RedisServer::spawn(port)?
            .until_serving()
            .map_err(|why| StartError::DidNotServe(format!("redis-server on port {port}: {why}")))
    }

    /// Kills it (the nodes lose their engine); [`RedisServer::start_again`] brings it back.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Kills it if it runs and starts it again on the same port, holding nothing (`--save ""`): the engine
    /// restarted, as the nodes see it.
    pub fn start_again(&mut self) -> Result<(), StartError> {
        self.kill();
        *self = RedisServer::start_on(self.port)?;
        Ok(())
    }

    /// The port it serves on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `redis://127.0.0.1:PORT/`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    fn spawn(port: u16) -> Result<RedisServer, StartError> {
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(StartError::NotInstalled)?;
        Ok(RedisServer { child, port })
    }

    /// Waits until this very process answers on its port; an error (the process killed) if it exits or
    /// does not answer in time.
    fn until_serving(mut self) -> Result<RedisServer, String> {
        let deadline = Instant::now() + PATIENCE;
        while server_process_id(self.port) != Some(self.child.id()) {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("it exited ({status})"));
            }
            if Instant::now() >= deadline {
                return Err(format!("it did not answer within {PATIENCE:?}"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(self)
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A loopback port that was free a moment ago.
fn free_loopback_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?.local_addr()?.port())
}

/// The process id the redis-server on `port` reports (`INFO server`), if one answers.
fn server_process_id(port: u16) -> Option<u32> {
    let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).ok()?;
    stream.set_read_timeout(Some(ANSWER_TIMEOUT)).ok()?;
    stream.write_all(b"INFO server\r\n").ok()?;
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        if let Some(id) = process_id_in(&answer) {
            return Some(id);
        }
        match stream.read(&mut buffer) {
            Ok(0) | Err(_) => return None,
            Ok(read) => answer.extend_from_slice(&buffer[..read]),
        }
    }
}

/// The `process_id` field of an `INFO` answer read so far, once its line is whole.
fn process_id_in(answer: &[u8]) -> Option<u32> {
    let text = String::from_utf8_lossy(answer);
    let (id, _) = text.split("process_id:").nth(1)?.split_once("\r\n")?;
    id.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_process_id_is_read_once_its_line_is_whole() {
        let answer = b"$300\r\n# Server\r\nredis_version:7.0.15\r\nprocess_id:4242\r\nrun_id:ab\r\n";
        assert_eq!(process_id_in(answer), Some(4242));
        assert_eq!(process_id_in(b"# Server\r\nprocess_id:42"), None, "the line may go on in the next read");
        assert_eq!(process_id_in(b"-ERR unknown command\r\n"), None);
    }

    #[test]
    fn a_server_is_the_process_started_and_stops_when_dropped() {
        let server = match RedisServer::start() {
            Ok(server) => server,
            Err(StartError::NotInstalled(error)) => {
                eprintln!("SKIPPED: redis-server is not installed ({error}); `cargo xtask setup` installs it");
                return;
            }
            Err(error) => panic!("{error}"),
        };
        let (port, process) = (server.port(), server.child.id());
        assert_eq!(server_process_id(port), Some(process));
        drop(server);
        // Another test's server may take the freed port at once: only ours must be gone.
        assert_ne!(server_process_id(port), Some(process), "a dropped server still answers");
    }

    #[test]
    fn a_port_another_server_holds_is_refused_not_taken_for_ours() {
        let first = match RedisServer::start() {
            Ok(server) => server,
            Err(StartError::NotInstalled(_)) => return,
            Err(error) => panic!("{error}"),
        };
        match RedisServer::start_on(first.port()) {
            Err(StartError::DidNotServe(why)) => assert!(why.contains("exited"), "{why}"),
            Ok(_) => panic!("a second server on port {} was taken as serving", first.port()),
            Err(error) => panic!("{error}"),
        }
        assert_eq!(server_process_id(first.port()), Some(first.child.id()), "the first server still serves");
    }
}
