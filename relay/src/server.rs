//! The server: binds the address, accepts connections, and serves the routes on each, over plain TCP or
//! TLS, until shut down.
//!
//! warp has no TLS of its own, so the accept loop is ours: every accepted socket gets `TCP_NODELAY` (a
//! pointer move is a few dozen bytes and must not wait for Nagle), is optionally wrapped in
//! tokio-rustls, and is served by hyper-util's auto builder *with upgrades*, which WebSockets need.
//! The peer's address is put on each request for the join rate limit and the audit log.

use crate::auth::{Accounts, AuthError};
use crate::config::{Config, ConfigError};
use crate::connections::{self, Activity, ConnectionRules, Counted};
use crate::gate::PasswordGate;
use crate::routes::{routes, ClientAddr};
use crate::shutdown::{self, Shutdown, ShutdownController};
use crate::state::RelayState;
use crate::tap::{ReceivedFrame, Tap};
use crate::tls::{self, TlsError};
use hyper::body::Incoming;
use hyper::Request;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use thiserror::Error;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{broadcast, OwnedSemaphorePermit};
use tokio_rustls::TlsAcceptor;
use warp::filters::BoxedFilter;
use warp::reply::Response;

/// How long a client has to finish the TLS handshake.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a client has to send a request's headers (a client that trickles them holds a connection).
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// How often an HTTP/2 connection is pinged, and how long its answer may take before it is closed.
const HTTP2_KEEP_ALIVE: Duration = Duration::from_secs(20);

/// The longest a connection told to close (idle, or the relay shutting down) may take to finish.
const GRACEFUL_CLOSE_LIMIT: Duration = Duration::from_secs(10);

/// How long to pause accepting after an error such as running out of file descriptors.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(100);

/// Why the relay could not start.
#[derive(Debug, Error)]
pub enum ServeError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("the agent accounts cannot be used: {0}")]
    Accounts(#[from] AuthError),
    #[error(transparent)]
    Tls(#[from] TlsError),
    #[error("cannot listen on {addr}: {source} (is another relay running there? try another --listen address)")]
    Bind { addr: SocketAddr, source: std::io::Error },
}

/// A running relay. Dropping it stops the relay too, without waiting.
pub struct RelayHandle {
    local_addr: SocketAddr,
    tap: Tap,
    controller: ShutdownController,
}

impl RelayHandle {
    /// The address the relay listens on (with the real port when asked for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Every frame the relay receives from any peer, as received. Subscribe before the traffic you want.
    pub fn subscribe_frames(&self) -> broadcast::Receiver<ReceivedFrame> {
        self.tap.subscribe()
    }

    /// Stops accepting, closes every WebSocket with 1001, and returns once every connection is done.
    pub async fn shutdown(self) {
        self.controller.shutdown().await;
        tracing::info!(addr = %self.local_addr, "relay stopped");
    }
}

/// Binds `addr` (e.g. 127.0.0.1:0) and serves in the background on the current tokio runtime.
pub async fn spawn(config: Config, addr: SocketAddr) -> Result<RelayHandle, ServeError> {
    config.validate("config")?;
    let gate = PasswordGate::new(config.limits.password_checks, config.limits.password_check_queue);
    let accounts = Accounts::new(&config.agents, gate)?;
    let tls = config.tls.as_ref().map(tls::acceptor).transpose()?;
    warn_about_missing_files(&config);

    let listener = TcpListener::bind(addr).await.map_err(|source| ServeError::Bind { addr, source })?;
    let local_addr = listener.local_addr().map_err(|source| ServeError::Bind { addr, source })?;
    let (controller, shutdown) = shutdown::channel();
    let tap = Tap::new();
    let rules = ConnectionRules::new(&config.limits);
    connections::warn_if_above_file_limit(config.limits.max_connections);
    let state = Arc::new(RelayState::new(config, accounts, tap.clone(), shutdown.clone()));
    crate::shedding::spawn_shedder(state.memory.clone(), Arc::downgrade(&state), |state| &state.registry);
    tokio::spawn(accept_loop(listener, routes(state), tls, shutdown, rules));
    tracing::info!(addr = %local_addr, "relay listening");
    Ok(RelayHandle { local_addr, tap, controller })
}

async fn accept_loop(
    listener: TcpListener,
    routes: BoxedFilter<(Response,)>,
    tls: Option<TlsAcceptor>,
    mut shutdown: Shutdown,
    rules: ConnectionRules,
) {
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = shutdown.requested() => break,
        };
        let (socket, client) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                tracing::warn!(%error, "cannot accept a connection; pausing briefly");
                tokio::time::sleep(ACCEPT_ERROR_PAUSE).await;
                continue;
            }
        };
        let Some(place) = rules.cap.enter() else {
            tracing::warn!(%client, "refused a connection: the relay is at its max_connections");
            connections::refuse(socket, tls.is_none());
            continue;
        };
        if let Err(error) = socket.set_nodelay(true) {
            tracing::warn!(%error, %client, "cannot set TCP_NODELAY");
        }
        let connection = (socket, place, client);
        tokio::spawn(serve_connection(connection, routes.clone(), tls.clone(), shutdown.clone(), rules.clone()));
    }
}

async fn serve_connection(
    (socket, place, client): (TcpStream, OwnedSemaphorePermit, SocketAddr),
    routes: BoxedFilter<(Response,)>,
    tls: Option<TlsAcceptor>,
    shutdown: Shutdown,
    rules: ConnectionRules,
) {
    if !connections::first_byte(&socket, rules.first_byte).await {
        tracing::debug!(%client, "closed a connection that sent nothing");
        return;
    }
    let socket = Counted::new(socket, place);
    let Some(acceptor) = tls else {
        return serve_http(TokioIo::new(socket), client, routes, shutdown, rules.idle).await;
    };
    match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(socket)).await {
        Ok(Ok(stream)) => serve_http(TokioIo::new(stream), client, routes, shutdown, rules.idle).await,
        Ok(Err(error)) => tracing::debug!(%error, %client, "TLS handshake failed"),
        Err(_elapsed) => tracing::debug!(%client, "TLS handshake timed out"),
    }
}

/// Serves HTTP/1.1 (with upgrades) or HTTP/2 on one connection until it ends, has no request in flight
/// for `idle`, or the relay shuts down.
async fn serve_http<I>(
    io: I,
    client: SocketAddr,
    routes: BoxedFilter<(Response,)>,
    mut shutdown: Shutdown,
    idle: Duration,
) where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let activity = Activity::new();
    let requests = activity.clone();
    let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
        request.extensions_mut().insert(ClientAddr(client));
        let mut warp_service = warp::service(routes.clone());
        let in_flight = requests.begin();
        let reply = tower_service::Service::call(&mut warp_service, request);
        async move {
            let reply = reply.await;
            drop(in_flight);
            reply
        }
    });
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(HEADER_READ_TIMEOUT);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Some(HTTP2_KEEP_ALIVE))
        .keep_alive_timeout(HTTP2_KEEP_ALIVE);
    let connection = builder.serve_connection_with_upgrades(io, service);
    tokio::pin!(connection);
    let result = tokio::select! {
        result = connection.as_mut() => result,
        () = activity.idle_for(idle) => {
            tracing::debug!(%client, "closing an idle HTTP connection");
            connection.as_mut().graceful_shutdown();
            // An HTTP/2 peer that never acknowledges the GOAWAY's ping would keep it open: bounded.
            tokio::time::timeout(idle.min(GRACEFUL_CLOSE_LIMIT), connection).await.unwrap_or(Ok(()))
        }
        () = shutdown.requested() => {
            connection.as_mut().graceful_shutdown();
            tokio::time::timeout(GRACEFUL_CLOSE_LIMIT, connection).await.unwrap_or(Ok(()))
        }
    };
    if let Err(error) = result {
        tracing::debug!(%error, %client, "connection ended with an error");
    }
}

/// The relay serves fine without the wasm packages, but visitors and agents could not start.
fn warn_about_missing_files(config: &Config) {
    if !config.site_dir.join("cobrowse.js").is_file() && !config.www_dir.join("cobrowse.js").is_file() {
        tracing::warn!(site_dir = %config.site_dir.display(), "the built shim cobrowse.js is missing: run `cargo xtask build` first");
    }
    for package in ["visitor", "agent/pkg"] {
        let dir = config.site_dir.join(package);
        if !dir.is_dir() {
            tracing::warn!(missing = %dir.display(), "the built wasm package is missing: run `cargo xtask build` first");
        }
    }
}
