//! One fidelity measurement of a page: how much of its structure the mirror matches, and how many of its
//! pixels differ; and the page's scripted interaction.
//!
//! The mirror trails the visitor by a frame's trip and images and fonts load on their own time, so a
//! measurement first lets the mirror settle (reads both deep trees until they match or a timeout passes),
//! waits for both documents' images and fonts, then photographs both, again until the pixels match or a
//! timeout passes: a canvas's pixels travel apart from the structure (on the visitor's next animation
//! frame), so a mirror whose structure already matches may still show a canvas's old pixels.
//!
//! A page's interaction is `window.fidelityInteract()`, defined by our own pages (a corpus page gets a
//! snippet from the test instead). It may return a promise, and an object asking the harness for what
//! only real input does: `{ hover: "css" }` moves the mouse over an element (`:hover`), `{ type: [["css",
//! "text"], ...] }` types with real key events.

use crate::browser::Browser;
use crate::pixels::{self, PixelDiff};
use crate::structure::{self, Score};
use crate::tree::{self, Role};
use fantoccini::actions::{InputSource, MouseActions, PointerAction};
use serde::Deserialize;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// How long the mirror gets to match the page after a load or an interaction.
pub const SETTLE_TIMEOUT: Duration = Duration::from_secs(6);
/// The lowest structure match a page may have.
pub const MIN_STRUCTURE_PERCENT: f64 = 99.0;
/// The most differing pixels a page may have.
pub const MAX_DIFFERING_PIXELS_PERCENT: f64 = 1.0;
/// How long the mirror's pixels get to match the page's once the structure has settled and the assets
/// have loaded.
const PIXELS_TIMEOUT: Duration = Duration::from_secs(3);
/// How long a mirror whose score does not change is given before it is measured as it is.
const STABLE_FOR: Duration = Duration::from_millis(2000);
/// How long images and fonts get to load, on each side, once the trees have settled.
const ASSETS_TIMEOUT: Duration = Duration::from_secs(3);
/// How often the trees are read while settling.
const SETTLE_POLL: Duration = Duration::from_millis(200);

/// Whether a document's images (also in its same-origin frames) have loaded and its fonts too
/// (`arguments[0]`: "visitor" or "mirror"). A broken image is waited for as well: the mirror first points
/// a private or `blob:` image at the visitor's URL, which fails, and then at the relay's copy once the
/// visitor's uploader (started when the agent joined) has sent it.
const ASSETS_READY_JS: &str = r#"
    var top = arguments[0] === 'mirror' ? (document.getElementById('cobrowse-mirror') || {}).contentDocument : document;
    function ready(doc) {
      if (!doc) return true;
      var images = Array.prototype.slice.call(doc.images || []);
      var frames = Array.prototype.slice.call(doc.querySelectorAll('iframe'));
      var fontsReady = !doc.fonts || doc.fonts.status === 'loaded';
      return fontsReady
        && images.every(function (image) { return image.complete && image.naturalWidth > 0; })
        && frames.every(function (frame) { try { return ready(frame.contentDocument); } catch (e) { return true; } });
    }
    return ready(top);
"#;

/// A page's structure match and pixel difference at one moment.
#[derive(Debug, Clone)]
pub struct Measurement {
    pub structure: Score,
    pub pixels: PixelDiff,
}

/// What a page's interaction asks the harness to do with real input.
#[derive(Debug, Default, Deserialize)]
pub struct RealInput {
    /// Move the mouse over the element matching this selector.
    #[serde(default)]
    pub hover: Option<String>,
    /// Type each text into the element matching its selector.
    #[serde(default)]
    pub r#type: Vec<(String, String)>,
}

/// Lets the mirror settle, then measures structure and pixels; saves the shots as `name` if asked
/// (`$E2E_SCREENSHOTS`).
pub async fn measure(visitor: &Browser, agent: &Browser, name: &str) -> crate::error::Result<Measurement> {
    let structure = settle(visitor, agent).await?;
    wait_for_assets(visitor, "visitor").await;
    wait_for_assets(agent, "mirror").await;
    let shots = settle_pixels(visitor, agent).await?;
    pixels::save_if_asked(name, &shots)?;
    Ok(Measurement { structure, pixels: shots.diff })
}

/// Photographs both sides until at most [`MAX_DIFFERING_PIXELS_PERCENT`] of the pixels differ or
/// [`PIXELS_TIMEOUT`] passes; the last shots. The threshold is the test's own: a mirror that never gets
/// there is measured as it is at the timeout.
async fn settle_pixels(visitor: &Browser, agent: &Browser) -> crate::error::Result<pixels::Shots> {
    let started = Instant::now();
    loop {
        let shots = pixels::compare_browsers(visitor, agent).await?;
        if shots.diff.percent() <= MAX_DIFFERING_PIXELS_PERCENT || started.elapsed() >= PIXELS_TIMEOUT {
            return Ok(shots);
        }
        tokio::time::sleep(SETTLE_POLL).await;
    }
}

/// Reads both deep trees until the mirror matches every node, or its score has not changed for
/// [`STABLE_FOR`] (it is not catching up any more), or [`SETTLE_TIMEOUT`] passes; the last score.
pub async fn settle(visitor: &Browser, agent: &Browser) -> crate::error::Result<Score> {
    let started = Instant::now();
    let mut unchanged_since = Instant::now();
    let mut previous: Option<(usize, usize)> = None;
    loop {
        let page = tree::read_deep(visitor, Role::Visitor).await?;
        let score = match tree::read_deep(agent, Role::Mirror).await {
            Ok(mirror) => structure::score(&page.root, &mirror.root),
            Err(error) => unreadable_mirror(&page.root, &error.to_string()),
        };
        let now = (score.matched, score.differences.len());
        if previous != Some(now) {
            previous = Some(now);
            unchanged_since = Instant::now();
        }
        let done = score.matched == score.nodes
            || unchanged_since.elapsed() >= STABLE_FOR
            || started.elapsed() >= SETTLE_TIMEOUT;
        if done {
            return Ok(score);
        }
        tokio::time::sleep(SETTLE_POLL).await;
    }
}

/// The score of a mirror that cannot be read: nothing matched, and why.
fn unreadable_mirror(page: &tree::Element, error: &str) -> Score {
    Score {
        nodes: page.node_count(),
        matched: 0,
        differences: vec![crate::compare::Difference {
            path: page.label(),
            what: format!("the mirror cannot be read: {error}"),
        }],
    }
}

/// Waits (at most [`ASSETS_TIMEOUT`]) until the document's images and fonts have loaded; a page whose
/// images never load is photographed as it is.
async fn wait_for_assets(browser: &Browser, role: &str) {
    let ready = || async {
        let ready: bool = browser.execute(ASSETS_READY_JS, vec![json!(role)]).await?;
        Ok(ready.then_some(()))
    };
    let _ = crate::wait::until("images and fonts", ASSETS_TIMEOUT, ready).await;
}

/// Runs the page's interaction: `window.fidelityInteract()` if the page defines one, else `fallback` (a
/// function body; empty for none); then the real input it asks for.
pub async fn interact(visitor: &Browser, fallback: &str) -> crate::error::Result<()> {
    let script = format!(
        r#"
        var done = arguments[arguments.length - 1];
        Promise.resolve()
            .then(function () {{
                if (typeof window.fidelityInteract === 'function') return window.fidelityInteract();
                return (function () {{ {fallback} }})();
            }})
            .then(function (asked) {{ done({{ ok: asked || {{}} }}); }},
                  function (error) {{ done({{ error: String(error && error.stack || error) }}); }});
        "#
    );
    let answer: Value = visitor.execute_async(&script, vec![]).await?;
    if let Some(error) = answer.get("error") {
        return Err(format!("the page's interaction failed: {error}").into());
    }
    let asked: RealInput = serde_json::from_value(answer["ok"].clone())
        .map_err(|error| format!("the page's interaction returned an unexpected object: {error}"))?;
    apply_real_input(visitor, &asked).await
}

async fn apply_real_input(visitor: &Browser, asked: &RealInput) -> crate::error::Result<()> {
    for (css, text) in &asked.r#type {
        visitor.type_into(css, text).await?;
    }
    if let Some(css) = &asked.hover {
        hover(visitor, css).await?;
    }
    Ok(())
}

/// Moves the mouse to the centre of the element matching `css`.
pub async fn hover(browser: &Browser, css: &str) -> crate::error::Result<()> {
    let element = browser.find(css).await?;
    let actions = MouseActions::new("fidelity-mouse".into()).then(PointerAction::MoveToElement {
        element,
        duration: None,
        x: 0.0,
        y: 0.0,
    });
    browser
        .client()
        .perform_actions(actions)
        .await
        .map_err(|error| format!("{}: cannot move the mouse over {css}: {error}", browser.label).into())
}
