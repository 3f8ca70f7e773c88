//! The relay's configuration: which sites may start sessions, which agents may join them, where the static
//! files are, and the limits that keep one peer from hurting the others.
//!
//! It comes from a TOML file (every field is documented in `relay/example-config.toml`) or, for a local
//! demo, from [`Config::development`]. Both go through [`Config::validate`], so a mistake is reported at
//! start, naming the file and the field, instead of surfacing later as a refused visitor.

mod validate;

use crate::keys::generate_password;
use cobrowse_protocol::MaskingRules;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::Duration;
use thiserror::Error;
use validate::{validate_agents, validate_limits, validate_sites, FieldProblem};

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
    /// How many join attempts one IP address may make per minute (a burst of that many, then refilled).
    pub join_attempts_per_minute: u32,
    /// How often the relay pings each peer (TOML: `heartbeat_interval_secs`).
    pub heartbeat_interval: Duration,
    /// How long a peer may stay silent (no frame, no pong) before its socket is closed with 4011
    /// (TOML: `heartbeat_timeout_secs`).
    pub heartbeat_timeout: Duration,
    /// Serve HTTPS and WSS with this certificate; plain HTTP when absent.
    pub tls: Option<TlsConfig>,
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
    /// What the visitor masks or blocks beyond its built-in rules (`[sites.masking]`); sent to the visitor
    /// with the session key.
    #[serde(default, deserialize_with = "masking_table")]
    pub masking: MaskingRules,
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

/// An agent who may join sessions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentAccount {
    /// The name the agent signs in with; the visitor sees it.
    pub name: String,
    /// The agent's password as an argon2 PHC string (`$argon2id$v=19$...`); see [`AgentAccount::with_password`].
    pub password_hash: String,
}

/// The certificate and key for HTTPS and WSS.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// PEM file with the certificate chain, leaf first.
    pub cert: PathBuf,
    /// PEM file with the private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
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
    pub const JOIN_ATTEMPTS_PER_MINUTE: u32 = 10;
    pub const HEARTBEAT_INTERVAL: Duration = Duration::from_secs(10);
    pub const HEARTBEAT_TIMEOUT: Duration = Duration::from_secs(30);
}

/// The fewest and most digits a session key may have: fewer is guessable, more is tedious to read aloud.
const KEY_DIGITS_RANGE: std::ops::RangeInclusive<u32> = 4..=12;

impl Config {
    /// Development default: site "demo" allowed from any origin; one agent "demo" with `password`, or a
    /// fresh random one. Static files from the workspace's `www/` and `target/site/`.
    pub fn development(password: Option<String>) -> Config {
        let password = password.unwrap_or_else(generate_password);
        let sites = vec![SiteConfig { id: "demo".into(), origins: vec!["*".into()], masking: MaskingRules::default() }];
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
            join_attempts_per_minute: defaults::JOIN_ATTEMPTS_PER_MINUTE,
            heartbeat_interval: defaults::HEARTBEAT_INTERVAL,
            heartbeat_timeout: defaults::HEARTBEAT_TIMEOUT,
            tls: None,
        }
    }

    /// Reads a TOML config file. Relative paths in it are taken from the file's own folder.
    pub fn from_toml_file(path: &Path) -> Result<Config, ConfigError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.to_owned(), source })?;
        let base = path.parent().unwrap_or(Path::new(""));
        parse(&text, &format!("config file {}", path.display()), base)
    }

    /// Parses TOML config text. Relative paths in it are taken from the current directory.
    pub fn from_toml_str(text: &str) -> Result<Config, ConfigError> {
        parse(text, "config", Path::new(""))
    }

    /// Checks every field; `source_name` says where the config came from, for the error message.
    pub fn validate(&self, source_name: &str) -> Result<(), ConfigError> {
        let invalid = |field: String, problem: String| ConfigError::Invalid {
            source_name: source_name.to_owned(),
            field,
            problem,
        };
        validate_sites(&self.sites).map_err(|(field, problem)| invalid(field, problem))?;
        validate_agents(&self.agents).map_err(|(field, problem)| invalid(field, problem))?;
        validate_limits(self).map_err(|(field, problem)| invalid(field.to_owned(), problem))
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

/// The TOML file as written: every field optional but the lists' own.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    sites: Vec<SiteConfig>,
    #[serde(default)]
    agents: Vec<AgentEntry>,
    www_dir: Option<PathBuf>,
    site_dir: Option<PathBuf>,
    max_frame_bytes: Option<usize>,
    key_ttl_secs: Option<u64>,
    key_digits: Option<u32>,
    agent_queue_frames: Option<usize>,
    kept_state_bytes: Option<usize>,
    max_sessions: Option<usize>,
    max_asset_bytes: Option<usize>,
    session_asset_bytes: Option<usize>,
    total_asset_bytes: Option<usize>,
    join_attempts_per_minute: Option<u32>,
    heartbeat_interval_secs: Option<u64>,
    heartbeat_timeout_secs: Option<u64>,
    tls: Option<TlsConfig>,
}

/// An agent as written in the file: a hash, or (for development) a plain password hashed at load.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AgentEntry {
    name: String,
    password_hash: Option<String>,
    password: Option<String>,
}

fn parse(text: &str, source_name: &str, base: &Path) -> Result<Config, ConfigError> {
    let file: ConfigFile = toml::from_str(text)
        .map_err(|error| ConfigError::Parse { source_name: source_name.to_owned(), message: error.to_string() })?;
    let agents = file
        .agents
        .into_iter()
        .enumerate()
        .map(|(index, entry)| agent_from_entry(index, entry))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|(field, problem)| ConfigError::Invalid { source_name: source_name.to_owned(), field, problem })?;
    let mut config = Config::with_defaults(file.sites, agents);
    if let Some(dir) = file.www_dir {
        config.www_dir = base.join(dir);
    }
    if let Some(dir) = file.site_dir {
        config.site_dir = base.join(dir);
    }
    config.max_frame_bytes = file.max_frame_bytes.unwrap_or(config.max_frame_bytes);
    config.key_ttl = file.key_ttl_secs.map(Duration::from_secs).unwrap_or(config.key_ttl);
    config.key_digits = file.key_digits.unwrap_or(config.key_digits);
    config.agent_queue_frames = file.agent_queue_frames.unwrap_or(config.agent_queue_frames);
    config.kept_state_bytes = file.kept_state_bytes.unwrap_or(config.kept_state_bytes);
    config.max_sessions = file.max_sessions.unwrap_or(config.max_sessions);
    config.max_asset_bytes = file.max_asset_bytes.unwrap_or(config.max_asset_bytes);
    config.session_asset_bytes = file.session_asset_bytes.unwrap_or(config.session_asset_bytes);
    config.total_asset_bytes = file.total_asset_bytes.unwrap_or(config.total_asset_bytes);
    config.join_attempts_per_minute = file.join_attempts_per_minute.unwrap_or(config.join_attempts_per_minute);
    config.heartbeat_interval =
        file.heartbeat_interval_secs.map(Duration::from_secs).unwrap_or(config.heartbeat_interval);
    config.heartbeat_timeout = file.heartbeat_timeout_secs.map(Duration::from_secs).unwrap_or(config.heartbeat_timeout);
    config.tls = file.tls.map(|tls| TlsConfig { cert: base.join(tls.cert), key: base.join(tls.key) });
    config.validate(source_name)?;
    Ok(config)
}

fn agent_from_entry(index: usize, entry: AgentEntry) -> Result<AgentAccount, FieldProblem> {
    let field = |name: &str| format!("agents[{index}].{name}");
    match (entry.password_hash, entry.password) {
        (Some(password_hash), None) => Ok(AgentAccount { name: entry.name, password_hash }),
        (None, Some(password)) => Ok(AgentAccount::with_password(&entry.name, &password)),
        (Some(_), Some(_)) => Err((
            field("password"),
            "is given together with `password_hash`: keep only `password_hash` (or, for development, only `password`)".into(),
        )),
        (None, None) => Err((
            field("password_hash"),
            "is missing: give an argon2 hash from `cobrowse-relay hash-password` (or, for development, a plain `password`)".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fast_hash() -> String {
        crate::auth::hash_password_with_params("pw", argon2::Params::new(8, 1, 1, None).unwrap())
    }

    #[test]
    fn a_full_file_parses_with_paths_from_its_folder() {
        let text = format!(
            r#"
            www_dir = "static"
            key_ttl_secs = 30
            key_digits = 8
            [[sites]]
            id = "shop"
            origins = ["https://shop.example", "http://127.0.0.1:5000"]
            [[agents]]
            name = "ana"
            password_hash = "{}"
            [tls]
            cert = "cert.pem"
            key = "/etc/key.pem"
            "#,
            fast_hash()
        );
        let config = parse(&text, "test", Path::new("/srv/relay")).unwrap();
        assert_eq!(config.www_dir, Path::new("/srv/relay/static"));
        assert_eq!(config.key_ttl, Duration::from_secs(30));
        assert_eq!(config.key_digits, 8);
        assert_eq!(config.sites[0].origins.len(), 2);
        assert_eq!(config.agents[0].name, "ana");
        let tls = config.tls.unwrap();
        assert_eq!(tls.cert, Path::new("/srv/relay/cert.pem"));
        assert_eq!(tls.key, Path::new("/etc/key.pem"));
        assert_eq!(config.max_frame_bytes, defaults::MAX_FRAME_BYTES);
    }

    #[test]
    fn errors_name_the_source_and_the_field() {
        let error = Config::from_toml_str("[[sites]]\nid = \"s\"\norigins = [\"https://a.example/\"]").unwrap_err();
        let message = error.to_string();
        assert!(message.contains("config") && message.contains("sites[0].origins[0]"), "{message}");

        let error = Config::from_toml_str("[[agents]]\nname = \"a\"").unwrap_err().to_string();
        assert!(error.contains("agents[0].password_hash") && error.contains("hash-password"), "{error}");

        let error =
            Config::from_toml_str("[[agents]]\nname = \"a\"\npassword_hash = \"nope\"").unwrap_err().to_string();
        assert!(error.contains("agents[0].password_hash"), "{error}");

        let error = Config::from_toml_str("key_ttl = 5").unwrap_err().to_string();
        assert!(error.contains("key_ttl"), "{error}");

        let error = Config::from_toml_str("key_digits = 3").unwrap_err().to_string();
        assert!(error.contains("key_digits"), "{error}");

        let error = Config::from_toml_str("max_asset_bytes = 10\nsession_asset_bytes = 5").unwrap_err().to_string();
        assert!(error.contains("session_asset_bytes") && error.contains("max_asset_bytes"), "{error}");
    }

    #[test]
    fn a_site_s_masking_rules_parse_and_default_to_none() {
        let text = r##"
            [[sites]]
            id = "bank"
            origins = ["*"]
            [sites.masking]
            mask_selectors = [".balance", "#iban"]
            block_selectors = ["iframe.statement"]
            unmask_selectors = ["nav"]
            mask_all_text = true
            [[sites]]
            id = "plain"
            origins = ["*"]
        "##;
        let config = Config::from_toml_str(text).unwrap();
        let masking = &config.sites[0].masking;
        assert_eq!(masking.mask_selectors, [".balance", "#iban"]);
        assert_eq!(masking.block_selectors, ["iframe.statement"]);
        assert_eq!(masking.unmask_selectors, ["nav"]);
        assert!(masking.mask_all_text && !masking.mask_all_inputs);
        assert_eq!(config.sites[1].masking, MaskingRules::default());
    }

    #[test]
    fn bad_masking_selectors_are_refused_naming_the_site() {
        let site = |masking: &str| format!("[[sites]]\nid = \"bank\"\norigins = [\"*\"]\n[sites.masking]\n{masking}");
        for (masking, field) in [
            ("mask_selectors = [\".a\", \"\"]", "sites[0].masking.mask_selectors[1]"),
            ("block_selectors = [\" \"]", "sites[0].masking.block_selectors[0]"),
            ("unmask_selectors = [\"nav { color: red }\"]", "sites[0].masking.unmask_selectors[0]"),
        ] {
            let error = Config::from_toml_str(&site(masking)).unwrap_err().to_string();
            assert!(error.contains(field) && error.contains("\"bank\""), "{error}");
        }
        let error = Config::from_toml_str(&site("mask_selector = [\".a\"]")).unwrap_err().to_string();
        assert!(error.contains("mask_selector"), "a misspelt field is an error: {error}");
    }

    #[test]
    fn a_missing_file_is_named() {
        let error = Config::from_toml_file(Path::new("/nonexistent/relay.toml")).unwrap_err().to_string();
        assert!(error.contains("/nonexistent/relay.toml"), "{error}");
    }

    #[test]
    fn origins_match_exactly_or_by_star() {
        let site =
            SiteConfig { id: "s".into(), origins: vec!["https://a.example".into()], masking: MaskingRules::default() };
        assert!(site.allows_origin(Some("https://a.example")));
        assert!(!site.allows_origin(Some("https://a.example:8443")));
        assert!(!site.allows_origin(None));
        let any = SiteConfig { id: "s".into(), origins: vec!["*".into()], masking: MaskingRules::default() };
        assert!(any.allows_origin(None) && any.allows_origin(Some("http://x")));
    }

    #[test]
    fn the_example_config_parses() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("example-config.toml");
        let config = Config::from_toml_file(&path).unwrap();
        assert_eq!(config.sites.len(), 2);
        assert_eq!(config.sites[0].masking.mask_selectors, [".account-number", "#checkout .gift-message"]);
        assert_eq!(config.sites[0].masking.block_selectors, ["iframe.payment", ".statement-pdf"]);
        assert_eq!(config.sites[1].masking, MaskingRules::default());
        assert_eq!(config.agents.iter().map(|agent| agent.name.as_str()).collect::<Vec<_>>(), ["ana", "dev"]);
        assert!(config.www_dir.ends_with("relay/../www"), "{}", config.www_dir.display());
        assert_eq!(config.max_frame_bytes, defaults::MAX_FRAME_BYTES);
        assert_eq!(config.key_ttl, defaults::KEY_TTL);
        assert_eq!(config.max_asset_bytes, defaults::MAX_ASSET_BYTES);
        assert_eq!(config.session_asset_bytes, defaults::SESSION_ASSET_BYTES);
        assert_eq!(config.total_asset_bytes, defaults::TOTAL_ASSET_BYTES);
        assert!(config.tls.is_none());
    }

    #[test]
    fn the_development_config_is_valid() {
        let config = Config::development(Some("secret".into()));
        config.validate("development").unwrap();
        assert!(config.www_dir.ends_with("www"));
        assert!(config.site_dir.ends_with("target/site"));
    }
}
