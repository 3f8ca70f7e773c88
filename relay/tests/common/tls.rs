//! A relay serving TLS with a fresh self-signed certificate for `localhost`, and clients that trust it.

use super::{init_logs, test_config, write_static_files};
use cobrowse_relay::{Config, RelayHandle, TlsConfig};
use rcgen::CertifiedKey;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use tempfile::TempDir;
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::crypto::ring;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{ClientConfig, RootCertStore};
use tokio_rustls::TlsConnector;

/// A relay on loopback serving TLS, and the certificate a client must trust.
pub struct TlsRelay {
    pub relay: RelayHandle,
    pub addr: SocketAddr,
    pub root: CertificateDer<'static>,
    _dir: TempDir,
}

/// Starts a relay serving TLS with a fresh self-signed certificate for `localhost`, its config adjusted.
pub async fn tls_relay(adjust: impl FnOnce(&mut Config)) -> TlsRelay {
    init_logs();
    let dir = tempfile::tempdir().unwrap();
    write_static_files(dir.path());
    let (tls, certified) = self_signed(dir.path());
    let mut config = test_config(dir.path());
    config.tls = Some(tls);
    adjust(&mut config);
    let relay = cobrowse_relay::spawn(config, "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let addr = relay.local_addr();
    TlsRelay { relay, addr, root: certified.cert.der().clone(), _dir: dir }
}

/// A self-signed certificate for `localhost`, written as PEM files into `dir`.
pub fn self_signed(dir: &Path) -> (TlsConfig, CertifiedKey) {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let tls = TlsConfig::new(dir.join("cert.pem"), dir.join("key.pem"));
    write_pem_files(&tls, &certified);
    (tls, certified)
}

/// Writes `certified` where `tls` says the relay reads its certificate and key.
pub fn write_pem_files(tls: &TlsConfig, certified: &CertifiedKey) {
    std::fs::write(&tls.cert, certified.cert.pem()).unwrap();
    std::fs::write(&tls.key, certified.key_pair.serialize_pem()).unwrap();
}

/// A client config that trusts only `roots` and offers `alpn` (none: no ALPN).
pub fn client_config(roots: &[CertificateDer<'static>], alpn: &[&[u8]]) -> ClientConfig {
    let mut store = RootCertStore::empty();
    for root in roots {
        store.add(root.clone()).unwrap();
    }
    let mut config = ClientConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(store)
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|protocol| protocol.to_vec()).collect();
    config
}

/// Connects to `addr` and makes the TLS handshake for the server name `name` with `config`.
pub async fn connect_tls(addr: SocketAddr, name: &str, config: ClientConfig) -> std::io::Result<TlsStream<TcpStream>> {
    let tcp = TcpStream::connect(addr).await?;
    let name = ServerName::try_from(name.to_owned()).unwrap();
    TlsConnector::from(Arc::new(config)).connect(name, tcp).await
}
