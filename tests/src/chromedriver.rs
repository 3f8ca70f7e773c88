//! A chromedriver process on a free loopback port, killed when dropped.

use std::fs::File;
use std::io::{Read, Seek};
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Where chromedriver is installed (override with `$CHROMEDRIVER`; `cargo xtask test` sets it).
const DEFAULT_CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// How long chromedriver may take to answer `/status`.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(20);
/// Starts tried before giving up: a chromedriver that never answers (its port taken between our pick and
/// its bind, or stalled on a busy machine; seen once in a whole bench run) or that exits at once (seen
/// twice in a row in a whole bench run, after the relay's load section) is killed and started again on a
/// fresh port.
const START_ATTEMPTS: usize = 3;
/// The most of chromedriver's own output an error quotes (the end of it, where it says why it stopped).
const QUOTED_OUTPUT_BYTES: usize = 600;

/// A running chromedriver. Browsers connect to [`ChromeDriver::url`].
pub struct ChromeDriver {
    child: Child,
    port: u16,
}

impl ChromeDriver {
    /// Starts chromedriver and waits until it reports itself ready (see [`START_ATTEMPTS`]).
    pub async fn start() -> crate::error::Result<Self> {
        let program = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| DEFAULT_CHROMEDRIVER.into());
        let mut attempt = 1;
        loop {
            match Self::start_once(&program).await {
                Err(error) if attempt < START_ATTEMPTS => {
                    eprintln!("chromedriver: {error}; starting it again on another port");
                    attempt += 1;
                }
                result => return result,
            }
        }
    }

    async fn start_once(program: &str) -> crate::error::Result<Self> {
        let port = crate::ports::free_loopback_port()?;
        // Already unlinked: it goes when the last handle closes, and only an error reads it.
        let mut output = tempfile::tempfile()?;
        let child = Command::new(program)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdin(Stdio::null())
            .stdout(Stdio::from(output.try_clone()?))
            .stderr(Stdio::from(output.try_clone()?))
            .spawn()
            .map_err(|error| format!("cannot start {program}: {error} (is chromedriver installed?)"))?;
        let mut driver = Self { child, port };
        let ready = crate::wait::until("chromedriver to answer /status", STARTUP_TIMEOUT, || {
            let exited = driver.child.try_wait().ok().flatten();
            async move {
                match exited {
                    Some(status) => Err(format!("it exited ({status})").into()),
                    None => Ok(status_says_ready(port).await.then_some(())),
                }
            }
        })
        .await;
        match ready {
            Ok(()) => Ok(driver),
            Err(error) => {
                let said = last_output(&mut output);
                Err(format!("{program} on port {port}: {error}; it said: {said}").into())
            }
        }
    }

    /// The WebDriver endpoint.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

/// The end of what chromedriver wrote, on one line.
fn last_output(output: &mut File) -> String {
    let mut text = String::new();
    let _ = output.rewind().and_then(|()| output.read_to_string(&mut text));
    let start = text.len().saturating_sub(QUOTED_OUTPUT_BYTES);
    let start = (start..text.len()).find(|&index| text.is_char_boundary(index)).unwrap_or(text.len());
    let said = text[start..].split_whitespace().collect::<Vec<_>>().join(" ");
    if said.is_empty() {
        "nothing".into()
    } else {
        said
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_chromedriver_that_exits_at_once_says_why() {
        let script = std::env::temp_dir().join(format!("cobrowse-fake-chromedriver-{}", std::process::id()));
        std::fs::write(&script, "#!/bin/sh\necho 'bind() failed: Address already in use (98)'\nexit 1\n").unwrap();
        std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
        let started = std::time::Instant::now();
        let error = ChromeDriver::start_once(script.to_str().unwrap()).await.err().expect("it exited");
        std::fs::remove_file(&script).unwrap();
        let error = error.to_string();
        assert!(error.contains("exited (exit status: 1)"), "{error}");
        assert!(error.contains("it said: bind() failed: Address already in use (98)"), "{error}");
        assert!(started.elapsed() < STARTUP_TIMEOUT / 2, "not told apart from a slow start: {error}");
    }
}
