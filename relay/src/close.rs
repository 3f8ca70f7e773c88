//! How a WebSocket ends: the close code and reason the relay sends, the log line it writes, and the
//! closing handshake.
//!
//! The viewer and the shim show the reason to a person, so it says what happened and what to do. The
//! WebSocket protocol allows 123 bytes of reason; longer texts are cut at a character boundary.

use crate::tap::Peer;
use crate::websocket::WebSocket;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use std::net::SocketAddr;
use std::time::Duration;
use warp::ws::Message;

/// The most bytes of close reason the relay sends (the WebSocket limit is 123).
pub(crate) const MAX_REASON_BYTES: usize = 120;

/// How long the relay waits for the peer to take the close frame and answer it, while the peer sends
/// nothing at all.
const CLOSE_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(1);

/// How long a socket whose stream stopped reading stays open after its close frame was sent.
const LINGER_UNREAD: Duration = Duration::from_millis(500);

/// The longest the relay drains a closing peer that keeps sending.
const LINGER_LIMIT: Duration = Duration::from_secs(10);

/// A close code from [`cobrowse_protocol::close`] with the reason shown to the person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CloseReason {
    pub code: u16,
    pub reason: String,
}

impl CloseReason {
    pub fn new(code: u16, reason: impl Into<String>) -> CloseReason {
        CloseReason { code, reason: truncate(reason.into(), MAX_REASON_BYTES) }
    }
}

/// Why a peer's connection ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Ending {
    /// The peer closed the socket or the connection dropped: nothing left to say.
    PeerLeft,
    /// The peer closed the socket with 1001 "going away": a browser leaving its page (a link, a reload).
    PeerLeftPage,
    /// The relay ends it for an ordinary reason (session over, key expired, shutting down, refused).
    Close(CloseReason),
    /// The peer broke the protocol (bad frame, too large, wrong message): logged as a warning.
    BadInput(CloseReason),
}

impl Ending {
    pub fn close(code: u16, reason: impl Into<String>) -> Ending {
        Ending::Close(CloseReason::new(code, reason))
    }

    pub fn bad_input(code: u16, reason: impl Into<String>) -> Ending {
        Ending::BadInput(CloseReason::new(code, reason))
    }

    /// The close frame to send, if any.
    pub fn close_reason(&self) -> Option<&CloseReason> {
        match self {
            Ending::PeerLeft | Ending::PeerLeftPage => None,
            Ending::Close(reason) | Ending::BadInput(reason) => Some(reason),
        }
    }
}

/// Who a connection is, for log lines.
pub(crate) struct Connection<'a> {
    pub peer: &'a Peer,
    pub key: &'a str,
    pub client: SocketAddr,
}

/// Logs how the connection ends, sends the close frame (if any) and waits briefly for the peer's answer.
pub(crate) async fn finish(
    sink: &mut SplitSink<WebSocket, Message>,
    stream: &mut SplitStream<WebSocket>,
    ending: &Ending,
    who: Connection<'_>,
) {
    log_ending(ending, &who);
    if let Some(reason) = ending.close_reason() {
        send_close(sink, stream, reason).await;
    }
}

fn log_ending(ending: &Ending, who: &Connection<'_>) {
    let peer = match who.peer {
        Peer::Visitor => "visitor".to_owned(),
        Peer::Agent { name } | Peer::ToAgent { name } => format!("agent {name:?}"),
    };
    match ending {
        Ending::PeerLeft => tracing::info!(key = who.key, peer, client = %who.client, "peer left"),
        Ending::PeerLeftPage => tracing::info!(key = who.key, peer, client = %who.client, "peer left its page"),
        Ending::Close(CloseReason { code, reason }) => {
            tracing::info!(key = who.key, peer, client = %who.client, code, reason, "closing")
        }
        Ending::BadInput(CloseReason { code, reason }) => {
            tracing::warn!(key = who.key, peer, client = %who.client, code, reason, "closing after bad input")
        }
    }
}

async fn send_close(
    sink: &mut SplitSink<WebSocket, Message>,
    stream: &mut SplitStream<WebSocket>,
    reason: &CloseReason,
) {
    let handshake = async {
        if sink.send(Message::close_with(reason.code, reason.reason.clone())).await.is_err() {
            return;
        }
        if !drain_until_closed(stream).await {
            // The stream gave up reading (after a frame too large, tungstenite reads no more): keep the
            // socket open a moment, unread, so the peer reads the close frame before the reset comes.
            tokio::time::sleep(LINGER_UNREAD).await;
        }
    };
    let _ = tokio::time::timeout(LINGER_LIMIT, handshake).await;
}

/// Reads (and drops) what the peer still sends until its answering close, the end of the stream, or
/// [`CLOSE_HANDSHAKE_TIMEOUT`] without a byte: the rest of a frame that was too large, garbage after a
/// malformed one. A peer still sending cannot answer the close before it is done (its close frame is
/// queued behind its message), and dropping a socket with unread bytes makes the kernel answer with a
/// reset, which a browser still sending reports as 1006 instead of the code sent. [`LINGER_LIMIT`] bounds
/// the whole drain.
/// True if the peer answered the close or hung up; false if the stream stopped reading first.
async fn drain_until_closed(stream: &mut SplitStream<WebSocket>) -> bool {
    const MAX_READ_ERRORS: usize = 1024;
    let mut errors = 0;
    while let Ok(Some(read)) = tokio::time::timeout(CLOSE_HANDSHAKE_TIMEOUT, stream.next()).await {
        match read {
            Ok(message) if message.is_close() => return true,
            Ok(_) => {}
            Err(error) if is_closed(&error) => return true,
            Err(_) => {
                errors += 1;
                if errors > MAX_READ_ERRORS {
                    return false;
                }
            }
        }
    }
    false
}

/// Whether a read error means the connection is gone (nothing left to drain).
fn is_closed(error: &crate::websocket::Error) -> bool {
    use tungstenite::error::Error;
    matches!(error, Error::ConnectionClosed | Error::AlreadyClosed | Error::Io(_))
}

/// `text` cut to at most `max` bytes, at a character boundary.
fn truncate(mut text: String, max: usize) -> String {
    if text.len() > max {
        let mut end = max;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

/// "10 minutes", "90 seconds", "0.5 seconds".
pub(crate) fn describe_duration(duration: Duration) -> String {
    let seconds = duration.as_secs();
    match seconds {
        0 => format!("{} seconds", duration.as_secs_f64()),
        60 => "1 minute".into(),
        _ if seconds % 60 == 0 => format!("{} minutes", seconds / 60),
        _ => format!("{seconds} seconds"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_cut_to_the_websocket_limit_at_a_character_boundary() {
        let reason = CloseReason::new(1007, "é".repeat(100));
        assert!(reason.reason.len() <= MAX_REASON_BYTES);
        assert_eq!(reason.reason.len(), 120);
        let reason = CloseReason::new(1007, format!("a{}", "é".repeat(100)));
        assert_eq!(reason.reason.len(), 119);
        assert_eq!(CloseReason::new(1000, "short").reason, "short");
    }
}
