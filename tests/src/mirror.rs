//! The central assertion: an agent's mirror shows what the visitor sees, checked by polling both.
//!
//! The page keeps changing by itself (a clock, a counter), and the mirror lags the visitor by a frame's
//! trip, so a single look may catch them a tick apart: the trees are read again until they agree or the
//! timeout passes, and then the differences are printed.

use crate::browser::Browser;
use crate::compare::{differences, report, Difference};
use crate::tree::{self, Role};
use std::time::{Duration, Instant};

/// The usual time a mirror gets to catch up.
pub const MIRROR_TIMEOUT: Duration = Duration::from_secs(10);
/// How many differences a failure lists.
const SHOWN_DIFFERENCES: usize = 25;

/// How a successful comparison went.
#[derive(Debug, Clone, Copy)]
pub struct Agreement {
    /// Elements in the visitor's canonical tree.
    pub elements: usize,
    /// How long until the trees agreed.
    pub after: Duration,
}

/// Waits until `agent`'s mirror equals `visitor`'s page; on timeout, fails with the differences.
pub async fn assert_mirrors(visitor: &Browser, agent: &Browser, timeout: Duration) -> crate::error::Result<Agreement> {
    let started = Instant::now();
    let mut last: Result<Vec<Difference>, String>;
    loop {
        last = compare_once(visitor, agent).await;
        match &last {
            Ok(found) if found.is_empty() => break,
            _ if started.elapsed() >= timeout => break,
            _ => tokio::time::sleep(crate::wait::POLL_INTERVAL).await,
        }
    }
    match last {
        Ok(found) if found.is_empty() => {
            let elements = tree::read(visitor, Role::Visitor).await?.root.count();
            Ok(Agreement { elements, after: started.elapsed() })
        }
        Ok(found) => Err(failure(visitor, agent, timeout, &found).await.into()),
        Err(error) => Err(format!("{}'s mirror could not be read after {timeout:?}: {error}", agent.label).into()),
    }
}

/// One comparison: the visitor's tree, the mirror's, and the visitor's again (the mirror may show either).
async fn compare_once(visitor: &Browser, agent: &Browser) -> Result<Vec<Difference>, String> {
    let before = tree::read(visitor, Role::Visitor).await.map_err(|e| e.to_string())?;
    let mirror = tree::read(agent, Role::Mirror).await.map_err(|e| e.to_string())?;
    let found = differences(&before.root, &mirror.root);
    if found.is_empty() {
        return Ok(found);
    }
    let after = tree::read(visitor, Role::Visitor).await.map_err(|e| e.to_string())?;
    let again = differences(&after.root, &mirror.root);
    Ok(if again.len() < found.len() { again } else { found })
}

async fn failure(visitor: &Browser, agent: &Browser, timeout: Duration, found: &[Difference]) -> String {
    let status = crate::agent::status(agent).await.unwrap_or_default();
    let counters = crate::agent::viewer_counters(agent).await.map(|v| v.to_string()).unwrap_or_default();
    format!(
        "{}'s mirror still differs from the {}'s page after {timeout:?} ({} differences; viewer status {:?} {:?}, \
         window.cobrowseViewer {counters}):\n{}",
        agent.label,
        visitor.label,
        found.len(),
        status.state,
        status.text,
        report(found, SHOWN_DIFFERENCES)
    )
}
