//! State the DOM tree does not hold reaches the agent's mirror: stylesheet rules inserted through the
//! CSSOM and adopted constructed sheets (before and during the session), element scroll offsets, canvas
//! pixels, values set from script without events, `<details>` and modal `<dialog>`s, hover and focus
//! styles, and the text selection — with the real shim, relay and viewer in headless Chromium.

use cobrowse_e2e::relay::AGENT_NAMES;
use cobrowse_e2e::{agent, step, visitor, wait, Browser, Result, Stage};
use serde_json::{json, Value};
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(10);

/// Evaluates `expression` with `d` bound to the agent's mirror document, until it equals `expected`.
async fn mirror_shows(agent: &Browser, what: &str, expression: &str, expected: Value) -> Result<()> {
    let script = format!(
        "var d = document.getElementById('cobrowse-mirror').contentDocument; try {{ return ({expression}); }} catch (e) {{ return 'error: ' + e.message; }}"
    );
    let last = std::sync::Mutex::new(Value::Null);
    let found = wait::until(what, TIMEOUT, || async {
        let value: Value = agent.execute(&script, vec![]).await?;
        let matched = value == expected;
        *last.lock().unwrap() = value;
        Ok(matched.then_some(()))
    })
    .await;
    let last = last.into_inner().unwrap();
    found.map_err(|error| format!("{error}: the mirror shows {last}, expected {expected} ({expression})").into())
}

/// Runs `script` on the visitor's page.
async fn on_visitor(visitor: &Browser, script: &str) -> Result<()> {
    visitor.execute::<Value>(script, vec![]).await.map(|_| ())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn page_state_beyond_the_dom_reaches_the_mirror() -> Result<()> {
    let stage = Stage::start().await?;
    let visitor = stage.browser("visitor").await?;
    let agent_browser = stage.browser("agent").await?;
    visitor::open(&visitor, &stage.site.page_url("page-state.html")).await?;
    let key = visitor::start_session(&visitor).await.map_err(step("start"))?;
    agent::join(&agent_browser, &stage.relay.agent_url(), AGENT_NAMES[0], &key).await.map_err(step("join"))?;
    let computed =
        |id: &str, property: &str| format!("getComputedStyle(d.getElementById('{id}')).getPropertyValue('{property}')");

    // Set before the session started.
    mirror_shows(
        &agent_browser,
        "a rule inserted through the CSSOM",
        &computed("cssom-target", "color"),
        json!("rgb(0, 128, 0)"),
    )
    .await?;
    mirror_shows(
        &agent_browser,
        "an adopted constructed sheet",
        &computed("adopted-target", "letter-spacing"),
        json!("3px"),
    )
    .await?;
    mirror_shows(
        &agent_browser,
        "an element scrolled before the session",
        "d.getElementById('scroller').scrollTop",
        json!(120),
    )
    .await?;
    // The mirror shows a canvas's pixels as the viewer's image inside it (a canvas shows nothing without scripts).
    let red_pixel = "(function () { var i = d.querySelector('#canvas > img[data-cobrowse-viewer]'); \
        var c = document.createElement('canvas'); c.width = 40; c.height = 20; var x = c.getContext('2d'); \
        x.drawImage(i, 0, 0); return Array.from(x.getImageData(5, 5, 1, 1).data).join(); })()";
    mirror_shows(&agent_browser, "the canvas's pixels", red_pixel, json!("255,0,0,255")).await?;
    let inner_scroll = "d.getElementById('shadow-host').shadowRoot.getElementById('inner-scroller').scrollTop";
    let frame_scroll = "d.getElementById('frame').contentDocument.scrollingElement.scrollTop";
    mirror_shows(&agent_browser, "an element scrolled inside a shadow root", inner_scroll, json!(70)).await?;
    mirror_shows(&agent_browser, "a frame document scrolled", frame_scroll, json!(90)).await?;
    stage.log("state from before the session is mirrored");

    // Changed during the session, none of it through an event.
    on_visitor(
        &visitor,
        "document.getElementById('edited').sheet.insertRule('#hover-target { text-indent: 7px; }', 0);
         var extra = new CSSStyleSheet(); extra.replaceSync('#adopted-target { word-spacing: 9px; }');
         document.adoptedStyleSheets = document.adoptedStyleSheets.concat([extra]);
         document.getElementById('field').value = 'set by script';
         document.getElementById('agree').checked = true;
         document.getElementById('size').selectedIndex = 2;
         document.getElementById('pin').value = '424242';
         document.getElementById('more').open = true;
         document.getElementById('dialog').showModal();
         document.getElementById('scroller').scrollTop = 300;
         document.getElementById('shadow-host').shadowRoot.getElementById('inner-scroller').scrollTop = 140;
         document.getElementById('frame').contentDocument.scrollingElement.scrollTop = 180;
         var added = document.createElement('div'); added.id = 'added-scroller';
         added.style.cssText = 'height: 40px; overflow: auto'; added.innerHTML = '<div style=\"height: 400px\"></div>';
         document.body.appendChild(added); added.scrollTop = 150;
         var c = document.getElementById('canvas').getContext('2d'); c.fillStyle = 'rgb(0, 0, 255)'; c.fillRect(0, 0, 40, 20);
         if (window.earlyGl) { earlyGl.clearColor(0, 1, 0, 1); earlyGl.clear(earlyGl.COLOR_BUFFER_BIT); }",
    )
    .await?;
    mirror_shows(
        &agent_browser,
        "a rule inserted during the session",
        &computed("hover-target", "text-indent"),
        json!("7px"),
    )
    .await?;
    mirror_shows(
        &agent_browser,
        "an adopted sheet added during the session",
        &computed("adopted-target", "word-spacing"),
        json!("9px"),
    )
    .await?;
    mirror_shows(&agent_browser, "a value set from script", "d.getElementById('field').value", json!("set by script"))
        .await?;
    mirror_shows(&agent_browser, "checked set from script", "d.getElementById('agree').checked", json!(true)).await?;
    mirror_shows(&agent_browser, "selectedIndex set from script", "d.getElementById('size').selectedIndex", json!(2))
        .await?;
    mirror_shows(&agent_browser, "a masked value set from script", "d.getElementById('pin').value", json!("••••••"))
        .await?;
    mirror_shows(&agent_browser, "details opened", "d.getElementById('more').open", json!(true)).await?;
    mirror_shows(&agent_browser, "a modal dialog", "d.getElementById('dialog').matches(':modal')", json!(true)).await?;
    mirror_shows(
        &agent_browser,
        "an element scrolled during the session",
        "d.getElementById('scroller').scrollTop",
        json!(300),
    )
    .await?;
    // Its offset is not read with the new node (its scroll event is still to come then): the event sends it.
    mirror_shows(
        &agent_browser,
        "an element inserted and scrolled in one task",
        "d.getElementById('added-scroller').scrollTop",
        json!(150),
    )
    .await?;
    mirror_shows(&agent_browser, "a shadow root's element scrolled during the session", inner_scroll, json!(140))
        .await?;
    mirror_shows(&agent_browser, "a frame document scrolled during the session", frame_scroll, json!(180)).await?;
    mirror_shows(&agent_browser, "the canvas redrawn", red_pixel, json!("0,0,255,255")).await?;
    let gl_pixel = red_pixel.replace("#canvas", "#webgl");
    let has_webgl: bool = visitor.execute("return !!window.earlyGl;", vec![]).await?;
    if has_webgl {
        mirror_shows(
            &agent_browser,
            "a WebGL canvas made before the shim, drawn during the session",
            &gl_pixel,
            json!("0,255,0,255"),
        )
        .await?;
    } else {
        stage.log("this Chromium has no WebGL: the WebGL canvas is not checked");
    }
    on_visitor(&visitor, "document.getElementById('dialog').close();").await?;
    mirror_shows(
        &agent_browser,
        "the dialog closed",
        "d.getElementById('dialog').matches(':modal') || d.getElementById('dialog').open",
        json!(false),
    )
    .await?;
    stage.log("state changed without events is mirrored");

    // Where the visitor is: the hovered element's :hover style, the focused field's :focus style, the selection.
    visitor.click("#field").await.map_err(step("focus the field"))?;
    on_visitor(
        &visitor,
        "document.getElementById('hover-target').dispatchEvent(new PointerEvent('pointerover', {bubbles: true}));
         var words = document.getElementById('words').firstChild;
         getSelection().setBaseAndExtent(words, 7, words, 11);",
    )
    .await?;
    mirror_shows(
        &agent_browser,
        "the hovered element's :hover style",
        &computed("hover-target", "background-color"),
        json!("rgb(255, 165, 0)"),
    )
    .await?;
    mirror_shows(
        &agent_browser,
        "the focused field's :focus style",
        &computed("field", "outline-color"),
        json!("rgb(0, 0, 255)"),
    )
    .await?;
    mirror_shows(&agent_browser, "the visitor's selection", "d.getSelection().toString()", json!("some")).await?;
    let counters = agent::viewer_counters(&agent_browser).await?;
    assert_eq!(counters.get("outOfStep").and_then(Value::as_u64), Some(0), "the viewer resynced: {counters}");
    assert_eq!(counters.get("rejectedRules").and_then(Value::as_u64), Some(0), "the mirror refused rules: {counters}");
    stage.log("hover, focus and selection are mirrored");

    visitor.close().await?;
    agent_browser.close().await?;
    stage.shutdown().await;
    Ok(())
}
