//! Chrome DevTools Protocol commands through chromedriver's `POST /session/{id}/goog/cdp/execute`, for
//! what WebDriver cannot do: bringing a tab to the front, emulating focus, running a script in every new
//! document before the page's own.
//!
//! chromedriver is on loopback, so this is a plain HTTP/1.1 request on a fresh connection.

use crate::browser::Browser;
use serde_json::{json, Value};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long chromedriver may take to answer one command.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(10);

/// Runs the CDP `command` with `params` in `browser`'s current window (tab) and returns its result.
pub async fn execute(browser: &Browser, command: &str, params: Value) -> crate::error::Result<Value> {
    let session = browser
        .client()
        .session_id()
        .await?
        .ok_or_else(|| format!("{}: no WebDriver session for CDP {command}", browser.label))?;
    let body = json!({ "cmd": command, "params": params }).to_string();
    let path = format!("/session/{session}/goog/cdp/execute");
    let answer = tokio::time::timeout(COMMAND_TIMEOUT, post(browser.driver_url(), &path, &body))
        .await
        .map_err(|_| format!("{}: CDP {command} had no answer after {COMMAND_TIMEOUT:?}", browser.label))??;
    let answer: Value = serde_json::from_str(&answer)
        .map_err(|error| format!("{}: CDP {command} answered what is not JSON ({error}): {answer}", browser.label))?;
    if let Some(error) = answer.get("value").and_then(|value| value.get("error")) {
        return Err(format!("{}: CDP {command} failed: {error}: {}", browser.label, answer["value"]).into());
    }
    Ok(answer.get("value").cloned().unwrap_or(Value::Null))
}

/// `Page.bringToFront`: makes the current tab the one shown (visible, focused) in its window.
pub async fn bring_to_front(browser: &Browser) -> crate::error::Result<()> {
    execute(browser, "Page.bringToFront", json!({})).await.map(|_| ())
}

/// `Emulation.setFocusEmulationEnabled`: the current tab behaves as focused even when it is not.
pub async fn emulate_focus(browser: &Browser, enabled: bool) -> crate::error::Result<()> {
    execute(browser, "Emulation.setFocusEmulationEnabled", json!({ "enabled": enabled })).await.map(|_| ())
}

/// `Page.addScriptToEvaluateOnNewDocument`: `source` runs in every document the current tab loads from now
/// on, before the page's own scripts.
pub async fn run_before_every_page(browser: &Browser, source: &str) -> crate::error::Result<()> {
    execute(browser, "Page.addScriptToEvaluateOnNewDocument", json!({ "source": source })).await.map(|_| ())
}

/// `POST path` with a JSON `body` to `http://127.0.0.1:PORT`; returns the response body.
async fn post(base: &str, path: &str, body: &str) -> crate::error::Result<String> {
    let host = base.strip_prefix("http://").ok_or_else(|| format!("chromedriver is not at an http:// URL: {base}"))?;
    let mut stream = TcpStream::connect(host).await?;
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await?;
    // chromedriver may keep the connection open despite `Connection: close`: read what the head announces.
    let mut response = Vec::new();
    let mut buffer = [0u8; 8192];
    loop {
        if let Some(body) = complete_body(&response) {
            return Ok(body);
        }
        let read = stream.read(&mut buffer).await?;
        if read == 0 {
            let text = String::from_utf8_lossy(&response).into_owned();
            let (_, body) = text.split_once("\r\n\r\n").ok_or("chromedriver's answer has no body")?;
            return Ok(body.to_string());
        }
        response.extend_from_slice(&buffer[..read]);
    }
}

/// The body, once `response` holds all of it (by `Content-Length`, or a chunked body's last chunk).
fn complete_body(response: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(response);
    let (head, body) = text.split_once("\r\n\r\n")?;
    let head = head.to_ascii_lowercase();
    if head.contains("transfer-encoding: chunked") {
        return body
            .contains("\r\n0\r\n\r\n")
            .then(|| dechunk(body))
            .or_else(|| body.starts_with("0\r\n\r\n").then(String::new));
    }
    let length: usize = head.lines().find_map(|line| line.strip_prefix("content-length:"))?.trim().parse().ok()?;
    (body.len() >= length).then(|| body[..length].to_string())
}

/// The body of a `Transfer-Encoding: chunked` response.
fn dechunk(mut rest: &str) -> String {
    let mut body = String::new();
    while let Some((size, after)) = rest.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else { break };
        if size == 0 || after.len() < size {
            break;
        }
        body.push_str(&after[..size]);
        rest = after[size..].trim_start_matches("\r\n");
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_is_complete_by_its_length() {
        assert_eq!(complete_body(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n{\"a\""), None);
        assert_eq!(
            complete_body(b"HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n{\"a\":1}").as_deref(),
            Some("{\"a\":1}")
        );
    }

    #[test]
    fn a_chunked_body_is_joined() {
        assert_eq!(dechunk("4\r\n{\"va\r\n6\r\nlue\":1\r\n1\r\n}\r\n0\r\n\r\n"), "{\"value\":1}");
    }
}
