//! Public files of the visitor's site reach the agent's mirror without the visitor uploading them: the
//! visitor's uploader offers each same-origin file by its SHA-256 (`AssetOffer`), the relay fetches the
//! URL itself (no cookie) and, the bytes matching, stores and announces it as if uploaded. A file behind
//! the visitor's login is refused to the relay, which asks the visitor (`AssetWanted`), and only that one
//! is uploaded. A public stylesheet served from the relay keeps working: its relative URLs lead to the
//! site's files (the relay's copies of them). A font on a CDN (a third origin that grants CORS to the
//! site only, [`cobrowse_e2e::cdn`]) listed in the site's `asset_origins` is offered too, and fetched by
//! the relay, not uploaded; the mirror loads it from the relay (the CDN refuses the viewer's origin). So is
//! a stylesheet on the CDN that the page reads by CORS (`<link crossorigin>`): offered by its file's hash,
//! fetched by the relay, and applied in the mirror from the relay's copy.
//!
//! The site and the CDN run on loopback, so the relay is configured to fetch from private addresses
//! (`fetch_assets_from_private_addresses`); by default it refuses them.

use cobrowse_e2e::cdn::CdnListener;
use cobrowse_e2e::relay::AGENT_NAMES;
use cobrowse_e2e::site::PRIVATE_COOKIE;
use cobrowse_e2e::{agent, step, visitor, wait, Result, Stage};
use cobrowse_protocol::frame::{self, FrameKind};
use cobrowse_protocol::message::{decode_asset, decode_control};
use cobrowse_protocol::Control;
use serde::Deserialize;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long the offers, fetches and the one upload may take after the agent joined.
const ASSETS_TIMEOUT: Duration = Duration::from_secs(20);

/// What the visitor sent of its files: the URLs it offered, and those it uploaded.
#[derive(Debug, Default, Clone)]
struct Sent {
    offered: Vec<String>,
    uploaded: Vec<String>,
}

/// What the agent's mirror shows of the page's files.
#[derive(Debug, Deserialize)]
struct Shown {
    public_image_width: u32,
    public_image_src: String,
    private_image_width: u32,
    private_image_src: String,
    stylesheet_href: String,
    styled_color: String,
    backdrop_image: String,
    cdn_font_rule: String,
    cdn_font_loaded: bool,
    cdn_sheet_href: String,
    cdn_box_color: String,
}

const SHOWN_JS: &str = r#"
    var doc = document.getElementById('cobrowse-mirror').contentDocument;
    var q = function (css) { return doc && doc.querySelector(css); };
    var style = function (css, property) {
        var element = q(css);
        return element ? doc.defaultView.getComputedStyle(element)[property] : '';
    };
    var image = q('#public-image'), badge = q('#private-image'), link = q('link[rel=stylesheet]');
    return {
        public_image_width: image ? image.naturalWidth : 0,
        public_image_src: image ? image.currentSrc : '',
        private_image_width: badge ? badge.naturalWidth : 0,
        private_image_src: badge ? badge.currentSrc : '',
        stylesheet_href: link ? link.href : '',
        styled_color: style('#styled', 'color'),
        backdrop_image: style('#backdrop', 'backgroundImage'),
        cdn_font_rule: (function () {
            var sheet = q('#cdn-font') && q('#cdn-font').sheet;
            return sheet && sheet.cssRules.length ? sheet.cssRules[0].cssText : '';
        })(),
        cdn_font_loaded: !!doc && Array.from(doc.fonts).some(function (face) {
            return face.family.replace(/"/g, '') === 'CdnFont' && face.status === 'loaded';
        }),
        cdn_sheet_href: q('#cdn-sheet') ? q('#cdn-sheet').href : '',
        cdn_box_color: style('#cdn-box', 'backgroundColor'),
    };
"#;

/// Adds to the visitor's page a font from the CDN (`arguments[0]`, its URL) and a line of text set in it.
const ADD_CDN_FONT_JS: &str = r#"
    var style = document.createElement('style');
    style.id = 'cdn-font';
    style.textContent = '@font-face { font-family: CdnFont; src: url("' + arguments[0] + '"); }';
    document.head.appendChild(style);
    var line = document.createElement('p');
    line.id = 'cdn-font-text';
    line.style.fontFamily = 'CdnFont';
    line.textContent = 'Set in the CDN font.';
    document.body.appendChild(line);
"#;

/// Adds to the visitor's page the CDN's stylesheet (`arguments[0]`, its URL), read by CORS, and a box it
/// styles; answers once the sheet is loaded (its rules readable), so the uploader's first scan finds it.
const ADD_CDN_SHEET_JS: &str = r#"
    var done = arguments[arguments.length - 1];
    var link = document.createElement('link');
    link.id = 'cdn-sheet';
    link.rel = 'stylesheet';
    link.crossOrigin = 'anonymous';
    link.href = arguments[0];
    link.onload = function () { done(true); };
    link.onerror = function () { done(false); };
    document.head.appendChild(link);
    var box = document.createElement('div');
    box.id = 'cdn-box';
    box.className = 'cdn-box';
    box.textContent = 'Styled by the CDN sheet.';
    document.body.appendChild(box);
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_files_are_fetched_by_the_relay_and_only_private_ones_uploaded() -> Result<()> {
    let cdn = CdnListener::bind().await?;
    let cdn_font = format!("{}/font.ttf", cdn.origin());
    let cdn_sheet = format!("{}/fidelity.css", cdn.origin());
    let stage = Stage::start_with(|config| {
        config.fetch_assets_from_private_addresses = true;
        config.sites[0].asset_origins = vec![cdn.origin()];
    })
    .await?;
    let _cdn = cdn.serve(&stage.site.origin());
    let sent = record_sent(&stage);
    let visitor = stage.browser("visitor").await?;
    let ana = stage.browser("agent ana").await?;

    // 1. The visitor signs in (the badge needs the cookie), opens the page, which also uses the CDN's font,
    //    starts a session; the agent joins.
    visitor.goto(&stage.site.page_url("sign-in")).await?;
    let cookie = format!("document.cookie = '{PRIVATE_COOKIE}; path=/'; return document.cookie;");
    let _: String = visitor.execute(&cookie, vec![]).await?;
    visitor::open(&visitor, &stage.site.page_url("public-assets.html")).await?;
    let _: serde_json::Value = visitor.execute(ADD_CDN_FONT_JS, vec![cdn_font.clone().into()]).await?;
    let loaded: bool = visitor.execute_async(ADD_CDN_SHEET_JS, vec![cdn_sheet.clone().into()]).await?;
    assert!(loaded, "step 1: the CDN's stylesheet did not load in the visitor's page");
    let key = visitor::start_session(&visitor).await.map_err(step("1: Cobrowse.start()"))?;
    agent::join(&ana, &stage.relay.agent_url(), AGENT_NAMES[0], &key).await.map_err(step("1: ana joins"))?;

    // 2. The mirror shows every file from the relay: the public ones fetched by the relay, the badge
    //    uploaded; the stylesheet's relative background image leads to the relay's copy of the site's file;
    //    the CDN's font is loaded from the relay's copy.
    let assets_prefix = format!("{}/assets/", stage.relay.origin());
    let shown = wait::until("the mirror's files, from the relay", ASSETS_TIMEOUT, || async {
        let shown: Shown = ana.execute(SHOWN_JS, vec![]).await?;
        let done = shown.public_image_width > 0
            && shown.public_image_src.starts_with(&assets_prefix)
            && shown.private_image_width > 0
            && shown.private_image_src.starts_with(&assets_prefix)
            && shown.stylesheet_href.starts_with(&assets_prefix)
            && shown.styled_color == "rgb(4, 5, 6)"
            && shown.backdrop_image.contains(&assets_prefix)
            && shown.cdn_font_rule.contains(&assets_prefix)
            && shown.cdn_font_loaded
            && shown.cdn_sheet_href.starts_with(&assets_prefix)
            && shown.cdn_box_color == "rgb(12, 90, 200)";
        Ok(done.then_some(shown))
    })
    .await;
    let shown = match shown {
        Ok(shown) => shown,
        Err(error) => {
            let now: Shown = ana.execute(SHOWN_JS, vec![]).await?;
            let sent = sent.lock().expect("sent").clone();
            return Err(format!("step 2: {error}; the mirror shows {now:?}; the visitor sent {sent:?}").into());
        }
    };
    stage.log(&format!("2: the mirror shows {shown:?}"));

    // 3. The visitor offered the public files (the CDN's font too) and uploaded none of them: only the
    //    badge, which the relay could not fetch without the cookie.
    let sent = sent.lock().expect("sent").clone();
    assert!(sent.offered.contains(&cdn_font), "step 3: the CDN's font was not offered: {sent:?}");
    assert!(sent.offered.contains(&cdn_sheet), "step 3: the CDN's stylesheet was not offered: {sent:?}");
    for public in ["/pages/public/site.css", "/pages/fidelity/picture-small.png", "/pages/fidelity/dense-1x.png"] {
        assert!(sent.offered.iter().any(|url| url.ends_with(public)), "step 3: {public} was not offered: {sent:?}");
    }
    assert!(sent.offered.iter().any(|url| url.ends_with("/private/badge.png")), "step 3: the badge: {sent:?}");
    assert_eq!(
        sent.uploaded.iter().map(|url| url.rsplit('/').next().unwrap_or_default()).collect::<Vec<_>>(),
        ["badge.png"],
        "step 3: only the private badge may be uploaded: {sent:?}"
    );
    let relay_asked = stage.site.private_requests().iter().any(|request| !request.with_cookie && request.status == 403);
    assert!(relay_asked, "step 3: the relay never tried the badge's URL itself");
    stage.log(&format!("3: offered {:?}, uploaded {:?}", sent.offered, sent.uploaded));

    visitor.close().await?;
    ana.close().await?;
    stage.shutdown().await;
    Ok(())
}

/// The URLs the visitor offers and uploads, as the relay receives them.
fn record_sent(stage: &Stage) -> Arc<Mutex<Sent>> {
    let sent = Arc::new(Mutex::new(Sent::default()));
    let mut frames = stage.relay.subscribe_frames();
    let sink = sent.clone();
    tokio::spawn(async move {
        while let Ok(received) = frames.recv().await {
            match frame::parse(&received.bytes) {
                Ok((FrameKind::Asset, payload)) => {
                    if let Ok(upload) = decode_asset(payload) {
                        sink.lock().expect("sent").uploaded.push(upload.url);
                    }
                }
                Ok((FrameKind::Control, _)) => {
                    if let Ok(Control::AssetOffer { url, .. }) = decode_control(&received.bytes) {
                        sink.lock().expect("sent").offered.push(url);
                    }
                }
                _ => {}
            }
        }
    });
    sent
}
