//! A session's asset cache: the bytes of resources the agent's browser cannot fetch itself, which the relay
//! fetched or the visitor uploaded once, and which agents' mirrors load from the relay.
//!
//! Why: an image behind the visitor's cookies, a `blob:` URL that exists only in the visitor's tab, or a
//! same-origin stylesheet the agent's browser gets a 403 for would be broken in the mirror. The relay keeps
//! their bytes here, content-addressed by SHA-256 (the same bytes are stored once, whatever URLs they came
//! under), and serves them at `/assets/{token}/{hash}`. The token is random, 128 bits, one per session: the
//! 6-digit session key is guessable, the asset URLs must not be.
//!
//! The bytes come two ways, stored alike. A same-origin file is first *offered* (`AssetOffer`: its URL and
//! SHA-256) and the relay fetches it itself, without cookies (`asset_fetch.rs`); only what the relay could
//! not get the same bytes for (behind a login, a `blob:` URL, an address it may not reach) does it ask the
//! visitor for (`AssetWanted`), and the visitor then uploads it (frame kind 4, `AssetUpload`).
//!
//! Each new URL → path mapping becomes a `Control::Asset` frame (an *announcement*), queued to every agent
//! and kept so an agent who joins later gets them all before the kept snapshot. Limits bound what one
//! visitor can make the relay hold: bytes per asset, bytes per session, and URLs per session; an upload past
//! one is refused (and logged by the caller), nothing else happens to the session. Everything is dropped
//! when the session ends. All sessions together also share one [`AssetBudget`] (`total_asset_bytes`), so
//! many sessions cannot add up to more memory than the relay has; within it, the sessions opened from one
//! address (`limits.asset_bytes_per_address`) and those of one site (`limits.asset_bytes_per_site`) have
//! their own shares, so one client cannot take the budget from everyone else by opening many sessions.

use bytes::Bytes;
use cobrowse_protocol::message::encode_control;
use cobrowse_protocol::{AssetUpload, Control};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use thiserror::Error;

/// How many distinct URLs one session may map: each costs an announcement to every agent.
pub(crate) const MAX_URLS_PER_SESSION: usize = 4096;
/// The longest URL an upload may name.
pub(crate) const MAX_URL_BYTES: usize = 8192;

/// Limits on what one session's visitor may store, from the config.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AssetLimits {
    /// The largest single asset.
    pub max_asset_bytes: usize,
    /// The most bytes of distinct assets one session may hold.
    pub max_session_bytes: usize,
}

/// One stored asset: what the relay serves at its path.
#[derive(Debug, Clone)]
pub(crate) struct StoredAsset {
    /// The `Content-Type` to serve it with (see [`served_content_type`]).
    pub content_type: String,
    pub bytes: Bytes,
}

/// Why an upload was not stored.
#[derive(Debug, Error, PartialEq, Eq)]
pub(crate) enum AssetRefused {
    #[error("an asset of {size} bytes is over the relay's limit of {limit} bytes per asset (max_asset_bytes)")]
    TooLarge { size: usize, limit: usize },
    #[error("the session already holds {held} bytes of assets; {size} more would pass its limit of {limit} bytes (session_asset_bytes)")]
    SessionFull { held: usize, size: usize, limit: usize },
    #[error("the relay already holds {limit} bytes of assets for all sessions together (total_asset_bytes)")]
    RelayFull { limit: usize },
    #[error("the sessions of this visitor's address already hold {held} bytes of assets; {size} more would pass their limit of {limit} bytes (limits.asset_bytes_per_address)")]
    AddressFull { held: usize, size: usize, limit: usize },
    #[error("the sessions of this site already hold {held} bytes of assets; {size} more would pass its limit of {limit} bytes (limits.asset_bytes_per_site)")]
    SiteFull { held: usize, size: usize, limit: usize },
    #[error("the session already maps {MAX_URLS_PER_SESSION} asset URLs, the most it may")]
    TooManyUrls,
    #[error("the asset's URL is empty or longer than {MAX_URL_BYTES} bytes")]
    BadUrl,
}

/// The caps on asset bytes beside each session's own, from the config.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SharedAssetLimits {
    /// All sessions together (`total_asset_bytes`).
    pub total: usize,
    /// The sessions opened from one address (`limits.asset_bytes_per_address`).
    pub per_address: usize,
    /// The sessions of one site (`limits.asset_bytes_per_site`).
    pub per_site: usize,
}

impl SharedAssetLimits {
    /// Only a total; no cap per address or site.
    #[cfg(test)]
    pub fn total(total: usize) -> SharedAssetLimits {
        SharedAssetLimits { total, per_address: usize::MAX, per_site: usize::MAX }
    }
}

/// Whose share a session's assets count in: the address that opened the session (see
/// `caps::address_group`) and its site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AssetOwner {
    pub address: IpAddr,
    pub site: String,
}

/// The bytes of assets all sessions may hold together, and each address's and site's share of them; each
/// session's cache reserves what it stores.
#[derive(Debug)]
pub(crate) struct AssetBudget {
    limit: usize,
    used: AtomicUsize,
    per_address: Shares<IpAddr>,
    per_site: Shares<String>,
}

impl AssetBudget {
    pub fn new(limits: SharedAssetLimits) -> Arc<Self> {
        Arc::new(Self {
            limit: limits.total,
            used: AtomicUsize::new(0),
            per_address: Shares::new(limits.per_address),
            per_site: Shares::new(limits.per_site),
        })
    }

    /// Takes `size` bytes of the budget for `owner`; which cap refuses them (and nothing taken) if they
    /// are not left.
    fn reserve(&self, owner: &AssetOwner, size: usize) -> Result<(), AssetRefused> {
        self.per_address.reserve(&owner.address, size).map_err(|(held, limit)| AssetRefused::AddressFull {
            held,
            size,
            limit,
        })?;
        if let Err((held, limit)) = self.per_site.reserve(&owner.site, size) {
            self.per_address.release(&owner.address, size);
            return Err(AssetRefused::SiteFull { held, size, limit });
        }
        let reserved = self.used.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |used| {
            used.checked_add(size).filter(|&total| total <= self.limit)
        });
        if reserved.is_err() {
            self.per_site.release(&owner.site, size);
            self.per_address.release(&owner.address, size);
            return Err(AssetRefused::RelayFull { limit: self.limit });
        }
        Ok(())
    }

    fn release(&self, owner: &AssetOwner, size: usize) {
        self.used.fetch_sub(size, Ordering::Relaxed);
        self.per_site.release(&owner.site, size);
        self.per_address.release(&owner.address, size);
    }

    /// How many bytes all sessions hold now.
    pub fn used(&self) -> usize {
        self.used.load(Ordering::Relaxed)
    }
}

/// Bytes held per key, each key at most `cap`; keys holding nothing are forgotten.
#[derive(Debug)]
struct Shares<K> {
    cap: usize,
    held: Mutex<HashMap<K, usize>>,
}

impl<K: Eq + Hash + Clone> Shares<K> {
    fn new(cap: usize) -> Shares<K> {
        Shares { cap, held: Mutex::new(HashMap::new()) }
    }

    /// Takes `size` bytes for `key`; what it holds and the cap if they would pass it.
    fn reserve(&self, key: &K, size: usize) -> Result<(), (usize, usize)> {
        let mut held = self.lock();
        let now = held.get(key).copied().unwrap_or(0);
        match now.checked_add(size).filter(|&total| total <= self.cap) {
            Some(total) => {
                held.insert(key.clone(), total);
                Ok(())
            }
            None => Err((now, self.cap)),
        }
    }

    fn release(&self, key: &K, size: usize) {
        let mut held = self.lock();
        if let Some(now) = held.get_mut(key) {
            *now = now.saturating_sub(size);
            if *now == 0 {
                held.remove(key);
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, usize>> {
        self.held.lock().expect("asset shares lock poisoned")
    }
}

/// The assets of one session.
#[derive(Debug)]
pub(crate) struct AssetCache {
    token: String,
    budget: Arc<AssetBudget>,
    owner: AssetOwner,
    by_hash: HashMap<String, StoredAsset>,
    stored_bytes: usize,
    path_by_url: HashMap<String, String>,
    /// `Control::Asset` frames, in the order the mappings were made.
    announcements: Vec<Bytes>,
}

impl AssetCache {
    /// An empty cache whose assets are served under `/assets/{token}/`, taking their bytes from `budget`
    /// in `owner`'s shares.
    pub fn new(token: String, budget: Arc<AssetBudget>, owner: AssetOwner) -> Self {
        Self {
            token,
            budget,
            owner,
            by_hash: HashMap::new(),
            stored_bytes: 0,
            path_by_url: HashMap::new(),
            announcements: Vec::new(),
        }
    }

    #[cfg(test)]
    pub fn token(&self) -> &str {
        &self.token
    }

    /// Stores `upload`, whose SHA-256 is `hash` (lower-case hex; computed by the caller, outside any lock).
    /// Returns the announcement to send to the agents if `upload.url` got a new path, `None` if the URL
    /// already maps to these bytes.
    pub fn store(
        &mut self,
        upload: AssetUpload,
        hash: String,
        limits: &AssetLimits,
    ) -> Result<Option<Bytes>, AssetRefused> {
        if upload.url.is_empty() || upload.url.len() > MAX_URL_BYTES {
            return Err(AssetRefused::BadUrl);
        }
        let path = format!("/assets/{}/{hash}", self.token);
        if self.path_by_url.get(&upload.url) == Some(&path) {
            return Ok(None);
        }
        if !self.path_by_url.contains_key(&upload.url) && self.path_by_url.len() >= MAX_URLS_PER_SESSION {
            return Err(AssetRefused::TooManyUrls);
        }
        if !self.by_hash.contains_key(&hash) {
            self.check_room(upload.bytes.len(), limits)?;
            self.stored_bytes += upload.bytes.len();
            let stored =
                StoredAsset { content_type: served_content_type(&upload.mime), bytes: Bytes::from(upload.bytes) };
            self.by_hash.insert(hash, stored);
        }
        let announcement = Bytes::from(encode_control(&Control::Asset { url: upload.url.clone(), path: path.clone() }));
        self.path_by_url.insert(upload.url, path);
        self.announcements.push(announcement.clone());
        Ok(Some(announcement))
    }

    /// Whether `url` already maps to stored bytes.
    pub fn maps_url(&self, url: &str) -> bool {
        self.path_by_url.contains_key(url)
    }

    /// The asset with this hash, if stored.
    pub fn get(&self, hash: &str) -> Option<StoredAsset> {
        self.by_hash.get(hash).cloned()
    }

    /// Every announcement so far, oldest first: what an agent who joins now must be sent first.
    pub fn announcements(&self) -> &[Bytes] {
        &self.announcements
    }

    /// How many bytes of assets are stored.
    #[cfg(test)]
    pub fn stored_bytes(&self) -> usize {
        self.stored_bytes
    }

    /// Forgets every asset and mapping (the session ended), giving their bytes back to the budget.
    pub fn clear(&mut self) {
        self.budget.release(&self.owner, std::mem::take(&mut self.stored_bytes));
        self.by_hash.clear();
        self.path_by_url.clear();
        self.announcements.clear();
    }

    fn check_room(&self, size: usize, limits: &AssetLimits) -> Result<(), AssetRefused> {
        if size > limits.max_asset_bytes {
            return Err(AssetRefused::TooLarge { size, limit: limits.max_asset_bytes });
        }
        if self.stored_bytes + size > limits.max_session_bytes {
            return Err(AssetRefused::SessionFull { held: self.stored_bytes, size, limit: limits.max_session_bytes });
        }
        self.budget.reserve(&self.owner, size)
    }
}

impl Drop for AssetCache {
    fn drop(&mut self) {
        self.clear();
    }
}

/// The SHA-256 of `bytes` as 64 lower-case hex digits.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Whether `text` could be a hash this cache made: 64 lower-case hex digits.
pub(crate) fn is_hash(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|byte| matches!(byte, b'0'..=b'9' | b'a'..=b'f'))
}

/// The `Content-Type` an uploaded asset is served with. The relay's origin is the viewer's, so it never
/// serves what a browser would run as a page or a script there: only images, fonts, audio, video and
/// stylesheets keep their type; anything else (HTML, script, a malformed type) is served as
/// `application/octet-stream`. Parameters are dropped; a stylesheet (sent as its rules' UTF-8 text) gets
/// `charset=utf-8`.
pub(crate) fn served_content_type(mime: &str) -> String {
    let essence = mime.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    let Some((kind, subtype)) = essence.split_once('/') else {
        return "application/octet-stream".into();
    };
    let is_token =
        |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b));
    match kind {
        _ if !is_token(kind) || !is_token(subtype) => "application/octet-stream".into(),
        "text" if subtype == "css" => "text/css; charset=utf-8".into(),
        "image" | "font" | "audio" | "video" => essence,
        _ => "application/octet-stream".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: AssetLimits = AssetLimits { max_asset_bytes: 10, max_session_bytes: 16 };

    fn upload(url: &str, bytes: &[u8]) -> AssetUpload {
        AssetUpload { url: url.into(), mime: "image/png".into(), bytes: bytes.to_vec() }
    }

    fn owner(address: &str, site: &str) -> AssetOwner {
        AssetOwner { address: address.parse().unwrap(), site: site.into() }
    }

    fn cache(token: &str) -> AssetCache {
        AssetCache::new(token.into(), AssetBudget::new(SharedAssetLimits::total(usize::MAX)), owner("192.0.2.1", "s"))
    }

    fn store(cache: &mut AssetCache, url: &str, bytes: &[u8]) -> Result<Option<Bytes>, AssetRefused> {
        cache.store(upload(url, bytes), sha256_hex(bytes), &LIMITS)
    }

    #[test]
    fn the_hash_is_sha_256_in_hex() {
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert!(is_hash(&sha256_hex(b"")));
        assert!(!is_hash("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"));
        assert!(!is_hash("../etc/passwd"));
    }

    #[test]
    fn the_same_bytes_are_stored_once_and_each_url_announced_once() {
        let mut cache = cache("t0k");
        assert!(!cache.maps_url("https://a/1.png"));
        let first = store(&mut cache, "https://a/1.png", b"12345").unwrap().expect("a new URL is announced");
        assert!(cache.maps_url("https://a/1.png"));
        let control = cobrowse_protocol::message::decode_control(&first).unwrap();
        let path = format!("/assets/t0k/{}", sha256_hex(b"12345"));
        assert_eq!(control, Control::Asset { url: "https://a/1.png".into(), path });
        assert_eq!(store(&mut cache, "https://a/1.png", b"12345").unwrap(), None, "the same URL and bytes again");
        assert!(store(&mut cache, "https://a/copy.png", b"12345").unwrap().is_some(), "a second URL is announced");
        assert_eq!(cache.stored_bytes(), 5, "but its bytes are stored once");
        assert_eq!(cache.announcements().len(), 2);
        assert_eq!(cache.get(&sha256_hex(b"12345")).unwrap().bytes, Bytes::from_static(b"12345"));
    }

    #[test]
    fn uploads_past_a_limit_are_refused_and_change_nothing() {
        let mut cache = cache("t");
        assert_eq!(store(&mut cache, "u1", &[0; 11]), Err(AssetRefused::TooLarge { size: 11, limit: 10 }));
        store(&mut cache, "u2", &[1; 10]).unwrap();
        assert_eq!(store(&mut cache, "u3", &[2; 7]), Err(AssetRefused::SessionFull { held: 10, size: 7, limit: 16 }));
        store(&mut cache, "u4", &[3; 6]).unwrap();
        assert_eq!(cache.stored_bytes(), 16);
        assert_eq!(cache.announcements().len(), 2);
        assert_eq!(store(&mut cache, "", b"x"), Err(AssetRefused::BadUrl));
    }

    #[test]
    fn all_sessions_share_the_relay_s_budget_and_give_it_back() {
        let budget = AssetBudget::new(SharedAssetLimits::total(12));
        let mut first = AssetCache::new("a".into(), budget.clone(), owner("192.0.2.1", "s"));
        let mut second = AssetCache::new("b".into(), budget.clone(), owner("192.0.2.2", "s"));
        store(&mut first, "u1", &[1; 8]).unwrap();
        assert_eq!(store(&mut second, "u2", &[2; 8]), Err(AssetRefused::RelayFull { limit: 12 }));
        store(&mut second, "u3", &[3; 4]).unwrap();
        assert_eq!(budget.used(), 12);
        first.clear();
        assert_eq!(budget.used(), 4);
        drop(second);
        assert_eq!(budget.used(), 0);
    }

    #[test]
    fn an_address_and_a_site_each_have_their_share_and_the_refusal_names_it() {
        let limits = SharedAssetLimits { total: 100, per_address: 10, per_site: 14 };
        let budget = AssetBudget::new(limits);
        let cache_of = |token: &str, address: &str, site: &str| {
            AssetCache::new(token.into(), budget.clone(), owner(address, site))
        };
        let mut first = cache_of("a", "192.0.2.1", "shop");
        let mut second = cache_of("b", "192.0.2.1", "shop");
        store(&mut first, "u1", &[1; 6]).unwrap();
        let refused = store(&mut second, "u2", &[2; 6]);
        assert_eq!(refused, Err(AssetRefused::AddressFull { held: 6, size: 6, limit: 10 }));
        assert!(refused.unwrap_err().to_string().contains("asset_bytes_per_address"));
        let mut other_address = cache_of("c", "192.0.2.9", "shop");
        store(&mut other_address, "u3", &[3; 6]).unwrap();
        let mut third = cache_of("d", "192.0.2.8", "shop");
        let refused = store(&mut third, "u4", &[4; 6]);
        assert_eq!(refused, Err(AssetRefused::SiteFull { held: 12, size: 6, limit: 14 }));
        assert!(refused.unwrap_err().to_string().contains("asset_bytes_per_site"));
        let mut other_site = cache_of("e", "192.0.2.8", "demo");
        store(&mut other_site, "u5", &[5; 6]).unwrap();
        assert_eq!(budget.used(), 18, "refusals take nothing from any share");
        first.clear();
        store(&mut second, "u2", &[2; 6]).expect("a share given back is free again");
        store(&mut third, "u4", &[4; 2]).expect("the site's share too");
    }

    #[test]
    fn clearing_forgets_everything_but_the_token() {
        let mut cache = cache("t");
        store(&mut cache, "u", b"x").unwrap();
        cache.clear();
        assert!(cache.get(&sha256_hex(b"x")).is_none());
        assert!(cache.announcements().is_empty());
        assert_eq!((cache.stored_bytes(), cache.token()), (0, "t"));
    }

    #[test]
    fn only_passive_types_are_served_as_themselves() {
        assert_eq!(served_content_type("image/png"), "image/png");
        assert_eq!(served_content_type("Image/SVG+XML; charset=x"), "image/svg+xml");
        assert_eq!(served_content_type("text/css"), "text/css; charset=utf-8");
        assert_eq!(served_content_type("font/woff2"), "font/woff2");
        for active in ["text/html", "application/javascript", "text/javascript", "", "image/", "image/png\r\nX: y"] {
            assert_eq!(served_content_type(active), "application/octet-stream", "{active:?}");
        }
    }
}
