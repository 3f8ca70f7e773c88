//! One late join of ours, for the `join` section: the visitor's page opened with the shim (from the real
//! relay on loopback) and a session started; once the relay holds the page (the visitor's snapshot and
//! every later part of it, seen by the relay's frame tap), the agent's viewer, loaded and ready, joins
//! with the session's key. Stamped in the viewer's page from the join submitted (`js/join_viewer.js`): the
//! snapshot frame at the page, the page's first part in the mirror and shown, the whole page in the
//! mirror (every part applied and the end marker there) and shown.

use crate::cpu_profile;
use crate::page_change_site::END_MARKER_ID;
use crate::session_measure::open_with_shim;
use crate::snapshot_arrivals::SnapshotArrivals;
use crate::webdriver::page_answer;
use cobrowse_e2e::relay::{AGENT_NAMES, AGENT_PASSWORD};
use cobrowse_e2e::{agent, visitor, Browser, Stage};
use serde::Deserialize;
use serde_json::{json, Value};
use std::time::Duration;

const VISITOR_FRAMES: &str = include_str!("js/visitor_frames.js");
const END_MARKER: &str = include_str!("js/end_marker.js");
const JOIN_VIEWER: &str = include_str!("js/join_viewer.js");

/// How long the visitor may take to send its whole snapshot, and the mirror to hold the whole page.
const PAGE_TIMEOUT: Duration = Duration::from_secs(90);
/// How long the visitor's count of snapshot parts must stay put to be taken as final.
const SETTLED: Duration = Duration::from_millis(300);

/// One late join, in ms from the join submitted.
#[derive(Debug, Clone, Copy)]
pub struct OurJoin {
    /// The session's snapshot frame at the viewer's page.
    pub first_frame: f64,
    /// The page's first part (the snapshot frame) in the mirror, and shown.
    pub first: f64,
    pub first_shown: f64,
    /// The whole page in the mirror (every part applied, the marker there), and shown.
    pub whole: f64,
    pub whole_shown: f64,
    /// Frames the page's snapshot took (the snapshot and its later parts).
    pub frames: u32,
}

/// The viewer's stamps (see `js/join_viewer.js`), wall-clock ms.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Stamps {
    joined: f64,
    first_frame: f64,
    first: f64,
    first_shown: f64,
    whole: f64,
    whole_shown: f64,
}

/// Opens `url` in `visitor` with a session, waits until the relay holds it, and times `agent` joining.
/// With `profiled` (the profile's label, see `cpu_profile::stop_top`), the agent's page is under V8's
/// sampling profiler from the join until the whole page is shown, and the profile's top self times come
/// back too (else none).
pub async fn measure(
    stage: &Stage,
    visitor: &Browser,
    agent: &Browser,
    url: &str,
    profiled: Option<&str>,
) -> cobrowse_e2e::Result<(OurJoin, Vec<String>)> {
    let (key, frames) = session_at_relay(stage, visitor, url).await?;
    let joined = join_late(stage, agent, &key, frames, profiled).await;
    let _: Value = visitor.execute("if (window.Cobrowse) window.Cobrowse.stop();", vec![]).await?;
    let (stamps, profile) = joined?;
    let since_join = |at: f64| at - stamps.joined;
    let join = OurJoin {
        first_frame: since_join(stamps.first_frame),
        first: since_join(stamps.first),
        first_shown: since_join(stamps.first_shown),
        whole: since_join(stamps.whole),
        whole_shown: since_join(stamps.whole_shown),
        frames,
    };
    Ok((join, profile))
}

/// Opens `url` with the shim and its end marker, starts a session and waits until the relay holds the
/// visitor's whole snapshot; the session's key and the frames its snapshot took.
async fn session_at_relay(stage: &Stage, visitor: &Browser, url: &str) -> cobrowse_e2e::Result<(String, u32)> {
    open_with_shim(visitor, url, stage.relay.origin()).await?;
    let _: Value = visitor.execute(&format!("{VISITOR_FRAMES}\n{END_MARKER}"), vec![json!(END_MARKER_ID)]).await?;
    let arrivals = SnapshotArrivals::record(stage.relay.subscribe_frames());
    let key = visitor::start_session(visitor).await?;
    let parts = parts_sent(visitor).await?;
    let what = format!("the relay to hold the visitor's snapshot and its {parts} later parts");
    cobrowse_e2e::wait::until(&what, PAGE_TIMEOUT, || async {
        let (snapshots, at_relay) = arrivals.counts();
        Ok((snapshots >= 1 && at_relay >= parts as usize).then_some(()))
    })
    .await?;
    Ok((key, 1 + parts))
}

/// How many later parts the visitor sent of its snapshot, once it has sent the snapshot and every part:
/// the count has not grown over [`SETTLED`] (the parts go in back-to-back tasks of the page).
async fn parts_sent(visitor: &Browser) -> cobrowse_e2e::Result<u32> {
    let script = "var b = window.pageBenchVisitor; return b && b.snapshotSent !== null ? b.parts : null;";
    let mut last: Option<u32> = None;
    let deadline = tokio::time::Instant::now() + PAGE_TIMEOUT;
    loop {
        tokio::time::sleep(SETTLED).await;
        let parts: Option<u32> = visitor.execute(script, vec![]).await?;
        if parts.is_some() && parts == last {
            return Ok(parts.unwrap_or_default());
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(format!(
                "the visitor did not send its whole snapshot within {PAGE_TIMEOUT:?} ({last:?} parts sent; \
                 does the session start on this page?)"
            )
            .into());
        }
        last = parts;
    }
}

/// Loads the viewer in `agent`, then joins `key` and waits until the whole page (`frames` frames) is shown;
/// profiled from the join if asked (the top self times, else none).
async fn join_late(
    stage: &Stage,
    agent: &Browser,
    key: &str,
    frames: u32,
    profiled: Option<&str>,
) -> cobrowse_e2e::Result<(Stamps, Vec<String>)> {
    agent.goto(&stage.relay.agent_url()).await?;
    let ready = || async {
        let ready: bool =
            agent.execute("var b = document.getElementById('join'); return !!b && !b.disabled;", vec![]).await?;
        Ok(ready.then_some(()))
    };
    cobrowse_e2e::wait::until("agent: an enabled #join button", agent::JOIN_TIMEOUT, ready).await?;
    let arguments = vec![json!(END_MARKER_ID), json!(AGENT_NAMES[0]), json!(AGENT_PASSWORD), json!(key), json!(frames)];
    if profiled.is_some() {
        cpu_profile::start(agent).await?;
    }
    let _: Value = page_answer(agent.execute(JOIN_VIEWER, arguments).await?, "joining late")?;
    let what = format!("the whole page ({frames} frames and the end marker) shown in the agent's mirror");
    let script = "var b = window.joinBench; return b.wholeShown !== null && b.firstShown !== null ? b : null;";
    let stamps = cobrowse_e2e::wait::until(&what, PAGE_TIMEOUT, || async {
        let stamps: Option<Stamps> = agent.execute(script, vec![]).await?;
        Ok(stamps)
    })
    .await;
    let profile = match profiled {
        Some(label) => cpu_profile::stop_top(agent, cpu_profile::TOP_LINES, label).await?,
        None => Vec::new(),
    };
    match stamps {
        Ok(stamps) => Ok((stamps, profile)),
        Err(error) => Err(format!("{error} (the viewer: {})", viewer_state(agent).await).into()),
    }
}

/// What the viewer says of itself, for an error.
async fn viewer_state(agent: &Browser) -> String {
    match agent::status(agent).await {
        Ok(status) => format!("state {:?}, {:?}", status.state, status.text),
        Err(error) => format!("no status: {error}"),
    }
}
