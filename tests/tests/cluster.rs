//! Two relay nodes sharing sessions through a real `redis-server` on loopback, in real Chromium: the visitor's
//! page talks to node a, the agent's viewer is served by node b and joins there, so every page frame the
//! agent sees crossed the engine. The mirror equals the page, before and after typing; what the visitor typed
//! into masked fields is in nothing the agent's viewer received (every socket message, decoded) nor in its
//! mirror, while what it typed into plain fields is (so the search can be trusted). And the engine restarted
//! mid-session, holding nothing: what the visitor did meanwhile reaches the agent, and the viewer is live.
//! And the visitor's node killed mid-session behind a load balancer: the visitor's page resumes on the
//! other node with its key, the agent follows by itself, and masking holds on the new node.

use cobrowse_e2e::balancer::Balancer;
use cobrowse_e2e::killable::KillableRelay;
use cobrowse_e2e::mirror::{assert_mirrors, MIRROR_TIMEOUT};
use cobrowse_e2e::redis::Redis;
use cobrowse_e2e::relay::AGENT_NAMES;
use cobrowse_e2e::tree::MIRROR_DOCUMENT;
use cobrowse_e2e::{agent, agent_frames, step, visitor, Relay, Result, Stage};
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_on_another_node_sees_the_page_and_never_a_masked_value() -> Result<()> {
    let redis = Redis::start()?;
    let stage = Stage::start_with(|config| config.cluster = Some(node(&redis, "a"))).await?;
    let node_b = Relay::start_with(|config| config.cluster = Some(node(&redis, "b"))).await?;
    stage.log(&format!("node a {}, node b {}, engine {}", stage.relay.origin(), node_b.origin(), redis.url()));
    let visitor = stage.browser("visitor").await?;
    let ana = stage.browser("agent ana on node b").await?;
    agent_frames::record(&ana).await?;

    visitor::open(&visitor, &stage.site.demo_url()).await?;
    let key = visitor::start_session(&visitor).await.map_err(step("the session starts on node a"))?;
    agent::join(&ana, &node_b.agent_url(), AGENT_NAMES[0], &key).await.map_err(step("ana joins on node b"))?;
    let agreed = assert_mirrors(&visitor, &ana, MIRROR_TIMEOUT).await.map_err(step("the first mirror"))?;
    stage.log(&format!("mirror equal across nodes after {:?}", agreed.after));

    for (field, text) in SECRETS.iter().chain([&PLAIN]) {
        visitor.type_into(field, text).await?;
    }
    assert_mirrors(&visitor, &ana, MIRROR_TIMEOUT).await.map_err(step("the mirror after typing"))?;

    let received = agent_frames::read(&ana).await?;
    let audit = agent_frames::audit(&received);
    assert!(audit.errors.is_empty(), "frames that would not decode at the agent:\n{}", audit.errors.join("\n"));
    assert!(!audit.find(PLAIN.1).is_empty(), "the plain text typed is in no frame: the search cannot be trusted");
    let mirror: String = ana.execute(&format!("return {MIRROR_DOCUMENT}.documentElement.outerHTML;"), vec![]).await?;
    for (field, secret) in SECRETS {
        let places = audit.find(secret);
        assert!(places.is_empty(), "the secret typed into {field} crossed to the agent:\n{}", places.join("\n"));
        assert!(!mirror.contains(secret), "the mirror shows the secret typed into {field}");
    }
    let card: String =
        ana.execute(&format!("return {MIRROR_DOCUMENT}.getElementById('card-number').value;"), vec![]).await?;
    assert_eq!(card, MASK_TEXT, "the mirror's card number shows the mask");

    for browser in [visitor, ana] {
        browser.close().await?;
    }
    node_b.shutdown().await;
    stage.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_across_nodes_survives_a_restart_of_the_engine() -> Result<()> {
    let mut redis = Redis::start()?;
    let stage = Stage::start_with(|config| config.cluster = Some(node(&redis, "a"))).await?;
    let node_b = Relay::start_with(|config| config.cluster = Some(node(&redis, "b"))).await?;
    let visitor = stage.browser("visitor").await?;
    let ana = stage.browser("agent ana on node b").await?;
    visitor::open(&visitor, &stage.site.demo_url()).await?;
    let key = visitor::start_session(&visitor).await.map_err(step("the session starts on node a"))?;
    agent::join(&ana, &node_b.agent_url(), AGENT_NAMES[0], &key).await.map_err(step("ana joins on node b"))?;
    assert_mirrors(&visitor, &ana, MIRROR_TIMEOUT).await.map_err(step("the first mirror"))?;

    // The engine is killed; while it is down the visitor types (those changes cannot cross), then it comes
    // back on the same port holding nothing.
    redis.kill();
    visitor.type_into(PLAIN.0, "typed while the engine was down").await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    redis.start_again()?;
    stage.log("engine restarted");
    let agreed = assert_mirrors(&visitor, &ana, MIRROR_TIMEOUT).await.map_err(step("the mirror after the restart"))?;
    stage.log(&format!("mirror equal again after {:?}", agreed.after));
    let status = agent::wait_for_state(&ana, &["live"], MIRROR_TIMEOUT).await?;
    assert_eq!(status.state.as_deref(), Some("live"), "the viewer is live again: {status:?}");

    visitor.type_into(PLAIN.0, " and after").await?;
    assert_mirrors(&visitor, &ana, MIRROR_TIMEOUT).await.map_err(step("the mirror after typing again"))?;

    for browser in [visitor, ana] {
        browser.close().await?;
    }
    node_b.shutdown().await;
    stage.shutdown().await;
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
    stage.log(&format!("balancer {} in front of node a {} then node b", balancer.origin(), node_a.origin()));
    let visitor = stage.browser("visitor").await?;
    let ana = stage.browser("agent ana on node b").await?;
    agent_frames::record(&ana).await?;

    visitor::open(&visitor, &stage.site.demo_url()).await?;
    let key = visitor::start_session(&visitor).await.map_err(step("the session starts on node a"))?;
    agent::join(&ana, &stage.relay.agent_url(), AGENT_NAMES[0], &key).await.map_err(step("ana joins on node b"))?;
    assert_mirrors(&visitor, &ana, MIRROR_TIMEOUT).await.map_err(step("the first mirror"))?;

    node_a.kill();
    stage.log("node a killed");
    visitor.type_into(PLAIN.0, PLAIN.1).await?;
    let agreed = assert_mirrors(&visitor, &ana, AFTER_A_KILL).await.map_err(step("the mirror after the kill"))?;
    stage.log(&format!("mirror equal again, served by node b, after {:?}", agreed.after));
    visitor::check_widget(&visitor, &key).await.map_err(step("the visitor keeps its key"))?;
    let status = agent::wait_for_state(&ana, &["live"], MIRROR_TIMEOUT).await?;
    assert_eq!(status.state.as_deref(), Some("live"), "the viewer is live again: {status:?}");

    // On the new node, masking holds as before and changes arrive in order.
    for (field, text) in SECRETS {
        visitor.type_into(field, text).await?;
    }
    assert_mirrors(&visitor, &ana, MIRROR_TIMEOUT).await.map_err(step("the mirror after typing on node b"))?;
    let audit = agent_frames::audit(&agent_frames::read(&ana).await?);
    assert!(!audit.find(PLAIN.1).is_empty(), "the plain text typed is in no frame: the search cannot be trusted");
    for (field, secret) in SECRETS {
        let places = audit.find(secret);
        assert!(places.is_empty(), "the secret typed into {field} crossed to the agent:\n{}", places.join("\n"));
    }

    for browser in [visitor, ana] {
        browser.close().await?;
    }
    stage.shutdown().await;
    Ok(())
}
