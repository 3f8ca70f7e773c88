//! The HTTP surface as warp filters: static files, the two WebSocket endpoints, and the health check.
//!
//! | path | from |
//! |---|---|
//! | `/cobrowse.js` | `site_dir/cobrowse.js` (bundled from `www/shim/` by the build), else `www_dir`, CORS `*` |
//! | `/cobrowse.css` | `site_dir/cobrowse.css` (minified by the build), else `www_dir`, CORS `*` |
//! | `/visitor/*` | `site_dir/visitor/`, CORS `*` (a customer's page imports the module and fetches the wasm) |
//! | `/agent/pkg/*` | `site_dir/agent/pkg/` |
//! | `/agent/*` | `www_dir/agent/` (`/agent/` is its `index.html`) |
//! | `/demo/*` | `www_dir/demo/` |
//! | `/healthz` | `ok` |
//! | `/metrics` | the metrics in the Prometheus text format (`metrics.rs`); with `metrics_token` set, only for `Authorization: Bearer TOKEN` |
//! | `/assets/{token}/{hash}` | an asset the visitor of the session with asset token `token` uploaded |
//! | `/ws/visitor?site=SITE&tab=TAB[&resume=1]`, `/ws/agent` | the WebSocket handlers |
//!
//! Assets are sent with their stored type, `Cache-Control: private` (they are the visitor's; the hash in the
//! path makes them immutable), `X-Content-Type-Options: nosniff`, and a `sandbox` content security policy,
//! so even an SVG opened by itself cannot run script on the relay's origin (the viewer's).
//!
//! Static files are sent with `Cache-Control: no-cache` (revalidated each load, so a rebuild shows at
//! once) and with the MIME types browsers insist on for modules and wasm. A file of a folder asked for with
//! a version in its query (`?v=HASH`: the shim loads the visitor package so, the build hashing its content)
//! is sent `public, max-age=31536000, immutable`: the next page takes it from the browser's cache, and a new
//! build asks for new URLs. `/cobrowse.js` and `/cobrowse.css`, whose URLs sites write into their pages, are
//! sent `public, max-age=300`: the pages of one visit take them from the browser's cache (a session loads
//! them on every page), and a new release reaches every visitor within five minutes.
//!
//! A script, stylesheet or wasm module with a precompressed copy beside it (`NAME.gz`, written by `cargo
//! xtask build` with zopfli) is sent as that copy, `Content-Encoding: gzip`, to a browser that accepts gzip
//! (`Vary: Accept-Encoding`): the visitor's download is about 48 KiB instead of 120 KiB.

use crate::assets::{self, StoredAsset};
use crate::state::RelayState;
use crate::upgrade::{self, Handshake};
use crate::{agent, visitor, websocket};
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use warp::filters::BoxedFilter;
use warp::fs::File;
use warp::http::header::{
    HeaderValue, ACCEPT_RANGES, ACCESS_CONTROL_ALLOW_ORIGIN, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_LENGTH,
    CONTENT_SECURITY_POLICY, CONTENT_TYPE, VARY, WWW_AUTHENTICATE, X_CONTENT_TYPE_OPTIONS,
};
use warp::http::StatusCode;
use warp::http::Uri;
use warp::path::FullPath;
use warp::reply::Response;
use warp::{Filter, Reply};

/// The peer's address, put on every request by the accept loop.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ClientAddr(pub SocketAddr);

/// Whether a static file may be read by pages of any origin.
#[derive(Clone, Copy)]
enum Cors {
    AnyOrigin,
    SameOrigin,
}

/// Every route the relay serves.
pub(crate) fn routes(state: Arc<RelayState>) -> BoxedFilter<(Response,)> {
    let www = state.config.www_dir.clone();
    let site = state.config.site_dir.clone();
    node_healthz(state.clone())
        .or(metrics(state.clone()))
        .unify()
        .or(asset(state.clone()))
        .unify()
        .or(visitor_socket(state.clone()))
        .unify()
        .or(agent_socket(state))
        .unify()
        .or(static_files(&www, &site))
        .unify()
        .boxed()
}

pub(crate) fn healthz() -> BoxedFilter<(Response,)> {
    warp::path!("healthz").and(warp::get()).map(|| "ok".into_response()).boxed()
}

/// `GET /healthz` on the main listener: `ok`, or, on a node of a cluster whose engine is unreachable,
/// `degraded: ...` (still 200: the sessions whose visitor and agents are on this node go on).
fn node_healthz(state: Arc<RelayState>) -> BoxedFilter<(Response,)> {
    warp::path!("healthz")
        .and(warp::get())
        .map(move || match state.engine.healthy() {
            true => "ok".into_response(),
            false => {
                "degraded: the cluster engine (Redis) is unreachable; sessions held here go on, new ones wait for it"
                    .into_response()
            }
        })
        .boxed()
}

/// `GET /metrics`: the metrics as text; 401 without the right bearer token when `metrics_token` is set.
fn metrics(state: Arc<RelayState>) -> BoxedFilter<(Response,)> {
    warp::path!("metrics")
        .and(warp::get())
        .and(warp::header::optional::<String>("authorization"))
        .map(move |authorization: Option<String>| {
            if let Some(token) = &state.config.metrics_token {
                let offered = authorization.as_deref().and_then(|value| value.strip_prefix("Bearer "));
                if !offered.is_some_and(|offered| same_secret(offered.trim().as_bytes(), token.as_bytes())) {
                    let mut response = warp::reply::with_status(
                        "this relay's /metrics needs `Authorization: Bearer <metrics_token>`",
                        StatusCode::UNAUTHORIZED,
                    )
                    .into_response();
                    response.headers_mut().insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
                    return response;
                }
            }
            let text = state.metrics.encode(state.registry.live_sessions(), state.registry.asset_bytes_held());
            let text = state.engine.add_figures(text);
            let mut response = Response::new(text.into());
            response.headers_mut().insert(
                CONTENT_TYPE,
                HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
            );
            response.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        })
        .boxed()
}

/// Whether two secrets are equal, in time that does not depend on where they differ.
fn same_secret(offered: &[u8], expected: &[u8]) -> bool {
    offered.len() == expected.len() && offered.iter().zip(expected).fold(0u8, |diff, (a, b)| diff | (a ^ b)) == 0
}

/// How long an agent's browser may reuse an asset without asking again: its path names its bytes.
const ASSET_MAX_AGE_SECS: u32 = 600;

/// `GET /assets/{token}/{hash}`: an asset of a live session, or 404 saying why there is none.
fn asset(state: Arc<RelayState>) -> BoxedFilter<(Response,)> {
    warp::path!("assets" / String / String)
        .and(warp::get().or(warp::head()).unify())
        .map(move |token: String, hash: String| {
            let session = state.registry.find_by_asset_token(&token);
            let found = session.as_ref().filter(|_| assets::is_hash(&hash)).and_then(|session| session.asset(&hash));
            match (session, found) {
                (_, Some(stored)) => asset_reply(stored),
                (None, _) => not_found(
                    "no live cobrowse session has this asset token: the session has ended, and its assets with it",
                ),
                (Some(_), None) => not_found(
                    "this session has no asset with this hash: the visitor never uploaded it, or the relay refused it",
                ),
            }
        })
        .boxed()
}

fn asset_reply(stored: StoredAsset) -> Response {
    let mut response = Response::new(stored.bytes.into());
    let headers = response.headers_mut();
    let content_type = HeaderValue::from_str(&stored.content_type)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    headers.insert(CONTENT_TYPE, content_type);
    let cache = HeaderValue::from_str(&format!("private, max-age={ASSET_MAX_AGE_SECS}")).expect("a valid header");
    headers.insert(CACHE_CONTROL, cache);
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(
        CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'; style-src 'unsafe-inline'"),
    );
    response
}

fn not_found(message: &'static str) -> Response {
    let mut response = warp::reply::with_status(message, StatusCode::NOT_FOUND).into_response();
    response.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[derive(Deserialize)]
struct VisitorQuery {
    site: Option<String>,
    tab: Option<String>,
    /// `resume=1`: the first message continues a session.
    resume: Option<String>,
}

fn visitor_socket(state: Arc<RelayState>) -> BoxedFilter<(Response,)> {
    warp::path!("ws" / "visitor")
        .and(upgrade::handshake())
        .and(warp::query::<VisitorQuery>())
        .and(warp::header::optional::<String>("origin"))
        .and(warp::ext::get::<ClientAddr>())
        .map(move |handshake: Handshake, query: VisitorQuery, origin: Option<String>, ClientAddr(client)| {
            let state = state.clone();
            let resume = query.resume.as_deref().is_some_and(|resume| resume == "1");
            let request = visitor::VisitorRequest { site: query.site, origin, client, tab: query.tab, resume };
            // A message (or a single frame) over `max_frame_bytes` is refused at its header, not read into memory.
            let config = websocket::config(state.config.max_frame_bytes);
            handshake.accept(config, move |socket| visitor::serve(socket, state, request))
        })
        .boxed()
}

fn agent_socket(state: Arc<RelayState>) -> BoxedFilter<(Response,)> {
    warp::path!("ws" / "agent")
        .and(upgrade::handshake())
        .and(warp::ext::get::<ClientAddr>())
        .map(move |handshake: Handshake, ClientAddr(client)| {
            let state = state.clone();
            // Agents send only control messages: their sockets take far less than a visitor's.
            let config = websocket::config(state.config.limits.agent_message_bytes);
            handshake.accept(config, move |socket| agent::serve(socket, state, client))
        })
        .boxed()
}

fn static_files(www: &Path, site: &Path) -> BoxedFilter<(Response,)> {
    let shim = one_file("cobrowse.js", built_or_source("cobrowse.js", www, site), Cors::AnyOrigin);
    let widget_css = one_file("cobrowse.css", built_or_source("cobrowse.css", www, site), Cors::AnyOrigin);
    let visitor_package = folder(warp::path("visitor").boxed(), site.join("visitor"), Cors::AnyOrigin);
    let viewer_package = folder(warp::path!("agent" / "pkg" / ..).boxed(), site.join("agent/pkg"), Cors::SameOrigin);
    let viewer_page = folder(warp::path("agent").boxed(), www.join("agent"), Cors::SameOrigin);
    let demo = folder(warp::path("demo").boxed(), www.join("demo"), Cors::SameOrigin);
    shim.or(widget_css)
        .unify()
        .or(visitor_package)
        .unify()
        .or(viewer_package)
        .unify()
        .or(add_trailing_slash("/agent"))
        .unify()
        .or(viewer_page)
        .unify()
        .or(add_trailing_slash("/demo"))
        .unify()
        .or(demo)
        .unify()
        .boxed()
}

/// The minified copy of `www/NAME` the build writes into the site directory; the source when there is none.
fn built_or_source(name: &str, www: &Path, site: &Path) -> PathBuf {
    let minified = site.join(name);
    if minified.is_file() {
        minified
    } else {
        www.join(name)
    }
}

fn one_file(name: &'static str, path: PathBuf, cors: Cors) -> BoxedFilter<(Response,)> {
    warp::path(name)
        .and(warp::path::end())
        .and(warp::get().or(warp::head()).unify())
        .and(accepts_gzip())
        .and(warp::fs::file(path))
        .then(move |gzip: bool, file: File| static_reply(file, cors, Caching::ShortLived, gzip))
        .boxed()
}

fn folder(prefix: BoxedFilter<()>, dir: PathBuf, cors: Cors) -> BoxedFilter<(Response,)> {
    let versioned = warp::query::raw().or(warp::any().map(String::new)).unify().map(|query: String| {
        if query.split('&').any(|pair| pair.starts_with("v=")) {
            Caching::Immutable
        } else {
            Caching::Revalidate
        }
    });
    prefix
        .and(versioned)
        .and(accepts_gzip())
        .and(warp::fs::dir(dir))
        .then(move |caching: Caching, gzip: bool, file: File| static_reply(file, cors, caching, gzip))
        .boxed()
}

/// `/agent` → `/agent/`, so the page's relative URLs resolve inside its folder.
fn add_trailing_slash(path: &'static str) -> BoxedFilter<(Response,)> {
    warp::get()
        .and(warp::path::full())
        .and_then(move |full: FullPath| async move {
            if full.as_str() == path {
                let location = Uri::try_from(format!("{path}/")).expect("a static path is a valid URI");
                Ok(warp::redirect::found(location).into_response())
            } else {
                Err(warp::reject::not_found())
            }
        })
        .boxed()
}

/// How long a browser may keep a static file without asking again.
#[derive(Clone, Copy)]
enum Caching {
    /// Asked again on every load (`no-cache`), so a rebuild shows at once.
    Revalidate,
    /// Five minutes: the shim and its stylesheet, whose URLs never change.
    ShortLived,
    /// A year: a file asked for with its version (`?v=`), whose URL changes with its content.
    Immutable,
}

impl Caching {
    fn header(self) -> &'static str {
        match self {
            Caching::Revalidate => "no-cache",
            Caching::ShortLived => "public, max-age=300",
            Caching::Immutable => "public, max-age=31536000, immutable",
        }
    }
}

/// Whether the request's `Accept-Encoding` takes gzip (named, and not with `q=0`).
fn accepts_gzip() -> impl Filter<Extract = (bool,), Error = warp::Rejection> + Clone {
    warp::header::optional::<String>("accept-encoding").map(|accepted: Option<String>| {
        accepted.is_some_and(|accepted| {
            accepted.split(',').any(|coding| {
                let mut parts = coding.split(';').map(str::trim);
                let named = parts.next().is_some_and(|name| name.eq_ignore_ascii_case("gzip"));
                let refused = parts.any(|parameter| {
                    let parameter = parameter.replace(' ', "");
                    let quality = parameter.strip_prefix("q=").and_then(|q| q.parse::<f32>().ok());
                    quality == Some(0.0)
                });
                named && !refused
            })
        })
    })
}

/// A static file with its type, caching and CORS headers; its precompressed copy if `gzip` is accepted
/// and there is one.
async fn static_reply(file: File, cors: Cors, caching: Caching, gzip: bool) -> Response {
    let content_type = content_type_for(file.path());
    let compressible = is_compressible(file.path());
    let compressed = if gzip && compressible { precompressed(file.path()).await } else { None };
    let mut response = file.into_response();
    if let Some(compressed) = compressed {
        use_precompressed(&mut response, compressed);
    }
    let headers = response.headers_mut();
    if compressible {
        headers.insert(VARY, HeaderValue::from_static("accept-encoding"));
    }
    if let Some(content_type) = content_type {
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    }
    headers.insert(CACHE_CONTROL, HeaderValue::from_static(caching.header()));
    if let Cors::AnyOrigin = cors {
        headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    }
    response
}

/// Whether the build writes a precompressed copy of files like `path` (scripts, stylesheets, wasm).
fn is_compressible(path: &Path) -> bool {
    path.extension()
        .and_then(|extension| extension.to_str())
        .is_some_and(|extension| matches!(extension, "js" | "mjs" | "css" | "wasm"))
}

/// The bytes of `PATH.gz`, if the build wrote one.
async fn precompressed(path: &Path) -> Option<Vec<u8>> {
    let mut name = path.as_os_str().to_owned();
    name.push(".gz");
    tokio::fs::read(name).await.ok()
}

/// Turns a whole-file response into one of its precompressed copy (a partial or not-modified one stays).
fn use_precompressed(response: &mut Response, compressed: Vec<u8>) {
    if response.status() != StatusCode::OK {
        return;
    }
    let headers = response.headers_mut();
    headers.insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    headers.insert(CONTENT_LENGTH, HeaderValue::from(compressed.len()));
    // Ranges would count bytes of the file, not of its copy.
    headers.remove(ACCEPT_RANGES);
    *response.body_mut() = compressed.into();
}

/// The types browsers require exactly: wasm streaming compilation needs `application/wasm`, and module
/// scripts need a JavaScript type. Other files keep warp's guess.
fn content_type_for(path: &Path) -> Option<&'static str> {
    match path.extension()?.to_str()? {
        "wasm" => Some("application/wasm"),
        "js" | "mjs" => Some("text/javascript"),
        _ => None,
    }
}
