//! The mirror follows the visitor's page: at the start, through random DOM changes and real typing, for an
//! agent who joins late, and for two agents at once.
//!
//! One test runs the scenarios in order on one relay with three browsers (the visitor, agents ana and
//! ben), because Chromium is heavy; each step names itself in its failure message.

use cobrowse_e2e::mirror::{assert_mirrors, MIRROR_TIMEOUT};
use cobrowse_e2e::relay::AGENT_NAMES;
use cobrowse_e2e::{agent, mutations, step, visitor, Browser, Result, Stage};
use fantoccini::key::Key;
use serde_json::Value;
use std::time::Duration;

/// A late joiner must see the current page "at once": from `live` to an equal mirror within this.
const LATE_JOIN_TIMEOUT: Duration = Duration::from_secs(3);

/// Elements the random mutations must leave alone: the fields typed into later, and the elements the
/// demo's own script rewrites (so that a seed replays the same changes).
const KEEP_IDS: [&str; 17] = [
    "full-name",
    "street",
    "delivery-notes",
    "shipping-method",
    "gift-wrap",
    "slot-evening",
    "card-number",
    "card-cvv",
    "account-password",
    "live-clock",
    "viewers-count",
    "promo-text",
    "promo-banner",
    "shipping-cost",
    "total",
    "gift-row",
    "subtotal",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mirror_follows_the_page_for_every_agent() -> Result<()> {
    let stage = Stage::start().await?;
    let visitor = stage.browser("visitor").await?;
    let ana = stage.browser("agent ana").await?;
    let ben = stage.browser("agent ben").await?;
    let [ana_name, ben_name] = AGENT_NAMES;

    // 1. Start, join, and the mirror equals the page.
    visitor::open(&visitor, &stage.site.demo_url()).await?;
    let key = visitor::start_session(&visitor).await.map_err(step("1: Cobrowse.start()"))?;
    visitor::check_widget(&visitor, &key).await.map_err(step("1: the shim's widget"))?;
    stage.log(&format!("session {key} started"));
    agent::join(&ana, &stage.relay.agent_url(), ana_name, &key).await.map_err(step("1: ana joins"))?;
    let agreed = assert_mirrors(&visitor, &ana, MIRROR_TIMEOUT).await.map_err(step("1: first mirror"))?;
    stage.log(&format!("1: ana's mirror equals the page ({} elements) after {:?}", agreed.elements, agreed.after));

    // 2. Random DOM mutations, then real typing.
    let seed = mutations::seed();
    let summary = mutations::apply(&visitor, seed, 200, &KEEP_IDS).await?;
    stage.log(&format!(
        "2: {} mutations in {} batches (seed {seed}): {:?}",
        summary.applied, summary.batches, summary.kinds
    ));
    let agreed = assert_mirrors(&visitor, &ana, MIRROR_TIMEOUT)
        .await
        .map_err(step(&format!("2: after 200 random mutations (seed {seed}; replay with E2E_SEED={seed})")))?;
    stage.log(&format!("2: mirror equal after mutations ({} elements) after {:?}", agreed.elements, agreed.after));
    type_like_a_customer(&visitor).await.map_err(step("2: typing"))?;
    let agreed = assert_mirrors(&visitor, &ana, MIRROR_TIMEOUT).await.map_err(step("2: after typing"))?;
    stage.log(&format!("2: mirror equal after typing, after {:?}", agreed.after));

    // 4. More changes while ana watches; then ben joins late and sees the page at once.
    mutations::apply(&visitor, seed.wrapping_add(1), 100, &KEEP_IDS).await?;
    visitor.type_into("#street", "12 Harbour Lane").await?;
    agent::join(&ben, &stage.relay.agent_url(), ben_name, &key).await.map_err(step("4: ben joins late"))?;
    let agreed = assert_mirrors(&visitor, &ben, LATE_JOIN_TIMEOUT)
        .await
        .map_err(step(&format!("4: the late joiner's first view, after 100 more mutations (E2E_SEED={seed})")))?;
    stage.log(&format!("4: ben's late mirror equal after {:?}", agreed.after));

    // 3. Both agents follow further changes.
    mutations::apply(&visitor, seed.wrapping_add(2), 60, &KEEP_IDS).await?;
    visitor.type_into("#delivery-notes", " Thanks!").await?;
    for agent_browser in [&ana, &ben] {
        let agreed = assert_mirrors(&visitor, agent_browser, MIRROR_TIMEOUT).await.map_err(step(&format!(
            "3: two agents at once, {}, after 60 more mutations (E2E_SEED={seed})",
            agent_browser.label
        )))?;
        stage.log(&format!("3: {}'s mirror equal after {:?}", agent_browser.label, agreed.after));
    }
    for agent_browser in [&ana, &ben] {
        let counters = agent::viewer_counters(agent_browser).await?;
        stage.log(&format!("{}: window.cobrowseViewer {counters}", agent_browser.label));
        let out_of_step = counters.get("outOfStep").and_then(Value::as_u64).unwrap_or(0);
        assert_eq!(
            out_of_step, 0,
            "{}'s viewer could not apply {out_of_step} frames and had to resync",
            agent_browser.label
        );
    }

    // Last, the comparison itself must notice a wrong mirror: tamper with ana's and expect a failure.
    tamper_with_mirror(&ana).await?;
    let verdict = assert_mirrors(&visitor, &ana, Duration::from_secs(1)).await;
    let message = verdict.err().map(|e| e.to_string()).unwrap_or_default();
    for expected in ["data-tampered", "onclick", "value: mirror \"tampered\"", "extra child <p>"] {
        assert!(
            message.contains(expected),
            "a tampered mirror must fail the comparison with {expected:?}; got: {message}"
        );
    }
    stage.log("the comparison catches a tampered mirror");
    cobrowse_e2e::browser::save_screenshots(&[&visitor, &ana, &ben]).await?;

    for browser in [visitor, ana, ben] {
        browser.close().await?;
    }
    stage.shutdown().await;
    Ok(())
}

/// Changes ana's mirror behind the viewer's back: an attribute, a handler, a value and an element.
async fn tamper_with_mirror(agent: &Browser) -> Result<()> {
    let script = r#"
        var d = document.getElementById('cobrowse-mirror').contentDocument;
        d.body.setAttribute('data-tampered', 'yes');
        d.getElementById('street').setAttribute('onclick', 'alert(1)');
        d.getElementById('full-name').value = 'tampered';
        d.body.appendChild(d.createElement('p')).textContent = 'tampered text';
    "#;
    agent.execute::<Value>(script, vec![]).await?;
    Ok(())
}

/// Types into the demo's fields with real key events and checks that the page took them.
async fn type_like_a_customer(visitor: &Browser) -> Result<()> {
    visitor.type_into("#full-name", "Ada Lovelace").await?;
    visitor.type_into("#delivery-notes", "Ring twice,\nthen wait by the blue gate.").await?;
    visitor.type_into("#shipping-method", &char::from(Key::Down).to_string()).await?;
    visitor.type_into("#gift-wrap", " ").await?;
    visitor.click("#slot-evening").await?;
    visitor.type_into("#card-number", "4000056655665556").await?;
    let script = r#"
        function v(id) { return document.getElementById(id); }
        return [v('full-name').value, v('delivery-notes').value, v('shipping-method').value,
                v('gift-wrap').checked, v('slot-evening').checked, v('card-number').value];
    "#;
    let state: Vec<Value> = visitor.execute(script, vec![]).await?;
    let expected: Vec<Value> = serde_json::from_str(
        r#"["Ada Lovelace", "Ring twice,\nthen wait by the blue gate.", "express", true, true, "4000056655665556"]"#,
    )?;
    if state != expected {
        return Err(
            format!("the visitor's fields did not take the keystrokes: {state:?}, expected {expected:?}").into()
        );
    }
    Ok(())
}
