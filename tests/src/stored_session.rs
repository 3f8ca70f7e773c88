//! The session the shim keeps per tab in `sessionStorage` (`cobrowse.session`: `{key, secret}`; and the
//! tab id `cobrowse.tab`), read and planted by tests: to check the secret, and to try resuming with a
//! copied, forged or ended one.

use crate::browser::Browser;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The `sessionStorage` item holding `{key, secret}`.
pub const SESSION_ITEM: &str = "cobrowse.session";
/// The `sessionStorage` item holding the tab id.
pub const TAB_ITEM: &str = "cobrowse.tab";

/// What the shim stored for its session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredSession {
    pub key: String,
    pub secret: String,
}

/// The raw `cobrowse.session` item of the tab WebDriver drives, if any.
pub async fn raw(browser: &Browser) -> crate::error::Result<Option<String>> {
    browser.execute("return sessionStorage.getItem(arguments[0]);", vec![json!(SESSION_ITEM)]).await
}

/// The stored session, if any; an error if the item is there but is not `{key, secret}` JSON.
pub async fn read(browser: &Browser) -> crate::error::Result<Option<StoredSession>> {
    let Some(text) = raw(browser).await? else {
        return Ok(None);
    };
    let stored = serde_json::from_str(&text).map_err(|error| {
        format!("{}: sessionStorage[{SESSION_ITEM:?}] is not {{key, secret}} JSON ({error}): {text}", browser.label)
    })?;
    Ok(Some(stored))
}

/// Waits until the shim has stored its session (it does so once the relay answered).
pub async fn wait_for(browser: &Browser) -> crate::error::Result<StoredSession> {
    let what = format!("{}: a session in sessionStorage[{SESSION_ITEM:?}]", browser.label);
    crate::wait::until(&what, std::time::Duration::from_secs(10), || read(browser)).await
}

/// Puts `stored` into the tab's `sessionStorage`, as a copied or forged session would be.
pub async fn plant(browser: &Browser, stored: &StoredSession) -> crate::error::Result<()> {
    let text = serde_json::to_string(stored)?;
    browser
        .execute::<serde_json::Value>(
            "sessionStorage.setItem(arguments[0], arguments[1]);",
            vec![json!(SESSION_ITEM), json!(text)],
        )
        .await?;
    Ok(())
}

/// The tab id the shim keeps, if any.
pub async fn tab_id(browser: &Browser) -> crate::error::Result<Option<String>> {
    browser.execute("return sessionStorage.getItem(arguments[0]);", vec![json!(TAB_ITEM)]).await
}

/// Whether `secret` is at least 128 bits written in hex (32 or more hex digits).
pub fn is_strong_secret(secret: &str) -> bool {
    secret.len() >= 32 && secret.bytes().all(|byte| byte.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_strong_secret_has_32_hex_digits_or_more() {
        assert!(is_strong_secret(&"ab".repeat(32)));
        assert!(is_strong_secret(&"0f".repeat(16)));
        assert!(!is_strong_secret(&"0f".repeat(15)), "120 bits is too few");
        assert!(!is_strong_secret(&"zz".repeat(32)), "not hex");
        assert!(!is_strong_secret(""));
    }
}
