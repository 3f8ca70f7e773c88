//! Reading frames off a WebSocket: binary messages only, within the size limit.
//!
//! Anything else ends the connection with a code that says what was wrong: a text message or a protocol
//! violation is a malformed frame (1007), a message over `max_frame_bytes` is too large (1009; tungstenite
//! stops reading it at the header, so it never fills memory).

use crate::close::{describe_duration, Ending};
use crate::heartbeat::Heard;
use crate::websocket::{self, WebSocket};
use bytes::Bytes;
use cobrowse_protocol::close;
use cobrowse_protocol::message::decode_control;
use cobrowse_protocol::{frame, Control, FrameKind};
use futures_util::stream::SplitStream;
use futures_util::StreamExt;
use std::time::Duration;

/// The next binary message, or how the connection ends. Every message read, pongs included, is noted in
/// `heard` (see `heartbeat.rs`).
pub(crate) async fn next_frame(
    stream: &mut SplitStream<WebSocket>,
    max_frame_bytes: usize,
    heard: &Heard,
) -> Result<Bytes, Ending> {
    loop {
        let message = match stream.next().await {
            None => return Err(Ending::PeerLeft),
            Some(Err(error)) => return Err(ending_for_read_error(&error, max_frame_bytes)),
            Some(Ok(message)) => message,
        };
        heard.heard();
        if message.is_binary() {
            return Ok(message.into_bytes());
        }
        if message.is_text() {
            return Err(Ending::bad_input(close::MALFORMED_FRAME, "expected binary frames, got a text message"));
        }
        if message.is_close() {
            let leaving_page = message.close_frame().is_some_and(|(code, _)| code == close::GOING_AWAY);
            return Err(if leaving_page { Ending::PeerLeftPage } else { Ending::PeerLeft });
        }
        // Pings are answered by tungstenite itself; pongs only prove the peer is there (noted above).
    }
}

/// The first frame of a connection, which must come within `timeout`; `expected` names the message it
/// must be (`Join`, `Resume`), for the close reason.
pub(crate) async fn first_frame(
    stream: &mut SplitStream<WebSocket>,
    max_frame_bytes: usize,
    heard: &Heard,
    timeout: Duration,
    expected: &str,
) -> Result<Bytes, Ending> {
    match tokio::time::timeout(timeout, next_frame(stream, max_frame_bytes, heard)).await {
        Ok(first) => first,
        Err(_elapsed) => Err(Ending::bad_input(
            close::FIRST_MESSAGE_TIMEOUT,
            format!("no {expected} within {} of connecting; connect again", describe_duration(timeout)),
        )),
    }
}

/// The control message a connection's first frame holds; a page or asset frame there is refused, saying
/// it should have been `expected`.
pub(crate) fn first_control(first: &Bytes, expected: &str) -> Result<Control, Ending> {
    match frame::parse(first) {
        Err(error) => Err(Ending::bad_input(close::MALFORMED_FRAME, error.to_string())),
        Ok((FrameKind::Control, _)) => {
            decode_control(first).map_err(|error| Ending::bad_input(close::MALFORMED_FRAME, error.to_string()))
        }
        Ok((kind, _)) => Err(Ending::bad_input(
            close::UNEXPECTED_MESSAGE,
            format!("the first message must be {expected}, not a {kind:?} frame"),
        )),
    }
}

fn ending_for_read_error(error: &websocket::Error, max_frame_bytes: usize) -> Ending {
    use tungstenite::error::{CapacityError, Error, ProtocolError};
    match error {
        Error::Protocol(ProtocolError::ResetWithoutClosingHandshake) => Ending::PeerLeft,
        Error::Capacity(CapacityError::MessageTooLong { size, .. }) => Ending::bad_input(
            close::FRAME_TOO_LARGE,
            format!("a frame of {size} bytes is over the relay's limit of {max_frame_bytes} bytes"),
        ),
        Error::Protocol(problem) => {
            Ending::bad_input(close::MALFORMED_FRAME, format!("WebSocket protocol error: {problem}"))
        }
        Error::Utf8(_) => Ending::bad_input(close::MALFORMED_FRAME, "expected binary frames, got invalid text"),
        _ => {
            tracing::debug!(%error, "connection lost");
            Ending::PeerLeft
        }
    }
}
