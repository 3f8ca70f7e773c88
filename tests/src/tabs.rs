//! Tabs of one browser, and which one the visitor looks at.
//!
//! WebDriver drives one tab at a time (`switch_to_window`), but switching does not by itself make the tab
//! the one shown: what headless Chromium reports as `document.visibilityState` after a switch is read by
//! [`visibility`], and [`look_at`] also brings the tab to the front through CDP (`Page.bringToFront`),
//! which hides the other tabs of the window and fires their `visibilitychange`.

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

/// Switches WebDriver to `tab` without bringing it to the front.
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
