//! The plain-HTTP listener beside HTTPS: every request is answered with a permanent redirect (308, which
//! keeps the method and body) to the same path on HTTPS, except `/healthz`, which a load balancer may probe
//! on either port.
//!
//! The redirect goes to the host the browser asked for (its `Host` header, without the port) on the
//! port HTTPS is served on. A request without a usable `Host` is answered 400: there is nowhere to send it.

use crate::routes::healthz;
use warp::filters::BoxedFilter;
use warp::http::header::{CACHE_CONTROL, LOCATION};
use warp::http::uri::Authority;
use warp::http::{HeaderValue, StatusCode};
use warp::path::FullPath;
use warp::reply::Response;
use warp::{Filter, Reply};

/// The redirect listener's routes, for HTTPS served on `https_port`.
pub(crate) fn routes(https_port: u16) -> BoxedFilter<(Response,)> {
    healthz().or(to_https(https_port)).unify().boxed()
}

fn to_https(https_port: u16) -> BoxedFilter<(Response,)> {
    warp::header::optional::<String>("host")
        .and(warp::path::full())
        .and(warp::query::raw().or(warp::any().map(String::new)).unify())
        .map(move |host: Option<String>, path: FullPath, query: String| {
            match https_location(host.as_deref(), path.as_str(), &query, https_port) {
                Some(location) => redirect(location),
                None => warp::reply::with_status(
                    "this port only redirects to HTTPS, and needs a Host header to know where to",
                    StatusCode::BAD_REQUEST,
                )
                .into_response(),
            }
        })
        .boxed()
}

/// `https://HOST[:PORT]/PATH[?QUERY]` for a request to `host` (a `Host` header, with or without a port).
fn https_location(host: Option<&str>, path: &str, query: &str, https_port: u16) -> Option<HeaderValue> {
    let authority: Authority = host?.parse().ok()?;
    let host = authority.host();
    if host.is_empty() || authority.as_str().contains('@') {
        return None;
    }
    let port = if https_port == 443 { String::new() } else { format!(":{https_port}") };
    let query = if query.is_empty() { String::new() } else { format!("?{query}") };
    HeaderValue::from_str(&format!("https://{host}{port}{path}{query}")).ok()
}

fn redirect(location: HeaderValue) -> Response {
    let mut response =
        warp::reply::with_status("this site is served over HTTPS", StatusCode::PERMANENT_REDIRECT).into_response();
    response.headers_mut().insert(LOCATION, location);
    response.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn location(host: Option<&str>, path: &str, query: &str, port: u16) -> Option<String> {
        https_location(host, path, query, port).map(|value| value.to_str().unwrap().to_owned())
    }

    #[test]
    fn the_redirect_keeps_host_path_and_query_and_takes_the_https_port() {
        assert_eq!(location(Some("shop.example"), "/demo/", "", 443).as_deref(), Some("https://shop.example/demo/"));
        assert_eq!(
            location(Some("shop.example:80"), "/a/b", "x=1&y=2", 443).as_deref(),
            Some("https://shop.example/a/b?x=1&y=2")
        );
        assert_eq!(location(Some("127.0.0.1:8080"), "/", "", 8443).as_deref(), Some("https://127.0.0.1:8443/"));
        assert_eq!(location(Some("[::1]:80"), "/", "", 443).as_deref(), Some("https://[::1]/"));
    }

    #[test]
    fn without_a_usable_host_there_is_no_redirect() {
        assert_eq!(location(None, "/", "", 443), None);
        assert_eq!(location(Some(""), "/", "", 443), None);
        assert_eq!(location(Some("evil.example/x"), "/", "", 443), None);
        assert_eq!(location(Some("user@evil.example"), "/", "", 443), None);
    }
}
