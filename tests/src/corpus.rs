//! The fidelity test's site: the rrweb-snapshot corpus and our own fidelity pages, on their own origin.
//!
//! The corpus pages (`../shared/corpus/rrweb-snapshot/`, read-only) are real-world snapshot cases that
//! name their resources as `/images/...`, `/css/...`, `/html/...`, so the corpus is served at the root.
//! Our own pages are under `/fidelity/` (from `tests/pages/fidelity/`). Every HTML page gets the shim's
//! script tag, the way a customer pastes it, before `</body>` (or at the end when there is none), with a
//! style that hides the shim's widget so the visitor's screenshot shows only the page (it carries
//! `data-cobrowse-ignore`, so it is never mirrored). `__CDN__` in our pages becomes the third origin
//! ([`crate::cdn`]), which this site starts too.
//!
//! `/fidelity/private/...` answers 403 unless the request carries the cookie `fidelity-private=granted`,
//! which every page under `/fidelity/` sets (`Set-Cookie`, HttpOnly, as a login would): like assets behind
//! a customer's login, the agent's browser, which never loads the site's pages, cannot fetch them, so the
//! mirror can only show them through the relay.

use crate::cdn::{Cdn, CdnListener};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use tokio::task::JoinHandle;
use warp::http::{header, Response, StatusCode};
use warp::Filter;

/// The cookie that unlocks `/fidelity/private/`.
pub const PRIVATE_COOKIE: &str = "fidelity-private=granted";
/// The site id in the injected script tag (the e2e relay's site).
const SITE_ID: &str = crate::relay::SITE_ID;

/// The corpus and fidelity pages' server, and the third origin; both stop when dropped.
pub struct FidelitySite {
    addr: SocketAddr,
    task: JoinHandle<()>,
    cdn: Cdn,
}

/// Where a request's file comes from and what is done to it.
#[derive(Clone)]
struct Serving {
    corpus: PathBuf,
    pages: PathBuf,
    relay_origin: String,
    cdn_origin: String,
}

impl FidelitySite {
    /// Starts the site (shim loaded from `relay_origin`) and its third origin, each on a free loopback port.
    pub async fn start(relay_origin: &str) -> crate::error::Result<Self> {
        let cdn_listener = CdnListener::bind().await?;
        let serving = Serving {
            corpus: crate::paths::corpus_dir()?,
            pages: crate::paths::fidelity_pages_dir(),
            relay_origin: relay_origin.to_string(),
            cdn_origin: cdn_listener.origin(),
        };
        let media = media_files(crate::paths::fidelity_pages_dir());
        let pages = warp::get().and(warp::path::tail()).and(warp::header::optional::<String>("cookie")).map(
            move |tail: warp::path::Tail, cookie: Option<String>| serving.respond(tail.as_str(), cookie.as_deref()),
        );
        let routes = media.or(pages);
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(warp::serve(routes).incoming(listener).run());
        let cdn = cdn_listener.serve(&format!("http://{addr}"));
        Ok(Self { addr, task, cdn })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The third origin's `http://127.0.0.1:PORT`.
    pub fn cdn_origin(&self) -> String {
        self.cdn.origin()
    }

    /// The URL of `path` on this site: `html/basic.html` (corpus) or `fidelity/canvas.html` (ours).
    pub fn url(&self, path: &str) -> String {
        format!("{}/{path}", self.origin())
    }
}

impl Drop for FidelitySite {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Serving {
    fn respond(&self, tail: &str, cookie: Option<&str>) -> Response<Vec<u8>> {
        if !is_safe(tail) {
            return not_found();
        }
        if let Some(private) = tail.strip_prefix("fidelity/private/") {
            if !has_private_cookie(cookie) {
                let body = b"forbidden: the fidelity-private cookie is missing".to_vec();
                return crate::site::respond(StatusCode::FORBIDDEN, "text/plain; charset=utf-8", body);
            }
            return self.file(&self.pages.join("private"), private);
        }
        match tail.strip_prefix("fidelity/") {
            Some(own) => with_private_cookie(self.file(&self.pages, own)),
            None => self.file(&self.corpus, tail),
        }
    }

    /// A file from `root`; HTML gets the shim, and `__CDN__` in our own HTML and CSS the third origin.
    fn file(&self, root: &Path, relative: &str) -> Response<Vec<u8>> {
        let Ok(bytes) = std::fs::read(root.join(relative)) else {
            return not_found();
        };
        let content_type = crate::site::content_type(relative);
        let is_html = relative.ends_with(".html");
        let is_text = is_html || relative.ends_with(".css");
        let mut body = bytes;
        if is_text && root.starts_with(&self.pages) {
            body = String::from_utf8_lossy(&body).replace("__CDN__", &self.cdn_origin).into_bytes();
        }
        if is_html {
            body = with_shim(&body, &self.relay_origin);
        }
        crate::site::respond(StatusCode::OK, content_type, body)
    }
}

/// Our media files (`/fidelity/*.wav`, `.mp4`, `.webm`) through warp's file server, which answers Range
/// requests: a browser seeks in media only when the server does.
fn media_files(root: PathBuf) -> impl Filter<Extract = (impl warp::Reply,), Error = warp::Rejection> + Clone {
    warp::get()
        .and(warp::path("fidelity"))
        .and(warp::path::peek())
        .and_then(|peek: warp::path::Peek| async move {
            let is_media = [".wav", ".mp4", ".webm"].iter().any(|ext| peek.as_str().ends_with(ext));
            if is_media {
                Ok(())
            } else {
                Err(warp::reject::not_found())
            }
        })
        .untuple_one()
        .and(warp::fs::dir(root))
}

/// The page with the shim's tag and the widget-hiding style before `</body>`, or appended without one.
pub fn with_shim(html: &[u8], relay_origin: &str) -> Vec<u8> {
    let html = String::from_utf8_lossy(html);
    let tag = format!(
        "<style data-cobrowse-ignore>#cobrowse-widget{{display:none!important}}</style>\
         <script src=\"{relay_origin}/cobrowse.js\" data-site=\"{SITE_ID}\" async></script>"
    );
    let at = html.to_ascii_lowercase().rfind("</body>").unwrap_or(html.len());
    format!("{}{tag}{}", &html[..at], &html[at..]).into_bytes()
}

/// The response with `Set-Cookie` for the private assets (an HTML page only).
fn with_private_cookie(mut response: Response<Vec<u8>>) -> Response<Vec<u8>> {
    let is_html =
        response.headers().get(header::CONTENT_TYPE).is_some_and(|value| value.as_bytes().starts_with(b"text/html"));
    if is_html {
        let cookie = format!("{PRIVATE_COOKIE}; Path=/fidelity/private/; HttpOnly; SameSite=Lax");
        if let Ok(value) = header::HeaderValue::from_str(&cookie) {
            response.headers_mut().insert(header::SET_COOKIE, value);
        }
    }
    response
}

fn has_private_cookie(cookie: Option<&str>) -> bool {
    cookie.is_some_and(|cookie| cookie.split(';').any(|pair| pair.trim() == PRIVATE_COOKIE))
}

/// A plain relative path: no `..`, no hidden files.
fn is_safe(tail: &str) -> bool {
    !tail.split('/').any(|part| part == ".." || part.starts_with('.'))
}

fn not_found() -> Response<Vec<u8>> {
    crate::site::respond(StatusCode::NOT_FOUND, "text/plain; charset=utf-8", b"not found".to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shim_goes_before_the_body_end_or_at_the_end() {
        let page = String::from_utf8(with_shim(b"<body><p>x</p></BODY><script>1</script>", "http://r")).unwrap();
        assert!(page.starts_with("<body><p>x</p><style data-cobrowse-ignore>"), "{page}");
        assert!(page.ends_with("async></script></BODY><script>1</script>"), "{page}");
        let bare = String::from_utf8(with_shim(b"<html foo='bar'>\n</html>", "http://r")).unwrap();
        assert!(bare.ends_with("<script src=\"http://r/cobrowse.js\" data-site=\"demo\" async></script>"));
    }

    #[test]
    fn private_files_need_the_cookie() {
        assert!(!has_private_cookie(None));
        assert!(!has_private_cookie(Some("other=1")));
        assert!(has_private_cookie(Some("a=1; fidelity-private=granted")));
    }
}
