//! A site's webhook over https: a receiver on loopback with a certificate from a private CA (rcgen) gets
//! the events, signed, when the webhook's `ca_file` names that CA; without it the relay does not trust the
//! receiver and sends it nothing.

mod common;

use bytes::Bytes;
use cobrowse_relay::WebhookConfig;
use common::*;
use hmac::{Hmac, Mac};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use sha2::Sha256;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_rustls::rustls::crypto::ring;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::TlsAcceptor;

const SECRET: &str = "a webhook secret of some length";

/// What the receiver saw: a signed request's body and signature, or a TLS handshake that failed.
#[derive(Debug)]
enum Seen {
    Event { body: Bytes, signature: String },
    HandshakeFailed(String),
}

/// A private CA (its certificate written as PEM into `dir`) and a `localhost` certificate it signed,
/// with that certificate's key.
fn private_ca(dir: &std::path::Path) -> (PathBuf, CertificateDer<'static>, PrivateKeyDer<'static>) {
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params.distinguished_name.push(rcgen::DnType::CommonName, "cobrowse test CA");
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let ca_file = dir.join("private-ca.pem");
    std::fs::write(&ca_file, ca.pem()).unwrap();
    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let leaf = rcgen::CertificateParams::new(vec!["localhost".to_owned()])
        .unwrap()
        .signed_by(&leaf_key, &ca, &ca_key)
        .unwrap();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    (ca_file, leaf.der().clone(), key)
}

/// An https server on loopback presenting `certificate`, answering 204 to every request and reporting
/// what it saw; it stops when the test's runtime ends.
async fn https_receiver(
    certificate: CertificateDer<'static>,
    key: PrivateKeyDer<'static>,
) -> (SocketAddr, mpsc::UnboundedReceiver<Seen>) {
    let config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![certificate], key)
        .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (report, seen) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            let (socket, _) = listener.accept().await.unwrap();
            let (acceptor, report) = (acceptor.clone(), report.clone());
            tokio::spawn(async move {
                let stream = match acceptor.accept(socket).await {
                    Ok(stream) => stream,
                    Err(error) => return drop(report.send(Seen::HandshakeFailed(error.to_string()))),
                };
                let service = hyper::service::service_fn(move |request: Request<Incoming>| {
                    let report = report.clone();
                    async move {
                        let signature = request.headers()["x-cobrowse-signature"].to_str().unwrap().to_owned();
                        let body = request.into_body().collect().await.unwrap().to_bytes();
                        let _ = report.send(Seen::Event { body, signature });
                        let answer = Response::builder().status(StatusCode::NO_CONTENT).body(Full::new(Bytes::new()));
                        Ok::<_, hyper::Error>(answer.unwrap())
                    }
                });
                let _ =
                    hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
            });
        }
    });
    (addr, seen)
}

fn expected_signature(body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(body);
    let hex: String = mac.finalize().into_bytes().iter().map(|byte| format!("{byte:02x}")).collect();
    format!("sha256={hex}")
}

async fn next_seen(seen: &mut mpsc::UnboundedReceiver<Seen>) -> Seen {
    tokio::time::timeout(PATIENCE, seen.recv()).await.expect("the receiver sees something in time").unwrap()
}

#[tokio::test]
async fn a_receiver_with_a_private_ca_s_certificate_gets_signed_events_over_https() {
    let dir = tempfile::tempdir().unwrap();
    let (ca_file, certificate, key) = private_ca(dir.path());
    let (receiver, mut seen) = https_receiver(certificate, key).await;
    let relay = start(|config| {
        let demo = config.sites.iter_mut().find(|site| site.id == "demo").unwrap();
        let mut webhook = WebhookConfig::new(format!("https://localhost:{}/hook", receiver.port()), SECRET);
        webhook.ca_file = Some(ca_file);
        demo.webhook = Some(webhook);
    })
    .await;
    let (visitor, key) = start_session(relay.addr).await;
    let Seen::Event { body, signature } = next_seen(&mut seen).await else { panic!("the handshake failed") };
    assert_eq!(signature, expected_signature(&body));
    let event: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!((&event["event"], &event["site"]), (&"session_started".into(), &"demo".into()));
    assert!(!String::from_utf8_lossy(&body).contains(&key));
    drop(visitor);
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn without_the_ca_file_the_relay_does_not_trust_a_private_receiver() {
    let dir = tempfile::tempdir().unwrap();
    let (_ca_file, certificate, key) = private_ca(dir.path());
    let (receiver, mut seen) = https_receiver(certificate, key).await;
    let relay = start(|config| {
        let demo = config.sites.iter_mut().find(|site| site.id == "demo").unwrap();
        demo.webhook = Some(WebhookConfig::new(format!("https://localhost:{}/hook", receiver.port()), SECRET));
    })
    .await;
    let (visitor, _key) = start_session(relay.addr).await;
    let seen = next_seen(&mut seen).await;
    // The relay refuses the receiver's certificate with a TLS alert (unknown CA).
    let refused = matches!(&seen, Seen::HandshakeFailed(error) if error.contains("alert"));
    assert!(refused, "an untrusted receiver got {seen:?}");
    drop(visitor);
    relay.handle.shutdown().await;
}
