//! The relay fetches the files a visitor offers, so that the visitor uploads only what the public cannot read.
//!
//! A visitor's page offers each same-origin image, font and stylesheet it would upload, and each font of
//! another origin that grants it CORS (`Control::AssetOffer`: the URL and its bytes' SHA-256). The relay
//! GETs the URL itself: no cookies, no `Authorization`, redirects not followed (any status but 200 is a
//! failure), at most `max_asset_bytes`, within [`FETCH_TIMEOUT`]; a URL of another origin than the page's
//! is requested with the page's `Origin` header, as the visitor's browser requests it (a CDN may grant
//! CORS to the site alone). If the body's SHA-256 is the offer's, the bytes are stored as an upload would
//! be (`Session::accept_hashed_asset`: counted in the asset limits, announced to the agents). Otherwise the
//! visitor is answered `Control::AssetWanted` and uploads the file itself (`visitor.rs`). Nothing waits on
//! a fetch: the visitor's read loop decides at once, and each fetch is a task of its own, dropped if its
//! session ends.
//!
//! Asked for at once, not fetched: when `fetch_public_assets` is off; when the hash is not 64 lower-case hex
//! digits; when the URL is not http or https (or is empty, longer than `MAX_URL_BYTES`, or carries a user
//! or password); when its origin (scheme, host and port, default ports made explicit) is neither the
//! page's (the `Origin` header the session was started from) nor one its site lists in `asset_origins` (a
//! CDN, a font service: the origins the site's files come from); when the session has made more than
//! `MAX_URLS_PER_SESSION` offers; or when the session's queue of offers is full (see `asset_offers.rs`: a
//! few fetches at once per session and [`FETCHES_AT_ONCE`] for the relay; the rest wait their turn, at
//! most [`SLOT_WAIT`], then are asked for too). An offer of a URL the session maps
//! already, or is fetching now, is ignored.
//!
//! The address guard: whoever runs a page can make it name any host, so without a guard the relay would
//! fetch from its own network on a visitor's word (server-side request forgery). The host is resolved here
//! and every address must be public unicast (not loopback, private, carrier-grade NAT, link-local,
//! multicast, broadcast, documentation or otherwise reserved, nor an IPv6 form of one of those); the
//! connection then goes to exactly those addresses (the client's resolver answers with them), so DNS
//! cannot answer differently between the check and the connection. A site that lists the origin itself in
//! its `origins` (`"*"` does not count) vouches for it, and its addresses are not checked; neither are any
//! with `fetch_assets_from_private_addresses` (an intranet, the end-to-end tests on loopback). An origin
//! listed in `asset_origins` only is checked like any other: it says where the site's files come from
//! (often a third party's service), not that the operator answers for its addresses.

use crate::asset_offers::{Begun, Noted, Reservation, FETCHES_PER_SESSION, OFFERS_WAITING_PER_SESSION};
use crate::assets::{self, MAX_URLS_PER_SESSION, MAX_URL_BYTES};
use crate::config::{Config, SiteConfig};
use crate::metrics::{Metrics, OfferOutcome};
use crate::session::Session;
use crate::web_origin::Origin;
use bytes::Bytes;
use cobrowse_protocol::{AssetUpload, Control};
use http_body_util::{BodyExt, Empty, LengthLimitError, Limited};
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, ORIGIN, USER_AGENT};
use hyper::{Method, Request, StatusCode, Uri};
use hyper_util::client::legacy::connect::dns::Name;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use thiserror::Error;
use tokio::sync::Semaphore;
use tokio_rustls::rustls::ClientConfig;

/// How many fetches the whole relay may have in flight at once.
pub(crate) const FETCHES_AT_ONCE: usize = 32;

/// How long one fetch may take, from resolving the host to the body's last byte.
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);
/// How long an offer may wait for a fetch slot before the visitor is asked to upload the file instead.
const SLOT_WAIT: Duration = Duration::from_secs(15);

/// The `User-Agent` of the relay's fetches, so a site's logs can tell them apart.
const FETCH_USER_AGENT: &str = "cobrowse-relay (asset fetch)";

/// The relay's side of every session's offers: the settings, the relay's fetch slots, the TLS setup.
pub(crate) struct AssetFetcher {
    /// `fetch_public_assets`.
    enabled: bool,
    /// `max_asset_bytes`: a longer body is not read to its end.
    max_asset_bytes: usize,
    /// The origins each site lists, by site id.
    sites: HashMap<String, SiteOrigins>,
    /// `fetch_assets_from_private_addresses`: no address is checked.
    any_address: bool,
    /// [`FETCHES_AT_ONCE`] slots shared by all sessions.
    slots: Arc<Semaphore>,
    tls: ClientConfig,
    metrics: Arc<Metrics>,
}

/// A file a visitor offered: its absolute URL and the SHA-256 of the bytes the visitor holds for it.
pub(crate) struct Offer {
    pub url: String,
    pub sha256: String,
}

/// Why the visitor is asked to upload a file it offered.
#[derive(Debug, Error, PartialEq, Eq)]
enum NotFetched {
    #[error("fetching is turned off (fetch_public_assets = false)")]
    TurnedOff,
    #[error("the session has made {MAX_URLS_PER_SESSION} offers already, the most the relay fetches for")]
    TooManyOffers,
    #[error("the offer's sha256 is not 64 lower-case hex digits")]
    BadHash,
    #[error("the URL is not an http or https URL of at most {MAX_URL_BYTES} bytes without a user or password")]
    BadUrl,
    #[error("the session has no page origin (no Origin header) to compare the URL with")]
    NoPageOrigin,
    #[error("the URL is neither on the page's own origin nor on one of the site's asset_origins")]
    OtherOrigin,
    #[error("the session has {OFFERS_WAITING_PER_SESSION} offers fetching or waiting already")]
    QueueFull,
    #[error(
        "no fetch slot within {SLOT_WAIT:?} ({FETCHES_PER_SESSION} for the session, {FETCHES_AT_ONCE} for the relay)"
    )]
    Busy,
    #[error("the host could not be resolved: {0}")]
    Unresolved(String),
    #[error(
        "the host resolves to {0}, not a public address; list the origin in the site's `origins` (`asset_origins` does not vouch for addresses) to fetch from it"
    )]
    NotPublic(IpAddr),
    #[error("no complete answer within {FETCH_TIMEOUT:?}")]
    Timeout,
    #[error("the request failed: {0}")]
    Request(String),
    #[error("the server answered {0}, not 200 OK (redirects are not followed)")]
    Status(StatusCode),
    #[error("the body is longer than max_asset_bytes ({0} bytes)")]
    TooLarge(usize),
    #[error("the body could not be read: {0}")]
    Body(String),
    #[error("the server sent other bytes than the visitor holds")]
    OtherBytes,
}

/// What to do with an offer.
enum Decision {
    /// Nothing (the reason is logged).
    Ignore(&'static str),
    /// Answer `AssetWanted` at once.
    Ask(NotFetched),
    /// Fetch it in a task of its own.
    Fetch(Target, Reservation),
}

/// Where an offered file is fetched from.
struct Target {
    uri: Uri,
    origin: Origin,
    /// The `Origin` header to send: the page's, when the URL is of another origin.
    cors_origin: Option<String>,
    /// The site vouched for the origin: its addresses are not checked.
    any_address: bool,
}

/// What a site lets the relay fetch from, besides its pages' own origin.
#[derive(Debug, Default)]
struct SiteOrigins {
    /// `asset_origins`: fetched from, their addresses checked.
    assets: Vec<Origin>,
    /// `origins` (not `"*"`): the operator vouched for their addresses.
    vouched: Vec<Origin>,
}

/// An offered URL's origin, and how it stands to the page and its site.
#[derive(Debug, PartialEq, Eq)]
struct Source {
    origin: Origin,
    /// The page's `Origin` header, when the URL is on one of the site's `asset_origins` instead.
    cors_origin: Option<String>,
    /// The site lists the origin in its `origins`.
    vouched: bool,
}

/// The bytes a fetch got and their `Content-Type`.
struct Fetched {
    mime: String,
    bytes: Bytes,
}

impl AssetFetcher {
    pub fn new(config: &Config, metrics: Arc<Metrics>) -> AssetFetcher {
        let sites = config.sites.iter().map(|site| (site.id.clone(), SiteOrigins::of(site))).collect();
        let tls = crate::client_tls::client_config(Vec::new())
            .expect("ring's safe protocol versions and the public roots always make a client config");
        AssetFetcher {
            enabled: config.fetch_public_assets,
            max_asset_bytes: config.max_asset_bytes,
            sites,
            any_address: config.fetch_assets_from_private_addresses,
            slots: Arc::new(Semaphore::new(FETCHES_AT_ONCE)),
            tls,
            metrics,
        }
    }

    /// Handles an offer from `session`'s visitor without waiting: ignores it, answers `AssetWanted` at
    /// once, or starts its fetch.
    pub fn offer(self: &Arc<Self>, session: &Arc<Session>, offer: Offer) {
        match self.decide(session, &offer) {
            Decision::Ignore(reason) => tracing::debug!(key = session.key(), reason, "asset offer ignored"),
            Decision::Ask(why) => self.ask(session, offer.url, &why),
            Decision::Fetch(target, permit) => {
                tracing::debug!(key = session.key(), any_address = target.any_address, "fetching an offered asset");
                tokio::spawn(self.clone().fetch_and_settle(session.clone(), offer, target, permit));
            }
        }
    }

    fn decide(&self, session: &Session, offer: &Offer) -> Decision {
        if session.maps_url(&offer.url) {
            return Decision::Ignore("the session has this URL's bytes already");
        }
        match session.asset_offers().note(&offer.url) {
            Noted::AlreadyFetching => return Decision::Ignore("this URL is being fetched already"),
            Noted::PastLimit => return Decision::Ask(NotFetched::TooManyOffers),
            Noted::Counted => {}
        }
        let target = match self.target(session, offer) {
            Ok(target) => target,
            Err(why) => return Decision::Ask(why),
        };
        match session.asset_offers().begin(&offer.url) {
            Begun::Queued(reservation) => Decision::Fetch(target, reservation),
            Begun::AlreadyFetching => Decision::Ignore("this URL is being fetched already"),
            Begun::NoSlot => Decision::Ask(NotFetched::QueueFull),
        }
    }

    /// Where to fetch `offer` from, if it may be fetched at all.
    fn target(&self, session: &Session, offer: &Offer) -> Result<Target, NotFetched> {
        if !self.enabled {
            return Err(NotFetched::TurnedOff);
        }
        if !assets::is_hash(&offer.sha256) {
            return Err(NotFetched::BadHash);
        }
        let uri = parse_url(&offer.url)?;
        let site = self.sites.get(session.site_id()).map_or(&NO_ORIGINS, |site| site);
        let Source { origin, cors_origin, vouched } = site.source(&uri, session.origin())?;
        Ok(Target { uri, origin, cors_origin, any_address: self.any_address || vouched })
    }

    /// Waits for its turn (at most [`SLOT_WAIT`]), fetches `target` and stores the bytes or asks the
    /// visitor for them; gives up if the session ends.
    async fn fetch_and_settle(
        self: Arc<Self>,
        session: Arc<Session>,
        offer: Offer,
        target: Target,
        reservation: Reservation,
    ) {
        let permit = tokio::select! {
            permit = tokio::time::timeout(SLOT_WAIT, reservation.turn(self.slots.clone())) => match permit {
                Ok(permit) => permit,
                Err(_) => return self.ask(&session, offer.url, &NotFetched::Busy),
            },
            () = session.ended() => return,
        };
        let fetched = tokio::select! {
            fetched = tokio::time::timeout(FETCH_TIMEOUT, self.fetch(&target)) => {
                fetched.unwrap_or(Err(NotFetched::Timeout))
            }
            () = session.ended() => return,
        };
        self.settle(&session, offer, fetched);
        // Held until now: an offer of the same URL meanwhile is ignored, and one after finds it stored.
        drop(permit);
    }

    /// GETs `target` from the addresses its host resolves to, once they pass the guard.
    async fn fetch(&self, target: &Target) -> Result<Fetched, NotFetched> {
        let addresses = resolve(&target.origin).await?;
        if !target.any_address {
            guard(&addresses)?;
        }
        let mut request =
            Request::builder().method(Method::GET).uri(target.uri.clone()).header(USER_AGENT, FETCH_USER_AGENT);
        if let Some(page) = &target.cors_origin {
            request = request.header(ORIGIN, page.as_str());
        }
        let request = request.body(Empty::<Bytes>::new()).map_err(|error| NotFetched::Request(error.to_string()))?;
        let response =
            self.client(addresses).request(request).await.map_err(|error| NotFetched::Request(chain(&error)))?;
        if response.status() != StatusCode::OK {
            return Err(NotFetched::Status(response.status()));
        }
        let mime = response.headers().get(CONTENT_TYPE).and_then(|value| value.to_str().ok()).unwrap_or_default();
        let mime = mime.to_owned();
        let bytes = read_body(response.into_body(), self.max_asset_bytes).await?;
        Ok(Fetched { mime, bytes })
    }

    /// A client that connects only to `addresses`, whatever the URL's host resolves to by then.
    fn client(&self, addresses: Vec<SocketAddr>) -> Client<FetchConnector, Empty<Bytes>> {
        let http = HttpConnector::new_with_resolver(CheckedAddresses(addresses));
        let connector = crate::client_tls::https_or_http(http, self.tls.clone());
        Client::builder(TokioExecutor::new()).pool_max_idle_per_host(0).build(connector)
    }

    /// Stores the fetched bytes if they are the offered ones; otherwise asks the visitor for them.
    fn settle(&self, session: &Session, offer: Offer, fetched: Result<Fetched, NotFetched>) {
        let Fetched { mime, bytes } = match fetched {
            Ok(fetched) => fetched,
            Err(why) => return self.ask(session, offer.url, &why),
        };
        let hash = assets::sha256_hex(&bytes);
        if hash != offer.sha256 {
            return self.ask(session, offer.url, &NotFetched::OtherBytes);
        }
        let size = bytes.len();
        let upload = AssetUpload { url: offer.url, mime, bytes: Vec::from(bytes) };
        match session.accept_hashed_asset(upload, hash) {
            Ok(()) => {
                tracing::debug!(key = session.key(), size, "offered asset fetched and stored");
                self.metrics.asset_offer(OfferOutcome::Stored);
            }
            Err(refused) => {
                // An upload of the same bytes would be refused too: the visitor is not asked for it.
                tracing::info!(key = session.key(), size, "fetched asset not stored: {refused}");
                self.metrics.asset_offer(OfferOutcome::Refused);
            }
        }
    }

    /// Answers `AssetWanted { url }` to the visitor: it uploads the file itself.
    fn ask(&self, session: &Session, url: String, why: &NotFetched) {
        tracing::debug!(key = session.key(), reason = %why, "asked the visitor to upload an offered asset");
        self.metrics.asset_offer(OfferOutcome::Asked);
        session.tell_visitor(Control::AssetWanted { url });
    }
}

type FetchConnector = hyper_rustls::HttpsConnector<HttpConnector<CheckedAddresses>>;

/// The resolver of a fetch's client: whatever the name, the addresses the guard checked.
#[derive(Clone)]
struct CheckedAddresses(Vec<SocketAddr>);

impl tower_service::Service<Name> for CheckedAddresses {
    type Response = std::vec::IntoIter<SocketAddr>;
    type Error = std::io::Error;
    type Future = std::future::Ready<Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, _context: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _name: Name) -> Self::Future {
        std::future::ready(Ok(self.0.clone().into_iter()))
    }
}

/// Refuses `addresses` unless every one is public unicast.
fn guard(addresses: &[SocketAddr]) -> Result<(), NotFetched> {
    match addresses.iter().map(SocketAddr::ip).find(|&ip| !is_public_unicast(ip)) {
        Some(refused) => Err(NotFetched::NotPublic(refused)),
        None => Ok(()),
    }
}

/// The whole body, unless it is longer than `limit` bytes (it is not read further) or breaks off.
async fn read_body(body: Incoming, limit: usize) -> Result<Bytes, NotFetched> {
    let collected =
        Limited::new(body, limit).collect().await.map_err(|error| match error.downcast_ref::<LengthLimitError>() {
            Some(_) => NotFetched::TooLarge(limit),
            None => NotFetched::Body(chain(error.as_ref())),
        })?;
    Ok(collected.to_bytes())
}

/// The addresses of `origin`'s host (an IP literal is its own), with its port.
async fn resolve(origin: &Origin) -> Result<Vec<SocketAddr>, NotFetched> {
    let host = origin.host.trim_start_matches('[').trim_end_matches(']');
    let addresses: Vec<SocketAddr> = tokio::net::lookup_host((host, origin.port))
        .await
        .map_err(|error| NotFetched::Unresolved(error.to_string()))?
        .collect();
    if addresses.is_empty() {
        return Err(NotFetched::Unresolved("it has no address".into()));
    }
    Ok(addresses)
}

/// An error and its sources, as one line ("client error (Connect): tcp connect error: ...").
fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// `url` as a URI the relay may request: http or https, not empty nor past [`MAX_URL_BYTES`], no user or
/// password.
fn parse_url(url: &str) -> Result<Uri, NotFetched> {
    if url.is_empty() || url.len() > MAX_URL_BYTES {
        return Err(NotFetched::BadUrl);
    }
    let uri: Uri = url.parse().map_err(|_| NotFetched::BadUrl)?;
    Origin::of_uri(&uri).ok_or(NotFetched::BadUrl)?;
    Ok(uri)
}

/// The origins of a site not in the config (none: only the page's own origin is fetched).
static NO_ORIGINS: SiteOrigins = SiteOrigins { assets: Vec::new(), vouched: Vec::new() };

impl SiteOrigins {
    /// `site`'s `asset_origins` and `origins` (validated at start; `"*"` is no origin).
    fn of(site: &SiteConfig) -> SiteOrigins {
        let origins = |listed: &[String]| listed.iter().filter_map(|origin| Origin::of(origin)).collect();
        SiteOrigins { assets: origins(&site.asset_origins), vouched: origins(&site.origins) }
    }

    /// The origin of `uri` if it is the page's (`page_origin`, the session's `Origin` header) or one of
    /// the site's `asset_origins`.
    fn source(&self, uri: &Uri, page_origin: Option<&str>) -> Result<Source, NotFetched> {
        let origin = Origin::of_uri(uri).ok_or(NotFetched::BadUrl)?;
        let page_text = page_origin.ok_or(NotFetched::NoPageOrigin)?;
        let page = Origin::of(page_text).ok_or(NotFetched::NoPageOrigin)?;
        let cors_origin = if origin == page {
            None
        } else if self.assets.contains(&origin) {
            Some(page_text.to_owned())
        } else {
            return Err(NotFetched::OtherOrigin);
        };
        let vouched = self.vouched.contains(&origin);
        Ok(Source { origin, cors_origin, vouched })
    }
}

/// IPv4 ranges the relay never fetches from for a visitor (network, prefix length).
const NOT_PUBLIC_V4: [([u8; 4], u32); 15] = [
    ([0, 0, 0, 0], 8),       // "this network"
    ([10, 0, 0, 0], 8),      // private
    ([100, 64, 0, 0], 10),   // carrier-grade NAT
    ([127, 0, 0, 0], 8),     // loopback
    ([169, 254, 0, 0], 16),  // link-local (cloud metadata services)
    ([172, 16, 0, 0], 12),   // private
    ([192, 0, 0, 0], 24),    // IETF protocol assignments
    ([192, 0, 2, 0], 24),    // documentation (TEST-NET-1)
    ([192, 88, 99, 0], 24),  // 6to4 relay anycast
    ([192, 168, 0, 0], 16),  // private
    ([198, 18, 0, 0], 15),   // benchmarking
    ([198, 51, 100, 0], 24), // documentation (TEST-NET-2)
    ([203, 0, 113, 0], 24),  // documentation (TEST-NET-3)
    ([224, 0, 0, 0], 4),     // multicast
    ([240, 0, 0, 0], 4),     // reserved, and the broadcast address 255.255.255.255
];

/// Ranges inside global unicast (2000::/3) that are not public either (network, prefix length).
const NOT_PUBLIC_V6: [(u128, u32); 3] = [
    (0x2001_0000_0000_0000_0000_0000_0000_0000, 23), // IETF protocol assignments (Teredo, benchmarking, ...)
    (0x2001_0db8_0000_0000_0000_0000_0000_0000, 32), // documentation
    (0x3fff_0000_0000_0000_0000_0000_0000_0000, 20), // documentation
];

/// Whether `ip` is a public unicast address, one the relay may fetch from on a visitor's word.
fn is_public_unicast(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => is_public_v4(ip),
        IpAddr::V6(ip) => is_public_v6(ip),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let ip = u32::from(ip);
    !NOT_PUBLIC_V4.iter().any(|&(network, bits)| in_range(ip.into(), u32::from_be_bytes(network).into(), bits, 32))
}

/// Only global unicast (2000::/3) is public, but for the ranges of [`NOT_PUBLIC_V6`]; an address that
/// stands for an IPv4 one is judged as that one.
fn is_public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = embedded_v4(ip) {
        return is_public_v4(v4);
    }
    let ip = u128::from(ip);
    let global_unicast = in_range(ip, 0x2000 << 112, 3, 128);
    global_unicast && !NOT_PUBLIC_V6.iter().any(|&(network, bits)| in_range(ip, network, bits, 128))
}

/// The IPv4 address an IPv6 one stands for: IPv4-mapped (`::ffff:a.b.c.d`), IPv4-compatible
/// (`::a.b.c.d`, `::` and `::1` included), NAT64 (`64:ff9b::a.b.c.d`) or 6to4 (`2002:aabb:ccdd::/48`).
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let v4 = |high: u16, low: u16| Ipv4Addr::from((u32::from(high) << 16) | u32::from(low));
    match ip.segments() {
        [0, 0, 0, 0, 0, 0xffff, high, low] | [0, 0, 0, 0, 0, 0, high, low] | [0x64, 0xff9b, 0, 0, 0, 0, high, low] => {
            Some(v4(high, low))
        }
        [0x2002, high, low, ..] => Some(v4(high, low)),
        _ => None,
    }
}

/// Whether `ip` is in `network`/`bits`, both `width` bits wide.
fn in_range(ip: u128, network: u128, bits: u32, width: u32) -> bool {
    let mask = if bits == 0 { 0 } else { (u128::MAX << (128 - bits)) >> (128 - width) };
    ip & mask == network & mask
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page_origin(url: &str, page: Option<&str>) -> Result<Origin, NotFetched> {
        SiteOrigins::default().source(&parse_url(url)?, page).map(|source| source.origin)
    }

    /// The origins of a site listing `origins` and `asset_origins`.
    fn listing(origins: &[&str], asset_origins: &[&str]) -> SiteOrigins {
        let list = |origins: &[&str]| origins.iter().map(|origin| origin.to_string()).collect();
        SiteOrigins::of(&SiteConfig { origins: list(origins), asset_origins: list(asset_origins), ..site_config() })
    }

    fn site_config() -> SiteConfig {
        Config::development(Some("pw".into())).sites.remove(0)
    }

    fn source(site: &SiteOrigins, url: &str, page: &str) -> Result<Source, NotFetched> {
        site.source(&parse_url(url)?, Some(page))
    }

    #[test]
    fn a_url_on_one_of_the_site_s_asset_origins_is_fetched_with_the_page_s_origin_header() {
        let site = listing(&["https://shop.example"], &["https://cdn.example", "http://fonts.example:8080"]);
        let page = "https://shop.example";
        let cdn = source(&site, "https://cdn.example:443/fonts/a.woff2", page).unwrap();
        assert_eq!(cdn.origin, Origin::of("https://cdn.example").unwrap());
        assert_eq!(cdn.cors_origin.as_deref(), Some(page), "the page's Origin header, as the browser sent it");
        assert!(!cdn.vouched, "asset_origins do not vouch for private addresses");
        assert!(source(&site, "http://FONTS.example:8080/b.ttf", page).is_ok());
        let own = source(&site, "https://shop.example/logo.png", page).unwrap();
        assert_eq!((own.cors_origin, own.vouched), (None, true), "no Origin header on the page's own origin");
        for unlisted in [
            "https://cdn.example:8443/a",
            "http://cdn.example/a",
            "https://img.cdn.example/a",
            "http://fonts.example/b",
        ] {
            assert_eq!(source(&site, unlisted, page), Err(NotFetched::OtherOrigin), "{unlisted}");
        }
        let error = site.source(&parse_url("https://cdn.example/a").unwrap(), None);
        assert_eq!(error, Err(NotFetched::NoPageOrigin), "no page origin to send");
    }

    #[test]
    fn an_origin_listed_in_both_lists_is_vouched_for() {
        let site = listing(&["https://shop.example", "https://cdn.example"], &["https://cdn.example"]);
        let cdn = source(&site, "https://cdn.example/a.png", "https://shop.example").unwrap();
        assert!(cdn.vouched && cdn.cors_origin.is_some());
        assert!(!site.vouched.is_empty() && listing(&["*"], &[]).vouched.is_empty(), "\"*\" vouches for nothing");
    }

    #[test]
    fn only_a_url_on_the_page_s_own_origin_is_fetched() {
        let page = Some("https://shop.example");
        let same = page_origin("https://shop.example/img/a.png?v=2#top", page).unwrap();
        assert_eq!(same, Origin { scheme: "https".into(), host: "shop.example".into(), port: 443 });
        assert!(page_origin("HTTPS://Shop.Example/a.png", page).is_ok(), "scheme and host are case-blind");
        assert_eq!(page_origin("https://shop.example:8443/a.png", page), Err(NotFetched::OtherOrigin));
        assert_eq!(page_origin("http://shop.example/a.png", page), Err(NotFetched::OtherOrigin));
        assert_eq!(page_origin("https://cdn.shop.example/a.png", page), Err(NotFetched::OtherOrigin));
        assert_eq!(page_origin("https://shop.example/a.png", None), Err(NotFetched::NoPageOrigin));
        assert_eq!(page_origin("https://shop.example/a.png", Some("null")), Err(NotFetched::NoPageOrigin));
    }

    #[test]
    fn default_ports_are_the_same_origin_written_or_not() {
        assert!(page_origin("https://a:443/x", Some("https://a")).is_ok());
        assert!(page_origin("https://a/x", Some("https://a:443")).is_ok());
        assert!(page_origin("http://a:80/x", Some("http://a")).is_ok());
        assert_eq!(page_origin("http://a:443/x", Some("http://a")), Err(NotFetched::OtherOrigin));
        assert!(page_origin("http://127.0.0.1:5000/x", Some("http://127.0.0.1:5000")).is_ok());
        assert!(page_origin("http://[::1]:5000/x", Some("http://[::1]:5000")).is_ok());
        assert_eq!(page_origin("http://[::1]/x", Some("http://[::1]:5000")), Err(NotFetched::OtherOrigin));
    }

    #[test]
    fn urls_the_relay_may_not_request_are_refused() {
        for url in [
            "",
            "/relative.png",
            "blob:https://a/5f0c",
            "data:image/png;base64,AAAA",
            "ftp://a/x.png",
            "https://user:password@a/x.png",
            "https://a:99999/x.png",
            "https://a:port/x.png",
            "https://a/with space.png",
        ] {
            assert_eq!(parse_url(url).err(), Some(NotFetched::BadUrl), "{url:?}");
        }
        let long = format!("https://a/{}", "x".repeat(MAX_URL_BYTES));
        assert_eq!(parse_url(&long).err(), Some(NotFetched::BadUrl));
    }

    fn public(address: &str) -> bool {
        is_public_unicast(address.parse().unwrap())
    }

    #[test]
    fn public_unicast_addresses_are_allowed() {
        for address in ["93.184.216.34", "8.8.8.8", "1.1.1.1", "2606:4700::1111", "2a00:1450:4001:80b::200e"] {
            assert!(public(address), "{address} is public");
        }
        assert!(public("::ffff:93.184.216.34"), "a mapped public address is public");
        assert!(public("2002:5db8:d822::1"), "6to4 of 93.184.216.34");
    }

    #[test]
    fn every_non_public_ipv4_range_is_refused() {
        for address in [
            "0.0.0.0",
            "0.1.2.3",
            "10.0.0.1",
            "10.255.255.255",
            "100.64.0.1",
            "100.127.255.254",
            "127.0.0.1",
            "127.8.9.10",
            "169.254.169.254",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.0.8",
            "192.0.2.1",
            "192.88.99.1",
            "192.168.1.1",
            "198.18.0.1",
            "198.19.255.255",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
        ] {
            assert!(!public(address), "{address} is not public");
        }
        for edge in ["100.63.255.255", "100.128.0.0", "172.15.255.255", "172.32.0.0", "198.17.255.255", "11.0.0.1"] {
            assert!(public(edge), "{edge} is just outside a refused range");
        }
    }

    #[test]
    fn every_non_public_ipv6_range_and_ipv4_form_is_refused() {
        for address in [
            "::",
            "::1",
            "fe80::1",
            "febf::1",
            "fc00::1",
            "fd12:3456::1",
            "ff02::1",
            "fec0::1",
            "100::1",
            "2001:db8::1",
            "2001::1",
            "3fff::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "::192.168.0.1",
            "64:ff9b::7f00:1",
            "64:ff9b::a00:1",
            "2002:7f00:1::",
            "2002:c0a8:101::1",
        ] {
            assert!(!public(address), "{address} is not public");
        }
    }

    #[test]
    fn every_address_of_a_host_must_be_public() {
        let public: SocketAddr = "93.184.216.34:443".parse().unwrap();
        let private: SocketAddr = "[fd00::1]:443".parse().unwrap();
        assert_eq!(guard(&[public]), Ok(()));
        assert_eq!(guard(&[public, private]), Err(NotFetched::NotPublic(private.ip())));
    }

    #[tokio::test]
    async fn the_checked_addresses_answer_every_name() {
        use tower_service::Service;
        let addresses: Vec<SocketAddr> = vec!["93.184.216.34:443".parse().unwrap()];
        let mut resolver = CheckedAddresses(addresses.clone());
        let name: Name = "rebound.example".parse().unwrap();
        let answered: Vec<_> = resolver.call(name).await.unwrap().collect();
        assert_eq!(answered, addresses);
    }
}
