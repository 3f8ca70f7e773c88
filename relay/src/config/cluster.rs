//! `[cluster]` (or `--redis URL`): the Redis server that makes this relay one node of a cluster, and the
//! node's name in it. Without it the relay runs alone, in memory, as it always did.

use serde::Deserialize;
use std::time::Duration;

/// The default lease of a session key in Redis; the node that holds the session renews it every third.
pub const DEFAULT_KEY_LEASE: Duration = Duration::from_secs(30);

/// How this relay joins a cluster.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterConfig {
    /// The engine: `redis://host:port/db` (or `rediss://`, `unix://`).
    pub redis: String,
    /// This node's name, unique in the cluster (letters, digits, `-`, `_`; at most 64). Absent: a
    /// random one, drawn at start.
    #[serde(default)]
    pub node_id: Option<String>,
    /// How long a session key lives in Redis without being renewed (TOML: `key_lease_secs`): a node
    /// that died stops holding its keys after this.
    #[serde(default = "default_key_lease_secs")]
    pub key_lease_secs: u64,
}

fn default_key_lease_secs() -> u64 {
    DEFAULT_KEY_LEASE.as_secs()
}

impl ClusterConfig {
    /// A node of the cluster whose engine is at `redis`, with a random name and the default lease.
    pub fn new(redis: impl Into<String>) -> ClusterConfig {
        ClusterConfig { redis: redis.into(), node_id: None, key_lease_secs: default_key_lease_secs() }
    }

    /// The key lease as a duration.
    pub fn key_lease(&self) -> Duration {
        Duration::from_secs(self.key_lease_secs)
    }

    /// What is wrong with the settings, as `(field, problem)`.
    pub(super) fn problem(&self) -> Option<(String, String)> {
        let schemes = ["redis://", "rediss://", "unix://", "redis+unix://"];
        if !schemes.iter().any(|scheme| self.redis.starts_with(scheme)) {
            return Some((
                "cluster.redis".into(),
                format!("{:?} is not a Redis URL: write it as redis://HOST:PORT/ (or rediss://, unix://)", self.redis),
            ));
        }
        if let Some(node_id) = &self.node_id {
            let allowed = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
            if node_id.is_empty() || node_id.len() > 64 || !node_id.chars().all(allowed) {
                return Some((
                    "cluster.node_id".into(),
                    format!("{node_id:?} is not a node name: use 1 to 64 letters, digits, `-` or `_`"),
                ));
            }
        }
        if !(3..=86_400).contains(&self.key_lease_secs) {
            return Some((
                "cluster.key_lease_secs".into(),
                format!("{} is out of range: give 3 to 86400 seconds (default 30)", self.key_lease_secs),
            ));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cluster_table_is_read_and_checked() {
        let sites = "[[sites]]\nid = \"demo\"\norigins = [\"*\"]\n";
        let config =
            crate::Config::from_toml_str(&format!("{sites}[cluster]\nredis = \"redis://127.0.0.1:6379/\"\n")).unwrap();
        assert_eq!(config.cluster, Some(ClusterConfig::new("redis://127.0.0.1:6379/")));
        assert_eq!(crate::Config::from_toml_str(sites).unwrap().cluster, None, "alone by default");
        let error = crate::Config::from_toml_str(&format!("{sites}[cluster]\nredis = \"localhost\"\n"))
            .unwrap_err()
            .to_string();
        assert!(error.contains("cluster.redis") && error.contains("redis://"), "{error}");
    }

    #[test]
    fn bad_urls_names_and_leases_are_refused() {
        assert_eq!(ClusterConfig::new("redis://127.0.0.1:6379/").problem(), None);
        assert_eq!(ClusterConfig::new("http://x").problem().unwrap().0, "cluster.redis");
        let bad_name = ClusterConfig { node_id: Some("a b".into()), ..ClusterConfig::new("redis://x/") };
        assert_eq!(bad_name.problem().unwrap().0, "cluster.node_id");
        let short = ClusterConfig { key_lease_secs: 1, ..ClusterConfig::new("redis://x/") };
        assert_eq!(short.problem().unwrap().0, "cluster.key_lease_secs");
    }
}
