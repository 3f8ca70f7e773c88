//! A loopback TCP proxy that a test can cut and restore, standing for the network between a browser and
//! the relay.
//!
//! It accepts on `127.0.0.1:0` and forwards every connection to one target. [`Proxy::cut`] drops every
//! open connection at once (both sides see the TCP connection close, with no WebSocket close frame: a
//! browser reports 1006) and refuses new ones (accepted and closed at once) until [`Proxy::restore`].
//! [`Proxy::freeze`] keeps the connections open but lets no byte through either way (a half-open
//! connection: a laptop gone to sleep, a NAT that forgot the flow), which only heartbeats can detect.
//! The first request head (up to the blank line) of every connection is kept, so a test can check what
//! URLs and headers went over the wire; a WebSocket upgrade is always its connection's first request.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The most bytes of a connection's first request head that are kept.
const KEPT_HEAD_BYTES: usize = 16 * 1024;

/// What the proxy lets through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Network {
    Open,
    /// Connections dropped, new ones refused.
    Cut,
    /// Connections kept open, every byte dropped.
    Frozen,
}

/// A running proxy; it stops (and drops its connections) when dropped.
pub struct Proxy {
    addr: SocketAddr,
    /// The network's state; every connection task watches it.
    network: watch::Sender<Network>,
    request_heads: Arc<Mutex<Vec<String>>>,
    accept_task: JoinHandle<()>,
}

impl Proxy {
    /// Starts forwarding connections on a free loopback port to `target`.
    pub async fn start(target: SocketAddr) -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let (network, _) = watch::channel(Network::Open);
        let request_heads = Arc::new(Mutex::new(Vec::new()));
        let accept_task = tokio::spawn(accept_loop(listener, target, network.clone(), request_heads.clone()));
        Ok(Self { addr, network, request_heads, accept_task })
    }

    /// Starts a proxy to an `http://host:port` origin (the relay's).
    pub async fn to_origin(origin: &str) -> crate::error::Result<Self> {
        let target: SocketAddr = origin
            .strip_prefix("http://")
            .ok_or_else(|| format!("the proxy forwards to http:// origins only, not {origin}"))?
            .parse()?;
        Ok(Self::start(target).await?)
    }

    /// `http://127.0.0.1:PORT`: the target as the browser should reach it.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The proxy's own address.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Drops every open connection and refuses new ones, until [`Proxy::restore`].
    pub fn cut(&self) {
        self.network.send_replace(Network::Cut);
    }

    /// Keeps every connection open but lets no byte through, until [`Proxy::restore`] (or a cut).
    pub fn freeze(&self) {
        self.network.send_replace(Network::Frozen);
    }

    /// Lets connections through again.
    pub fn restore(&self) {
        self.network.send_replace(Network::Open);
    }

    /// The first request head of every connection so far (request line and headers).
    pub fn request_heads(&self) -> Vec<String> {
        self.request_heads.lock().expect("the request heads").clone()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accept_task.abort();
        // Connection tasks end when they see the cut.
        self.network.send_replace(Network::Cut);
    }
}

async fn accept_loop(
    listener: TcpListener,
    target: SocketAddr,
    network: watch::Sender<Network>,
    request_heads: Arc<Mutex<Vec<String>>>,
) {
    while let Ok((client, _)) = listener.accept().await {
        if *network.borrow() == Network::Cut {
            drop(client);
            continue;
        }
        tokio::spawn(forward(client, target, network.subscribe(), request_heads.clone()));
    }
}

/// Forwards one connection both ways until either side closes it or the network is cut.
async fn forward(
    mut client: TcpStream,
    target: SocketAddr,
    network: watch::Receiver<Network>,
    request_heads: Arc<Mutex<Vec<String>>>,
) {
    let Ok(mut server) = TcpStream::connect(target).await else {
        return;
    };
    let (mut client_read, mut client_write) = client.split();
    let (mut server_read, mut server_write) = server.split();
    let upstream = pump(&mut client_read, &mut server_write, &network, Some(&request_heads));
    let downstream = pump(&mut server_read, &mut client_write, &network, None);
    let mut cut = network.clone();
    tokio::select! {
        _ = upstream => {}
        _ = downstream => {}
        _ = cut.wait_for(|network| *network == Network::Cut) => {}
    }
    // Dropping both streams closes both connections.
}

/// Copies `from` into `to`, dropping what comes while the network is frozen; keeps the first request head
/// seen on the way when given `request_heads`.
async fn pump(
    from: &mut tokio::net::tcp::ReadHalf<'_>,
    to: &mut tokio::net::tcp::WriteHalf<'_>,
    network: &watch::Receiver<Network>,
    request_heads: Option<&Mutex<Vec<String>>>,
) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut head_done = request_heads.is_none();
    let mut buffer = [0u8; 16 * 1024];
    loop {
        let read = from.read(&mut buffer).await?;
        if read == 0 {
            return to.shutdown().await;
        }
        if *network.borrow() == Network::Frozen {
            continue;
        }
        if !head_done {
            head.extend_from_slice(&buffer[..read]);
            if let Some(end) = find(&head, b"\r\n\r\n").or((head.len() >= KEPT_HEAD_BYTES).then_some(KEPT_HEAD_BYTES)) {
                let text = String::from_utf8_lossy(&head[..end]).into_owned();
                request_heads.expect("kept only with a list").lock().expect("the request heads").push(text);
                head_done = true;
                head = Vec::new();
            }
        }
        to.write_all(&buffer[..read]).await?;
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// An echo server on loopback; returns its address.
    async fn echo_server() -> SocketAddr {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let (mut read, mut write) = stream.split();
                    let _ = tokio::io::copy(&mut read, &mut write).await;
                });
            }
        });
        addr
    }

    /// Writes `text` and reads the same number of bytes back.
    async fn round_trip(stream: &mut TcpStream, text: &str) -> std::io::Result<String> {
        stream.write_all(text.as_bytes()).await?;
        let mut answer = vec![0u8; text.len()];
        tokio::time::timeout(Duration::from_secs(2), stream.read_exact(&mut answer)).await??;
        Ok(String::from_utf8_lossy(&answer).into_owned())
    }

    /// Whether the peer closed `stream` (a read gives 0 bytes or an error) within a second.
    async fn is_closed(stream: &mut TcpStream) -> bool {
        let mut byte = [0u8; 1];
        match tokio::time::timeout(Duration::from_secs(1), stream.read(&mut byte)).await {
            Ok(Ok(0)) | Ok(Err(_)) => true,
            Ok(Ok(_)) | Err(_) => false,
        }
    }

    #[tokio::test]
    async fn a_frozen_connection_stays_open_but_carries_nothing_until_restored() {
        let proxy = Proxy::start(echo_server().await).await.unwrap();
        let mut stream = TcpStream::connect(proxy.local_addr()).await.unwrap();
        assert_eq!(round_trip(&mut stream, "before").await.unwrap(), "before");
        proxy.freeze();
        assert!(round_trip(&mut stream, "lost").await.is_err(), "nothing should come back while frozen");
        proxy.restore();
        assert_eq!(
            round_trip(&mut stream, "after").await.unwrap(),
            "after",
            "the same connection should carry bytes again after restore()"
        );
    }

    #[tokio::test]
    async fn forwards_until_cut_refuses_while_cut_and_forwards_again_after_restore() {
        let proxy = Proxy::start(echo_server().await).await.unwrap();
        let mut before = TcpStream::connect(proxy.local_addr()).await.unwrap();
        let request = "GET /ws/visitor?site=demo HTTP/1.1\r\nHost: x\r\n\r\n";
        assert_eq!(round_trip(&mut before, request).await.unwrap(), request, "the proxy should forward both ways");
        assert_eq!(proxy.request_heads(), vec!["GET /ws/visitor?site=demo HTTP/1.1\r\nHost: x".to_string()]);

        proxy.cut();
        assert!(is_closed(&mut before).await, "an open connection should be dropped by cut()");
        let mut during = TcpStream::connect(proxy.local_addr()).await.unwrap();
        assert!(is_closed(&mut during).await, "a new connection should be refused while cut");

        proxy.restore();
        let mut after = TcpStream::connect(proxy.local_addr()).await.unwrap();
        assert_eq!(
            round_trip(&mut after, "hello again").await.unwrap(),
            "hello again",
            "a new connection should be forwarded after restore()"
        );
    }
}
