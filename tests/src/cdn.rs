//! A third origin, like a CDN: stylesheets, images and a font for the fidelity test's cross-origin page (and
//! the font the relay fetches in `tests/asset_fetch.rs`, the CDN listed in the site's `asset_origins`).
//!
//! It serves `tests/pages/fidelity/cdn/` and `/font.ttf` (a font installed on the machine) on its own
//! loopback port. Like a CDN configured for one customer, it grants CORS (`Access-Control-Allow-Origin`)
//! only to the visitor's site: the visitor's page may read its stylesheet's rules (`<link crossorigin>`)
//! and use its font, while the agent's viewer, on the relay's origin, is refused both. Images are public.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use warp::http::{header, Response, StatusCode};
use warp::Filter;

/// Fonts tried for `/font.ttf`, in order: one distinct from Chromium's default sans-serif and monospace.
const FONT_CANDIDATES: [&str; 3] = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSerif-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
];

/// A bound, not yet serving, third origin: its origin is needed before the pages that name it are served.
pub struct CdnListener {
    listener: TcpListener,
    addr: SocketAddr,
}

/// The serving third origin; it stops when dropped.
pub struct Cdn {
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl CdnListener {
    /// Binds a free loopback port.
    pub async fn bind() -> crate::error::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        Ok(Self { listener, addr })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Serves the CDN's files, granting CORS to `site_origin` only.
    pub fn serve(self, site_origin: &str) -> Cdn {
        let allowed = site_origin.to_string();
        let root = crate::paths::fidelity_pages_dir().join("cdn");
        let routes = warp::get().and(warp::path::tail()).and(warp::header::optional::<String>("origin")).map(
            move |tail: warp::path::Tail, origin: Option<String>| {
                let granted = origin.filter(|origin| *origin == allowed);
                serve(&root, tail.as_str(), granted)
            },
        );
        let task = tokio::spawn(warp::serve(routes).incoming(self.listener).run());
        Cdn { addr: self.addr, task }
    }
}

impl Cdn {
    /// `http://127.0.0.1:PORT`.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Cdn {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// One file, with `Access-Control-Allow-Origin: granted` when the request came from the allowed origin.
fn serve(root: &Path, tail: &str, granted: Option<String>) -> Response<Vec<u8>> {
    let bytes = match tail {
        "font.ttf" => font_path().and_then(|path| std::fs::read(path).ok()),
        _ if is_safe(tail) => std::fs::read(root.join(tail)).ok(),
        _ => None,
    };
    let Some(bytes) = bytes else {
        return crate::site::respond(StatusCode::NOT_FOUND, "text/plain; charset=utf-8", b"not found".to_vec());
    };
    let mut response = crate::site::respond(StatusCode::OK, crate::site::content_type(tail), bytes);
    let headers = response.headers_mut();
    headers.insert(header::VARY, header::HeaderValue::from_static("Origin"));
    if let Some(origin) = granted.and_then(|origin| header::HeaderValue::from_str(&origin).ok()) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    }
    response
}

/// A plain relative path: no `..`, no hidden files, not empty.
fn is_safe(tail: &str) -> bool {
    !tail.is_empty() && !tail.split('/').any(|part| part.is_empty() || part == ".." || part.starts_with('.'))
}

/// The first installed font of [`FONT_CANDIDATES`].
fn font_path() -> Option<PathBuf> {
    FONT_CANDIDATES.iter().map(PathBuf::from).find(|path| path.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cors_is_granted_only_when_asked_by_the_allowed_origin() {
        let root = crate::paths::fidelity_pages_dir().join("cdn");
        let granted = serve(&root, "fidelity.css", Some("http://127.0.0.1:1".into()));
        assert_eq!(granted.status(), StatusCode::OK);
        assert_eq!(granted.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN], "http://127.0.0.1:1");
        let refused = serve(&root, "fidelity.css", None);
        assert!(!refused.headers().contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN));
        assert_eq!(serve(&root, "../cdn/fidelity.css", None).status(), StatusCode::NOT_FOUND);
    }
}
