//! The agent's viewer is readable at 1280×800 and 1920×1080 and shifts nothing when the visitor's viewport
//! changes (issue 11, agent side): its bar, status, tools and control buttons keep their place and size,
//! stay on screen, and keep a readable font, while the mirror takes the visitor's new size.

use cobrowse_e2e::call::{Call, SHOW_TIMEOUT};
use cobrowse_e2e::Result;
use cobrowse_relay::ConsentPolicy;
use serde_json::Value;
use std::time::Duration;

/// Each control's box `[left, top, width, height]`, its font size, and whether it lies inside the window.
const CONTROL_PLACES: &str = r#"
    return ['cobrowse-bar', 'cobrowse-status', 'request-control', 'leave', 'tool-pointer', 'tool-highlight', 'tool-draw']
      .map(function (id) {
        var element = document.getElementById(id);
        if (!element) return [id, null];
        var box = element.getBoundingClientRect();
        var inside = box.left >= 0 && box.top >= 0 && box.right <= innerWidth && box.bottom <= innerHeight;
        return [id, [Math.round(box.left), Math.round(box.top), Math.round(box.width), Math.round(box.height)],
                parseFloat(getComputedStyle(element).fontSize), inside];
      });"#;

/// The visitor's viewport sizes the page is shown at, one after the other.
const VISITOR_SIZES: [(u32, u32); 2] = [(900, 650), (1100, 720)];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_viewer_s_controls_stay_put_and_readable_when_the_visitor_s_viewport_changes() -> Result<()> {
    let call = Call::start(ConsentPolicy::Never).await?;
    call.agent_joins().await?;
    call.wait_for_mirror_text("#page-name", "Order form").await?;
    for ((width, height), visitor_size) in [(1280, 800), (1920, 1080)].into_iter().zip(VISITOR_SIZES) {
        call.agent.client().set_window_size(width, height).await.map_err(|error| error.to_string())?;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let before: Value = call.agent.execute(CONTROL_PLACES, vec![]).await?;
        for (id, place, font, inside) in controls(&before) {
            assert!(place.is_some(), "#{id} is missing at {width}×{height}");
            assert!(inside, "#{id} is off screen at {width}×{height}: {place:?}");
            assert!(font >= 12.0, "#{id}'s font is {font}px at {width}×{height}");
        }
        resize_visitor(&call, visitor_size).await?;
        let after: Value = call.agent.execute(CONTROL_PLACES, vec![]).await?;
        assert_eq!(before, after, "the viewer's controls moved when the visitor's viewport changed ({width}×{height})");
    }
    call.finish().await
}

/// Resizes the visitor's window and waits until the mirror takes the visitor's new viewport width.
async fn resize_visitor(call: &Call, (width, height): (u32, u32)) -> Result<()> {
    call.visitor.client().set_window_size(width, height).await.map_err(|error| error.to_string())?;
    let inner: u64 = call.visitor.execute("return innerWidth;", vec![]).await?;
    let wanted = format!("{inner}px");
    cobrowse_e2e::wait::until("the mirror to take the visitor's new width", SHOW_TIMEOUT, || async {
        let shown: String =
            call.agent.execute("return document.getElementById('cobrowse-mirror').style.width;", vec![]).await?;
        Ok((shown == wanted).then_some(()))
    })
    .await
}

/// `[id, place, font size, inside the window]` of each control.
fn controls(places: &Value) -> Vec<(String, Option<Value>, f64, bool)> {
    let rows = places.as_array().expect("a list of controls");
    rows.iter()
        .map(|row| {
            let id = row[0].as_str().unwrap_or_default().to_owned();
            let place = (!row[1].is_null()).then(|| row[1].clone());
            (id, place, row[2].as_f64().unwrap_or(0.0), row[3].as_bool().unwrap_or(false))
        })
        .collect()
}
