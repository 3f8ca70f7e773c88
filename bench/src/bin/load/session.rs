//! One session under load: a visitor that starts it, sends a ~200 KB snapshot and then 1 KB deltas at
//! 5 a second, and two agents that join and read everything the relay forwards.
//!
//! The relay forwards page frames without reading them, so a delta's payload carries what the agents need
//! to measure: its sequence number and the time it was sent (microseconds on the load's one clock). An
//! agent counts a gap in the numbers as lost frames and a number that comes back as reordered. Sockets come
//! from 16 loopback source addresses (127.0.0.2–17): one address has only ~28,000 ephemeral ports.

use crate::relay_process::{AGENTS, PASSWORD, SITE};
use crate::tally::Tally;
use cobrowse_protocol::frame::{self, FrameKind, HEADER_LEN};
use cobrowse_protocol::message::{decode_control, encode_control};
use cobrowse_protocol::Control;
use futures_util::{SinkExt, StreamExt};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

/// The size of the visitor's snapshot frame (unless `--snapshot-kb` says otherwise) and of each delta frame.
pub const SNAPSHOT_BYTES: usize = 200 * 1024;
pub const DELTA_BYTES: usize = 1024;
/// Deltas a visitor sends each second.
pub const DELTAS_PER_SECOND: u64 = 5;
/// How long one step of a session's start (connect, an answer) may take.
const PATIENCE: Duration = Duration::from_secs(30);

type Socket = WebSocketStream<TcpStream>;

/// What every session shares: the relays' addresses (one, or the nodes of a cluster), the clock the
/// stamps are read on, the tally, the signal to stop, and the size of each visitor's snapshot.
pub struct Load {
    pub relays: Vec<SocketAddr>,
    pub clock: Instant,
    pub tally: Tally,
    pub stop: watch::Receiver<bool>,
    pub snapshot_bytes: usize,
}

/// Runs session number `index` until told to stop; problems go to the tally.
pub async fn run(index: usize, load: Arc<Load>, setup: tokio::sync::OwnedSemaphorePermit) {
    if let Err(error) = run_session(index, &load, setup).await {
        load.tally.error(format!("session {index}: {error}"));
    }
}

async fn run_session(index: usize, load: &Arc<Load>, setup: tokio::sync::OwnedSemaphorePermit) -> Result<(), String> {
    // Session i's visitor and first agent are on node i; its second agent on the next node (in a cluster).
    let home = index % load.relays.len();
    let visitor = connect(load, home, index * 3, &format!("/ws/visitor?site={SITE}&tab=1")).await?;
    let (mut sending, mut receiving) = visitor.split();
    let key = match next_control(&mut receiving).await? {
        Control::SessionStarted { key, .. } => key,
        other => return Err(format!("the relay answered the visitor with {}", other.name())),
    };
    send(&mut sending, snapshot_frame(index, load.snapshot_bytes)).await?;
    let mut agents = Vec::new();
    for (number, name) in AGENTS.iter().enumerate() {
        let node = (home + number) % load.relays.len();
        agents.push((join(load, node, index * 3 + 1 + number, name, &key).await?, node != home));
    }
    Tally::count(&load.tally.ready_sessions, 1);
    drop(setup);
    let readers: Vec<_> = agents
        .into_iter()
        .map(|(agent, cross_node)| tokio::spawn(read_as_agent(agent, cross_node, load.clone())))
        .collect();
    let requests = tokio::spawn(read_as_visitor(receiving, load.clone()));
    send_deltas(&mut sending, index, load).await?;
    let _ = sending.send(Message::Binary(encode_control(&Control::EndSession).into())).await;
    let _ = sending.close().await;
    requests.abort();
    for reader in readers {
        let _ = reader.await;
    }
    Ok(())
}

/// A WebSocket to `path` on relay `node` from the `n`th source address.
async fn connect(load: &Load, node: usize, n: usize, path: &str) -> Result<Socket, String> {
    let relay = load.relays[node];
    let source = Ipv4Addr::new(127, 0, 0, 2 + (n % 16) as u8);
    let socket = TcpSocket::new_v4().map_err(|error| error.to_string())?;
    socket.bind((source, 0).into()).map_err(|error| format!("cannot bind {source}: {error}"))?;
    let stream = tokio::time::timeout(PATIENCE, socket.connect(relay))
        .await
        .map_err(|_| "connecting timed out".to_string())?
        .map_err(|error| format!("cannot connect: {error}"))?;
    let _ = stream.set_nodelay(true);
    let mut request = format!("ws://{relay}{path}").into_client_request().map_err(|error| error.to_string())?;
    request.headers_mut().insert("Origin", "http://load.test".parse().expect("a valid header value"));
    // Small buffers: tungstenite's default allocates 128 KiB for reading per socket, which for 30,000
    // sockets would make this tool, not the relay, what runs out of memory; and it zeroes the read size
    // before every read (the relay's `websocket.rs` reads 2 KiB at a time for the same reason).
    let config = WebSocketConfig::default().read_buffer_size(2 * 1024).write_buffer_size(0);
    let handshake = tokio_tungstenite::client_async_with_config(request, stream, Some(config));
    let (socket, _) = tokio::time::timeout(PATIENCE, handshake)
        .await
        .map_err(|_| "the WebSocket handshake timed out".to_string())?
        .map_err(|error| format!("the WebSocket handshake failed: {error}"))?;
    Ok(socket)
}

/// An agent joined to the session `key`.
async fn join(load: &Load, node: usize, n: usize, name: &str, key: &str) -> Result<Socket, String> {
    let mut agent = connect(load, node, n, "/ws/agent").await?;
    let join = Control::Join { name: name.into(), password: PASSWORD.into(), key: key.into() };
    agent.send(Message::Binary(encode_control(&join).into())).await.map_err(|error| error.to_string())?;
    loop {
        match next_control(&mut agent).await? {
            Control::Joined { .. } => return Ok(agent),
            Control::SignedIn { .. }
            | Control::Agents { .. }
            | Control::VisitorTab { .. }
            | Control::ControlHolder { .. } => continue,
            other => return Err(format!("agent {name} got {} instead of Joined", other.name())),
        }
    }
}

/// The next control message (skipping pings), within [`PATIENCE`].
async fn next_control<S>(socket: &mut S) -> Result<Control, String>
where
    S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    loop {
        let message = tokio::time::timeout(PATIENCE, socket.next()).await.map_err(|_| "no answer in time")?;
        match message {
            Some(Ok(Message::Binary(bytes))) => match decode_control(&bytes) {
                Ok(control) => return Ok(control),
                Err(_) => continue, // a page frame: not what is waited for
            },
            Some(Ok(Message::Close(frame))) => return Err(format!("closed: {frame:?}")),
            Some(Ok(_)) => continue,
            Some(Err(error)) => return Err(error.to_string()),
            None => return Err("the connection ended".into()),
        }
    }
}

async fn send<S>(sending: &mut S, frame: Vec<u8>) -> Result<(), String>
where
    S: futures_util::Sink<Message, Error = tokio_tungstenite::tungstenite::Error> + Unpin,
{
    sending.send(Message::Binary(frame.into())).await.map_err(|error| format!("cannot send: {error}"))
}

/// A snapshot frame of `bytes`: bytes that do not compress, as a deflated page does not.
fn snapshot_frame(seed: usize, bytes: usize) -> Vec<u8> {
    let mut state = seed as u64 * 0x9E37_79B9_7F4A_7C15 + 1;
    let payload: Vec<u8> = (0..bytes - HEADER_LEN)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    frame::encode(FrameKind::Snapshot, &payload)
}

/// A delta frame of [`DELTA_BYTES`] carrying its sequence number and send time.
fn delta_frame(sequence: u64, sent_micros: u64) -> Vec<u8> {
    let mut payload = vec![0x5a; DELTA_BYTES - HEADER_LEN];
    payload[..8].copy_from_slice(&sequence.to_le_bytes());
    payload[8..16].copy_from_slice(&sent_micros.to_le_bytes());
    frame::encode(FrameKind::Delta, &payload)
}

/// The sequence number and send time a delta frame carries.
fn read_delta(frame: &[u8]) -> Option<(u64, u64)> {
    let payload = frame.get(HEADER_LEN..)?;
    let sequence = u64::from_le_bytes(payload.get(..8)?.try_into().ok()?);
    let sent = u64::from_le_bytes(payload.get(8..16)?.try_into().ok()?);
    Some((sequence, sent))
}

/// Sends deltas at [`DELTAS_PER_SECOND`] until told to stop; sessions start at different phases.
async fn send_deltas<S>(sending: &mut S, index: usize, load: &Load) -> Result<(), String>
where
    S: futures_util::Sink<Message, Error = tokio_tungstenite::tungstenite::Error> + Unpin,
{
    let period = Duration::from_millis(1000 / DELTAS_PER_SECOND);
    let phase = period.mul_f64((index as f64 * 0.618_034) % 1.0);
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + phase, period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut stop = load.stop.clone();
    // One wait for the stop signal for the whole run: made anew each turn, it would join and leave the
    // signal's list of waiters, which every session's tasks share, on every delta.
    let stopped = stop.changed();
    tokio::pin!(stopped);
    let mut sequence = 0;
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            _ = &mut stopped => return Ok(()),
        }
        if *load.stop.borrow() {
            return Ok(());
        }
        let now = load.clock.elapsed().as_micros() as u64;
        send(sending, delta_frame(sequence, now)).await?;
        sequence += 1;
        Tally::count(&load.tally.deltas_sent_all, 1);
        if load.tally.measuring() {
            Tally::count(&load.tally.deltas_sent, 1);
        }
    }
}

/// Reads the visitor's socket (so pings are answered), counting the relay's snapshot requests.
async fn read_as_visitor<S>(mut receiving: S, load: Arc<Load>)
where
    S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    while let Some(Ok(message)) = receiving.next().await {
        if let Message::Binary(bytes) = message {
            if let Ok(Control::SnapshotRequested) = decode_control(&bytes) {
                Tally::count(&load.tally.snapshot_requests, 1);
            }
        }
    }
}

/// Reads everything the relay forwards to one agent until told to stop: each delta's latency (while the
/// window is open) and its place in the sequence.
async fn read_as_agent(mut agent: Socket, cross_node: bool, load: Arc<Load>) {
    let mut stop = load.stop.clone();
    let stopped = stop.changed(); // one wait for the whole run (see `send_deltas`)
    tokio::pin!(stopped);
    let mut expected = 0;
    let mut latencies = Vec::new();
    loop {
        let message = tokio::select! {
            message = agent.next() => message,
            _ = &mut stopped => break,
        };
        let bytes = match message {
            Some(Ok(Message::Binary(bytes))) => bytes,
            // Told to stop, the visitor ends its session, and the relay closes its agents (4010): this
            // connection may end before its own wait for the signal is polled.
            _ if *load.stop.borrow() => break,
            Some(Ok(Message::Close(frame))) => {
                let why =
                    frame.map_or_else(|| "no close frame".into(), |frame| format!("{} {}", frame.code, frame.reason));
                load.tally.error(format!("the relay closed an agent's connection before the load ended: {why}"));
                break;
            }
            Some(Ok(_)) => continue,
            Some(Err(error)) => {
                load.tally.error(format!("an agent's socket failed: {error}"));
                break;
            }
            None => {
                load.tally.error("an agent's connection ended before the load did".into());
                break;
            }
        };
        if bytes.get(1) != Some(&(FrameKind::Delta as u8)) {
            continue;
        }
        let Some((sequence, sent)) = read_delta(&bytes) else { continue };
        let now = load.clock.elapsed().as_micros() as u64;
        if load.tally.measuring() {
            latencies.push(now.saturating_sub(sent).min(u32::MAX as u64) as u32);
            Tally::count(&load.tally.deltas_received, 1);
        }
        if sequence < expected {
            Tally::count(&load.tally.reordered, 1);
            continue;
        }
        Tally::count(&load.tally.lost, sequence - expected);
        expected = sequence + 1;
    }
    load.tally.add_latencies(&latencies, cross_node);
}
