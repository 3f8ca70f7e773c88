//! One page's measurement: load it in Chromium, load both serializers into it, and time their full
//! snapshots, interleaved, in the page (`js/measure_snapshots.js`). Also brings back one output of each,
//! for their sizes.

use crate::page_server::{
    PageServer, FFLATE_PATH, RRWEB_SNAPSHOT_PATH, SHIM_HOOKS_PATH, VISITOR_MODULE_PATH, VISITOR_WASM_PATH,
};
use crate::webdriver::page_answer;
use cobrowse_e2e::Browser;
use serde::Deserialize;
use serde_json::json;

const LOAD_SERIALIZERS: &str = concat!(include_str!("js/classic_script.js"), include_str!("js/load_serializers.js"));
/// rrweb's side comes from `js/rrweb_pack.js`, shared with the `tasks` section.
const MEASURE_SNAPSHOTS: &str = concat!(
    include_str!("js/rrweb_pack.js"),
    include_str!("js/page_strings.js"),
    include_str!("js/measure_snapshots.js")
);

/// How long the timed rounds of one page may go on, once [`MIN_ROUNDS`] are done.
const ROUNDS_BUDGET_MS: u32 = 2_500;
const MIN_ROUNDS: u32 = 7;
const MAX_ROUNDS: u32 = 41;
const WARMUP_RUNS: u32 = 3;
/// Pages with more elements than this take seconds per snapshot: fewer rounds and warm-up runs, so the
/// section stays within minutes.
const HUGE_PAGE_ELEMENTS: usize = 50_000;
const HUGE_PAGE_MIN_ROUNDS: u32 = 3;
const HUGE_PAGE_WARMUP_RUNS: u32 = 1;
/// The shortest batch of snapshots timed as one sample (`performance.now()` ticks by 0.1 ms).
const MIN_BATCH_MS: u32 = 10;

/// Per-snapshot times, one per round, in milliseconds.
#[derive(Deserialize)]
pub struct Times {
    pub ours: Vec<f64>,
    pub rrweb: Vec<f64>,
    /// The floor: a bare read of the page's strings (`js/page_strings.js`).
    pub read: Vec<f64>,
    /// The floor with compression: those strings deflated by the browser.
    #[serde(rename = "readDeflated")]
    pub read_deflated: Vec<f64>,
}

/// Snapshots per timed batch.
#[derive(Deserialize)]
pub struct BatchSizes {
    pub ours: u32,
    pub rrweb: u32,
}

/// The longest single snapshot of each, in milliseconds (0 where every batch held several snapshots).
#[derive(Deserialize)]
pub struct Longest {
    pub ours: f64,
    pub rrweb: f64,
}

/// What one page's measurement brings back.
#[derive(Deserialize)]
pub struct PageMeasurement {
    pub times_ms: Times,
    pub batch: BatchSizes,
    pub longest_ms: Longest,
    /// rrweb's full snapshot event as @rrweb/packer packs it (zlib by fflate over its JSON), in bytes.
    pub packed_bytes: usize,
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
    let huge = elements > HUGE_PAGE_ELEMENTS;
    let (min_rounds, warmup_runs) =
        if huge { (HUGE_PAGE_MIN_ROUNDS, HUGE_PAGE_WARMUP_RUNS) } else { (MIN_ROUNDS, WARMUP_RUNS) };
    let arguments =
        vec![json!(ROUNDS_BUDGET_MS), json!(min_rounds), json!(MAX_ROUNDS), json!(MIN_BATCH_MS), json!(warmup_runs)];
    let answer = browser.execute_async(MEASURE_SNAPSHOTS, arguments).await?;
    let measurement: PageMeasurement = page_answer(answer, "the measurement")?;
    Ok(PageMeasurement { elements, ..measurement })
}

/// Loads rrweb-snapshot, fflate and the visitor module into the page; returns its element count.
pub async fn load_serializers(browser: &Browser, server: &PageServer) -> cobrowse_e2e::Result<usize> {
    load_scripts(browser, server, Some(server.url(VISITOR_MODULE_PATH))).await
}

/// Loads rrweb-snapshot and fflate (rrweb's side alone) into the page; returns its element count.
pub async fn load_rrweb(browser: &Browser, server: &PageServer) -> cobrowse_e2e::Result<usize> {
    load_scripts(browser, server, None).await
}

/// `js/load_serializers.js`, with the visitor module at `visitor_module` or without it.
async fn load_scripts(
    browser: &Browser,
    server: &PageServer,
    visitor_module: Option<String>,
) -> cobrowse_e2e::Result<usize> {
    let arguments = vec![
        json!(server.url(RRWEB_SNAPSHOT_PATH)),
        json!(visitor_module),
        json!(server.url(VISITOR_WASM_PATH)),
        json!(server.url(FFLATE_PATH)),
        json!(server.url(SHIM_HOOKS_PATH)),
    ];
    let answer = browser.execute_async(LOAD_SERIALIZERS, arguments).await?;
    let loaded: Loaded = page_answer(answer, "loading the serializers")?;
    Ok(loaded.elements)
}
