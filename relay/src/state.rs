//! What every connection handler shares: the config, the accounts, the live sessions, the join limiter,
//! the agents' tokens, the caps, the tap, the metrics, the events (audit log and webhooks), the fetcher of
//! the assets visitors offer, and the shutdown signal.

use crate::asset_fetch::AssetFetcher;
use crate::assets::{AssetLimits, SharedAssetLimits};
use crate::auth::Accounts;
use crate::budget::MemoryBudget;
use crate::caps::Caps;
use crate::cluster::engine::Engine;
use crate::config::Config;
use crate::events::Events;
use crate::heartbeat::Heartbeat;
use crate::metrics::Metrics;
use crate::rate_limit::{Backoff, JoinLimiter};
use crate::registry::Registry;
use crate::session::{Deadlines, SessionLimits};
use crate::shutdown::Shutdown;
use crate::tap::Tap;
use crate::tokens::Tokens;
use std::sync::Arc;

pub(crate) struct RelayState {
    pub config: Config,
    /// The agents who may sign in; the handle holds them too, to replace the list (`reload_agents`).
    pub accounts: Arc<Accounts>,
    pub registry: Registry,
    /// The bytes all sessions hold in kept state and agent queues.
    pub memory: Arc<MemoryBudget>,
    pub join_limiter: JoinLimiter,
    /// Agents' session tokens (one password check per sign-in).
    pub tokens: Tokens,
    /// What one address or one site may hold open.
    pub caps: Caps,
    pub tap: Tap,
    /// What `/metrics` shows; each session holds it too.
    pub metrics: Arc<Metrics>,
    /// The audit log and the sites' webhooks.
    pub events: Events,
    /// Fetches the files visitors offer (`AssetOffer`); its slots are shared by all sessions.
    pub asset_fetcher: Arc<AssetFetcher>,
    /// Cloned into each connection's task, so shutdown waits for it.
    pub shutdown: Shutdown,
    /// Alone (in memory) or a node of a Redis cluster (`cluster/`).
    pub engine: Engine,
}

impl RelayState {
    pub fn new(
        config: Config,
        accounts: Arc<Accounts>,
        tap: Tap,
        shutdown: Shutdown,
        (metrics, events): (Arc<Metrics>, Events),
    ) -> RelayState {
        let assets =
            AssetLimits { max_asset_bytes: config.max_asset_bytes, max_session_bytes: config.session_asset_bytes };
        let limits = SessionLimits {
            agent_queue_frames: config.agent_queue_frames,
            agent_queue_bytes: config.limits.agent_queue_bytes,
            kept_state_bytes: config.kept_state_bytes,
            assets,
        };
        let memory = MemoryBudget::new(config.limits.memory_bytes);
        RelayState {
            registry: Registry::new(
                config.key_digits,
                config.max_sessions,
                limits,
                SharedAssetLimits {
                    total: config.total_asset_bytes,
                    per_address: config.limits.asset_bytes_per_address,
                    per_site: config.limits.asset_bytes_per_site,
                },
                memory.clone(),
            )
            .with_metrics(metrics.clone()),
            memory,
            join_limiter: JoinLimiter::new(Backoff {
                free_failures: config.join_attempts_per_minute,
                first: config.limits.join_backoff,
                max: config.limits.join_backoff_max,
            }),
            tokens: Tokens::new(config.limits.agent_token_ttl),
            caps: Caps::new(&config.limits),
            asset_fetcher: Arc::new(AssetFetcher::new(&config, metrics.clone())),
            accounts,
            tap,
            metrics,
            events,
            shutdown,
            config,
            engine: Engine::Alone,
        }
    }

    /// When sessions end by themselves.
    pub fn deadlines(&self) -> Deadlines {
        Deadlines {
            key_ttl: self.config.key_ttl,
            resume_grace: self.config.resume_grace,
            idle_limit: self.config.idle_limit,
        }
    }

    /// How every socket is pinged and when a silent one is closed.
    pub fn heartbeat(&self) -> Heartbeat {
        Heartbeat { interval: self.config.heartbeat_interval, timeout: self.config.heartbeat_timeout }
    }
}
