//! A late join of the baseline, an rrweb-based live cobrowse, for the `join` section: rrweb 2.2.2's
//! `record` on a fresh load of the visitor's page (its end marker added) gives the events a late agent
//! needs first (up to and including the full snapshot; recorded once per page); their JSON is handed to a
//! fresh blank page in the agent's browser each round through WebDriver (the transfer is not counted), which times, stamped in the page,
//! `new rrweb.Replayer([], { liveMode: true })`, `startLive()` and `addEvent` of each event until the
//! replayer's document holds the end marker, and then until the next animation frame has rendered
//! (`js/rrweb_live_replay.js`).

use crate::page_change_site::END_MARKER_ID;
use crate::page_server::{PageServer, BLANK_PATH, RRWEB_PATH};
use crate::webdriver::page_answer;
use cobrowse_e2e::Browser;
use serde::Deserialize;
use serde_json::{json, Value};
use std::time::Duration;

const CLASSIC_SCRIPT: &str = include_str!("js/classic_script.js");
const END_MARKER: &str = include_str!("js/end_marker.js");
const RRWEB_EVENTS: &str = include_str!("js/rrweb_events.js");
const RRWEB_LIVE_REPLAY: &str = include_str!("js/rrweb_live_replay.js");

/// How long the replayer may take to show the page.
const REPLAY_TIMEOUT: Duration = Duration::from_secs(120);

/// One late join of rrweb's, in ms from the replayer made.
#[derive(Debug, Clone, Copy)]
pub struct RrwebJoin {
    /// The whole page in the replayer's document, and shown.
    pub whole: f64,
    pub whole_shown: f64,
    /// The events' `JSON.parse`, before the clock starts.
    pub parse: f64,
    /// The events' JSON, in bytes.
    pub json_bytes: usize,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Replayed {
    start: f64,
    whole: f64,
    shown: f64,
    parse_ms: f64,
}

/// What rrweb's recorder emitted for a late agent on a page: the events up to its full snapshot.
#[derive(Deserialize)]
pub struct Recorded {
    /// The events, as JSON.
    events: String,
    /// The page's elements (its end marker included).
    pub elements: usize,
}

/// Replays `recorded` live in a fresh blank page of `agent`.
pub async fn replay(server: &PageServer, agent: &Browser, recorded: &Recorded) -> cobrowse_e2e::Result<RrwebJoin> {
    let events = &recorded.events;
    agent.goto(&server.url(BLANK_PATH)).await?;
    let script = format!("{CLASSIC_SCRIPT}\n{RRWEB_LIVE_REPLAY}");
    let timeout = REPLAY_TIMEOUT.as_millis() as u64;
    let arguments = vec![json!(server.url(RRWEB_PATH)), json!(events), json!(END_MARKER_ID), json!(timeout)];
    let replayed: Replayed = page_answer(agent.execute_async(&script, arguments).await?, "rrweb's live replay")?;
    Ok(RrwebJoin {
        whole: replayed.whole - replayed.start,
        whole_shown: replayed.shown - replayed.start,
        parse: replayed.parse_ms,
        json_bytes: events.len(),
    })
}

/// The events rrweb's recorder emits on a fresh load of `url` (its end marker added), as JSON.
pub async fn record(server: &PageServer, visitor: &Browser, url: &str) -> cobrowse_e2e::Result<Recorded> {
    visitor.goto(url).await?;
    let _: Value = visitor.execute(END_MARKER, vec![json!(END_MARKER_ID)]).await?;
    let script = format!("{CLASSIC_SCRIPT}\n{RRWEB_EVENTS}");
    let answer = visitor.execute_async(&script, vec![json!(server.url(RRWEB_PATH))]).await?;
    page_answer(answer, "rrweb's recorder")
}
