//! The latency baseline: a bare WebSocket forwarder on loopback, the shortest path from one browser to
//! the other. Text a socket on the visitor port sends reaches every socket on the agent port, and the
//! reverse; nothing is parsed, framed or compressed. Accepted sockets have TCP_NODELAY, as the relay's do.

use futures_util::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;

/// Messages in flight per direction before a slow reader skips some.
const CHANNEL_CAPACITY: usize = 1024;

/// The running forwarder; it stops when dropped.
pub struct BareEcho {
    visitor_port: u16,
    agent_port: u16,
    tasks: Vec<JoinHandle<()>>,
}

impl BareEcho {
    pub async fn start() -> cobrowse_e2e::Result<Self> {
        let (to_agents, _) = broadcast::channel::<String>(CHANNEL_CAPACITY);
        let (to_visitors, _) = broadcast::channel::<String>(CHANNEL_CAPACITY);
        let visitor_listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let agent_listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let visitor_port = visitor_listener.local_addr()?.port();
        let agent_port = agent_listener.local_addr()?.port();
        let tasks = vec![
            tokio::spawn(accept(visitor_listener, to_agents.clone(), to_visitors.clone())),
            tokio::spawn(accept(agent_listener, to_visitors, to_agents)),
        ];
        Ok(Self { visitor_port, agent_port, tasks })
    }

    /// Where the visitor's page connects.
    pub fn visitor_url(&self) -> String {
        format!("ws://127.0.0.1:{}/", self.visitor_port)
    }

    /// Where the agent's page connects.
    pub fn agent_url(&self) -> String {
        format!("ws://127.0.0.1:{}/", self.agent_port)
    }
}

impl Drop for BareEcho {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// Accepts sockets on `listener`: what they send goes to `outgoing`, what `incoming` carries goes to them.
async fn accept(listener: TcpListener, outgoing: broadcast::Sender<String>, incoming: broadcast::Sender<String>) {
    while let Ok((stream, _)) = listener.accept().await {
        tokio::spawn(forward(stream, outgoing.clone(), incoming.subscribe()));
    }
}

/// One socket's life: its text messages out to the other side, the other side's in to it.
async fn forward(stream: TcpStream, outgoing: broadcast::Sender<String>, mut incoming: broadcast::Receiver<String>) {
    let _ = stream.set_nodelay(true);
    let Ok(socket) = tokio_tungstenite::accept_async(stream).await else {
        return;
    };
    let (mut sink, mut source) = socket.split();
    loop {
        tokio::select! {
            received = source.next() => match received {
                Some(Ok(Message::Text(text))) => { let _ = outgoing.send(text.as_str().to_owned()); }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return,
            },
            forwarded = incoming.recv() => match forwarded {
                Ok(text) => if sink.send(Message::text(text)).await.is_err() { return },
                Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => return,
            },
        }
    }
}
