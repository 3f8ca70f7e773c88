//! Open shadow roots, same-origin frames, a page that hijacks DOM APIs, and mutation floods, checked in
//! the agent's mirror (pages in `tests/pages/shadow-frames/` and `monkey-patched.html` there).
//!
//! One test on one stage, in steps that name themselves when they fail: the shadow root a custom element
//! attaches at load and one attached later, a same-origin iframe at load and one added later whose content
//! then changes, masked shadow and frame content (never in a frame nor in the mirror), a burst of
//! thousands of nodes and thousands of deltas (a relay queue small enough that the agent must skip to a
//! fresh snapshot), then a page that replaced `MutationObserver` and hijacked `childNodes`, `contains`
//! and `getRootNode`.

use cobrowse_e2e::frames::{Audit, FrameRecorder};
use cobrowse_e2e::mirror::{assert_mirrors, MIRROR_TIMEOUT};
use cobrowse_e2e::relay::AGENT_NAMES;
use cobrowse_e2e::{agent, step, visitor, wait, Browser, Result, Stage};
use serde_json::Value;
use std::time::Duration;

/// How long the mirror gets to show a change.
const SHOW_TIMEOUT: Duration = Duration::from_secs(15);
/// A relay queue this short overflows during the delta flood, so the agent skips to a new snapshot.
const SHORT_QUEUE: usize = 32;

/// What the agent's mirror shows of the shadow-frames page (and of the monkey-patched page's list).
const READ_MIRROR: &str = r#"
    var doc = document.getElementById('cobrowse-mirror').contentDocument;
    function text(root) { return root ? root.textContent.replace(/\s+/g, ' ').trim() : null; }
    function frame(id) {
      var f = doc.getElementById(id);
      if (!f) return null;
      var d = f.contentDocument;
      return { src: f.getAttribute('src'), kept: f.getAttribute('data-cobrowse-src'),
               text: d && d.body ? text(d.body) : null, doctype: d && d.doctype ? d.doctype.name : null,
               scripts: d ? d.querySelectorAll('script').length : -1,
               field: d && d.getElementById('field') ? d.getElementById('field').value : null };
    }
    function everything(root, out) {
      out.push(root.textContent);
      root.querySelectorAll('*').forEach(function (e) {
        if (e.shadowRoot) everything(e.shadowRoot, out);
        if (e.localName === 'iframe' && e.contentDocument && e.contentDocument.documentElement) {
          everything(e.contentDocument.documentElement, out);
        }
        if (typeof e.value === 'string') out.push(e.value);
        for (var i = 0; i < e.attributes.length; i++) out.push(e.attributes[i].value);
      });
      return out;
    }
    var card = doc.getElementById('card'), late = doc.getElementById('late-host');
    var flood = doc.getElementById('flood'), list = doc.getElementById('list');
    var deltas = doc.getElementById('flood-deltas');
    return {
      card: card && card.shadowRoot ? text(card.shadowRoot) : null,
      shadowField: card && card.shadowRoot && card.shadowRoot.getElementById('shadow-field')
        ? card.shadowRoot.getElementById('shadow-field').value : null,
      late: late && late.shadowRoot ? text(late.shadowRoot) : null,
      staticFrame: frame('frame-static'),
      maskedFrame: frame('frame-masked'),
      lateFrame: frame('frame-late'),
      foreignFrame: frame('frame-foreign'),
      flood: flood ? flood.childElementCount : -1,
      deltas: deltas ? deltas.querySelectorAll('span').length : -1,
      list: list ? text(list) : null,
      everything: doc.documentElement ? everything(doc.documentElement, []).join(' ') : '',
      pwned: window.__pwned || null
    };
"#;

async fn read_mirror(agent: &Browser) -> Result<Value> {
    agent.execute(READ_MIRROR, vec![]).await
}

/// Waits until `check` holds for what the mirror shows; fails with the last view.
async fn until_mirror(agent: &Browser, what: &str, check: impl Fn(&Value) -> bool) -> Result<Value> {
    let deadline = std::time::Instant::now() + SHOW_TIMEOUT;
    loop {
        let view = read_mirror(agent).await?;
        if check(&view) {
            return Ok(view);
        }
        if std::time::Instant::now() >= deadline {
            let mut shown = view;
            if let Some(everything) = shown.get_mut("everything") {
                *everything = Value::String(cobrowse_e2e::tree::shorten(everything.as_str().unwrap_or(""), 400));
            }
            return Err(format!("the mirror never showed {what} within {SHOW_TIMEOUT:?}; it shows {shown:#}").into());
        }
        tokio::time::sleep(wait::POLL_INTERVAL).await;
    }
}

fn str_at<'a>(view: &'a Value, pointer: &str) -> &'a str {
    view.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

async fn run_step(visitor: &Browser, script: &str) -> Result<()> {
    visitor.execute::<Value>(&format!("{script}; return null;"), vec![]).await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shadow_roots_frames_hijacked_apis_and_floods_reach_the_mirror() -> Result<()> {
    let stage = Stage::start_with(|config| config.agent_queue_frames = SHORT_QUEUE).await?;
    let visitor = stage.browser("visitor").await?;
    let ana = stage.browser("agent ana").await?;
    let recorder = FrameRecorder::start(stage.relay.subscribe_frames());

    // 1. Roots present at load.
    visitor::open(&visitor, &stage.site.page_url("shadow-frames/index.html")).await?;
    wait::until("the visitor's page and frames loaded", SHOW_TIMEOUT, || async {
        let done: bool = visitor.execute("return document.readyState === 'complete';", vec![]).await?;
        Ok(done.then_some(()))
    })
    .await?;
    let key = visitor::start_session(&visitor).await.map_err(step("1: Cobrowse.start()"))?;
    agent::join(&ana, &stage.relay.agent_url(), AGENT_NAMES[0], &key).await.map_err(step("1: ana joins"))?;
    let view = until_mirror(&ana, "the shadow root and frame present at load", |view| {
        str_at(view, "/card").contains("shadow at load") && str_at(view, "/staticFrame/text").contains("frame content")
    })
    .await
    .map_err(step("1: roots at load"))?;
    assert_eq!(view.pointer("/staticFrame/src"), Some(&Value::Null), "1: the mirror's frame loads nothing");
    assert_eq!(str_at(&view, "/staticFrame/kept"), "frame.html", "1: the visitor's src, kept aside");
    assert_eq!(str_at(&view, "/staticFrame/doctype"), "html", "1: the frame's doctype");
    assert_eq!(view.pointer("/staticFrame/scripts"), Some(&Value::from(0)), "1: no script element in the frame");
    stage.log("1: the shadow root and the frame present at load are mirrored");

    // 2. Changes inside them, typing in shadow roots and frames, a root attached later, a frame added later whose content
    //    then changes.
    let foreign = format!("steps.addForeignFrame('{}/healthz')", stage.relay.origin());
    let steps = [
        "steps.changeShadow()",
        "steps.attachLate()",
        "steps.changeStaticFrame()",
        "steps.typeInFrames()",
        "steps.typeInShadows()",
        "steps.addFrame()",
        &foreign,
    ];
    for script in steps {
        run_step(&visitor, script).await.map_err(step(&format!("2: {script}")))?;
    }
    let view = until_mirror(&ana, "the changed and late roots", |view| {
        str_at(view, "/card").contains("shadow changed")
            && str_at(view, "/late") == "late shadow"
            && str_at(view, "/staticFrame/text") == "frame changed"
            && str_at(view, "/staticFrame/field") == "typed in the frame"
            && str_at(view, "/shadowField") == "typed in the shadow"
            && str_at(view, "/lateFrame/text").contains("late frame loaded")
            && str_at(view, "/lateFrame/text").contains("late frame text changed")
            && str_at(view, "/foreignFrame/kept").ends_with("/healthz")
    })
    .await
    .map_err(step("2: changes inside roots, late roots"))?;
    assert_eq!(str_at(&view, "/lateFrame/kept"), "frame.html");
    assert_eq!(str_at(&view, "/foreignFrame/text"), "", "2: a cross-origin frame is an empty box");
    assert_mirrors(&visitor, &ana, MIRROR_TIMEOUT).await.map_err(step("2: the whole page mirrors"))?;
    assert_eq!(str_at(&view, "/maskedFrame/field"), cobrowse_protocol::MASK_TEXT, "2: typing in a masked frame");
    stage.log("2: shadow and frame changes, typing in a shadow root and a frame, the late shadow root and the late frame are mirrored");

    // 3. Masked hosts: their shadow and frame content is masked in the mirror and in every frame.
    let everything = str_at(&view, "/everything");
    for secret in ["SHADOW-SECRET", "FRAME-SECRET"] {
        assert!(!everything.contains(secret), "3: {secret} is in the mirror");
    }
    assert!(everything.contains(cobrowse_protocol::MASK_TEXT), "3: the masked text shows the mask");
    assert_eq!(view.get("pwned"), Some(&Value::Null), "3: a frame's script ran in the agent's browser");

    // 4. Floods: a burst of nodes in one batch, then one delta per node, more than the relay queues.
    run_step(&visitor, "steps.burst(5000)").await?;
    until_mirror(&ana, "5000 nodes from one burst", |view| view["flood"] == 5000).await.map_err(step("4: burst"))?;
    run_step(&visitor, "steps.deltas(3000)").await?;
    until_mirror(&ana, "3000 more nodes, one delta each", |view| view["deltas"] == 3000)
        .await
        .map_err(step("4: delta flood"))?;
    let counters: Value = ana.execute("return window.cobrowseViewer;", vec![]).await?;
    stage.log(&format!("4: floods mirrored; viewer counters {counters}"));

    // The relay saw the masked roots' content nowhere; a positive control proves the search works.
    let audit = Audit::of(&recorder.finish().await?);
    assert!(!audit.find("shadow at load").is_empty(), "3: control: shadow content is in the frames");
    assert!(!audit.find("late frame text changed").is_empty(), "3: control: frame content is in the frames");
    for secret in ["SHADOW-SECRET", "FRAME-SECRET"] {
        let places = audit.find(secret);
        assert!(places.is_empty(), "3: {secret} reached the relay: {places:#?}");
    }

    // 5. A page that replaced MutationObserver and hijacked childNodes, contains and getRootNode.
    visitor::open(&visitor, &stage.site.page_url("shadow-frames/monkey-patched.html")).await?;
    let key = visitor::start_session(&visitor).await.map_err(step("5: Cobrowse.start() on the hijacked page"))?;
    agent::join(&ana, &stage.relay.agent_url(), AGENT_NAMES[0], &key).await.map_err(step("5: ana joins"))?;
    until_mirror(&ana, "the hijacked page's list", |view| str_at(view, "/list") == "a b c d")
        .await
        .map_err(step("5: snapshot of the hijacked page"))?;
    run_step(
        &visitor,
        "var li = document.createElement('li'); li.textContent = 'e'; document.getElementById('list').appendChild(li)",
    )
    .await?;
    until_mirror(&ana, "the item added on the hijacked page", |view| str_at(view, "/list") == "a b c d e")
        .await
        .map_err(step("5: mutations recorded on the hijacked page"))?;
    stage.log("5: the hijacked page is mirrored and recorded");

    visitor.close().await?;
    ana.close().await?;
    stage.shutdown().await;
    Ok(())
}
