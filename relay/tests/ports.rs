//! Which addresses the relay serves and how: HTTPS beside a plain-HTTP listener that only redirects,
//! plain HTTP refused on public addresses unless asked for, and paths too long to serve.

mod captured_logs;
mod common;

use captured_logs::CapturedLogs;
use cobrowse_relay::{spawn, spawn_with, Config, Listen, ServeError};
use common::*;
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tracing::Level;

const LOOPBACK_ANY_PORT: &str = "127.0.0.1:0";

fn any_port() -> SocketAddr {
    LOOPBACK_ANY_PORT.parse().unwrap()
}

/// The test config with a fresh self-signed certificate for localhost.
fn config_with_tls(dir: &std::path::Path) -> Config {
    let (tls, _certified) = common::tls::self_signed(dir);
    let mut config = test_config(dir);
    config.tls = Some(tls);
    config
}

/// Sends `head` (the request line and headers, each line ending in `\r\n`, without the blank line) and
/// returns the response.
async fn request(addr: SocketAddr, head: &str) -> HttpResponse {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request = format!("{head}Connection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(PATIENCE, stream.read_to_end(&mut raw)).await.expect("the response arrives").unwrap();
    HttpResponse::parse(&raw)
}

#[tokio::test]
async fn plain_http_redirects_every_path_to_https_except_the_health_check() {
    init_logs();
    let dir = tempfile::tempdir().unwrap();
    write_static_files(dir.path());
    let listen = Listen { main: any_port(), redirect: Some(any_port()) };
    let relay = spawn_with(config_with_tls(dir.path()), listen).await.unwrap();
    let https_port = relay.local_addr().port();
    let redirect = relay.redirect_addr().expect("a redirect listener");
    assert_ne!(redirect, relay.local_addr());

    let response = request(redirect, "GET /demo/index.html?x=1&y=2 HTTP/1.1\r\nHost: shop.example\r\n").await;
    assert_eq!(response.status, 308);
    let expected = format!("https://shop.example:{https_port}/demo/index.html?x=1&y=2");
    assert_eq!(response.header("location"), Some(expected.as_str()));

    // Any path and any method, the port of the Host header replaced by the HTTPS port.
    let response = request(redirect, "POST /ws/agent HTTP/1.1\r\nHost: 127.0.0.1:80\r\nContent-Length: 0\r\n").await;
    assert_eq!(response.status, 308);
    assert_eq!(response.header("location"), Some(format!("https://127.0.0.1:{https_port}/ws/agent").as_str()));
    let response = request(redirect, "GET /no/such/file HTTP/1.1\r\nHost: relay.test\r\n").await;
    assert_eq!(response.status, 308);

    let response = request(redirect, "GET /healthz HTTP/1.1\r\nHost: relay.test\r\n").await;
    assert_eq!((response.status, response.body.as_slice()), (200, &b"ok"[..]));

    // Without a Host header there is nowhere to send the browser.
    let response = request(redirect, "GET / HTTP/1.0\r\n").await;
    assert_eq!(response.status, 400);

    relay.shutdown().await;
}

#[tokio::test]
async fn spawn_serves_one_address_and_a_redirect_needs_tls() {
    init_logs();
    let dir = tempfile::tempdir().unwrap();
    let relay = spawn(config_with_tls(dir.path()), any_port()).await.unwrap();
    assert_eq!(relay.redirect_addr(), None);
    relay.shutdown().await;

    let listen = Listen { main: any_port(), redirect: Some(any_port()) };
    let error = spawn_with(test_config(dir.path()), listen).await.err().expect("no redirect without TLS");
    assert!(matches!(error, ServeError::RedirectWithoutTls), "{error}");
    assert!(error.to_string().contains("certificate"), "{error}");
}

#[tokio::test]
async fn plain_http_is_refused_on_a_public_address_unless_asked_for() {
    init_logs();
    let dir = tempfile::tempdir().unwrap();
    let public: SocketAddr = "0.0.0.0:0".parse().unwrap();

    let error = spawn(test_config(dir.path()), public).await.err().expect("plain HTTP on 0.0.0.0 is refused");
    let message = error.to_string();
    assert!(matches!(error, ServeError::PlainPublic { .. }), "{message}");
    for hint in ["0.0.0.0", "--tls-cert", "--dev-tls", "127.0.0.1", "--insecure-public"] {
        assert!(message.contains(hint), "{hint:?} missing from: {message}");
    }

    let mut config = test_config(dir.path());
    config.insecure_public = true;
    let relay = spawn(config, public).await.expect("allowed when asked for");
    relay.shutdown().await;

    let relay = spawn(config_with_tls(dir.path()), public).await.expect("any address is fine with TLS");
    relay.shutdown().await;

    let relay = spawn(test_config(dir.path()), any_port()).await.expect("loopback is fine without TLS");
    relay.shutdown().await;
}

#[tokio::test]
async fn paths_too_long_to_serve_are_not_found_or_too_long_and_logged_quietly() {
    let logs = CapturedLogs::start();
    let relay = start(|_| {}).await;

    let long_name = "a".repeat(300);
    let response = get(relay.addr, &format!("/demo/{long_name}")).await;
    assert_eq!(response.status, 404);
    let response = get(relay.addr, &format!("/{long_name}")).await;
    assert_eq!(response.status, 404);
    let response = get(relay.addr, &"/demo/x".repeat(1000)).await;
    assert_eq!(response.status, 414);
    let response = get(relay.addr, &format!("/healthz?{}", "q".repeat(5000))).await;
    assert_eq!(response.status, 414);
    // Ordinary paths are served as before.
    assert_eq!(get(relay.addr, "/demo/").await.status, 200);
    assert_eq!(get(relay.addr, "/demo/missing.html").await.status, 404);

    let events = logs.events();
    let loud: Vec<_> = events.iter().filter(|event| event.level <= Level::WARN).collect();
    assert!(loud.is_empty(), "logged above debug: {loud:?}");
    let refusals: Vec<_> = events.iter().filter(|event| event.fields.contains("path too long")).collect();
    assert_eq!(refusals.len(), 4, "{events:?}");
    for refusal in refusals {
        assert_eq!(refusal.level, Level::DEBUG);
        assert!(refusal.fields.len() < 600, "the path is logged bounded: {}", refusal.fields);
    }
}
