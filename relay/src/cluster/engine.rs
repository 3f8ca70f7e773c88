//! The cluster engine behind one interface: [`Engine::Alone`] (the default: one relay, sessions in its
//! memory, keys unique within it) or [`Engine::Redis`] (a node of a cluster: keys claimed cluster-wide,
//! messages to other nodes through Redis pub/sub).
//!
//! What Redis holds: one string per live session key, `cobrowse:key:{key}` = `"{node} {site}"`, set with
//! `SET NX EX` (so a key is issued once across the cluster) and renewed by its home node every third of
//! the lease; deleted when the session ends. Beside it, `cobrowse:call:{key}`, a hash of what the session
//! carries to another node (`carried.rs`: `consent:{account}` → `allowed` or `declined`, `control` → the
//! account holding control, `tab:{n}` → a tab id), written by the home node in order with what it
//! publishes, with the same lease, so a node that takes the session over asks no one again, lets no
//! declined account in, gives control back to its account and keeps the tabs' numbers. Each node's counts under the cluster-wide session caps are a hash
//! `cobrowse:caps:{node}` (`shared_caps.rs`). Everything else crosses as pub/sub messages (`wire.rs`) and
//! is not stored: a node's channel is `cobrowse:node:{id}`.
//!
//! One task publishes everything this node sends, in order (`send`); one task reads this node's channel
//! (`listen.rs`). The tables here only route: which remote agent's socket on this node a message is
//! for, and which home-side task serves an agent of another node.

use super::pages::{ReceivedPages, Send, SentPages};
use super::wire::{node_channel, Wire};
use crate::carried::Carried;
use bytes::Bytes;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// How long one engine command may take before it counts as failed.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(1);

/// Where sessions are shared.
#[derive(Clone, Default)]
pub(crate) enum Engine {
    /// One relay, in memory.
    #[default]
    Alone,
    /// A node of a cluster.
    Redis(Arc<RedisNode>),
}

/// Where a session lives, as its key says in the engine: `"{node} {site} {secret hash} {origin}"` (the
/// last two once the session is open; `-` for no origin).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Home {
    pub node: String,
    pub site: String,
    /// The SHA-256 of the resume secret (hex), so another node can take the session over.
    pub secret_hash: Option<String>,
    pub origin: Option<String>,
}

/// Where the session of a key this node does not hold lives, as far as the engine can say now.
#[derive(Debug)]
pub(crate) enum Located {
    /// On another node.
    Elsewhere(Home),
    /// On no node (alone: always).
    Nowhere,
    /// The engine cannot say now: it is out of reach, or it restarted moments ago and the home nodes may
    /// not have set their keys again yet. A join should be tried again soon, not refused for good.
    Unsure,
}

/// How long after this node gets back in touch with the engine a key the engine lacks may only be missing
/// for now (each node reconnects within a few hundred milliseconds of the engine's return, then sets its
/// keys again at once).
const SETTLING: Duration = Duration::from_secs(5);

impl Home {
    /// The engine's value for a session of `site` on `node`.
    pub fn value(node: &str, site: &str, secret_hash: &str, origin: Option<&str>) -> String {
        format!("{node} {site} {secret_hash} {}", origin.unwrap_or("-"))
    }

    fn parse(value: &str) -> Option<Home> {
        let mut words = value.split(' ');
        let (node, site) = (words.next()?.to_owned(), words.next()?.to_owned());
        let secret_hash = words.next().map(str::to_owned);
        let origin = words.next().filter(|origin| *origin != "-").map(str::to_owned);
        Some(Home { node, site, secret_hash, origin })
    }
}

/// What a remote agent's socket on this node is sent.
#[derive(Debug)]
pub(crate) enum Delivery {
    Frame(Bytes),
    /// The home node let it go: close so.
    Closed {
        code: u16,
        reason: String,
    },
}

/// A message for the home-side task of a remote agent.
#[derive(Debug)]
pub(crate) enum FromRemote {
    Frame(Bytes),
    Left,
}

/// A remote agent's socket on this node: the home node of its session, and what it is sent.
struct Connected {
    home: String,
    socket: mpsc::Sender<Delivery>,
}

/// The other nodes whose liveness is watched (`liveness.rs` keeps it): for each, its watch's number and
/// whether it was found dead.
#[derive(Default)]
pub(crate) struct Watches {
    pub by_node: Mutex<HashMap<String, (u64, tokio::sync::watch::Receiver<bool>)>>,
}

/// What waits for the publishing task, sent in the order queued.
pub(crate) enum Outgoing {
    /// A message to a node's channel.
    Publish { channel: String, message: Vec<u8> },
    /// An engine command whose answer nobody waits for.
    Command(redis::Cmd),
}

/// This relay as a node of a Redis cluster.
pub(crate) struct RedisNode {
    pub id: String,
    pub client: redis::Client,
    commands: ConnectionManager,
    lease: Duration,
    outbox: mpsc::UnboundedSender<Outgoing>,
    /// The publishing task's end of `outbox`, taken when it starts.
    pub outbox_receiver: Mutex<Option<mpsc::UnboundedReceiver<Outgoing>>>,
    next_id: AtomicU64,
    /// Remote agents connected here, by connection number.
    here: Mutex<HashMap<u64, Connected>>,
    /// Home-side tasks of agents connected to other nodes, by (node, connection number).
    away: Mutex<HashMap<(String, u64), mpsc::UnboundedSender<FromRemote>>>,
    /// Page frames sent, by (node, session key).
    sent: Mutex<HashMap<(String, String), SentPages>>,
    /// Page frames received, by (home node, session key).
    received: Mutex<HashMap<(String, String), ReceivedPages>>,
    /// Whether the last engine command or subscription worked.
    reachable: AtomicBool,
    /// When this node last got back in touch with the engine after a time out of reach (`resync.rs`).
    back_in_touch: Mutex<Option<Instant>>,
    /// The other nodes whose liveness is watched (`liveness.rs`).
    pub watches: Watches,
    /// Figures for `/metrics`.
    pub figures: Figures,
}

/// What this node counts about the cluster.
#[derive(Default)]
pub(crate) struct Figures {
    /// Messages published to other nodes, and their bytes.
    pub published: AtomicU64,
    pub published_bytes: AtomicU64,
    /// Page frames whose bytes crossed, and those sent again by id only.
    pub pages_crossed: AtomicU64,
    pub pages_again: AtomicU64,
    /// Messages received from other nodes.
    pub received: AtomicU64,
    /// The last engine round trip (a key claim or renewal), in microseconds.
    pub round_trip_micros: AtomicU64,
}

impl RedisNode {
    /// Connects to the engine at `url` as node `id` (a random name when `None`).
    pub async fn connect(url: &str, id: Option<String>, lease: Duration) -> Result<Arc<RedisNode>, String> {
        let client = redis::Client::open(url).map_err(|error| format!("{url} is not a usable Redis URL: {error}"))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(COMMAND_TIMEOUT)
            .set_response_timeout(COMMAND_TIMEOUT)
            .set_number_of_retries(1);
        let commands = ConnectionManager::new_with_config(client.clone(), config).await.map_err(|error| {
            format!("cannot reach Redis at {url}: {error}; start redis-server there, or fix [cluster] redis / --redis")
        })?;
        let (outbox, receiver) = mpsc::unbounded_channel();
        let id = id.unwrap_or_else(|| format!("node-{:08x}", rand::random::<u32>()));
        Ok(Arc::new(RedisNode {
            id,
            client,
            commands,
            lease,
            outbox,
            outbox_receiver: Mutex::new(Some(receiver)),
            next_id: AtomicU64::new(1),
            here: Mutex::default(),
            away: Mutex::default(),
            sent: Mutex::default(),
            received: Mutex::default(),
            reachable: AtomicBool::new(true),
            back_in_touch: Mutex::default(),
            watches: Default::default(),
            figures: Figures::default(),
        }))
    }

    /// A number never given before on this node (connection numbers, page ids).
    pub fn fresh_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    pub fn reachable(&self) -> bool {
        self.reachable.load(Ordering::Relaxed)
    }

    pub fn set_reachable(&self, reachable: bool) {
        if self.reachable.swap(reachable, Ordering::Relaxed) != reachable {
            if reachable {
                tracing::info!(node = self.id, "the cluster engine is reachable again");
            } else {
                tracing::warn!(node = self.id, "the cluster engine is unreachable; serving the sessions held here");
            }
        }
    }

    /// Notes that this node is back in touch with the engine after a time out of reach.
    pub fn note_back_in_touch(&self) {
        *lock(&self.back_in_touch) = Some(Instant::now());
    }

    /// Whether a key the engine does not hold may only be missing for now: this node got back in touch
    /// with the engine less than [`SETTLING`] ago, and an engine that restarted holds no key until each
    /// home node has set its keys again.
    fn may_lack_keys(&self) -> bool {
        lock(&self.back_in_touch).is_some_and(|back| back.elapsed() < SETTLING)
    }

    /// Where another node holds the session with `key`, as far as the engine can say now.
    async fn locate_elsewhere(&self, key: &str) -> Located {
        match self.home_value(key).await {
            None => Located::Unsure,
            Some(None) if self.may_lack_keys() => Located::Unsure,
            Some(value) => match value.as_deref().and_then(Home::parse) {
                Some(home) if home.node != self.id => Located::Elsewhere(home),
                _ => Located::Nowhere,
            },
        }
    }

    fn commands(&self) -> ConnectionManager {
        self.commands.clone()
    }

    /// Runs one engine command, timing it and noting whether the engine answered.
    async fn run<T: redis::FromRedisValue>(&self, command: &redis::Cmd) -> Option<T> {
        let started = std::time::Instant::now();
        let result = command.query_async::<T>(&mut self.commands()).await;
        self.set_reachable(result.is_ok());
        match result {
            Ok(value) => {
                let micros = started.elapsed().as_micros().min(u64::MAX as u128) as u64;
                self.figures.round_trip_micros.store(micros, Ordering::Relaxed);
                Some(value)
            }
            Err(error) => {
                tracing::warn!(node = self.id, %error, "a cluster engine command failed");
                None
            }
        }
    }

    /// Runs `pipe` (one `MULTI` when it is atomic), noting whether the engine answered.
    pub(super) async fn run_pipe<T: redis::FromRedisValue>(&self, pipe: &redis::Pipeline) -> Option<T> {
        let result = pipe.query_async::<T>(&mut self.commands()).await;
        self.set_reachable(result.is_ok());
        result.map_err(|error| tracing::warn!(node = self.id, %error, "a cluster engine command failed")).ok()
    }

    /// Runs a script, noting whether the engine answered.
    pub(super) async fn run_script<T: redis::FromRedisValue>(
        &self,
        invocation: &redis::ScriptInvocation<'_>,
    ) -> Option<T> {
        let result = invocation.invoke_async::<T>(&mut self.commands()).await;
        self.set_reachable(result.is_ok());
        result.map_err(|error| tracing::warn!(node = self.id, %error, "a cluster engine script failed")).ok()
    }

    /// Claims `key` for a session of `site` here; false if another node (or this one) holds it, or the
    /// engine did not answer.
    pub async fn claim(&self, key: &str, site: &str) -> bool {
        let mut command = redis::cmd("SET");
        command.arg(key_name(key)).arg(format!("{} {site}", self.id)).arg("NX").arg("EX").arg(self.lease.as_secs());
        self.run::<Option<String>>(&command).await.flatten().is_some()
    }

    /// Where the session with `key` lives, if any node holds it, with the engine's value as it is.
    pub async fn locate(&self, key: &str) -> Option<(Home, String)> {
        let value = self.home_value(key).await.flatten()?;
        Some((Home::parse(&value)?, value))
    }

    /// The engine's value for `key`: `None` if the engine did not answer, `Some(None)` if it holds none.
    async fn home_value(&self, key: &str) -> Option<Option<String>> {
        let mut command = redis::cmd("GET");
        command.arg(key_name(key));
        self.run::<Option<String>>(&command).await
    }

    /// Completes the engine's value of `key`, claimed by this node, once its session is open.
    pub async fn describe(&self, key: &str, value: &str) {
        let mut command = redis::cmd("SET");
        command.arg(key_name(key)).arg(value).arg("XX").arg("EX").arg(self.lease.as_secs());
        self.run::<Option<String>>(&command).await;
    }

    /// Takes `key` over from a node that died: sets `value` if the engine still holds `was`.
    pub async fn take_over(&self, key: &str, was: &str, value: &str) -> bool {
        let script = redis::Script::new(
            "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3]) return 1 else return 0 end",
        );
        let mut invocation = script.key(key_name(key));
        invocation.arg(was).arg(value).arg(self.lease.as_secs());
        self.run_script::<i64>(&invocation).await == Some(1)
    }

    /// Says this node is alive, for [`ALIVE_FOR`]; called every [`BEAT`].
    pub async fn beat(&self) {
        let mut command = redis::cmd("SET");
        command.arg(alive_name(&self.id)).arg(1).arg("EX").arg(ALIVE_FOR.as_secs());
        self.run::<Option<String>>(&command).await;
    }

    /// Whether node `node` said it is alive lately; `None` if the engine did not answer.
    pub async fn alive(&self, node: &str) -> Option<bool> {
        let mut command = redis::cmd("EXISTS");
        command.arg(alive_name(node));
        self.run::<i64>(&command).await.map(|exists| exists == 1)
    }

    /// Renews the lease of the keys held here, `(key, value)`; a key the engine lost is set again.
    pub async fn renew(&self, keys: &[(String, String)]) {
        let mut pipe = redis::pipe();
        for (key, value) in keys {
            let lease = self.lease.as_secs();
            pipe.cmd("SET").arg(key_name(key)).arg(value).arg("NX").arg("EX").arg(lease).ignore();
            pipe.cmd("EXPIRE").arg(key_name(key)).arg(lease).ignore();
            pipe.cmd("EXPIRE").arg(call_name(key)).arg(lease).ignore();
        }
        if keys.is_empty() {
            pipe.cmd("PING").ignore();
        }
        let started = std::time::Instant::now();
        let result = pipe.query_async::<()>(&mut self.commands()).await;
        self.set_reachable(result.is_ok());
        if result.is_ok() {
            let micros = started.elapsed().as_micros().min(u64::MAX as u128) as u64;
            self.figures.round_trip_micros.store(micros, Ordering::Relaxed);
        }
    }

    /// Lets `key` go, if this node still holds it.
    pub async fn release(&self, key: &str) {
        let script = redis::Script::new(
            "if redis.call('GET', KEYS[1]) and string.find(redis.call('GET', KEYS[1]), ARGV[1] .. ' ', 1, true) == 1 \
             then return redis.call('DEL', KEYS[1], KEYS[2]) else return 0 end",
        );
        let mut invocation = script.key(key_name(key));
        invocation.key(call_name(key)).arg(&self.id);
        self.run_script::<i64>(&invocation).await;
    }

    /// The lease: how often the keys here are renewed is a third of it.
    pub fn lease(&self) -> Duration {
        self.lease
    }

    /// Queues `message` to node `node`; messages are published in the order queued.
    pub fn send(&self, node: &str, message: &Wire) {
        // An error only means the publishing task stopped (the relay is shutting down).
        let _ = self.outbox.send(Outgoing::Publish { channel: node_channel(node), message: message.encode() });
    }

    /// Queues `message` to every other node (each node ignores its own).
    pub fn broadcast(&self, message: &Wire) {
        let channel = super::wire::ALL_NODES.to_owned();
        // An error only means the publishing task stopped (the relay is shutting down).
        let _ = self.outbox.send(Outgoing::Publish { channel, message: message.encode() });
    }

    /// Writes what session `key` (held here) carries to another node (`carried.rs`) to the engine, in
    /// order with what this node publishes, as the hash `cobrowse:call:{key}`: a field `consent:{account}`
    /// per decision (allowed or declined), `control` naming the account holding control (removed when
    /// nobody does), and `tab:{n}` per tab seen, its id.
    pub fn remember_call(&self, key: &str, carried: &Carried) {
        let mut fields = redis::cmd("HSET");
        fields.arg(call_name(key));
        for (name, allowed) in &carried.decisions {
            fields.arg(format!("{CONSENT_FIELD}{name}")).arg(if *allowed { ALLOWED } else { DECLINED });
        }
        for (index, tab) in carried.tabs.iter().enumerate() {
            fields.arg(format!("{TAB_FIELD}{}", index + 1)).arg(tab);
        }
        if let Some(account) = &carried.control {
            fields.arg(CONTROL_FIELD).arg(account);
        }
        let mut commands = Vec::new();
        if carried.control.is_none() {
            let mut nobody = redis::cmd("HDEL");
            nobody.arg(call_name(key)).arg(CONTROL_FIELD);
            commands.push(nobody);
        }
        // HSET needs a field: a fresh session with nothing to carry yet writes only the rest.
        if !carried.decisions.is_empty() || !carried.tabs.is_empty() || carried.control.is_some() {
            commands.push(fields);
        }
        let mut expire = redis::cmd("EXPIRE");
        expire.arg(call_name(key)).arg(self.lease.as_secs());
        commands.push(expire);
        for command in commands {
            let _ = self.outbox.send(Outgoing::Command(command));
        }
    }

    /// What session `key` carried, as its last home node wrote it (nothing if the engine holds nothing
    /// or did not answer).
    pub async fn carried(&self, key: &str) -> Carried {
        let mut command = redis::cmd("HGETALL");
        command.arg(call_name(key));
        let held: Vec<(String, String)> = self.run(&command).await.unwrap_or_default();
        carried_from(held)
    }

    /// Sends page frame `frame` of session `key` to the remote agent `conn` of node `node`: its bytes the
    /// first time, its id after that (see `pages.rs`).
    pub fn send_page(&self, node: &str, key: &str, conn: u64, frame: &Bytes) {
        let mut sent = lock(&self.sent);
        let pages = sent.entry((node.to_owned(), key.to_owned())).or_default();
        let message = match pages.send(frame, || self.fresh_id()) {
            Send::Bytes { id, oldest } => {
                self.figures.pages_crossed.fetch_add(1, Ordering::Relaxed);
                Wire::Page { from: self.id.clone(), conn, id, oldest, key: key.to_owned(), frame: frame.to_vec() }
            }
            Send::Again { id } => {
                self.figures.pages_again.fetch_add(1, Ordering::Relaxed);
                Wire::PageAgain { from: self.id.clone(), conn, id, key: key.to_owned() }
            }
        };
        // Queued under the lock: the order of decisions is the order on the wire.
        self.send(node, &message);
    }

    /// A remote agent of session `key` on `node` is served here (until [`RedisNode::agent_gone`]).
    pub fn agent_served(&self, node: &str, key: &str) {
        lock(&self.sent).entry((node.to_owned(), key.to_owned())).or_default().agents += 1;
    }

    /// A remote agent of session `key` on `node` is no longer served here.
    pub fn agent_gone(&self, node: &str, key: &str) {
        let mut sent = lock(&self.sent);
        let entry = (node.to_owned(), key.to_owned());
        if let Some(pages) = sent.get_mut(&entry) {
            pages.agents = pages.agents.saturating_sub(1);
            if pages.agents == 0 {
                sent.remove(&entry);
            }
        }
    }

    /// Keeps a page frame received from `home` for session `key`; returns it.
    pub fn keep_page(&self, home: &str, key: &str, id: u64, oldest: u64, frame: Bytes) -> Bytes {
        let mut received = lock(&self.received);
        received.entry((home.to_owned(), key.to_owned())).or_default().keep(id, oldest, frame.clone());
        frame
    }

    /// A page frame received from `home` for session `key` before.
    pub fn page(&self, home: &str, key: &str, id: u64) -> Option<Bytes> {
        lock(&self.received).get(&(home.to_owned(), key.to_owned())).and_then(|pages| pages.get(id))
    }

    /// A remote agent's socket here, for session `key` of `home`: its connection number and what it is
    /// sent, at most `queue_frames` waiting.
    pub fn connect_agent(&self, home: &str, key: &str, queue_frames: usize) -> (u64, mpsc::Receiver<Delivery>) {
        let conn = self.fresh_id();
        let (sender, receiver) = mpsc::channel(queue_frames.max(1));
        lock(&self.here).insert(conn, Connected { home: home.to_owned(), socket: sender });
        lock(&self.received).entry((home.to_owned(), key.to_owned())).or_default().agents += 1;
        (conn, receiver)
    }

    /// The remote agent's socket `conn` here is gone.
    pub fn disconnect_agent(&self, conn: u64, home: &str, key: &str) {
        lock(&self.here).remove(&conn);
        let mut received = lock(&self.received);
        let entry = (home.to_owned(), key.to_owned());
        if let Some(pages) = received.get_mut(&entry) {
            pages.agents = pages.agents.saturating_sub(1);
            if pages.agents == 0 {
                received.remove(&entry);
            }
        }
    }

    /// Hands `delivery` to the remote agent's socket `conn` here, if it is still connected. A socket whose
    /// queue is full (`agent_queue_frames`, as a local agent's) is let go instead (its channel closes: it ends with 1013 and the viewer
    /// joins again, getting the kept state), so a slow agent never makes this node hold an unbounded queue.
    pub fn deliver(&self, conn: u64, delivery: Delivery) {
        let mut here = lock(&self.here);
        let Some(connected) = here.get(&conn) else { return };
        if let Err(mpsc::error::TrySendError::Full(_)) = connected.socket.try_send(delivery) {
            tracing::info!(node = self.id, conn, "a remote agent fell behind; it joins again");
            here.remove(&conn);
        }
    }

    /// Registers the home-side task of agent `conn` of node `node`.
    pub fn serve_remote(&self, node: &str, conn: u64) -> mpsc::UnboundedReceiver<FromRemote> {
        let (sender, receiver) = mpsc::unbounded_channel();
        lock(&self.away).insert((node.to_owned(), conn), sender);
        receiver
    }

    /// The home-side task of agent `conn` of node `node` ended.
    pub fn stop_serving_remote(&self, node: &str, conn: u64) {
        lock(&self.away).remove(&(node.to_owned(), conn));
    }

    /// Hands a message from remote agent `conn` of `node` to its home-side task here.
    pub fn hand_to_home_task(&self, node: &str, conn: u64, message: FromRemote) {
        if let Some(task) = lock(&self.away).get(&(node.to_owned(), conn)) {
            let _ = task.send(message);
        }
    }

    /// The remote agents connected here, by the home node of their session: their connection numbers.
    pub fn connected_by_home(&self) -> HashMap<String, Vec<u64>> {
        let mut by_home: HashMap<String, Vec<u64>> = HashMap::new();
        for (conn, connected) in lock(&self.here).iter() {
            by_home.entry(connected.home.clone()).or_default().push(*conn);
        }
        by_home
    }

    /// The connection numbers of the remote agents connected here to sessions of node `home`.
    pub fn connected_to(&self, home: &str) -> Vec<u64> {
        lock(&self.here).iter().filter(|(_, connected)| connected.home == home).map(|(conn, _)| *conn).collect()
    }

    /// The nodes whose agents are served here.
    pub fn nodes_served(&self) -> std::collections::BTreeSet<String> {
        lock(&self.away).keys().map(|(node, _)| node.clone()).collect()
    }

    /// The connection numbers of node `node`'s agents served here.
    pub fn served_for(&self, node: &str) -> Vec<u64> {
        lock(&self.away).keys().filter(|(from, _)| from == node).map(|(_, conn)| *conn).collect()
    }

    /// Forgets which page frames were sent to `node` (all nodes when `None`), so that each crosses with
    /// its bytes again: messages to it may have been lost. Returns the keys of the sessions it has agents of.
    pub fn forget_pages_sent(&self, node: Option<&str>) -> Vec<String> {
        let mut sent = lock(&self.sent);
        sent.iter_mut()
            .filter(|((to, _), _)| node.is_none_or(|node| node == to))
            .map(|((_, key), pages)| {
                pages.forget();
                key.clone()
            })
            .collect()
    }

    /// How many remote agents are connected here, and served here for other nodes.
    pub fn remote_agents(&self) -> (usize, usize) {
        (lock(&self.here).len(), lock(&self.away).len())
    }
}

/// How often a node says it is alive, and for how long each time: a node killed is known dead within
/// `ALIVE_FOR`.
pub(crate) const BEAT: Duration = Duration::from_secs(1);
const ALIVE_FOR: Duration = Duration::from_secs(3);

/// The engine's name of a node's liveness.
fn alive_name(node: &str) -> String {
    format!("cobrowse:alive:{node}")
}

/// The engine's name of a session key.
fn key_name(key: &str) -> String {
    format!("cobrowse:key:{key}")
}

/// The engine's name of a session's consent decisions.
fn call_name(key: &str) -> String {
    format!("cobrowse:call:{key}")
}

/// A consent decision as the engine holds it.
const ALLOWED: &str = "allowed";
/// The fields of `cobrowse:call:{key}`: `consent:{account}`, `control`, `tab:{n}`.
const CONSENT_FIELD: &str = "consent:";
const CONTROL_FIELD: &str = "control";
const TAB_FIELD: &str = "tab:";

/// What the fields of a `cobrowse:call:{key}` hash say; fields it does not know are left out.
fn carried_from(fields: Vec<(String, String)>) -> Carried {
    let mut carried = Carried::default();
    let mut tabs = Vec::new();
    for (field, value) in fields {
        if let Some(account) = field.strip_prefix(CONSENT_FIELD) {
            carried.decisions.push((account.to_owned(), value == ALLOWED));
        } else if let Some(number) = field.strip_prefix(TAB_FIELD).and_then(|n| n.parse::<usize>().ok()) {
            tabs.push((number, value));
        } else if field == CONTROL_FIELD {
            carried.control = Some(value);
        }
    }
    tabs.sort();
    carried.tabs = tabs.into_iter().map(|(_, tab)| tab).collect();
    carried
}
const DECLINED: &str = "declined";

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().expect("cluster table lock poisoned")
}

impl Engine {
    /// Whether this relay is a node of a cluster.
    pub fn node(&self) -> Option<&Arc<RedisNode>> {
        match self {
            Engine::Alone => None,
            Engine::Redis(node) => Some(node),
        }
    }

    /// Lets `key` go when its session ended.
    pub async fn release(&self, key: &str) {
        if let Engine::Redis(node) = self {
            node.release(key).await;
        }
    }

    /// Where another node holds the session with `key` (alone: nowhere).
    pub async fn locate(&self, key: &str) -> Located {
        match self {
            Engine::Alone => Located::Nowhere,
            Engine::Redis(node) => node.locate_elsewhere(key).await,
        }
    }

    /// Whether the engine is reachable (alone: always).
    pub fn healthy(&self) -> bool {
        self.node().is_none_or(|node| node.reachable())
    }
}

impl Engine {
    /// `metrics` (OpenMetrics text) with this node's cluster figures added before its `# EOF`; as it is
    /// when alone.
    pub fn add_figures(&self, metrics: String) -> String {
        let Some(node) = self.node() else { return metrics };
        let figures = &node.figures;
        let read = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        let (here, served) = node.remote_agents();
        let lines = [
            "# HELP cobrowse_cluster_engine_up Whether the cluster engine (Redis) answered last.".to_owned(),
            "# TYPE cobrowse_cluster_engine_up gauge".to_owned(),
            format!("cobrowse_cluster_engine_up {}", u8::from(node.reachable())),
            "# HELP cobrowse_cluster_engine_round_trip_seconds The last key claim or renewal's round trip.".to_owned(),
            "# TYPE cobrowse_cluster_engine_round_trip_seconds gauge".to_owned(),
            format!("cobrowse_cluster_engine_round_trip_seconds {}", read(&figures.round_trip_micros) as f64 / 1e6),
            "# HELP cobrowse_cluster_messages Messages published to other nodes, and received.".to_owned(),
            "# TYPE cobrowse_cluster_messages counter".to_owned(),
            format!("cobrowse_cluster_messages_total{{direction=\"out\"}} {}", read(&figures.published)),
            format!("cobrowse_cluster_messages_total{{direction=\"in\"}} {}", read(&figures.received)),
            "# HELP cobrowse_cluster_message_bytes Bytes of messages published to other nodes.".to_owned(),
            "# TYPE cobrowse_cluster_message_bytes counter".to_owned(),
            format!("cobrowse_cluster_message_bytes_total {}", read(&figures.published_bytes)),
            "# HELP cobrowse_cluster_page_frames Page frames sent to agents on other nodes: with their bytes, or again by id to a node that has them.".to_owned(),
            "# TYPE cobrowse_cluster_page_frames counter".to_owned(),
            format!("cobrowse_cluster_page_frames_total{{sent=\"bytes\"}} {}", read(&figures.pages_crossed)),
            format!("cobrowse_cluster_page_frames_total{{sent=\"again\"}} {}", read(&figures.pages_again)),
            "# HELP cobrowse_cluster_remote_agents Agents connected here to sessions of other nodes, and agents of other nodes served here.".to_owned(),
            "# TYPE cobrowse_cluster_remote_agents gauge".to_owned(),
            format!("cobrowse_cluster_remote_agents{{side=\"connected_here\"}} {here}"),
            format!("cobrowse_cluster_remote_agents{{side=\"served_here\"}} {served}"),
        ];
        let body = metrics.strip_suffix("# EOF\n").unwrap_or(&metrics);
        format!("{body}{}\n# EOF\n", lines.join("\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_hash_reads_back_as_what_was_carried() {
        let fields = [
            ("tab:2", "tab-b"),
            ("consent:ana", ALLOWED),
            ("control", "ana"),
            ("tab:1", "tab-a"),
            ("consent:control", DECLINED),
            ("consent:", ALLOWED),
            ("something newer", "left out"),
        ];
        let carried = carried_from(fields.iter().map(|(f, v)| (f.to_string(), v.to_string())).collect());
        let mut decisions = carried.decisions.clone();
        decisions.sort();
        assert_eq!(decisions, [("".to_owned(), true), ("ana".to_owned(), true), ("control".to_owned(), false)]);
        assert_eq!(carried.control.as_deref(), Some("ana"), "an account named control is not who holds it");
        assert_eq!(carried.tabs, ["tab-a", "tab-b"], "tabs in their numbers' order");
    }
}
