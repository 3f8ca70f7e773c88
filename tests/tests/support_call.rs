//! The support call (issue 11), end to end in real headless Chromium against the real relay, on a page
//! served with a strict Content-Security-Policy (`/strict/call/`): consent, who watches, the agent's
//! pointer and highlight, remote control, and no CSP violation throughout.

use cobrowse_e2e::call::{wait_for_mirror_text_in, Call, SHOW_TIMEOUT};
use cobrowse_e2e::Result;
use cobrowse_protocol::FrameKind;
use cobrowse_relay::ConsentPolicy;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_runs_under_a_strict_csp_with_no_violation() -> Result<()> {
    let mut call = Call::start(ConsentPolicy::Never).await?;
    call.agent_joins().await?;
    call.wait_for_mirror_text("#page-name", "Order form").await?;
    assert!(call.frames_sent_to(cobrowse_e2e::relay::AGENT_NAMES[0]).contains(&FrameKind::Snapshot));
    call.visitor.type_into("#name", "Ada").await?;
    call.expect_no_violation("while the session runs").await?;
    call.finish().await
}

const AGENT: &str = cobrowse_e2e::relay::AGENT_NAMES[0];

/// The page frames (snapshots, their parts and deltas) among the frames the relay sent to the agent.
fn page_frames(kinds: &[FrameKind]) -> usize {
    kinds.iter().filter(|kind| matches!(kind, FrameKind::Snapshot | FrameKind::SnapshotPart | FrameKind::Delta)).count()
}

// ---------------------------------------------------------------------------------------------------
// Consent

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_sees_the_page_only_after_the_visitor_allows_it() -> Result<()> {
    let mut call = Call::start(ConsentPolicy::Always).await?;
    call.agent_asks_to_join().await?;
    cobrowse_e2e::agent::wait_for_state(&call.agent, &["consent"], SHOW_TIMEOUT).await?;
    call.wait_until_visitor_shows("#cobrowse-consent").await?;
    let prompt: String =
        call.visitor.execute("return document.getElementById('cobrowse-consent').textContent;", vec![]).await?;
    assert!(prompt.contains(AGENT), "the prompt names the agent: {prompt:?}");
    call.visitor.type_into("#name", "typed while the agent waits").await?;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(page_frames(&call.frames_sent_to(AGENT)), 0, "no page frame reached the waiting agent");

    call.visitor.click("#cobrowse-allow").await?;
    cobrowse_e2e::agent::wait_for_state(&call.agent, &["live"], SHOW_TIMEOUT).await?;
    call.wait_for_mirror_text("#page-name", "Order form").await?;
    assert!(page_frames(&call.frames_sent_to(AGENT)) > 0, "the page reached the agent once allowed");
    assert!(!call.visitor_shows("#cobrowse-consent").await?, "the prompt went away");
    call.expect_no_violation("through consent").await?;
    call.finish().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declined_agent_sees_nothing_and_is_told() -> Result<()> {
    let mut call = Call::start(ConsentPolicy::Always).await?;
    call.agent_asks_to_join().await?;
    call.wait_until_visitor_shows("#cobrowse-consent").await?;
    call.visitor.click("#cobrowse-deny").await?;
    let status = cobrowse_e2e::agent::wait_for_state(&call.agent, &["declined"], SHOW_TIMEOUT).await?;
    assert!(status.text.to_lowercase().contains("declined"), "the viewer says so: {:?}", status.text);
    call.visitor.type_into("#name", "typed after the decline").await?;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(page_frames(&call.frames_sent_to(AGENT)), 0, "no page frame ever reached the declined agent");
    assert!(call.mirror_text("#page-name").await?.is_none(), "the declined agent's mirror is empty");
    call.expect_no_violation("through a decline").await?;
    call.finish().await
}

// ---------------------------------------------------------------------------------------------------
// Presence and End

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_widget_names_who_watches_and_end_stops_everything() -> Result<()> {
    let call = Call::start(ConsentPolicy::Never).await?;
    call.agent_joins().await?;
    call.wait_on_visitor(
        "the widget names the agent",
        &format!(
            "var w = document.getElementById('cobrowse-widget'); return !!w && w.textContent.indexOf({AGENT:?}) >= 0;"
        ),
    )
    .await?;
    let end: bool = call
        .visitor
        .execute(
            "var b = Array.prototype.find.call(document.querySelectorAll('#cobrowse-widget button'), \
             function (b) { return b.textContent.trim() === 'End'; }); if (!b) return false; b.click(); return true;",
            vec![],
        )
        .await?;
    assert!(end, "the widget has an End button");
    cobrowse_e2e::agent::wait_for_state(&call.agent, &["ended"], SHOW_TIMEOUT).await?;
    call.expect_no_violation("through End").await?;
    call.finish().await
}

/// The widget's box and whether its key shows, on the visitor's page, as a script's answer.
const WIDGET_BOX: &str = "var w = document.getElementById('cobrowse-widget'); var box = w.getBoundingClientRect(); \
     var key = document.getElementById('cobrowse-key'); var html = document.documentElement; \
     var box = { width: Math.round(box.width), left: Math.round(box.left), \
     right: Math.round(html.clientWidth - box.right), bottom: Math.round(html.clientHeight - box.bottom), \
     key: key.getClientRects().length > 0 };";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_visitor_folds_the_widget_and_moves_it_to_another_corner() -> Result<()> {
    let call = Call::start(ConsentPolicy::Never).await?;
    call.agent_joins().await?;
    let unfolded =
        format!("{WIDGET_BOX} return box.key && box.width === 260 && box.right === 16 && box.bottom === 16;");
    call.wait_on_visitor("the widget in its own corner, its key shown", &unfolded).await?;
    call.visitor.click("#cobrowse-collapse").await?;
    let folded = format!("{WIDGET_BOX} return !box.key && box.width < 260 && box.right === 16;");
    call.wait_on_visitor("the widget folded to its bar (the fold's rules in its shadow root)", &folded).await?;
    call.visitor.click("#cobrowse-corner").await?;
    let moved = format!("{WIDGET_BOX} return !box.key && box.left === 16 && box.bottom === 16;");
    call.wait_on_visitor("the widget moved to the bottom-left corner", &moved).await?;
    call.expect_no_violation("through folding and moving").await?;
    call.finish().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_visitor_stops_sharing_with_one_agent_and_the_other_watches_on() -> Result<()> {
    let mut call = Call::start(ConsentPolicy::Never).await?;
    call.agent_joins().await?;
    let ben = call.second_agent_joins().await?;
    let ben_name = cobrowse_e2e::relay::AGENT_NAMES[1];
    wait_for_mirror_text_in(&ben, "#page-name", "Order form").await?;
    // ana joined first: the relay numbers it 1.
    let stop_ana = r#"button[data-cobrowse-dismiss="1"]"#;
    call.wait_until_visitor_shows(stop_ana).await?;
    let labels: Vec<String> = call
        .visitor
        .execute(
            "return Array.prototype.map.call(document.querySelectorAll('#cobrowse-watchers button[data-cobrowse-dismiss]'), \
             function (b) { return b.getAttribute('aria-label'); });",
            vec![],
        )
        .await?;
    assert_eq!(labels, [format!("Stop sharing with {AGENT}"), format!("Stop sharing with {ben_name}")]);

    call.visitor.click(stop_ana).await?;
    let status = cobrowse_e2e::agent::wait_for_state(&call.agent, &["declined"], SHOW_TIMEOUT).await?;
    assert!(status.text.contains("stopped sharing"), "ana's viewer says so: {:?}", status.text);
    call.wait_on_visitor(
        "the widget lists ben alone and says ana was let go",
        &format!(
            "var names = Array.prototype.map.call(document.querySelectorAll('#cobrowse-watchers .cobrowse-watcher-name'), \
             function (n) {{ return n.textContent; }}); var said = document.getElementById('cobrowse-announce').textContent; \
             return names.join() === {ben_name:?} && said.indexOf({AGENT:?}) >= 0;"
        ),
    )
    .await?;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    call.frames_sent_to(AGENT); // what the relay sent ana up to its close

    call.visitor.click("#counter").await?;
    wait_for_mirror_text_in(&ben, "#counter", "Clicked 1 times").await?;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(call.frames_sent_to(AGENT), [], "nothing more reached ana after it was let go");
    assert_eq!(call.mirror_text("#counter").await?.as_deref(), Some("Clicked 0 times"), "ana's mirror stopped");
    call.expect_no_violation("through stopping sharing with one agent").await?;
    let _ = ben.close().await;
    call.finish().await
}

// ---------------------------------------------------------------------------------------------------
// The agent's pointer and highlight

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_s_pointer_shows_on_the_page_without_taking_its_clicks() -> Result<()> {
    let call = Call::start(ConsentPolicy::Never).await?;
    call.agent_joins().await?;
    call.wait_for_mirror_text("#page-name", "Order form").await?;
    call.agent_presses("#tool-pointer").await?;
    call.agent_hovers("#counter").await?;
    call.wait_on_visitor(
        "the agent's pointer over #counter",
        r#"var layer = document.getElementById('cobrowse-agent-layer'); if (!layer) return false;
           var c = document.getElementById('counter').getBoundingClientRect();
           return Array.prototype.some.call(layer.querySelectorAll('*'), function (e) {
             var r = e.getBoundingClientRect();
             return r.width > 0 && Math.abs(r.left - (c.left + c.width / 2)) < 40 && Math.abs(r.top - (c.top + c.height / 2)) < 40;
           });"#,
    )
    .await?;
    let pointer_events: String = call
        .visitor
        .execute("return getComputedStyle(document.getElementById('cobrowse-agent-layer')).pointerEvents;", vec![])
        .await?;
    assert_eq!(pointer_events, "none");
    // A real click where the pointer is reaches the page (WebDriver refuses a click another element takes).
    call.visitor.click("#counter").await?;
    let trusted: Vec<bool> =
        call.visitor.execute("return window.callPage.clicks.map(function (c) { return c.trusted; });", vec![]).await?;
    assert_eq!(trusted, [true], "the visitor's own click reached the button beneath the pointer");

    call.agent_presses("#tool-highlight").await?;
    call.agent_clicks("#submit-order").await?;
    call.wait_on_visitor(
        "a highlight around #submit-order",
        r#"var layer = document.getElementById('cobrowse-agent-layer'); if (!layer) return false;
           var b = document.getElementById('submit-order').getBoundingClientRect();
           return Array.prototype.some.call(layer.querySelectorAll('*'), function (e) {
             var r = e.getBoundingClientRect();
             return r.left <= b.left + 1 && r.top <= b.top + 1 && r.right >= b.right - 1 && r.bottom >= b.bottom - 1
               && r.width < b.width + 60;
           });"#,
    )
    .await?;
    let submitted: u32 = call.visitor.execute("return window.callPage.submitted;", vec![]).await?;
    assert_eq!(submitted, 0, "highlighting is not clicking");
    call.expect_no_violation("with the agent's layer shown").await?;
    call.finish().await
}

// ---------------------------------------------------------------------------------------------------
// Remote control

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_in_control_fills_a_plain_form_and_a_framework_driven_field() -> Result<()> {
    let call = Call::start(ConsentPolicy::Never).await?;
    call.agent_joins().await?;
    call.wait_for_mirror_text("#page-name", "Order form").await?;
    call.grant_control().await?;

    call.agent_clicks("#name").await?;
    call.agent_types("Ada").await?;
    call.wait_on_visitor("#name holds Ada", "return document.getElementById('name').value === 'Ada';").await?;
    call.agent_pastes(" Lovelace").await?;
    call.wait_on_visitor(
        "#name holds the pasted text",
        "return document.getElementById('name').value === 'Ada Lovelace';",
    )
    .await?;

    call.agent_clicks("#city").await?;
    call.agent_types("Paris").await?;
    call.wait_on_visitor("the page's state holds Paris", "return window.callPage.cityState === 'Paris';").await?;
    call.wait_for_mirror_text("#city-state", "Paris").await?;

    call.agent_clicks("#gift").await?;
    call.wait_on_visitor("the checkbox is checked", "return document.getElementById('gift').checked;").await?;

    call.agent_clicks("#counter").await?;
    call.wait_on_visitor("the counter's handler ran", "return window.callPage.clicks.length === 1;").await?;
    call.expect_no_violation("under remote control").await?;
    call.finish().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_masked_field_refuses_the_agent_and_the_visitor_takes_control_back() -> Result<()> {
    let call = Call::start(ConsentPolicy::Never).await?;
    call.agent_joins().await?;
    call.wait_for_mirror_text("#page-name", "Order form").await?;
    call.grant_control().await?;

    call.agent_clicks("#password").await?;
    call.agent_types("hunter2").await?;
    wait_for_viewer_text(&call, "masked").await?;
    let value: String = call.visitor.execute("return document.getElementById('password').value;", vec![]).await?;
    assert_eq!(value, "", "the agent typed nothing into the masked field");

    call.visitor.click("#cobrowse-control-stop").await?;
    call.wait_for_control_state("none").await?;
    call.agent_clicks("#counter").await?;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let clicks: u32 = call.visitor.execute("return window.callPage.clicks.length;", vec![]).await?;
    assert_eq!(clicks, 0, "an agent without control clicks nothing");
    call.expect_no_violation("through a refusal and a take-back").await?;
    call.finish().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_lasts_across_a_page_load() -> Result<()> {
    let call = Call::start(ConsentPolicy::Never).await?;
    call.agent_joins().await?;
    call.wait_for_mirror_text("#page-name", "Order form").await?;
    call.grant_control().await?;

    call.agent_clicks("#to-second").await?;
    call.wait_for_mirror_text("#page-name", "Second page").await?;
    call.wait_for_control_state("granted").await?;
    call.agent_clicks("#note").await?;
    call.agent_types("hello").await?;
    call.wait_on_visitor(
        "the second page's #note holds hello",
        "return document.getElementById('note').value === 'hello';",
    )
    .await?;
    call.wait_until_visitor_shows("#cobrowse-control-stop").await?;
    call.expect_no_violation("on the second page").await?;
    call.finish().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_in_control_tabs_chooses_and_scrolls_and_draws_on_the_page() -> Result<()> {
    let call = Call::start(ConsentPolicy::Never).await?;
    call.agent_joins().await?;
    call.wait_for_mirror_text("#page-name", "Order form").await?;
    call.grant_control().await?;

    // Keyboard navigation: Tab moves the visitor's focus from #name to the next field.
    call.agent_clicks("#name").await?;
    call.wait_on_visitor("#name focused", "return document.activeElement && document.activeElement.id === 'name';")
        .await?;
    call.agent_presses_key(char::from(fantoccini::key::Key::Tab)).await?;
    call.wait_on_visitor(
        "#city focused after Tab",
        "return document.activeElement && document.activeElement.id === 'city';",
    )
    .await?;

    // A choice in the mirror's <select> (its native list cannot be driven headless: the change is made there).
    let chose: bool = call
        .agent
        .execute(
            "var d = document.getElementById('cobrowse-mirror').contentDocument, s = d.getElementById('size'); \
             s.selectedIndex = 2; s.dispatchEvent(new Event('change', { bubbles: true })); return true;",
            vec![],
        )
        .await?;
    assert!(chose);
    call.wait_on_visitor("Large chosen", "return document.getElementById('size').value === 'l';").await?;

    // The agent's wheel scrolls the visitor's window.
    call.agent_scrolls_over("#page-name", 400).await?;
    call.wait_on_visitor("the window scrolled down", "return window.scrollY > 100;").await?;
    call.agent_scrolls_over("#far-below", -2000).await.ok();

    // A stroke drawn in the mirror shows in the visitor's layer, and no click went with it.
    call.agent_presses("#tool-draw").await?;
    let clicks_before: u32 = call.visitor.execute("return window.callPage.clicks.length;", vec![]).await?;
    call.wait_on_visitor("back at the top", "window.scrollTo(0, 0); return window.scrollY === 0;").await?;
    call.wait_for_mirror_text("#page-name", "Order form").await?;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    call.agent_drags_across("#counter").await?;
    call.wait_on_visitor(
        "a stroke in the agents' layer",
        "var l = document.getElementById('cobrowse-agent-layer'); \
         return !!l && l.querySelectorAll('svg polyline, svg path').length > 0;",
    )
    .await?;
    let clicks_after: u32 = call.visitor.execute("return window.callPage.clicks.length;", vec![]).await?;
    assert_eq!(clicks_after, clicks_before, "drawing over the button clicked nothing");
    call.expect_no_violation("through keys, a choice, scrolling and drawing").await?;
    call.finish().await
}

/// Waits until the viewer's page says `word` somewhere (a refusal's reason).
async fn wait_for_viewer_text(call: &Call, word: &str) -> Result<()> {
    let what = format!("agent: the viewer saying {word:?}");
    cobrowse_e2e::wait::until(&what, SHOW_TIMEOUT, || async {
        let text: String = call.agent.execute("return document.body.innerText;", vec![]).await?;
        Ok(text.to_lowercase().contains(word).then_some(()))
    })
    .await
}
