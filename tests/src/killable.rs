//! A relay node that a test can kill: it runs on a runtime of its own, in a thread of its own, and
//! [`KillableRelay::kill`] drops that runtime with every task at once. Nothing graceful runs: no
//! hand-over, no close frames, no goodbye to the cluster engine; its sockets close and it stops saying
//! it is alive, as when its process is killed (`kill -9`).

use crate::relay::Relay;
use cobrowse_relay::Config;
use std::thread::JoinHandle;

/// A running relay on its own runtime; killed when dropped.
pub struct KillableRelay {
    origin: String,
    addr: std::net::SocketAddr,
    kill: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl KillableRelay {
    /// Starts a relay as [`Relay::start_with`] does, on its own runtime.
    pub async fn start_with(configure: impl FnOnce(&mut Config) + Send + 'static) -> crate::error::Result<Self> {
        let (ready, started) = tokio::sync::oneshot::channel();
        let (kill, killed) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build() {
                Ok(runtime) => runtime,
                Err(error) => return drop(ready.send(Err(format!("cannot build the node's runtime: {error}")))),
            };
            match runtime.block_on(Relay::start_with(configure)) {
                Ok(relay) => {
                    let _ = ready.send(Ok((relay.origin().to_owned(), relay.addr())));
                    let _ = killed.recv();
                    runtime.shutdown_background();
                    drop(relay);
                }
                Err(error) => drop(ready.send(Err(error.to_string()))),
            }
        });
        let (origin, addr) = started.await.map_err(|_| "the killable relay's thread ended before it started")??;
        Ok(Self { origin, addr, kill: Some(kill), thread: Some(thread) })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Its address.
    pub fn addr(&self) -> std::net::SocketAddr {
        self.addr
    }

    /// Kills it: every task and socket dropped at once.
    pub fn kill(&mut self) {
        drop(self.kill.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for KillableRelay {
    fn drop(&mut self) {
        self.kill();
    }
}
