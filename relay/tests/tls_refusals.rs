//! Past the connection cap, a TLS client is told why as a plain one is: a 503 saying the relay is at its
//! limit, over TLS, after a handshake made for it. Those handshakes are bounded: while as many refused
//! connections as the relay allows sit in theirs, the next one is closed without a word; once they have
//! timed out, refused clients are told 503 again.

mod common;

use common::tls::{client_config, connect_tls, tls_relay};
use common::*;
use std::time::Duration;
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use tokio_rustls::rustls::pki_types::CertificateDer;

/// What the relay says to a TLS client refused at its cap, read to the end (`None`: the handshake failed).
async fn answer_to_a_refused_client(addr: std::net::SocketAddr, root: &CertificateDer<'static>) -> Option<String> {
    let mut stream =
        connect_tls(addr, "localhost", client_config(std::slice::from_ref(root), &[b"h2", b"http/1.1"])).await.ok()?;
    let mut answer = Vec::new();
    // A peer that closes without close_notify ends the read with an error; what came before counts.
    let _ = tokio::time::timeout(PATIENCE, stream.read_to_end(&mut answer)).await.expect("answered in time");
    Some(String::from_utf8_lossy(&answer).into_owned())
}

#[tokio::test]
async fn past_the_connection_cap_a_tls_client_gets_a_503_over_tls() {
    let served = tls_relay(|config| config.limits.max_connections = 2).await;
    let held = [TcpStream::connect(served.addr).await.unwrap(), TcpStream::connect(served.addr).await.unwrap()];
    let answer = answer_to_a_refused_client(served.addr, &served.root).await.expect("the handshake succeeds");
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("connection limit"), "{answer}");
    assert!(answer.contains("Retry-After: 5"), "{answer}");
    drop(held);
    served.relay.shutdown().await;
}

#[tokio::test]
async fn refusals_over_tls_are_bounded_and_resume_once_the_stalled_ones_time_out() {
    let served = tls_relay(|config| config.limits.max_connections = 1).await;
    let held = TcpStream::connect(served.addr).await.unwrap();
    // Refused connections that never start their handshake take every place for a refusal over TLS.
    let mut stalled = Vec::new();
    for _ in 0..cobrowse_relay::TLS_REFUSALS_AT_ONCE {
        stalled.push(TcpStream::connect(served.addr).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let unanswered = answer_to_a_refused_client(served.addr, &served.root).await;
    assert!(
        unanswered.as_ref().is_none_or(|answer| answer.is_empty()),
        "told nothing while the places are taken: {unanswered:?}"
    );

    // The stalled handshakes time out and give their places back.
    tokio::time::sleep(cobrowse_relay::TLS_REFUSAL_TIMEOUT + Duration::from_millis(500)).await;
    let answer = answer_to_a_refused_client(served.addr, &served.root).await.expect("the handshake succeeds");
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    drop((held, stalled));
    served.relay.shutdown().await;
}
