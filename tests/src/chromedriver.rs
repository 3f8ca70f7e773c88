//! A chromedriver process on a free loopback port, killed when dropped.

use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Where chromedriver is installed (override with `$CHROMEDRIVER`; `cargo xtask test` sets it).
const DEFAULT_CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// How long chromedriver may take to answer `/status`.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(20);
/// Starts tried before giving up: a chromedriver that never answers (its port taken between our pick and
/// its bind, or stalled on a busy machine; seen once in a whole bench run) is killed and started again on
/// a fresh port.
const START_ATTEMPTS: usize = 2;

/// A running chromedriver. Browsers connect to [`ChromeDriver::url`].
pub struct ChromeDriver {
    child: Child,
    port: u16,
}

impl ChromeDriver {
    /// Starts chromedriver and waits until it reports itself ready (see [`START_ATTEMPTS`]).
    pub async fn start() -> crate::error::Result<Self> {
        let mut attempt = 1;
        loop {
            match Self::start_once().await {
                Err(error) if attempt < START_ATTEMPTS => {
                    eprintln!("chromedriver: {error}; starting it again on another port");
                    attempt += 1;
                }
                result => return result,
            }
        }
    }

    async fn start_once() -> crate::error::Result<Self> {
        let program = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| DEFAULT_CHROMEDRIVER.into());
        let port = crate::ports::free_loopback_port()?;
        let child = Command::new(&program)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|error| format!("cannot start {program}: {error} (is chromedriver installed?)"))?;
        let mut driver = Self { child, port };
        let ready = crate::wait::until("chromedriver to answer /status", STARTUP_TIMEOUT, || driver.is_ready()).await;
        match (ready, driver.child.try_wait()) {
            (Ok(()), _) => Ok(driver),
            (Err(_), Ok(Some(status))) => Err(format!("{program} on port {port} exited ({status})").into()),
            (Err(error), _) => Err(format!("{program} on port {port}: {error}").into()),
        }
    }

    /// The WebDriver endpoint.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    async fn is_ready(&self) -> crate::error::Result<Option<()>> {
        Ok(status_says_ready(self.port).await.then_some(()))
    }
}

/// Whether `GET /status` answers with `"ready": true` (chromedriver may keep the connection open, so
/// this reads until the answer says so or a short timeout).
async fn status_says_ready(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)).await else {
        return false;
    };
    let request = format!("GET /status HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).await.is_err() {
        return false;
    }
    let read_answer = async {
        let mut response = Vec::new();
        let mut buffer = [0u8; 4096];
        loop {
            let text = String::from_utf8_lossy(&response).replace(' ', "");
            if text.contains("\"ready\":true") {
                return true;
            }
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return false,
                Ok(n) => response.extend_from_slice(&buffer[..n]),
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(2), read_answer).await.unwrap_or(false)
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
