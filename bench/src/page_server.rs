//! The snapshot benchmark's page server, on a free loopback port. It serves the measured pages and the
//! two serializers they load:
//! - `/generated/large-N.html`: the generated large pages ([`crate::large_page`]), made once at start;
//! - `/generated/docs.html`, `/generated/admin.html`: the large pages of [`crate::real_pages`];
//! - `/bench/rrweb.js`: rrweb's bundle (its recorder), as a classic script defining `window.rrweb`;
//! - `/bench/rrweb-snapshot.js`, `/bench/fflate.js`: rrweb-snapshot's and fflate's bundles (fflate is
//!   what @rrweb/packer packs with), as classic scripts;
//! - `/visitor/...`: the benchmarks' copy of the built visitor module (with the `snapshot_frame` export);
//! - `/corpus/...`: the fidelity corpus, whose pages link `../css/...` and `../images/...`;
//! - `/cobrowse.js`: the shim as the relay serves it (bundled from `www/shim/` by `cargo xtask build`);
//! - `/shim/hooks.js`: the shim's hooks module, from `www/`, the object a session's `start()` is given, which
//!   the benchmarks hand to the visitor module's snapshot;
//! - `/bench/blank.html`: an empty page, where a baseline's replayer runs (the `join` section);
//! - `/upstream/...`: the `upstream` section's documentation page and its same-origin stylesheets, fonts and
//!   images, one of them behind a cookie ([`crate::upstream_site`]);
//! - anything else from `www/`: the demo shop at `/demo/`.

use crate::upstream_site::{self, UpstreamSite};
use crate::{large_page, paths, real_pages, snapshot_pages};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::task::JoinHandle;
use warp::{Filter, Rejection, Reply};

/// Where the page loads rrweb-snapshot from.
pub const RRWEB_SNAPSHOT_PATH: &str = "/bench/rrweb-snapshot.js";
/// Where the page loads rrweb's recorder from.
pub const RRWEB_PATH: &str = "/bench/rrweb.js";
/// Where the page loads fflate from.
pub const FFLATE_PATH: &str = "/bench/fflate.js";
/// An empty page.
pub const BLANK_PATH: &str = "/bench/blank.html";
/// Where the page imports the visitor module from, and its wasm.
pub const VISITOR_MODULE_PATH: &str = "/visitor/cobrowse_visitor.js";
pub const VISITOR_WASM_PATH: &str = "/visitor/cobrowse_visitor_bg.wasm";
/// Where the page imports the shim's hooks from (served from `www/`).
pub const SHIM_HOOKS_PATH: &str = "/shim/hooks.js";

/// The running server; it stops when dropped.
pub struct PageServer {
    addr: SocketAddr,
    task: JoinHandle<()>,
    upstream: Arc<UpstreamSite>,
}

impl PageServer {
    /// Starts serving; fails if the visitor module was not built or rrweb-snapshot is not installed.
    pub async fn start() -> cobrowse_e2e::Result<Self> {
        let rrweb_path = paths::rrweb_snapshot_bundle();
        let rrweb = std::fs::read(&rrweb_path).map_err(|error| {
            format!("the baseline {} is missing ({error}): run `cargo xtask setup`", rrweb_path.display())
        })?;
        let fflate_path = paths::fflate_bundle();
        let fflate = std::fs::read(&fflate_path).map_err(|error| {
            format!("the baseline {} is missing ({error}): run `cargo xtask setup`", fflate_path.display())
        })?;
        let recorder_path = paths::rrweb_bundle();
        let recorder = std::fs::read(&recorder_path).map_err(|error| {
            format!("the baseline {} is missing ({error}): run `cargo xtask setup`", recorder_path.display())
        })?;
        let visitor = paths::built_visitor_dir()?;
        let shim = Some(paths::built_site_dir()?.join("cobrowse.js")).filter(|path| path.is_file());
        let shim = shim.ok_or("no bundled cobrowse.js in the built site: run `cargo xtask build`")?;
        let corpus = paths::corpus_dir().unwrap_or_else(|| paths::workspace().join("no-corpus"));
        let upstream = Arc::new(UpstreamSite::load());
        let routes = generated_pages()
            .or(upstream_site::routes(upstream.clone()))
            .or(warp::path!("bench" / "rrweb-snapshot.js").map(move || classic_script(rrweb.clone())))
            .or(warp::path!("bench" / "fflate.js").map(move || classic_script(fflate.clone())))
            .or(warp::path!("bench" / "rrweb.js").map(move || classic_script(recorder.clone())))
            .or(warp::path!("bench" / "blank.html").map(|| warp::reply::html(BLANK_PAGE).into_response()))
            .or(warp::path("visitor").and(warp::fs::dir(visitor)))
            .or(warp::path!("cobrowse.js").and(warp::fs::file(shim)))
            .or(warp::path("corpus").and(warp::fs::dir(corpus)))
            .or(warp::fs::dir(paths::www_dir()));
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(warp::serve(warp::get().and(routes)).incoming(listener).run());
        Ok(Self { addr, task, upstream })
    }

    /// The absolute URL of `path` (which starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The `upstream` section's page and files, as served under `/upstream/`.
    pub fn upstream_site(&self) -> &UpstreamSite {
        &self.upstream
    }
}

impl Drop for PageServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The empty page at [`BLANK_PATH`].
const BLANK_PAGE: &str =
    "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Blank</title></head><body></body></html>\n";

/// `/generated/<file>`: the large pages, generated once.
fn generated_pages() -> impl Filter<Extract = (warp::reply::Response,), Error = Rejection> + Clone {
    let mut pages: HashMap<String, String> = snapshot_pages::LARGE_PAGE_ELEMENTS
        .iter()
        .map(|&elements| (snapshot_pages::large_page_file(elements), large_page::html(elements)))
        .collect();
    pages.insert(real_pages::DOCS_FILE.into(), real_pages::docs_html());
    pages.insert(real_pages::ADMIN_FILE.into(), real_pages::admin_html());
    let pages = Arc::new(pages);
    warp::path!("generated" / String).and_then(move |file: String| {
        let page = pages.get(&file).cloned();
        async move {
            match page {
                Some(html) => Ok(warp::reply::html(html).into_response()),
                None => Err(warp::reject::not_found()),
            }
        }
    })
}

/// `bytes` as a JavaScript file (the bundle's `.cjs` name would not say so).
fn classic_script(bytes: Vec<u8>) -> warp::reply::Response {
    warp::reply::with_header(bytes, "content-type", "text/javascript; charset=utf-8").into_response()
}
