//! HTTPS and WSS: a rustls acceptor (ring provider) from the PEM certificate and key in the config.
//!
//! Only HTTP/1.1 is offered by ALPN: WebSocket upgrades need it, and the few static files gain nothing
//! from HTTP/2.

use crate::config::TlsConfig;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use thiserror::Error;
use tokio_rustls::rustls::crypto::ring;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::TlsAcceptor;

/// Why TLS cannot be served with the configured files.
#[derive(Debug, Error)]
pub enum TlsError {
    #[error(
        "cannot read the TLS certificate {path}: {reason} (give a PEM file with the certificate chain, leaf first)"
    )]
    Certificate { path: PathBuf, reason: String },
    #[error("cannot read the TLS private key {path}: {reason} (give a PEM file with a PKCS#8, PKCS#1 or SEC1 key)")]
    Key { path: PathBuf, reason: String },
    #[error("the TLS certificate and key do not work together: {0}")]
    Mismatch(String),
}

/// A TLS acceptor for the configured certificate and key.
pub(crate) fn acceptor(config: &TlsConfig) -> Result<TlsAcceptor, TlsError> {
    let certificates = read_certificates(&config.cert)?;
    let key = PrivateKeyDer::from_pem_file(&config.key)
        .map_err(|error| TlsError::Key { path: config.key.clone(), reason: error.to_string() })?;
    let mut server = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|error| TlsError::Mismatch(error.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certificates, key)
        .map_err(|error| TlsError::Mismatch(error.to_string()))?;
    server.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(server)))
}

fn read_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let failed = |reason: String| TlsError::Certificate { path: path.to_owned(), reason };
    let certificates = CertificateDer::pem_file_iter(path)
        .map_err(|error| failed(error.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| failed(error.to_string()))?;
    if certificates.is_empty() {
        return Err(failed("it holds no CERTIFICATE section".into()));
    }
    Ok(certificates)
}
