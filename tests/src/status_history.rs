//! Every state the agent's viewer showed: a `MutationObserver` in the viewer page records each change of
//! `#cobrowse-status[data-state]` and `[data-tab]`, so a state shown for a few milliseconds (`navigating`
//! between two pages on loopback) is not missed by polling.

use crate::browser::Browser;
use serde::Deserialize;

/// One recorded status.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Shown {
    pub state: Option<String>,
    pub tab: Option<String>,
    /// Milliseconds since the recording started.
    pub at: u64,
}

/// Starts recording in `agent`'s viewer page (once it has joined); the current status is the first entry.
pub async fn start(agent: &Browser) -> crate::error::Result<()> {
    let script = r#"
        var status = document.getElementById('cobrowse-status');
        if (!status) return false;
        var started = Date.now();
        var history = window.__statusHistory = [];
        function record() {
            var state = status.getAttribute('data-state'), tab = status.getAttribute('data-tab');
            var last = history[history.length - 1];
            if (!last || last.state !== state || last.tab !== tab) history.push({ state: state, tab: tab, at: Date.now() - started });
        }
        record();
        new MutationObserver(record).observe(status, { attributes: true, attributeFilter: ['data-state', 'data-tab'] });
        return true;
    "#;
    let started: bool = agent.execute(script, vec![]).await?;
    if !started {
        return Err(format!("{}: no #cobrowse-status to watch", agent.label).into());
    }
    Ok(())
}

/// Everything recorded so far.
pub async fn read(agent: &Browser) -> crate::error::Result<Vec<Shown>> {
    agent.execute("return window.__statusHistory || [];", vec![]).await
}

/// How many entries there are now: a mark to read only what comes after.
pub async fn mark(agent: &Browser) -> crate::error::Result<usize> {
    Ok(read(agent).await?.len())
}

/// The entries after `mark`.
pub async fn since(agent: &Browser, mark: usize) -> crate::error::Result<Vec<Shown>> {
    Ok(read(agent).await?.into_iter().skip(mark).collect())
}

/// The states of `entries`, in order, for messages: `live → navigating → live`.
pub fn describe(entries: &[Shown]) -> String {
    let states: Vec<String> = entries
        .iter()
        .map(|shown| {
            let state = shown.state.as_deref().unwrap_or("-");
            match &shown.tab {
                Some(tab) => format!("{state}(tab {tab})@{}ms", shown.at),
                None => format!("{state}@{}ms", shown.at),
            }
        })
        .collect();
    if states.is_empty() {
        "(no change)".into()
    } else {
        states.join(" → ")
    }
}

/// Whether any entry shows `state`.
pub fn showed(entries: &[Shown], state: &str) -> bool {
    entries.iter().any(|shown| shown.state.as_deref() == Some(state))
}
