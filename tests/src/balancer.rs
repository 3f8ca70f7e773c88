//! A loopback load balancer in front of relay nodes, as a cloud one with health checks: each new
//! connection goes to the first node that accepts it, so a killed node's browsers reconnect to the next
//! one. No sticky sessions: which node a connection reaches is the balancer's business only.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// A running balancer; it stops (and drops its connections' forwarding) when dropped.
pub struct Balancer {
    addr: SocketAddr,
    nodes: Arc<Mutex<Vec<SocketAddr>>>,
    accept_task: JoinHandle<()>,
}

impl Balancer {
    /// Starts one on a free loopback port, in front of `nodes` (tried in this order).
    pub async fn start(nodes: Vec<SocketAddr>) -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let nodes = Arc::new(Mutex::new(nodes));
        let accept_task = tokio::spawn(accept_loop(listener, nodes.clone()));
        Ok(Self { addr, nodes, accept_task })
    }

    /// Adds a node behind the others.
    pub fn add(&self, node: SocketAddr) {
        self.nodes.lock().expect("the balancer's nodes").push(node);
    }

    /// `http://127.0.0.1:PORT`: the service as browsers reach it.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Balancer {
    fn drop(&mut self) {
        self.accept_task.abort();
    }
}

async fn accept_loop(listener: TcpListener, nodes: Arc<Mutex<Vec<SocketAddr>>>) {
    while let Ok((client, _)) = listener.accept().await {
        let nodes = nodes.lock().expect("the balancer's nodes").clone();
        tokio::spawn(forward(client, nodes));
    }
}

/// Forwards one connection to the first node that accepts it, until either side closes; a connection no
/// node accepts is closed.
async fn forward(mut client: TcpStream, nodes: Vec<SocketAddr>) {
    for node in nodes {
        if let Ok(mut server) = TcpStream::connect(node).await {
            let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
            return;
        }
    }
}
