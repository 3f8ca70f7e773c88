//! The WebSocket upgrade of `/ws/visitor` and `/ws/agent`, done by the relay rather than by `warp::ws()`,
//! so that each socket gets the relay's [`WebSocketConfig`] (`websocket.rs`: small read buffers, writes
//! one fragment at a time), which warp 0.4 cannot set.
//!
//! The checks are warp's: a `GET` with `Upgrade: websocket`, `Sec-WebSocket-Version: 13` and a
//! `Sec-WebSocket-Key` (else warp's 400 rejections), and `Connection` naming `upgrade` (else a 400 that
//! says so). The answer is the same `101 Switching Protocols`; the socket is handed to the handler on a
//! task of its own once hyper has switched the connection over.
//!
//! hyper leaves the connection's pending upgrade ([`OnUpgrade`], which cannot be cloned) in the request's
//! extensions, where a warp filter cannot take it; the accept loop moves it into a [`PendingUpgrade`]
//! first ([`keep_pending_upgrade`]), which this filter takes it from.

use crate::websocket::WebSocket;
use hyper::upgrade::OnUpgrade;
use hyper_util::rt::TokioIo;
use std::future::Future;
use std::sync::{Arc, Mutex};
use tokio_tungstenite_warp::WebSocketStream;
use tungstenite::handshake::derive_accept_key;
use tungstenite::protocol::{Role, WebSocketConfig};
use warp::http::header::{HeaderValue, CONNECTION, SEC_WEBSOCKET_ACCEPT, UPGRADE};
use warp::http::{Request, StatusCode};
use warp::reply::Response;
use warp::{Filter, Reply};

/// A request's pending upgrade, movable out of a shared reference (a warp extension must be `Clone`).
#[derive(Clone)]
pub(crate) struct PendingUpgrade(Arc<Mutex<Option<OnUpgrade>>>);

impl PendingUpgrade {
    fn take(&self) -> Option<OnUpgrade> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take()
    }
}

/// Moves hyper's pending upgrade of `request` (there is one only when the request asks for an upgrade)
/// where [`handshake`] finds it.
pub(crate) fn keep_pending_upgrade<B>(request: &mut Request<B>) {
    if let Some(on_upgrade) = request.extensions_mut().remove::<OnUpgrade>() {
        request.extensions_mut().insert(PendingUpgrade(Arc::new(Mutex::new(Some(on_upgrade)))));
    }
}

/// A WebSocket opening request, checked, not yet answered.
pub(crate) struct Handshake {
    key: String,
    connection_upgrade: bool,
    pending: Option<PendingUpgrade>,
}

/// Matches a WebSocket opening request (warp's checks; see the module doc).
pub(crate) fn handshake() -> impl Filter<Extract = (Handshake,), Error = warp::Rejection> + Clone {
    warp::get()
        .and(warp::header::exact_ignore_case("upgrade", "websocket"))
        .and(warp::header::exact("sec-websocket-version", "13"))
        .and(warp::header::<String>("sec-websocket-key"))
        .and(warp::header::optional::<String>("connection"))
        .and(warp::ext::optional::<PendingUpgrade>())
        .map(|key: String, connection: Option<String>, pending: Option<PendingUpgrade>| Handshake {
            key,
            connection_upgrade: connection.as_deref().is_some_and(names_upgrade),
            pending,
        })
}

/// Whether a `Connection` header's comma-separated options include `upgrade` (Firefox sends
/// `keep-alive, Upgrade`).
fn names_upgrade(connection: &str) -> bool {
    connection.split(',').any(|option| option.trim().eq_ignore_ascii_case("upgrade"))
}

impl Handshake {
    /// Answers `101 Switching Protocols` and runs `serve` with the socket (set up with `config`) once the
    /// connection has switched; a 400 saying what is missing when it cannot switch.
    pub(crate) fn accept<F, R>(self, config: WebSocketConfig, serve: F) -> Response
    where
        F: FnOnce(WebSocket) -> R + Send + 'static,
        R: Future<Output = ()> + Send + 'static,
    {
        if !self.connection_upgrade {
            return bad_request("a WebSocket opening request needs `Connection: Upgrade`: connect with a WebSocket");
        }
        let Some(on_upgrade) = self.pending.as_ref().and_then(PendingUpgrade::take) else {
            return bad_request("this connection cannot be switched to a WebSocket: connect over HTTP/1.1");
        };
        tokio::spawn(async move {
            match on_upgrade.await {
                Ok(upgraded) => {
                    let stream =
                        WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, Some(config)).await;
                    serve(WebSocket::new(stream)).await;
                }
                Err(error) => tracing::debug!(%error, "the WebSocket upgrade failed"),
            }
        });
        let mut response = Response::default();
        *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
        let headers = response.headers_mut();
        headers.insert(CONNECTION, HeaderValue::from_static("upgrade"));
        headers.insert(UPGRADE, HeaderValue::from_static("websocket"));
        let accept = derive_accept_key(self.key.as_bytes());
        headers.insert(SEC_WEBSOCKET_ACCEPT, HeaderValue::from_str(&accept).expect("base64 is a valid header value"));
        response
    }
}

fn bad_request(message: &'static str) -> Response {
    warp::reply::with_status(message, StatusCode::BAD_REQUEST).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_connection_header_may_name_upgrade_among_other_options() {
        assert!(names_upgrade("Upgrade"));
        assert!(names_upgrade("keep-alive, Upgrade"));
        assert!(names_upgrade("upgrade ,close"));
        assert!(!names_upgrade("keep-alive"));
        assert!(!names_upgrade("upgrades"));
    }

    #[test]
    fn the_accept_key_is_the_rfc_example() {
        // RFC 6455 §1.3.
        assert_eq!(derive_accept_key(b"dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    }

    #[tokio::test]
    async fn a_request_that_cannot_switch_is_told_what_is_missing() {
        let key = "dGhlIHNhbXBsZSBub25jZQ==".to_owned();
        let config = crate::websocket::config(1024);
        let without_connection = Handshake { key: key.clone(), connection_upgrade: false, pending: None };
        let response = without_connection.accept(config, |_socket| async {});
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let without_upgrade = Handshake { key, connection_upgrade: true, pending: None };
        let response = without_upgrade.accept(config, |_socket| async {});
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    }
}
