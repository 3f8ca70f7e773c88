//! Keeping the nodes' views of each other true when messages between them are lost: pub/sub keeps
//! nothing for a node that is not listening, and a node publishes nothing while the engine is out of
//! reach (restarted, or the node's link to it dropped). Meanwhile a page frame, an agent's request for a
//! fresh snapshot, an agent leaving or the home node letting one go may be lost. Rather than replay, each
//! side resets what it can no longer trust, as a viewer does when its mirror is out of step:
//!
//! - A node back in touch says it is alive and sets its session keys and their consent decisions again at
//!   once (a restarted engine holds none). As home of its sessions it forgets which page frames it sent to other nodes and asks
//!   the visitors of sessions watched from other nodes for a fresh snapshot; as the node of remote agents
//!   it sends each home node its roster with `lost_touch` ([`Wire::Roster`]), so the home does the same
//!   for it.
//! - A roster also lets the home node let go of the agents missing from it (their leaving was lost) and
//!   close those it does not know (their join or their closing was lost; they join again). A home node
//!   asks every [`ROLL_CALL`] for the rosters of the nodes whose agents it serves ([`Wire::RollCall`]), so
//!   a lost leaving is found even where the other node has no agent left to send a roster for.

use super::engine::{FromRemote, RedisNode};
use super::wire::Wire;
use crate::state::RelayState;
use cobrowse_protocol::close;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

/// How often a home node asks for the rosters of the nodes whose agents it serves.
pub(crate) const ROLL_CALL: Duration = Duration::from_secs(5);

/// Why an agent whose home node does not know it any more is closed.
const UNKNOWN_TO_HOME: &str = "the relay nodes lost touch for a moment; join again";

/// This node is back in touch with the engine after it was not.
pub(crate) async fn rejoined(here: &Arc<RedisNode>, state: &Arc<RelayState>) {
    tracing::info!(node = here.id, "back in touch with the cluster engine; making the sessions whole");
    here.note_back_in_touch();
    here.beat().await;
    super::leases::set_again(here, state).await;
    for key in here.forget_pages_sent(None) {
        ask_for_snapshot(state, &key, "the cluster engine was out of reach");
    }
    for (home, conns) in here.connected_by_home() {
        here.send(&home, &Wire::Roster { from: here.id.clone(), conns, lost_touch: true });
    }
    roll_call(here);
}

/// Asks every node whose agents are served here for its roster.
pub(crate) fn roll_call(here: &RedisNode) {
    for node in here.nodes_served() {
        here.send(&node, &Wire::RollCall { from: here.id.clone() });
    }
}

/// Answers home node `home`'s roll call.
pub(crate) fn answer_roll_call(here: &RedisNode, home: &str) {
    let conns = here.connected_to(home);
    here.send(home, &Wire::Roster { from: here.id.clone(), conns, lost_touch: false });
}

/// Node `from` still has `conns` connected to sessions here (and, with `lost_touch`, may have missed
/// messages from here).
pub(crate) fn roster(here: &RedisNode, state: &RelayState, from: &str, conns: &[u64], lost_touch: bool) {
    // Sets, not lists: a roster runs in the node's reader, which also carries every frame across nodes.
    let served: HashSet<u64> = here.served_for(from).into_iter().collect();
    let listed: HashSet<u64> = conns.iter().copied().collect();
    for conn in served.difference(&listed) {
        tracing::info!(node = here.id, from, conn, "a remote agent's leaving was lost; letting it go");
        here.hand_to_home_task(from, *conn, FromRemote::Left);
    }
    for conn in listed.difference(&served) {
        let reason = UNKNOWN_TO_HOME.to_owned();
        here.send(from, &Wire::Closed { conn: *conn, code: close::TRY_AGAIN_LATER, reason });
    }
    if lost_touch {
        for key in here.forget_pages_sent(Some(from)) {
            ask_for_snapshot(state, &key, "another node lost touch with the cluster engine");
        }
    }
}

fn ask_for_snapshot(state: &RelayState, key: &str, why: &str) {
    if let Some(session) = state.registry.find(key) {
        session.request_snapshot(why);
    }
}
