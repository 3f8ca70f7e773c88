//! The main-thread meters of the `tasks` section, installed in the page (`js/task_meters.js`): a
//! `PerformanceObserver` of `longtask` entries, a gap meter (a `MessageChannel` ping-pong: the longest time
//! between two of its handlers is the longest task that ran in between, under 50 ms too) and a wrapper of
//! `WebSocket.prototype.send` telling when the page last sent.

use crate::webdriver::page_answer;
use cobrowse_e2e::Browser;
use cobrowse_protocol::frame::FrameKind;
use serde::Deserialize;
use serde_json::{json, Value};

const TASK_METERS: &str = include_str!("js/task_meters.js");

/// What the meters saw between `start()` and `stop()`.
#[derive(Debug, Clone, Deserialize)]
pub struct Tasks {
    /// The longest time between two handlers of the ping-pong, in ms.
    pub longest_gap_ms: f64,
    /// The longest `longtask` entry, in ms (0 if none).
    pub longest_task_ms: f64,
    /// Where the longest animation frame over 50 ms went (its scripts, rendering, the rest); empty if none.
    #[serde(default)]
    pub longest_frame: String,
}

/// The page's WebSocket sends since the meters started.
#[derive(Debug, Deserialize)]
pub struct Sent {
    pub sends: usize,
    /// Binary frames of kind [`FrameKind::Snapshot`].
    pub snapshots: usize,
    /// Since the last send (or the start, if none), in ms.
    pub quiet_ms: f64,
    /// The last send, in ms after the start (0 if none).
    pub last_ms: f64,
}

#[derive(Deserialize)]
struct Installed {
    longtask_supported: bool,
}

/// Installs `window.taskMeters` in the current page (once); fails if the browser reports no long tasks.
pub async fn install(browser: &Browser) -> cobrowse_e2e::Result<()> {
    let answer: Value = browser.execute(TASK_METERS, vec![json!(FrameKind::Snapshot as u8)]).await?;
    let installed: Installed = page_answer(answer, "installing the task meters")?;
    if !installed.longtask_supported {
        return Err("this Chromium does not report `longtask` entries (PerformanceObserver)".into());
    }
    Ok(())
}

/// The sends since the meters started.
pub async fn sent(browser: &Browser) -> cobrowse_e2e::Result<Sent> {
    browser.execute("return window.taskMeters.sent();", vec![]).await
}

/// Stops the meters and reads what they saw.
pub async fn stop(browser: &Browser) -> cobrowse_e2e::Result<Tasks> {
    browser.execute("return window.taskMeters.stop();", vec![]).await
}
