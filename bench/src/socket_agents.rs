//! Agents that are sockets, not browsers: each joins a session through the relay's agent endpoint with the
//! harness's password and reads every frame until it is dropped. They stand for the other agents of a
//! support call when latency is measured with 10 agents (one real viewer and nine of these): the relay
//! fans every frame out to all of them, which is the cost being measured, while two cores could not run
//! ten Chromium viewers beside the visitor's.

use cobrowse_e2e::relay::{AGENT_NAMES, AGENT_PASSWORD};
use cobrowse_protocol::message::{decode_control, encode_control};
use cobrowse_protocol::Control;
use futures_util::{SinkExt, StreamExt};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;

/// How long an agent may take to be told it joined.
const JOIN_TIMEOUT: Duration = Duration::from_secs(10);

/// Socket agents reading a session; they leave when dropped.
pub struct SocketAgents {
    readers: Vec<JoinHandle<()>>,
}

impl SocketAgents {
    /// Joins `count` agents (the second account of the harness) to session `key` on the relay at `origin`
    /// (`http://ADDRESS`); each has joined when this returns.
    pub async fn join(origin: &str, key: &str, count: usize) -> cobrowse_e2e::Result<SocketAgents> {
        let address = origin.strip_prefix("http://").ok_or_else(|| format!("{origin} is not an http:// origin"))?;
        let mut readers = Vec::with_capacity(count);
        for _ in 0..count {
            let socket = join_one(address, key).await?;
            readers.push(tokio::spawn(read_all(socket)));
        }
        Ok(SocketAgents { readers })
    }
}

impl Drop for SocketAgents {
    fn drop(&mut self) {
        self.readers.iter().for_each(JoinHandle::abort);
    }
}

type Socket = tokio_tungstenite::WebSocketStream<TcpStream>;

async fn join_one(address: &str, key: &str) -> cobrowse_e2e::Result<Socket> {
    let stream = TcpStream::connect(address).await?;
    let (mut socket, _) = tokio_tungstenite::client_async(format!("ws://{address}/ws/agent"), stream)
        .await
        .map_err(|error| format!("a socket agent cannot connect to {address}: {error}"))?;
    let join = Control::Join { name: AGENT_NAMES[1].into(), password: AGENT_PASSWORD.into(), key: key.into() };
    socket.send(Message::binary(encode_control(&join))).await?;
    tokio::time::timeout(JOIN_TIMEOUT, joined(&mut socket))
        .await
        .map_err(|_| format!("a socket agent was not told it joined {key} within {JOIN_TIMEOUT:?}"))??;
    Ok(socket)
}

/// Reads until `Joined`; fails if the socket closes first.
async fn joined(socket: &mut Socket) -> cobrowse_e2e::Result<()> {
    while let Some(message) = socket.next().await {
        if let Message::Binary(bytes) = message? {
            if let Ok(Control::Joined { .. }) = decode_control(&bytes) {
                return Ok(());
            }
        }
    }
    Err("a socket agent's connection closed before it joined".into())
}

/// Reads (and drops) every frame, as a viewer that keeps up would.
async fn read_all(mut socket: Socket) {
    while let Some(Ok(_)) = socket.next().await {}
}
