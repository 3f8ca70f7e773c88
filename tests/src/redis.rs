//! A `redis-server` on a free loopback port, saving nothing, killed when dropped: the engine of the relay
//! nodes in the cross-node tests.

use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long `redis-server` may take to listen.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// A running `redis-server`.
pub struct Redis {
    child: Child,
    port: u16,
}

impl Redis {
    /// Starts one; an error that says how to install it where `redis-server` is missing.
    pub fn start() -> crate::error::Result<Redis> {
        Redis::start_on(crate::ports::free_loopback_port()?)
    }

    /// Kills it (the nodes lose their engine); [`Redis::start_again`] brings it back.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts it again on the same port, holding nothing (`--save ""`): the engine restarted, as the
    /// nodes see it.
    pub fn start_again(&mut self) -> crate::error::Result<()> {
        self.kill();
        *self = Redis::start_on(self.port)?;
        Ok(())
    }

    fn start_on(port: u16) -> crate::error::Result<Redis> {
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|error| {
                format!("cannot run redis-server ({error}): `cargo xtask setup` (or apt-get install redis-server) installs it")
            })?;
        let redis = Redis { child, port };
        let deadline = Instant::now() + START_TIMEOUT;
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() >= deadline {
                return Err(format!("redis-server did not listen on port {port} within {START_TIMEOUT:?}").into());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(redis)
    }

    /// `redis://127.0.0.1:PORT/`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
