//! Pages the mirror lost before issue 4, one focused test each: cross-origin CSS, private (cookie-protected
//! and blob:) images and stylesheets, shadow DOM (also attached late), and frames (also added late).
//!
//! Each opens its page from `tests/pages/fidelity/` on the fidelity site, starts a session, joins, and
//! checks concretely what the agent sees, with a probe run on both documents (`cobrowse_e2e::probe`):
//! the visitor's page must show it (else the page is broken), and the mirror must show the same.

use cobrowse_e2e::corpus::FidelitySite;
use cobrowse_e2e::probe::assert_mirror_agrees;
use cobrowse_e2e::relay::AGENT_NAMES;
use cobrowse_e2e::{agent, fidelity, step, visitor, Browser, Result, Stage};
use serde_json::json;

/// A stage, the fidelity site and two browsers, with a session on `page` joined by the agent.
struct Session {
    stage: Stage,
    _site: FidelitySite,
    visitor: Browser,
    agent: Browser,
}

impl Session {
    async fn open(page: &str) -> Result<Self> {
        let stage = Stage::start().await?;
        let site = FidelitySite::start(stage.relay.origin()).await?;
        let visitor = stage.browser("visitor").await?;
        let agent = stage.browser("agent ana").await?;
        visitor::open(&visitor, &site.url(page)).await?;
        let key = visitor::start_session(&visitor).await.map_err(step("Cobrowse.start()"))?;
        agent::join(&agent, &stage.relay.agent_url(), AGENT_NAMES[0], &key).await.map_err(step("the agent joins"))?;
        Ok(Self { stage, _site: site, visitor, agent })
    }

    /// Checks `body` (see `cobrowse_e2e::probe`) answers `expected` on the page and the same in the mirror.
    async fn agrees(&self, what: &str, body: &str, expected: serde_json::Value) -> Result<()> {
        assert_mirror_agrees(&self.visitor, &self.agent, what, body, &expected).await
    }

    /// Runs the page's `window.fidelityInteract()`.
    async fn interact(&self) -> Result<()> {
        fidelity::interact(&self.visitor, "").await
    }

    async fn close(self) {
        let _ = self.visitor.close().await;
        let _ = self.agent.close().await;
        self.stage.shutdown().await;
    }
}

/// Closes the session whatever the checks found, and returns what they found.
async fn finish(session: Session, outcome: Result<()>) -> Result<()> {
    session.close().await;
    outcome
}

/// A computed style property of the element matching `css`, as a probe body.
fn computed(css: &str, property: &str) -> String {
    format!("var e = doc.querySelector({css:?}); return e ? doc.defaultView.getComputedStyle(e)[{property:?}] : null;")
}

/// An image's natural width, 0 while it is not loaded or broken, as a probe body.
fn natural_width(css: &str) -> String {
    format!("var i = doc.querySelector({css:?}); return i && i.complete ? i.naturalWidth : null;")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_origin_css_reaches_the_mirror() -> Result<()> {
    let session = Session::open("fidelity/cross-origin-css.html").await?;
    let outcome = cross_origin_css_checks(&session).await;
    finish(session, outcome).await
}

async fn cross_origin_css_checks(s: &Session) -> Result<()> {
    s.agrees(
        "#cdn-box background colour from the third origin's stylesheet",
        &computed("#cdn-box", "backgroundColor"),
        json!("rgb(12, 90, 200)"),
    )
    .await?;
    s.agrees(
            "#cdn-box background image from the third origin",
            "var e = doc.querySelector('#cdn-box'); return e ? /pattern\\.png/.test(doc.defaultView.getComputedStyle(e).backgroundImage) : null;",
            json!(true),
        )
        .await?;
    s.agrees(
            "the third origin's font (FidelityCdnFont) is loaded",
            "var found = null; doc.fonts.forEach(function (f) { if (f.family.replace(/[\"']/g, '') === 'FidelityCdnFont') found = f.status; }); return found;",
            json!("loaded"),
        )
        .await?;
    s.interact().await?;
    s.agrees(
        "an element added later is styled too",
        &computed("#cdn-box-later", "backgroundColor"),
        json!("rgb(12, 90, 200)"),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_images_and_stylesheets_reach_the_mirror() -> Result<()> {
    let session = Session::open("fidelity/private-assets.html").await?;
    let outcome = private_assets_checks(&session).await;
    finish(session, outcome).await
}

async fn private_assets_checks(s: &Session) -> Result<()> {
    s.agrees("the cookie-protected image's natural width", &natural_width("#private-image"), json!(120)).await?;
    s.agrees(
        "the cookie-protected stylesheet's colour",
        &computed("#private-box", "backgroundColor"),
        json!("rgb(150, 20, 90)"),
    )
    .await?;
    s.agrees(
        "the blob: image's natural width",
        "var i = doc.querySelector('#blob-image'); return i && i.complete && i.naturalWidth ? i.naturalWidth : null;",
        json!(140),
    )
    .await?;
    s.interact().await?;
    s.agrees("a cookie-protected image added later", &natural_width("#private-image-later"), json!(120)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shadow_roots_are_mirrored_also_when_attached_later() -> Result<()> {
    let session = Session::open("fidelity/shadow-late.html").await?;
    let outcome = shadow_checks(&session).await;
    finish(session, outcome).await
}

async fn shadow_checks(s: &Session) -> Result<()> {
    let inside = |host: &str| {
        format!(
                "var h = doc.getElementById({host:?}); if (!h || !h.shadowRoot) return null; \
                 return Array.prototype.map.call(h.shadowRoot.querySelectorAll('p'), function (p) {{ return p.textContent; }});"
            )
    };
    s.agrees("#early's shadow root content", &inside("early"), json!(["Shadow content of early"])).await?;
    s.agrees("#early's shadow root styles", "var h = doc.getElementById('early'); var p = h && h.shadowRoot && h.shadowRoot.querySelector('p'); return p ? doc.defaultView.getComputedStyle(p).backgroundColor : null;", json!("rgb(40, 110, 60)")).await?;
    s.interact().await?;
    s.agrees(
        "#early's shadow root after its content changed",
        &inside("early"),
        json!(["Changed inside the shadow root", "A paragraph added to the shadow root"]),
    )
    .await?;
    s.agrees(
        "#late's shadow root, attached after the host was mirrored",
        &inside("late"),
        json!(["Shadow content of late"]),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frames_are_mirrored_also_when_added_later() -> Result<()> {
    let session = Session::open("fidelity/iframe-late.html").await?;
    let outcome = frame_checks(&session).await;
    finish(session, outcome).await
}

async fn frame_checks(s: &Session) -> Result<()> {
    let frame_text = |frame: &str, css: &str| {
        format!(
            "var f = doc.getElementById({frame:?}); var d = f && f.contentDocument; \
                 var e = d && d.querySelector({css:?}); return e ? e.textContent : null;"
        )
    };
    s.agrees("the frame's document", &frame_text("first-frame", "#frame-text"), json!("Loaded from the same origin."))
        .await?;
    s.interact().await?;
    s.agrees(
        "the frame's document changed by the parent",
        &frame_text("first-frame", "#frame-text"),
        json!("Changed by the parent page"),
    )
    .await?;
    s.agrees("the frame added later", &frame_text("late-frame", "h1"), json!("Frame content")).await?;
    s.agrees(
        "content added inside the late frame",
        &frame_text("late-frame", "#late-note"),
        json!("Added inside the late frame after it loaded"),
    )
    .await
}
