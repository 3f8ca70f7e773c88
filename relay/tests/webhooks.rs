//! A site's webhook over real sockets: a small HTTP server in the test refuses the first attempt and
//! accepts the next; each event arrives as JSON, signed with HMAC-SHA256 of the site's secret, in order,
//! and the session never waits for it.

mod common;

use bytes::Bytes;
use cobrowse_protocol::Control;
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
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::mpsc;

const SECRET: &str = "a webhook secret of some length";

/// One request the hook server got: the body, its signature header, and the status it answered.
struct Delivery {
    body: Bytes,
    signature: String,
    status: StatusCode,
}

/// An HTTP server on loopback that answers 503 to the first request and 204 to every later one, and
/// reports each; it stops when the test's runtime ends.
async fn hook_server() -> (SocketAddr, mpsc::UnboundedReceiver<Delivery>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (report, deliveries) = mpsc::unbounded_channel();
    let seen = Arc::new(AtomicUsize::new(0));
    tokio::spawn(async move {
        loop {
            let (socket, _) = listener.accept().await.unwrap();
            let (report, seen) = (report.clone(), seen.clone());
            let service = hyper::service::service_fn(move |request: Request<Incoming>| {
                let (report, seen) = (report.clone(), seen.clone());
                async move {
                    let signature = request.headers().get("x-cobrowse-signature").unwrap().to_str().unwrap().to_owned();
                    assert_eq!(request.headers().get("content-type").unwrap(), "application/json");
                    assert_eq!(request.uri().path(), "/hook");
                    let body = request.into_body().collect().await.unwrap().to_bytes();
                    let status = if seen.fetch_add(1, Ordering::SeqCst) == 0 {
                        StatusCode::SERVICE_UNAVAILABLE
                    } else {
                        StatusCode::NO_CONTENT
                    };
                    let _ = report.send(Delivery { body, signature, status });
                    Ok::<_, hyper::Error>(Response::builder().status(status).body(Full::new(Bytes::new())).unwrap())
                }
            });
            tokio::spawn(hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(socket), service));
        }
    });
    (addr, deliveries)
}

async fn next_delivery(deliveries: &mut mpsc::UnboundedReceiver<Delivery>) -> Delivery {
    tokio::time::timeout(PATIENCE, deliveries.recv()).await.expect("a webhook request arrives in time").unwrap()
}

fn expected_signature(body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(body);
    let hex: String = mac.finalize().into_bytes().iter().map(|byte| format!("{byte:02x}")).collect();
    format!("sha256={hex}")
}

#[tokio::test]
async fn events_are_posted_signed_and_retried_after_a_failure() {
    let (hook, mut deliveries) = hook_server().await;
    let relay = start(|config| {
        let demo = config.sites.iter_mut().find(|site| site.id == "demo").unwrap();
        demo.webhook = Some(WebhookConfig::new(format!("http://{hook}/hook"), SECRET));
    })
    .await;
    let (mut visitor, key) = start_session(relay.addr).await;
    let agent = join(relay.addr, AGENT, PASSWORD, &key).await;
    assert_eq!(next_control(&mut visitor).await, Control::AgentJoined { name: AGENT.into(), agents: 1 });

    let refused = next_delivery(&mut deliveries).await;
    assert_eq!(refused.status, StatusCode::SERVICE_UNAVAILABLE);
    let accepted = next_delivery(&mut deliveries).await;
    assert_eq!(accepted.status, StatusCode::NO_CONTENT);
    assert_eq!(accepted.body, refused.body, "the same event is tried again");
    assert_eq!(accepted.signature, expected_signature(&accepted.body));
    assert_ne!(accepted.signature, expected_signature(b"another body"));
    let started: Value = serde_json::from_slice(&accepted.body).unwrap();
    assert_eq!((&started["event"], &started["site"]), (&"session_started".into(), &"demo".into()));

    let joined = next_delivery(&mut deliveries).await;
    assert_eq!(joined.signature, expected_signature(&joined.body));
    let joined: Value = serde_json::from_slice(&joined.body).unwrap();
    assert_eq!((&joined["event"], &joined["agent"]), (&"agent_joined".into(), &AGENT.into()));
    assert_eq!(joined["session"], started["session"]);
    let text = String::from_utf8_lossy(&accepted.body);
    assert!(!text.contains(&key), "the key is in {text}");
    drop((visitor, agent)); // hang up first, so shutdown need not wait for them
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn a_site_without_a_webhook_posts_nothing_and_a_dead_hook_holds_up_no_session() {
    // A hook that accepts connections and never answers.
    let silent = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_addr = silent.local_addr().unwrap();
    let (hook, mut deliveries) = hook_server().await;
    let relay = start(|config| {
        for site in &mut config.sites {
            if site.id == SHOP_SITE {
                site.webhook = Some(WebhookConfig::new(format!("http://{hook}/hook"), SECRET));
            }
            if site.id == "demo" {
                site.webhook = Some(WebhookConfig::new(format!("http://{silent_addr}/hook"), SECRET));
            }
        }
    })
    .await;
    for _ in 0..3 {
        let (mut visitor, key) = start_session(relay.addr).await;
        let mut agent = join(relay.addr, AGENT, PASSWORD, &key).await;
        send(&mut visitor, snapshot("page")).await;
        assert_eq!(next_binary(&mut agent).await, snapshot("page"));
    }
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(deliveries.try_recv().is_err(), "the shop site's hook got another site's events");
    drop(silent);
    relay.handle.shutdown().await;
}
