//! Tabs of one browser, and which one the visitor looks at.
//!
//! WebDriver drives one tab at a time (`switch_to_window`). What headless Chromium (156, with chromedriver,
//! `--headless=new`) does, measured with a page logging its events:
//! - every tab answers `document.visibilityState == "visible"` when a script asks, even one behind another;
//! - a tab opened by WebDriver (`new_window` + switch) is not focused (`hasFocus()` false, no `focus` event)
//!   until `Page.bringToFront`, which also fires `blur` and `visibilitychange` (hidden) in the tab that
//!   was in front;
//! - switching WebDriver to an existing tab activates it: `focus` and `visibilitychange` (visible) fire
//!   there, and the other tab gets `blur` and `hidden`. So merely reading a background tab makes it the
//!   tab looked at: tests read only the tab in front.
//!
//! [`look_at`] switches and brings the tab to the front through CDP, so both paths fire.

use crate::browser::Browser;
use fantoccini::wd::WindowHandle;

/// What a tab says about itself: `document.visibilityState` and `document.hasFocus()`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct Visibility {
    pub state: String,
    pub focused: bool,
}

/// The tab WebDriver drives now.
pub async fn current(browser: &Browser) -> crate::error::Result<WindowHandle> {
    Ok(browser.client().window().await?)
}

/// Opens a new tab, switches WebDriver to it and opens `url` there; returns its handle.
pub async fn open_tab(browser: &Browser, url: &str) -> crate::error::Result<WindowHandle> {
    let opened = browser.client().new_window(true).await.map_err(|e| format!("{}: no new tab: {e}", browser.label))?;
    browser.client().switch_to_window(opened.handle.clone()).await?;
    browser.goto(url).await?;
    Ok(opened.handle)
}

/// Switches WebDriver to `tab` and makes it the tab the visitor looks at.
pub async fn look_at(browser: &Browser, tab: &WindowHandle) -> crate::error::Result<()> {
    browser.client().switch_to_window(tab.clone()).await?;
    crate::cdp::bring_to_front(browser).await
}

/// Switches WebDriver to `tab` without `Page.bringToFront` (chromedriver still activates it, see above).
pub async fn drive(browser: &Browser, tab: &WindowHandle) -> crate::error::Result<()> {
    Ok(browser.client().switch_to_window(tab.clone()).await?)
}

/// The visibility of the tab WebDriver drives now.
pub async fn visibility(browser: &Browser) -> crate::error::Result<Visibility> {
    browser.execute("return { state: document.visibilityState, focused: document.hasFocus() };", vec![]).await
}

/// Closes the tab WebDriver drives now and switches to `next`.
pub async fn close_tab(browser: &Browser, next: &WindowHandle) -> crate::error::Result<()> {
    browser.client().close_window().await?;
    Ok(browser.client().switch_to_window(next.clone()).await?)
}
