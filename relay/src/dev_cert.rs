//! `--dev-tls`: a self-signed certificate for `localhost`, `127.0.0.1` and `::1`, made with rcgen, so the
//! relay can be tried over HTTPS and WSS on one machine without a certificate authority.
//!
//! The certificate and key are written as PEM files into a folder and used again on the next start (a
//! browser that was told to trust the certificate keeps trusting it). No browser trusts it by itself:
//! accept it once in the browser, or add the PEM file to the test client's roots.

use crate::config::TlsConfig;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// The names the development certificate is valid for.
pub const DEV_CERT_NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// Why the development certificate could not be made.
#[derive(Debug, Error)]
pub enum DevCertError {
    #[error("cannot make a self-signed certificate: {0}")]
    Generate(#[from] rcgen::Error),
    #[error(
        "cannot write the development certificate to {path}: {source} (give a writable folder with --dev-tls-dir)"
    )]
    Write { path: PathBuf, source: std::io::Error },
}

/// The development certificate's files, and whether they were made just now.
#[derive(Debug, Clone)]
pub struct DevCertificate {
    pub tls: TlsConfig,
    pub created: bool,
}

/// The folder `--dev-tls` keeps its certificate in when not told another.
pub fn default_dev_cert_dir() -> PathBuf {
    std::env::temp_dir().join("cobrowse-relay-dev-tls")
}

/// The development certificate in `dir` (`cert.pem`, `key.pem`): the one there, or a new one.
pub fn dev_certificate(dir: &Path) -> Result<DevCertificate, DevCertError> {
    let tls = TlsConfig::new(dir.join("cert.pem"), dir.join("key.pem"));
    if tls.cert.is_file() && tls.key.is_file() {
        return Ok(DevCertificate { tls, created: false });
    }
    let names: Vec<String> = DEV_CERT_NAMES.iter().map(|name| name.to_string()).collect();
    let certified = rcgen::generate_simple_self_signed(names)?;
    std::fs::create_dir_all(dir).map_err(failed(dir))?;
    write_private(&tls.key, &certified.key_pair.serialize_pem()).map_err(failed(&tls.key))?;
    std::fs::write(&tls.cert, certified.cert.pem()).map_err(failed(&tls.cert))?;
    Ok(DevCertificate { tls, created: true })
}

/// The error for a file or folder that could not be written.
fn failed(path: &Path) -> impl FnOnce(std::io::Error) -> DevCertError + '_ {
    move |source| DevCertError::Write { path: path.to_owned(), source }
}

/// Writes a file only its owner may read (on Unix).
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(contents.as_bytes())
}
