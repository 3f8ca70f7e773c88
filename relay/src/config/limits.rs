//! The `[limits]` table: what keeps abuse from costing the relay its memory, its file handles or its CPU,
//! without refusing real work (a call centre behind one address, an agent who joins all day).
//!
//! Every field is optional in the file; the defaults are in [`Limits::default`] and documented in
//! `relay/example-config.toml`. Where each limit is enforced is listed in `ARCHITECTURE.md` ("Limits").

use serde::Deserialize;
use std::time::Duration;

/// The relay's limits on connections, sign-ins and memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// How long a signed-in agent's session token stays valid (TOML: `agent_token_ttl_secs`).
    pub agent_token_ttl: Duration,
    /// The first wait after too many failed joins; it doubles with every further failure
    /// (TOML: `join_backoff_secs`).
    pub join_backoff: Duration,
    /// The longest wait the back-off grows to (TOML: `join_backoff_max_secs`).
    pub join_backoff_max: Duration,
    /// How many password checks (argon2) may run at once.
    pub password_checks: usize,
    /// How many sign-ins may wait for a password check; past that they are refused as busy.
    pub password_check_queue: usize,
    /// The largest first message of a connection (an agent's `Join`, a visitor's `Resume`) before it is
    /// known who sends it.
    pub first_message_bytes: usize,
    /// The largest message an agent may send at all (agents send only control messages).
    pub agent_message_bytes: usize,
    /// How long a new WebSocket has to send its first message (TOML: `first_message_secs`).
    pub first_message_timeout: Duration,
    /// How long a new TCP connection has to send its first byte, and a TLS connection its first byte of
    /// HTTP after the handshake (TOML: `first_byte_secs`).
    pub first_byte_timeout: Duration,
    /// How long a TLS client has to finish its handshake (TOML: `tls_handshake_secs`).
    pub tls_handshake_timeout: Duration,
    /// How long an HTTP connection may stay open with no request in flight (TOML: `idle_connection_secs`).
    pub idle_connection_timeout: Duration,
    /// How many TCP connections may be open at once; past that new ones get a fast 503.
    pub max_connections: usize,
    /// How many connections of any kind (HTTP, WebSockets of visitors and agents) one address may hold
    /// open at once (an IPv6 address counts by its /64; behind a trusted proxy, the forwarded client's).
    pub connections_per_address: usize,
    /// How many WebSockets one address may hold open before they sign in or resume.
    pub unauthenticated_per_address: usize,
    /// How many sessions visitors from one address may have open at once.
    pub sessions_per_address: usize,
    /// How many sessions one site may have open at once.
    pub sessions_per_site: usize,
    /// The most bytes of assets the sessions opened from one address may hold together (beside each
    /// session's `session_asset_bytes` and the relay's `total_asset_bytes`).
    pub asset_bytes_per_address: usize,
    /// The most bytes of assets one site's sessions may hold together.
    pub asset_bytes_per_site: usize,
    /// The most bytes that may wait in one agent's queue.
    pub agent_queue_bytes: usize,
    /// The most bytes all sessions may hold in kept state and agent queues together; past it the
    /// sessions idle the longest are ended first.
    pub memory_bytes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            agent_token_ttl: Duration::from_secs(12 * 60 * 60),
            join_backoff: Duration::from_secs(1),
            join_backoff_max: Duration::from_secs(15 * 60),
            password_checks: std::thread::available_parallelism().map_or(2, usize::from),
            password_check_queue: 32,
            first_message_bytes: 4096,
            agent_message_bytes: 64 << 10,
            first_message_timeout: Duration::from_secs(10),
            first_byte_timeout: Duration::from_secs(10),
            tls_handshake_timeout: Duration::from_secs(10),
            idle_connection_timeout: Duration::from_secs(60),
            max_connections: 16_384,
            connections_per_address: 2_000,
            unauthenticated_per_address: 64,
            sessions_per_address: 100,
            sessions_per_site: 10_000,
            asset_bytes_per_address: 256 << 20,
            asset_bytes_per_site: 512 << 20,
            agent_queue_bytes: 32 << 20,
            memory_bytes: 2 << 30,
        }
    }
}

/// `[limits]` as written in the file: every field may be left out, a misspelt one is an error.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct LimitsTable {
    agent_token_ttl_secs: Option<u64>,
    join_backoff_secs: Option<u64>,
    join_backoff_max_secs: Option<u64>,
    password_checks: Option<usize>,
    password_check_queue: Option<usize>,
    first_message_bytes: Option<usize>,
    agent_message_bytes: Option<usize>,
    first_message_secs: Option<u64>,
    first_byte_secs: Option<u64>,
    tls_handshake_secs: Option<u64>,
    idle_connection_secs: Option<u64>,
    max_connections: Option<usize>,
    connections_per_address: Option<usize>,
    unauthenticated_per_address: Option<usize>,
    sessions_per_address: Option<usize>,
    sessions_per_site: Option<usize>,
    asset_bytes_per_address: Option<usize>,
    asset_bytes_per_site: Option<usize>,
    agent_queue_bytes: Option<usize>,
    memory_bytes: Option<usize>,
}

impl LimitsTable {
    /// The defaults with the file's values over them.
    pub(super) fn into_limits(self) -> Limits {
        let d = Limits::default();
        let secs = |value: Option<u64>, default: Duration| value.map_or(default, Duration::from_secs);
        Limits {
            agent_token_ttl: secs(self.agent_token_ttl_secs, d.agent_token_ttl),
            join_backoff: secs(self.join_backoff_secs, d.join_backoff),
            join_backoff_max: secs(self.join_backoff_max_secs, d.join_backoff_max),
            password_checks: self.password_checks.unwrap_or(d.password_checks),
            password_check_queue: self.password_check_queue.unwrap_or(d.password_check_queue),
            first_message_bytes: self.first_message_bytes.unwrap_or(d.first_message_bytes),
            agent_message_bytes: self.agent_message_bytes.unwrap_or(d.agent_message_bytes),
            first_message_timeout: secs(self.first_message_secs, d.first_message_timeout),
            first_byte_timeout: secs(self.first_byte_secs, d.first_byte_timeout),
            tls_handshake_timeout: secs(self.tls_handshake_secs, d.tls_handshake_timeout),
            idle_connection_timeout: secs(self.idle_connection_secs, d.idle_connection_timeout),
            max_connections: self.max_connections.unwrap_or(d.max_connections),
            connections_per_address: self.connections_per_address.unwrap_or(d.connections_per_address),
            unauthenticated_per_address: self.unauthenticated_per_address.unwrap_or(d.unauthenticated_per_address),
            sessions_per_address: self.sessions_per_address.unwrap_or(d.sessions_per_address),
            sessions_per_site: self.sessions_per_site.unwrap_or(d.sessions_per_site),
            asset_bytes_per_address: self.asset_bytes_per_address.unwrap_or(d.asset_bytes_per_address),
            asset_bytes_per_site: self.asset_bytes_per_site.unwrap_or(d.asset_bytes_per_site),
            agent_queue_bytes: self.agent_queue_bytes.unwrap_or(d.agent_queue_bytes),
            memory_bytes: self.memory_bytes.unwrap_or(d.memory_bytes),
        }
    }
}

impl Limits {
    /// Checks every field; the error names it (as `limits.FIELD`) and says what to write instead.
    pub(super) fn validate(&self, max_frame_bytes: usize) -> Result<(), (String, String)> {
        let problem = |field: &str, text: String| Err((format!("limits.{field}"), text));
        let durations = [
            ("agent_token_ttl_secs", self.agent_token_ttl),
            ("join_backoff_secs", self.join_backoff),
            ("first_message_secs", self.first_message_timeout),
            ("first_byte_secs", self.first_byte_timeout),
            ("tls_handshake_secs", self.tls_handshake_timeout),
            ("idle_connection_secs", self.idle_connection_timeout),
        ];
        for (field, value) in durations {
            if value.is_zero() {
                return problem(field, "is 0; give a number of seconds (at least 1)".into());
            }
        }
        if self.join_backoff_max < self.join_backoff {
            return problem(
                "join_backoff_max_secs",
                format!(
                    "is {} seconds, less than join_backoff_secs ({}); make it at least that",
                    self.join_backoff_max.as_secs(),
                    self.join_backoff.as_secs()
                ),
            );
        }
        let counts = [
            ("password_checks", self.password_checks),
            ("max_connections", self.max_connections),
            ("connections_per_address", self.connections_per_address),
            ("unauthenticated_per_address", self.unauthenticated_per_address),
            ("sessions_per_address", self.sessions_per_address),
            ("sessions_per_site", self.sessions_per_site),
        ];
        for (field, value) in counts {
            if value == 0 {
                return problem(field, "is 0, so nothing would ever be allowed; give at least 1".into());
            }
        }
        if self.first_message_bytes < 256 {
            return problem(
                "first_message_bytes",
                format!(
                    "is {}; a Join needs room for a name, a password and a key: give at least 256",
                    self.first_message_bytes
                ),
            );
        }
        if self.agent_message_bytes < self.first_message_bytes {
            return problem(
                "agent_message_bytes",
                format!(
                    "is {}, less than first_message_bytes ({}); make it at least that",
                    self.agent_message_bytes, self.first_message_bytes
                ),
            );
        }
        if self.agent_queue_bytes < max_frame_bytes {
            return problem(
                "agent_queue_bytes",
                format!(
                    "is {}, less than max_frame_bytes ({max_frame_bytes}): an agent could never be sent the largest snapshot; raise it",
                    self.agent_queue_bytes
                ),
            );
        }
        if self.memory_bytes < max_frame_bytes.saturating_mul(2) {
            return problem(
                "memory_bytes",
                format!(
                    "is {}, less than twice max_frame_bytes ({max_frame_bytes}); raise it (the default is 2 GiB)",
                    self.memory_bytes
                ),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_valid_and_the_table_overrides_them() {
        assert_eq!(Limits::default().validate(8 << 20), Ok(()));
        let table: LimitsTable = toml::from_str("first_message_secs = 3\nmax_connections = 10").unwrap();
        let limits = table.into_limits();
        assert_eq!(limits.first_message_timeout, Duration::from_secs(3));
        assert_eq!(limits.max_connections, 10);
        assert_eq!(limits.agent_queue_bytes, Limits::default().agent_queue_bytes);
    }

    #[test]
    fn the_example_config_shows_the_defaults() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("example-config.toml");
        let config = crate::config::Config::from_toml_file(&path).unwrap();
        assert_eq!(config.limits, Limits::default());
    }

    #[test]
    fn an_agent_s_sites_must_be_configured() {
        let text = |sites: &str| {
            let hash = crate::auth::AgentAccount::with_cheap_password_hash("ana", "pw").password_hash;
            format!("[[sites]]\nid = \"shop\"\norigins = [\"*\"]\n[[agents]]\nname = \"ana\"\npassword_hash = \"{hash}\"\n{sites}")
        };
        let config = crate::config::Config::from_toml_str(&text("sites = [\"shop\"]")).unwrap();
        assert!(config.agents[0].serves("shop") && !config.agents[0].serves("demo"));
        let error = crate::config::Config::from_toml_str(&text("sites = [\"shoe\"]")).unwrap_err().to_string();
        assert!(error.contains("agents[0].sites[0]") && error.contains("not a configured site"), "{error}");
        let error = crate::config::Config::from_toml_str(&text("sites = []")).unwrap_err().to_string();
        assert!(error.contains("agents[0].sites"), "{error}");
    }

    #[test]
    fn bad_values_name_their_field() {
        let zero = Limits { max_connections: 0, ..Limits::default() };
        assert_eq!(zero.validate(1024).unwrap_err().0, "limits.max_connections");
        let small_queue = Limits { agent_queue_bytes: 10, ..Limits::default() };
        assert_eq!(small_queue.validate(1024).unwrap_err().0, "limits.agent_queue_bytes");
        assert!(toml::from_str::<LimitsTable>("max_conections = 1").is_err());
        let no_connections = Limits { connections_per_address: 0, ..Limits::default() };
        assert_eq!(no_connections.validate(1024).unwrap_err().0, "limits.connections_per_address");
        let no_handshake = Limits { tls_handshake_timeout: Duration::ZERO, ..Limits::default() };
        assert_eq!(no_handshake.validate(1024).unwrap_err().0, "limits.tls_handshake_secs");
    }

    #[test]
    fn an_asset_share_must_hold_the_largest_asset() {
        for field in ["asset_bytes_per_address", "asset_bytes_per_site"] {
            let text = format!("max_asset_bytes = 1000\n[limits]\n{field} = 999");
            let error = crate::config::Config::from_toml_str(&text).unwrap_err().to_string();
            assert!(error.contains(&format!("limits.{field}")) && error.contains("max_asset_bytes"), "{error}");
            let fits = format!("max_asset_bytes = 1000\n[limits]\n{field} = 1000");
            assert!(crate::config::Config::from_toml_str(&fits).is_ok());
        }
    }
}
