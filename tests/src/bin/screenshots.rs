//! Takes the support call's screenshots for the README (issue 11): the visitor's widget while an agent
//! watches, the consent prompt, the widget while the agent controls the page, and the agent's viewer live
//! and in control. It plays one call with the end-to-end harness ([`cobrowse_e2e::call::Call`]: the real
//! relay in this process, the strict-CSP call page `tests/pages/call/`, headless Chromium as the visitor
//! and the agent), so the pictures show what the code does today; run it again after changing the widget,
//! the prompts or the viewer:
//!
//! ```sh
//! cargo xtask build && cargo run -p cobrowse-e2e --bin screenshots -- docs/screenshots
//! ```
//!
//! It writes `widget-live.png`, `widget-consent.png`, `widget-control.png`, `viewer-live.png` and
//! `viewer-control.png` into the given directory (created if missing). A step that fails stops the run with
//! its name and a non-zero exit; the whole run is bounded by [`RUN_TIMEOUT`].

use cobrowse_e2e::call::{Call, SHOW_TIMEOUT};
use cobrowse_e2e::pixels::{self, Image};
use cobrowse_e2e::relay::AGENT_NAMES;
use cobrowse_e2e::{agent, step, Browser, Result};
use cobrowse_relay::ConsentPolicy;
use serde::Deserialize;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The most the whole run may take (it usually takes well under a minute).
const RUN_TIMEOUT: Duration = Duration::from_secs(240);
/// The viewer's window, as the issue asks.
const VIEWER_SIZE: (u32, u32) = (1280, 800);
/// The visitor's window: small enough that the viewer shows the mirror at a readable scale.
const VISITOR_SIZE: (u32, u32) = (1024, 720);
/// Room kept around the widget and the prompts in the cropped shots, in CSS pixels.
const MARGIN: f64 = 24.0;
/// What the agent types into the mirrored form once in control.
const TYPED_NAME: &str = "Ada Lovelace";
const TYPED_CITY: &str = "Paris";

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: screenshots DIR   (e.g. cargo run -p cobrowse-e2e --bin screenshots -- docs/screenshots)");
        std::process::exit(2);
    };
    let outcome = match tokio::time::timeout(RUN_TIMEOUT, run(&dir)).await {
        Ok(outcome) => outcome,
        Err(_) => Err(format!("the run took longer than {} s", RUN_TIMEOUT.as_secs()).into()),
    };
    if let Err(error) = outcome {
        eprintln!("screenshots: failed: {error}");
        std::process::exit(1);
    }
    println!("screenshots: written to {}", dir.display());
}

/// One call, from the consent prompt to remote control, with a shot at each moment.
async fn run(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|error| format!("cannot create {}: {error}", dir.display()))?;
    let call = Call::start(ConsentPolicy::Always).await.map_err(step("start the call"))?;
    let shots = take_shots(&call, dir).await;
    // Browsers close and the stage stops even when a shot failed.
    let finished = call.finish().await.map_err(step("finish the call"));
    shots.and(finished)
}

async fn take_shots(call: &Call, dir: &Path) -> Result<()> {
    resize(&call.visitor, VISITOR_SIZE).await.map_err(step("size the visitor's window"))?;
    resize(&call.agent, VIEWER_SIZE).await.map_err(step("size the viewer's window"))?;
    let agent_name = AGENT_NAMES[0];

    // Consent: the agent waits, the visitor is asked.
    call.agent_asks_to_join().await.map_err(step("the agent asks to join"))?;
    agent::wait_for_state(&call.agent, &["consent"], SHOW_TIMEOUT)
        .await
        .map_err(step("the viewer waits for consent"))?;
    call.wait_until_visitor_shows("#cobrowse-consent").await.map_err(step("the consent prompt"))?;
    settle().await;
    let shot =
        region(&call.visitor, &["#cobrowse-consent"], Span::WindowWidth).await.map_err(step("widget-consent"))?;
    save(dir, "widget-consent.png", &shot)?;

    // Live: the visitor allowed, the widget names who watches, the agent points at the form.
    call.visitor.click("#cobrowse-allow").await.map_err(step("the visitor allows"))?;
    agent::wait_for_state(&call.agent, &["live"], SHOW_TIMEOUT).await.map_err(step("the viewer goes live"))?;
    call.wait_for_mirror_text("#page-name", "Order form").await.map_err(step("the mirror shows the page"))?;
    call.wait_on_visitor(
        "the widget names the agent",
        &format!("var w = document.getElementById('cobrowse-widget'); return !!w && w.textContent.indexOf({agent_name:?}) >= 0;"),
    )
    .await
    .map_err(step("the widget names who watches"))?;
    call.agent_presses("#tool-pointer").await.map_err(step("the agent picks the pointer"))?;
    point_at(call, "#submit-order").await.map_err(step("the agent points at Order"))?;
    settle().await;
    let shot = region(&call.visitor, &["#cobrowse-widget"], Span::Elements).await.map_err(step("widget-live"))?;
    save(dir, "widget-live.png", &shot)?;
    let shot = window(&call.agent).await.map_err(step("viewer-live"))?;
    save(dir, "viewer-live.png", &shot)?;

    // Control: the visitor allows the agent's request, the agent fills the form in the mirror.
    call.grant_control().await.map_err(step("the visitor grants control"))?;
    call.agent_clicks("#name").await.map_err(step("the agent clicks Name"))?;
    call.agent_types(TYPED_NAME).await.map_err(step("the agent types a name"))?;
    call.wait_on_visitor(
        "the agent's name in #name",
        &format!("return document.getElementById('name').value === {TYPED_NAME:?};"),
    )
    .await
    .map_err(step("the name reaches the visitor's page"))?;
    call.agent_clicks("#city").await.map_err(step("the agent clicks City"))?;
    call.agent_types(TYPED_CITY).await.map_err(step("the agent types a city"))?;
    call.wait_for_mirror_text("#city-state", TYPED_CITY).await.map_err(step("the city reaches the mirror"))?;
    point_at(call, "#gift").await.map_err(step("the agent points at Gift wrap"))?;
    settle().await;
    let shot = window(&call.visitor).await.map_err(step("widget-control"))?;
    save(dir, "widget-control.png", &shot)?;
    let shot = window(&call.agent).await.map_err(step("viewer-control"))?;
    save(dir, "viewer-control.png", &shot)?;

    call.expect_no_violation("while the screenshots were taken").await
}

/// Sizes `browser`'s window so that its viewport (what a screenshot shows) is `(width, height)` CSS pixels:
/// the window is set to that size, then grown by what its frame takes.
async fn resize(browser: &Browser, (width, height): (u32, u32)) -> Result<()> {
    let set = |width: u32, height: u32| async move {
        browser
            .client()
            .set_window_size(width, height)
            .await
            .map_err(|error| format!("{}: cannot set the window to {width}×{height}: {error}", browser.label))
    };
    set(width, height).await?;
    let frame: (u32, u32) = browser
        .execute(
            "return [Math.max(0, window.outerWidth - window.innerWidth), Math.max(0, window.outerHeight - window.innerHeight)];",
            vec![],
        )
        .await?;
    if frame != (0, 0) {
        set(width + frame.0, height + frame.1).await?;
    }
    let viewport: (u32, u32) = browser.execute("return [window.innerWidth, window.innerHeight];", vec![]).await?;
    if viewport != (width, height) {
        return Err(format!("{}: the viewport is {viewport:?}, not {width}×{height}", browser.label).into());
    }
    Ok(())
}

/// Gives transitions and the pointer's easing time to end before a shot.
async fn settle() {
    tokio::time::sleep(Duration::from_millis(700)).await;
}

/// The agent moves its mouse over the mirror's `css` element until the visitor's `#cobrowse-agent-layer`
/// shows its pointer there, and only that one (an older pointer of the same agent may linger for a few
/// seconds while it fades; a pointer fades 3 s after it last moved, so the mouse moves again meanwhile).
async fn point_at(call: &Call, css: &str) -> Result<()> {
    const ONE_POINTER: &str = r#"
        var layer = document.getElementById('cobrowse-agent-layer'); if (!layer) return false;
        var pointers = layer.querySelectorAll('.cobrowse-pointer');
        if (pointers.length !== 1 || pointers[0].classList.contains('cobrowse-fading')) return false;
        var r = pointers[0].getBoundingClientRect(); return r.width > 0 && r.height > 0;
    "#;
    let what = format!("the agent's pointer over {css}, alone, on the visitor's page");
    let mut last_error = None;
    for _ in 0..4 {
        call.agent_hovers(css).await?;
        let shown = cobrowse_e2e::wait::until(&what, Duration::from_millis(2500), || async {
            let one: bool = call.visitor.execute(ONE_POINTER, vec![]).await?;
            Ok(one.then_some(()))
        })
        .await;
        match shown {
            Ok(()) => return Ok(()),
            Err(error) => last_error = Some(error),
        }
    }
    Err(last_error.unwrap_or_else(|| what.into()))
}

/// The whole window (the viewport) of `browser`, decoded.
async fn window(browser: &Browser) -> Result<Image> {
    let png = browser
        .client()
        .screenshot()
        .await
        .map_err(|error| format!("{}: cannot take a screenshot: {error}", browser.label))?;
    pixels::decode(&png)
}

/// How wide a [`region`] is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Span {
    /// The elements and [`MARGIN`] around them.
    Elements,
    /// The window's whole width, from its top to [`MARGIN`] below the elements (a prompt over the page's top).
    WindowWidth,
}

/// The part of `browser`'s window that holds every element of `selectors` (each must be shown), with
/// [`MARGIN`] around, as far as the window goes; see [`Span`].
async fn region(browser: &Browser, selectors: &[&str], span: Span) -> Result<Image> {
    #[derive(Deserialize)]
    struct Bounds {
        left: f64,
        top: f64,
        right: f64,
        bottom: f64,
        scale: f64,
    }
    let script = r#"
        var b = null;
        for (var i = 0; i < arguments[0].length; i++) {
          var e = document.querySelector(arguments[0][i]);
          if (!e) return arguments[0][i];
          var r = e.getBoundingClientRect();
          if (r.width === 0 || r.height === 0) return arguments[0][i];
          b = b ? { left: Math.min(b.left, r.left), top: Math.min(b.top, r.top), right: Math.max(b.right, r.right),
                    bottom: Math.max(b.bottom, r.bottom) }
                : { left: r.left, top: r.top, right: r.right, bottom: r.bottom };
        }
        b.scale = window.devicePixelRatio || 1;
        return b;
    "#;
    let found: serde_json::Value = browser.execute(script, vec![json!(selectors)]).await?;
    if let Some(missing) = found.as_str() {
        return Err(format!("{}: {missing} is not shown", browser.label).into());
    }
    let bounds: Bounds = serde_json::from_value(found)?;
    let image = window(browser).await?;
    let to_pixels = |css: f64| (css * bounds.scale).round().max(0.0) as u32;
    let (left, top, right) = match span {
        Span::Elements => (
            to_pixels(bounds.left - MARGIN).min(image.width),
            to_pixels(bounds.top - MARGIN).min(image.height),
            to_pixels(bounds.right + MARGIN).min(image.width),
        ),
        Span::WindowWidth => (0, 0, image.width),
    };
    let bottom = to_pixels(bounds.bottom + MARGIN).min(image.height);
    if right <= left || bottom <= top {
        return Err(format!("{}: {selectors:?} lie outside the window", browser.label).into());
    }
    Ok(crop(&image, left, top, right - left, bottom - top))
}

/// The `width`×`height` part of `image` whose top left corner is `(left, top)`.
fn crop(image: &Image, left: u32, top: u32, width: u32, height: u32) -> Image {
    let mut rgba = Vec::with_capacity(width as usize * height as usize * 4);
    for y in top..top + height {
        let start = (y as usize * image.width as usize + left as usize) * 4;
        rgba.extend_from_slice(&image.rgba[start..start + width as usize * 4]);
    }
    Image { width, height, rgba }
}

/// Writes `image` to `dir/name` as an RGB PNG (screenshots are opaque), compressed hard to stay small.
fn save(dir: &Path, name: &str, image: &Image) -> Result<()> {
    let path = dir.join(name);
    let rgb: Vec<u8> = image.rgba.chunks(4).flat_map(|p| [p[0], p[1], p[2]]).collect();
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, image.width, image.height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Best);
    encoder.set_adaptive_filter(png::AdaptiveFilterType::Adaptive);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&rgb)?;
    writer.finish()?;
    std::fs::write(&path, &bytes).map_err(|error| format!("cannot write {}: {error}", path.display()))?;
    println!("screenshots: {} ({}×{}, {} KB)", path.display(), image.width, image.height, bytes.len() / 1024);
    Ok(())
}
