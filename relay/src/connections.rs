//! Limits on TCP connections themselves, before any WebSocket: a global cap and a cap per address (each
//! refused fast with 503 past it, so neither the relay nor one client can run it out of file handles), a
//! first-byte timeout (a socket that sends nothing is closed), and an idle timeout for HTTP connections
//! with no request in flight (HTTP/1 keep-alive and HTTP/2 alike; a WebSocket has left HTTP by then and
//! has its own heartbeat).
//!
//! A connection refused past a cap is told so: a plain one with a 503 written at once; a TLS one with a
//! 503 after a handshake made for it, a few at a time ([`TLS_REFUSALS_AT_ONCE`], each within
//! [`TLS_REFUSAL_TIMEOUT`]), so that refusing stays cheap when many connections come at once: past that
//! many, a TLS connection is closed without a word.
//!
//! A connection's places under the caps travel with its socket ([`Counted`]): they are given back when the
//! socket is dropped, whether HTTP served it or a WebSocket took it over. A direct client's address place
//! is taken at accept; a connection from a trusted proxy takes it at its first request, for the client
//! that request is forwarded for ([`AddressPlace`]).

use crate::caps::{address_group, Counts, Place};
use std::io;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;
use tokio_rustls::TlsAcceptor;

/// How many refused TLS connections may be in the handshake that tells them 503, at once.
pub const TLS_REFUSALS_AT_ONCE: usize = 16;
/// How long a refused TLS connection has to finish its handshake and take its 503.
pub const TLS_REFUSAL_TIMEOUT: Duration = Duration::from_secs(2);

/// What every accepted connection is held to, from the config's `[limits]`.
#[derive(Clone)]
pub(crate) struct ConnectionRules {
    pub cap: ConnectionCap,
    /// Connections open at once per address (`connections_per_address`).
    pub per_address: Arc<Counts<IpAddr>>,
    pub first_byte: Duration,
    /// How long a client has to finish the TLS handshake.
    pub tls_handshake: Duration,
    pub idle: Duration,
    /// Places for refused TLS connections being told 503 ([`TLS_REFUSALS_AT_ONCE`]).
    pub tls_refusals: Arc<Semaphore>,
}

impl ConnectionRules {
    pub fn new(limits: &crate::config::Limits) -> ConnectionRules {
        ConnectionRules {
            cap: ConnectionCap::new(limits.max_connections),
            per_address: Counts::new(limits.connections_per_address),
            first_byte: limits.first_byte_timeout,
            tls_handshake: limits.tls_handshake_timeout,
            idle: limits.idle_connection_timeout,
            tls_refusals: Arc::new(Semaphore::new(TLS_REFUSALS_AT_ONCE)),
        }
    }

    /// A place for one more connection from `ip`'s address, if it has not `connections_per_address` open.
    pub fn enter_address(&self, ip: IpAddr) -> Option<Place<IpAddr>> {
        self.per_address.enter(address_group(ip))
    }

    /// What a connection refused at the per-address cap is told.
    pub fn address_refusal(&self) -> String {
        format!(
            "this address has {} connections open to the relay, its limit (connections_per_address); close some, or try again in a few seconds",
            self.per_address.cap()
        )
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

/// The place a connection holds among its address's connections: taken at accept for a direct client,
/// or at the first request for one behind a trusted proxy; shared by the socket and the connection's
/// request handler, and given back when both are gone.
#[derive(Clone, Default)]
pub(crate) struct AddressPlace(Arc<Mutex<Option<Place<IpAddr>>>>);

impl AddressPlace {
    /// This connection holds `place` from now on.
    pub fn hold(&self, place: Place<IpAddr>) {
        *self.lock() = Some(place);
    }

    /// Whether the connection holds its place already.
    pub fn is_held(&self) -> bool {
        self.lock().is_some()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Place<IpAddr>>> {
        self.0.lock().expect("address place lock poisoned")
    }
}

/// Why a connection is refused at once.
pub(crate) enum Refusal {
    /// The relay holds `max_connections` already.
    AtConnectionCap,
    /// Its address holds `connections_per_address` already; the text says so.
    AtAddressCap(String),
}

impl Refusal {
    /// The 503's text.
    fn text(&self) -> &str {
        match self {
            Refusal::AtConnectionCap => "the relay is at its connection limit; try again in a few seconds",
            Refusal::AtAddressCap(text) => text,
        }
    }
}

/// A whole `503 Service Unavailable` answer saying `text`, then closing.
pub(crate) fn at_capacity_response(text: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nRetry-After: 5\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{text}",
        text.len()
    )
    .into_bytes()
}

/// Refuses a connection past a cap with a 503, then closes it. On a plain connection: one non-blocking
/// write into the empty send buffer, never a wait. On a TLS one (`tls`): in a task of its own, after a
/// handshake, if fewer than [`TLS_REFUSALS_AT_ONCE`] are under way; else closed at once, without a word.
pub(crate) fn refuse(socket: TcpStream, tls: Option<&TlsAcceptor>, refusal: &Refusal, rules: &ConnectionRules) {
    let Some(acceptor) = tls else {
        let _ = socket.try_write(&at_capacity_response(refusal.text()));
        return;
    };
    let Ok(place) = rules.tls_refusals.clone().try_acquire_owned() else {
        return;
    };
    let (acceptor, answer) = (acceptor.clone(), at_capacity_response(refusal.text()));
    tokio::spawn(async move {
        let _place = place;
        let _ = tokio::time::timeout(TLS_REFUSAL_TIMEOUT, answer_over_tls(&acceptor, socket, &answer)).await;
    });
}

/// Makes the TLS handshake on `socket`, writes `answer` and closes the TLS stream.
async fn answer_over_tls(acceptor: &TlsAcceptor, socket: TcpStream, answer: &[u8]) -> io::Result<()> {
    let mut stream = acceptor.accept(socket).await?;
    stream.write_all(answer).await?;
    stream.shutdown().await
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

/// A socket that holds its places under the connection caps until it is dropped.
pub(crate) struct Counted<S> {
    inner: S,
    _place: OwnedSemaphorePermit,
    _address: AddressPlace,
}

impl<S> Counted<S> {
    pub fn new(inner: S, place: OwnedSemaphorePermit, address: AddressPlace) -> Counted<S> {
        Counted { inner, _place: place, _address: address }
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
    fn an_address_place_is_given_back_when_the_socket_and_the_handler_both_let_go() {
        let counts = Counts::new(1);
        let address: IpAddr = "192.0.2.1".parse().unwrap();
        let shared = AddressPlace::default();
        assert!(!shared.is_held());
        shared.hold(counts.enter(address).unwrap());
        let handler = shared.clone();
        assert!(handler.is_held());
        drop(shared);
        assert!(counts.enter(address).is_none(), "the handler still holds it");
        drop(handler);
        assert!(counts.enter(address).is_some());
    }

    #[test]
    fn the_503_says_its_length_right() {
        let response = at_capacity_response("too many from here");
        let text = std::str::from_utf8(&response).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(head.contains(&format!("Content-Length: {}", body.len())), "{head}");
        assert_eq!(body, "too many from here");
    }
}
