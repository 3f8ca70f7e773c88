//! The relay's HTTP side: the health check and the static files, with their CORS and MIME headers.

mod common;

use common::{get, http_get_with, start};
use std::io::{Read, Write};

#[tokio::test]
async fn healthz_answers_ok() {
    let relay = start(|_| {}).await;
    let response = get(relay.addr, "/healthz").await;
    assert_eq!(response.status, 200);
    assert_eq!(response.body, b"ok");
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn the_shim_and_the_visitor_module_may_be_loaded_from_any_origin() {
    let relay = start(|_| {}).await;
    for (path, body, content_type) in [
        ("/cobrowse.js", &b"// the shim"[..], "text/javascript"),
        ("/cobrowse.css", b".cobrowse-widget {}", "text/css"),
        ("/visitor/cobrowse_visitor.js", b"// visitor module", "text/javascript"),
        ("/visitor/cobrowse_visitor_bg.wasm", b"\0asm visitor", "application/wasm"),
    ] {
        let response = get(relay.addr, path).await;
        assert_eq!(response.status, 200, "{path}");
        assert_eq!(response.body, body, "{path}");
        assert_eq!(response.header("content-type"), Some(content_type), "{path}");
        assert_eq!(response.header("access-control-allow-origin"), Some("*"), "{path}");
        let caching = if path.starts_with("/cobrowse.") { "public, max-age=300" } else { "no-cache" };
        assert_eq!(response.header("cache-control"), Some(caching), "{path}");
    }
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn the_visitor_module_asked_for_with_its_version_is_immutable() {
    let relay = start(|_| {}).await;
    for path in ["/visitor/cobrowse_visitor.js?v=0123abcd", "/visitor/cobrowse_visitor_bg.wasm?x=1&v=0123abcd"] {
        let response = get(relay.addr, path).await;
        assert_eq!(response.status, 200, "{path}");
        assert_eq!(response.header("cache-control"), Some("public, max-age=31536000, immutable"), "{path}");
        assert_eq!(response.header("access-control-allow-origin"), Some("*"), "{path}");
    }
    // The shim names the version, so it lives five minutes only; a file asked for without one is revalidated.
    for (path, caching) in
        [("/cobrowse.js?v=0123abcd", "public, max-age=300"), ("/visitor/cobrowse_visitor.js?x=1", "no-cache")]
    {
        let response = get(relay.addr, path).await;
        assert_eq!(response.header("cache-control"), Some(caching), "{path}");
    }
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn the_viewer_and_the_demo_are_served_from_their_folders() {
    let relay = start(|_| {}).await;
    for (path, body, content_type) in [
        ("/agent/", &b"<title>viewer</title>"[..], Some("text/html")),
        ("/agent/viewer.js", b"// the viewer page script", Some("text/javascript")),
        ("/agent/pkg/cobrowse_agent_viewer.js", b"// viewer module", Some("text/javascript")),
        ("/agent/pkg/cobrowse_agent_viewer_bg.wasm", b"\0asm viewer", Some("application/wasm")),
        ("/demo/", b"<title>demo shop</title>", Some("text/html")),
    ] {
        let response = get(relay.addr, path).await;
        assert_eq!(response.status, 200, "{path}");
        assert_eq!(response.body, body, "{path}");
        assert_eq!(response.header("content-type"), content_type, "{path}");
        assert_eq!(response.header("cache-control"), Some("no-cache"), "{path}");
        assert_eq!(response.header("access-control-allow-origin"), None, "{path} is for the relay's own pages");
    }
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn folders_without_a_trailing_slash_redirect_to_it() {
    let relay = start(|_| {}).await;
    for (path, location) in [("/agent", "/agent/"), ("/demo", "/demo/")] {
        let response = get(relay.addr, path).await;
        assert_eq!(response.status, 302, "{path}");
        assert_eq!(response.header("location"), Some(location), "{path}");
    }
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn missing_files_and_escapes_are_not_found() {
    let relay = start(|_| {}).await;
    for path in [
        "/nothing",
        "/visitor/missing.wasm",
        "/agent/pkg/missing.js",
        "/demo/../cobrowse.js",
        "/visitor/%2e%2e/visitor/cobrowse_visitor.js",
    ] {
        let response = get(relay.addr, path).await;
        assert_eq!(response.status, 404, "{path}");
    }
    relay.handle.shutdown().await;
}

/// `text` gzipped, as the build's precompressed copies are.
fn gzipped(text: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(text).unwrap();
    encoder.finish().unwrap()
}

#[tokio::test]
async fn a_precompressed_copy_is_sent_to_browsers_that_accept_gzip() {
    let relay = start(|_| {}).await;
    let wasm = b"\0asm visitor".repeat(40);
    let site = relay.dir.path().join("site/visitor");
    std::fs::write(site.join("cobrowse_visitor_bg.wasm"), &wasm).unwrap();
    std::fs::write(site.join("cobrowse_visitor_bg.wasm.gz"), gzipped(&wasm)).unwrap();
    std::fs::write(relay.dir.path().join("www/cobrowse.js.gz"), gzipped(b"// the shim")).unwrap();

    for (path, original) in
        [("/visitor/cobrowse_visitor_bg.wasm?v=1", wasm.as_slice()), ("/cobrowse.js", b"// the shim")]
    {
        let stream = tokio::net::TcpStream::connect(relay.addr).await.unwrap();
        let compressed = http_get_with(stream, path, "Accept-Encoding: br, gzip;q=0.8\r\n").await;
        assert_eq!(compressed.status, 200, "{path}");
        assert_eq!(compressed.header("content-encoding"), Some("gzip"), "{path}");
        assert_eq!(compressed.header("vary"), Some("accept-encoding"), "{path}");
        assert_eq!(compressed.header("content-length"), Some(compressed.body.len().to_string().as_str()));
        let mut decoded = Vec::new();
        flate2::read::GzDecoder::new(compressed.body.as_slice()).read_to_end(&mut decoded).unwrap();
        assert_eq!(decoded, original, "{path}");

        let stream = tokio::net::TcpStream::connect(relay.addr).await.unwrap();
        let refused = http_get_with(stream, path, "Accept-Encoding: gzip;q=0, identity\r\n").await;
        assert_eq!(refused.header("content-encoding"), None, "{path}");
        assert_eq!(refused.body, original, "{path}");
        let plain = get(relay.addr, path).await;
        assert_eq!((plain.header("content-encoding"), plain.body.as_slice()), (None, original), "{path}");
    }
    // Without a copy, a file is sent as it is whatever the browser accepts.
    let stream = tokio::net::TcpStream::connect(relay.addr).await.unwrap();
    let css = http_get_with(stream, "/cobrowse.css", "Accept-Encoding: gzip\r\n").await;
    assert_eq!((css.header("content-encoding"), css.body.as_slice()), (None, &b".cobrowse-widget {}"[..]));
    relay.handle.shutdown().await;
}
