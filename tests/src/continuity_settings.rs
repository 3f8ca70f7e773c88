//! The relay's continuity settings for a test, written as the config file's keys (`resume_grace_secs`,
//! `idle_limit_secs`, the heartbeat's, a site's `tabs` and `consent`) and read by the relay's own TOML parser, so the tests follow the
//! documented keys rather than the Rust field names behind them.

use cobrowse_relay::Config;

/// How the test relay keeps sessions alive; see `relay/example-config.toml`.
#[derive(Debug, Clone)]
pub struct ContinuitySettings {
    /// `resume_grace_secs`: how long a session waits for its visitor to come back.
    pub resume_grace_secs: u64,
    /// `idle_limit_secs`: no page frame from the visitor for that long ends the session.
    pub idle_limit_secs: u64,
    /// The site's `tabs`: `"visible"` (the session follows the tab looked at) or `"first"`.
    pub tabs: &'static str,
    /// `heartbeat_interval_secs` and `heartbeat_timeout_secs`: how often the relay pings each peer, and
    /// how long a silent one may stay.
    pub heartbeat_secs: (u64, u64),
    /// The site's `[sites.masking] mask_selectors`.
    pub mask_selectors: &'static [&'static str],
    /// The site's `consent`: `"never"` by default here, so agents join at once (the support call's own
    /// tests cover `"always"`, the product's default).
    pub consent: &'static str,
}

impl Default for ContinuitySettings {
    /// Long enough for a page load or a network drop of a few seconds in a debug build, short enough
    /// that a test never waits long.
    fn default() -> Self {
        Self {
            resume_grace_secs: 20,
            idle_limit_secs: 600,
            tabs: "visible",
            heartbeat_secs: (10, 30),
            mask_selectors: &[],
            consent: "never",
        }
    }
}

impl ContinuitySettings {
    /// The settings as a config file (the site "demo", open to any origin).
    pub fn to_toml(&self) -> String {
        let selectors: Vec<String> = self.mask_selectors.iter().map(|selector| format!("{selector:?}")).collect();
        let masking = format!("\n[sites.masking]\nmask_selectors = [{}]\n", selectors.join(", "));
        format!(
            "resume_grace_secs = {}\nidle_limit_secs = {}\nheartbeat_interval_secs = {}\nheartbeat_timeout_secs = {}\n\n\
             [[sites]]\nid = \"{}\"\norigins = [\"*\"]\ntabs = \"{}\"\nconsent = \"{}\"\n{masking}",
            self.resume_grace_secs,
            self.idle_limit_secs,
            self.heartbeat_secs.0,
            self.heartbeat_secs.1,
            crate::relay::SITE_ID,
            self.tabs,
            self.consent
        )
    }

    /// Parses the settings with the relay's parser; fails (naming the key) if the relay does not know them.
    pub fn parse(&self) -> crate::error::Result<Config> {
        Config::from_toml_str(&self.to_toml())
            .map_err(|error| format!("the relay refuses the continuity settings ({error}):\n{}", self.to_toml()).into())
    }
}

/// Puts `parsed`'s settings into `config`, keeping what the harness set (accounts, file folders).
pub fn apply(parsed: Config, config: &mut Config) {
    let agents = std::mem::take(&mut config.agents);
    let www_dir = config.www_dir.clone();
    let site_dir = config.site_dir.clone();
    *config = Config { agents, www_dir, site_dir, ..parsed };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_settings_are_the_documented_keys() {
        let settings = ContinuitySettings {
            resume_grace_secs: 2,
            idle_limit_secs: 3,
            tabs: "first",
            heartbeat_secs: (1, 3),
            mask_selectors: &["#a"],
            consent: "always",
        };
        let toml = settings.to_toml();
        let lines = [
            "resume_grace_secs = 2",
            "idle_limit_secs = 3",
            "heartbeat_interval_secs = 1",
            "heartbeat_timeout_secs = 3",
            "tabs = \"first\"",
            "id = \"demo\"",
            "mask_selectors = [\"#a\"]",
            "consent = \"always\"",
        ];
        for line in lines {
            assert!(toml.contains(line), "expected the line {line:?} in:\n{toml}");
        }
    }
}
