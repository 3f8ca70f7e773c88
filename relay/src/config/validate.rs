//! Checking a configuration field by field, so a mistake is reported at start naming the field and what
//! to write instead (see [`super::Config::validate`]).

use super::model::{Config, ConfigError, SiteConfig, KEY_DIGITS_RANGE};
use crate::auth::AgentAccount;
use crate::web_origin::Origin;

impl Config {
    /// Checks every field; `source_name` says where the config came from, for the error message.
    pub fn validate(&self, source_name: &str) -> Result<(), ConfigError> {
        let invalid = |field: String, problem: String| ConfigError::Invalid {
            source_name: source_name.to_owned(),
            field,
            problem,
        };
        validate_sites(&self.sites).map_err(|(field, problem)| invalid(field, problem))?;
        validate_agents(&self.agents).map_err(|(field, problem)| invalid(field, problem))?;
        validate_agent_sites(self).map_err(|(field, problem)| invalid(field, problem))?;
        validate_limits(self).map_err(|(field, problem)| invalid(field.to_owned(), problem))?;
        validate_observability(self).map_err(|(field, problem)| invalid(field.to_owned(), problem))?;
        if let Some((field, problem)) = self.cluster.as_ref().and_then(|cluster| cluster.problem()) {
            return Err(invalid(field, problem));
        }
        self.limits.validate(self.max_frame_bytes).map_err(|(field, problem)| invalid(field, problem))
    }
}

/// A field's path in the file (`sites[0].origins`) and what is wrong with it.
pub(super) type FieldProblem = (String, String);

pub(super) fn validate_sites(sites: &[SiteConfig]) -> Result<(), FieldProblem> {
    for (index, site) in sites.iter().enumerate() {
        if site.id.is_empty() {
            return Err((format!("sites[{index}].id"), "is empty: give the id pages send as `data-site`".into()));
        }
        if sites[..index].iter().any(|earlier| earlier.id == site.id) {
            return Err((format!("sites[{index}].id"), format!("{:?} is given twice", site.id)));
        }
        if site.origins.is_empty() {
            return Err((
                format!("sites[{index}].origins"),
                "is empty, so no page could start a session: list origins like \"https://shop.example\", or \"*\""
                    .into(),
            ));
        }
        for (origin_index, origin) in site.origins.iter().enumerate() {
            check_origin(origin).map_err(|problem| (format!("sites[{index}].origins[{origin_index}]"), problem))?;
        }
        check_asset_origins(index, site)?;
        check_masking(index, site)?;
        check_webhook(index, site)?;
    }
    Ok(())
}

/// The shortest webhook secret accepted: a shorter one could be guessed from a few signed bodies.
const MIN_WEBHOOK_SECRET_BYTES: usize = 16;

/// A webhook needs an `https://` (or `http://`) `host[:port]/path` URL, a secret of at least 16 bytes, and
/// a readable `ca_file` if it names one.
fn check_webhook(index: usize, site: &SiteConfig) -> Result<(), FieldProblem> {
    let Some(webhook) = &site.webhook else { return Ok(()) };
    let field = |name: &str| format!("sites[{index}].webhook.{name}");
    let url = &webhook.url;
    match url.parse::<hyper::Uri>() {
        Ok(uri) if matches!(uri.scheme_str(), Some("https" | "http")) && uri.host().is_some() => {}
        _ => return Err((field("url"), format!("{url:?} is not a URL like \"https://hooks.example/cobrowse\""))),
    }
    webhook.ca_certificates().map_err(|problem| (field("ca_file"), problem))?;
    if webhook.secret.len() < MIN_WEBHOOK_SECRET_BYTES {
        return Err((
            field("secret"),
            format!("of site {:?} is shorter than {MIN_WEBHOOK_SECRET_BYTES} bytes: give a long random string (e.g. `openssl rand -hex 32`)", site.id),
        ));
    }
    Ok(())
}

/// The audit log's path and rotation, and the metrics token.
pub(super) fn validate_observability(config: &Config) -> Result<(), (&'static str, String)> {
    if let Some(audit) = &config.audit {
        if audit.path.as_os_str().is_empty() {
            return Err((
                "audit.path",
                "is empty: give a file like \"/var/log/cobrowse/audit.jsonl\", or \"-\" for stdout".into(),
            ));
        }
        if audit.max_bytes != 0 && audit.max_bytes < MIN_AUDIT_FILE_BYTES {
            return Err((
                "audit.max_bytes",
                format!("is {}; give 0 (never rotate by size) or at least {MIN_AUDIT_FILE_BYTES}", audit.max_bytes),
            ));
        }
        if audit.keep > MAX_AUDIT_FILES_KEPT {
            return Err(("audit.keep", format!("is {}; keep at most {MAX_AUDIT_FILES_KEPT} old files", audit.keep)));
        }
    }
    if config.metrics_token.as_deref().is_some_and(|token| token.trim().is_empty()) {
        return Err((
            "metrics_token",
            "is empty: give a long random string, or leave it out to serve /metrics to anyone".into(),
        ));
    }
    Ok(())
}

/// A smaller audit file would rotate at nearly every event.
const MIN_AUDIT_FILE_BYTES: u64 = 1024;
const MAX_AUDIT_FILES_KEPT: usize = 1000;

/// Every configured selector must be one the visitor can use: not empty, and no `{` or `}` (a selector
/// list cannot hold them; they would smuggle CSS rules). The visitor checks the syntax itself and refuses
/// to start on a selector its browser rejects.
fn check_masking(index: usize, site: &SiteConfig) -> Result<(), FieldProblem> {
    let masking = &site.masking;
    let lists = [
        ("mask_selectors", &masking.mask_selectors),
        ("block_selectors", &masking.block_selectors),
        ("unmask_selectors", &masking.unmask_selectors),
    ];
    for (list, selectors) in lists {
        for (selector_index, selector) in selectors.iter().enumerate() {
            let problem = if selector.trim().is_empty() {
                "is empty"
            } else if selector.contains(['{', '}']) {
                "contains `{` or `}`, which no CSS selector has"
            } else {
                continue;
            };
            return Err((
                format!("sites[{index}].masking.{list}[{selector_index}]"),
                format!("{selector:?} of site {:?} {problem}: give a CSS selector like \".secret\"", site.id),
            ));
        }
    }
    Ok(())
}

/// An origin is `scheme://host[:port]` exactly as a browser sends it: no path, no trailing slash.
fn check_origin(origin: &str) -> Result<(), String> {
    if origin == "*" {
        return Ok(());
    }
    Origin::plain(origin).map(drop)
}

/// Each of a site's `asset_origins` is a plain origin; `"*"` is refused, since it would let any page make
/// the relay fetch from anywhere.
fn check_asset_origins(index: usize, site: &SiteConfig) -> Result<(), FieldProblem> {
    for (origin_index, origin) in site.asset_origins.iter().enumerate() {
        let field = format!("sites[{index}].asset_origins[{origin_index}]");
        if origin == "*" {
            return Err((
                field,
                format!(
                    "of site {:?} is \"*\", which would let a visitor's page make the relay fetch from any host: list each origin the site's files come from, like \"https://cdn.example\" or \"https://fonts.gstatic.com\"",
                    site.id
                ),
            ));
        }
        Origin::plain(origin).map_err(|problem| (field, problem))?;
    }
    Ok(())
}

pub(super) fn validate_agents(agents: &[AgentAccount]) -> Result<(), FieldProblem> {
    for (index, agent) in agents.iter().enumerate() {
        if agent.name.is_empty() {
            return Err((format!("agents[{index}].name"), "is empty".into()));
        }
        if agents[..index].iter().any(|earlier| earlier.name == agent.name) {
            return Err((format!("agents[{index}].name"), format!("{:?} is given twice", agent.name)));
        }
        crate::auth::check_hash(&agent.password_hash)
            .map_err(|problem| (format!("agents[{index}].password_hash"), problem))?;
    }
    Ok(())
}

/// An agent's `sites` must name configured sites (and at least one).
fn validate_agent_sites(config: &Config) -> Result<(), FieldProblem> {
    for (index, agent) in config.agents.iter().enumerate() {
        let Some(sites) = &agent.sites else { continue };
        if sites.is_empty() {
            return Err((
                format!("agents[{index}].sites"),
                "is empty, so the agent could join nothing: list site ids, or leave `sites` out for every site".into(),
            ));
        }
        for (site_index, site) in sites.iter().enumerate() {
            if !config.sites.iter().any(|configured| &configured.id == site) {
                return Err((
                    format!("agents[{index}].sites[{site_index}]"),
                    format!("{site:?} is not a configured site id; give one of the [[sites]] ids"),
                ));
            }
        }
    }
    Ok(())
}

pub(super) fn validate_limits(config: &Config) -> Result<(), (&'static str, String)> {
    let at_least = |field: &'static str, value: usize, minimum: usize| {
        if value < minimum {
            Err((field, format!("is {value}; it must be at least {minimum}")))
        } else {
            Ok(())
        }
    };
    at_least("max_frame_bytes", config.max_frame_bytes, 1024)?;
    if config.key_ttl.is_zero() {
        return Err((
            "key_ttl_secs",
            "is 0, so every key would expire at once; give the seconds a visitor has to read it out".into(),
        ));
    }
    at_least("agent_queue_frames", config.agent_queue_frames, 1)?;
    at_least("kept_state_bytes", config.kept_state_bytes, 1)?;
    at_least("max_sessions", config.max_sessions, 1)?;
    if config.session_asset_bytes < config.max_asset_bytes {
        return Err((
            "session_asset_bytes",
            format!(
                "is {}, less than max_asset_bytes ({}): a session could never hold its largest asset; raise it or lower max_asset_bytes (0 for both turns assets off)",
                config.session_asset_bytes, config.max_asset_bytes
            ),
        ));
    }
    let asset_shares = [
        ("limits.asset_bytes_per_address", config.limits.asset_bytes_per_address),
        ("limits.asset_bytes_per_site", config.limits.asset_bytes_per_site),
    ];
    for (field, value) in asset_shares {
        if value < config.max_asset_bytes {
            return Err((
                field,
                format!(
                    "is {value}, less than max_asset_bytes ({}): not even one asset could be stored; raise it (or lower max_asset_bytes)",
                    config.max_asset_bytes
                ),
            ));
        }
    }
    at_least("join_attempts_per_minute", config.join_attempts_per_minute as usize, 1)?;
    if config.heartbeat_interval.is_zero() {
        return Err(("heartbeat_interval_secs", "is 0; give how many seconds apart the relay pings each peer".into()));
    }
    if config.heartbeat_timeout <= config.heartbeat_interval {
        return Err((
            "heartbeat_timeout_secs",
            format!(
                "is {} seconds, not more than heartbeat_interval_secs ({}): a live peer would be closed between two pings; make it at least twice the interval",
                config.heartbeat_timeout.as_secs(),
                config.heartbeat_interval.as_secs()
            ),
        ));
    }
    if config.resume_grace.is_zero() {
        return Err((
            "resume_grace_secs",
            "is 0, so a session would end at the visitor's first page load; give the seconds a session waits for the next page or a reconnection".into(),
        ));
    }
    if config.idle_limit < config.resume_grace {
        return Err((
            "idle_limit_secs",
            format!(
                "is {} seconds, less than resume_grace_secs ({}): a session would end while it waits for its visitor's next page; make it longer",
                config.idle_limit.as_secs(),
                config.resume_grace.as_secs()
            ),
        ));
    }
    if !KEY_DIGITS_RANGE.contains(&config.key_digits) {
        return Err((
            "key_digits",
            format!(
                "is {}; it must be from {} to {}",
                config.key_digits,
                KEY_DIGITS_RANGE.start(),
                KEY_DIGITS_RANGE.end()
            ),
        ));
    }
    let key_space = 10usize.saturating_pow(config.key_digits);
    if config.max_sessions > key_space / 10 {
        return Err((
            "max_sessions",
            format!(
                "is {}, too many for {}-digit keys: keep it under a tenth of the {key_space} keys, or raise key_digits",
                config.max_sessions, config.key_digits
            ),
        ));
    }
    Ok(())
}
