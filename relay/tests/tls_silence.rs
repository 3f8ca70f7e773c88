//! TLS clients that hold a connection and say nothing: one that finishes its handshake and then sends no
//! HTTP (as an HTTP/2 client may), and one that never finishes its handshake. Both are closed after the
//! configured first-byte and handshake timeouts, not the minute-long idle timeout.

mod common;

use common::*;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::rustls::crypto::ring;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{ClientConfig, RootCertStore};
use tokio_rustls::TlsConnector;

const SHORT: Duration = Duration::from_millis(500);

/// A relay serving TLS with a fresh self-signed certificate for `localhost`, its first-byte and handshake
/// timeouts short; the certificate to trust.
async fn tls_relay() -> (cobrowse_relay::RelayHandle, SocketAddr, CertificateDer<'static>, tempfile::TempDir) {
    init_logs();
    let dir = tempfile::tempdir().unwrap();
    write_static_files(dir.path());
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let tls = cobrowse_relay::TlsConfig::new(dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&tls.cert, certified.cert.pem()).unwrap();
    std::fs::write(&tls.key, certified.key_pair.serialize_pem()).unwrap();
    let mut config = test_config(dir.path());
    config.tls = Some(tls);
    config.limits.first_byte_timeout = SHORT;
    config.limits.tls_handshake_timeout = SHORT;
    let relay = cobrowse_relay::spawn(config, "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let addr = relay.local_addr();
    (relay, addr, certified.cert.der().clone(), dir)
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
    let (relay, addr, root, _dir) = tls_relay().await;
    let mut roots = RootCertStore::empty();
    roots.add(root).unwrap();
    let mut config = ClientConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let tcp = TcpStream::connect(addr).await.unwrap();
    let name = ServerName::try_from("localhost").unwrap();
    let stream = TlsConnector::from(Arc::new(config)).connect(name, tcp).await.expect("the handshake succeeds");
    let handshaken = Instant::now();
    let waited = time_until_closed(stream, handshaken).await;
    assert!(waited >= SHORT - Duration::from_millis(100), "closed after {waited:?}, before its timeout");
    relay.shutdown().await;
}

#[tokio::test]
async fn a_client_that_never_finishes_its_tls_handshake_is_closed_after_the_handshake_timeout() {
    let (relay, addr, _root, _dir) = tls_relay().await;
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    // A handshake record's header announcing 512 bytes, and only a few of them.
    tcp.write_all(&[0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01]).await.unwrap();
    let started = Instant::now();
    let waited = time_until_closed(tcp, started).await;
    assert!(waited >= SHORT - Duration::from_millis(100), "closed after {waited:?}, before its timeout");
    relay.shutdown().await;
}

#[tokio::test]
async fn a_tls_client_that_speaks_is_served_whole() {
    let (relay, addr, root, _dir) = tls_relay().await;
    let mut roots = RootCertStore::empty();
    roots.add(root).unwrap();
    let config = ClientConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let tcp = TcpStream::connect(addr).await.unwrap();
    let name = ServerName::try_from("localhost").unwrap();
    let mut stream = TlsConnector::from(Arc::new(config)).connect(name, tcp).await.unwrap();
    // The request in two parts, the second after a pause: the bytes read while waiting are not lost.
    stream.write_all(b"GET /healthz HTTP/1.1\r\n").await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    stream.write_all(b"Host: localhost\r\nConnection: close\r\n\r\n").await.unwrap();
    let mut raw = Vec::new();
    let _ = tokio::time::timeout(PATIENCE, stream.read_to_end(&mut raw)).await.expect("answered in time");
    let response = HttpResponse::parse(&raw);
    assert_eq!((response.status, response.body.as_slice()), (200, b"ok".as_slice()));
    relay.shutdown().await;
}
