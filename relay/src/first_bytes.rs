//! Waiting for a connection's first bytes, within a timeout, without losing them.
//!
//! A plain TCP socket can be peeked (`connections::first_byte`), but a TLS stream cannot: its first bytes
//! of HTTP exist only once read and decrypted. A client that finishes the TLS handshake and then sends
//! nothing (an HTTP/1 or HTTP/2 client alike) would otherwise hold its connection until the idle timeout.
//! [`first_bytes`] reads once, within the timeout, and hands back the stream with what it read put back
//! in front ([`Prefixed`]), so HTTP sees the connection whole.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// How much is read at once while waiting: a request line, a preface, most whole requests.
const FIRST_READ_BYTES: usize = 4096;

/// A stream with bytes already read from it put back in front.
pub(crate) struct Prefixed<S> {
    prefix: Vec<u8>,
    /// How much of `prefix` has been read again.
    taken: usize,
    inner: S,
}

/// `stream` with its first bytes put back, or `None` if it sent nothing (or closed, or failed) within
/// `timeout`.
pub(crate) async fn first_bytes<S: AsyncRead + Unpin>(mut stream: S, timeout: Duration) -> Option<Prefixed<S>> {
    let mut buffer = vec![0; FIRST_READ_BYTES];
    let mut read_buf = ReadBuf::new(&mut buffer);
    let read = std::future::poll_fn(|cx| Pin::new(&mut stream).poll_read(cx, &mut read_buf));
    let filled = match tokio::time::timeout(timeout, read).await {
        Ok(Ok(())) => read_buf.filled().len(),
        Ok(Err(_)) | Err(_) => return None,
    };
    if filled == 0 {
        return None;
    }
    buffer.truncate(filled);
    Some(Prefixed { prefix: buffer, taken: 0, inner: stream })
}

impl<S: AsyncRead + Unpin> AsyncRead for Prefixed<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if this.taken < this.prefix.len() {
            let rest = &this.prefix[this.taken..];
            let count = rest.len().min(buf.remaining());
            buf.put_slice(&rest[..count]);
            this.taken += count;
            if this.taken == this.prefix.len() {
                this.prefix = Vec::new();
                this.taken = 0;
            }
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Prefixed<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn the_first_bytes_are_read_again_before_the_rest() {
        let (mut client, server) = tokio::io::duplex(64);
        client.write_all(b"GET / HTTP/1.1\r\n").await.unwrap();
        let mut stream = first_bytes(server, Duration::from_secs(5)).await.expect("bytes came");
        client.write_all(b"Host: x\r\n\r\n").await.unwrap();
        drop(client);
        let mut all = String::new();
        stream.read_to_string(&mut all).await.unwrap();
        assert_eq!(all, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    }

    #[tokio::test]
    async fn a_silent_or_closed_stream_gives_nothing() {
        tokio::time::pause();
        let (_client, server) = tokio::io::duplex(64);
        assert!(first_bytes(server, Duration::from_secs(5)).await.is_none(), "silent past the timeout");
        let (client, server) = tokio::io::duplex(64);
        drop(client);
        assert!(first_bytes(server, Duration::from_secs(5)).await.is_none(), "closed");
    }
}
