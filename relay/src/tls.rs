//! HTTPS and WSS: a rustls acceptor (ring provider) whose certificate can be swapped while the relay runs.
//!
//! Certificates are renewed every few weeks (Let's Encrypt: 90 days), and a restart would end every call.
//! So the acceptor asks [`ServedCertificate`] for the certificate at each handshake, and
//! [`ServedCertificate::reload`] reads the PEM files again and swaps it in (the relay does so on SIGHUP).
//! Connections already open keep the TLS session they have; only new handshakes see the new certificate.
//! A file that cannot be used leaves the old certificate in place, and the error says why.
//!
//! Only HTTP/1.1 is offered by ALPN: WebSocket upgrades need it, and the few static files gain nothing
//! from HTTP/2.

use crate::config::TlsConfig;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use thiserror::Error;
use tokio_rustls::rustls::crypto::{ring, CryptoProvider};
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::server::{ClientHello, ResolvesServerCert};
use tokio_rustls::rustls::sign::CertifiedKey;
use tokio_rustls::rustls::{self, InconsistentKeys, ServerConfig};
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
    #[error("the relay serves no TLS, so there is no certificate to reload: give [tls] in the config or --tls-cert and --tls-key")]
    NotServingTls,
}

/// The certificate the relay presents, read from the configured files and replaced by [`Self::reload`].
pub(crate) struct ServedCertificate {
    cert_path: PathBuf,
    key_path: PathBuf,
    provider: Arc<CryptoProvider>,
    current: RwLock<Arc<CertifiedKey>>,
}

impl ServedCertificate {
    /// Reads the certificate and key the config names.
    pub fn load(config: &TlsConfig) -> Result<ServedCertificate, TlsError> {
        let provider = Arc::new(ring::default_provider());
        let current = read_certified_key(&config.cert, &config.key, &provider)?;
        Ok(ServedCertificate {
            cert_path: config.cert.clone(),
            key_path: config.key.clone(),
            provider,
            current: RwLock::new(Arc::new(current)),
        })
    }

    /// Reads the files again and serves their certificate to every new connection; on an error the
    /// certificate served so far stays.
    pub fn reload(&self) -> Result<(), TlsError> {
        let fresh = read_certified_key(&self.cert_path, &self.key_path, &self.provider)?;
        *self.current.write().expect("certificate lock poisoned") = Arc::new(fresh);
        Ok(())
    }

    fn current(&self) -> Arc<CertifiedKey> {
        self.current.read().expect("certificate lock poisoned").clone()
    }
}

impl fmt::Debug for ServedCertificate {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.debug_struct("ServedCertificate").field("cert_path", &self.cert_path).finish_non_exhaustive()
    }
}

impl ResolvesServerCert for ServedCertificate {
    fn resolve(&self, _client_hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.current())
    }
}

/// A TLS acceptor that presents whatever `certificate` holds at each handshake.
pub(crate) fn acceptor(certificate: Arc<ServedCertificate>) -> Result<TlsAcceptor, TlsError> {
    let mut server = ServerConfig::builder_with_provider(certificate.provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|error| TlsError::Mismatch(error.to_string()))?
        .with_no_client_auth()
        .with_cert_resolver(certificate);
    server.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(server)))
}

/// The certificate chain in `cert` with the private key in `key`, checked to belong together.
fn read_certified_key(cert: &Path, key: &Path, provider: &CryptoProvider) -> Result<CertifiedKey, TlsError> {
    let certificates = read_certificates(cert)?;
    let key_failed = |reason: String| TlsError::Key { path: key.to_owned(), reason };
    let private_key = PrivateKeyDer::from_pem_file(key).map_err(|error| key_failed(error.to_string()))?;
    let signing_key =
        provider.key_provider.load_private_key(private_key).map_err(|error| key_failed(error.to_string()))?;
    let certified = CertifiedKey::new(certificates, signing_key);
    match certified.keys_match() {
        Ok(()) | Err(rustls::Error::InconsistentKeys(InconsistentKeys::Unknown)) => Ok(certified),
        Err(rustls::Error::InconsistentKeys(_)) => Err(TlsError::Mismatch(format!(
            "the key in {} is not the key of the certificate in {} (give the key the certificate was made for)",
            key.display(),
            cert.display()
        ))),
        Err(error) => Err(TlsError::Certificate { path: cert.to_owned(), reason: error.to_string() }),
    }
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

/// The SHA-256 fingerprint of the first certificate in a PEM file, as colon-separated hex (what browsers
/// show), so a person can check the certificate they are asked to trust.
pub fn fingerprint(cert_path: &Path) -> Result<String, TlsError> {
    use sha2::{Digest, Sha256};
    let certificates = read_certificates(cert_path)?;
    let digest = Sha256::digest(certificates[0].as_ref());
    Ok(digest.iter().map(|byte| format!("{byte:02X}")).collect::<Vec<_>>().join(":"))
}
