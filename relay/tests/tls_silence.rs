//! TLS clients that hold a connection and say nothing: one that finishes its handshake and then sends no
//! HTTP (as an HTTP/2 client may), and one that never finishes its handshake. Both are closed after the
//! configured first-byte and handshake timeouts, not the minute-long idle timeout.

mod common;

use common::tls::{client_config, connect_tls, TlsRelay};
use common::*;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const SHORT: Duration = Duration::from_millis(500);

/// A TLS relay whose first-byte and handshake timeouts are short.
async fn tls_relay() -> TlsRelay {
    common::tls::tls_relay(|config| {
        config.limits.first_byte_timeout = SHORT;
        config.limits.tls_handshake_timeout = SHORT;
    })
    .await
}

/// Reads until the relay ends the connection; how long that took, failing past [`PATIENCE`].
async fn time_until_closed(mut stream: impl tokio::io::AsyncRead + Unpin, since: Instant) -> Duration {
    let mut sink = Vec::new();
    let read = tokio::time::timeout(PATIENCE, stream.read_to_end(&mut sink)).await;
    assert!(read.is_ok(), "the relay kept a silent connection open past {PATIENCE:?}");
    assert!(sink.is_empty(), "nothing is sent to a silent client: {sink:?}");
    since.elapsed()
}

#[tokio::test]
async fn a_client_silent_after_its_tls_handshake_is_closed_after_the_first_byte_timeout() {
    let served = tls_relay().await;
    let (addr, root) = (served.addr, served.root.clone());
    let config = client_config(&[root], &[b"h2", b"http/1.1"]);
    let stream = connect_tls(addr, "localhost", config).await.expect("the handshake succeeds");
    let handshaken = Instant::now();
    let waited = time_until_closed(stream, handshaken).await;
    assert!(waited >= SHORT - Duration::from_millis(100), "closed after {waited:?}, before its timeout");
    served.relay.shutdown().await;
}

#[tokio::test]
async fn a_client_that_never_finishes_its_tls_handshake_is_closed_after_the_handshake_timeout() {
    let served = tls_relay().await;
    let addr = served.addr;
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    // A handshake record's header announcing 512 bytes, and only a few of them.
    tcp.write_all(&[0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01]).await.unwrap();
    let started = Instant::now();
    let waited = time_until_closed(tcp, started).await;
    assert!(waited >= SHORT - Duration::from_millis(100), "closed after {waited:?}, before its timeout");
    served.relay.shutdown().await;
}

#[tokio::test]
async fn a_tls_client_that_speaks_is_served_whole() {
    let served = tls_relay().await;
    let (addr, root) = (served.addr, served.root.clone());
    let mut stream = connect_tls(addr, "localhost", client_config(&[root], &[])).await.unwrap();
    // The request in two parts, the second after a pause: the bytes read while waiting are not lost.
    stream.write_all(b"GET /healthz HTTP/1.1\r\n").await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    stream.write_all(b"Host: localhost\r\nConnection: close\r\n\r\n").await.unwrap();
    let mut raw = Vec::new();
    let _ = tokio::time::timeout(PATIENCE, stream.read_to_end(&mut raw)).await.expect("answered in time");
    let response = HttpResponse::parse(&raw);
    assert_eq!((response.status, response.body.as_slice()), (200, b"ok".as_slice()));
    served.relay.shutdown().await;
}
