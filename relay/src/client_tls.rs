//! The relay as an HTTPS client: the rustls setup shared by everything that calls out to another server
//! (the webhooks' POSTs, the fetches of assets visitors offer).
//!
//! Why one place: both must verify servers the same way, against the public roots (webpki-roots, Mozilla's
//! list) plus whatever private CA a setting adds, with ring and the safe protocol versions, and speak
//! HTTP/1 through hyper-util's client. It names no other file of the relay, so any file may use it.

use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use std::sync::Arc;
use tokio_rustls::rustls::crypto::ring;
use tokio_rustls::rustls::pki_types::CertificateDer;
use tokio_rustls::rustls::{ClientConfig, RootCertStore};

/// A rustls client config trusting the public roots and `extra_roots` (a private CA's certificates).
pub(crate) fn client_config(extra_roots: Vec<CertificateDer<'static>>) -> Result<ClientConfig, String> {
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for certificate in extra_roots {
        roots.add(certificate).map_err(|error| format!("a certificate of its ca_file is not usable: {error}"))?;
    }
    let tls = ClientConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|error| error.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(tls)
}

/// A connector for `https://` (through `tls`) and `http://` URLs over `http`, speaking HTTP/1. `http` may
/// have its own resolver; it is told to take https URLs too.
pub(crate) fn https_or_http<R>(mut http: HttpConnector<R>, tls: ClientConfig) -> HttpsConnector<HttpConnector<R>> {
    http.enforce_http(false);
    HttpsConnectorBuilder::new().with_tls_config(tls).https_or_http().enable_http1().wrap_connector(http)
}
