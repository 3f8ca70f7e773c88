//! Webhooks: a site with `[sites.webhook]` gets its sessions' events (see `events.rs`) POSTed as JSON to
//! its URL, one event per request, in order, each signed:
//!
//! ```text
//! POST /cobrowse-events HTTP/1.1
//! Content-Type: application/json
//! X-Cobrowse-Signature: sha256=<hex HMAC-SHA256 of the body, keyed with the site's secret>
//! ```
//!
//! A request that fails (no connection, no answer within [`REQUEST_TIMEOUT`], a status other than 2xx) is
//! tried again after 0.5 s, 1 s, 2 s and 4 s; after [`ATTEMPTS`] attempts the event is given up, counted in
//! `cobrowse_webhook_events_failed_total` and logged. Sending never holds up a session: each site has one
//! delivery task with a bounded queue, and an event that finds it full is dropped and counted
//! (`cobrowse_webhook_events_dropped_total`).
//!
//! `https://` URLs are reached with rustls (hyper-rustls under hyper-util's client, set up in
//! `client_tls.rs`), trusting the public roots (webpki-roots, Mozilla's list) and, for a private CA, the
//! certificates of the webhook's `ca_file`; `http://` ones in the clear, for a receiver on a private network.

use crate::config::{SiteConfig, WebhookConfig};
use crate::metrics::Metrics;
use bytes::Bytes;
use hmac::{Hmac, Mac};
use http_body_util::Full;
use hyper::header::{CONTENT_TYPE, USER_AGENT};
use hyper::{Method, Request};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use sha2::Sha256;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// The header carrying the body's signature.
pub(crate) const SIGNATURE_HEADER: &str = "x-cobrowse-signature";

/// How many events may wait for one site's webhook.
const QUEUE_EVENTS: usize = 1024;

/// How many times an event is tried.
const ATTEMPTS: u32 = 5;

/// The wait before the first retry; each next one waits twice as long.
const FIRST_RETRY: Duration = Duration::from_millis(500);

/// How long one request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

type HttpClient = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

/// Each configured site's delivery queue.
pub(crate) struct Webhooks {
    queues: HashMap<String, mpsc::Sender<Bytes>>,
    metrics: Arc<Metrics>,
}

impl Webhooks {
    /// Starts one delivery task per site with a webhook (on the current tokio runtime). Each ends once
    /// the relay's state is dropped. Fails if a webhook's `ca_file` cannot be used.
    pub fn start(sites: &[SiteConfig], metrics: Arc<Metrics>) -> std::io::Result<Webhooks> {
        Webhooks::start_with_queue(sites, metrics, QUEUE_EVENTS)
    }

    fn start_with_queue(sites: &[SiteConfig], metrics: Arc<Metrics>, queue_events: usize) -> std::io::Result<Webhooks> {
        let mut queues = HashMap::new();
        for site in sites {
            let Some(webhook) = &site.webhook else { continue };
            let client = client_for(webhook).map_err(|problem| {
                std::io::Error::other(format!("the webhook of site {:?} cannot be used: {problem}", site.id))
            })?;
            let (sender, receiver) = mpsc::channel(queue_events);
            let delivery = Delivery { site: site.id.clone(), webhook: webhook.clone(), client };
            tokio::spawn(delivery.run(receiver, metrics.clone()));
            queues.insert(site.id.clone(), sender);
        }
        Ok(Webhooks { queues, metrics })
    }

    /// Queues an event's JSON body for `site`'s webhook, if it has one; drops it, counted, if the queue is full.
    pub fn send(&self, site: &str, body: Bytes) {
        let Some(queue) = self.queues.get(site) else { return };
        if let Err(mpsc::error::TrySendError::Full(_)) = queue.try_send(body) {
            let dropped = self.metrics.webhook_event_dropped();
            if dropped == 1 || dropped % 1000 == 0 {
                tracing::warn!(site, dropped, "a site's webhook is behind: its events are being dropped");
            }
        }
    }
}

/// One site's deliveries.
struct Delivery {
    site: String,
    webhook: WebhookConfig,
    client: HttpClient,
}

impl Delivery {
    async fn run(self, mut bodies: mpsc::Receiver<Bytes>, metrics: Arc<Metrics>) {
        while let Some(body) = bodies.recv().await {
            if !self.deliver(body).await {
                metrics.webhook_event_failed();
            }
        }
    }

    /// Tries `body` up to [`ATTEMPTS`] times; whether it was accepted.
    async fn deliver(&self, body: Bytes) -> bool {
        let signature = signature(self.webhook.secret.as_bytes(), &body);
        let mut wait = FIRST_RETRY;
        for attempt in 1..=ATTEMPTS {
            match self.post(body.clone(), &signature).await {
                Ok(()) => return true,
                Err(problem) if attempt == ATTEMPTS => {
                    tracing::warn!(
                        site = self.site,
                        url = self.webhook.url,
                        attempts = ATTEMPTS,
                        problem,
                        "webhook event given up"
                    );
                }
                Err(problem) => {
                    tracing::debug!(site = self.site, attempt, problem, "webhook attempt failed; trying again");
                    tokio::time::sleep(wait).await;
                    wait *= 2;
                }
            }
        }
        false
    }

    async fn post(&self, body: Bytes, signature: &str) -> Result<(), String> {
        let request = Request::builder()
            .method(Method::POST)
            .uri(&self.webhook.url)
            .header(CONTENT_TYPE, "application/json")
            .header(USER_AGENT, concat!("cobrowse-relay/", env!("CARGO_PKG_VERSION")))
            .header(SIGNATURE_HEADER, signature)
            .body(Full::new(body))
            .map_err(|error| error.to_string())?;
        let response = tokio::time::timeout(REQUEST_TIMEOUT, self.client.request(request))
            .await
            .map_err(|_| "no answer in time".to_owned())?
            .map_err(|error| error.to_string())?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(format!("answered {}", response.status()))
        }
    }
}

/// A client for `webhook`'s URL, http or https; over https it trusts the public roots and the webhook's
/// `ca_file`.
fn client_for(webhook: &WebhookConfig) -> Result<HttpClient, String> {
    let tls = crate::client_tls::client_config(webhook.ca_certificates()?)?;
    let connector = crate::client_tls::https_or_http(HttpConnector::new(), tls);
    Ok(Client::builder(TokioExecutor::new()).build(connector))
}

/// `sha256=<hex HMAC-SHA256 of body keyed with secret>`.
pub(crate) fn signature(secret: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
    format!("sha256={hex}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[tokio::test]
    async fn an_event_that_finds_the_queue_full_is_dropped_and_counted() {
        let mut config = Config::development(Some("pw".into()));
        let secret = "0123456789abcdef".to_owned();
        config.sites[0].webhook = Some(WebhookConfig::new("http://127.0.0.1:9/hook", secret));
        let metrics = Arc::new(Metrics::new());
        let webhooks = Webhooks::start_with_queue(&config.sites, metrics.clone(), 1).unwrap();
        // The delivery task has not run yet (one thread, no await): the queue takes one event.
        for _ in 0..3 {
            webhooks.send("demo", Bytes::from_static(b"{}"));
        }
        webhooks.send("a site without a webhook", Bytes::from_static(b"{}"));
        let text = metrics.encode(0, 0);
        assert!(text.lines().any(|line| line == "cobrowse_webhook_events_dropped_total 2"), "{text}");
    }

    #[test]
    fn the_signature_is_rfc_4231_s_hmac_sha256() {
        // RFC 4231, test case 2.
        assert_eq!(
            signature(b"Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
