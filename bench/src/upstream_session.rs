//! One round of the `upstream` section: what a session start costs the visitor upstream, through the real
//! relay on loopback.
//!
//! The visitor's page ([`crate::upstream_site`], from the page server, the private image's cookie set in
//! that browser) is opened with the shim from the stage's relay and a session started; once the visitor
//! has sent its snapshot and gone quiet for [`QUIET_BEFORE_JOIN`], one agent joins with the viewer (the
//! visitor's asset uploader starts only once an agent watches). Every frame the relay receives from the
//! visitor from the start is counted ([`crate::upstream_frames`]) until the visitor has sent nothing for
//! [`QUIET_AFTER_JOIN`] after the join, [`GIVE_UP`] at most (then the round says so). The agent's mirror is
//! then asked where its public and private images came from (the relay's `/assets/` or the page's site).

use crate::session_measure::open_with_shim;
use crate::upstream_frames::{Upstream, UpstreamFrames};
use crate::upstream_site::{PRIVATE_IMAGE_ID, PUBLIC_IMAGE_ID};
use cobrowse_e2e::relay::AGENT_NAMES;
use cobrowse_e2e::{agent, visitor, Browser, Stage};
use serde::Deserialize;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// The visitor has sent its snapshot once it has sent one and then nothing for this long.
const QUIET_BEFORE_JOIN: Duration = Duration::from_secs(1);
/// The visitor is done once it has sent nothing for this long after the agent joined.
pub const QUIET_AFTER_JOIN: Duration = Duration::from_secs(2);
/// How long each wait for quiet may last.
pub const GIVE_UP: Duration = Duration::from_secs(30);
/// How long the mirror's images may take to come from the relay once the visitor is quiet.
const MIRROR_TIMEOUT: Duration = Duration::from_secs(5);
const POLL: Duration = Duration::from_millis(50);

/// Where the agent's mirror shows each image from: `None` if the image is missing or did not load, else
/// its URL.
const MIRROR_IMAGES: &str = "var doc = document.getElementById('cobrowse-mirror').contentDocument; \
    function shown(id) { var image = doc && doc.getElementById(id); \
      return image && image.complete && image.naturalWidth > 0 ? image.currentSrc || image.src : null; } \
    return { public: shown(arguments[0]), private: shown(arguments[1]) };";

/// One round's figures.
pub struct Round {
    pub upstream: Upstream,
    /// The visitor went quiet after the join within [`GIVE_UP`] (else counting stopped there).
    pub quiet: bool,
    /// Where the mirror showed the public and the private image from (`None`: not shown).
    pub public_image: Option<String>,
    pub private_image: Option<String>,
}

#[derive(Deserialize)]
struct MirrorImages {
    public: Option<String>,
    private: Option<String>,
}

/// Measures one session start on `url` in `visitor`, joined by `agent`.
pub async fn measure(stage: &Stage, visitor: &Browser, agent: &Browser, url: &str) -> cobrowse_e2e::Result<Round> {
    let frames = UpstreamFrames::record(stage.relay.subscribe_frames());
    open_with_shim(visitor, url, stage.relay.origin()).await?;
    let key = visitor::start_session(visitor).await?;
    let counted = count_session(stage, agent, &frames, &key).await;
    let _: Value = visitor.execute("if (window.Cobrowse) window.Cobrowse.stop();", vec![]).await?;
    counted
}

/// From the session's start until the visitor is quiet after the join, then the mirror's images.
async fn count_session(
    stage: &Stage,
    agent: &Browser,
    frames: &UpstreamFrames,
    key: &str,
) -> cobrowse_e2e::Result<Round> {
    let snapshot_sent = || frames.upstream(key).snapshots > 0;
    if !wait_for_quiet(frames, QUIET_BEFORE_JOIN, Instant::now(), snapshot_sent).await {
        return Err(format!("the visitor did not send its snapshot and go quiet within {GIVE_UP:?}").into());
    }
    agent::join(agent, &stage.relay.agent_url(), AGENT_NAMES[0], key).await?;
    let quiet = wait_for_quiet(frames, QUIET_AFTER_JOIN, Instant::now(), || true).await;
    let upstream = frames.upstream(key);
    let assets = format!("{}/assets/", stage.relay.origin());
    let images = mirror_images(agent, &assets).await?;
    Ok(Round { upstream, quiet, public_image: images.public, private_image: images.private })
}

/// Waits until `ready()` and the visitor has sent nothing for `quiet`, counted from `since` at the
/// earliest; false if that did not happen within [`GIVE_UP`].
async fn wait_for_quiet(frames: &UpstreamFrames, quiet: Duration, since: Instant, ready: impl Fn() -> bool) -> bool {
    loop {
        let silent = frames.quiet_for().unwrap_or(Duration::ZERO).min(since.elapsed());
        if ready() && silent >= quiet {
            return true;
        }
        if since.elapsed() >= GIVE_UP {
            return false;
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Where the mirror shows the images from, once both come from `assets` (the relay's asset path) or after
/// [`MIRROR_TIMEOUT`], whatever they show then.
async fn mirror_images(agent: &Browser, assets: &str) -> cobrowse_e2e::Result<MirrorImages> {
    let deadline = Instant::now() + MIRROR_TIMEOUT;
    loop {
        let images: MirrorImages =
            agent.execute(MIRROR_IMAGES, vec![json!(PUBLIC_IMAGE_ID), json!(PRIVATE_IMAGE_ID)]).await?;
        let from_relay = |src: &Option<String>| src.as_deref().is_some_and(|src| src.starts_with(assets));
        if (from_relay(&images.public) && from_relay(&images.private)) || Instant::now() >= deadline {
            return Ok(images);
        }
        tokio::time::sleep(POLL * 4).await;
    }
}
