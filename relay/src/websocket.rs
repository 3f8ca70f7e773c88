//! The relay's WebSocket: tungstenite over a hyper upgrade, with buffers sized for many idle sockets.
//!
//! Measured under `cargo xtask load`, most of a session's memory beyond its kept state was tungstenite's
//! buffers at their defaults (warp 0.4 cannot change them): a 128 KiB read buffer per socket, zeroed and so
//! resident, and a write buffer that grows to the largest message sent (an agent's 200 KB snapshot) and
//! never shrinks. Here every socket reads through [`READ_BUFFER_BYTES`], and a binary message longer than
//! [`FRAGMENT_BYTES`] is sent as a fragmented message (RFC 6455 §5.4: a first frame, continuation frames,
//! reassembled by the browser into one message), one fragment at a time, so the write buffer never holds
//! more than one fragment.
//!
//! The handlers keep warp's [`Message`]; this type converts at the edge (binary payloads are shared
//! `Bytes`, never copied). Read errors are tungstenite's own.

use bytes::Bytes;
use futures_util::{Sink, Stream};
use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use tokio_tungstenite_warp::WebSocketStream;
use tungstenite::protocol::frame::coding::{Data, OpCode};
use tungstenite::protocol::frame::{CloseFrame, Frame};
use tungstenite::protocol::WebSocketConfig;
use warp::ws::Message;

/// The bytes a socket reads at a time (tungstenite's default is 128 KiB, allocated and zeroed per socket).
/// tungstenite zeroes this much of its buffer before every read, the one that finds nothing to read too:
/// with 8 KiB that zeroing was 7% of the relay's CPU under `cargo xtask load`. Deltas are about 1 KB and
/// fit in one read; a snapshot is read in several reads into a buffer reserved for its whole length.
pub(crate) const READ_BUFFER_BYTES: usize = 2 * 1024;

/// The longest frame the relay sends: longer binary messages go as fragments of this size.
pub(crate) const FRAGMENT_BYTES: usize = 16 * 1024;

/// The error a socket reports.
pub(crate) type Error = tungstenite::Error;

/// One upgraded WebSocket connection.
pub(crate) struct WebSocket {
    inner: WebSocketStream<TokioIo<Upgraded>>,
    /// The fragments of a long message not yet handed to tungstenite.
    fragments: VecDeque<Frame>,
}

/// How every relay socket is set up: small reads, writes passed straight to the socket, and messages (and
/// frames) over `max_message_bytes` refused at their header.
pub(crate) fn config(max_message_bytes: usize) -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(READ_BUFFER_BYTES)
        .write_buffer_size(0)
        .max_message_size(Some(max_message_bytes))
        .max_frame_size(Some(max_message_bytes))
}

impl WebSocket {
    pub(crate) fn new(inner: WebSocketStream<TokioIo<Upgraded>>) -> WebSocket {
        WebSocket { inner, fragments: VecDeque::new() }
    }

    /// Hands tungstenite the waiting fragments, one whenever it has written the one before.
    fn poll_send_fragments(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        while let Some(fragment) = self.fragments.pop_front() {
            if Pin::new(&mut self.inner).poll_ready(cx)?.is_pending() {
                self.fragments.push_front(fragment);
                return Poll::Pending;
            }
            Pin::new(&mut self.inner).start_send(tungstenite::Message::Frame(fragment))?;
        }
        Poll::Ready(Ok(()))
    }
}

/// `payload` as the frames of one binary message: a single frame when it fits in [`FRAGMENT_BYTES`].
pub(crate) fn binary_frames(payload: Bytes) -> VecDeque<Frame> {
    let count = payload.len().div_ceil(FRAGMENT_BYTES).max(1);
    (0..count)
        .map(|index| {
            let start = index * FRAGMENT_BYTES;
            let end = (start + FRAGMENT_BYTES).min(payload.len());
            let opcode = if index == 0 { Data::Binary } else { Data::Continue };
            Frame::message(payload.slice(start..end), OpCode::Data(opcode), index + 1 == count)
        })
        .collect()
}

impl Stream for WebSocket {
    type Item = Result<Message, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            let Some(read) = ready!(Pin::new(&mut self.inner).poll_next(cx)) else { return Poll::Ready(None) };
            match read.map(incoming) {
                Ok(Some(message)) => return Poll::Ready(Some(Ok(message))),
                Ok(None) => continue,
                Err(error) => return Poll::Ready(Some(Err(error))),
            }
        }
    }
}

impl Sink<Message> for WebSocket {
    type Error = Error;

    fn poll_ready(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        ready!(self.poll_send_fragments(cx))?;
        Pin::new(&mut self.inner).poll_ready(cx)
    }

    fn start_send(mut self: Pin<&mut Self>, message: Message) -> Result<(), Error> {
        if message.is_binary() && message.as_bytes().len() > FRAGMENT_BYTES {
            self.fragments = binary_frames(message.into_bytes());
            let first = self.fragments.pop_front().expect("a long message has a first fragment");
            return Pin::new(&mut self.inner).start_send(tungstenite::Message::Frame(first));
        }
        Pin::new(&mut self.inner).start_send(outgoing(message))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        ready!(self.poll_send_fragments(cx))?;
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        ready!(self.poll_send_fragments(cx))?;
        Pin::new(&mut self.inner).poll_close(cx)
    }
}

/// warp's message for one tungstenite read (raw frames are never read, only written).
fn incoming(message: tungstenite::Message) -> Option<Message> {
    Some(match message {
        tungstenite::Message::Binary(bytes) => Message::binary(bytes),
        tungstenite::Message::Text(text) => Message::text(text.as_str()),
        tungstenite::Message::Ping(bytes) => Message::ping(bytes),
        tungstenite::Message::Pong(bytes) => Message::pong(bytes),
        tungstenite::Message::Close(Some(frame)) => Message::close_with(frame.code, frame.reason.as_str().to_owned()),
        tungstenite::Message::Close(None) => Message::close(),
        tungstenite::Message::Frame(_) => return None,
    })
}

/// tungstenite's message for one of warp's.
fn outgoing(message: Message) -> tungstenite::Message {
    if let Some((code, reason)) = message.close_frame() {
        let frame = CloseFrame { code: code.into(), reason: reason.to_owned().into() };
        return tungstenite::Message::Close(Some(frame));
    }
    if message.is_close() {
        tungstenite::Message::Close(None)
    } else if message.is_ping() {
        tungstenite::Message::Ping(message.into_bytes())
    } else if message.is_pong() {
        tungstenite::Message::Pong(message.into_bytes())
    } else if message.is_text() {
        tungstenite::Message::text(message.to_str().unwrap_or_default())
    } else {
        tungstenite::Message::Binary(message.into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_message_is_one_final_frame() {
        let frames = binary_frames(Bytes::from(vec![7; FRAGMENT_BYTES]));
        assert_eq!(frames.len(), 1);
        assert!(frames[0].header().is_final);
        assert_eq!(frames[0].header().opcode, OpCode::Data(Data::Binary));
        assert_eq!(frames[0].payload().len(), FRAGMENT_BYTES);
    }

    #[test]
    fn a_long_message_is_fragments_that_add_up_to_it() {
        let payload: Vec<u8> = (0..FRAGMENT_BYTES * 2 + 5).map(|index| index as u8).collect();
        let frames = binary_frames(Bytes::from(payload.clone()));
        assert_eq!(frames.len(), 3);
        let opcodes: Vec<_> = frames.iter().map(|frame| frame.header().opcode).collect();
        assert_eq!(opcodes, [OpCode::Data(Data::Binary), OpCode::Data(Data::Continue), OpCode::Data(Data::Continue)]);
        let finals: Vec<_> = frames.iter().map(|frame| frame.header().is_final).collect();
        assert_eq!(finals, [false, false, true]);
        let joined: Vec<u8> = frames.iter().flat_map(|frame| frame.payload().to_vec()).collect();
        assert_eq!(joined, payload);
    }

    #[test]
    fn messages_keep_their_meaning_across_the_edge() {
        let close = outgoing(Message::close_with(4002u16, "bad frame"));
        let tungstenite::Message::Close(Some(frame)) = &close else { panic!("not a close: {close:?}") };
        assert_eq!((u16::from(frame.code), frame.reason.as_str()), (4002, "bad frame"));
        let back = incoming(close).expect("a close is a message");
        assert_eq!(back.close_frame(), Some((4002, "bad frame")));
        assert!(outgoing(Message::ping(Vec::new())).is_ping());
        let binary = incoming(outgoing(Message::binary(vec![1, 2, 3]))).expect("a binary message");
        assert!(binary.is_binary());
        assert_eq!(binary.as_bytes(), [1, 2, 3]);
        assert!(incoming(tungstenite::Message::text("hi")).is_some_and(|message| message.is_text()));
    }
}
