//! The visitor's website, on its own origin: a small warp server for `www/demo/` and `tests/pages/`.
//!
//! A real customer site is never the relay's origin, so the tests serve it from a different port. HTML
//! pages load the shim as `src="/cobrowse.js"` (right for the relay's own `/demo/`); this server rewrites
//! that to the relay's absolute URL, the way a customer pastes the snippet.
//!
//! Everything is served `Cache-Control: no-store`, which also keeps pages out of Chromium's back/forward
//! cache; `/cached/...` serves the same files as `/pages/...` with `no-cache` instead (revalidated, but
//! allowed into that cache), for the tests of pages restored from it.
//!
//! `/strict/...` serves the same files as `/pages/...` under a strict Content-Security-Policy ([`strict_csp`]:
//! nothing inline, scripts, styles and connections only from the site itself and the relay), as a
//! careful customer's site would: what cobrowse adds to a page must work there with no violation.
//!
//! `/private/...` (files from `tests/pages/private/`) stands for what sits behind a visitor's login: it
//! answers 403 unless the request carries the cookie [`PRIVATE_COOKIE`] (which a test page sets for
//! itself), and every request for it is logged, so a test can tell who fetched what.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tokio::task::JoinHandle;
use warp::http::{header, Response, StatusCode};
use warp::Filter;

/// The cookie (`name=value`) without which `/private/...` answers 403.
pub const PRIVATE_COOKIE: &str = "cobrowse_e2e_login=granted";

/// One request for a `/private/...` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrivateRequest {
    /// The path after `/private/`.
    pub file: String,
    /// Whether it carried [`PRIVATE_COOKIE`].
    pub with_cookie: bool,
    pub status: u16,
}

/// The site server; it stops when dropped.
pub struct Site {
    addr: SocketAddr,
    task: JoinHandle<()>,
    private_requests: Arc<Mutex<Vec<PrivateRequest>>>,
}

impl Site {
    /// Serves `/demo/...` from `www/demo/` and `/pages/...` from `tests/pages/` on a free loopback port,
    /// with the shim loaded from `relay_origin` (e.g. `http://127.0.0.1:4000`).
    pub async fn start(relay_origin: &str) -> crate::error::Result<Self> {
        let private_requests = Arc::new(Mutex::new(Vec::new()));
        let routes = folder("demo", crate::paths::demo_dir(), relay_origin)
            .or(folder("pages", crate::paths::pages_dir(), relay_origin))
            .or(cacheable(folder("cached", crate::paths::pages_dir(), relay_origin)))
            .or(strict(folder("strict", crate::paths::pages_dir(), relay_origin), relay_origin))
            .or(private(crate::paths::pages_dir().join("private"), private_requests.clone()));
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(warp::serve(routes).incoming(listener).run());
        Ok(Self { addr, task, private_requests })
    }

    /// Every request for a `/private/...` file so far.
    pub fn private_requests(&self) -> Vec<PrivateRequest> {
        self.private_requests.lock().expect("the request log").clone()
    }

    /// The site's origin, `http://127.0.0.1:PORT`.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The demo shop's checkout page.
    pub fn demo_url(&self) -> String {
        format!("{}/demo/", self.origin())
    }

    /// A page from `tests/pages/`.
    pub fn page_url(&self, file: &str) -> String {
        format!("{}/pages/{file}", self.origin())
    }

    /// A page from `tests/pages/` served with [`strict_csp`].
    pub fn strict_page_url(&self, file: &str) -> String {
        format!("{}/strict/{file}", self.origin())
    }

    /// A page from `tests/pages/` that the browser may keep in its back/forward cache.
    pub fn cacheable_page_url(&self, file: &str) -> String {
        format!("{}/cached/{file}", self.origin())
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// `GET /<prefix>/<file>` from `root`; `index.html` for the folder itself.
fn folder(
    prefix: &'static str,
    root: PathBuf,
    relay_origin: &str,
) -> impl Filter<Extract = (Response<Vec<u8>>,), Error = warp::Rejection> + Clone {
    let relay_origin = relay_origin.to_string();
    warp::get()
        .and(warp::path(prefix))
        .and(warp::path::tail())
        .map(move |tail: warp::path::Tail| serve_file(&root, tail.as_str(), &relay_origin))
}

/// `filter`'s responses with `Cache-Control: no-cache` instead of `no-store`.
fn cacheable(
    filter: impl Filter<Extract = (Response<Vec<u8>>,), Error = warp::Rejection> + Clone,
) -> impl Filter<Extract = (Response<Vec<u8>>,), Error = warp::Rejection> + Clone {
    filter.map(|mut response: Response<Vec<u8>>| {
        response.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-cache"));
        response
    })
}

/// `filter`'s responses with the header `Content-Security-Policy: `[`strict_csp`].
fn strict(
    filter: impl Filter<Extract = (Response<Vec<u8>>,), Error = warp::Rejection> + Clone,
    relay_origin: &str,
) -> impl Filter<Extract = (Response<Vec<u8>>,), Error = warp::Rejection> + Clone {
    let policy = header::HeaderValue::from_str(&strict_csp(relay_origin)).expect("a policy from a URL is a header");
    filter.map(move |mut response: Response<Vec<u8>>| {
        response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, policy.clone());
        response
    })
}

/// The strict policy: no inline script or style (not even `style="…"` attributes), no `eval`; scripts,
/// styles, images and connections only from the site (`'self'`) and the relay (its `http` and `ws`
/// origins); compiling WebAssembly allowed (`'wasm-unsafe-eval'`, which the recorder needs).
pub fn strict_csp(relay_origin: &str) -> String {
    let relay_socket = relay_origin.replacen("http", "ws", 1);
    format!(
        "default-src 'none'; script-src 'self' {relay_origin} 'wasm-unsafe-eval'; style-src 'self' {relay_origin}; \
         img-src 'self' data: {relay_origin}; font-src 'self'; connect-src 'self' {relay_origin} {relay_socket}; \
         frame-src 'self'; base-uri 'self'; form-action 'self'"
    )
}

/// `GET /private/<file>` from `root`, only with [`PRIVATE_COOKIE`]; each request goes into `log`.
fn private(
    root: PathBuf,
    log: Arc<Mutex<Vec<PrivateRequest>>>,
) -> impl Filter<Extract = (Response<Vec<u8>>,), Error = warp::Rejection> + Clone {
    warp::get().and(warp::path("private")).and(warp::path::tail()).and(warp::header::optional::<String>("cookie")).map(
        move |tail: warp::path::Tail, cookie: Option<String>| {
            let with_cookie = cookie.is_some_and(|cookie| cookie.split(';').any(|c| c.trim() == PRIVATE_COOKIE));
            let response = if with_cookie {
                serve_file(&root, tail.as_str(), "")
            } else {
                respond(StatusCode::FORBIDDEN, "text/plain; charset=utf-8", b"sign in first".to_vec())
            };
            let file = tail.as_str().to_string();
            let status = response.status().as_u16();
            log.lock().expect("the request log").push(PrivateRequest { file, with_cookie, status });
            response
        },
    )
}

/// One file's response: the bytes (HTML rewritten), or 404.
fn serve_file(root: &Path, tail: &str, relay_origin: &str) -> Response<Vec<u8>> {
    let relative = if tail.is_empty() || tail.ends_with('/') { format!("{tail}index.html") } else { tail.into() };
    let safe = !relative.split('/').any(|part| part == ".." || part.starts_with('.'));
    let bytes = if safe { std::fs::read(root.join(&relative)).ok() } else { None };
    let Some(bytes) = bytes else {
        return respond(StatusCode::NOT_FOUND, "text/plain; charset=utf-8", b"not found".to_vec());
    };
    let content_type = content_type(&relative);
    let body = if relative.ends_with(".html") { rewrite_shim_src(&bytes, relay_origin) } else { bytes };
    respond(StatusCode::OK, content_type, body)
}

/// Points the page's `src="/cobrowse.js"` at the relay.
pub fn rewrite_shim_src(html: &[u8], relay_origin: &str) -> Vec<u8> {
    String::from_utf8_lossy(html)
        .replace("src=\"/cobrowse.js\"", &format!("src=\"{relay_origin}/cobrowse.js\""))
        .into_bytes()
}

pub(crate) fn respond(status: StatusCode, content_type: &str, body: Vec<u8>) -> Response<Vec<u8>> {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, content_type)
        .header(header::CACHE_CONTROL, "no-store")
        .body(body)
        .expect("a response from valid parts")
}

pub(crate) fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("gif") => "image/gif",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("webp") => "image/webp",
        Some("ttf") => "font/ttf",
        Some("woff2") => "font/woff2",
        Some("woff") => "font/woff",
        Some("mp4") => "video/mp4",
        Some("webm") => "video/webm",
        Some("wav") => "audio/wav",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shim_src_points_at_the_relay() {
        let page = br#"<script src="/cobrowse.js" data-site="demo" async></script><script src="demo.js"></script>"#;
        let rewritten = String::from_utf8(rewrite_shim_src(page, "http://127.0.0.1:9")).unwrap();
        assert_eq!(
            rewritten,
            r#"<script src="http://127.0.0.1:9/cobrowse.js" data-site="demo" async></script><script src="demo.js"></script>"#
        );
    }

    #[test]
    fn files_outside_the_folder_are_not_served() {
        let response = serve_file(&crate::paths::demo_dir(), "../agent/index.html", "http://x");
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        let response = serve_file(&crate::paths::demo_dir(), "", "http://127.0.0.1:9");
        assert_eq!(response.status(), StatusCode::OK);
        assert!(String::from_utf8_lossy(response.body()).contains("http://127.0.0.1:9/cobrowse.js"));
    }
}
