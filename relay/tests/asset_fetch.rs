//! The relay fetching the files a visitor offers, over real sockets: a small site on loopback serves a
//! public file, a forbidden one and a redirect; a visitor of that site offers them (`AssetOffer`). The
//! public file with its right hash is fetched, stored and announced to the agent, and the visitor hears
//! nothing back for it; everything else (a 403, a 302, other bytes, another origin, an address the guard
//! refuses, a body over `max_asset_bytes`, fetching turned off) is answered `AssetWanted` and announced to
//! no one. The same server also stands for a CDN of a site on another origin, listed in the site's
//! `asset_origins`: fetched with the page's `Origin` header, its loopback address still guarded.

mod common;

use bytes::Bytes;
use cobrowse_protocol::Control;
use cobrowse_relay::{Config, ConsentPolicy, SiteConfig};
use common::*;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use std::collections::BTreeSet;
use std::net::SocketAddr;
use tokio::net::TcpListener;
use tokio::sync::mpsc;

const PUBLIC_PNG: &[u8] = b"\x89PNG\r\n\x1a\n a public picture";
const FORBIDDEN: &[u8] = b"forbidden";
/// A site whose only origin is the test's file server.
const FETCHING_SITE: &str = "fetching";
/// The page origin of a visitor whose files come from the file server as from a CDN.
const SHOP_PAGE: &str = "https://shop.example";

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|byte| format!("{byte:02x}")).collect()
}

/// A request the file server got: its path and the headers that would carry credentials or name the client
/// or the page.
#[derive(Debug)]
struct Seen {
    path: String,
    user_agent: Option<String>,
    origin: Option<String>,
    credentials: bool,
}

/// An HTTP server on loopback: `/public.png` (200, an image), `/secret.png` (403 with a body),
/// `/moved.png` (302 to `/public.png`), anything else 404; it reports every request.
async fn file_server() -> (SocketAddr, mpsc::UnboundedReceiver<Seen>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (report, seen) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            let (socket, _) = listener.accept().await.unwrap();
            let report = report.clone();
            let service = hyper::service::service_fn(move |request: Request<Incoming>| {
                let header = |name: &str| request.headers().get(name).map(|value| value.to_str().unwrap().to_owned());
                let _ = report.send(Seen {
                    path: request.uri().path().to_owned(),
                    user_agent: header("user-agent"),
                    origin: header("origin"),
                    credentials: header("cookie").is_some() || header("authorization").is_some(),
                });
                let response = Response::builder();
                let response = match request.uri().path() {
                    "/public.png" => response.header("content-type", "image/png").body(PUBLIC_PNG),
                    "/secret.png" => response.status(StatusCode::FORBIDDEN).body(FORBIDDEN),
                    "/moved.png" => response.status(StatusCode::FOUND).header("location", "/public.png").body(&[][..]),
                    _ => response.status(StatusCode::NOT_FOUND).body(&[][..]),
                };
                let response = response.unwrap().map(|body| Full::new(Bytes::from_static(body)));
                async move { Ok::<_, hyper::Error>(response) }
            });
            tokio::spawn(hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(socket), service));
        }
    });
    (addr, seen)
}

/// Adds the site [`FETCHING_SITE`] with these origins and no `asset_origins` (no consent asked).
fn add_site(config: &mut Config, origins: Vec<String>) {
    add_site_with_assets(config, origins, Vec::new());
}

/// Adds the site [`FETCHING_SITE`] with these origins and `asset_origins` (no consent asked).
fn add_site_with_assets(config: &mut Config, origins: Vec<String>, asset_origins: Vec<String>) {
    config.sites.push(SiteConfig {
        id: FETCHING_SITE.into(),
        origins,
        asset_origins,
        masking: Default::default(),
        tabs: Default::default(),
        consent: ConsentPolicy::Never,
        remote_control: Default::default(),
        webhook: None,
    });
}

/// A visitor of `site` whose page is on `origin`, and an agent watching its session.
async fn visitor_and_agent(relay: SocketAddr, site: &str, origin: &str) -> (Socket, Socket) {
    let mut visitor = connect_visitor(relay, site, Some(origin)).await;
    let Control::SessionStarted { key, .. } = next_control(&mut visitor).await else {
        panic!("expected SessionStarted");
    };
    let agent = join(relay, AGENT, PASSWORD, &key).await;
    assert_eq!(next_control(&mut visitor).await, Control::AgentJoined { name: AGENT.into(), agents: 1 });
    (visitor, agent)
}

async fn offer(visitor: &mut Socket, url: &str, bytes: &[u8]) {
    send(visitor, control(&Control::AssetOffer { url: url.into(), sha256: sha256_hex(bytes) })).await;
}

/// Reads the visitor's next messages: exactly one `AssetWanted` for each of `urls`, in any order.
async fn expect_wanted(visitor: &mut Socket, urls: &[&str]) {
    let mut wanted = BTreeSet::new();
    for _ in urls {
        match next_control(visitor).await {
            Control::AssetWanted { url } => assert!(wanted.insert(url.clone()), "{url} asked for twice"),
            other => panic!("expected AssetWanted, got {other:?}"),
        }
    }
    assert_eq!(wanted, urls.iter().map(|url| url.to_string()).collect::<BTreeSet<_>>());
}

/// Checks that the agent got nothing since its last read (no announcement): the next frame it gets is a
/// snapshot the visitor sends now.
async fn expect_no_announcement(visitor: &mut Socket, agent: &mut Socket) {
    let marker = snapshot("after the offers");
    send(visitor, marker.clone()).await;
    assert_eq!(next_binary(agent).await, marker, "the agent got something else before the snapshot");
}

fn drain(seen: &mut mpsc::UnboundedReceiver<Seen>) -> Vec<Seen> {
    std::iter::from_fn(|| seen.try_recv().ok()).collect()
}

/// A relay set up by `adjust` (given the file server's origin), a visitor of `site` on `page` (the file
/// server's origin when `None`) offering the file server's `/public.png` with its right hash: the visitor
/// is asked for it, the agent gets no announcement. The requests the file server saw.
async fn public_file_asked_for(site: &str, page: Option<&str>, adjust: impl FnOnce(&mut Config, &str)) -> Vec<Seen> {
    let (files, mut seen) = file_server().await;
    let origin = format!("http://{files}");
    let relay = start(|config| adjust(config, &origin)).await;
    let (mut visitor, mut agent) = visitor_and_agent(relay.addr, site, page.unwrap_or(&origin)).await;
    let public = format!("{origin}/public.png");
    offer(&mut visitor, &public, PUBLIC_PNG).await;
    expect_wanted(&mut visitor, &[&public]).await;
    expect_no_announcement(&mut visitor, &mut agent).await;
    drop((visitor, agent));
    relay.handle.shutdown().await;
    drain(&mut seen)
}

#[tokio::test]
async fn a_public_file_is_fetched_and_announced_and_the_rest_asked_for() {
    let (files, mut seen) = file_server().await;
    let origin = format!("http://{files}");
    // The site lists the other origin too (the same server under another name): only the page's own is fetched.
    let other_origin = format!("http://localhost:{}", files.port());
    let relay = start(|config| add_site(config, vec![origin.clone(), other_origin.clone()])).await;
    let (mut visitor, mut agent) = visitor_and_agent(relay.addr, FETCHING_SITE, &origin).await;

    let public = format!("{origin}/public.png");
    offer(&mut visitor, &public, PUBLIC_PNG).await;
    let path = match next_control(&mut agent).await {
        Control::Asset { url, path } if url == public => path,
        other => panic!("expected the announcement of {public}, got {other:?}"),
    };
    assert!(path.ends_with(&sha256_hex(PUBLIC_PNG)), "{path}");
    let served = get(relay.addr, &path).await;
    assert_eq!((served.status, served.body.as_slice()), (200, PUBLIC_PNG));
    assert_eq!(served.header("content-type"), Some("image/png"));
    let requests = drain(&mut seen);
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!(requests[0].path, "/public.png");
    assert_eq!(requests[0].user_agent.as_deref(), Some("cobrowse-relay (asset fetch)"));
    assert!(!requests[0].credentials, "no cookie nor authorization");
    assert_eq!(requests[0].origin, None, "no Origin header for the page's own origin");

    let secret = format!("{origin}/secret.png");
    let moved = format!("{origin}/moved.png");
    let other_bytes = format!("{origin}/public.png?v=2");
    let other_origin = format!("{other_origin}/public.png");
    offer(&mut visitor, &secret, FORBIDDEN).await;
    offer(&mut visitor, &moved, PUBLIC_PNG).await;
    offer(&mut visitor, &other_bytes, b"the bytes the visitor holds").await;
    offer(&mut visitor, &other_origin, PUBLIC_PNG).await;
    expect_wanted(&mut visitor, &[&secret, &moved, &other_bytes, &other_origin]).await;
    expect_no_announcement(&mut visitor, &mut agent).await;
    let mut paths: Vec<_> = drain(&mut seen).into_iter().map(|request| request.path).collect();
    paths.sort();
    assert_eq!(paths, ["/moved.png", "/public.png", "/secret.png"], "one request each, the redirect not followed");

    // The file stored already is not fetched again; a malformed offer is answered at once.
    offer(&mut visitor, &public, PUBLIC_PNG).await;
    send(&mut visitor, control(&Control::AssetOffer { url: secret.clone(), sha256: "not a hash".into() })).await;
    expect_wanted(&mut visitor, &[&secret]).await;
    assert!(drain(&mut seen).is_empty(), "nothing fetched again");

    let metrics = String::from_utf8(get(relay.addr, "/metrics").await.body).unwrap();
    for line in ["cobrowse_asset_offers_total{result=\"stored\"} 1", "cobrowse_asset_offers_total{result=\"asked\"} 5"]
    {
        assert!(metrics.lines().any(|have| have == line), "{line} missing from\n{metrics}");
    }
    drop((visitor, agent));
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn a_loopback_address_is_refused_unless_the_site_lists_the_origin_itself() {
    // "demo" allows any origin ("*"): the relay's guard refuses the loopback address.
    let seen = public_file_asked_for("demo", None, |_, _| {}).await;
    assert!(seen.is_empty(), "the guard refused before connecting");
}

#[tokio::test]
async fn fetch_assets_from_private_addresses_lets_any_site_fetch_from_loopback() {
    let (files, mut seen) = file_server().await;
    let origin = format!("http://{files}");
    // "demo" allows any origin ("*") and lists none: only the switch lets the relay past its guard.
    let relay = start(|config| config.fetch_assets_from_private_addresses = true).await;
    let (mut visitor, mut agent) = visitor_and_agent(relay.addr, "demo", &origin).await;
    let public = format!("{origin}/public.png");
    offer(&mut visitor, &public, PUBLIC_PNG).await;
    match next_control(&mut agent).await {
        Control::Asset { url, .. } if url == public => {}
        other => panic!("expected the announcement of {public}, got {other:?}"),
    }
    assert_eq!(drain(&mut seen).len(), 1, "fetched once");
    drop((visitor, agent));
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn a_file_of_a_listed_asset_origin_is_fetched_with_the_page_s_origin_and_an_unlisted_one_asked_for() {
    let (files, mut seen) = file_server().await;
    let cdn = format!("http://{files}");
    // The same server under another name: an origin the site does not list.
    let unlisted = format!("http://localhost:{}", files.port());
    let relay = start(|config| {
        add_site_with_assets(config, vec![SHOP_PAGE.into()], vec![cdn.clone()]);
        config.fetch_assets_from_private_addresses = true; // the "CDN" is on loopback
    })
    .await;
    let (mut visitor, mut agent) = visitor_and_agent(relay.addr, FETCHING_SITE, SHOP_PAGE).await;

    let public = format!("{cdn}/public.png");
    offer(&mut visitor, &public, PUBLIC_PNG).await;
    match next_control(&mut agent).await {
        Control::Asset { url, path } if url == public => assert!(path.ends_with(&sha256_hex(PUBLIC_PNG)), "{path}"),
        other => panic!("expected the announcement of {public}, got {other:?}"),
    }
    let requests = drain(&mut seen);
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!(requests[0].origin.as_deref(), Some(SHOP_PAGE), "the page's origin, for the CDN's CORS");
    assert!(!requests[0].credentials, "no cookie nor authorization");

    let elsewhere = format!("{unlisted}/public.png");
    offer(&mut visitor, &elsewhere, PUBLIC_PNG).await;
    expect_wanted(&mut visitor, &[&elsewhere]).await;
    expect_no_announcement(&mut visitor, &mut agent).await;
    assert!(drain(&mut seen).is_empty(), "an origin the site does not list is not fetched");
    drop((visitor, agent));
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn a_listed_asset_origin_on_a_loopback_address_is_refused_by_the_guard() {
    let seen = public_file_asked_for(FETCHING_SITE, Some(SHOP_PAGE), |config, cdn| {
        add_site_with_assets(config, vec![SHOP_PAGE.into()], vec![cdn.into()]);
    })
    .await;
    assert!(seen.is_empty(), "asset_origins do not vouch for addresses: the guard refused before connecting");
}

#[tokio::test]
async fn a_page_s_many_offers_at_once_wait_their_turn_and_are_all_fetched() {
    let (files, mut seen) = file_server().await;
    let origin = format!("http://{files}");
    let relay = start(|config| add_site(config, vec![origin.clone()])).await;
    let (mut visitor, mut agent) = visitor_and_agent(relay.addr, FETCHING_SITE, &origin).await;
    // Three times the session's fetch slots, offered together as a page does.
    let urls: Vec<String> = (0..12).map(|index| format!("{origin}/public.png?copy={index}")).collect();
    for url in &urls {
        offer(&mut visitor, url, PUBLIC_PNG).await;
    }
    let mut announced = BTreeSet::new();
    while announced.len() < urls.len() {
        match next_control(&mut agent).await {
            Control::Asset { url, .. } => assert!(announced.insert(url.clone()), "{url} announced twice"),
            other => panic!("expected the files' announcements, got {other:?}"),
        }
    }
    assert_eq!(announced, urls.iter().cloned().collect::<BTreeSet<_>>());
    expect_no_announcement(&mut visitor, &mut agent).await;
    assert_eq!(drain(&mut seen).len(), urls.len(), "each fetched once");
    drop((visitor, agent));
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn with_fetching_turned_off_every_offer_is_asked_for() {
    let seen = public_file_asked_for(FETCHING_SITE, None, |config, origin| {
        add_site(config, vec![origin.into()]);
        config.fetch_public_assets = false;
    })
    .await;
    assert!(seen.is_empty(), "nothing fetched");
}

#[tokio::test]
async fn a_file_over_max_asset_bytes_is_asked_for() {
    let seen = public_file_asked_for(FETCHING_SITE, None, |config, origin| {
        add_site(config, vec![origin.into()]);
        config.max_asset_bytes = PUBLIC_PNG.len() - 1;
    })
    .await;
    assert_eq!(seen.len(), 1, "fetched, but not kept");
}
