//! Everything an agent's viewer receives on its WebSockets, recorded in the viewer page and decoded here,
//! to check that something (the visitor's resume secret) never reaches an agent.
//!
//! [`record`] makes every page the agent's browser loads from then on wrap `WebSocket` before the page's
//! own scripts run (CDP `Page.addScriptToEvaluateOnNewDocument`): each message received is kept, in
//! base64, per socket. [`audit`] decodes them with one decoder per socket, as the viewer does.

use crate::browser::Browser;
use crate::frames::{Audit, Recording};
use cobrowse_relay::{Peer, ReceivedFrame};

/// Installed before every page: keeps each received message as `[socket number, base64 or text]`.
const RECORDER_JS: &str = r#"
(function () {
  var Native = window.WebSocket;
  if (!Native || Native.__recorded) return;
  var received = window.__agentReceived = [];
  var sockets = 0;
  function base64(buffer) {
    var bytes = new Uint8Array(buffer), text = "";
    for (var i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
    return btoa(text);
  }
  function Recorded(url, protocols) {
    var socket = protocols === undefined ? new Native(url) : new Native(url, protocols);
    var number = ++sockets;
    socket.addEventListener("message", function (event) {
      if (typeof event.data === "string") received.push([number, "text", event.data]);
      else if (event.data instanceof ArrayBuffer) received.push([number, "binary", base64(event.data)]);
      else if (event.data && event.data.arrayBuffer) {
        var entry = [number, "binary", ""];
        received.push(entry);
        event.data.arrayBuffer().then(function (buffer) { entry[2] = base64(buffer); });
      }
    });
    return socket;
  }
  Recorded.prototype = Native.prototype;
  ["CONNECTING", "OPEN", "CLOSING", "CLOSED"].forEach(function (name) { Recorded[name] = Native[name]; });
  Recorded.__recorded = true;
  window.WebSocket = Recorded;
})();
"#;

/// One received message.
#[derive(Debug, Clone)]
pub struct Received {
    /// Which socket of the page (1 = the first opened).
    pub socket: u32,
    pub bytes: Vec<u8>,
}

/// From now on, every page `agent` loads records what its sockets receive.
pub async fn record(agent: &Browser) -> crate::error::Result<()> {
    crate::cdp::run_before_every_page(agent, RECORDER_JS).await
}

/// What the current page's sockets received so far.
pub async fn read(agent: &Browser) -> crate::error::Result<Vec<Received>> {
    let entries: Option<Vec<(u32, String, String)>> =
        agent.execute("return window.__agentReceived || null;", vec![]).await?;
    let entries = entries
        .ok_or_else(|| format!("{}: the page records no WebSocket messages (call record() first)", agent.label))?;
    entries
        .into_iter()
        .map(|(socket, kind, data)| {
            let bytes = if kind == "binary" { decode_base64(&data)? } else { data.into_bytes() };
            Ok(Received { socket, bytes })
        })
        .collect()
}

/// The messages decoded with one decoder per socket (an [`Audit`] whose frames are marked as the agent's).
pub fn audit(received: &[Received]) -> Audit {
    let frames = received
        .iter()
        .map(|message| ReceivedFrame {
            session_key: format!("agent socket {}", message.socket),
            from: Peer::Agent { name: format!("socket {}", message.socket) },
            bytes: message.bytes.clone().into(),
        })
        .collect();
    Audit::of(&Recording { frames, lagged: 0 })
}

/// Standard base64 (with padding) to bytes.
fn decode_base64(text: &str) -> crate::error::Result<Vec<u8>> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bytes = Vec::with_capacity(text.len() * 3 / 4);
    let mut bits: u32 = 0;
    let mut count = 0;
    for character in text.bytes().filter(|&c| c != b'=') {
        let value = ALPHABET.iter().position(|&a| a == character).ok_or("not base64")? as u32;
        bits = (bits << 6) | value;
        count += 6;
        if count >= 8 {
            count -= 8;
            bytes.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_decodes() {
        assert_eq!(decode_base64("aGVsbG8=").unwrap(), b"hello");
        assert_eq!(decode_base64("AP8=").unwrap(), vec![0, 255]);
        assert_eq!(decode_base64("").unwrap(), Vec::<u8>::new());
        assert!(decode_base64("a*").is_err());
    }
}
