//! A whole test setup: the relay, the visitor's site on another origin, and chromedriver.
//!
//! Everything listens on loopback and picks its own port. Browsers are opened from the stage and closed
//! by the test; the rest stops when the stage is shut down or dropped.
//!
//! Chromium is heavy and the suite must run on two cores, so only one stage exists at a time: tests in
//! one binary wait for each other's stage to end (cargo already runs test binaries one after another).

use crate::{browser::Browser, chromedriver::ChromeDriver, relay::Relay, site::Site};
use std::time::Instant;
use tokio::sync::{Mutex, MutexGuard};

/// Held by the live stage; see the module documentation.
static ONE_STAGE_AT_A_TIME: Mutex<()> = Mutex::const_new(());

/// The relay, the site and chromedriver for one test.
pub struct Stage {
    pub relay: Relay,
    pub site: Site,
    pub driver: ChromeDriver,
    started: Instant,
    /// Dropped last, after the relay, the site and chromedriver.
    _turn: MutexGuard<'static, ()>,
}

impl Stage {
    /// Starts the relay, then the site (which needs the relay's origin), then chromedriver.
    pub async fn start() -> crate::error::Result<Self> {
        Self::start_with(|_| {}).await
    }

    /// As [`Stage::start`], with `configure` changing the relay's configuration first.
    pub async fn start_with(configure: impl FnOnce(&mut cobrowse_relay::Config)) -> crate::error::Result<Self> {
        Self::start_serving(configure, None).await
    }

    /// As [`Stage::start_with`], but the site's pages load the shim from `shim_origin` (a load balancer in
    /// front of this relay and others) instead of from the relay's own origin.
    pub async fn start_behind(
        shim_origin: &str,
        configure: impl FnOnce(&mut cobrowse_relay::Config),
    ) -> crate::error::Result<Self> {
        Self::start_serving(configure, Some(shim_origin)).await
    }

    async fn start_serving(
        configure: impl FnOnce(&mut cobrowse_relay::Config),
        shim_origin: Option<&str>,
    ) -> crate::error::Result<Self> {
        let turn = ONE_STAGE_AT_A_TIME.lock().await;
        let started = Instant::now();
        let relay = Relay::start_with(configure).await?;
        let site = Site::start(shim_origin.unwrap_or(relay.origin())).await?;
        let driver = ChromeDriver::start().await?;
        let stage = Self { relay, site, driver, started, _turn: turn };
        stage.log(&format!(
            "relay {}, site {}, chromedriver {}",
            stage.relay.origin(),
            stage.site.origin(),
            stage.driver.url()
        ));
        Ok(stage)
    }

    /// Opens a browser called `label` in failure messages.
    pub async fn browser(&self, label: &str) -> crate::error::Result<Browser> {
        Browser::open(&self.driver, label).await
    }

    /// Prints a progress line with the time since the stage started (shown with `--nocapture`, or on failure).
    pub fn log(&self, message: &str) {
        println!("[{:>6.1}s] {message}", self.started.elapsed().as_secs_f32());
    }

    /// Stops the relay; the site and chromedriver stop as they are dropped.
    pub async fn shutdown(self) {
        self.relay.shutdown().await;
    }
}
