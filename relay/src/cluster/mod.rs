//! Many relay nodes, one service: with `--redis URL` (or `[cluster]`) this relay is a node of a cluster
//! whose engine is Redis; without it, it runs alone, in memory, as it always did ([`engine::Engine`]).
//!
//! - `engine`: the one interface (alone or Redis), what Redis holds, and the node's routing tables.
//! - `wire`: the messages between nodes; `pages`: a page frame crosses once per node, not per agent.
//! - `listen`: the node's tasks (publishing, reading its channel, renewing its keys through `leases`).
//! - `home`: a session's side of an agent connected to another node; `remote`: that agent's socket.
//! - `liveness`: whether other nodes are alive, asked once per node, not per agent.
//! - Failed joins are told to every node (`Wire::Failed` on one shared channel), so the back-off is the same
//!   on all of them.
//! - `resync`: the nodes made whole after the engine was out of reach (messages lost meanwhile).
//! - `shared_caps`: the session caps per address and per site counted across the nodes (each node's
//!   counts written every beat, the others' read back into its caps).
//!
//! A session lives on its *home* node, the one its visitor is connected to: its kept state, agents'
//! queues, consent and call rules stay in `session.rs`, untouched. Its key is claimed cluster-wide
//! (`SET NX EX`), so an agent on any node finds the home node and joins through it.

pub(crate) mod engine;
mod home;
mod leases;
mod listen;
mod liveness;
mod pages;
mod remote;
mod resync;
mod shared_caps;
mod wire;

pub(crate) use remote::{serve as serve_remote_agent, Admitted as RemoteAgent};

use crate::config::ClusterConfig;
use crate::keeper;
use crate::keys::generate_key;
use crate::rate_limit::{Failure, Scope};
use crate::registry::OpenError;
use crate::resume::ResumeSecret;
use crate::session::{Session, SessionSite};
use crate::state::RelayState;
use engine::{Engine, Home, RedisNode};
use std::sync::Arc;
use wire::Wire;

/// How many random keys to try before giving up on finding one free across the cluster.
const KEY_ATTEMPTS: usize = 64;

/// The engine the config asks for: alone without `[cluster]`, else connected to its Redis.
pub(crate) async fn connect(config: Option<&ClusterConfig>) -> Result<Engine, String> {
    let Some(config) = config else { return Ok(Engine::Alone) };
    let node = RedisNode::connect(&config.redis, config.node_id.clone(), config.key_lease()).await?;
    tracing::info!(node = node.id, redis = config.redis, "relay is a node of a cluster");
    Ok(Engine::Redis(node))
}

/// Starts the node's tasks (none when alone).
pub(crate) fn start(state: &Arc<RelayState>) {
    if let Some(node) = state.engine.node() {
        listen::start(node.clone(), state.clone());
    }
}

/// Opens a session for `site` under a key free across the cluster; returns it with its resume secret.
pub(crate) async fn open_session(state: &RelayState, site: SessionSite) -> Result<(Arc<Session>, String), OpenError> {
    let Some(node) = state.engine.node() else { return state.registry.open(site) };
    for _ in 0..KEY_ATTEMPTS {
        let key = generate_key(state.config.key_digits);
        if state.registry.find(&key).is_some() {
            continue;
        }
        if !node.claim(&key, &site.site_id).await {
            if !node.reachable() {
                return Err(OpenError::EngineUnreachable);
            }
            continue;
        }
        if let Some((session, secret)) = state.registry.open_with_key(key.clone(), site.clone())? {
            let value = Home::value(&node.id, &site.site_id, &session.secret_hash_hex(), session.origin());
            node.describe(&key, &value).await;
            return Ok((session, secret));
        }
        node.release(&key).await;
    }
    Err(OpenError::NoFreeKey)
}

/// Counts a failed join against `scopes` here and, on a node of a cluster, on every other node.
pub(crate) fn count_failure(state: &RelayState, failure: Failure, scopes: &[Scope]) {
    state.join_limiter.failed(failure, scopes);
    if let Some(node) = state.engine.node() {
        node.broadcast(&Wire::Failed { from: node.id.clone(), failure, scopes: scopes.to_vec() });
    }
}

/// Writes what `session` (held here) carries to a node that may take it over (`carried.rs`: the
/// visitor's consent decisions, who holds control, the visitor's tabs) to the engine; nothing when alone.
pub(crate) fn remember_call(state: &RelayState, session: &Session) {
    if let Some(node) = state.engine.node() {
        node.remember_call(session.key(), &session.carried());
    }
}

/// As [`remember_call`], only when who holds control or the tabs seen changed since last written (called
/// after every call message and every visitor connection, most of which change neither).
pub(crate) fn remember_changes(state: &RelayState, session: &Session) {
    if let Some(node) = state.engine.node() {
        if let Some(carried) = session.carried_if_changed() {
            node.remember_call(session.key(), &carried);
        }
    }
}

/// The session with `key` taken over from the node that held it, when its visitor resumes here with its
/// `secret` (a load balancer without sticky sessions, a node that was stopped or killed): the visitor
/// keeps its key; the old node, if alive, ends its copy (`Wire::HandOver`), and the agents that join
/// again find the session here. `None` otherwise (alone, no such key, a wrong secret, another node took
/// it over first). `address` is the resuming visitor's, whose asset share the session counts in here.
pub(crate) async fn take_over(
    state: &Arc<RelayState>,
    key: &str,
    secret: &str,
    address: std::net::IpAddr,
) -> Option<Arc<Session>> {
    let node = state.engine.node()?;
    let (home, was) = node.locate(key).await?;
    if home.node == node.id {
        return None;
    }
    let kept = ResumeSecret::from_hash_hex(home.secret_hash.as_deref()?)?;
    if !kept.matches(secret) {
        return None;
    }
    let config = state.config.sites.iter().find(|site| site.id == home.site)?;
    let site = SessionSite {
        site_id: config.id.clone(),
        address,
        origin: home.origin.clone(),
        masking: config.masking.clone(),
        tabs: config.tabs,
        consent: config.consent,
        remote_control: config.remote_control,
    };
    let value = Home::value(&node.id, &home.site, &kept.hash_hex(), home.origin.as_deref());
    if !node.take_over(key, &was, &value).await {
        return None;
    }
    // The old home, if alive, ends its copy (a dead one hears nothing, and is not waited for).
    node.send(&home.node, &Wire::HandOver { key: key.to_owned() });
    let carried = node.carried(key).await;
    let session = state.registry.adopt(key.to_owned(), (site, &carried), kept).ok()??;
    keeper::spawn(session.clone(), state.clone());
    tracing::info!(key, from = home.node, node = node.id, "session taken over from another node");
    Some(session)
}
