//! One headless Chromium, driven through chromedriver with fantoccini, in a fresh profile.
//!
//! A browser is closed with [`Browser::close`]. If a test panics first, dropping the browser kills the
//! Chromium processes started with its (unique) profile directory and removes that directory.

use fantoccini::{elements::Element, Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

/// Where Chromium is usually installed (override with `$CHROMIUM`).
const DEFAULT_CHROMIUM: &str = "/usr/bin/chromium";

/// Chromium's command line, besides the profile directory.
const CHROME_ARGS: [&str; 11] = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--window-size=1200,900",
    "--lang=en-US",
];

/// A Chromium session. `label` names it in failure messages ("visitor", "agent A", ...).
pub struct Browser {
    pub label: String,
    client: Client,
    /// The chromedriver this browser is driven through, for commands fantoccini lacks (see `cdp.rs`).
    driver_url: String,
    profile: PathBuf,
    closed: bool,
}

impl Browser {
    /// Opens a new Chromium through `driver`.
    pub async fn open(driver: &crate::chromedriver::ChromeDriver, label: &str) -> crate::error::Result<Self> {
        let profile = fresh_profile_dir()?;
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities(&profile))
            .connect(&driver.url())
            .await
            .map_err(|error| format!("cannot open Chromium for {label}: {error}"))?;
        Ok(Self { label: label.into(), client, driver_url: driver.url(), profile, closed: false })
    }

    /// The chromedriver endpoint this browser is driven through.
    pub fn driver_url(&self) -> &str {
        &self.driver_url
    }

    /// This Chromium's profile directory, where it writes `DevToolsActivePort` (the port and path of its
    /// DevTools endpoint): for a DevTools client of one's own, such as the bench's trace of tasks.
    pub fn profile_dir(&self) -> &Path {
        &self.profile
    }

    /// The fantoccini client, for anything the helpers here do not cover.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Navigates and waits for the page to load.
    pub async fn goto(&self, url: &str) -> crate::error::Result<()> {
        self.client.goto(url).await.map_err(|error| format!("{}: cannot open {url}: {error}", self.label))?;
        Ok(())
    }

    /// Runs `script` (a function body; `arguments[i]` are `args`) and converts what it returns.
    pub async fn execute<T: DeserializeOwned>(&self, script: &str, args: Vec<Value>) -> crate::error::Result<T> {
        let value = self.client.execute(script, args).await.map_err(|error| self.script_error(script, error))?;
        Ok(serde_json::from_value(value)?)
    }

    /// Runs an asynchronous `script`; it finishes by calling `arguments[arguments.length - 1](result)`.
    pub async fn execute_async<T: DeserializeOwned>(&self, script: &str, args: Vec<Value>) -> crate::error::Result<T> {
        let value = self.client.execute_async(script, args).await.map_err(|error| self.script_error(script, error))?;
        Ok(serde_json::from_value(value)?)
    }

    /// The element matching `css`, which must exist now.
    pub async fn find(&self, css: &str) -> crate::error::Result<Element> {
        let element = self
            .client
            .find(Locator::Css(css))
            .await
            .map_err(|error| format!("{}: no element matches {css}: {error}", self.label))?;
        Ok(element)
    }

    /// Types `text` into the element matching `css` with real key events.
    pub async fn type_into(&self, css: &str, text: &str) -> crate::error::Result<()> {
        let element = self.find(css).await?;
        element.send_keys(text).await.map_err(|error| format!("{}: cannot type into {css}: {error}", self.label))?;
        Ok(())
    }

    /// Clicks the element matching `css` as a user would.
    pub async fn click(&self, css: &str) -> crate::error::Result<()> {
        let element = self.find(css).await?;
        element.click().await.map_err(|error| format!("{}: cannot click {css}: {error}", self.label))?;
        Ok(())
    }

    /// Ends the session and removes the profile.
    pub async fn close(mut self) -> crate::error::Result<()> {
        self.closed = true;
        let closed = self.client.clone().close().await;
        discard_profile(&self.profile);
        closed.map_err(|error| format!("{}: cannot close the browser: {error}", self.label).into())
    }

    fn script_error(&self, script: &str, error: fantoccini::error::CmdError) -> String {
        let start: String = script.trim().chars().take(120).collect();
        format!("{}: script failed: {error}\n  script starts: {start}", self.label)
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.closed {
            discard_profile(&self.profile);
        }
    }
}

/// The `goog:chromeOptions` capabilities for a headless Chromium with its own profile.
fn capabilities(profile: &Path) -> serde_json::Map<String, Value> {
    let mut args: Vec<String> = CHROME_ARGS.iter().map(|arg| arg.to_string()).collect();
    args.push(format!("--user-data-dir={}", profile.display()));
    let mut options = json!({ "args": args });
    if let Some(binary) = chromium_binary() {
        options["binary"] = json!(binary);
    }
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("browserName".into(), json!("chrome"));
    capabilities.insert("goog:chromeOptions".into(), options);
    capabilities
}

/// `$CHROMIUM`, else [`DEFAULT_CHROMIUM`] if it exists, else none (chromedriver then looks for Chrome).
fn chromium_binary() -> Option<String> {
    std::env::var("CHROMIUM").ok().or_else(|| Path::new(DEFAULT_CHROMIUM).exists().then(|| DEFAULT_CHROMIUM.into()))
}

/// A new, empty directory for one browser's profile.
fn fresh_profile_dir() -> std::io::Result<PathBuf> {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    let name = format!("cobrowse-e2e-{}-{}-{nanos}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
    let dir = std::env::temp_dir().join(name);
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// Kills what is left of the Chromium using `profile`, waits for it to exit, and removes the profile.
fn discard_profile(profile: &Path) {
    let killed = kill_chromium_using(profile);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(3);
    while killed.iter().any(|pid| is_running(*pid)) && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    if std::fs::remove_dir_all(profile).is_err() {
        // A process may still have been writing into it; once more after a moment.
        std::thread::sleep(std::time::Duration::from_millis(200));
        let _ = std::fs::remove_dir_all(profile);
    }
}

/// Kills, by pid, the processes whose command line names `profile` (the Chromium this harness started);
/// returns their pids.
fn kill_chromium_using(profile: &Path) -> Vec<u32> {
    let marker = format!("--user-data-dir={}", profile.display());
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut killed = Vec::new();
    for entry in entries.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|name| name.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        if cmdline.split(|&byte| byte == 0).any(|arg| arg == marker.as_bytes()) {
            let _ = std::process::Command::new("kill").arg("-KILL").arg(pid.to_string()).status();
            killed.push(pid);
        }
    }
    killed
}

/// Whether `pid` exists and is not a zombie.
fn is_running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|stat| stat.rsplit(')').next().is_some_and(|rest| !rest.trim_start().starts_with('Z')))
}

/// If `$E2E_SCREENSHOTS` names a directory, saves a PNG of each browser's window there, named by label.
pub async fn save_screenshots(browsers: &[&Browser]) -> crate::error::Result<()> {
    let Some(dir) = std::env::var_os("E2E_SCREENSHOTS").map(PathBuf::from) else {
        return Ok(());
    };
    std::fs::create_dir_all(&dir)?;
    for browser in browsers {
        let png = browser.client.screenshot().await?;
        std::fs::write(dir.join(format!("{}.png", browser.label.replace(' ', "-"))), png)?;
    }
    Ok(())
}
