//! The visitor's side: a customer page with the shim, and starting a session the way a site does.

use crate::browser::Browser;
use serde::Deserialize;
use serde_json::json;
use std::time::Duration;

/// How long the shim may take to load (it is `async`) and to get a key from the relay.
const SHIM_TIMEOUT: Duration = Duration::from_secs(15);

/// Opens `url` and waits until the shim has defined `window.Cobrowse`.
pub async fn open(browser: &Browser, url: &str) -> crate::error::Result<()> {
    browser.goto(url).await?;
    crate::wait::until(&format!("{}: window.Cobrowse on {url}", browser.label), SHIM_TIMEOUT, || async {
        let ready: bool = browser
            .execute("return !!(window.Cobrowse && typeof window.Cobrowse.start === 'function');", vec![])
            .await?;
        Ok(ready.then_some(()))
    })
    .await
}

#[derive(Deserialize)]
struct Started {
    key: Option<serde_json::Value>,
    error: Option<String>,
}

/// Calls `Cobrowse.start()` and returns the key it resolves to, which must be a 6-digit string.
pub async fn start_session(browser: &Browser) -> crate::error::Result<String> {
    let script = r#"
        var done = arguments[arguments.length - 1];
        Promise.resolve()
            .then(function () { return window.Cobrowse.start(); })
            .then(function (key) { done({ key: key }); },
                  function (error) { done({ error: String(error && error.message || error) }); });
    "#;
    let started: Started = browser.execute_async(script, vec![]).await?;
    match (started.key, started.error) {
        (Some(serde_json::Value::String(key)), _) if is_session_key(&key) => Ok(key),
        (Some(other), _) => Err(format!("Cobrowse.start() resolved to {other}, expected a 6-digit string").into()),
        (None, error) => Err(format!("Cobrowse.start() failed: {}", error.unwrap_or_default()).into()),
    }
}

/// Clicks `css` (an element with `data-cobrowse-start`) and returns the key the widget then shows.
pub async fn start_by_clicking(browser: &Browser, css: &str) -> crate::error::Result<String> {
    browser.click(css).await?;
    let shown = || async {
        let text: Option<String> = browser
            .execute("var k = document.getElementById('cobrowse-key'); return k ? k.textContent : null;", vec![])
            .await?;
        let digits: String = text.unwrap_or_default().chars().filter(char::is_ascii_digit).collect();
        Ok(is_session_key(&digits).then_some(digits))
    };
    let what = format!("{}: a session key in #cobrowse-key after clicking {css}", browser.label);
    crate::wait::until(&what, SHIM_TIMEOUT, shown).await
}

/// Whether `key` is six ASCII digits.
pub fn is_session_key(key: &str) -> bool {
    key.len() == 6 && key.bytes().all(|byte| byte.is_ascii_digit())
}

#[derive(Deserialize)]
struct Widget {
    widget: bool,
    ignored: bool,
    key_text: Option<String>,
    stylesheet: bool,
    /// The key's font size, as the stylesheet sets it through the shadow root's slot (34px).
    key_font: Option<String>,
    /// Shown as an open popover (the top layer: see `www/shim/widget.js`).
    in_top_layer: bool,
    /// Its distances in CSS pixels from the viewport's right and bottom edges (its corner: 16 and 16).
    corner_gap: Option<(f64, f64)>,
}

impl Widget {
    fn is_right(&self, key: &str) -> bool {
        let digits: Option<String> = self.key_text.as_ref().map(|t| t.chars().filter(char::is_ascii_digit).collect());
        let in_its_corner =
            self.corner_gap.is_some_and(|(right, bottom)| right.round() == 16.0 && bottom.round() == 16.0);
        self.widget
            && self.ignored
            && self.stylesheet
            && self.key_font.as_deref() == Some("34px")
            && self.in_top_layer
            && in_its_corner
            && digits.as_deref() == Some(key)
    }
}

/// Checks the shim's widget: `#cobrowse-widget[data-cobrowse-ignore]` showing `key` in `#cobrowse-key`, an
/// open popover in the viewport's bottom-right corner, styled by the `<link rel=stylesheet>` in its shadow
/// root (the key in its 34px font).
pub async fn check_widget(browser: &Browser, key: &str) -> crate::error::Result<()> {
    let script = r#"
        var widget = document.getElementById('cobrowse-widget');
        var keyElement = document.getElementById('cobrowse-key');
        return {
            widget: !!widget,
            ignored: !!widget && widget.hasAttribute('data-cobrowse-ignore'),
            key_text: keyElement ? keyElement.textContent : null,
            stylesheet: !!widget && !!widget.shadowRoot && !!widget.shadowRoot.querySelector('link[rel=stylesheet]'),
            key_font: keyElement ? getComputedStyle(keyElement).fontSize : null,
            in_top_layer: !!widget && widget.matches(':popover-open'),
            corner_gap: widget ? (function (box) {
                return [document.documentElement.clientWidth - box.right, document.documentElement.clientHeight - box.bottom];
            })(widget.getBoundingClientRect()) : null
        };
    "#;
    let check = || async {
        let widget: Widget = browser.execute(script, vec![]).await?;
        Ok(widget.is_right(key).then_some(()))
    };
    if crate::wait::until("the shim's widget", Duration::from_secs(5), check).await.is_ok() {
        return Ok(());
    }
    let widget: Widget = browser.execute(script, vec![]).await?;
    Err(format!(
        "the shim's widget is not right: #cobrowse-widget present {}, with data-cobrowse-ignore {}, \
         #cobrowse-key text {:?} (expected the key {key}), link[rel=stylesheet] in its shadow root present {}, \
         the key's font size {:?} (expected 34px), an open popover {}, gaps to the viewport's right and bottom \
         edges {:?} (expected 16 and 16)",
        widget.widget,
        widget.ignored,
        widget.key_text,
        widget.stylesheet,
        widget.key_font,
        widget.in_top_layer,
        widget.corner_gap
    )
    .into())
}

/// Sets the demo shop's timers going or stops them (`window.demoShop`, see `www/demo/demo.js`).
pub async fn set_demo_timers(browser: &Browser, running: bool) -> crate::error::Result<()> {
    let script = "if (window.demoShop) { arguments[0] ? window.demoShop.resume() : window.demoShop.pause(); }";
    browser.execute::<serde_json::Value>(script, vec![json!(running)]).await?;
    Ok(())
}
