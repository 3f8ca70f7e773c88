//! The agent's side: the viewer page at `/agent/`, signing in, joining, and the status it shows.

use crate::browser::Browser;
use serde::Deserialize;
use serde_json::Value;
use std::time::Duration;

/// How long joining may take, from the click to a live mirror.
pub const JOIN_TIMEOUT: Duration = Duration::from_secs(20);

/// What `#cobrowse-status` shows.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Status {
    /// `data-state`: idle, connecting, live, ended, disconnected or error.
    pub state: Option<String>,
    /// The status element's text.
    pub text: String,
}

/// Opens the viewer page, fills in the sign-in form and clicks `#join`, without waiting for the outcome.
pub async fn submit_join(
    browser: &Browser,
    agent_url: &str,
    name: &str,
    password: &str,
    key: &str,
) -> crate::error::Result<()> {
    browser.goto(agent_url).await?;
    let ready = || async {
        let ready: bool =
            browser.execute("var b = document.getElementById('join'); return !!b && !b.disabled;", vec![]).await?;
        Ok(ready.then_some(()))
    };
    crate::wait::until(&format!("{}: an enabled #join button", browser.label), JOIN_TIMEOUT, ready).await?;
    for (css, text) in [("#agent-name", name), ("#agent-password", password), ("#session-key", key)] {
        browser
            .find(css)
            .await?
            .clear()
            .await
            .map_err(|error| format!("{}: cannot clear {css}: {error}", browser.label))?;
        browser.type_into(css, text).await?;
    }
    browser.click("#join").await
}

/// Joins the session `key` as `name` with the right password and waits until the mirror is live.
pub async fn join(browser: &Browser, agent_url: &str, name: &str, key: &str) -> crate::error::Result<()> {
    submit_join(browser, agent_url, name, crate::relay::AGENT_PASSWORD, key).await?;
    let status = wait_for_state(browser, &["live", "error", "ended", "disconnected"], JOIN_TIMEOUT).await?;
    if status.state.as_deref() != Some("live") {
        return Err(
            format!("{}: joining {key} ended in state {:?}: {:?}", browser.label, status.state, status.text).into()
        );
    }
    Ok(())
}

/// The viewer's status now.
pub async fn status(browser: &Browser) -> crate::error::Result<Status> {
    let script = r#"
        var s = document.getElementById('cobrowse-status');
        return s ? { state: s.getAttribute('data-state'), text: s.textContent.trim() } : { state: null, text: '' };
    "#;
    browser.execute(script, vec![]).await
}

/// Waits until `#cobrowse-status[data-state]` is one of `states`, and returns the status.
pub async fn wait_for_state(browser: &Browser, states: &[&str], timeout: Duration) -> crate::error::Result<Status> {
    let what = format!("{}: #cobrowse-status[data-state] in {states:?}", browser.label);
    let found = crate::wait::until(&what, timeout, || async {
        let status = status(browser).await?;
        let done = status.state.as_deref().is_some_and(|state| states.contains(&state));
        Ok(done.then_some(status))
    })
    .await;
    match found {
        Ok(status) => Ok(status),
        Err(error) => {
            let now = status(browser).await.unwrap_or_default();
            Err(format!("{error}; it shows state {:?}, text {:?}", now.state, now.text).into())
        }
    }
}

/// `window.cobrowseViewer`'s counters (frames applied, times out of step, rules refused), if the viewer
/// exposes them.
pub async fn viewer_counters(browser: &Browser) -> crate::error::Result<Value> {
    let script = r#"
        var v = window.cobrowseViewer;
        return v ? { framesApplied: v.framesApplied, outOfStep: v.outOfStep, rejectedRules: v.rejectedRules } : null;
    "#;
    browser.execute(script, vec![]).await
}
