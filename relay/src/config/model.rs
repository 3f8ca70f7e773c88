//! The configuration's shape: the fields the relay runs with, the defaults, and the development setup.
//! Reading a file is `file.rs`; checking the fields is `validate.rs`.

use crate::auth::AgentAccount;
use crate::keys::generate_password;
use crate::proxies::Cidr;
use cobrowse_protocol::MaskingRules;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;
use thiserror::Error;

/// Everything the relay needs to know besides the address it listens on.
#[derive(Debug, Clone)]
pub struct Config {
    /// Sites whose pages may start sessions, each with the origins it may be embedded in.
    pub sites: Vec<SiteConfig>,
    /// Agents who may join sessions.
    pub agents: Vec<AgentAccount>,
    /// The static files: `cobrowse.js`, `cobrowse.css`, `agent/`, `demo/`.
    pub www_dir: PathBuf,
    /// The built wasm packages: `visitor/` and `agent/pkg/` (written by `cargo xtask build`).
    pub site_dir: PathBuf,
    /// The largest WebSocket message a peer may send; a larger one closes its socket with 1009.
    pub max_frame_bytes: usize,
    /// How long a session key stays valid while no agent has joined (TOML: `key_ttl_secs`).
    pub key_ttl: Duration,
    /// How many decimal digits a session key has.
    pub key_digits: u32,
    /// How many frames may wait for one agent; past that the agent skips ahead to the next snapshot.
    pub agent_queue_frames: usize,
    /// Past this many bytes of kept state (snapshot and deltas), the relay asks the visitor for a fresh snapshot.
    pub kept_state_bytes: usize,
    /// How many sessions may be live at once; a visitor past that is closed with 4013.
    pub max_sessions: usize,
    /// The largest asset a visitor may upload (larger ones are dropped; the visitor stays connected).
    pub max_asset_bytes: usize,
    /// The most bytes of distinct assets one session may hold; uploads past it are dropped.
    pub session_asset_bytes: usize,
    /// The most bytes of assets all live sessions may hold together; uploads past it are dropped.
    pub total_asset_bytes: usize,
    /// Whether the relay fetches a file a visitor offers (`AssetOffer`: a URL on the page's own origin or
    /// one of its site's `asset_origins`, and its bytes' SHA-256) itself, without cookies, so the visitor
    /// uploads only what the public cannot read. Off: every offer is answered `AssetWanted` and the visitor
    /// uploads it.
    pub fetch_public_assets: bool,
    /// Whether those fetches may go to loopback, private, link-local and other non-public addresses too
    /// (an intranet site, or tests on loopback). Off, only a site that lists the origin itself in its
    /// `origins` is fetched from such addresses (not one it lists in `asset_origins` only).
    pub fetch_assets_from_private_addresses: bool,
    /// How many failed joins (wrong passwords, unknown keys) one address or one account may make before
    /// it must wait (`limits.join_backoff_secs`, doubling); a failure is forgotten after a quiet minute.
    /// Successful joins never count.
    pub join_attempts_per_minute: u32,
    /// How often the relay pings each peer (TOML: `heartbeat_interval_secs`).
    pub heartbeat_interval: Duration,
    /// How long a peer may stay silent (no frame, no pong) before its socket is closed with 4011
    /// (TOML: `heartbeat_timeout_secs`).
    pub heartbeat_timeout: Duration,
    /// How long a session waits for its visitor to come back (the next page, a reconnection) before it
    /// ends (TOML: `resume_grace_secs`).
    pub resume_grace: Duration,
    /// How long a session may go without a page frame from its visitor before it ends
    /// (TOML: `idle_limit_secs`).
    pub idle_limit: Duration,
    /// Serve HTTPS and WSS with this certificate; plain HTTP when absent.
    pub tls: Option<TlsConfig>,
    /// Peers whose `X-Forwarded-For` header is believed (reverse proxies, load balancers); the client
    /// address the join limit and the logs see is read from it. Empty: the TCP peer is the client.
    pub trusted_proxies: Vec<Cidr>,
    /// Serve plain HTTP on an address other than loopback (only behind a TLS-terminating proxy on a
    /// private network). Without it, and without `tls`, the relay refuses to start on such an address.
    pub insecure_public: bool,
    /// The audit log (`[audit]`); none when absent.
    pub audit: Option<AuditConfig>,
    /// When set, `/metrics` answers only requests with `Authorization: Bearer <this>`.
    pub metrics_token: Option<String>,
    /// Connections, sign-ins and memory (TOML: `[limits]`).
    pub limits: super::limits::Limits,
    /// The Redis engine that makes this relay a node of a cluster (`[cluster]`, `--redis`); alone when absent.
    pub cluster: Option<super::cluster::ClusterConfig>,
}

/// A site that may start sessions.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    /// The id a page gives as `data-site`, sent as `/ws/visitor?site=ID`.
    pub id: String,
    /// Exact origins (`scheme://host[:port]`, like `https://shop.example`) whose pages may start
    /// sessions for this site, or `"*"` for any origin.
    pub origins: Vec<String>,
    /// Other origins (`scheme://host[:port]`, like `https://cdn.example`; never `"*"`) the relay may fetch
    /// the files a visitor offers from, besides the page's own origin: the site's CDN, a font service.
    /// Their addresses are checked as any other's (listing one here does not vouch for a private address).
    #[serde(default)]
    pub asset_origins: Vec<String>,
    /// What the visitor masks or blocks beyond its built-in rules (`[sites.masking]`); sent to the visitor
    /// with the session key.
    #[serde(default, deserialize_with = "masking_table")]
    pub masking: MaskingRules,
    /// Which of the visitor's tabs a session follows (`tabs = "visible"` or `"first"`).
    #[serde(default)]
    pub tabs: TabPolicy,
    /// Whether the visitor allows each agent before it sees anything (`consent = "always"` or `"never"`).
    #[serde(default)]
    pub consent: ConsentPolicy,
    /// Whether an agent may ask the visitor for control of the page (`remote_control = "ask"` or `"never"`).
    #[serde(default)]
    pub remote_control: ControlPolicy,
    /// Where this site's sessions' events are POSTed (`[sites.webhook]`), if anywhere.
    #[serde(default)]
    pub webhook: Option<WebhookConfig>,
}

impl AuditConfig {
    /// The `path` that means stdout.
    pub const STDOUT: &'static str = "-";
}

/// A site's webhook: the URL its events are POSTed to, and the secret their signature is keyed with.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// `https://host[:port]/path` (or `http://`, on a private network).
    pub url: String,
    /// The HMAC-SHA256 key of the `X-Cobrowse-Signature` header.
    pub secret: String,
    /// A PEM file of CA certificates trusted for this webhook's https server besides the public roots
    /// (a private CA); none: the public roots only.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
}

impl WebhookConfig {
    /// A webhook to `url`, signed with `secret`, trusting the public roots.
    pub fn new(url: impl Into<String>, secret: impl Into<String>) -> WebhookConfig {
        WebhookConfig { url: url.into(), secret: secret.into(), ca_file: None }
    }

    /// The certificates of `ca_file` (none without one); the error says what is wrong with the file.
    pub(crate) fn ca_certificates(
        &self,
    ) -> Result<Vec<tokio_rustls::rustls::pki_types::CertificateDer<'static>>, String> {
        use tokio_rustls::rustls::pki_types::pem::PemObject;
        use tokio_rustls::rustls::pki_types::CertificateDer;
        let Some(path) = &self.ca_file else { return Ok(Vec::new()) };
        let certificates = CertificateDer::pem_file_iter(path)
            .and_then(|certificates| certificates.collect::<Result<Vec<_>, _>>())
            .map_err(|error| format!("{} cannot be read as PEM certificates: {error}", path.display()))?;
        if certificates.is_empty() {
            return Err(format!("{} holds no PEM certificate (-----BEGIN CERTIFICATE-----)", path.display()));
        }
        Ok(certificates)
    }
}

/// The audit log: JSON lines to a file (rotated by size) or to stdout.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditConfig {
    /// The file the lines are appended to, or `-` for stdout.
    pub path: PathBuf,
    /// Past this many bytes the file becomes `PATH.1` and a new one starts; 0: never by size.
    #[serde(default = "defaults::audit_max_bytes")]
    pub max_bytes: u64,
    /// How many old files (`PATH.1` … `PATH.N`) are kept.
    #[serde(default = "defaults::audit_keep")]
    pub keep: usize,
}

/// Whether a site asks its visitors before an agent watches.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConsentPolicy {
    /// Every agent waits for the visitor's Allow (once per agent account per session) before any page
    /// content reaches it.
    #[default]
    Always,
    /// An agent with the key sees the page at once (the visitor still sees who watches).
    Never,
}

/// Whether a site lets agents control its visitors' pages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ControlPolicy {
    /// An agent may ask; the visitor allows or declines each request, and may take control back at once.
    #[default]
    Ask,
    /// Agents only watch, point and draw: every request is refused by the relay.
    Never,
}

/// Which of a visitor's tabs may carry its session.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TabPolicy {
    /// The tab the visitor is looking at: a tab of the site that becomes visible takes the session over.
    #[default]
    Visible,
    /// Only the tab that started the session (and the pages it loads) may carry it.
    First,
}

/// `[sites.masking]` as written in the file: every field may be left out, a misspelt one is an error.
/// (The protocol's [`MaskingRules`] stays free of these serde attributes: the visitor's download pays for
/// every line of its decoder.)
#[derive(Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct MaskingTable {
    mask_selectors: Vec<String>,
    block_selectors: Vec<String>,
    unmask_selectors: Vec<String>,
    mask_all_inputs: bool,
    mask_all_text: bool,
}

fn masking_table<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<MaskingRules, D::Error> {
    let table = MaskingTable::deserialize(deserializer)?;
    Ok(MaskingRules {
        mask_selectors: table.mask_selectors,
        block_selectors: table.block_selectors,
        unmask_selectors: table.unmask_selectors,
        mask_all_inputs: table.mask_all_inputs,
        mask_all_text: table.mask_all_text,
    })
}

/// The certificate and key for HTTPS and WSS.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// PEM file with the certificate chain, leaf first.
    pub cert: PathBuf,
    /// PEM file with the private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
    /// Where the `cobrowse-relay` command serves plain HTTP that only redirects to HTTPS (and answers
    /// `/healthz`); `"off"` for nowhere. [`crate::spawn`] ignores it: give it to [`crate::spawn_with`].
    #[serde(default)]
    pub redirect_listen: RedirectListen,
}

impl TlsConfig {
    /// These PEM files, with the redirect listener at its default.
    pub fn new(cert: PathBuf, key: PathBuf) -> TlsConfig {
        TlsConfig { cert, key, redirect_listen: RedirectListen::default() }
    }
}

/// Where plain HTTP is redirected to HTTPS: an address (default `0.0.0.0:80`), or `"off"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub enum RedirectListen {
    At(SocketAddr),
    Off,
}

impl RedirectListen {
    /// The address, unless switched off.
    pub fn addr(self) -> Option<SocketAddr> {
        match self {
            RedirectListen::At(addr) => Some(addr),
            RedirectListen::Off => None,
        }
    }
}

impl Default for RedirectListen {
    fn default() -> RedirectListen {
        RedirectListen::At(defaults::REDIRECT_LISTEN)
    }
}

impl TryFrom<String> for RedirectListen {
    type Error = String;

    fn try_from(text: String) -> Result<RedirectListen, String> {
        if text == "off" {
            return Ok(RedirectListen::Off);
        }
        text.parse().map(RedirectListen::At).map_err(|_| {
            format!("redirect_listen {text:?} is neither an address like \"0.0.0.0:80\" or \"[::]:80\" nor \"off\"")
        })
    }
}

/// Why a configuration cannot be used.
#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("cannot read the config file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{source_name} is not valid: {message}")]
    Parse { source_name: String, message: String },
    #[error("{source_name}: `{field}` {problem}")]
    Invalid { source_name: String, field: String, problem: String },
}

/// The defaults, also documented in `relay/example-config.toml`.
pub mod defaults {
    use std::net::{IpAddr, Ipv4Addr, SocketAddr};
    use std::time::Duration;

    pub const MAX_FRAME_BYTES: usize = 8 << 20;
    pub const KEY_TTL: Duration = Duration::from_secs(10 * 60);
    pub const KEY_DIGITS: u32 = 6;
    pub const AGENT_QUEUE_FRAMES: usize = 256;
    pub const KEPT_STATE_BYTES: usize = 16 << 20;
    pub const MAX_SESSIONS: usize = 10_000;
    /// Below `MAX_FRAME_BYTES`: the upload's frame carries its URL and type too.
    pub const MAX_ASSET_BYTES: usize = 4 << 20;
    pub const SESSION_ASSET_BYTES: usize = 32 << 20;
    pub const TOTAL_ASSET_BYTES: usize = 1 << 30;
    pub const FETCH_PUBLIC_ASSETS: bool = true;
    pub const FETCH_ASSETS_FROM_PRIVATE_ADDRESSES: bool = false;
    pub const JOIN_ATTEMPTS_PER_MINUTE: u32 = 10;
    pub const HEARTBEAT_INTERVAL: Duration = Duration::from_secs(10);
    pub const HEARTBEAT_TIMEOUT: Duration = Duration::from_secs(30);
    pub const RESUME_GRACE: Duration = Duration::from_secs(60);
    pub const IDLE_LIMIT: Duration = Duration::from_secs(30 * 60);
    /// Where the `cobrowse-relay` command listens without TLS (`--listen`): loopback only.
    pub const PLAIN_LISTEN: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 8080);
    /// Where it listens with a certificate: HTTPS on every interface.
    pub const TLS_LISTEN: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 443);
    /// Where it listens with `--dev-tls`: HTTPS on loopback, a port that needs no privilege.
    pub const DEV_TLS_LISTEN: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 8443);
    /// Where it redirects plain HTTP to HTTPS when serving a certificate.
    pub const REDIRECT_LISTEN: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 80);
    pub const AUDIT_MAX_BYTES: u64 = 100 << 20;
    pub const AUDIT_KEEP: usize = 5;

    pub(crate) fn audit_max_bytes() -> u64 {
        AUDIT_MAX_BYTES
    }

    pub(crate) fn audit_keep() -> usize {
        AUDIT_KEEP
    }
}

/// The fewest and most digits a session key may have: fewer is guessable, more is tedious to read aloud.
pub(super) const KEY_DIGITS_RANGE: std::ops::RangeInclusive<u32> = 4..=12;

impl Config {
    /// Development default: site "demo" allowed from any origin; one agent "demo" with `password`, or a
    /// fresh random one. Static files from the workspace's `www/` and `target/site/`.
    pub fn development(password: Option<String>) -> Config {
        let password = password.unwrap_or_else(generate_password);
        let sites = vec![SiteConfig {
            id: "demo".into(),
            origins: vec!["*".into()],
            asset_origins: Vec::new(),
            masking: MaskingRules::default(),
            tabs: TabPolicy::default(),
            consent: ConsentPolicy::default(),
            remote_control: ControlPolicy::default(),
            webhook: None,
        }];
        let agents = vec![AgentAccount::with_password("demo", &password)];
        Config::with_defaults(sites, agents)
    }

    /// The given sites and agents, with every other field at its default.
    pub fn with_defaults(sites: Vec<SiteConfig>, agents: Vec<AgentAccount>) -> Config {
        Config {
            sites,
            agents,
            www_dir: workspace_dir().join("www"),
            site_dir: workspace_dir().join("target").join("site"),
            max_frame_bytes: defaults::MAX_FRAME_BYTES,
            key_ttl: defaults::KEY_TTL,
            key_digits: defaults::KEY_DIGITS,
            agent_queue_frames: defaults::AGENT_QUEUE_FRAMES,
            kept_state_bytes: defaults::KEPT_STATE_BYTES,
            max_sessions: defaults::MAX_SESSIONS,
            max_asset_bytes: defaults::MAX_ASSET_BYTES,
            session_asset_bytes: defaults::SESSION_ASSET_BYTES,
            total_asset_bytes: defaults::TOTAL_ASSET_BYTES,
            fetch_public_assets: defaults::FETCH_PUBLIC_ASSETS,
            fetch_assets_from_private_addresses: defaults::FETCH_ASSETS_FROM_PRIVATE_ADDRESSES,
            join_attempts_per_minute: defaults::JOIN_ATTEMPTS_PER_MINUTE,
            heartbeat_interval: defaults::HEARTBEAT_INTERVAL,
            heartbeat_timeout: defaults::HEARTBEAT_TIMEOUT,
            resume_grace: defaults::RESUME_GRACE,
            idle_limit: defaults::IDLE_LIMIT,
            tls: None,
            trusted_proxies: Vec::new(),
            insecure_public: false,
            audit: None,
            metrics_token: None,
            limits: super::limits::Limits::default(),
            cluster: None,
        }
    }
}

impl SiteConfig {
    /// Whether a page with this `Origin` header may start a session for this site.
    pub fn allows_origin(&self, origin: Option<&str>) -> bool {
        self.origins.iter().any(|allowed| allowed == "*" || Some(allowed.as_str()) == origin)
    }
}

/// The workspace root, found from this crate's folder at build time.
fn workspace_dir() -> PathBuf {
    let relay_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    relay_dir.parent().unwrap_or(relay_dir).to_owned()
}
