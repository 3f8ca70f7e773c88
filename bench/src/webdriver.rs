//! Browsers for the benchmarks: the harness's headless Chromium, with timeouts fit for long measurements,
//! the convention of the in-page scripts, which answer either a result or `{ error }`, and a full garbage
//! collection before a measurement.

use cobrowse_e2e::{cdp, Browser, ChromeDriver};
use fantoccini::wd::TimeoutConfiguration;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use std::time::Duration;

/// How long one in-page measurement script may run.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(300);
/// How long a page may take to load (corpus pages may name resources that never answer).
const PAGE_LOAD_TIMEOUT: Duration = Duration::from_secs(30);

/// Opens a Chromium called `label` through `driver`.
pub async fn open_browser(driver: &ChromeDriver, label: &str) -> cobrowse_e2e::Result<Browser> {
    let browser = Browser::open(driver, label).await?;
    browser
        .client()
        .update_timeouts(TimeoutConfiguration::new(Some(SCRIPT_TIMEOUT), Some(PAGE_LOAD_TIMEOUT), None))
        .await
        .map_err(|error| format!("{label}: cannot set the timeouts: {error}"))?;
    Ok(browser)
}

/// Opens the visitor's and the agent's Chromium through `driver`; if the second fails, the first is closed.
pub async fn open_visitor_and_agent(driver: &ChromeDriver) -> cobrowse_e2e::Result<(Browser, Browser)> {
    let visitor = open_browser(driver, "visitor").await?;
    match open_browser(driver, "agent").await {
        Ok(agent) => Ok((visitor, agent)),
        Err(error) => {
            let _ = visitor.close().await;
            Err(error)
        }
    }
}

/// An in-page script's answer as `T`, or its `{ error }` as an error saying it was `what` that failed.
pub fn page_answer<T: DeserializeOwned>(answer: Value, what: &str) -> cobrowse_e2e::Result<T> {
    if let Some(error) = answer.get("error") {
        let error = error.as_str().map_or_else(|| error.to_string(), str::to_string);
        return Err(format!("{what} failed in the page: {error}").into());
    }
    serde_json::from_value(answer).map_err(|error| format!("{what}: unexpected answer: {error}").into())
}

/// A full garbage collection of the page's heap (and of what earlier pages in its process left), so that
/// a measurement does not pay for garbage made before it.
pub async fn collect_garbage(browser: &Browser) -> cobrowse_e2e::Result<()> {
    cdp::execute(browser, "HeapProfiler.collectGarbage", json!({})).await.map(|_| ())
}
