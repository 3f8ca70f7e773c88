//! Session continuity (issue 10): a session lives as long as the visit. One test per scenario of the
//! issue, each in real headless Chromium against the real relay, asserting on the agent's mirror, on the
//! viewer's `#cobrowse-status[data-state]` (every state it showed is recorded, see `status_history.rs`) and
//! on the key in the visitor's widget.
//!
//! - page loads: a link, a form submit, `location.href =`, a reload, back/forward (with and without the
//!   back/forward cache), SPA routes: `navigating` in between (never `ended`), then `live` with the new page;
//! - tabs: the session follows the tab looked at; a `tabs = "first"` site keeps it in the first tab;
//! - network drops on either side, through a proxy cut for a few seconds: `reconnecting`, then `live` with
//!   what changed meanwhile;
//! - ending (End button, `Cobrowse.stop()`, closing the last tab, the idle limit): `ended`, then the key
//!   lets no agent join and the session cannot be resumed;
//! - security: the resume secret (≥ 128 bits) stays in the visitor's tab; a copied secret does not work on
//!   another origin, the key alone (or with a wrong secret) never resumes;
//! - the JS API: `resumed`, `navigating`, `reconnecting` events; `Cobrowse.start()` on a running session.

use cobrowse_e2e::continuity::{Options, Watched, FINAL_STATES, NEXT_PAGE_TIMEOUT};
use cobrowse_e2e::continuity_settings::ContinuitySettings;
use cobrowse_e2e::frames::{Audit, FrameRecorder, Recording};
use cobrowse_e2e::leaks::capture::LogBuffer;
use cobrowse_e2e::stored_session::{self, StoredSession};
use cobrowse_e2e::tree::MIRROR_DOCUMENT;
use cobrowse_e2e::{
    agent, agent_frames, page_log, raw_resume, relay::AGENT_NAMES, status_history, step, tabs, visitor,
};
use cobrowse_e2e::{Browser, Result, Site};
use cobrowse_protocol::FrameKind;
use cobrowse_relay::Peer;
use serde_json::Value;
use std::time::{Duration, Instant};

/// How long a network drop lasts in the tests (well under the test relay's grace).
const OFFLINE_FOR: Duration = Duration::from_secs(4);
/// How long the viewer may take to notice a drop or an end.
const NOTICE_TIMEOUT: Duration = Duration::from_secs(15);
/// How long a refused resume may take to be settled in the visitor's tab (refused, storage cleared).
const REFUSAL_TIMEOUT: Duration = Duration::from_secs(15);

// ---------------------------------------------------------------------------------------------------
// Full page loads

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_click_keeps_the_session() -> Result<()> {
    let watched = Watched::start(Options::default()).await?;
    let mark = watched.mark().await?;
    watched.visitor.click("#to-second").await?;
    watched.expect_same_session("a link to the second page", mark, Some("navigating"), "Second page").await?;
    // The same agents: the new page's widget counts the agent who joined on the first page.
    let agents: Option<String> = watched
        .visitor
        .execute(
            "var a = document.getElementById('cobrowse-agents'); return a && !a.hidden ? a.textContent : null;",
            vec![],
        )
        .await?;
    assert!(
        agents.as_deref().is_some_and(|text| text.starts_with("1 agent")),
        "the next page's widget should say one agent is watching, it says {agents:?}"
    );
    watched.shutdown().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_submit_keeps_the_session() -> Result<()> {
    let watched = Watched::start(Options::default()).await?;
    let mark = watched.mark().await?;
    watched.visitor.click("#submit-order").await?;
    watched.expect_same_session("a form submitted to the second page", mark, Some("navigating"), "Second page").await?;
    expect_mirror_text(&watched, "the quantity the form sent", "quantity-received", "3").await?;
    watched.shutdown().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn location_href_keeps_the_session() -> Result<()> {
    let watched = Watched::start(Options::default()).await?;
    let mark = watched.mark().await?;
    watched.visitor.click("#go-by-script").await?;
    watched.expect_same_session("location.href = 'third.html'", mark, Some("navigating"), "Third page").await?;
    watched.shutdown().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reload_keeps_the_session() -> Result<()> {
    let watched = Watched::start(Options::default()).await?;
    set_note(&watched.visitor, "changed before the reload").await?;
    expect_mirror_text(&watched, "the note before the reload", "note", "changed before the reload").await?;
    let mark = watched.mark().await?;
    watched.visitor.client().refresh().await?;
    watched.expect_same_session("a reload", mark, Some("navigating"), "Home").await?;
    expect_mirror_text(&watched, "the reloaded page's own note", "note", "Nothing changed yet.").await?;
    watched.shutdown().await
}

/// Pages served `no-store` never enter the back/forward cache: back and forward load them again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn back_and_forward_keep_the_session() -> Result<()> {
    let watched = Watched::start(Options::default()).await?;
    let walk = back_and_forward(&watched).await?;
    assert_eq!(
        walk.restored,
        [false, false],
        "pages served no-store must be loaded again on back and forward, not restored from the back/forward \
         cache (pageshow.persisted for back, forward)"
    );
    assert!(walk.problems.is_empty(), "{}", walk.problems.join("\n"));
    watched.shutdown().await
}

/// Pages allowed into the back/forward cache: back and forward restore them (`pageshow.persisted`), and the
/// shim resumes the session on `pageshow`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn back_and_forward_from_the_back_forward_cache_keep_the_session() -> Result<()> {
    let watched = Watched::start(Options { cacheable: true, ..Options::default() }).await?;
    let walk = back_and_forward(&watched).await?;
    watched.stage.log(&format!("pageshow.persisted on back, forward: {:?}", walk.restored));
    assert_eq!(
        walk.restored,
        [true, true],
        "headless Chromium should restore both pages from the back/forward cache (pageshow.persisted for back, \
         forward); a page that stays ineligible keeps something open at pagehide (the shim's socket?)"
    );
    assert!(walk.problems.is_empty(), "{}", walk.problems.join("\n"));
    watched.shutdown().await
}

/// What [`back_and_forward`] found.
struct Walk {
    /// Whether back and forward restored the page from the back/forward cache.
    restored: [bool; 2],
    /// Steps after which the viewer never showed `navigating` (the session otherwise went on).
    problems: Vec<String>,
}

/// Link to the second page, back, forward: after each the same session goes on (a failure at once); the
/// steps where the viewer did not show `navigating` in between are collected, so that every step is
/// checked.
async fn back_and_forward(watched: &Watched) -> Result<Walk> {
    let mut problems = Vec::new();
    let mut restored = [false; 2];
    let steps: [(&str, &str); 3] = [
        ("a link to the second page", "Second page"),
        ("back to the first page", "Home"),
        ("forward to the second page", "Second page"),
    ];
    for (index, (what, page)) in steps.into_iter().enumerate() {
        let mark = watched.mark().await?;
        let log_mark = page_log::mark(&watched.visitor).await?;
        match index {
            0 => watched.visitor.click("#to-second").await?,
            1 => watched.visitor.client().back().await?,
            _ => watched.visitor.client().forward().await?,
        }
        watched.expect_same_session(what, mark, None, page).await?;
        let history = status_history::since(&watched.agent, mark).await?;
        if !status_history::showed(&history, "navigating") {
            let log = page_log::since(&watched.visitor, log_mark).await?;
            problems.push(format!(
                "{what}: the viewer never showed \"navigating\" in between: {}; the visitor's tab recorded: {}",
                status_history::describe(&history),
                page_log::describe(&log)
            ));
        }
        if index > 0 {
            let shown = page_log::wait_for(&watched.visitor, log_mark, "pageshow", NEXT_PAGE_TIMEOUT).await?;
            restored[index - 1] = shown.persisted().ok_or("pageshow recorded without `persisted`")?;
        }
    }
    Ok(Walk { restored, problems })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spa_routes_keep_the_session() -> Result<()> {
    let watched = Watched::start(Options { first_page: "spa.html", ..Options::default() }).await?;
    let log_mark = page_log::mark(&watched.visitor).await?;
    let routes = [
        ("#push", "pushState", "catalogue"),
        ("#replace", "replaceState", "basket"),
        ("#hash", "a hash change", "reviews"),
    ];
    for (button, how, route) in routes {
        let mark = watched.mark().await?;
        watched.visitor.click(button).await?;
        expect_spa_route(&watched, mark, how, route).await?;
    }
    let mark = watched.mark().await?;
    watched.visitor.client().back().await?;
    expect_spa_route(&watched, mark, "back (popstate)", "basket").await?;
    let navigating = page_log::since(&watched.visitor, log_mark).await?;
    let count = navigating.iter().filter(|entry| entry.kind == "navigating").count();
    assert!(
        count >= 4,
        "the shim should emit `navigating` on each SPA route change (pushState, replaceState, hash, popstate): \
         expected 4, saw {count}: {}",
        page_log::describe(&navigating)
    );
    watched.shutdown().await
}

/// After an SPA route change: the mirror shows the route, the viewer stayed in the session (the socket
/// stays open: no state but `live` is expected, and never a final one), and the widget shows the key.
async fn expect_spa_route(watched: &Watched, mark: usize, how: &str, route: &str) -> Result<()> {
    let what = format!("{how} to the {route} route");
    let expression = format!("{MIRROR_DOCUMENT}.getElementById('view').getAttribute('data-route')");
    expect_in_mirror(watched, &what, &expression, Value::from(route)).await?;
    let history = status_history::since(&watched.agent, mark).await?;
    if let Some(state) = FINAL_STATES.iter().find(|state| status_history::showed(&history, state)) {
        return Err(format!("{what}: the viewer showed {state:?}: {}", status_history::describe(&history)).into());
    }
    agent::wait_for_state(&watched.agent, &["live"], NEXT_PAGE_TIMEOUT).await.map_err(step(&what))?;
    cobrowse_e2e::mirror::assert_mirrors(&watched.visitor, &watched.agent, cobrowse_e2e::mirror::MIRROR_TIMEOUT)
        .await
        .map_err(step(&what))?;
    visitor::check_widget(&watched.visitor, &watched.key).await.map_err(step(&what))?;
    watched.stage.log(&format!("{what}: same session, viewer {}", status_history::describe(&history)));
    Ok(())
}

// ---------------------------------------------------------------------------------------------------
// Tabs

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_follows_the_tab_looked_at() -> Result<()> {
    let watched = Watched::start(Options::default()).await?;
    let first_tab = tabs::current(&watched.visitor).await?;
    expect_agent_tab(&watched, "1", "the first tab").await?;

    let mark = watched.mark().await?;
    let second_tab = tabs::open_tab(&watched.visitor, &watched.page_url("second.html")).await?;
    report_visibility(&watched, "after switching WebDriver to the new tab").await?;
    tabs::look_at(&watched.visitor, &second_tab).await?;
    report_visibility(&watched, "after Page.bringToFront on the new tab").await?;
    expect_agent_tab(&watched, "2", "the second tab, looked at").await?;
    watched.expect_same_session("the second tab took over", mark, None, "Second page").await?;

    let mark = watched.mark().await?;
    tabs::look_at(&watched.visitor, &first_tab).await?;
    expect_agent_tab(&watched, "1", "the first tab, looked at again").await?;
    watched.expect_same_session("the first tab took it back", mark, None, "Home").await?;
    watched.shutdown().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_tab_site_keeps_the_session_in_the_first_tab() -> Result<()> {
    let settings = ContinuitySettings { tabs: "first", ..ContinuitySettings::default() };
    let watched = Watched::start(Options { settings, ..Options::default() }).await?;
    let first_tab = tabs::current(&watched.visitor).await?;
    expect_agent_tab(&watched, "1", "the first tab").await?;

    let mark = watched.mark().await?;
    let second_tab = tabs::open_tab(&watched.visitor, &watched.page_url("second.html")).await?;
    tabs::look_at(&watched.visitor, &second_tab).await?;
    // Long enough for a take-over to happen if the relay allowed it.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let history = status_history::since(&watched.agent, mark).await?;
    let other_tab = history.iter().find(|shown| shown.tab.as_deref().is_some_and(|tab| tab != "1"));
    assert!(
        other_tab.is_none(),
        "with tabs = \"first\" the agent should keep seeing tab 1; the viewer showed: {}",
        status_history::describe(&history)
    );
    let shown = mirror_page_name(&watched.agent).await?;
    assert_eq!(
        shown.as_deref(),
        Some("Home"),
        "with tabs = \"first\" the mirror should still show the first tab's page"
    );
    assert!(
        stored_session::read(&watched.visitor).await?.is_none_or(|stored| stored.key == watched.key),
        "the second tab may only hold the same session, if any"
    );

    tabs::look_at(&watched.visitor, &first_tab).await?;
    watched.expect_same_session("back in the first tab", mark, None, "Home").await?;
    watched.shutdown().await
}

/// Waits until the viewer's `data-tab` is `tab`.
async fn expect_agent_tab(watched: &Watched, tab: &str, what: &str) -> Result<()> {
    let found = cobrowse_e2e::wait::until(&format!("data-tab {tab} ({what})"), NEXT_PAGE_TIMEOUT, || async {
        let shown: Option<String> = watched
            .agent
            .execute(
                "var s = document.getElementById('cobrowse-status'); return s && s.getAttribute('data-tab');",
                vec![],
            )
            .await?;
        Ok((shown.as_deref() == Some(tab)).then_some(()))
    })
    .await;
    let history = status_history::read(&watched.agent).await.unwrap_or_default();
    found.map_err(|error| format!("{error}; the viewer showed: {}", status_history::describe(&history)).into())
}

/// Logs what the tab WebDriver drives says about its visibility (for the report: what headless Chromium
/// does with tabs).
async fn report_visibility(watched: &Watched, when: &str) -> Result<()> {
    let visibility = tabs::visibility(&watched.visitor).await?;
    watched.stage.log(&format!("visibility {when}: {visibility:?}"));
    Ok(())
}

// ---------------------------------------------------------------------------------------------------
// Network drops

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_visitor_reconnects_after_a_network_drop() -> Result<()> {
    let watched = Watched::start(Options { visitor_proxy: true, ..Options::default() }).await?;
    let proxy = watched.visitor_proxy.as_ref().expect("a visitor proxy");
    let mark = watched.mark().await?;
    let log_mark = page_log::mark(&watched.visitor).await?;
    proxy.cut();
    agent::wait_for_state(&watched.agent, &["reconnecting"], NOTICE_TIMEOUT).await.map_err(step("visitor offline"))?;
    set_note(&watched.visitor, "changed while offline").await?;
    tokio::time::sleep(OFFLINE_FOR).await;
    proxy.restore();
    watched.expect_same_session("the visitor back online", mark, Some("reconnecting"), "Home").await?;
    expect_mirror_text(&watched, "the change made while offline", "note", "changed while offline").await?;
    page_log::wait_for(&watched.visitor, log_mark, "reconnecting", NOTICE_TIMEOUT).await?;
    page_log::wait_for(&watched.visitor, log_mark, "resumed", NOTICE_TIMEOUT).await?;
    watched.shutdown().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_reconnects_after_a_network_drop() -> Result<()> {
    let watched = Watched::start(Options { agent_proxy: true, ..Options::default() }).await?;
    let proxy = watched.agent_proxy.as_ref().expect("an agent proxy");
    let mark = watched.mark().await?;
    proxy.cut();
    agent::wait_for_state(&watched.agent, &["reconnecting"], NOTICE_TIMEOUT).await.map_err(step("agent offline"))?;
    set_note(&watched.visitor, "changed while the agent was offline").await?;
    tokio::time::sleep(OFFLINE_FOR).await;
    proxy.restore();
    watched.expect_same_session("the agent back online", mark, Some("reconnecting"), "Home").await?;
    expect_mirror_text(&watched, "the change made meanwhile", "note", "changed while the agent was offline").await?;
    watched.shutdown().await
}

/// A half-open connection (the proxy keeps it open but lets nothing through) does not keep the session
/// alive: the relay's heartbeat finds the visitor silent, the agent sees `reconnecting`, and with the
/// visitor still unreachable the session ends after the grace.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_half_open_visitor_connection_is_detected_and_ends_after_the_grace() -> Result<()> {
    let (interval, timeout, grace) = (1, 3, 3);
    let settings = ContinuitySettings {
        heartbeat_secs: (interval, timeout),
        resume_grace_secs: grace,
        idle_limit_secs: 600,
        ..ContinuitySettings::default()
    };
    let watched = Watched::start(Options { settings, visitor_proxy: true, ..Options::default() }).await?;
    let proxy = watched.visitor_proxy.as_ref().expect("a visitor proxy");
    let mark = watched.mark().await?;
    let frozen_at = Instant::now();
    proxy.freeze();
    agent::wait_for_state(&watched.agent, &["reconnecting"], Duration::from_secs(timeout + 10))
        .await
        .map_err(step("the relay's heartbeat finds the frozen visitor"))?;
    let detected = frozen_at.elapsed();
    agent::wait_for_state(&watched.agent, &["ended"], Duration::from_secs(grace + 15))
        .await
        .map_err(step("the grace passes with the visitor unreachable"))?;
    let ended = frozen_at.elapsed();
    let history = status_history::since(&watched.agent, mark).await?;
    watched.stage.log(&format!(
        "frozen visitor: reconnecting after {detected:?}, ended after {ended:?}: {}",
        status_history::describe(&history)
    ));
    assert!(
        detected <= Duration::from_secs(timeout + 2 * interval + 2),
        "the relay should find a silent visitor within its heartbeat timeout ({timeout} s, pings every {interval} s); \
         the agent saw it after {detected:?}"
    );
    watched.shutdown().await
}

// ---------------------------------------------------------------------------------------------------
// Ending

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_end_button_ends_the_session_for_good() -> Result<()> {
    let watched = Watched::start(Options::default()).await?;
    let stored = stored_session::wait_for(&watched.visitor).await?;
    watched.visitor.click("#cobrowse-widget button").await?;
    expect_ended_for_good(&watched, &watched.visitor, &stored, "the End button").await?;
    watched.shutdown().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cobrowse_stop_ends_the_session_for_good() -> Result<()> {
    let watched = Watched::start(Options::default()).await?;
    let stored = stored_session::wait_for(&watched.visitor).await?;
    watched.visitor.execute::<Value>("window.Cobrowse.stop();", vec![]).await?;
    expect_ended_for_good(&watched, &watched.visitor, &stored, "Cobrowse.stop()").await?;
    watched.shutdown().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_the_last_tab_ends_the_session_after_the_grace() -> Result<()> {
    let grace = Duration::from_secs(2);
    let settings = ContinuitySettings { resume_grace_secs: grace.as_secs(), ..ContinuitySettings::default() };
    let watched = Watched::start(Options { settings, ..Options::default() }).await?;
    let stored = stored_session::wait_for(&watched.visitor).await?;
    // A blank tab keeps the browser open once the site's only tab is closed.
    let site_tab = tabs::current(&watched.visitor).await?;
    let blank_tab = tabs::open_tab(&watched.visitor, "about:blank").await?;
    tabs::drive(&watched.visitor, &site_tab).await?;
    let mark = watched.mark().await?;
    let closed_at = Instant::now();
    tabs::close_tab(&watched.visitor, &blank_tab).await?;
    agent::wait_for_state(&watched.agent, &["ended"], grace + NOTICE_TIMEOUT).await.map_err(step("after the grace"))?;
    let after = closed_at.elapsed();
    let history = status_history::since(&watched.agent, mark).await?;
    watched
        .stage
        .log(&format!("the last tab closed: ended after {after:?}, viewer {}", status_history::describe(&history)));
    assert!(
        after >= grace / 2,
        "the session should wait for the grace ({grace:?}) before it ends; it ended after {after:?}"
    );
    assert!(
        status_history::showed(&history, "navigating") || status_history::showed(&history, "reconnecting"),
        "the viewer should show the visitor away (navigating or reconnecting) during the grace: {}",
        status_history::describe(&history)
    );
    watched.visitor.goto(&watched.page_url("index.html")).await?;
    expect_ended_for_good(&watched, &watched.visitor, &stored, "closing the last tab").await?;
    watched.shutdown().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_idle_limit_ends_the_session() -> Result<()> {
    let idle = Duration::from_secs(4);
    // The relay wants the idle limit at least as long as the grace.
    let settings = ContinuitySettings { idle_limit_secs: idle.as_secs(), resume_grace_secs: 3, ..Default::default() };
    let watched = Watched::start(Options { settings, ..Options::default() }).await?;
    let stored = stored_session::wait_for(&watched.visitor).await?;
    let started = Instant::now();
    // The page is static: after the first snapshot no page frame comes.
    agent::wait_for_state(&watched.agent, &["ended"], idle + NOTICE_TIMEOUT).await.map_err(step("the idle limit"))?;
    watched.stage.log(&format!("ended by the idle limit ({idle:?}) after {:?}", started.elapsed()));
    expect_ended_for_good(&watched, &watched.visitor, &stored, "the idle limit").await?;
    watched.shutdown().await
}

/// After the session ended by `how`: the viewer shows `ended`, the key lets no agent join, and the
/// visitor's tab (driven by `visitor`, on a page of the site) cannot resume it with the session it had.
async fn expect_ended_for_good(watched: &Watched, visitor: &Browser, stored: &StoredSession, how: &str) -> Result<()> {
    agent::wait_for_state(&watched.agent, &["ended"], NOTICE_TIMEOUT).await.map_err(step(how))?;
    let rejoined = try_join(watched, &watched.agent).await?;
    assert_eq!(
        rejoined.state.as_deref(),
        Some("error"),
        "after {how} a join with the key {} should be refused as an unknown key; the viewer shows {:?}",
        watched.key,
        rejoined.text
    );
    watched.stage.log(&format!("after {how} a join with the key ends in {:?}: {:?}", rejoined.state, rejoined.text));
    expect_resume_refused(visitor, watched.stage.relay.origin(), stored, &format!("a resume after {how}")).await
}

/// Opens the viewer afresh and joins with the watched key; returns the final status it reached.
async fn try_join(watched: &Watched, agent_browser: &Browser) -> Result<agent::Status> {
    agent::submit_join(
        agent_browser,
        &watched.agent_url(),
        AGENT_NAMES[0],
        cobrowse_e2e::relay::AGENT_PASSWORD,
        &watched.key,
    )
    .await?;
    agent::wait_for_state(agent_browser, &["live", "error", "ended", "disconnected"], agent::JOIN_TIMEOUT).await
}

/// `stored` must not resume the session, from the page the tab `visitor` drives: on the wire (a `Resume`
/// sent to the relay at `relay_origin` is closed with 4005 before anything is sent), and through the
/// shim (planted in `sessionStorage`, then a reload: no `resumed` event, the stored session forgotten, no
/// live key in the widget). The shim keeps no session without a secret, so with an empty one it only
/// must not resume.
async fn expect_resume_refused(
    visitor: &Browser,
    relay_origin: &str,
    stored: &StoredSession,
    what: &str,
) -> Result<()> {
    let outcome = raw_resume::attempt(visitor, relay_origin, &stored.key, &stored.secret).await?;
    assert!(
        outcome.is_refused(),
        "{what}: the relay should close a Resume with 4005 (RESUME_REFUSED) and send nothing; it sent {} messages \
         and closed with {:?} {:?}",
        outcome.messages,
        outcome.close_code,
        outcome.close_reason
    );
    let log_mark = page_log::mark(visitor).await?;
    stored_session::plant(visitor, stored).await?;
    visitor.client().refresh().await?;
    // The shim keeps no session without a secret: then there is nothing to wait for but a resume that
    // must not come.
    let wait_for = if stored.secret.is_empty() { Duration::from_secs(3) } else { REFUSAL_TIMEOUT };
    let forgotten = cobrowse_e2e::wait::until(&format!("{what}: the planted session forgotten"), wait_for, || async {
        Ok(stored_session::raw(visitor).await?.is_none().then_some(()))
    })
    .await;
    let entries = page_log::since(visitor, log_mark).await?;
    let resumed = entries.iter().any(|entry| entry.kind == "resumed");
    assert!(!resumed, "{what}: the page must not get the session back; it recorded: {}", page_log::describe(&entries));
    if !stored.secret.is_empty() {
        forgotten.map_err(|error| {
            format!(
                "{error}: the shim should forget a refused session (4005); the page recorded: {}",
                page_log::describe(&entries)
            )
        })?;
    }
    let widget_key: Option<String> = visitor
        .execute(
            "var k = document.getElementById('cobrowse-key'); return k && !k.hidden ? k.textContent : null;",
            vec![],
        )
        .await?;
    assert!(
        !widget_key.as_deref().unwrap_or("").contains(&stored.key),
        "{what}: the widget must not show the refused key {} as live, it shows {widget_key:?}",
        stored.key
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------------
// Security of resumption

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_resume_secret_is_strong_and_never_leaves_the_visitors_tab() -> Result<()> {
    let logs = LogBuffer::global()?;
    let options = Options { visitor_proxy: true, record_agent_frames: true, ..Options::default() };
    let watched = Watched::start(options).await?;
    let stored = stored_session::wait_for(&watched.visitor).await?;
    assert_eq!(stored.key, watched.key, "sessionStorage should hold the widget's key");
    assert!(
        stored_session::is_strong_secret(&stored.secret),
        "the resume secret should be at least 128 bits of hex (32 hex digits), got {} characters",
        stored.secret.len()
    );
    let secret = stored.secret.clone();

    // Resume twice (a link, a reload), so the secret is sent the way it is sent.
    let mut urls = requested_urls(&watched.visitor).await?;
    let mark = watched.mark().await?;
    watched.visitor.click("#to-second").await?;
    watched.expect_same_session("a link", mark, Some("navigating"), "Second page").await?;
    urls.extend(requested_urls(&watched.visitor).await?);
    let mark = watched.mark().await?;
    watched.visitor.client().refresh().await?;
    watched.expect_same_session("a reload", mark, Some("navigating"), "Second page").await?;
    urls.extend(requested_urls(&watched.visitor).await?);

    let in_urls: Vec<&String> = urls.iter().filter(|url| url.contains(&secret)).collect();
    assert!(in_urls.is_empty(), "the secret is in URLs the page requested (Resource Timing): {in_urls:?}");
    let heads = watched.visitor_proxy.as_ref().expect("a visitor proxy").request_heads();
    let sockets = heads.iter().filter(|head| head.contains("/ws/visitor")).count();
    assert!(
        sockets >= 3,
        "the proxy should have seen the visitor's 3 socket upgrades (start and 2 resumes), saw {sockets}"
    );
    let in_heads: Vec<&String> = heads.iter().filter(|head| head.contains(&secret)).collect();
    assert!(in_heads.is_empty(), "the secret went over the wire in a request line or header: {in_heads:?}");
    let cookies: String = watched.visitor.execute("return document.cookie;", vec![]).await?;
    assert!(!cookies.contains(&secret), "the secret is in a cookie readable by the page: {cookies}");
    let log_text = logs.text();
    assert!(!log_text.is_empty(), "the relay's logs were not captured");
    assert!(!log_text.contains(&secret), "the relay logged the secret");
    expect_secret_not_with_agent(&watched, &secret).await?;
    watched.shutdown().await
}

/// Every URL the current page requested (Resource Timing) and its own.
async fn requested_urls(browser: &Browser) -> Result<Vec<String>> {
    browser
        .execute(
            "return [location.href].concat(performance.getEntries().map(function (e) { return e.name; }));",
            vec![],
        )
        .await
}

/// The secret is in nothing the agent's viewer received (every socket message, decoded), nor its page.
async fn expect_secret_not_with_agent(watched: &Watched, secret: &str) -> Result<()> {
    let received = agent_frames::read(&watched.agent).await?;
    assert!(!received.is_empty(), "the agent's recorder caught no WebSocket message: the check would mean nothing");
    let audit = agent_frames::audit(&received);
    let places = audit.find(secret);
    assert!(places.is_empty(), "the secret reached the agent: {places:?}");
    let raw: Vec<usize> = received
        .iter()
        .enumerate()
        .filter(|(_, message)| message.bytes.windows(secret.len()).any(|window| window == secret.as_bytes()))
        .map(|(index, _)| index)
        .collect();
    assert!(raw.is_empty(), "the secret is in the raw bytes of the agent's messages {raw:?}");
    let page: String = watched
        .agent
        .execute(
            &format!(
                "var m = {MIRROR_DOCUMENT}; return document.documentElement.outerHTML + (m ? m.documentElement.outerHTML : '') \
                 + JSON.stringify(sessionStorage) + JSON.stringify(localStorage) + document.cookie;"
            ),
            vec![],
        )
        .await?;
    assert!(!page.contains(secret), "the secret is in the agent's page, mirror or storage");
    watched.stage.log(&format!("the secret is in none of the agent's {} messages, nor its page", received.len()));
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copied_secret_does_not_resume_from_another_origin() -> Result<()> {
    let watched = Watched::start(Options::default()).await?;
    let stored = stored_session::wait_for(&watched.visitor).await?;
    // Another origin allowed for the same site (the test site is open to any origin).
    let other_site = Site::start(watched.stage.relay.origin()).await?;
    assert_ne!(other_site.origin(), watched.site().origin());
    let intruder = watched.stage.browser("intruder").await?;
    let mark = watched.mark().await?;
    visitor::open(&intruder, &other_site.page_url("continuity/second.html")).await?;
    expect_resume_refused(
        &intruder,
        watched.stage.relay.origin(),
        &stored,
        "a copied key and secret on another origin",
    )
    .await?;
    expect_session_untouched(&watched, mark, "a resume from another origin").await?;
    intruder.close().await?;
    watched.shutdown().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_key_alone_never_resumes() -> Result<()> {
    let watched = Watched::start(Options::default()).await?;
    let stored = stored_session::wait_for(&watched.visitor).await?;
    let intruder = watched.stage.browser("intruder").await?;
    let mark = watched.mark().await?;
    visitor::open(&intruder, &watched.page_url("second.html")).await?;
    let wrong_secret = if stored.secret.starts_with('0') { "1" } else { "0" }.repeat(stored.secret.len().max(64));
    for (secret, what) in [("", "the key with no secret"), (wrong_secret.as_str(), "the key with a wrong secret")] {
        let forged = StoredSession { key: stored.key.clone(), secret: secret.into() };
        expect_resume_refused(&intruder, watched.stage.relay.origin(), &forged, what).await?;
        expect_session_untouched(&watched, mark, what).await?;
    }
    intruder.close().await?;
    watched.shutdown().await
}

/// The watched session went on untouched since `mark`: the viewer still live on tab 1 and never away,
/// the mirror still the visitor's page, the visitor's widget still showing the key.
async fn expect_session_untouched(watched: &Watched, mark: usize, what: &str) -> Result<()> {
    let history = status_history::since(&watched.agent, mark).await?;
    assert!(
        history
            .iter()
            .all(|shown| shown.state.as_deref() == Some("live") && shown.tab.as_deref().is_none_or(|tab| tab == "1")),
        "{what}: the agent's session should go on untouched (live, tab 1); the viewer showed: {}",
        status_history::describe(&history)
    );
    cobrowse_e2e::mirror::assert_mirrors(&watched.visitor, &watched.agent, cobrowse_e2e::mirror::MIRROR_TIMEOUT)
        .await
        .map_err(step(what))?;
    visitor::check_widget(&watched.visitor, &watched.key).await.map_err(step(what))
}

/// The site's masking rules come with every `SessionStarted`, so the next page is masked from its first
/// frame: a selector configured for the site (not a built-in rule) hides the account number of the
/// second page in every frame the relay receives, and in the mirror.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sites_masking_rules_apply_on_the_next_page() -> Result<()> {
    const SENTINEL: &str = "ACCT-SENTINEL-58213";
    let settings = ContinuitySettings { mask_selectors: &["#account-number"], ..ContinuitySettings::default() };
    let watched = Watched::start(Options { settings, ..Options::default() }).await?;
    let recorder = FrameRecorder::start(watched.stage.relay.subscribe_frames());
    let mark = watched.mark().await?;
    watched.visitor.click("#to-second").await?;
    // Not the whole mirror: the canonical tree knows the built-in masks, not this site's rule.
    watched.expect_continued("a link to a page with a masked element", mark, Some("navigating"), "Second page").await?;
    let mirrored = mirror_text(&watched.agent, "account-number").await?;
    let recording = recorder.finish().await?;
    assert_eq!(recording.lagged, 0, "the frame recorder fell behind: the check would miss frames");
    // Recording began mid-page: decode from the next page's snapshot (deltas before it lack their context).
    let first_snapshot = recording.frames.iter().position(|frame| {
        frame.from == Peer::Visitor
            && cobrowse_protocol::frame::parse(&frame.bytes).is_ok_and(|(kind, _)| kind == FrameKind::Snapshot)
    });
    let first_snapshot = first_snapshot.ok_or("no snapshot of the second page reached the relay")?;
    let audit = Audit::of(&Recording { frames: recording.frames[first_snapshot..].to_vec(), lagged: 0 });
    assert!(audit.errors.is_empty(), "frames that would not decode: {:?}", audit.errors);
    assert!(audit.visitor_page_frames() > 0, "no page frame of the second page was recorded");
    let places = audit.find(SENTINEL);
    assert!(places.is_empty(), "the site's masked text reached the relay on the next page: {places:?}");
    assert!(
        mirrored.as_deref().is_some_and(|text| !text.contains(SENTINEL) && !text.is_empty()),
        "the mirror should show the account number masked, it shows {mirrored:?}"
    );
    watched.shutdown().await
}

// ---------------------------------------------------------------------------------------------------
// The JS API

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_js_api_reports_navigating_resumed_and_reconnecting() -> Result<()> {
    let watched = Watched::start(Options { visitor_proxy: true, ..Options::default() }).await?;
    let log_mark = page_log::mark(&watched.visitor).await?;
    let mark = watched.mark().await?;
    watched.visitor.click("#to-third").await?;
    watched.expect_same_session("a link", mark, Some("navigating"), "Third page").await?;
    let navigating = page_log::wait_for(&watched.visitor, log_mark, "navigating", NOTICE_TIMEOUT).await?;
    assert!(
        navigating.page.ends_with("index.html"),
        "`navigating` should fire on the page being left, fired on {}",
        navigating.page
    );
    let resumed = page_log::wait_for(&watched.visitor, log_mark, "resumed", NOTICE_TIMEOUT).await?;
    assert_eq!(
        resumed.key(),
        Some(watched.key.as_str()),
        "`resumed` should carry the session's key: {}",
        resumed.detail
    );
    assert!(resumed.page.ends_with("third.html"), "`resumed` should fire on the new page, fired on {}", resumed.page);

    let log_mark = page_log::mark(&watched.visitor).await?;
    let proxy = watched.visitor_proxy.as_ref().expect("a visitor proxy");
    proxy.cut();
    page_log::wait_for(&watched.visitor, log_mark, "reconnecting", NOTICE_TIMEOUT).await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    proxy.restore();
    let resumed = page_log::wait_for(&watched.visitor, log_mark, "resumed", NOTICE_TIMEOUT).await?;
    assert_eq!(resumed.key(), Some(watched.key.as_str()), "`resumed` after a drop should carry the key");
    let entries = page_log::since(&watched.visitor, log_mark).await?;
    assert!(
        !entries.iter().any(|entry| entry.kind == "ended"),
        "a network drop must not end the session: {}",
        page_log::describe(&entries)
    );
    watched.shutdown().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_on_a_running_session_resolves_to_its_key() -> Result<()> {
    let watched = Watched::start(Options::default()).await?;
    let mark = watched.mark().await?;
    let again = visitor::start_session(&watched.visitor).await.map_err(step("Cobrowse.start() again"))?;
    assert_eq!(again, watched.key, "Cobrowse.start() on the page of a running session should resolve to its key");
    watched.visitor.click("#to-second").await?;
    watched.expect_same_session("a link", mark, Some("navigating"), "Second page").await?;
    let on_next_page =
        visitor::start_session(&watched.visitor).await.map_err(step("Cobrowse.start() after a page load"))?;
    assert_eq!(on_next_page, watched.key, "Cobrowse.start() on the next page should resolve to the same key");
    let mark = watched.mark().await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let history = status_history::since(&watched.agent, mark).await?;
    assert!(
        history.is_empty(),
        "start() on a running session should not disturb the agent: {}",
        status_history::describe(&history)
    );
    watched.shutdown().await
}

// ---------------------------------------------------------------------------------------------------
// Small helpers

/// Sets the visitor page's `#note` text.
async fn set_note(visitor: &Browser, text: &str) -> Result<()> {
    visitor
        .execute::<Value>("document.getElementById('note').textContent = arguments[0];", vec![Value::from(text)])
        .await?;
    Ok(())
}

/// Waits until the mirror's element `id` has the text `expected`.
async fn expect_mirror_text(watched: &Watched, what: &str, id: &str, expected: &str) -> Result<()> {
    let expression = format!(
        "(({MIRROR_DOCUMENT} || {{}}).getElementById ? {MIRROR_DOCUMENT}.getElementById('{id}').textContent : null)"
    );
    expect_in_mirror(watched, what, &expression, Value::from(expected)).await
}

/// Waits until `expression`, evaluated in the agent's page, equals `expected`.
async fn expect_in_mirror(watched: &Watched, what: &str, expression: &str, expected: Value) -> Result<()> {
    let script = format!("try {{ return {expression}; }} catch (e) {{ return 'error: ' + e.message; }}");
    let last = std::sync::Mutex::new(Value::Null);
    let found = cobrowse_e2e::wait::until(what, NEXT_PAGE_TIMEOUT, || async {
        let value: Value = watched.agent.execute(&script, vec![]).await?;
        let matched = value == expected;
        *last.lock().expect("not poisoned") = value;
        Ok(matched.then_some(()))
    })
    .await;
    let last = last.into_inner().expect("not poisoned");
    found.map_err(|error| format!("{error}: the mirror shows {last}, expected {expected}").into())
}

/// The text of the mirror's element `id`, if there is one.
async fn mirror_text(agent_browser: &Browser, id: &str) -> Result<Option<String>> {
    let script = format!(
        "var d = {MIRROR_DOCUMENT}; var e = d && d.getElementById(arguments[0]); return e ? e.textContent : null;"
    );
    agent_browser.execute(&script, vec![Value::from(id)]).await
}

/// The mirror's `#page-name` text.
async fn mirror_page_name(agent_browser: &Browser) -> Result<Option<String>> {
    let script = format!(
        "var d = {MIRROR_DOCUMENT}; var e = d && d.getElementById('page-name'); return e ? e.textContent : null;"
    );
    agent_browser.execute(&script, vec![]).await
}
