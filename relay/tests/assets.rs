//! The asset cache over real sockets: a visitor uploads a resource the agent cannot fetch itself, agents
//! are told where the relay serves it, and `/assets/{token}/{hash}` serves it for as long as the session
//! lives — deduplicated, within its limits, and never to a guessed or stale URL.

mod common;

use bytes::Bytes;
use cobrowse_protocol::message::encode_asset;
use cobrowse_protocol::{close, AssetUpload, Control};
use common::*;
use std::net::SocketAddr;

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|byte| format!("{byte:02x}")).collect()
}

fn asset(url: &str, mime: &str, bytes: &[u8]) -> Bytes {
    Bytes::from(encode_asset(&AssetUpload { url: url.into(), mime: mime.into(), bytes: bytes.to_vec() }))
}

/// The path of the next `Control::Asset` the agent gets, checking it names `url`.
async fn announced_path(agent: &mut Socket, url: &str) -> String {
    match next_control(agent).await {
        Control::Asset { url: announced, path } => {
            assert_eq!(announced, url);
            path
        }
        other => panic!("expected Asset for {url}, got {other:?}"),
    }
}

/// `/assets/{32 hex}/{64 hex}`: the token and the hash.
fn token_and_hash(path: &str) -> (&str, &str) {
    let rest = path.strip_prefix("/assets/").unwrap_or_else(|| panic!("{path} is not under /assets/"));
    let (token, hash) = rest.split_once('/').unwrap();
    assert_eq!(token.len(), 32, "a 128-bit token: {path}");
    assert_eq!(hash.len(), 64, "a SHA-256: {path}");
    (token, hash)
}

async fn joined_agent(addr: SocketAddr) -> (Socket, Socket) {
    let (visitor, key) = start_session(addr).await;
    let agent = join(addr, AGENT, PASSWORD, &key).await;
    (visitor, agent)
}

#[tokio::test]
async fn an_uploaded_asset_is_announced_to_agents_and_served_with_its_type() {
    let relay = start(|_| {}).await;
    let (mut visitor, mut agent) = joined_agent(relay.addr).await;
    let png = b"\x89PNG\r\n\x1a\n not really";
    send(&mut visitor, asset("https://shop.test/me/avatar.png", "image/png", png)).await;
    let path = announced_path(&mut agent, "https://shop.test/me/avatar.png").await;
    let (_, hash) = token_and_hash(&path);
    assert_eq!(hash, sha256_hex(png), "the path names the bytes' SHA-256");

    let response = get(relay.addr, &path).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.body, png);
    assert_eq!(response.header("content-type"), Some("image/png"));
    assert!(
        response.header("cache-control").is_some_and(|value| value.starts_with("private")),
        "{:?}",
        response.headers
    );
    assert_eq!(response.header("x-content-type-options"), Some("nosniff"));
    assert!(response.header("content-security-policy").is_some_and(|value| value.contains("sandbox")));

    send(&mut visitor, asset("https://shop.test/page.html", "text/html", b"<script>alert(1)</script>")).await;
    let path = announced_path(&mut agent, "https://shop.test/page.html").await;
    let response = get(relay.addr, &path).await;
    assert_eq!(response.header("content-type"), Some("application/octet-stream"), "never served as a page");
    drop((visitor, agent));
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn the_same_bytes_under_two_urls_are_stored_once() {
    // Room for 10 bytes: the same 6 bytes twice fit only if stored once.
    let relay = start(|config| {
        config.max_asset_bytes = 10;
        config.session_asset_bytes = 10;
    })
    .await;
    let (mut visitor, mut agent) = joined_agent(relay.addr).await;
    send(&mut visitor, asset("https://shop.test/a.png", "image/png", b"sixsix")).await;
    let first = announced_path(&mut agent, "https://shop.test/a.png").await;
    send(&mut visitor, asset("https://shop.test/copy-of-a.png", "image/png", b"sixsix")).await;
    let second = announced_path(&mut agent, "https://shop.test/copy-of-a.png").await;
    assert_eq!(first, second, "the same bytes have one path");
    send(&mut visitor, asset("https://shop.test/a.png", "image/png", b"sixsix")).await;

    send(&mut visitor, asset("https://shop.test/other.png", "image/png", b"other!")).await;
    send(&mut visitor, asset("https://shop.test/small.png", "image/png", b"tiny")).await;
    // No announcement for the repeat (nothing new) nor for other.png (6 + 6 > 10): small.png's comes next.
    let small = announced_path(&mut agent, "https://shop.test/small.png").await;
    assert_eq!(get(relay.addr, &small).await.body, b"tiny");
    drop((visitor, agent));
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn an_asset_over_the_limit_is_dropped_and_the_visitor_stays_connected() {
    let relay = start(|config| config.max_asset_bytes = 8).await;
    let (mut visitor, mut agent) = joined_agent(relay.addr).await;
    send(&mut visitor, asset("https://shop.test/huge.png", "image/png", b"nine byte")).await;
    send(&mut visitor, asset("https://shop.test/fits.png", "image/png", b"eight by")).await;
    announced_path(&mut agent, "https://shop.test/fits.png").await;
    let live = snapshot("still here");
    send(&mut visitor, live.clone()).await;
    assert_eq!(next_binary(&mut agent).await, live, "the session goes on");
    drop((visitor, agent));
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn a_late_agent_gets_the_mappings_before_the_kept_snapshot() {
    let relay = start(|_| {}).await;
    let (mut visitor, key) = start_session(relay.addr).await;
    let mut early = join(relay.addr, AGENT, PASSWORD, &key).await;
    let page = snapshot("page with a blob image");
    send(&mut visitor, page.clone()).await;
    send(&mut visitor, asset("blob:https://shop.test/5f0c", "image/webp", b"webp bytes")).await;
    let after = delta("after the asset");
    send(&mut visitor, after.clone()).await;
    // The relay has handled the visitor's frames once the early agent has them all, in order.
    assert_eq!(next_binary(&mut early).await, page);
    let early_path = announced_path(&mut early, "blob:https://shop.test/5f0c").await;
    assert_eq!(next_binary(&mut early).await, after);

    let mut late = join(relay.addr, OTHER_AGENT, OTHER_PASSWORD, &key).await;
    assert_eq!(announced_path(&mut late, "blob:https://shop.test/5f0c").await, early_path);
    assert_eq!(next_binary(&mut late).await, page);
    assert_eq!(next_binary(&mut late).await, after);
    drop((visitor, early, late));
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn unknown_tokens_and_hashes_are_404_with_a_reason() {
    let relay = start(|_| {}).await;
    let (mut visitor, mut agent) = joined_agent(relay.addr).await;
    send(&mut visitor, asset("https://shop.test/a.png", "image/png", b"abc")).await;
    let path = announced_path(&mut agent, "https://shop.test/a.png").await;
    let (token, hash) = token_and_hash(&path);

    let guessed = get(relay.addr, &format!("/assets/{}/{hash}", "0".repeat(32))).await;
    assert_eq!(guessed.status, 404);
    assert!(String::from_utf8_lossy(&guessed.body).contains("asset token"), "{:?}", guessed.body);
    let other_hash = get(relay.addr, &format!("/assets/{token}/{}", "e".repeat(64))).await;
    assert_eq!(other_hash.status, 404);
    assert!(String::from_utf8_lossy(&other_hash.body).contains("no asset with this hash"));
    assert_eq!(get(relay.addr, &format!("/assets/{token}/..%2F..%2Fetc%2Fpasswd")).await.status, 404);
    drop((visitor, agent));
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn assets_are_gone_once_the_session_ends() {
    let relay = start(|_| {}).await;
    let (mut visitor, mut agent) = joined_agent(relay.addr).await;
    send(&mut visitor, asset("https://shop.test/a.css", "text/css", b"p { color: red }")).await;
    let path = announced_path(&mut agent, "https://shop.test/a.css").await;
    let served = get(relay.addr, &path).await;
    assert_eq!((served.status, served.header("content-type")), (200, Some("text/css; charset=utf-8")));

    send(&mut visitor, control(&Control::EndSession)).await;
    let (code, _) = expect_close_after(&mut visitor, |_agent_joined| {}).await;
    assert_eq!(code, close::NORMAL);
    let (code, _) = expect_close(&mut agent).await;
    assert_eq!(code, close::SESSION_ENDED);
    let gone = get(relay.addr, &path).await;
    assert_eq!(gone.status, 404);
    assert!(String::from_utf8_lossy(&gone.body).contains("ended"));
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn agents_may_not_upload_assets() {
    let relay = start(|_| {}).await;
    let (visitor, mut agent) = joined_agent(relay.addr).await;
    send(&mut agent, asset("https://x/a.png", "image/png", b"a")).await;
    let (code, reason) = expect_close(&mut agent).await;
    assert_eq!(code, close::UNEXPECTED_MESSAGE, "{reason}");
    drop(visitor);
    relay.handle.shutdown().await;
}
