//! HTTPS and WSS with a certificate from the config: the health check and a whole session over TLS.

mod common;

use cobrowse_protocol::Control;
use cobrowse_relay::{spawn, TlsConfig};
use common::*;
use rcgen::CertifiedKey;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::crypto::ring;
use tokio_rustls::rustls::pki_types::ServerName;
use tokio_rustls::rustls::{ClientConfig, RootCertStore};
use tokio_rustls::TlsConnector;
use tokio_tungstenite::WebSocketStream;

/// A self-signed certificate for `localhost`, written as PEM files into the relay's temp folder.
fn self_signed(dir: &std::path::Path) -> (TlsConfig, CertifiedKey) {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let tls = TlsConfig { cert: dir.join("cert.pem"), key: dir.join("key.pem") };
    std::fs::write(&tls.cert, certified.cert.pem()).unwrap();
    std::fs::write(&tls.key, certified.key_pair.serialize_pem()).unwrap();
    (tls, certified)
}

/// A TLS connection to the relay that trusts only `certified`.
async fn connect_tls(addr: SocketAddr, certified: &CertifiedKey) -> TlsStream<TcpStream> {
    let mut roots = RootCertStore::empty();
    roots.add(certified.cert.der().clone()).unwrap();
    let config = ClientConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let tcp = TcpStream::connect(addr).await.unwrap();
    TlsConnector::from(Arc::new(config))
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .expect("the TLS handshake succeeds")
}

async fn connect_wss(addr: SocketAddr, certified: &CertifiedKey, path: &str) -> WebSocketStream<TlsStream<TcpStream>> {
    let stream = connect_tls(addr, certified).await;
    let url = format!("wss://localhost:{}{path}", addr.port());
    let (socket, _response) = tokio_tungstenite::client_async(url, stream).await.expect("the wss handshake succeeds");
    socket
}

#[tokio::test]
async fn https_and_wss_work_with_the_configured_certificate() {
    init_logs();
    let dir = tempfile::tempdir().unwrap();
    write_static_files(dir.path());
    let (tls, certified) = self_signed(dir.path());
    let mut config = test_config(dir.path());
    config.tls = Some(tls);
    let relay = spawn(config, "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let addr = relay.local_addr();

    let response = http_get(connect_tls(addr, &certified).await, "/healthz").await;
    assert_eq!((response.status, response.body.as_slice()), (200, &b"ok"[..]));
    let response = http_get(connect_tls(addr, &certified).await, "/visitor/cobrowse_visitor_bg.wasm").await;
    assert_eq!(response.header("content-type"), Some("application/wasm"));

    let mut visitor = connect_wss(addr, &certified, "/ws/visitor?site=demo").await;
    let Control::SessionStarted { key, .. } = next_control(&mut visitor).await else {
        panic!("expected SessionStarted")
    };
    let mut agent = connect_wss(addr, &certified, "/ws/agent").await;
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
    relay.shutdown().await;
}

#[tokio::test]
async fn missing_or_bad_pem_files_are_named_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = test_config(dir.path());
    config.tls = Some(TlsConfig { cert: dir.path().join("nope.pem"), key: dir.path().join("key.pem") });
    let error = spawn(config.clone(), "127.0.0.1:0".parse().unwrap()).await.err().expect("spawn fails").to_string();
    assert!(error.contains("nope.pem") && error.contains("certificate"), "{error}");

    let (tls, _) = self_signed(dir.path());
    std::fs::write(&tls.key, "not a key").unwrap();
    config.tls = Some(tls.clone());
    let error = spawn(config, "127.0.0.1:0".parse().unwrap()).await.err().expect("spawn fails").to_string();
    assert!(error.contains(&tls.key.display().to_string()) && error.contains("private key"), "{error}");
}
