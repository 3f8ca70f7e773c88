//! Three relay nodes sharing sessions through a real `redis-server` on loopback, in real Chromium: the
//! visitor's page talks to node a, agent ana's viewer is served by node b and joins there, ben's by node c,
//! so every page frame the agents see crossed the engine. Both mirrors equal the page, before and after
//! typing; what the visitor typed into masked fields is in nothing the agents' viewers received (every
//! socket message, decoded) nor in their mirrors, while what it typed into plain fields is (so the search
//! can be trusted). And the engine restarted mid-session, holding nothing: what the visitor did meanwhile
//! reaches both agents, and the viewers are live. And the visitor's node killed mid-session behind a load
//! balancer: the visitor's page resumes on another node with its key, both agents follow by themselves,
//! changes arrive in order, and masking holds on the new node. (The leak suite's every scenario runs across
//! three nodes too: `leak_suite.rs`.)

use cobrowse_e2e::balancer::Balancer;
use cobrowse_e2e::killable::KillableRelay;
use cobrowse_e2e::mirror::{assert_mirrors, MIRROR_TIMEOUT};
use cobrowse_e2e::redis::Redis;
use cobrowse_e2e::relay::AGENT_NAMES;
use cobrowse_e2e::tree::MIRROR_DOCUMENT;
use cobrowse_e2e::{agent, agent_frames, step, visitor, Browser, Relay, Result, Stage};
use cobrowse_protocol::MASK_TEXT;
use cobrowse_relay::ClusterConfig;
use std::time::Duration;

/// `(field, secret)`: masked fields of the demo page and what the visitor types into them.
const SECRETS: [(&str, &str); 2] = [("#card-number", "4929778133550172"), ("#account-password", "Tr0ub4dor&3-zebra!")];
/// `(field, text)`: an unmasked field and what the visitor types into it; it must reach the agent.
const PLAIN: (&str, &str) = ("#full-name", "Grace Hopper");

/// The cluster settings of node `node` on `redis`.
fn node(redis: &Redis, node: &str) -> ClusterConfig {
    ClusterConfig { node_id: Some(node.into()), ..ClusterConfig::new(redis.url()) }
}

/// Both agents' mirrors equal the visitor's page within `timeout`, or the error names the agent and `what`.
async fn assert_both_mirrors(visitor: &Browser, agents: [&Browser; 2], timeout: Duration, what: &str) -> Result<()> {
    for (name, agent) in AGENT_NAMES.iter().zip(agents) {
        let agreed = assert_mirrors(visitor, agent, timeout).await.map_err(step(&format!("{what}, {name}'s")))?;
        println!("{what}: {name}'s mirror equal after {:?}", agreed.after);
    }
    Ok(())
}

/// What the visitor typed into masked fields is in no frame `agent` received; the plain text is.
async fn assert_secrets_never_reached(agent: &Browser) -> Result<()> {
    let audit = agent_frames::audit(&agent_frames::read(agent).await?);
    assert!(audit.errors.is_empty(), "frames that would not decode at the agent:\n{}", audit.errors.join("\n"));
    assert!(!audit.find(PLAIN.1).is_empty(), "the plain text typed is in no frame: the search cannot be trusted");
    for (field, secret) in SECRETS {
        let places = audit.find(secret);
        assert!(places.is_empty(), "the secret typed into {field} crossed to the agent:\n{}", places.join("\n"));
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agents_on_two_other_nodes_see_the_page_and_never_a_masked_value() -> Result<()> {
    let redis = Redis::start()?;
    let stage = Stage::start_with(|config| config.cluster = Some(node(&redis, "a"))).await?;
    let node_b = Relay::start_with(|config| config.cluster = Some(node(&redis, "b"))).await?;
    let node_c = Relay::start_with(|config| config.cluster = Some(node(&redis, "c"))).await?;
    stage.log(&format!(
        "node a {}, node b {}, node c {}, engine {}",
        stage.relay.origin(),
        node_b.origin(),
        node_c.origin(),
        redis.url()
    ));
    let visitor = stage.browser("visitor").await?;
    let ana = stage.browser("agent ana on node b").await?;
    let ben = stage.browser("agent ben on node c").await?;
    for agent in [&ana, &ben] {
        agent_frames::record(agent).await?;
    }

    visitor::open(&visitor, &stage.site.demo_url()).await?;
    let key = visitor::start_session(&visitor).await.map_err(step("the session starts on node a"))?;
    agent::join(&ana, &node_b.agent_url(), AGENT_NAMES[0], &key).await.map_err(step("ana joins on node b"))?;
    agent::join(&ben, &node_c.agent_url(), AGENT_NAMES[1], &key).await.map_err(step("ben joins on node c"))?;
    assert_both_mirrors(&visitor, [&ana, &ben], MIRROR_TIMEOUT, "the first mirror").await?;

    for (field, text) in SECRETS.iter().chain([&PLAIN]) {
        visitor.type_into(field, text).await?;
    }
    assert_both_mirrors(&visitor, [&ana, &ben], MIRROR_TIMEOUT, "the mirror after typing").await?;

    for agent in [&ana, &ben] {
        assert_secrets_never_reached(agent).await?;
        let mirror: String =
            agent.execute(&format!("return {MIRROR_DOCUMENT}.documentElement.outerHTML;"), vec![]).await?;
        for (field, secret) in SECRETS {
            assert!(!mirror.contains(secret), "the mirror shows the secret typed into {field}");
        }
        let card: String =
            agent.execute(&format!("return {MIRROR_DOCUMENT}.getElementById('card-number').value;"), vec![]).await?;
        assert_eq!(card, MASK_TEXT, "the mirror's card number shows the mask");
    }

    for browser in [visitor, ana, ben] {
        browser.close().await?;
    }
    node_b.shutdown().await;
    node_c.shutdown().await;
    stage.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_across_nodes_survives_a_restart_of_the_engine() -> Result<()> {
    let mut redis = Redis::start()?;
    let stage = Stage::start_with(|config| config.cluster = Some(node(&redis, "a"))).await?;
    let node_b = Relay::start_with(|config| config.cluster = Some(node(&redis, "b"))).await?;
    let node_c = Relay::start_with(|config| config.cluster = Some(node(&redis, "c"))).await?;
    let visitor = stage.browser("visitor").await?;
    let ana = stage.browser("agent ana on node b").await?;
    let ben = stage.browser("agent ben on node c").await?;
    visitor::open(&visitor, &stage.site.demo_url()).await?;
    let key = visitor::start_session(&visitor).await.map_err(step("the session starts on node a"))?;
    agent::join(&ana, &node_b.agent_url(), AGENT_NAMES[0], &key).await.map_err(step("ana joins on node b"))?;
    agent::join(&ben, &node_c.agent_url(), AGENT_NAMES[1], &key).await.map_err(step("ben joins on node c"))?;
    assert_both_mirrors(&visitor, [&ana, &ben], MIRROR_TIMEOUT, "the first mirror").await?;

    // The engine is killed; while it is down the visitor types (those changes cannot cross), then it comes
    // back on the same port holding nothing.
    redis.kill();
    visitor.type_into(PLAIN.0, "typed while the engine was down").await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    redis.start_again()?;
    stage.log("engine restarted");
    assert_both_mirrors(&visitor, [&ana, &ben], MIRROR_TIMEOUT, "the mirror after the restart").await?;
    for agent in [&ana, &ben] {
        let status = agent::wait_for_state(agent, &["live"], MIRROR_TIMEOUT).await?;
        assert_eq!(status.state.as_deref(), Some("live"), "the viewer is live again: {status:?}");
    }

    visitor.type_into(PLAIN.0, " and after").await?;
    assert_both_mirrors(&visitor, [&ana, &ben], MIRROR_TIMEOUT, "the mirror after typing again").await?;

    for browser in [visitor, ana, ben] {
        browser.close().await?;
    }
    node_b.shutdown().await;
    node_c.shutdown().await;
    stage.shutdown().await;
    Ok(())
}

/// Typed into the plain field after the move, one key at a time: the agents must see it grow, never shrink.
const AFTER_THE_MOVE: &str = " typed key by key after the move";

/// The plain field's values that `agent` received while `whole` was typed into it after `PLAIN.1` only
/// grow: no change arrived before one made earlier. (Keystrokes may share a frame, but never all of them.)
async fn assert_typed_in_order(agent: &Browser, whole: &str) -> Result<()> {
    let audit = agent_frames::audit(&agent_frames::read(agent).await?);
    let lengths: Vec<usize> = audit
        .frames
        .iter()
        .flat_map(|frame| &frame.strings)
        .filter(|value| value.len() > PLAIN.1.len() && whole.starts_with(value.as_str()))
        .map(String::len)
        .collect();
    println!("the typed value's lengths, as the agent received them: {lengths:?}");
    assert!(lengths.len() >= 2, "too few of the typed values reached the agent to see their order: {lengths:?}");
    assert!(lengths.windows(2).all(|pair| pair[0] <= pair[1]), "a change arrived after a later one: {lengths:?}");
    assert_eq!(lengths.last(), Some(&whole.len()), "the last value the agent got is the whole text");
    Ok(())
}

/// How long a session may take to come back after its node was killed: the visitor's page reconnects with
/// backoff, the agent's node must find the old home dead (about 5 s) before the viewer joins again.
const AFTER_A_KILL: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_visitor_s_node_killed_mid_session_the_session_goes_on_on_another_node() -> Result<()> {
    let redis = Redis::start()?;
    let cluster_a = node(&redis, "a");
    let mut node_a = KillableRelay::start_with(move |config| config.cluster = Some(cluster_a)).await?;
    let balancer = Balancer::start(vec![node_a.addr()]).await?;
    let stage = Stage::start_behind(&balancer.origin(), |config| config.cluster = Some(node(&redis, "b"))).await?;
    balancer.add(stage.relay.addr());
    let node_c = Relay::start_with(|config| config.cluster = Some(node(&redis, "c"))).await?;
    stage.log(&format!(
        "balancer {} in front of node a {} then node b; node c {} serves ben",
        balancer.origin(),
        node_a.origin(),
        node_c.origin()
    ));
    let visitor = stage.browser("visitor").await?;
    let ana = stage.browser("agent ana on node b").await?;
    let ben = stage.browser("agent ben on node c").await?;
    for agent in [&ana, &ben] {
        agent_frames::record(agent).await?;
    }

    visitor::open(&visitor, &stage.site.demo_url()).await?;
    let key = visitor::start_session(&visitor).await.map_err(step("the session starts on node a"))?;
    agent::join(&ana, &stage.relay.agent_url(), AGENT_NAMES[0], &key).await.map_err(step("ana joins on node b"))?;
    agent::join(&ben, &node_c.agent_url(), AGENT_NAMES[1], &key).await.map_err(step("ben joins on node c"))?;
    assert_both_mirrors(&visitor, [&ana, &ben], MIRROR_TIMEOUT, "the first mirror").await?;

    node_a.kill();
    stage.log("node a killed");
    visitor.type_into(PLAIN.0, PLAIN.1).await?;
    assert_both_mirrors(&visitor, [&ana, &ben], AFTER_A_KILL, "the mirror after the kill").await?;
    visitor::check_widget(&visitor, &key).await.map_err(step("the visitor keeps its key"))?;
    for agent in [&ana, &ben] {
        let status = agent::wait_for_state(agent, &["live"], MIRROR_TIMEOUT).await?;
        assert_eq!(status.state.as_deref(), Some("live"), "the viewer is live again: {status:?}");
    }

    // On the new node, changes arrive in order (each mirror follows every keystroke to the same page) and
    // masking holds as before.
    for (field, text) in SECRETS {
        visitor.type_into(field, text).await?;
    }
    assert_both_mirrors(&visitor, [&ana, &ben], MIRROR_TIMEOUT, "the mirror after typing on node b").await?;
    visitor.type_into(PLAIN.0, AFTER_THE_MOVE).await?;
    assert_both_mirrors(&visitor, [&ana, &ben], MIRROR_TIMEOUT, "the mirror after typing in order").await?;
    for agent in [&ana, &ben] {
        assert_secrets_never_reached(agent).await?;
        assert_typed_in_order(agent, &format!("{}{AFTER_THE_MOVE}", PLAIN.1)).await?;
    }

    for browser in [visitor, ana, ben] {
        browser.close().await?;
    }
    node_c.shutdown().await;
    stage.shutdown().await;
    Ok(())
}
