//! Random, seeded DOM mutations on the visitor's page (`js/random_mutations.js`).

use crate::browser::Browser;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The mutation script, defining `cobrowseRandomMutations(seed, count, keepIds, done)`.
pub const RANDOM_MUTATIONS_JS: &str = include_str!("js/random_mutations.js");

/// The seed: `$E2E_SEED` if set (to replay a failure), else a fixed one.
pub fn seed() -> u32 {
    std::env::var("E2E_SEED").ok().and_then(|seed| seed.parse().ok()).unwrap_or(0x00C0_B0A5)
}

/// What a run of the script did.
#[derive(Debug, Deserialize)]
pub struct Summary {
    pub applied: u32,
    pub batches: u32,
    pub skipped: u32,
    pub kinds: BTreeMap<String, u32>,
}

#[derive(Deserialize)]
struct Answer {
    #[serde(flatten)]
    summary: Option<Summary>,
    error: Option<String>,
}

/// Applies `count` random mutations to `browser`'s page, sparing the elements with ids in `keep_ids`
/// (and their ancestors) so they can be typed into afterwards.
pub async fn apply(browser: &Browser, seed: u32, count: u32, keep_ids: &[&str]) -> crate::error::Result<Summary> {
    let script = format!(
        "{RANDOM_MUTATIONS_JS}\nvar a = arguments; cobrowseRandomMutations(a[0], a[1], a[2], a[a.length - 1]);"
    );
    let answer: Value = browser.execute_async(&script, vec![json!(seed), json!(count), json!(keep_ids)]).await?;
    let answer: Answer = serde_json::from_value(answer)?;
    match (answer.error, answer.summary) {
        (Some(error), _) => Err(format!("the mutation script failed (seed {seed}): {error}").into()),
        (None, Some(summary)) if summary.applied == count => Ok(summary),
        (None, summary) => Err(format!("the mutation script did not apply {count} mutations: {summary:?}").into()),
    }
}
