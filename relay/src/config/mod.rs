//! The relay's configuration: which sites may start sessions, which agents may join them, where the static
//! files are, and the limits that keep one peer from hurting the others.
//!
//! It comes from a TOML file (every field is documented in `relay/example-config.toml`) or, for a local
//! demo, from [`Config::development`]. Both go through [`Config::validate`], so a mistake is reported at
//! start, naming the file and the field, instead of surfacing later as a refused visitor.

mod cluster;
mod file;
mod limits;
mod model;
mod validate;

pub use crate::auth::AgentAccount;
pub use cluster::{ClusterConfig, DEFAULT_KEY_LEASE};
pub use limits::Limits;
pub use model::{
    defaults, AuditConfig, Config, ConfigError, ConsentPolicy, ControlPolicy, RedirectListen, SiteConfig, TabPolicy,
    TlsConfig, WebhookConfig,
};
