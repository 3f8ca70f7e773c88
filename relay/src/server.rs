//! The server: binds the addresses, accepts connections, and serves the routes on each, over plain TCP or
//! TLS, until shut down.
//!
//! warp has no TLS of its own, so the accept loop is ours: every accepted socket gets `TCP_NODELAY` (a
//! pointer move is a few dozen bytes and must not wait for Nagle), is optionally wrapped in
//! tokio-rustls, and is served by hyper-util's auto builder *with upgrades*, which WebSockets need.
//! Each request gets its client's address (the TCP peer, or whom a trusted proxy forwards: `proxies`)
//! for the join rate limit and the logs; a path too long to serve is answered before the routes
//! (`path_limits`).
//!
//! Beside the main address the relay may listen on a second one that only redirects to HTTPS
//! (`redirect`). Without TLS it serves only loopback addresses unless the config says `insecure_public`:
//! plain HTTP on a network would carry agents' passwords and visitors' pages in the clear.

use crate::audit::Reopener;
use crate::auth::{Accounts, AgentAccount, AuthError};
use crate::config::{Config, ConfigError};
use crate::connections::{self, Activity, AddressPlace, ConnectionRules, Counted, Refusal};
use crate::events::Events;
use crate::first_bytes::first_bytes;
use crate::gate::PasswordGate;
use crate::metrics::Metrics;
use crate::path_limits::refuse_long_path;
use crate::proxies::TrustedProxies;
use crate::redirect;
use crate::routes::{routes, ClientAddr};
use crate::shutdown::{self, Shutdown, ShutdownController};
use crate::state::RelayState;
use crate::tap::{ReceivedFrame, Tap};
use crate::tls::{self, ServedCertificate, TlsError};
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
    #[error("{0}")]
    Audit(std::io::Error),
    #[error("cannot listen on {addr}: {source} (is another relay running there? try another --listen address; ports below 1024 need root or CAP_NET_BIND_SERVICE)")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error("cannot listen on {addr} for the redirect to HTTPS: {source} (give another address with --redirect-listen, or switch it off with --no-redirect; ports below 1024 need root or CAP_NET_BIND_SERVICE)")]
    BindRedirect { addr: SocketAddr, source: std::io::Error },
    #[error("refusing to serve plain HTTP on {addr}, which is not a loopback address: agents' passwords and visitors' pages would cross the network unencrypted. Give a certificate ([tls] in the config, or --tls-cert and --tls-key; --dev-tls for a trial), listen on 127.0.0.1 behind a TLS-terminating proxy, or, if a proxy on a private network terminates TLS, pass --insecure-public (insecure_public = true)")]
    PlainPublic { addr: SocketAddr },
    #[error("{0}")]
    Cluster(String),
    #[error("a redirect to HTTPS needs a certificate: give [tls] in the config (or --tls-cert and --tls-key), or no redirect address")]
    RedirectWithoutTls,
}

/// The addresses the relay listens on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Listen {
    /// Where the relay serves everything: HTTPS and WSS with a certificate, plain HTTP and WS without.
    pub main: SocketAddr,
    /// Where plain HTTP is answered with a redirect to `main` over HTTPS (and `/healthz`); needs TLS.
    pub redirect: Option<SocketAddr>,
}

impl Listen {
    /// Only the main address.
    pub fn main_only(main: SocketAddr) -> Listen {
        Listen { main, redirect: None }
    }
}

/// A running relay. Dropping it stops the relay too, without waiting.
pub struct RelayHandle {
    local_addr: SocketAddr,
    redirect_addr: Option<SocketAddr>,
    certificate: Option<Arc<ServedCertificate>>,
    tap: Tap,
    controller: ShutdownController,
    audit: Option<Reopener>,
    /// The agents list, replaced by [`RelayHandle::reload_agents`].
    accounts: Arc<Accounts>,
}

impl RelayHandle {
    /// The address the relay listens on (with the real port when asked for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The address of the listener that redirects to HTTPS, if there is one.
    pub fn redirect_addr(&self) -> Option<SocketAddr> {
        self.redirect_addr
    }

    /// Reads the certificate and key files again and presents them to every new connection; connections
    /// already open (and their sessions) go on as they are. If the files cannot be used, the certificate
    /// served so far stays, and the error says why (it is logged too). `cobrowse-relay` calls this on SIGHUP.
    pub fn reload_tls(&self) -> Result<(), TlsError> {
        let Some(certificate) = &self.certificate else {
            return Err(TlsError::NotServingTls);
        };
        match certificate.reload() {
            Ok(()) => {
                tracing::info!("TLS certificate reloaded: new connections get the new one");
                Ok(())
            }
            Err(error) => {
                tracing::warn!(%error, "TLS certificate not reloaded: still serving the previous one");
                Err(error)
            }
        }
    }

    /// Replaces the agents who may sign in (`cobrowse-relay` calls this on SIGHUP with its config file's
    /// `[[agents]]`). Sessions and watching agents go on; a session token stops working once its account
    /// is removed or its password hash changes, so that agent signs in again with the new password. On an
    /// error (a bad password hash) the list stays as it was.
    pub fn reload_agents(&self, agents: &[AgentAccount]) -> Result<(), AuthError> {
        self.accounts.replace(agents)?;
        tracing::info!(agents = agents.len(), "agents list reloaded");
        Ok(())
    }

    /// Every frame the relay receives from any peer, as received. Subscribe before the traffic you want.
    pub fn subscribe_frames(&self) -> broadcast::Receiver<ReceivedFrame> {
        self.tap.subscribe()
    }

    /// Makes the audit log open its file again, for tools that move it away to rotate it (SIGUSR1 in the
    /// command); nothing without an audit log or when it goes to stdout.
    pub fn reopen_audit_log(&self) {
        if let Some(audit) = &self.audit {
            audit.reopen();
        }
    }

    /// [`RelayHandle::reopen_audit_log`] as a function that outlives the handle's borrow (for a signal task).
    pub fn audit_reopener(&self) -> impl Fn() + Send + Sync + 'static {
        let audit = self.audit.clone();
        move || {
            if let Some(audit) = &audit {
                audit.reopen();
            }
        }
    }

    /// Stops accepting, closes every WebSocket with 1001, and returns once every connection is done.
    pub async fn shutdown(self) {
        self.controller.shutdown().await;
        tracing::info!(addr = %self.local_addr, "relay stopped");
    }
}

/// Binds `addr` (e.g. 127.0.0.1:0) and serves in the background on the current tokio runtime. No
/// redirect listener: see [`spawn_with`].
pub async fn spawn(config: Config, addr: SocketAddr) -> Result<RelayHandle, ServeError> {
    spawn_with(config, Listen::main_only(addr)).await
}

/// Binds the main address and, if given, the redirect address, and serves both in the background on the
/// current tokio runtime.
pub async fn spawn_with(config: Config, listen: Listen) -> Result<RelayHandle, ServeError> {
    config.validate("config")?;
    check_exposure(&config, listen)?;
    let gate = PasswordGate::new(config.limits.password_checks, config.limits.password_check_queue);
    let accounts = Arc::new(Accounts::new(&config.agents, gate)?);
    let certificate = config.tls.as_ref().map(ServedCertificate::load).transpose()?.map(Arc::new);
    let tls = certificate.clone().map(tls::acceptor).transpose()?;
    warn_about_missing_files(&config);

    let addr = listen.main;
    let listener = TcpListener::bind(addr).await.map_err(|source| ServeError::Bind { addr, source })?;
    let local_addr = listener.local_addr().map_err(|source| ServeError::Bind { addr, source })?;
    let redirect_listener = match listen.redirect {
        Some(addr) => Some(bind_redirect(addr).await?),
        None => None,
    };
    let (controller, shutdown) = shutdown::channel();
    let tap = Tap::new();
    let proxies = TrustedProxies::new(config.trusted_proxies.clone());
    let rules = ConnectionRules::new(&config.limits);
    connections::warn_if_above_file_limit(config.limits.max_connections);
    let metrics = Arc::new(Metrics::new());
    let events = Events::start(&config, &metrics).map_err(ServeError::Audit)?;
    let audit = events.audit_reopener();
    let engine = crate::cluster::connect(config.cluster.as_ref()).await.map_err(ServeError::Cluster)?;
    let mut state = RelayState::new(config, accounts.clone(), tap.clone(), shutdown.clone(), (metrics.clone(), events));
    state.engine = engine;
    let state = Arc::new(state);
    crate::cluster::start(&state);
    crate::shedding::spawn_shedder(state.memory.clone(), Arc::downgrade(&state), |state| &state.registry);
    let main = Serving {
        routes: routes(state),
        tls,
        proxies: Arc::new(proxies),
        rules: rules.clone(),
        metrics: metrics.clone(),
    };
    tokio::spawn(accept_loop(listener, main, shutdown.clone()));
    tracing::info!(addr = %local_addr, "relay listening");

    let mut redirect_addr = None;
    if let Some((listener, addr)) = redirect_listener {
        let routes = redirect::routes(local_addr.port());
        let serving = Serving { routes, tls: None, proxies: Default::default(), rules, metrics };
        tokio::spawn(accept_loop(listener, serving, shutdown));
        tracing::info!(%addr, "redirecting plain HTTP to HTTPS");
        redirect_addr = Some(addr);
    }
    Ok(RelayHandle { local_addr, redirect_addr, certificate, tap, controller, audit, accounts })
}

/// Plain HTTP is served on loopback only, unless the config says otherwise.
fn check_exposure(config: &Config, listen: Listen) -> Result<(), ServeError> {
    if config.tls.is_some() {
        return Ok(());
    }
    if listen.redirect.is_some() {
        return Err(ServeError::RedirectWithoutTls);
    }
    if !listen.main.ip().to_canonical().is_loopback() && !config.insecure_public {
        return Err(ServeError::PlainPublic { addr: listen.main });
    }
    Ok(())
}

async fn bind_redirect(addr: SocketAddr) -> Result<(TcpListener, SocketAddr), ServeError> {
    let failed = |source| ServeError::BindRedirect { addr, source };
    let listener = TcpListener::bind(addr).await.map_err(failed)?;
    let local_addr = listener.local_addr().map_err(failed)?;
    Ok((listener, local_addr))
}

/// What one listener serves on each connection.
#[derive(Clone)]
struct Serving {
    routes: BoxedFilter<(Response,)>,
    tls: Option<TlsAcceptor>,
    proxies: Arc<TrustedProxies>,
    rules: ConnectionRules,
    /// Counts the connections refused at the cap.
    metrics: Arc<Metrics>,
}

async fn accept_loop(listener: TcpListener, serving: Serving, mut shutdown: Shutdown) {
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = shutdown.requested() => break,
        };
        let (socket, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                tracing::warn!(%error, "cannot accept a connection; pausing briefly");
                tokio::time::sleep(ACCEPT_ERROR_PAUSE).await;
                continue;
            }
        };
        let Some(place) = serving.rules.cap.enter() else {
            tracing::warn!(%peer, "refused a connection: the relay is at its max_connections");
            serving.metrics.refused_at_connection_cap();
            connections::refuse(socket, serving.tls.as_ref(), &Refusal::AtConnectionCap, &serving.rules);
            continue;
        };
        let Some(address) = take_direct_address_place(&serving, peer) else {
            // Debug, not warn: one client past its cap must not be able to fill the log.
            tracing::debug!(%peer, "refused a connection: its address is at connections_per_address");
            serving.metrics.refused_at_address_cap();
            let refusal = Refusal::AtAddressCap(serving.rules.address_refusal());
            connections::refuse(socket, serving.tls.as_ref(), &refusal, &serving.rules);
            continue;
        };
        if let Err(error) = socket.set_nodelay(true) {
            tracing::warn!(%error, %peer, "cannot set TCP_NODELAY");
        }
        let connection = (socket, (place, address), peer);
        tokio::spawn(serve_connection(connection, serving.clone(), shutdown.clone()));
    }
}

/// The place a direct client's connection takes among its address's connections (`None`: refused). A
/// connection from a trusted proxy takes it at its first request instead, for the forwarded client.
fn take_direct_address_place(serving: &Serving, peer: SocketAddr) -> Option<AddressPlace> {
    let address = AddressPlace::default();
    if !serving.proxies.trusts(peer.ip().to_canonical()) {
        address.hold(serving.rules.enter_address(peer.ip())?);
    }
    Some(address)
}

async fn serve_connection(
    (socket, (place, address), peer): (TcpStream, (OwnedSemaphorePermit, AddressPlace), SocketAddr),
    serving: Serving,
    shutdown: Shutdown,
) {
    if !connections::first_byte(&socket, serving.rules.first_byte).await {
        tracing::debug!(%peer, "closed a connection that sent nothing");
        return;
    }
    let socket = Counted::new(socket, place, address.clone());
    let Some(acceptor) = serving.tls.clone() else {
        return serve_http(TokioIo::new(socket), (peer, address), serving, shutdown).await;
    };
    let stream = match tokio::time::timeout(serving.rules.tls_handshake, acceptor.accept(socket)).await {
        Ok(Ok(stream)) => stream,
        Ok(Err(error)) => return tracing::debug!(%error, %peer, "TLS handshake failed"),
        Err(_elapsed) => return tracing::debug!(%peer, "TLS handshake timed out"),
    };
    // The first byte so far was the handshake's: HTTP's own must come within the same time.
    let Some(stream) = first_bytes(stream, serving.rules.first_byte).await else {
        return tracing::debug!(%peer, "closed a TLS connection that sent nothing after its handshake");
    };
    serve_http(TokioIo::new(stream), (peer, address), serving, shutdown).await
}

/// Serves HTTP/1.1 (with upgrades) or HTTP/2 on one connection until it ends, has no request in flight
/// for the idle timeout, or the relay shuts down.
async fn serve_http<I>(io: I, (peer, address): (SocketAddr, AddressPlace), serving: Serving, mut shutdown: Shutdown)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let Serving { routes, proxies, rules, metrics, .. } = serving;
    let idle = rules.idle;
    let activity = Activity::new();
    let requests = activity.clone();
    let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
        let client = proxies.client_addr(peer, request.headers());
        let refused = refuse_long_path(request.uri())
            .or_else(|| refuse_forwarded_client_at_cap(&address, &rules, client, &metrics));
        request.extensions_mut().insert(ClientAddr(client));
        crate::upgrade::keep_pending_upgrade(&mut request);
        let in_flight = requests.begin();
        let reply = match refused {
            Some(response) => futures_util::future::Either::Left(std::future::ready(Ok(response))),
            None => futures_util::future::Either::Right(tower_service::Service::call(
                &mut warp::service(routes.clone()),
                request,
            )),
        };
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
            tracing::debug!(%peer, "closing an idle HTTP connection");
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
        tracing::debug!(%error, %peer, "connection ended with an error");
    }
}

/// On a connection from a trusted proxy, its first request takes the connection's place among the
/// forwarded client's connections; past the cap it is answered 503 and the connection closed (as is every
/// later request on it). `None` once the connection holds its place.
fn refuse_forwarded_client_at_cap(
    address: &AddressPlace,
    rules: &ConnectionRules,
    client: SocketAddr,
    metrics: &Metrics,
) -> Option<Response> {
    if address.is_held() {
        return None;
    }
    if let Some(place) = rules.enter_address(client.ip()) {
        address.hold(place);
        return None;
    }
    tracing::debug!(%client, "refused a forwarded request: its client's address is at connections_per_address");
    metrics.refused_at_address_cap();
    let mut response = warp::reply::Response::new(rules.address_refusal().into());
    *response.status_mut() = warp::http::StatusCode::SERVICE_UNAVAILABLE;
    let headers = response.headers_mut();
    headers.insert(warp::http::header::RETRY_AFTER, warp::http::HeaderValue::from_static("5"));
    headers.insert(warp::http::header::CONNECTION, warp::http::HeaderValue::from_static("close"));
    Some(response)
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
