//! What the continuity test pages record about their tab (`pages/continuity/log.js`): every `pageshow`
//! (with `persisted`: restored from the back/forward cache) and every event the shim emitted, across
//! page loads, read back from `sessionStorage`.

use crate::browser::Browser;
use serde::Deserialize;
use serde_json::Value;

/// One recorded event.
#[derive(Debug, Clone, Deserialize)]
pub struct Entry {
    /// `pageshow`, or a shim event: `started`, `resumed`, `navigating`, `reconnecting`, `ended`, ...
    pub kind: String,
    /// The page's path, query and hash when it happened.
    pub page: String,
    /// The event's detail, reduced to `key`, `reason`, `code`, `persisted`, ...
    pub detail: Value,
}

impl Entry {
    /// The detail's `key`, if it has one.
    pub fn key(&self) -> Option<&str> {
        self.detail.get("key").and_then(Value::as_str)
    }

    /// For a `pageshow`: whether the page came from the back/forward cache.
    pub fn persisted(&self) -> Option<bool> {
        self.detail.get("persisted").and_then(Value::as_bool)
    }
}

/// The tab's log so far.
pub async fn read(browser: &Browser) -> crate::error::Result<Vec<Entry>> {
    let entries: Option<Vec<Entry>> =
        browser.execute("return window.continuityLog ? window.continuityLog.read() : null;", vec![]).await?;
    entries.ok_or_else(|| format!("{}: the page has no continuity log (not a continuity page?)", browser.label).into())
}

/// How many entries there are now: a mark to read only what comes after.
pub async fn mark(browser: &Browser) -> crate::error::Result<usize> {
    Ok(read(browser).await?.len())
}

/// The entries after `mark`.
pub async fn since(browser: &Browser, mark: usize) -> crate::error::Result<Vec<Entry>> {
    Ok(read(browser).await?.into_iter().skip(mark).collect())
}

/// The entries, one a line, for failure messages.
pub fn describe(entries: &[Entry]) -> String {
    if entries.is_empty() {
        return "(nothing recorded)".into();
    }
    entries
        .iter()
        .map(|entry| format!("{} on {} {}", entry.kind, entry.page, entry.detail))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Waits until the log after `mark` has an entry of `kind`, and returns it.
pub async fn wait_for(
    browser: &Browser,
    mark: usize,
    kind: &str,
    timeout: std::time::Duration,
) -> crate::error::Result<Entry> {
    let what = format!("{}: the page's `{kind}` event", browser.label);
    let found = crate::wait::until(&what, timeout, || async {
        Ok(since(browser, mark).await?.into_iter().find(|entry| entry.kind == kind))
    })
    .await;
    match found {
        Ok(entry) => Ok(entry),
        Err(error) => {
            let seen = since(browser, mark).await.map(|entries| describe(&entries)).unwrap_or_default();
            Err(format!("{error}; the page recorded: {seen}").into())
        }
    }
}
