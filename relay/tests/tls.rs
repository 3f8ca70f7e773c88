//! HTTPS and WSS with a certificate from the config: the health check and a whole session over TLS; the
//! certificate reloaded while a session goes on; `--dev-tls`'s self-signed certificate.

mod common;

use cobrowse_protocol::Control;
use cobrowse_relay::{dev_certificate, fingerprint, spawn, TlsConfig, TlsError};
use common::tls::{client_config, connect_tls, self_signed, tls_relay, write_pem_files};
use common::*;
use rcgen::CertifiedKey;
use std::net::SocketAddr;
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::CertificateDer;
use tokio_tungstenite::WebSocketStream;

/// A TLS connection to the relay that trusts only `root`.
async fn connect_tls_trusting(addr: SocketAddr, root: &CertificateDer<'static>) -> TlsStream<TcpStream> {
    connect_trusting(addr, std::slice::from_ref(root), "localhost").await
}

/// A TLS connection to the relay, for the server name `name`, that trusts only `roots`.
async fn connect_trusting(addr: SocketAddr, roots: &[CertificateDer<'static>], name: &str) -> TlsStream<TcpStream> {
    connect_tls(addr, name, client_config(roots, &[])).await.expect("the TLS handshake succeeds")
}

/// The leaf certificate the relay presents on a new connection (trusting both `a` and `b`).
async fn served_leaf(addr: SocketAddr, a: &CertifiedKey, b: &CertifiedKey) -> CertificateDer<'static> {
    let stream = connect_trusting(addr, &[a.cert.der().clone(), b.cert.der().clone()], "localhost").await;
    let (_, connection) = stream.get_ref();
    connection.peer_certificates().expect("the relay presents a certificate")[0].clone()
}

async fn connect_wss(
    addr: SocketAddr,
    root: &CertificateDer<'static>,
    path: &str,
) -> WebSocketStream<TlsStream<TcpStream>> {
    let stream = connect_tls_trusting(addr, root).await;
    let url = format!("wss://localhost:{}{path}", addr.port());
    let (socket, _response) = tokio_tungstenite::client_async(url, stream).await.expect("the wss handshake succeeds");
    socket
}

#[tokio::test]
async fn https_and_wss_work_with_the_configured_certificate() {
    let served = tls_relay(|_| {}).await;
    let (addr, root) = (served.addr, &served.root);

    let response = http_get(connect_tls_trusting(addr, root).await, "/healthz").await;
    assert_eq!((response.status, response.body.as_slice()), (200, &b"ok"[..]));
    let response = http_get(connect_tls_trusting(addr, root).await, "/visitor/cobrowse_visitor_bg.wasm").await;
    assert_eq!(response.header("content-type"), Some("application/wasm"));

    let mut visitor = connect_wss(addr, root, "/ws/visitor?site=demo").await;
    let Control::SessionStarted { key, .. } = next_control(&mut visitor).await else {
        panic!("expected SessionStarted")
    };
    let mut agent = connect_wss(addr, root, "/ws/agent").await;
    send_join(&mut agent, AGENT, PASSWORD, &key).await;
    assert_eq!(next_control(&mut agent).await, Control::Joined { key: key.clone(), agent: 1 });
    assert_eq!(next_control(&mut agent).await, Control::VisitorTab { tab: 1 });
    send(&mut visitor, snapshot("over tls")).await;
    assert_eq!(next_binary(&mut agent).await, snapshot("over tls"));

    // Plain HTTP on the TLS port gets nowhere.
    let response = tokio::time::timeout(PATIENCE, async {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut plain = TcpStream::connect(addr).await.unwrap();
        plain.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
        let mut answer = Vec::new();
        let _ = plain.read_to_end(&mut answer).await;
        answer
    })
    .await
    .unwrap();
    assert!(!response.starts_with(b"HTTP/1.1 200"));

    drop((visitor, agent));
    served.relay.shutdown().await;
}

#[tokio::test]
async fn missing_or_bad_pem_files_are_named_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = test_config(dir.path());
    config.tls = Some(TlsConfig::new(dir.path().join("nope.pem"), dir.path().join("key.pem")));
    let error = spawn(config.clone(), "127.0.0.1:0".parse().unwrap()).await.err().expect("spawn fails").to_string();
    assert!(error.contains("nope.pem") && error.contains("certificate"), "{error}");

    let (tls, _) = self_signed(dir.path());
    std::fs::write(&tls.key, "not a key").unwrap();
    config.tls = Some(tls.clone());
    let error = spawn(config, "127.0.0.1:0".parse().unwrap()).await.err().expect("spawn fails").to_string();
    assert!(error.contains(&tls.key.display().to_string()) && error.contains("private key"), "{error}");
}

#[tokio::test]
async fn a_reload_serves_the_new_certificate_while_open_sessions_go_on() {
    init_logs();
    let dir = tempfile::tempdir().unwrap();
    write_static_files(dir.path());
    let (tls, first) = self_signed(dir.path());
    let second = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let mut config = test_config(dir.path());
    config.tls = Some(tls.clone());
    let relay = spawn(config, "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let addr = relay.local_addr();
    assert_eq!(&served_leaf(addr, &first, &second).await, first.cert.der());

    let mut visitor = connect_wss(addr, first.cert.der(), "/ws/visitor?site=demo").await;
    let Control::SessionStarted { key, .. } = next_control(&mut visitor).await else {
        panic!("expected SessionStarted")
    };
    let mut agent = connect_wss(addr, first.cert.der(), "/ws/agent").await;
    send_join(&mut agent, AGENT, PASSWORD, &key).await;
    assert_eq!(next_control(&mut agent).await, Control::Joined { key: key.clone(), agent: 1 });
    assert_eq!(next_control(&mut agent).await, Control::VisitorTab { tab: 1 });
    send(&mut visitor, snapshot("before the reload")).await;
    assert_eq!(next_binary(&mut agent).await, snapshot("before the reload"));

    write_pem_files(&tls, &second);
    relay.reload_tls().expect("the new certificate is taken");
    assert_eq!(&served_leaf(addr, &first, &second).await, second.cert.der());

    // The session's sockets, opened under the old certificate, still carry frames both ways.
    send(&mut visitor, delta("after the reload")).await;
    assert_eq!(next_binary(&mut agent).await, delta("after the reload"));
    let mut new_connection = connect_trusting(addr, &[second.cert.der().clone()], "localhost").await;
    let response = http_get(&mut new_connection, "/healthz").await;
    assert_eq!(response.status, 200);

    drop((visitor, agent));
    relay.shutdown().await;
}

#[tokio::test]
async fn a_bad_new_file_keeps_the_old_certificate_and_says_why() {
    init_logs();
    let dir = tempfile::tempdir().unwrap();
    let (tls, first) = self_signed(dir.path());
    let mut config = test_config(dir.path());
    config.tls = Some(tls.clone());
    let relay = spawn(config, "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let addr = relay.local_addr();

    std::fs::write(&tls.cert, "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n").unwrap();
    let error = relay.reload_tls().expect_err("a broken certificate is refused").to_string();
    assert!(error.contains(&tls.cert.display().to_string()) && error.contains("certificate"), "{error}");
    assert_eq!(&served_leaf(addr, &first, &first).await, first.cert.der());

    // A certificate whose key is another one's.
    let other = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    std::fs::write(&tls.cert, other.cert.pem()).unwrap();
    let error = relay.reload_tls().expect_err("a mismatched key is refused").to_string();
    assert!(error.contains("do not work together"), "{error}");
    assert_eq!(&served_leaf(addr, &first, &other).await, first.cert.der());

    relay.shutdown().await;
}

#[tokio::test]
async fn a_relay_without_tls_has_nothing_to_reload() {
    let relay = start(|_| {}).await;
    assert!(matches!(relay.handle.reload_tls(), Err(TlsError::NotServingTls)));
}

#[tokio::test]
async fn the_development_certificate_serves_localhost_and_loopback_addresses() {
    init_logs();
    let dir = tempfile::tempdir().unwrap();
    let cert_dir = dir.path().join("dev-tls");
    let made = dev_certificate(&cert_dir).unwrap();
    assert!(made.created);
    let again = dev_certificate(&cert_dir).unwrap();
    assert!(!again.created, "the certificate on disk is used again");
    assert_eq!(again.tls, made.tls);

    let leaf = CertificateDer::from_pem_file(&made.tls.cert).unwrap();
    let printed = fingerprint(&made.tls.cert).unwrap();
    let expected: String = {
        use sha2::Digest;
        sha2::Sha256::digest(leaf.as_ref()).iter().map(|byte| format!("{byte:02X}")).collect::<Vec<_>>().join(":")
    };
    assert_eq!(printed, expected);
    assert_eq!(printed.len(), 32 * 3 - 1);

    let mut config = test_config(dir.path());
    config.tls = Some(made.tls);
    let relay = spawn(config, "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let addr = relay.local_addr();
    for name in ["localhost", "127.0.0.1"] {
        let stream = connect_trusting(addr, std::slice::from_ref(&leaf), name).await;
        assert_eq!(http_get(stream, "/healthz").await.status, 200, "{name}");
    }
    relay.shutdown().await;
}

#[cfg(unix)]
#[test]
fn the_development_key_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let made = dev_certificate(dir.path()).unwrap();
    let mode = std::fs::metadata(&made.tls.key).unwrap().permissions().mode();
    assert_eq!(mode & 0o077, 0, "mode {mode:o}");
}
