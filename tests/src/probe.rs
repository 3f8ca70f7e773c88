//! Probes: one small script run against the visitor's document and against the mirror's, whose answers
//! must agree. For focused checks the canonical tree does not cover (a computed style, an image's natural
//! size, a font's status, a shadow root's or a frame's content).
//!
//! The script is a function body in which `doc` is the document (the visitor's own, or the mirror iframe's)
//! and returns any JSON value. The visitor's answer is first checked against what the page is known to
//! show (so a broken page fails as such, not as a mirror fault); then the mirror is polled until it
//! answers the same.

use crate::browser::Browser;
use crate::tree::MIRROR_DOCUMENT;
use serde_json::Value;
use std::time::Duration;

/// How long the mirror gets to show what the visitor's page shows.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(10);

/// Runs `body` with `doc` bound to the visitor's document (`mirror: false`) or the mirror's.
pub async fn run(browser: &Browser, mirror: bool, body: &str) -> crate::error::Result<Value> {
    let document = if mirror { MIRROR_DOCUMENT } else { "document" };
    let script = format!("var doc = {document}; if (!doc) return null; return (function (doc) {{ {body} }})(doc);");
    browser.execute(&script, vec![]).await
}

/// Checks that the visitor's page answers `expected` to `body`, then waits until the mirror answers the
/// same; `what` names the check in failures.
pub async fn assert_mirror_agrees(
    visitor: &Browser,
    agent: &Browser,
    what: &str,
    body: &str,
    expected: &Value,
) -> crate::error::Result<()> {
    let on_page = run(visitor, false, body).await?;
    if on_page != *expected {
        return Err(format!(
            "{what}: the visitor's page itself answers {on_page}, not {expected}: the test page is broken, fix it first"
        )
        .into());
    }
    let last = std::sync::Mutex::new(Value::Null);
    let agrees = crate::wait::until(what, PROBE_TIMEOUT, || async {
        let answer = run(agent, true, body).await?;
        let same = answer == on_page;
        *last.lock().expect("not poisoned") = answer;
        Ok(same.then_some(()))
    })
    .await;
    let last = last.into_inner().expect("not poisoned");
    agrees.map_err(|_| {
        format!("{what}: the mirror answers {last} after {PROBE_TIMEOUT:?}; the visitor's page {on_page}").into()
    })
}
