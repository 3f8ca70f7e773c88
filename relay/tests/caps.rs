//! The caps on what one address or one site holds, over real sockets: connections of every kind per
//! address (direct, and behind a trusted proxy), and asset bytes per address and per site.

mod common;

use common::*;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

/// A connection to `relay` from the loopback address `from` (127.0.0.2 is another client than 127.0.0.1).
async fn connect_from(from: &str, relay: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::new(from.parse().unwrap(), 0)).unwrap();
    socket.connect(relay).await.unwrap()
}

/// Everything the relay sends on `connection` until it closes it.
async fn read_until_closed(mut connection: TcpStream) -> String {
    let mut answer = Vec::new();
    tokio::time::timeout(PATIENCE, connection.read_to_end(&mut answer)).await.expect("answered in time").unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

/// The value of a `cobrowse_refused_connections_total` counter, 0 when absent.
async fn refused_total(relay: SocketAddr, reason: &str) -> u64 {
    let metrics = get(relay, "/metrics").await;
    let text = String::from_utf8_lossy(&metrics.body).into_owned();
    let name = format!("cobrowse_refused_connections_total{{reason=\"{reason}\"}} ");
    text.lines().find_map(|line| line.strip_prefix(&name)).map_or(0, |count| count.parse().unwrap())
}

#[tokio::test]
async fn one_address_holds_at_most_its_connections_of_any_kind_and_others_are_served() {
    let relay = start(|config| config.limits.connections_per_address = 3).await;
    let (visitor, _key) = start_session(relay.addr).await;
    let agent = connect_agent(relay.addr).await;
    let held = TcpStream::connect(relay.addr).await.unwrap();
    let refused = TcpStream::connect(relay.addr).await.unwrap();
    let answer = read_until_closed(refused).await;
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("this address has 3 connections open") && answer.contains("connections_per_address"));

    let other = connect_from("127.0.0.2", relay.addr).await;
    assert_eq!(http_get(other, "/healthz").await.status, 200, "another address is served meanwhile");
    drop((held, agent));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(refused_total(relay.addr, "connections_per_address").await, 1, "places are given back, and counted");
    drop(visitor);
    relay.handle.shutdown().await;
}

/// A keep-alive connection through the "proxy" (this test, from 127.0.0.1) for `client`, after its first
/// request's answer; the answer itself if it was not a 200.
async fn proxied(relay: SocketAddr, client: &str) -> Result<TcpStream, String> {
    let mut connection = TcpStream::connect(relay).await.unwrap();
    let request = format!("GET /healthz HTTP/1.1\r\nHost: relay.test\r\nX-Forwarded-For: {client}\r\n\r\n");
    connection.write_all(request.as_bytes()).await.unwrap();
    let mut head = [0; 1024];
    let read = tokio::time::timeout(PATIENCE, connection.read(&mut head)).await.expect("answered").unwrap();
    let answer = String::from_utf8_lossy(&head[..read]).into_owned();
    if answer.starts_with("HTTP/1.1 200") {
        Ok(connection)
    } else {
        Err(answer)
    }
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_client_is_capped_not_the_proxy() {
    let relay = start(|config| {
        config.limits.connections_per_address = 2;
        config.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    let first = proxied(relay.addr, "203.0.113.5").await.expect("the first is served");
    let second = proxied(relay.addr, "203.0.113.5").await.expect("the second is served");
    let answer = proxied(relay.addr, "203.0.113.5").await.expect_err("the third is refused");
    assert!(answer.starts_with("HTTP/1.1 503") && answer.contains("connections_per_address"), "{answer}");
    let others = [proxied(relay.addr, "203.0.113.6").await, proxied(relay.addr, "2001:db8::1").await];
    assert!(others.iter().all(Result::is_ok), "other clients of the same proxy are served: {others:?}");
    let same_64 = proxied(relay.addr, "2001:db8::2").await;
    let third_of_64 = proxied(relay.addr, "2001:db8::3:4").await;
    assert!(same_64.is_ok() && third_of_64.is_err(), "an IPv6 /64 is one address");
    drop((first, second, others, same_64));
    relay.handle.shutdown().await;
}

/// A visitor of `site` connected from the loopback address `from`, with its session key.
async fn visitor_from(from: &str, relay: SocketAddr, site: &str, origin: Option<&str>) -> (Socket, String) {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut request = format!("ws://{relay}/ws/visitor?site={site}").into_client_request().unwrap();
    if let Some(origin) = origin {
        request.headers_mut().insert("origin", origin.parse().unwrap());
    }
    let stream = tokio_tungstenite::MaybeTlsStream::Plain(connect_from(from, relay).await);
    let (mut socket, _) = tokio_tungstenite::client_async(request, stream).await.expect("the visitor connects");
    match next_control(&mut socket).await {
        cobrowse_protocol::Control::SessionStarted { key, .. } => (socket, key),
        other => panic!("expected SessionStarted, got {other:?}"),
    }
}

/// Uploads eight bytes named `url` in the visitor's session, then a snapshot; whether the agent watching
/// it is told of the asset (stored) before the snapshot, or gets the snapshot only (dropped).
async fn upload_is_stored(visitor: &mut Socket, agent: &mut Socket, url: &str) -> bool {
    use cobrowse_protocol::{message::encode_asset, AssetUpload, Control};
    let upload =
        AssetUpload { url: url.into(), mime: "image/png".into(), bytes: url.as_bytes()[url.len() - 8..].to_vec() };
    send(visitor, bytes::Bytes::from(encode_asset(&upload))).await;
    send(visitor, snapshot("after the upload")).await;
    match next_control_or_frame(agent).await {
        Some(Control::Asset { url: announced, .. }) => {
            assert_eq!(announced, url);
            assert_eq!(next_binary(agent).await, snapshot("after the upload"));
            true
        }
        Some(other) => panic!("expected Asset or the snapshot, got {other:?}"),
        None => false,
    }
}

/// The next control message, or `None` for the test snapshot.
async fn next_control_or_frame(agent: &mut Socket) -> Option<cobrowse_protocol::Control> {
    let bytes = next_binary(agent).await;
    if bytes == snapshot("after the upload") {
        return None;
    }
    Some(cobrowse_protocol::message::decode_control(&bytes).expect("a control message"))
}

/// A session of `site` opened from `from`, with an agent watching it.
async fn watched_session(relay: SocketAddr, from: &str, site: &str, origin: Option<&str>) -> (Socket, Socket) {
    let (visitor, key) = visitor_from(from, relay, site, origin).await;
    let agent = join(relay, AGENT, PASSWORD, &key).await;
    (visitor, agent)
}

#[tokio::test]
async fn asset_bytes_are_capped_per_address_across_its_sessions() {
    let relay = start(|config| {
        config.max_asset_bytes = 8;
        config.limits.asset_bytes_per_address = 12;
    })
    .await;
    let (mut first, mut first_agent) = watched_session(relay.addr, "127.0.0.1", "demo", None).await;
    let (mut second, mut second_agent) = watched_session(relay.addr, "127.0.0.1", "demo", None).await;
    let (mut other, mut other_agent) = watched_session(relay.addr, "127.0.0.2", "demo", None).await;
    assert!(upload_is_stored(&mut first, &mut first_agent, "https://a.test/1.png").await);
    assert!(!upload_is_stored(&mut second, &mut second_agent, "https://a.test/2.png").await, "the address is full");
    assert!(upload_is_stored(&mut other, &mut other_agent, "https://b.test/3.png").await, "another address is not");
    send(&mut first, control(&cobrowse_protocol::Control::EndSession)).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        upload_is_stored(&mut second, &mut second_agent, "https://a.test/4.png").await,
        "an ended session's share is free"
    );
    drop((first_agent, second, second_agent, other, other_agent));
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn asset_bytes_are_capped_per_site_across_addresses() {
    let relay = start(|config| {
        config.max_asset_bytes = 8;
        config.limits.asset_bytes_per_site = 12;
    })
    .await;
    let (mut first, mut first_agent) = watched_session(relay.addr, "127.0.0.1", "demo", None).await;
    let (mut second, mut second_agent) = watched_session(relay.addr, "127.0.0.2", "demo", None).await;
    let (mut shop, mut shop_agent) = watched_session(relay.addr, "127.0.0.3", SHOP_SITE, Some(SHOP_ORIGIN)).await;
    assert!(upload_is_stored(&mut first, &mut first_agent, "https://a.test/1.png").await);
    assert!(!upload_is_stored(&mut second, &mut second_agent, "https://a.test/2.png").await, "the site is full");
    assert!(upload_is_stored(&mut shop, &mut shop_agent, "https://b.test/3.png").await, "another site is not");
    drop((first, first_agent, second, second_agent, shop, shop_agent));
    relay.handle.shutdown().await;
}

/// A visitor of "demo" through the "proxy" (this test, from 127.0.0.1) for `client`.
async fn proxied_visitor(relay: SocketAddr, client: &str) -> Socket {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut request = format!("ws://{relay}/ws/visitor?site=demo").into_client_request().unwrap();
    request.headers_mut().insert("x-forwarded-for", client.parse().unwrap());
    tokio_tungstenite::connect_async(request).await.expect("the visitor connects").0
}

#[tokio::test]
async fn an_ipv6_client_s_sessions_count_by_its_64() {
    let relay = start(|config| {
        config.limits.sessions_per_address = 1;
        config.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    let mut first = proxied_visitor(relay.addr, "2001:db8::1").await;
    assert!(matches!(next_control(&mut first).await, cobrowse_protocol::Control::SessionStarted { .. }));
    let mut same_64 = proxied_visitor(relay.addr, "2001:db8::2").await;
    let (code, reason) = expect_close(&mut same_64).await;
    assert_eq!(code, cobrowse_protocol::close::AT_CAPACITY);
    assert!(reason.contains("this address has 1 sessions open"), "{reason}");
    let mut other_64 = proxied_visitor(relay.addr, "2001:db8:0:1::1").await;
    assert!(matches!(next_control(&mut other_64).await, cobrowse_protocol::Control::SessionStarted { .. }));
    drop((first, other_64));
    relay.handle.shutdown().await;
}
