//! Limits on TCP connections themselves, before any WebSocket: a global cap (refused fast with 503 past
//! it, so the relay never runs out of file handles), a first-byte timeout (a socket that sends nothing is
//! closed), and an idle timeout for HTTP connections with no request in flight (HTTP/1 keep-alive and
//! HTTP/2 alike; a WebSocket has left HTTP by then and has its own heartbeat).
//!
//! A connection's place under the cap travels with its socket ([`Counted`]): it is given back when the
//! socket is dropped, whether HTTP served it or a WebSocket took it over.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// What a connection past the cap is answered, at once, before it is closed.
const AT_CAPACITY_RESPONSE: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nRetry-After: 5\r\nConnection: close\r\nContent-Length: 64\r\n\r\nthe relay is at its connection limit; try again in a few seconds";

/// What every accepted connection is held to, from the config's `[limits]`.
#[derive(Clone)]
pub(crate) struct ConnectionRules {
    pub cap: ConnectionCap,
    pub first_byte: Duration,
    pub idle: Duration,
}

impl ConnectionRules {
    pub fn new(limits: &crate::config::Limits) -> ConnectionRules {
        ConnectionRules {
            cap: ConnectionCap::new(limits.max_connections),
            first_byte: limits.first_byte_timeout,
            idle: limits.idle_connection_timeout,
        }
    }
}

/// The global cap on open connections.
#[derive(Clone)]
pub(crate) struct ConnectionCap(Arc<Semaphore>);

impl ConnectionCap {
    pub fn new(max: usize) -> ConnectionCap {
        ConnectionCap(Arc::new(Semaphore::new(max)))
    }

    /// A place for one more connection, if there is one.
    pub fn enter(&self) -> Option<OwnedSemaphorePermit> {
        self.0.clone().try_acquire_owned().ok()
    }
}

/// Refuses a connection past the cap: a 503 on a plain connection (one non-blocking write into the empty
/// send buffer, never a wait), nothing on a TLS one; then closes it.
pub(crate) fn refuse(socket: TcpStream, plain_http: bool) {
    if plain_http {
        let _ = socket.try_write(AT_CAPACITY_RESPONSE);
    }
    drop(socket);
}

/// Warns at start if `max_connections` is above the process's open-file limit (Linux), where the relay
/// would run out of file handles before the cap refuses anything.
pub(crate) fn warn_if_above_file_limit(max_connections: usize) {
    let Some(soft_limit) = open_file_limit() else { return };
    if max_connections.saturating_add(64) > soft_limit {
        tracing::warn!(
            max_connections,
            open_file_limit = soft_limit,
            "limits.max_connections is not below the open-file limit: raise the limit (ulimit -n, LimitNOFILE=) or lower max_connections"
        );
    }
}

/// The soft limit on open files, from `/proc/self/limits` ("Max open files  1024  524288  files").
fn open_file_limit() -> Option<usize> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|line| line.starts_with("Max open files"))?;
    line["Max open files".len()..].split_whitespace().next()?.parse().ok()
}

/// Waits until `socket` has something to read (or is closed), at most `timeout`; false if it sent nothing.
pub(crate) async fn first_byte(socket: &TcpStream, timeout: Duration) -> bool {
    let mut first = [0; 1];
    matches!(tokio::time::timeout(timeout, socket.peek(&mut first)).await, Ok(Ok(1)))
}

/// A socket that holds its place under the connection cap until it is dropped.
pub(crate) struct Counted<S> {
    inner: S,
    _place: OwnedSemaphorePermit,
}

impl<S> Counted<S> {
    pub fn new(inner: S, place: OwnedSemaphorePermit) -> Counted<S> {
        Counted { inner, _place: place }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Counted<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Counted<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// The requests in flight on one HTTP connection, and since when it has had none.
pub(crate) struct Activity {
    in_flight: AtomicUsize,
    idle_since: Mutex<Instant>,
}

/// One request in flight; the connection is idle again once every one is dropped.
pub(crate) struct InFlight(Arc<Activity>);

impl Activity {
    pub fn new() -> Arc<Activity> {
        Arc::new(Activity { in_flight: AtomicUsize::new(0), idle_since: Mutex::new(Instant::now()) })
    }

    /// A request starts.
    pub fn begin(self: &Arc<Self>) -> InFlight {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        InFlight(self.clone())
    }

    /// Resolves once the connection has had no request in flight for `timeout`.
    pub async fn idle_for(&self, timeout: Duration) {
        loop {
            let since = *self.idle_since.lock().expect("activity lock poisoned");
            let busy = self.in_flight.load(Ordering::SeqCst) > 0;
            let deadline = if busy { Instant::now() + timeout } else { since + timeout };
            if !busy && Instant::now() >= deadline {
                return;
            }
            tokio::time::sleep_until(deadline).await;
        }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        *self.0.idle_since.lock().expect("activity lock poisoned") = Instant::now();
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_connection_is_idle_only_with_no_request_in_flight() {
        tokio::time::pause();
        let activity = Activity::new();
        let request = activity.begin();
        let idle = activity.idle_for(Duration::from_secs(5));
        tokio::pin!(idle);
        assert!(tokio::time::timeout(Duration::from_secs(30), &mut idle).await.is_err(), "busy is not idle");
        drop(request);
        let started = Instant::now();
        idle.await;
        assert!(started.elapsed() >= Duration::from_secs(5));
    }

    #[test]
    fn the_open_file_limit_is_read_where_linux_has_it() {
        if std::path::Path::new("/proc/self/limits").exists() {
            assert!(open_file_limit().is_some_and(|limit| limit > 0));
        }
    }

    #[test]
    fn the_503_says_its_length_right() {
        let text = std::str::from_utf8(AT_CAPACITY_RESPONSE).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(head.contains(&format!("Content-Length: {}", body.len())), "{head}");
    }
}
