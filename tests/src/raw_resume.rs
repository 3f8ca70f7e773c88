//! A resume attempt on the wire, without the shim: from a page in the browser (so the relay sees that
//! page's `Origin`), a WebSocket to `/ws/visitor?site=SITE&tab=TAB&resume=1` whose first message is
//! `Control::Resume { key, secret }`, encoded by the protocol crate. What the relay does with it (a
//! `SessionStarted`, or a close and its code) is the outcome.
//!
//! The shim may never send some resumes (it keeps no session without a secret), so this is how a test
//! checks the relay itself refuses the key alone, a wrong secret, or a copied one from another origin.

use crate::browser::Browser;
use cobrowse_protocol::control::Control;
use cobrowse_protocol::message::encode_control;
use serde::Deserialize;
use serde_json::json;

/// What the relay answered.
#[derive(Debug, Clone, Deserialize)]
pub struct Outcome {
    /// How many messages the relay sent before closing (a `SessionStarted` would be the first).
    pub messages: u32,
    /// The close code, if the relay closed the socket within the wait.
    pub close_code: Option<u16>,
    pub close_reason: Option<String>,
}

impl Outcome {
    /// Refused: closed with `RESUME_REFUSED` and nothing sent first.
    pub fn is_refused(&self) -> bool {
        self.messages == 0 && self.close_code == Some(cobrowse_protocol::close::RESUME_REFUSED)
    }
}

/// From the page `browser` shows, tries to resume `key` with `secret` through the relay at `relay_origin`.
pub async fn attempt(browser: &Browser, relay_origin: &str, key: &str, secret: &str) -> crate::error::Result<Outcome> {
    let frame = encode_control(&Control::Resume { key: key.into(), secret: secret.into() });
    let url = format!(
        "{}/ws/visitor?site={}&tab=intruder{}&resume=1",
        relay_origin.replacen("http", "ws", 1),
        crate::relay::SITE_ID,
        std::process::id()
    );
    let script = r#"
        var done = arguments[arguments.length - 1];
        var outcome = { messages: 0, close_code: null, close_reason: null };
        var socket = new WebSocket(arguments[0]);
        socket.binaryType = 'arraybuffer';
        var frame = new Uint8Array(arguments[1]);
        socket.onopen = function () { socket.send(frame); };
        socket.onmessage = function () { outcome.messages += 1; };
        socket.onclose = function (event) { outcome.close_code = event.code; outcome.close_reason = event.reason; done(outcome); };
        setTimeout(function () { try { socket.close(); } catch (e) {} done(outcome); }, 5000);
    "#;
    browser.execute_async(script, vec![json!(url), json!(frame)]).await
}
