//! The floor of a late agent's join, for the `join` section: the agent's browser building and showing the
//! visitor's page natively from its markup (`js/native_load.js`: the page's HTML, end marker included, as
//! the `srcdoc` of a frame sandboxed as the mirror is, no script running), timed from the markup set to
//! the frame loaded and then to the next animation frame rendered. Any mirror must build that DOM and lay
//! it out and paint it at least once; the browser's own parser builds a DOM faster than script can, so no
//! mirror built by script shows the whole page sooner. The markup is read from the visitor's page after
//! rrweb's recorder ran there (`document.documentElement.outerHTML`, its doctype before it) and handed
//! through WebDriver (not counted).

use crate::page_change_site::END_MARKER_ID;
use crate::page_server::{PageServer, BLANK_PATH};
use crate::webdriver::page_answer;
use cobrowse_e2e::Browser;
use serde::Deserialize;
use serde_json::json;
use std::time::Duration;

const NATIVE_LOAD: &str = include_str!("js/native_load.js");
/// The visitor's page as markup, its doctype first (as `<!DOCTYPE html>`, standards mode, as the pages are).
const PAGE_MARKUP: &str =
    "return (document.doctype ? '<!DOCTYPE ' + document.doctype.name + '>' : '') + document.documentElement.outerHTML;";

/// How long the frame may take to load the page.
const LOAD_TIMEOUT: Duration = Duration::from_secs(120);

/// One native load of the page's markup, in ms from the markup set.
#[derive(Debug, Clone, Copy)]
pub struct NativeLoad {
    /// The whole page shown (the frame loaded, then its next animation frame rendered).
    pub whole_shown: f64,
}

#[derive(Deserialize)]
struct Loaded {
    start: f64,
    shown: f64,
}

/// The markup of the page `visitor` shows now.
pub async fn markup(visitor: &Browser) -> cobrowse_e2e::Result<String> {
    visitor.execute(PAGE_MARKUP, vec![]).await
}

/// Loads `markup` natively in a frame of a fresh blank page of `agent`.
pub async fn load(server: &PageServer, agent: &Browser, markup: &str) -> cobrowse_e2e::Result<NativeLoad> {
    agent.goto(&server.url(BLANK_PATH)).await?;
    let timeout = LOAD_TIMEOUT.as_millis() as u64;
    let arguments = vec![json!(markup), json!(END_MARKER_ID), json!(timeout)];
    let loaded: Loaded = page_answer(agent.execute_async(NATIVE_LOAD, arguments).await?, "the page's native load")?;
    Ok(NativeLoad { whole_shown: loaded.shown - loaded.start })
}
