//! One page's measurement: load it in Chromium, load both serializers into it, and time their full
//! snapshots, interleaved, in the page (`js/measure_snapshots.js`). Also brings back one output of each,
//! for their sizes.

use crate::page_server::{PageServer, RRWEB_SNAPSHOT_PATH, VISITOR_MODULE_PATH, VISITOR_WASM_PATH};
use crate::webdriver::page_answer;
use cobrowse_e2e::Browser;
use serde::Deserialize;
use serde_json::json;

const LOAD_SERIALIZERS: &str = include_str!("js/load_serializers.js");
const MEASURE_SNAPSHOTS: &str = include_str!("js/measure_snapshots.js");

/// How long the timed rounds of one page may go on, once [`MIN_ROUNDS`] are done.
const ROUNDS_BUDGET_MS: u32 = 2_500;
const MIN_ROUNDS: u32 = 7;
const MAX_ROUNDS: u32 = 41;
/// The shortest batch of snapshots timed as one sample (`performance.now()` ticks by 0.1 ms).
const MIN_BATCH_MS: u32 = 10;

/// Per-snapshot times, one per round, in milliseconds.
#[derive(Deserialize)]
pub struct Times {
    pub ours: Vec<f64>,
    pub rrweb: Vec<f64>,
}

/// Snapshots per timed batch.
#[derive(Deserialize)]
pub struct BatchSizes {
    pub ours: u32,
    pub rrweb: u32,
}

/// What one page's measurement brings back.
#[derive(Deserialize)]
pub struct PageMeasurement {
    pub times_ms: Times,
    pub batch: BatchSizes,
    /// Our snapshot frame, as sent.
    pub frame: Vec<u8>,
    /// rrweb's snapshot as JSON text, as sent.
    pub json: String,
    #[serde(default)]
    pub elements: usize,
}

#[derive(Deserialize)]
struct Loaded {
    elements: usize,
}

/// Opens `path` from `server` in `browser` and measures both serializers there.
pub async fn measure(browser: &Browser, server: &PageServer, path: &str) -> cobrowse_e2e::Result<PageMeasurement> {
    browser.goto(&server.url(path)).await?;
    let elements = load_serializers(browser, server).await?;
    let arguments = vec![json!(ROUNDS_BUDGET_MS), json!(MIN_ROUNDS), json!(MAX_ROUNDS), json!(MIN_BATCH_MS)];
    let answer = browser.execute_async(MEASURE_SNAPSHOTS, arguments).await?;
    let measurement: PageMeasurement = page_answer(answer, "the measurement")?;
    Ok(PageMeasurement { elements, ..measurement })
}

/// Loads rrweb-snapshot and the visitor module into the page; returns its element count.
pub async fn load_serializers(browser: &Browser, server: &PageServer) -> cobrowse_e2e::Result<usize> {
    let arguments = vec![
        json!(server.url(RRWEB_SNAPSHOT_PATH)),
        json!(server.url(VISITOR_MODULE_PATH)),
        json!(server.url(VISITOR_WASM_PATH)),
    ];
    let answer = browser.execute_async(LOAD_SERIALIZERS, arguments).await?;
    let loaded: Loaded = page_answer(answer, "loading the serializers")?;
    Ok(loaded.elements)
}
