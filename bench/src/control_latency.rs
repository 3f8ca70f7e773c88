//! Section `control`: how long an agent's click in its mirror takes to run the visitor's own click handler,
//! with control granted, through the real relay on loopback.
//!
//! The support-call test page (`tests/pages/call/`) has a button whose handler stamps every click with the
//! wall clock (`window.callPage.clicks[].at`). In the viewer, a capture listener on the mirror's document
//! stamps each `click` the agent's mouse makes there: the moment the click exists (the viewer sends it
//! then). Each pair of stamps is one sample. The time between the agent's press and its click is the
//! gesture's (WebDriver presses and releases in two commands; a person holds the button for tens of
//! milliseconds): it is printed apart and not counted. The two Chromiums share this machine's clock (the
//! `latency` section shows how closely). The baseline, measured on the same clicks: the same listener
//! also sends a message on a bare WebSocket forwarder ([`crate::bare_echo`]) to the visitor's page, which
//! stamps its arrival. It shares the visitor's main thread with the relayed click it races, so it is a
//! reference for the transport, not a strict floor.

use crate::bare_echo::BareEcho;
use crate::report::{ms, verdict, Table};
use crate::stats::percentile;
use cobrowse_e2e::call::Call;
use cobrowse_relay::ConsentPolicy;
use serde_json::Value;
use std::time::Duration;

/// Clicks measured, after [`WARMUP_CLICKS`] that are not.
const MEASURED_CLICKS: usize = 40;
const WARMUP_CLICKS: usize = 3;
/// How long one click may take to reach the visitor's handler before the section gives up.
const CLICK_TIMEOUT: Duration = Duration::from_secs(10);
/// Goal for the agent's click to the visitor's handler, p50.
const GOAL_MS: f64 = 5.0;

/// Stamps the agent's `pointerdown`s in the mirror (its document is the page's own until the next
/// snapshot) and sends each on the bare socket to `arguments[0]`. Answers once the socket is open.
const STAMP_AGENT_CLICKS: &str = r#"
    var done = arguments[arguments.length - 1];
    var doc = document.getElementById('cobrowse-mirror').contentDocument;
    var bare = new WebSocket(arguments[0]);
    window.agentClicks = [];
    window.agentPresses = [];
    doc.addEventListener('pointerdown', function () {
        window.agentPresses.push(performance.timeOrigin + performance.now());
    }, true);
    doc.addEventListener('click', function () {
        window.agentClicks.push(performance.timeOrigin + performance.now());
        if (bare.readyState === 1) bare.send('click');
    }, true);
    bare.onopen = function () { done(true); };
    bare.onerror = function () { done(false); };
"#;

/// Stamps what arrives on the bare socket to `arguments[0]` on the visitor's page. Answers once it is open.
const STAMP_BARE_ARRIVALS: &str = r#"
    var done = arguments[arguments.length - 1];
    var bare = new WebSocket(arguments[0]);
    window.bareArrivals = [];
    bare.onmessage = function () { window.bareArrivals.push(performance.timeOrigin + performance.now()); };
    bare.onopen = function () { done(true); };
    bare.onerror = function () { done(false); };
"#;

/// One click, measured both ways.
struct Sample {
    relayed: f64,
    bare: Option<f64>,
    /// From the agent's press to its click in the mirror (the WebDriver's gesture, not the product's).
    press_to_click: Option<f64>,
}

pub async fn run() -> cobrowse_e2e::Result<()> {
    let bare = BareEcho::start().await?;
    let call = Call::start_without_csp(ConsentPolicy::Never).await?;
    let measured = measure(&call, &bare).await;
    call.finish().await?;
    print(&measured?);
    Ok(())
}

async fn measure(call: &Call, bare: &BareEcho) -> cobrowse_e2e::Result<Vec<Sample>> {
    call.agent_joins().await?;
    call.wait_for_mirror_text("#page-name", "Order form").await?;
    call.grant_control().await?;
    let visitor_open: bool = call.visitor.execute_async(STAMP_BARE_ARRIVALS, vec![bare.visitor_url().into()]).await?;
    let agent_open: bool = call.agent.execute_async(STAMP_AGENT_CLICKS, vec![bare.agent_url().into()]).await?;
    if !(visitor_open && agent_open) {
        return Err("the pages could not open the bare WebSocket baseline".into());
    }
    eprintln!("control: {} clicks ...", WARMUP_CLICKS + MEASURED_CLICKS);
    let mut samples = Vec::new();
    for click in 0..WARMUP_CLICKS + MEASURED_CLICKS {
        call.agent_clicks("#counter").await?;
        let sample = wait_for_click(call, click).await?;
        if click >= WARMUP_CLICKS {
            samples.push(sample);
        }
    }
    Ok(samples)
}

/// Click number `index` (from 0): from the agent's `pointerdown` to the visitor's handler, and to the
/// bare socket's message at the visitor's page.
async fn wait_for_click(call: &Call, index: usize) -> cobrowse_e2e::Result<Sample> {
    let what = format!("the agent's click {index} in the visitor's handler (is control granted?)");
    let index = Value::from(index);
    cobrowse_e2e::wait::until(&what, CLICK_TIMEOUT, || async {
        let script = "var i = arguments[0]; \
                      return window.agentClicks[i] ? [window.agentClicks[i], window.agentPresses[i] || null] : null;";
        let clicked: Option<(f64, Option<f64>)> = call.agent.execute(script, vec![index.clone()]).await?;
        let script = "var c = window.callPage.clicks[arguments[0]]; \
                      return c ? [c.at, window.bareArrivals[arguments[0]] || null] : null;";
        let handled: Option<(f64, Option<f64>)> = call.visitor.execute(script, vec![index.clone()]).await?;
        Ok(clicked.zip(handled).map(|((clicked, pressed), (handled, bare))| Sample {
            relayed: handled - clicked,
            bare: bare.map(|bare| bare - clicked),
            press_to_click: pressed.map(|pressed| clicked - pressed),
        }))
    })
    .await
}

fn print(samples: &[Sample]) {
    let mut table = Table::new(
        "5. Remote control, ms: the agent's click in its mirror (its click event) to the visitor's own click handler, \
         control granted, real relay on loopback",
        &["path", "clicks", "p50", "p90", "p99", "max", "goal (p50)", "verdict"],
    );
    let relayed: Vec<f64> = samples.iter().map(|sample| sample.relayed).collect();
    let bare: Vec<f64> = samples.iter().filter_map(|sample| sample.bare).collect();
    let p50 = percentile(&relayed, 50.0);
    table.row(row(
        "cobrowse (viewer, relay, visitor's handler)",
        &relayed,
        format!("<= {GOAL_MS} ms"),
        verdict(p50 <= GOAL_MS),
    ));
    table.row(row("baseline: bare WebSocket, same clicks", &bare, "-".into(), "-".into()));
    let gestures: Vec<f64> = samples.iter().filter_map(|sample| sample.press_to_click).collect();
    table.row(row("not counted: the agent's press to its click (WebDriver)", &gestures, "-".into(), "-".into()));
    table.print();
    println!("   p50 ratio to the baseline: {:.2}x", p50 / percentile(&bare, 50.0));
}

fn row(label: &str, samples: &[f64], goal: String, verdict: String) -> Vec<String> {
    vec![
        label.into(),
        samples.len().to_string(),
        ms(percentile(samples, 50.0)),
        ms(percentile(samples, 90.0)),
        ms(percentile(samples, 99.0)),
        ms(percentile(samples, 100.0)),
        goal,
        verdict,
    ]
}
