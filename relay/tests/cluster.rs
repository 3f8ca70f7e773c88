//! Three relay nodes sharing sessions through a real `redis-server` on loopback (started here on a free
//! port, saving nothing): keys unique across nodes, an agent on one node joining a visitor on another,
//! page frames crossing in order and byte-identical (once per node), the agents' messages travelling
//! back, `/healthz` while the engine is down, and the session caps per site and per address counted
//! across the nodes. Skipped, saying so, where `redis-server` is not installed (`cargo xtask setup`
//! installs it).

mod common;

use cobrowse_protocol::call::NOBODY;
use cobrowse_protocol::message::decode_control;
use cobrowse_protocol::page::Point;
use cobrowse_protocol::{close, Control, RemoteInput};
use cobrowse_relay::{ClusterConfig, Config, TabPolicy};
use cobrowse_test_redis::{RedisServer, StartError};
use common::*;
use futures_util::StreamExt;
use std::collections::HashSet;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

/// The engine of the nodes: a real `redis-server` on a loopback port, killed when dropped; `None` (saying
/// so) where it is not installed. The `cobrowse-test-redis` crate knows the server by its process id, so a
/// port another test's server took is not mistaken for ours.
fn start_redis() -> Option<RedisServer> {
    match RedisServer::start() {
        Ok(server) => Some(server),
        Err(StartError::NotInstalled(error)) => {
            eprintln!("SKIPPED: redis-server is not installed ({error}); `cargo xtask setup` installs it");
            None
        }
        Err(error) => panic!("{error}"),
    }
}

/// A relay node named `node` of the cluster whose engine is `redis`.
async fn node(redis: &RedisServer, node: &str) -> TestRelay {
    node_with(redis, node, |_| {}).await
}

/// A node with the test config changed by `adjust`.
async fn node_with(redis: &RedisServer, node: &str, adjust: impl FnOnce(&mut Config)) -> TestRelay {
    let cluster = ClusterConfig { node_id: Some(node.into()), ..ClusterConfig::new(redis.url()) };
    start(|config| {
        config.cluster = Some(cluster);
        adjust(config);
    })
    .await
}

async fn three_nodes(redis: &RedisServer) -> [TestRelay; 3] {
    [node(redis, "a").await, node(redis, "b").await, node(redis, "c").await]
}

/// The relay's `/metrics` line starting with `name` (labels included), as a number.
async fn metric(addr: SocketAddr, name: &str) -> f64 {
    let text = get(addr, "/metrics").await.body;
    let text = String::from_utf8_lossy(&text);
    text.lines()
        .find(|line| line.starts_with(name))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
        .unwrap_or_else(|| panic!("no metric {name} in:\n{text}"))
}

#[tokio::test]
async fn an_agent_on_another_node_joins_and_gets_the_frames_in_order_as_sent() {
    let Some(redis) = start_redis() else { return };
    let [a, b, c] = three_nodes(&redis).await;
    let (mut visitor, key) = start_session(a.addr).await;
    let first = snapshot("S1 the page");
    send(&mut visitor, first.clone()).await;
    send(&mut visitor, delta("d0")).await;

    let mut ana = join(b.addr, AGENT, PASSWORD, &key).await;
    assert_eq!(next_binary(&mut ana).await, first, "the kept snapshot first, from the visitor's node");
    assert_eq!(next_binary(&mut ana).await, delta("d0"));
    assert_eq!(next_control(&mut visitor).await, Control::AgentJoined { name: AGENT.into(), agents: 1 });

    // Every byte value, so nothing on the way may read or re-encode the frames.
    let frames: Vec<_> = (0..100u32)
        .map(|n| {
            let body: Vec<u8> = (0..=255u8).cycle().skip(n as usize).take(300 + n as usize).collect();
            bytes::Bytes::from(cobrowse_protocol::frame::encode(cobrowse_protocol::FrameKind::Delta, &body))
        })
        .collect();
    for frame in &frames {
        send(&mut visitor, frame.clone()).await;
    }
    for (index, frame) in frames.iter().enumerate() {
        assert_eq!(&next_binary(&mut ana).await, frame, "frame {index} arrived changed or out of order");
    }

    // A late joiner on a third node gets the kept state: the snapshot and every delta after it.
    let mut bo = join(c.addr, OTHER_AGENT, OTHER_PASSWORD, &key).await;
    assert_eq!(next_binary(&mut bo).await, first);
    assert_eq!(next_binary(&mut bo).await, delta("d0"));
    for frame in &frames {
        assert_eq!(&next_binary(&mut bo).await, frame);
    }
}

#[tokio::test]
async fn a_sliced_snapshot_s_parts_cross_to_other_nodes_in_order_and_are_kept() {
    let Some(redis) = start_redis() else { return };
    let [a, b, c] = three_nodes(&redis).await;
    let (mut visitor, key) = start_session(a.addr).await;
    let frames = [snapshot("S1 the top"), snapshot_part("p1 the middle"), delta("d1"), snapshot_part("p2 the end")];
    send(&mut visitor, frames[0].clone()).await;
    send(&mut visitor, frames[1].clone()).await;

    let mut ana = join(b.addr, AGENT, PASSWORD, &key).await;
    assert_eq!(next_binary(&mut ana).await, frames[0]);
    assert_eq!(next_binary(&mut ana).await, frames[1], "the kept part follows its snapshot across");
    for frame in &frames[2..] {
        send(&mut visitor, frame.clone()).await;
    }
    for frame in &frames[2..] {
        assert_eq!(&next_binary(&mut ana).await, frame, "live parts cross like deltas, in order");
    }

    let mut bo = join(c.addr, OTHER_AGENT, OTHER_PASSWORD, &key).await;
    for frame in &frames {
        assert_eq!(&next_binary(&mut bo).await, frame, "a late agent on a third node gets the snapshot whole");
    }
}

#[tokio::test]
async fn the_agents_messages_travel_back_to_the_visitor_stamped_with_their_number() {
    let Some(redis) = start_redis() else { return };
    let [a, b, _c] = three_nodes(&redis).await;
    let (mut visitor, key) = start_session(a.addr).await;
    send(&mut visitor, snapshot("S1")).await;
    let mut ana = join(b.addr, AGENT, PASSWORD, &key).await;
    let agent = loop {
        if let Control::Agents { agents } = decode_control(&next_binary_any(&mut visitor).await).unwrap() {
            if let Some(watching) = agents.first() {
                break watching.agent;
            }
        }
    };
    let highlight = Control::Highlight { agent: 0, node: 7, at: Point { x: 10, y: 20 } };
    send(&mut ana, control(&highlight)).await;
    wait_for_control(&mut visitor, &Control::Highlight { agent, node: 7, at: Point { x: 10, y: 20 } }).await;

    // A page frame from an agent is refused on its own node, never reaching the visitor's.
    send(&mut ana, snapshot("forged")).await;
    let (code, _) = expect_close_after(&mut ana, |_| {}).await;
    assert_eq!(code, close::UNEXPECTED_MESSAGE);
    wait_for_control(&mut visitor, &Control::AgentLeft { name: AGENT.into(), agents: 0 }).await;
}

#[tokio::test]
async fn a_page_frame_crosses_once_per_node_however_many_agents_watch_there() {
    let Some(redis) = start_redis() else { return };
    let [a, b, _c] = three_nodes(&redis).await;
    let (mut visitor, key) = start_session(a.addr).await;
    send(&mut visitor, snapshot("S1")).await;
    let mut ana = join(b.addr, AGENT, PASSWORD, &key).await;
    let mut bo = join(b.addr, OTHER_AGENT, OTHER_PASSWORD, &key).await;
    assert_eq!(next_binary(&mut ana).await, snapshot("S1"));
    assert_eq!(next_binary(&mut bo).await, snapshot("S1"));
    let crossed_before = metric(a.addr, "cobrowse_cluster_page_frames_total{sent=\"bytes\"}").await;
    for n in 0..20 {
        send(&mut visitor, delta(&format!("d{n}"))).await;
    }
    for n in 0..20 {
        assert_eq!(next_binary(&mut ana).await, delta(&format!("d{n}")));
        assert_eq!(next_binary(&mut bo).await, delta(&format!("d{n}")));
    }
    let crossed = metric(a.addr, "cobrowse_cluster_page_frames_total{sent=\"bytes\"}").await - crossed_before;
    let again = metric(a.addr, "cobrowse_cluster_page_frames_total{sent=\"again\"}").await;
    assert_eq!(crossed, 20.0, "each delta's bytes crossed once for the two agents on node b");
    assert!(again >= 20.0, "the second agent got each delta by id: {again}");
}

#[tokio::test]
async fn keys_are_unique_across_the_nodes_and_unknown_ones_are_refused_everywhere() {
    let Some(redis) = start_redis() else { return };
    // 4-digit keys: among 450 sessions two nodes would draw the same key (7 times, on average) without
    // the engine's set-if-absent.
    let small_keys = |config: &mut Config| {
        config.key_digits = 4;
        config.max_sessions = 1000;
        config.limits.sessions_per_address = 1000;
    };
    let nodes = [
        node_with(&redis, "a", small_keys).await,
        node_with(&redis, "b", small_keys).await,
        node_with(&redis, "c", small_keys).await,
    ];
    let mut keys = HashSet::new();
    let mut visitors = Vec::new();
    for round in 0..150 {
        for node in &nodes {
            let (visitor, key) = start_session(node.addr).await;
            assert!(keys.insert(key.clone()), "key {key} issued twice (round {round})");
            visitors.push(visitor);
        }
    }
    let unused = (0..10_000).map(|n| format!("{n:04}")).find(|key| !keys.contains(key)).unwrap();
    let mut agent = connect_agent(nodes[1].addr).await;
    send_join(&mut agent, AGENT, PASSWORD, &unused).await;
    let (code, _) = expect_close(&mut agent).await;
    assert_eq!(code, close::UNKNOWN_KEY);
}

#[tokio::test]
async fn a_session_ended_on_its_node_closes_its_agents_on_the_others() {
    let Some(redis) = start_redis() else { return };
    let [a, b, _c] = three_nodes(&redis).await;
    let (mut visitor, key) = start_session(a.addr).await;
    send(&mut visitor, snapshot("S1")).await;
    let mut ana = join(b.addr, AGENT, PASSWORD, &key).await;
    assert_eq!(next_binary(&mut ana).await, snapshot("S1"));
    send(&mut visitor, control(&Control::EndSession)).await;
    let (code, _) = expect_close(&mut ana).await;
    assert_eq!(code, close::SESSION_ENDED);
    // The key is let go across the cluster: joining it on another node is refused.
    let deadline = Instant::now() + PATIENCE;
    loop {
        let mut late = connect_agent(b.addr).await;
        send_join(&mut late, OTHER_AGENT, OTHER_PASSWORD, &key).await;
        let (code, _) = expect_close(&mut late).await;
        if code == close::UNKNOWN_KEY {
            break;
        }
        assert!(Instant::now() < deadline, "the ended session's key still joins: {code}");
    }
}

#[tokio::test]
async fn healthz_says_degraded_while_the_engine_is_down_and_ok_when_it_is_back() {
    let Some(redis) = start_redis() else { return };
    let port = redis.port();
    let a = node(&redis, "a").await;
    assert_eq!(get(a.addr, "/healthz").await.body, b"ok");
    drop(redis);
    healthz_of_all(&[a.addr], "degraded").await;
    let _redis = RedisServer::start_on(port).unwrap();
    healthz_of_all(&[a.addr], "ok").await;
}

/// How long a lost leaving may take to be found: a roll call every 5 s, with the engine's restart before.
const ROLL_CALL_PATIENCE: Duration = Duration::from_secs(12);

/// Reads until the control message `wanted`, however long the silences before it, within `patience` in all.
async fn wait_for_control_within(patience: Duration, socket: &mut Socket, wanted: &Control) {
    tokio::time::timeout(patience, async {
        loop {
            match socket.next().await {
                Some(Ok(Message::Binary(bytes))) if decode_control(&bytes).as_ref() == Ok(wanted) => return,
                Some(Ok(_)) => continue,
                other => panic!("the socket ended before {wanted:?}: {other:?}"),
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{wanted:?} did not arrive within {patience:?}"));
}

/// Waits until `/healthz` of every node in `addrs` starts with `wanted`.
async fn healthz_of_all(addrs: &[SocketAddr], wanted: &str) {
    let deadline = Instant::now() + PATIENCE;
    for addr in addrs {
        loop {
            let body = get(*addr, "/healthz").await.body;
            if body.starts_with(wanted.as_bytes()) {
                break;
            }
            assert!(Instant::now() < deadline, "/healthz never said {wanted}: {}", String::from_utf8_lossy(&body));
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// The agent's binary messages until `wanted`, skipping any other (a frame the visitor sent while the
/// engine was down may or may not have crossed); panics after [`PATIENCE`].
async fn skip_until(socket: &mut Socket, wanted: &bytes::Bytes) {
    tokio::time::timeout(PATIENCE, async { while next_binary(socket).await != *wanted {} })
        .await
        .unwrap_or_else(|_| panic!("{wanted:?} did not arrive"));
}

/// Nodes a and b; a session on a with the snapshot "S1", and agent ana watching it from b.
async fn visitor_on_a_agent_on_b(redis: &RedisServer) -> (TestRelay, TestRelay, Socket, String, Socket) {
    let (a, b) = (node(redis, "a").await, node(redis, "b").await);
    let (mut visitor, key) = start_session(a.addr).await;
    send(&mut visitor, snapshot("S1")).await;
    let mut ana = join(b.addr, AGENT, PASSWORD, &key).await;
    assert_eq!(next_binary(&mut ana).await, snapshot("S1"));
    wait_for_control(&mut visitor, &Control::AgentJoined { name: AGENT.into(), agents: 1 }).await;
    (a, b, visitor, key, ana)
}

#[tokio::test]
async fn a_session_across_nodes_carries_on_after_the_engine_restarts_with_nothing_kept() {
    let Some(redis) = start_redis() else { return };
    let port = redis.port();
    let (a, b, mut visitor, key, mut ana) = visitor_on_a_agent_on_b(&redis).await;

    // The engine dies: what crosses meanwhile is lost, the visitor's delta and the agent's request alike.
    drop(redis);
    healthz_of_all(&[a.addr, b.addr], "degraded").await;
    send(&mut visitor, delta("lost while the engine is down")).await;
    send(&mut ana, control(&Control::MirrorOutOfStep)).await;

    // It comes back empty (`--save ""`): the nodes find each other again and make the agent whole.
    let _redis = RedisServer::start_on(port).unwrap();
    healthz_of_all(&[a.addr, b.addr], "ok").await;
    wait_for_control(&mut visitor, &Control::SnapshotRequested).await;
    send(&mut visitor, snapshot("S2")).await;
    skip_until(&mut ana, &snapshot("S2")).await;
    send(&mut visitor, delta("d1")).await;
    assert_eq!(next_binary(&mut ana).await, delta("d1"), "live frames cross again, in order");

    // The key is in the engine again: another agent joins it on a third node and gets the kept state.
    let c = node(&_redis, "c").await;
    let mut bo = join(c.addr, OTHER_AGENT, OTHER_PASSWORD, &key).await;
    assert_eq!(next_binary(&mut bo).await, snapshot("S2"));
    assert_eq!(next_binary(&mut bo).await, delta("d1"));
}

/// What joining `key` through `addr` ends in: the close code, or 0 if the agent joined.
async fn join_outcome(addr: SocketAddr, key: &str) -> u16 {
    let mut agent = connect_agent(addr).await;
    send_join(&mut agent, AGENT, PASSWORD, key).await;
    loop {
        match tokio::time::timeout(PATIENCE, agent.next()).await.expect("the relay answers the join in time") {
            Some(Ok(Message::Binary(bytes))) => match decode_control(&bytes) {
                Ok(Control::Joined { .. }) => return 0,
                _ => continue,
            },
            Some(Ok(Message::Close(Some(frame)))) => return frame.code.into(),
            Some(Ok(_)) => continue,
            other => panic!("the join ended without a close frame: {other:?}"),
        }
    }
}

#[tokio::test]
async fn while_the_engine_cannot_say_where_a_session_is_a_join_is_told_to_try_again_not_refused() {
    let Some(redis) = start_redis() else { return };
    let port = redis.port();
    let (a, b) = (node(&redis, "a").await, node(&redis, "b").await);
    let (_visitor, key) = start_session(a.addr).await;

    // The engine is down: node b cannot look the key up. A viewer that had joined must try again, not
    // be told the session ended.
    drop(redis);
    healthz_of_all(&[a.addr, b.addr], "degraded").await;
    assert_eq!(join_outcome(b.addr, &key).await, close::TRY_AGAIN_LATER, "the engine is down");

    // It comes back empty: until the nodes have set their keys again, and for a few seconds after b is
    // back in touch, a key the engine lacks may only be missing for now; the session's own key is found
    // once node a has set it again.
    let redis = RedisServer::start_on(port).unwrap();
    healthz_of_all(&[a.addr, b.addr], "ok").await;
    let back = Instant::now();
    assert_eq!(join_outcome(b.addr, "000000").await, close::TRY_AGAIN_LATER, "moments after the restart");
    let deadline = back + PATIENCE;
    loop {
        match join_outcome(b.addr, &key).await {
            0 => break,
            code => assert!(code == close::TRY_AGAIN_LATER && Instant::now() < deadline, "joining the key: {code}"),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Once settled, a key no node holds is refused for good again.
    tokio::time::sleep(Duration::from_secs(6).saturating_sub(back.elapsed())).await;
    assert_eq!(join_outcome(b.addr, "000000").await, close::UNKNOWN_KEY, "once settled");
    drop(redis);
}

#[tokio::test]
async fn a_remote_agent_that_falls_far_behind_is_let_go_to_join_again() {
    let Some(redis) = start_redis() else { return };
    let a = node(&redis, "a").await;
    let b = node_with(&redis, "b", |config| config.agent_queue_frames = 8).await;
    let (mut visitor, key) = start_session(a.addr).await;
    send(&mut visitor, snapshot("S1")).await;
    let mut slow = join(b.addr, AGENT, PASSWORD, &key).await;
    // `slow` reads nothing: the sockets' buffers fill up, then its node's queue for it (8 frames); its
    // node lets it go rather than hold what the visitor sends for it without bound.
    let body = vec![7u8; 64 * 1024];
    let big = bytes::Bytes::from(cobrowse_protocol::frame::encode(cobrowse_protocol::FrameKind::Delta, &body));
    for _ in 0..200 {
        send(&mut visitor, big.clone()).await;
    }
    let (code, reason) = expect_close_after(&mut slow, |_| {}).await;
    assert_eq!(code, close::TRY_AGAIN_LATER, "{reason}");
    wait_for_control(&mut visitor, &Control::AgentLeft { name: AGENT.into(), agents: 0 }).await;
}

/// How long a killed node may take to be known dead: its word in the engine lasts 3 s after its last
/// beat, and it must then be found missing twice, a second apart.
const NODE_DEATH: Duration = Duration::from_secs(10);

/// A node as its own process (so the test can kill it, not stop it), with the test sites and agents, the
/// `--redis` and `--node-id` flags; killed when dropped.
struct NodeProcess {
    child: Child,
    addr: SocketAddr,
    _dir: tempfile::TempDir,
}

impl NodeProcess {
    fn start(redis: &RedisServer, node: &str) -> NodeProcess {
        let dir = tempfile::tempdir().unwrap();
        write_static_files(dir.path());
        let hash = |name: &str, password: &str| {
            cobrowse_relay::AgentAccount::with_cheap_password_hash(name, password).password_hash
        };
        let config = format!(
            "[[sites]]\nid = \"demo\"\norigins = [\"*\"]\nconsent = \"never\"\n\n\
             [[agents]]\nname = \"{AGENT}\"\npassword_hash = \"{}\"\n\n\
             [[agents]]\nname = \"{OTHER_AGENT}\"\npassword_hash = \"{}\"\n",
            hash(AGENT, PASSWORD),
            hash(OTHER_AGENT, OTHER_PASSWORD)
        );
        let config_path = dir.path().join("relay.toml");
        std::fs::write(&config_path, config).unwrap();
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let child = Command::new(env!("CARGO_BIN_EXE_cobrowse-relay"))
            .args(["--listen", &addr.to_string(), "--redis", &redis.url(), "--node-id", node, "--config"])
            .arg(&config_path)
            .arg("--www-dir")
            .arg(dir.path().join("www"))
            .arg("--site-dir")
            .arg(dir.path().join("site"))
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the relay command starts");
        let deadline = Instant::now() + PATIENCE;
        while TcpStream::connect(addr).is_err() {
            assert!(Instant::now() < deadline, "node {node} did not listen");
            std::thread::sleep(Duration::from_millis(20));
        }
        NodeProcess { child, addr, _dir: dir }
    }
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn a_killed_nodes_visitor_resumes_on_another_node_with_its_key_and_its_agents_follow() {
    let Some(redis) = start_redis() else { return };
    let mut a = NodeProcess::start(&redis, "a");
    let b = node(&redis, "b").await;
    let c = node(&redis, "c").await;
    let (mut visitor, key, secret) = open_tab_t1(a.addr, "demo").await;
    send(&mut visitor, snapshot("S1")).await;
    let mut ana = join(c.addr, AGENT, PASSWORD, &key).await;
    assert_eq!(next_binary(&mut ana).await, snapshot("S1"));

    let _ = a.child.kill();
    let _ = a.child.wait();
    let killed = Instant::now();

    // The visitor's page comes back through the load balancer, on node b, with its secret.
    let mut resumed = loop {
        if let Some(socket) = try_resume(b.addr, &key, &secret).await {
            break socket;
        }
        assert!(killed.elapsed() < Duration::from_secs(10), "the session was not taken over");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    // The agent's node sees its home stop and lets it go to join again; it joins the session on b.
    let (code, _) = expect_close_within(NODE_DEATH, &mut ana, |_| {}).await;
    assert_eq!(code, close::TRY_AGAIN_LATER);
    let mut ana = join(c.addr, AGENT, PASSWORD, &key).await;
    send(&mut resumed, snapshot("S2 after the node died")).await;
    assert_eq!(next_binary(&mut ana).await, snapshot("S2 after the node died"));
    send(&mut resumed, delta("d1")).await;
    assert_eq!(next_binary(&mut ana).await, delta("d1"));

    // The secret alone opens it: a wrong one is refused, and so is a resume of an unknown key.
    let mut thief = connect_path(c.addr, "/ws/visitor?site=demo&tab=t2&resume=1", None).await;
    send(&mut thief, control(&Control::Resume { key: key.clone(), secret: "0".repeat(64) })).await;
    let (code, _) = expect_close(&mut thief).await;
    assert_eq!(code, close::RESUME_REFUSED);
}

#[tokio::test]
async fn a_resume_with_a_wrong_secret_takes_no_session_over() {
    let Some(redis) = start_redis() else { return };
    let [a, b, _c] = three_nodes(&redis).await;
    let (mut visitor, key) = start_session(a.addr).await;
    assert!(try_resume(b.addr, &key, &"f".repeat(64)).await.is_none(), "refused with 4005");
    assert!(try_resume(b.addr, &key, "").await.is_none());
    // The session stays where it was.
    let mut ana = join(b.addr, AGENT, PASSWORD, &key).await;
    send(&mut visitor, snapshot("S1")).await;
    assert_eq!(next_binary(&mut ana).await, snapshot("S1"));
}

/// A new visitor session of `site` opened on `addr` from tab `t1`: its socket, key and resume secret.
async fn open_tab_t1(addr: SocketAddr, site: &str) -> (Socket, String, String) {
    let mut socket = connect_path(addr, &format!("/ws/visitor?site={site}&tab=t1"), None).await;
    match next_control(&mut socket).await {
        Control::SessionStarted { key, secret, .. } => (socket, key, secret),
        other => panic!("expected SessionStarted, got {other:?}"),
    }
}

/// A visitor connection resuming `key` with `secret` on `addr`: `Some` once it got `SessionStarted` (with
/// the same key and no secret), `None` if it was refused.
async fn try_resume(addr: SocketAddr, key: &str, secret: &str) -> Option<Socket> {
    try_resume_site(addr, "demo", key, secret).await
}

/// As [`try_resume`], for a session of `site`.
async fn try_resume_site(addr: SocketAddr, site: &str, key: &str, secret: &str) -> Option<Socket> {
    let mut socket = connect_path(addr, &format!("/ws/visitor?site={site}&tab=t1&resume=1"), None).await;
    send(&mut socket, control(&Control::Resume { key: key.into(), secret: secret.into() })).await;
    loop {
        match tokio::time::timeout(PATIENCE, socket.next()).await.expect("an answer in time")? {
            Ok(Message::Binary(bytes)) => match decode_control(&bytes) {
                Ok(Control::SessionStarted { key: resumed, secret, .. }) => {
                    assert_eq!(resumed, key, "the same key");
                    assert!(secret.is_empty(), "a resumed page gets no secret");
                    return Some(socket);
                }
                other => panic!("expected SessionStarted, got {other:?}"),
            },
            Ok(Message::Close(frame)) => {
                let code = frame.map(|frame| u16::from(frame.code));
                assert_eq!(code, Some(close::RESUME_REFUSED));
                return None;
            }
            Ok(_) => continue,
            Err(_) => return None,
        }
    }
}

#[tokio::test]
async fn a_visitor_resuming_on_another_live_node_moves_the_session_there_no_sticky_sessions_needed() {
    let Some(redis) = start_redis() else { return };
    let [a, b, c] = three_nodes(&redis).await;
    let (mut first_page, key, secret) = open_tab_t1(a.addr, "demo").await;
    send(&mut first_page, snapshot("page 1")).await;
    let mut ana = join(c.addr, AGENT, PASSWORD, &key).await;
    let mut bo = join(a.addr, OTHER_AGENT, OTHER_PASSWORD, &key).await;
    assert_eq!(next_binary(&mut ana).await, snapshot("page 1"));
    assert_eq!(next_binary(&mut bo).await, snapshot("page 1"));

    // The next page's connection lands on node b: the session moves there with its key.
    let mut next_page = try_resume(b.addr, &key, &secret).await.expect("the resume on node b is taken");
    let (code, _) = expect_close_after(&mut first_page, |_| {}).await;
    assert_eq!(code, close::OTHER_TAB, "the old connection is told another one carries the session (the shim waits)");
    for agent in [&mut ana, &mut bo] {
        let (code, reason) = expect_close_after(agent, |_| {}).await;
        assert_eq!(code, close::TRY_AGAIN_LATER, "{reason}");
    }
    let mut ana = join(c.addr, AGENT, PASSWORD, &key).await;
    let mut bo = join(a.addr, OTHER_AGENT, OTHER_PASSWORD, &key).await;
    send(&mut next_page, snapshot("page 2")).await;
    assert_eq!(next_binary(&mut ana).await, snapshot("page 2"));
    assert_eq!(next_binary(&mut bo).await, snapshot("page 2"));
}

#[tokio::test]
async fn a_node_that_stops_gracefully_leaves_its_sessions_to_be_resumed_on_another() {
    let Some(redis) = start_redis() else { return };
    let a = node(&redis, "a").await;
    let b = node(&redis, "b").await;
    let (mut visitor, key, secret) = open_tab_t1(a.addr, "demo").await;
    let stopped = tokio::spawn(async move { a.handle.shutdown().await });
    let (code, _) = expect_close_after(&mut visitor, |_| {}).await;
    assert_eq!(code, close::GOING_AWAY, "the visitor is told to come back (its shim resumes on 1001)");
    stopped.await.unwrap();
    let mut resumed = try_resume(b.addr, &key, &secret).await.expect("node b takes the session over");
    let mut ana = join(b.addr, AGENT, PASSWORD, &key).await;
    send(&mut resumed, snapshot("after the deploy")).await;
    assert_eq!(next_binary(&mut ana).await, snapshot("after the deploy"));
}

#[tokio::test]
async fn the_visitor_stops_sharing_with_an_agent_on_another_node() {
    let Some(redis) = start_redis() else { return };
    let [a, b, _c] = three_nodes(&redis).await;
    let (mut visitor, key) = start_session(a.addr).await;
    send(&mut visitor, snapshot("S1")).await;
    let mut ana = join(b.addr, AGENT, PASSWORD, &key).await;
    assert_eq!(next_binary(&mut ana).await, snapshot("S1"));
    let agent = loop {
        if let Control::Agents { agents } = decode_control(&next_binary_any(&mut visitor).await).unwrap() {
            if let Some(watching) = agents.first() {
                break watching.agent;
            }
        }
    };
    send(&mut visitor, control(&Control::Dismiss { agent })).await;
    let mut declined = false;
    let (code, reason) = expect_close_after(&mut ana, |message| {
        if let tokio_tungstenite::tungstenite::Message::Binary(bytes) = message {
            declined |= decode_control(&bytes) == Ok(Control::ConsentDeclined);
        }
    })
    .await;
    assert!(declined, "ConsentDeclined before the close");
    assert_eq!((code, reason.as_str()), (close::CONSENT_DECLINED, close::STOPPED_SHARING));
    // Its account is declined for the rest of the session, from any node.
    let mut again = connect_agent(b.addr).await;
    send_join(&mut again, AGENT, PASSWORD, &key).await;
    let (code, _) = expect_close_after(&mut again, |_| {}).await;
    assert_eq!(code, close::CONSENT_DECLINED);
}

#[tokio::test]
async fn an_agent_whose_leaving_was_lost_while_the_engine_was_down_is_let_go_once_it_is_back() {
    let Some(redis) = start_redis() else { return };
    let port = redis.port();
    let (a, b, mut visitor, _key, mut ana) = visitor_on_a_agent_on_b(&redis).await;

    // The agent closes its viewer while the engine is down: node b's word that it left is lost.
    drop(redis);
    healthz_of_all(&[a.addr, b.addr], "degraded").await;
    ana.close(None).await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let _redis = RedisServer::start_on(port).unwrap();
    // Node b has no agent left to speak of; node a's roll call finds the agent gone.
    let left = Control::AgentLeft { name: AGENT.into(), agents: 0 };
    wait_for_control_within(ROLL_CALL_PATIENCE, &mut visitor, &left).await;
}

#[tokio::test]
async fn a_killed_node_s_agents_are_let_go_by_the_session_they_watched() {
    let Some(redis) = start_redis() else { return };
    let a = node(&redis, "a").await;
    let mut b = NodeProcess::start(&redis, "b");
    let (mut visitor, key) = start_session(a.addr).await;
    send(&mut visitor, snapshot("S1")).await;
    let mut ana = join(b.addr, AGENT, PASSWORD, &key).await;
    assert_eq!(next_binary(&mut ana).await, snapshot("S1"));
    wait_for_control(&mut visitor, &Control::AgentJoined { name: AGENT.into(), agents: 1 }).await;

    let _ = b.child.kill();
    let _ = b.child.wait();
    let left = Control::AgentLeft { name: AGENT.into(), agents: 0 };
    wait_for_control_within(NODE_DEATH, &mut visitor, &left).await;
}

/// The number of the agent the visitor is asked about next (other messages skipped), after checking its name.
async fn consent_asked(visitor: &mut Socket, name: &str) -> u32 {
    loop {
        if let Control::ConsentAsked { agent, name: asked } = next_control(visitor).await {
            assert_eq!(asked, name, "the visitor is asked about {name}");
            return agent;
        }
    }
}

/// `agent` asks to join `key` as `name` and waits for consent; the visitor is asked about it and answers `allow`.
async fn join_and_answer(
    agent: &mut Socket,
    (name, password): (&str, &str),
    key: &str,
    visitor: &mut Socket,
    allow: bool,
) {
    send_join(agent, name, password, key).await;
    assert_eq!(next_control(agent).await, Control::AwaitingConsent);
    let number = consent_asked(visitor, name).await;
    send(visitor, control(&Control::ConsentAnswer { agent: number, allow })).await;
}

#[tokio::test]
async fn the_visitor_s_consent_decisions_move_with_the_session_to_another_node() {
    let Some(redis) = start_redis() else { return };
    let [a, b, c] = three_nodes(&redis).await;
    let (mut first_page, key, secret) = open_tab_t1(a.addr, ASKING_SITE).await;
    send(&mut first_page, snapshot("page 1")).await;

    // On node a the visitor allows ana (signed in on node c) and declines bo (signed in on node a).
    let mut ana = connect_agent(c.addr).await;
    join_and_answer(&mut ana, (AGENT, PASSWORD), &key, &mut first_page, true).await;
    assert!(matches!(next_control(&mut ana).await, Control::Joined { .. }));
    let mut bo = connect_agent(a.addr).await;
    join_and_answer(&mut bo, (OTHER_AGENT, OTHER_PASSWORD), &key, &mut first_page, false).await;
    let (code, _) = expect_close_after(&mut bo, |_| {}).await;
    assert_eq!(code, close::CONSENT_DECLINED);

    // The next page lands on node b, which takes the session over; ana's viewer joins again.
    let mut next_page = try_resume_site(b.addr, ASKING_SITE, &key, &secret).await.expect("the resume on b is taken");
    let (code, _) = expect_close_after(&mut ana, |_| {}).await;
    assert_eq!(code, close::TRY_AGAIN_LATER);
    let mut ana = connect_agent(c.addr).await;
    send_join(&mut ana, AGENT, PASSWORD, &key).await;
    assert!(matches!(next_control(&mut ana).await, Control::Joined { .. }), "ana, allowed on node a, watches at once");
    let mut bo = connect_agent(a.addr).await;
    send_join(&mut bo, OTHER_AGENT, OTHER_PASSWORD, &key).await;
    let (code, _) = expect_close_after(&mut bo, |_| {}).await;
    assert_eq!(code, close::CONSENT_DECLINED, "bo, declined on node a, stays declined");

    // The visitor on node b was asked nothing: ana's joining is the first thing it hears of her.
    loop {
        match next_control(&mut next_page).await {
            Control::AgentJoined { name, .. } if name == AGENT => break,
            Control::ConsentAsked { name, .. } => panic!("the visitor was asked again about {name}"),
            _ => continue,
        }
    }
    send(&mut next_page, snapshot("page 2")).await;
    skip_until(&mut ana, &snapshot("page 2")).await;
}

/// The agent number in the `Joined` an agent's socket gets next (other messages, page frames too, skipped).
async fn joined_as(agent: &mut Socket) -> u32 {
    loop {
        match tokio::time::timeout(PATIENCE, agent.next()).await.expect("Joined arrives in time") {
            Some(Ok(Message::Binary(bytes))) => {
                if let Ok(Control::Joined { agent: number, .. }) = decode_control(&bytes) {
                    return number;
                }
            }
            Some(Ok(_)) => continue,
            other => panic!("the socket ended before Joined: {other:?}"),
        }
    }
}

#[tokio::test]
async fn the_agent_in_control_has_it_again_after_the_session_moved_to_another_node() {
    let Some(redis) = start_redis() else { return };
    let [a, b, c] = three_nodes(&redis).await;
    let (mut first_page, key, secret) = open_tab_t1(a.addr, ASKING_SITE).await;
    send(&mut first_page, snapshot("page 1")).await;

    // On node a, ana (signed in on node c) is allowed, asks for control and gets it.
    let mut ana = connect_agent(c.addr).await;
    join_and_answer(&mut ana, (AGENT, PASSWORD), &key, &mut first_page, true).await;
    let ana_number = joined_as(&mut ana).await;
    send(&mut ana, control(&Control::ControlRequest { agent: NOBODY, name: String::new() })).await;
    wait_for_control(&mut first_page, &Control::ControlRequest { agent: ana_number, name: AGENT.into() }).await;
    send(&mut first_page, control(&Control::ControlAnswer { agent: ana_number, allow: true })).await;
    wait_for_control_within(PATIENCE, &mut ana, &Control::ControlHolder { agent: ana_number }).await;

    // The next page lands on node b, which takes the session over; ana's viewer joins again, on node c.
    let mut next_page = try_resume_site(b.addr, ASKING_SITE, &key, &secret).await.expect("the resume on b is taken");
    let (code, _) = expect_close_after(&mut ana, |_| {}).await;
    assert_eq!(code, close::TRY_AGAIN_LATER);
    let mut ana = connect_agent(c.addr).await;
    send_join(&mut ana, AGENT, PASSWORD, &key).await;
    let again = joined_as(&mut ana).await;
    wait_for_control_within(PATIENCE, &mut ana, &Control::ControlHolder { agent: again }).await;

    // The visitor on node b is told, was asked nothing, and ana's input reaches the page.
    loop {
        match next_control(&mut next_page).await {
            Control::ControlHolder { agent } if agent == again => break,
            Control::ControlRequest { name, .. } => panic!("the visitor was asked again to give {name} control"),
            _ => continue,
        }
    }
    let click = RemoteInput::Click { node: 4, at: Point { x: 1, y: 2 } };
    send(&mut ana, control(&Control::Input { agent: NOBODY, input: click.clone() })).await;
    wait_for_control(&mut next_page, &Control::Input { agent: again, input: click }).await;
}

#[tokio::test]
async fn a_session_kept_to_its_first_tab_stays_so_after_it_moved_to_another_node() {
    let Some(redis) = start_redis() else { return };
    let first_tab_only = |config: &mut Config| config.sites[0].tabs = TabPolicy::First;
    let a = node_with(&redis, "a", first_tab_only).await;
    let b = node_with(&redis, "b", first_tab_only).await;
    let c = node_with(&redis, "c", first_tab_only).await;
    let (_first_page, key, secret) = open_tab_t1(a.addr, "demo").await;
    // The first tab's next page lands on node b, which takes the session over.
    let _next_page = try_resume(b.addr, &key, &secret).await.expect("the first tab resumes on node b");
    // Another tab of the visitor (same secret, from sessionStorage copied by the browser) on node c, then b.
    for addr in [c.addr, b.addr] {
        let mut other_tab = connect_path(addr, "/ws/visitor?site=demo&tab=t2&resume=1", None).await;
        send(&mut other_tab, control(&Control::Resume { key: key.clone(), secret: secret.clone() })).await;
        let (code, reason) = expect_close_after(&mut other_tab, |_| {}).await;
        assert_eq!(code, close::OTHER_TAB, "another tab may not carry a moved first-tab session: {reason}");
    }
    assert!(try_resume(c.addr, &key, &secret).await.is_some(), "the first tab still may, on any node");
}

#[tokio::test]
async fn wrong_passwords_on_one_node_make_the_others_wait_too() {
    let Some(redis) = start_redis() else { return };
    let strict = |config: &mut Config| {
        config.join_attempts_per_minute = 2;
        config.limits.join_backoff = Duration::from_secs(30);
    };
    let (a, b) = (node_with(&redis, "a", strict).await, node_with(&redis, "b", strict).await);
    let (_visitor, key) = start_session(a.addr).await;
    // Node b knows nothing yet: the right password joins there.
    let _ana = join(b.addr, AGENT, PASSWORD, &key).await;
    for _ in 0..2 {
        let mut guess = connect_agent(a.addr).await;
        send_join(&mut guess, OTHER_AGENT, "guess", &key).await;
        assert_eq!(expect_close(&mut guess).await.0, close::AUTH_FAILED);
    }
    // The guesses went to node a; behind a load balancer the next attempt may land on b: it waits too.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut next = connect_agent(b.addr).await;
    send_join(&mut next, OTHER_AGENT, OTHER_PASSWORD, &key).await;
    let (code, reason) = expect_close(&mut next).await;
    assert_eq!(code, close::TOO_MANY_ATTEMPTS, "node b did not count node a's failures: {reason}");
    assert!(reason.starts_with("too many wrong passwords"), "{reason}");
}

/// How long the nodes' counts under the session caps may take to reach each other: each node writes its
/// own every beat (1 s) and reads the others' every beat; more on a busy machine.
const CAPS_SHARED: Duration = Duration::from_secs(8);

/// A new visitor session of site "demo" on `addr`: its socket, key and secret once started, or the close
/// code and reason if it was refused.
async fn try_start(addr: SocketAddr) -> Result<(Socket, String, String), (u16, String)> {
    let mut socket = connect_path(addr, "/ws/visitor?site=demo&tab=t1", None).await;
    loop {
        match tokio::time::timeout(PATIENCE, socket.next()).await.expect("an answer in time") {
            Some(Ok(Message::Binary(bytes))) => match decode_control(&bytes) {
                Ok(Control::SessionStarted { key, secret, .. }) => return Ok((socket, key, secret)),
                other => panic!("expected SessionStarted, got {other:?}"),
            },
            Some(Ok(Message::Close(Some(frame)))) => return Err((u16::from(frame.code), frame.reason.to_string())),
            Some(Ok(_)) => continue,
            other => panic!("the visitor's socket ended without SessionStarted or a close: {other:?}"),
        }
    }
}

/// Ends the visitor's session (its End button) and waits for the close.
async fn end_session(visitor: &mut Socket) {
    send(visitor, control(&Control::EndSession)).await;
    let (code, reason) = expect_close_after(visitor, |_| {}).await;
    assert_eq!(code, close::NORMAL, "{reason}");
}

/// Starts sessions on `addr` until one is refused, within [`CAPS_SHARED`] (the other nodes' counts take a
/// beat or two to arrive: a session that still opens meanwhile is ended at once); the refusal's close.
async fn refused_soon(addr: SocketAddr) -> (u16, String) {
    let deadline = Instant::now() + CAPS_SHARED;
    loop {
        match try_start(addr).await {
            Err(refused) => return refused,
            Ok((mut visitor, key, _)) => {
                assert!(Instant::now() < deadline, "{addr} still opens sessions past the cluster's cap (key {key})");
                end_session(&mut visitor).await;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
}

/// Starts sessions on `addr` until one opens, within [`CAPS_SHARED`]; returns its visitor.
async fn accepted_soon(addr: SocketAddr) -> Socket {
    let deadline = Instant::now() + CAPS_SHARED;
    loop {
        match try_start(addr).await {
            Ok((visitor, _, _)) => return visitor,
            Err((code, reason)) => {
                assert!(Instant::now() < deadline, "{addr} still refuses sessions once under the cap: {code} {reason}");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
}

#[tokio::test]
async fn a_site_s_session_cap_counts_its_sessions_on_every_node_and_a_moved_one_where_it_went() {
    let Some(redis) = start_redis() else { return };
    let two_per_site = |config: &mut Config| config.limits.sessions_per_site = 2;
    let a = node_with(&redis, "a", two_per_site).await;
    let b = node_with(&redis, "b", two_per_site).await;
    let c = node_with(&redis, "c", two_per_site).await;
    let (mut first_page, key, secret) = try_start(a.addr).await.expect("the site's 1st session opens on node a");
    let (mut second, _, _) = try_start(b.addr).await.expect("its 2nd opens on node b");

    // A third on node c is refused as a single relay refuses it, once the counts of a and b reached c.
    let (code, reason) = refused_soon(c.addr).await;
    assert_eq!(code, close::AT_CAPACITY, "{reason}");
    assert!(reason.contains("this site has 2 sessions open already, its limit"), "{reason}");

    // The first session moves to node c (its visitor's next page landed there): it counts there now, so
    // node a, which let it go, still refuses a new one.
    let _next_page = try_resume(c.addr, &key, &secret).await.expect("node c takes the session over");
    let (code, _) = expect_close_after(&mut first_page, |_| {}).await;
    assert_eq!(code, close::OTHER_TAB);
    let (code, reason) = refused_soon(a.addr).await;
    assert_eq!(code, close::AT_CAPACITY, "{reason}");

    // One session ends on node b: within a few beats a new one opens on node a.
    end_session(&mut second).await;
    let _third = accepted_soon(a.addr).await;
}

#[tokio::test]
async fn an_address_s_session_cap_counts_its_sessions_on_every_node() {
    let Some(redis) = start_redis() else { return };
    // Every test visitor connects from 127.0.0.1.
    let two_per_address = |config: &mut Config| config.limits.sessions_per_address = 2;
    let a = node_with(&redis, "a", two_per_address).await;
    let b = node_with(&redis, "b", two_per_address).await;
    let c = node_with(&redis, "c", two_per_address).await;
    let (mut first, _, _) = try_start(a.addr).await.expect("the address's 1st session opens on node a");
    let (_second, _, _) = try_start(b.addr).await.expect("its 2nd opens on node b");

    let (code, reason) = refused_soon(c.addr).await;
    assert_eq!(code, close::AT_CAPACITY, "{reason}");
    assert!(reason.contains("this address has 2 sessions open already"), "{reason}");

    end_session(&mut first).await;
    let _third = accepted_soon(c.addr).await;
}
