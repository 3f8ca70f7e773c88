//! Resources only the visitor can load reach the agent's mirror through the relay's asset cache: an image
//! and a stylesheet (with an `@import`) behind the visitor's login cookie, and a `blob:` image made in the
//! page. The agent's browser, without the cookie, never gets them from the site; it loads the visitor's
//! uploads from `/assets/` on the relay. Images in masked or blocked subtrees are never uploaded.
//!
//! The uploader is not part of the visitor's first download: it is bundled into the support call's module,
//! which the shim imports (`/visitor/cobrowse_call.js?v=HASH`) at the first call message, and which starts
//! it once an agent watches, so nothing is uploaded before one joins. These files sit behind a cookie: the
//! visitor offers them (`AssetOffer`), the relay's fetch is refused, and the visitor uploads them
//! (`AssetWanted`); `asset_fetch.rs` has the public files the relay fetches itself.
//! The first agent's browser may ask the site for the private files before the uploads arrive (refused:
//! it has no cookie); a second agent joining later gets the uploads the relay kept and never asks the site.

use cobrowse_e2e::mirror::{assert_mirrors, MIRROR_TIMEOUT};
use cobrowse_e2e::relay::AGENT_NAMES;
use cobrowse_e2e::site::{PrivateRequest, PRIVATE_COOKIE};
use cobrowse_e2e::{agent, step, visitor, wait, Browser, Result, Stage};
use cobrowse_protocol::frame::{self, FrameKind};
use cobrowse_protocol::message::decode_asset;
use serde::Deserialize;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long the visitor's uploads may take after the agent joined.
const UPLOAD_TIMEOUT: Duration = Duration::from_secs(15);

/// How long a session without an agent is watched for uploads that must not come.
const QUIET_WHILE_ALONE: Duration = Duration::from_secs(2);

/// The requests the visitor's page made for the call's module (which holds the uploader), as `performance`
/// lists them.
const UPLOADER_REQUESTS_JS: &str = "return performance.getEntriesByType('resource')\
    .map(function (entry) { return entry.name; })\
    .filter(function (name) { return name.indexOf('/visitor/cobrowse_call.js') >= 0; });";

/// What the agent's mirror shows of the page's resources.
#[derive(Debug, Deserialize)]
struct Shown {
    private_image_width: u32,
    private_image_src: String,
    blob_image_width: u32,
    blob_image_src: String,
    stylesheet_href: String,
    styled_color: String,
    imported_spacing: String,
}

const SHOWN_JS: &str = r#"
    var doc = document.getElementById('cobrowse-mirror').contentDocument;
    var q = function (css) { return doc && doc.querySelector(css); };
    var style = function (css, property) {
        var element = q(css);
        return element ? doc.defaultView.getComputedStyle(element)[property] : '';
    };
    var image = q('#private-image'), blob = q('#blob-image'), link = q('link[rel=stylesheet]');
    return {
        private_image_width: image ? image.naturalWidth : 0,
        private_image_src: image ? image.currentSrc : '',
        blob_image_width: blob ? blob.naturalWidth : 0,
        blob_image_src: blob ? blob.currentSrc : '',
        stylesheet_href: link ? link.href : '',
        styled_color: style('#styled', 'color'),
        imported_spacing: style('#imported', 'letterSpacing'),
    };
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assets_only_the_visitor_can_load_reach_the_mirror_from_the_relay() -> Result<()> {
    let stage = Stage::start().await?;
    let uploads = record_uploads(&stage);
    let visitor = stage.browser("visitor").await?;
    let ana = stage.browser("agent ana").await?;

    // 1. The visitor signs in (a cookie of the site's), starts a session; with no agent watching, the shim
    //    neither imports the uploader nor uploads anything.
    visitor.goto(&stage.site.page_url("sign-in")).await?;
    let cookie = format!("document.cookie = '{PRIVATE_COOKIE}; path=/'; return document.cookie;");
    let set: String = visitor.execute(&cookie, vec![]).await?;
    assert!(set.contains(PRIVATE_COOKIE), "the visitor's cookie: {set:?}");
    visitor::open(&visitor, &stage.site.page_url("assets.html")).await?;
    let key = visitor::start_session(&visitor).await.map_err(step("1: Cobrowse.start()"))?;
    tokio::time::sleep(QUIET_WHILE_ALONE).await;
    let early = uploads.lock().expect("uploads").clone();
    assert!(early.is_empty(), "step 1: uploads before any agent watched: {early:?}");
    let requested = uploader_requests(&visitor).await?;
    assert!(requested.is_empty(), "step 1: the uploader was imported before any agent watched: {requested:?}");
    stage.log(&format!("1: session {key}; nothing uploaded while alone"));

    // 2. The agent joins: the shim imports the uploader, once, versioned, and uploads what the agent could not
    //    load; the agent sees them all.
    agent::join(&ana, &stage.relay.agent_url(), AGENT_NAMES[0], &key).await.map_err(step("2: ana joins"))?;
    let wanted = ["/private/badge.png", "/private/private.css", "blob:"];
    let uploaded = wait::until("the visitor's uploads", UPLOAD_TIMEOUT, || async {
        let urls = uploads.lock().expect("uploads").clone();
        Ok(wanted.iter().all(|part| urls.iter().any(|url| url.contains(part))).then_some(urls))
    })
    .await
    .map_err(step("2: uploads"))?;
    let requested = uploader_requests(&visitor).await?;
    assert!(
        requested.len() == 1 && requested[0].contains("cobrowse_call.js?v="),
        "step 2: the uploader must be imported once, as ?v=HASH: {requested:?}"
    );
    stage.log(&format!("2: the visitor imported {requested:?} and uploaded {uploaded:?}"));
    let assets_prefix = format!("{}/assets/", stage.relay.origin());
    let shown = wait::until("the mirror's images and styles", MIRROR_TIMEOUT, || async {
        let shown: Shown = ana.execute(SHOWN_JS, vec![]).await?;
        let done = shown.private_image_width > 0
            && shown.blob_image_width > 0
            && shown.styled_color == "rgb(1, 2, 3)"
            && shown.imported_spacing == "7px";
        Ok(done.then_some(shown))
    })
    .await;
    let shown = match shown {
        Ok(shown) => shown,
        Err(error) => {
            let now: Shown = ana.execute(SHOWN_JS, vec![]).await?;
            return Err(format!("step 2: {error}; the mirror shows {now:?}").into());
        }
    };
    for (what, url) in [
        ("the private image", &shown.private_image_src),
        ("the blob image", &shown.blob_image_src),
        ("the private stylesheet", &shown.stylesheet_href),
    ] {
        assert!(url.starts_with(&assets_prefix), "{what} must come from {assets_prefix}, not {url}");
    }
    stage.log(&format!("2: the mirror shows the uploads: {shown:?}"));

    // 3. Nothing from a masked or blocked subtree was uploaded, and the site gave the agent nothing private
    //    (ana's mirror was built before the uploads arrived: her browser asked the site, and was refused).
    let uploaded = uploads.lock().expect("uploads").clone();
    for never in ["masked.png", "blocked.png"] {
        assert!(!uploaded.iter().any(|url| url.contains(never)), "{never} was uploaded: {uploaded:?}");
    }
    let requests = stage.site.private_requests();
    for request in &requests {
        assert_eq!(
            request.status == 200,
            request.with_cookie,
            "only the signed-in visitor gets private files: {request:?}"
        );
    }
    stage.log(&format!("3: private requests: {requests:?}"));

    // 4. The mirror still equals the page (its relay URLs mapped back to the visitor's). The canonical trees
    //    do not model blocked boxes: the blocked one goes first.
    visitor.execute::<()>("document.querySelector('[data-cobrowse-block]').remove();", vec![]).await?;
    let agreed = assert_mirrors(&visitor, &ana, MIRROR_TIMEOUT).await.map_err(step("4: mirror equals the page"))?;
    stage.log(&format!("4: mirror equal ({} elements) after {:?}", agreed.elements, agreed.after));

    // 5. An image added while the agent watches is uploaded too, and the mirror's copy switches to the relay.
    let add = "var image = document.createElement('img'); image.id = 'added-later'; \
               image.src = '../private/badge.png?added-later'; document.body.appendChild(image);";
    visitor.execute::<()>(add, vec![]).await?;
    let later = wait::until("the added image in the mirror, from the relay", MIRROR_TIMEOUT, || async {
        let script = "var doc = document.getElementById('cobrowse-mirror').contentDocument; \
                      var image = doc && doc.getElementById('added-later'); \
                      return image && image.naturalWidth > 0 ? image.currentSrc : null;";
        let src: Option<String> = ana.execute(script, vec![]).await?;
        Ok(src.filter(|src| src.starts_with(&assets_prefix)))
    })
    .await
    .map_err(step("5: an image added later"))?;
    stage.log(&format!("5: the image added later shows from {later}"));

    // 6. A second agent joining later gets the uploads the relay kept (their announcements come before the
    //    snapshot): ben's browser never asks the site for them. The uploader is not imported again.
    let asked_by_agents = || agent_requests(&stage.site.private_requests(), &["badge.png", "private.css"]);
    let asked_before_ben = asked_by_agents();
    let ben = stage.browser("agent ben").await?;
    agent::join(&ben, &stage.relay.agent_url(), AGENT_NAMES[1], &key).await.map_err(step("6: ben joins"))?;
    let late = wait::until("the private image in ben's mirror, from the relay", MIRROR_TIMEOUT, || async {
        let shown: Shown = ben.execute(SHOWN_JS, vec![]).await?;
        let done = shown.private_image_width > 0 && shown.private_image_src.starts_with(&assets_prefix);
        Ok(done.then_some(shown.private_image_src))
    })
    .await
    .map_err(step("6: a late agent"))?;
    let requested = uploader_requests(&visitor).await?;
    assert_eq!(requested.len(), 1, "step 6: the uploader was imported again: {requested:?}");
    let asked_after_ben = asked_by_agents();
    assert_eq!(asked_after_ben, asked_before_ben, "step 6: ben's browser asked the site for private files");
    stage.log(&format!("6: ben's mirror shows the private image from {late}"));

    visitor.close().await?;
    ana.close().await?;
    ben.close().await?;
    stage.shutdown().await;
    Ok(())
}

/// How many requests without the visitor's cookie (an agent's browser) the site had for `files`.
fn agent_requests(requests: &[PrivateRequest], files: &[&str]) -> usize {
    requests.iter().filter(|request| !request.with_cookie && files.contains(&request.file.as_str())).count()
}

/// The URLs the visitor's page requested the uploader's module from.
async fn uploader_requests(visitor: &Browser) -> Result<Vec<String>> {
    visitor.execute(UPLOADER_REQUESTS_JS, vec![]).await
}

/// The URLs of the asset uploads the relay receives, as they arrive.
fn record_uploads(stage: &Stage) -> Arc<Mutex<Vec<String>>> {
    let urls = Arc::new(Mutex::new(Vec::new()));
    let mut frames = stage.relay.subscribe_frames();
    let sink = urls.clone();
    tokio::spawn(async move {
        while let Ok(received) = frames.recv().await {
            if let Ok((FrameKind::Asset, payload)) = frame::parse(&received.bytes) {
                if let Ok(upload) = decode_asset(payload) {
                    sink.lock().expect("uploads").push(upload.url);
                }
            }
        }
    });
    urls
}
