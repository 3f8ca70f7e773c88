//! Section `bytes`: a full snapshot's bytes as the visitor sends them, against rrweb's packed bytes, on
//! the pages of the `snapshot` section (`snapshot_pages.rs`).
//!
//! Ours: the frame as a session sends it (`snapshot_frame_as_sent()`): the snapshot's postcard payload
//! deflated by the browser's `CompressionStream('deflate-raw')` (dynamic Huffman codes, native code, nothing
//! downloaded), or by our own fixed-Huffman encoder when the payload is small (see
//! `visitor-wasm/src/connection/browser_deflate.rs`), plus the frame header; decoded as the viewer would (it
//! must be a valid snapshot). Beside it, the same payload (inflated from `snapshot_frame()`) deflated three
//! ways: by the browser in the page, timed; by our own encoder alone (what the visitor sends where the
//! browser has no `CompressionStream`); and by flate2 at its default level, the most a dynamic-Huffman
//! encoder of our own could give (for the download it would cost).
//! rrweb's: its full-snapshot event (`{type: 2, data: {node, initialOffset}, timestamp}`) as JSON, zlib
//! at the default level, as `@rrweb/packer`'s `pack` does (fflate's `zlibSync`). Goal: ours ≤ 0.4 of it.
//! And the floor of any snapshot that reads the DOM and compresses with the browser's deflate: the page's
//! strings alone (`js/page_strings.js`: names, attribute values, texts; no structure, no ids) deflated by
//! `CompressionStream`. Where that floor is above 0.4 of rrweb's bytes, no such snapshot meets the goal.

use crate::measured::Measured;
use crate::page_server::PageServer;
use crate::report::{bytes, ms, ratio, verdict, Table};
use crate::snapshot_measure::load_serializers;
use crate::snapshot_nodes;
use crate::snapshot_pages::{self, BenchPage};
use crate::stats::geometric_mean;
use crate::summary::{Figure, Summary, Target};
use crate::webdriver::{self, page_answer};
use cobrowse_e2e::{Browser, ChromeDriver};
use cobrowse_protocol::{message, Decoder};
use flate2::write::{DeflateEncoder, ZlibEncoder};
use flate2::Compression;
use serde::Deserialize;
use serde_json::json;
use std::io::Write;

const SNAPSHOT_BYTES: &str = concat!(include_str!("js/page_strings.js"), include_str!("js/snapshot_bytes.js"));
/// Our snapshot frame as `snapshot_frame()` makes it (our own encoder), for its payload.
const OUR_FRAME: &str = "arguments[0](Array.from(window.cobrowseBench.snapshot_frame(window.cobrowseHooks)))";
/// Our snapshot frame as a session sends it.
const SENT_FRAME: &str = "var done = arguments[0]; \
    window.cobrowseBench.snapshot_frame_as_sent(window.cobrowseHooks, function (frame) { done(Array.from(frame)); });";

/// Goal: our frame's bytes over rrweb's packed bytes.
const PACKED_RATIO_GOAL: f64 = 0.4;
/// How many times the browser deflates each payload, for its median time.
const DEFLATE_RUNS: u32 = 5;

#[derive(Deserialize)]
struct Answer {
    deflated: Vec<u8>,
    deflate_ms: f64,
    event_json: String,
    strings_deflated_bytes: usize,
}

/// One page's figures, in bytes.
struct PageBytes {
    name: String,
    elements: usize,
    payload: usize,
    sent_frame: usize,
    browser_frame: usize,
    browser_ms: f64,
    fixed_frame: usize,
    dynamic_frame: usize,
    rrweb_packed: usize,
    /// The floor: the page's strings alone, deflated by the browser.
    strings_floor: usize,
}

impl PageBytes {
    fn ratio(&self) -> f64 {
        self.sent_frame as f64 / self.rrweb_packed as f64
    }

    fn floor_ratio(&self) -> f64 {
        self.strings_floor as f64 / self.rrweb_packed as f64
    }

    fn fixed_ratio(&self) -> f64 {
        self.fixed_frame as f64 / self.rrweb_packed as f64
    }
}

pub async fn run(summary: &mut Summary) -> cobrowse_e2e::Result<()> {
    let server = PageServer::start().await?;
    let driver = ChromeDriver::start().await?;
    let browser = webdriver::open_browser(&driver, "snapshot bytes benchmark").await?;
    let mut measured = Measured::default();
    for page in snapshot_pages::all() {
        eprintln!("bytes: {} ...", page.name);
        measured.add(&page.name, measure(&browser, &server, &page).await);
    }
    let _ = browser.close().await;
    let (results, not_measured) = measured.at_least_one()?;
    print_table(&results);
    print_summary(&results, &not_measured);
    record_target(&results, summary);
    Ok(())
}

async fn measure(browser: &Browser, server: &PageServer, page: &BenchPage) -> cobrowse_e2e::Result<PageBytes> {
    browser.goto(&server.url(&page.path)).await?;
    let elements = load_serializers(browser, server).await?;
    let sent_frame: Vec<u8> = serde_json::from_value(browser.execute_async(SENT_FRAME, vec![]).await?)?;
    snapshot_nodes::in_our_frame(&sent_frame).map_err(|error| format!("the frame as sent does not decode: {error}"))?;
    let fixed_frame: Vec<u8> = serde_json::from_value(browser.execute_async(OUR_FRAME, vec![]).await?)?;
    let (_, payload) = Decoder::default().inflate(&fixed_frame)?;
    let answer = browser.execute_async(SNAPSHOT_BYTES, vec![json!(payload), json!(DEFLATE_RUNS)]).await?;
    let answer: Answer = page_answer(answer, "the snapshot's bytes")?;
    let browser_frame = message::snapshot_frame(&answer.deflated);
    snapshot_nodes::in_our_frame(&browser_frame)
        .map_err(|error| format!("the browser-deflated frame does not decode: {error}"))?;
    Ok(PageBytes {
        name: page.name.clone(),
        elements,
        payload: payload.len(),
        sent_frame: sent_frame.len(),
        browser_frame: browser_frame.len(),
        browser_ms: answer.deflate_ms,
        fixed_frame: fixed_frame.len(),
        dynamic_frame: cobrowse_protocol::frame::HEADER_LEN + deflate_len(&payload),
        rrweb_packed: zlib_len(answer.event_json.as_bytes()),
        strings_floor: answer.strings_deflated_bytes,
    })
}

/// Raw deflate at flate2's default level (dynamic Huffman codes).
fn deflate_len(bytes: &[u8]) -> usize {
    let mut encoder = DeflateEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(bytes).expect("writing to a Vec cannot fail");
    encoder.finish().expect("writing to a Vec cannot fail").len()
}

/// Zlib at the default level, as `@rrweb/packer` packs an event (also the `upstream` section's baseline).
pub fn zlib_len(bytes: &[u8]) -> usize {
    let mut encoder = ZlibEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(bytes).expect("writing to a Vec cannot fail");
    encoder.finish().expect("writing to a Vec cannot fail").len()
}

fn print_table(results: &[PageBytes]) {
    let mut table = Table::new(
        "3. Full snapshot bytes, as sent: our frame (postcard, deflated by the browser's CompressionStream, \
         or by our own encoder below 4 KiB of postcard) against rrweb's packed event (zlib of its JSON, as \
         @rrweb/packer)",
        &[
            "page",
            "elements",
            "postcard B",
            "ours B",
            "rrweb packed B",
            "ours / rrweb",
            "goal",
            "verdict",
            "browser deflate B",
            "deflate ms",
            "fixed-Huffman B",
            "fixed / rrweb",
            "flate2 dynamic B",
            "floor: strings deflated B",
            "floor / rrweb",
        ],
    );
    for result in results {
        table.row(vec![
            result.name.clone(),
            result.elements.to_string(),
            bytes(result.payload),
            bytes(result.sent_frame),
            bytes(result.rrweb_packed),
            ratio(result.ratio()),
            format!("<= {PACKED_RATIO_GOAL}"),
            verdict(result.ratio() <= PACKED_RATIO_GOAL),
            bytes(result.browser_frame),
            ms(result.browser_ms),
            bytes(result.fixed_frame),
            ratio(result.fixed_ratio()),
            bytes(result.dynamic_frame),
            bytes(result.strings_floor),
            ratio(result.floor_ratio()),
        ]);
    }
    table.print();
}

fn print_summary(results: &[PageBytes], not_measured: &[String]) {
    let count = results.len();
    let ratios: Vec<f64> = results.iter().map(PageBytes::ratio).collect();
    let fixed: Vec<f64> = results.iter().map(PageBytes::fixed_ratio).collect();
    let browser: Vec<f64> =
        results.iter().map(|result| result.browser_frame as f64 / result.rrweb_packed as f64).collect();
    let met = ratios.iter().filter(|&&value| value <= PACKED_RATIO_GOAL).count();
    let worst = ratios.iter().copied().fold(0.0, f64::max);
    println!("\n   summary over {count} pages (geometric means):");
    println!(
        "   ours / rrweb packed {} (worst {}), goal <= {PACKED_RATIO_GOAL} on every page: {} (met on {met} of {count})",
        ratio(geometric_mean(&ratios)),
        ratio(worst),
        verdict(met == count),
    );
    println!("   the browser's deflate on every page / rrweb packed {}", ratio(geometric_mean(&browser)));
    println!("   fixed-Huffman encoder on every page / rrweb packed {}", ratio(geometric_mean(&fixed)));
    let floors: Vec<f64> = results.iter().map(PageBytes::floor_ratio).collect();
    let above = floor_above_goal(results).count();
    println!(
        "   floor: the page's strings alone, deflated by the browser / rrweb packed {} (geometric mean); above \
         {PACKED_RATIO_GOAL} on {above} of {count} pages, where no snapshot reading the DOM and deflating in the \
         browser meets the goal",
        ratio(geometric_mean(&floors)),
    );
    for page in not_measured {
        println!("   not measured: {page}");
    }
}

/// The pages where not even the floor meets the goal.
fn floor_above_goal(results: &[PageBytes]) -> impl Iterator<Item = &PageBytes> {
    results.iter().filter(|result| result.floor_ratio() > PACKED_RATIO_GOAL)
}

/// The summary's row of target 3, from the frame as sent (it replaces the snapshot section's figure, the
/// same frame measured there).
fn record_target(results: &[PageBytes], summary: &mut Summary) {
    let worst = results.iter().max_by(|a, b| a.ratio().total_cmp(&b.ratio())).expect("at least one page measured");
    let ratios: Vec<f64> = results.iter().map(PageBytes::ratio).collect();
    summary.record(
        Target::Bytes,
        Figure {
            measured: format!(
                "snapshot frame as sent (browser deflate; small: ours) vs rrweb packed event, {} pages; worst: {}",
                results.len(),
                worst.name
            ),
            ours: format!("{} B", bytes(worst.sent_frame)),
            baseline: format!("{} B", bytes(worst.rrweb_packed)),
            ratio: format!("{} worst, {} geo. mean", ratio(worst.ratio()), ratio(geometric_mean(&ratios))),
            met: worst.ratio() <= PACKED_RATIO_GOAL,
        },
    );
    let floors: Vec<f64> = results.iter().map(PageBytes::floor_ratio).collect();
    let above = floor_above_goal(results).count();
    let highest =
        results.iter().max_by(|a, b| a.floor_ratio().total_cmp(&b.floor_ratio())).expect("at least one page measured");
    summary.record_bound(
        Target::Bytes,
        format!(
            "the page's strings alone, deflated by the browser (no structure, no ids): {} of rrweb's packed bytes \
             (geometric mean), above {PACKED_RATIO_GOAL} on {above} of {} pages; highest {} on {} ({} B)",
            ratio(geometric_mean(&floors)),
            results.len(),
            ratio(highest.floor_ratio()),
            highest.name,
            bytes(highest.strings_floor)
        ),
    );
}
