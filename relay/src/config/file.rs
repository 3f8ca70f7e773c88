//! Reading a configuration from TOML: every field optional but the lists' own, relative paths taken from
//! the file's folder, and the result checked (`validate.rs`) before it is used.

use super::model::{AuditConfig, Config, ConfigError, TlsConfig};
use super::validate::FieldProblem;
use crate::auth::AgentAccount;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::Duration;

impl Config {
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
}

/// The TOML file as written: every field optional but the lists' own.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    sites: Vec<super::model::SiteConfig>,
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
    fetch_public_assets: Option<bool>,
    fetch_assets_from_private_addresses: Option<bool>,
    join_attempts_per_minute: Option<u32>,
    heartbeat_interval_secs: Option<u64>,
    heartbeat_timeout_secs: Option<u64>,
    resume_grace_secs: Option<u64>,
    idle_limit_secs: Option<u64>,
    tls: Option<TlsConfig>,
    trusted_proxies: Option<Vec<crate::proxies::Cidr>>,
    insecure_public: Option<bool>,
    audit: Option<AuditConfig>,
    metrics_token: Option<String>,
    #[serde(default)]
    limits: super::limits::LimitsTable,
    cluster: Option<super::cluster::ClusterConfig>,
}

/// An agent as written in the file: a hash, or (for development) a plain password hashed at load.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AgentEntry {
    name: String,
    password_hash: Option<String>,
    password: Option<String>,
    /// The ids of the sites the agent serves; absent: all.
    sites: Option<Vec<String>>,
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
    config.fetch_public_assets = file.fetch_public_assets.unwrap_or(config.fetch_public_assets);
    config.fetch_assets_from_private_addresses =
        file.fetch_assets_from_private_addresses.unwrap_or(config.fetch_assets_from_private_addresses);
    config.join_attempts_per_minute = file.join_attempts_per_minute.unwrap_or(config.join_attempts_per_minute);
    config.heartbeat_interval =
        file.heartbeat_interval_secs.map(Duration::from_secs).unwrap_or(config.heartbeat_interval);
    config.heartbeat_timeout = file.heartbeat_timeout_secs.map(Duration::from_secs).unwrap_or(config.heartbeat_timeout);
    config.resume_grace = file.resume_grace_secs.map(Duration::from_secs).unwrap_or(config.resume_grace);
    config.idle_limit = file.idle_limit_secs.map(Duration::from_secs).unwrap_or(config.idle_limit);
    config.tls = file.tls.map(|tls| TlsConfig { cert: base.join(tls.cert), key: base.join(tls.key), ..tls });
    config.trusted_proxies = file.trusted_proxies.unwrap_or_default();
    config.insecure_public = file.insecure_public.unwrap_or(config.insecure_public);
    config.audit = file.audit.map(|audit| AuditConfig { path: audit_path(base, audit.path), ..audit });
    config.metrics_token = file.metrics_token;
    config.limits = file.limits.into_limits();
    config.cluster = file.cluster;
    config.validate(source_name)?;
    Ok(config)
}

/// The audit log's path from the file's folder; `-` (stdout) as it is.
fn audit_path(base: &Path, path: PathBuf) -> PathBuf {
    if path == Path::new(AuditConfig::STDOUT) {
        path
    } else {
        base.join(path)
    }
}

fn agent_from_entry(index: usize, entry: AgentEntry) -> Result<AgentAccount, FieldProblem> {
    let field = |name: &str| format!("agents[{index}].{name}");
    let sites = entry.sites;
    match (entry.password_hash, entry.password) {
        (Some(password_hash), None) => Ok(AgentAccount { name: entry.name, password_hash, sites }),
        (None, Some(password)) => Ok(AgentAccount { sites, ..AgentAccount::with_password(&entry.name, &password) }),
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
    use crate::config::{defaults, ConsentPolicy, ControlPolicy, SiteConfig};
    use cobrowse_protocol::MaskingRules;

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
        assert_eq!(config.sites[0].consent, ConsentPolicy::Always);
        assert_eq!(config.sites[0].remote_control, ControlPolicy::Ask);
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
    fn a_site_s_call_settings_parse_default_and_refuse_unknown_values() {
        let site = |extra: &str| format!("[[sites]]\nid = \"s\"\norigins = [\"*\"]\n{extra}");
        let defaults = Config::from_toml_str(&site("")).unwrap();
        assert_eq!(defaults.sites[0].consent, ConsentPolicy::Always);
        assert_eq!(defaults.sites[0].remote_control, ControlPolicy::Ask);
        let set = Config::from_toml_str(&site("consent = \"never\"\nremote_control = \"never\"")).unwrap();
        assert_eq!((set.sites[0].consent, set.sites[0].remote_control), (ConsentPolicy::Never, ControlPolicy::Never));
        let error = Config::from_toml_str(&site("consent = \"sometimes\"")).unwrap_err().to_string();
        assert!(error.contains("sometimes") && error.contains("always"), "{error}");
    }

    #[test]
    fn audit_webhooks_and_the_metrics_token_parse_default_and_are_checked() {
        let text = r#"
            metrics_token = "scrape-me"
            [audit]
            path = "logs/audit.jsonl"
            [[sites]]
            id = "s"
            origins = ["*"]
            [sites.webhook]
            url = "http://hooks.example:8080/cobrowse"
            secret = "0123456789abcdef0123"
        "#;
        let config = parse(text, "test", Path::new("/srv/relay")).unwrap();
        let audit = config.audit.unwrap();
        assert_eq!(audit.path, Path::new("/srv/relay/logs/audit.jsonl"));
        assert_eq!((audit.max_bytes, audit.keep), (defaults::AUDIT_MAX_BYTES, defaults::AUDIT_KEEP));
        assert_eq!(config.metrics_token.as_deref(), Some("scrape-me"));
        assert_eq!(config.sites[0].webhook.as_ref().unwrap().url, "http://hooks.example:8080/cobrowse");
        let stdout = parse("[audit]\npath = \"-\"", "test", Path::new("/srv/relay")).unwrap();
        assert_eq!(stdout.audit.unwrap().path, Path::new("-"));
        assert!(Config::from_toml_str("").unwrap().audit.is_none());

        let site = |webhook: &str| format!("[[sites]]\nid = \"s\"\norigins = [\"*\"]\n[sites.webhook]\n{webhook}");
        let https = Config::from_toml_str(&site("url = \"https://h.example/x\"\nsecret = \"0123456789abcdef\""));
        assert!(https.is_ok(), "https webhooks are allowed: {https:?}");
        for (webhook, expected) in [
            ("url = \"ftp://h.example/x\"\nsecret = \"0123456789abcdef\"", "sites[0].webhook.url"),
            (
                "url = \"https://h.example/x\"\nsecret = \"0123456789abcdef\"\nca_file = \"/nonexistent/ca.pem\"",
                "sites[0].webhook.ca_file",
            ),
            ("url = \"hooks.example/x\"\nsecret = \"0123456789abcdef\"", "sites[0].webhook.url"),
            ("url = \"http://h.example/x\"\nsecret = \"short\"", "sites[0].webhook.secret"),
        ] {
            let error = Config::from_toml_str(&site(webhook)).unwrap_err().to_string();
            assert!(error.contains(expected), "{error}");
        }
        for (text, expected) in [
            ("[audit]\npath = \"\"", "audit.path"),
            ("[audit]\npath = \"a\"\nmax_bytes = 10", "audit.max_bytes"),
            ("[audit]\npath = \"a\"\nkeep = 100000", "audit.keep"),
            ("metrics_token = \" \"", "metrics_token"),
        ] {
            let error = Config::from_toml_str(text).unwrap_err().to_string();
            assert!(error.contains(expected), "{error}");
        }
    }

    #[test]
    fn fetching_public_assets_is_on_unless_turned_off() {
        assert!(Config::from_toml_str("").unwrap().fetch_public_assets);
        assert!(!Config::from_toml_str("fetch_public_assets = false").unwrap().fetch_public_assets);
        let error = Config::from_toml_str("fetch_public_assets = \"no\"").unwrap_err().to_string();
        assert!(error.contains("fetch_public_assets"), "{error}");
        assert!(!Config::from_toml_str("").unwrap().fetch_assets_from_private_addresses);
        let intranet = Config::from_toml_str("fetch_assets_from_private_addresses = true").unwrap();
        assert!(intranet.fetch_assets_from_private_addresses);
    }

    #[test]
    fn a_site_s_asset_origins_parse_default_to_none_and_are_checked() {
        let site = |extra: &str| format!("[[sites]]\nid = \"s\"\norigins = [\"https://shop.example\"]\n{extra}");
        assert!(Config::from_toml_str(&site("")).unwrap().sites[0].asset_origins.is_empty());
        let listed = site("asset_origins = [\"https://cdn.example\", \"https://fonts.gstatic.com\"]");
        let listed = Config::from_toml_str(&listed).unwrap();
        assert_eq!(listed.sites[0].asset_origins, ["https://cdn.example", "https://fonts.gstatic.com"]);
        for (entry, problem) in [
            ("https://cdn.example/fonts/", "no path"),
            ("https://cdn.example?v=1", "query"),
            ("https://user@cdn.example", "user or password"),
            ("ftp://cdn.example", "http or https"),
            ("cdn.example", "scheme://host[:port]"),
        ] {
            let text = site(&format!("asset_origins = [\"https://cdn.example\", \"{entry}\"]"));
            let error = Config::from_toml_str(&text).unwrap_err().to_string();
            assert!(error.contains("sites[0].asset_origins[1]") && error.contains(problem), "{entry}: {error}");
        }
        let error = Config::from_toml_str(&site("asset_origins = [\"*\"]")).unwrap_err().to_string();
        assert!(error.contains("sites[0].asset_origins[0]") && error.contains("any host"), "{error}");
        assert!(
            error.contains("list each origin") && error.contains("https://cdn.example"),
            "says what to write: {error}"
        );
    }

    #[test]
    fn a_missing_file_is_named() {
        let error = Config::from_toml_file(Path::new("/nonexistent/relay.toml")).unwrap_err().to_string();
        assert!(error.contains("/nonexistent/relay.toml"), "{error}");
    }

    #[test]
    fn origins_match_exactly_or_by_star() {
        let site = SiteConfig {
            id: "s".into(),
            origins: vec!["https://a.example".into()],
            asset_origins: Vec::new(),
            masking: MaskingRules::default(),
            tabs: Default::default(),
            consent: Default::default(),
            remote_control: Default::default(),
            webhook: None,
        };
        assert!(site.allows_origin(Some("https://a.example")));
        assert!(!site.allows_origin(Some("https://a.example:8443")));
        assert!(!site.allows_origin(None));
        let any = SiteConfig {
            id: "s".into(),
            origins: vec!["*".into()],
            asset_origins: Vec::new(),
            masking: MaskingRules::default(),
            tabs: Default::default(),
            consent: Default::default(),
            remote_control: Default::default(),
            webhook: None,
        };
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
        assert_eq!(config.sites[0].asset_origins, ["https://cdn.shop.example", "https://fonts.gstatic.com"]);
        assert_eq!(config.sites[0].consent, ConsentPolicy::Always);
        assert_eq!(config.sites[0].remote_control, ControlPolicy::Ask);
        assert_eq!(config.agents.iter().map(|agent| agent.name.as_str()).collect::<Vec<_>>(), ["ana", "dev"]);
        assert!(config.www_dir.ends_with("relay/../www"), "{}", config.www_dir.display());
        assert_eq!(config.max_frame_bytes, defaults::MAX_FRAME_BYTES);
        assert_eq!(config.key_ttl, defaults::KEY_TTL);
        assert_eq!(config.max_asset_bytes, defaults::MAX_ASSET_BYTES);
        assert_eq!(config.session_asset_bytes, defaults::SESSION_ASSET_BYTES);
        assert_eq!(config.total_asset_bytes, defaults::TOTAL_ASSET_BYTES);
        assert!(config.fetch_public_assets);
        assert!(config.tls.is_none());
    }

    #[test]
    fn ports_and_proxies_parse_with_their_defaults() {
        let config = Config::from_toml_str("").unwrap();
        assert!(config.trusted_proxies.is_empty() && !config.insecure_public);

        let text = r#"
            trusted_proxies = ["10.0.0.0/8", "fd00::/8", "192.0.2.7"]
            insecure_public = true
            [tls]
            cert = "c.pem"
            key = "k.pem"
        "#;
        let config = Config::from_toml_str(text).unwrap();
        assert_eq!(config.trusted_proxies.len(), 3);
        assert!(config.trusted_proxies[0].contains("10.9.8.7".parse().unwrap()));
        assert!(config.insecure_public);
        assert_eq!(config.tls.unwrap().redirect_listen.addr(), Some(defaults::REDIRECT_LISTEN));

        let off = Config::from_toml_str("[tls]\ncert = \"c\"\nkey = \"k\"\nredirect_listen = \"off\"").unwrap();
        assert_eq!(off.tls.unwrap().redirect_listen.addr(), None);
        let at =
            Config::from_toml_str("[tls]\ncert = \"c\"\nkey = \"k\"\nredirect_listen = \"127.0.0.1:8081\"").unwrap();
        assert_eq!(at.tls.unwrap().redirect_listen.addr(), Some("127.0.0.1:8081".parse().unwrap()));
    }

    #[test]
    fn bad_ports_and_proxies_say_what_to_write() {
        let error = Config::from_toml_str("trusted_proxies = [\"10.0.0.0/33\"]").unwrap_err().to_string();
        assert!(error.contains("trusted_proxies") && error.contains("10.0.0.0/33"), "{error}");
        let error = Config::from_toml_str("[tls]\ncert = \"c\"\nkey = \"k\"\nredirect_listen = \"port 80\"")
            .unwrap_err()
            .to_string();
        assert!(error.contains("redirect_listen") && error.contains("off"), "{error}");
    }

    #[test]
    fn the_development_config_is_valid() {
        let config = Config::development(Some("secret".into()));
        config.validate("development").unwrap();
        assert!(config.www_dir.ends_with("www"));
        assert!(config.site_dir.ends_with("target/site"));
    }
}
