//! The real relay, in this process, on a free loopback port, with agent accounts the tests know.

use cobrowse_relay::{AgentAccount, Config, ConsentPolicy, ReceivedFrame, RelayHandle, SiteConfig};
use tokio::sync::broadcast;

/// The site id the demo and test pages use (`data-site`).
pub const SITE_ID: &str = "demo";
/// The agents' shared password in every e2e relay.
pub const AGENT_PASSWORD: &str = "e2e-correct-horse-battery-staple";
/// The agent accounts, one per agent browser a test may open.
pub const AGENT_NAMES: [&str; 2] = ["ana", "ben"];

/// A running relay; stopped by [`Relay::shutdown`] or when the test's runtime ends.
pub struct Relay {
    handle: RelayHandle,
    origin: String,
}

impl Relay {
    /// Starts a relay with the development site ("demo", any origin; no consent asked, so the tests that
    /// are not about the support call join at once: those that are set `consent` with [`Relay::start_with`])
    /// and the accounts in [`AGENT_NAMES`].
    /// Fails with what to do if the wasm was not built.
    pub async fn start() -> crate::error::Result<Self> {
        Self::start_with(|_| {}).await
    }

    /// As [`Relay::start`], with `configure` changing the configuration first (e.g. a site's masking rules).
    pub async fn start_with(configure: impl FnOnce(&mut Config)) -> crate::error::Result<Self> {
        let site_dir = crate::paths::built_site_dir()?;
        // As `Config::development`, without hashing its default account at full argon2 cost.
        let sites = vec![SiteConfig {
            id: SITE_ID.into(),
            origins: vec!["*".into()],
            asset_origins: Vec::new(),
            masking: Default::default(),
            tabs: Default::default(),
            consent: ConsentPolicy::Never,
            remote_control: Default::default(),
            webhook: None,
        }];
        // Cheap hashes: the default argon2 cost takes seconds per sign-in in a debug build.
        let agents =
            AGENT_NAMES.iter().map(|name| AgentAccount::with_cheap_password_hash(name, AGENT_PASSWORD)).collect();
        let mut config = Config::with_defaults(sites, agents);
        config.www_dir = crate::paths::www_dir();
        config.site_dir = site_dir;
        configure(&mut config);
        let handle = cobrowse_relay::spawn(config, "127.0.0.1:0".parse()?)
            .await
            .map_err(|error| format!("cannot start the relay: {error}"))?;
        let origin = format!("http://{}", handle.local_addr());
        Ok(Self { handle, origin })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The address it listens on.
    pub fn addr(&self) -> std::net::SocketAddr {
        self.handle.local_addr()
    }

    /// The agent viewer page.
    pub fn agent_url(&self) -> String {
        format!("{}/agent/", self.origin)
    }

    /// Every frame the relay receives from now on.
    pub fn subscribe_frames(&self) -> broadcast::Receiver<ReceivedFrame> {
        self.handle.subscribe_frames()
    }

    /// Stops the relay and waits until it has.
    pub async fn shutdown(self) {
        self.handle.shutdown().await;
    }
}
