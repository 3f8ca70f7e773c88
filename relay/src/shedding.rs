//! Shedding sessions when the relay holds too much memory: past `memory_bytes` (see `budget.rs`), the
//! sessions whose visitor sent nothing for the longest (unjoined ones included) are ended, oldest first,
//! until what they held covers the excess. Their visitor and agents are told why (`AT_CAPACITY`, "the
//! relay is short of memory"), and the rest are served on.
//!
//! One visitor can make the relay hold at most `4 × kept_state_bytes` plus its agents' queues
//! (`agent_queue_bytes` each); this bounds what many visitors hold together.

use crate::budget::MemoryBudget;
use crate::close::CloseReason;
use crate::registry::Registry;
use cobrowse_protocol::close;
use std::sync::{Arc, Weak};

/// What a shed session's visitor and agents are told.
pub(crate) const SHED_REASON: &str =
    "the relay is short of memory and ended this session, idle the longest; start a new one if you need it";

/// Sheds sessions whenever the budget goes over, until `owner` (what holds the registry) is gone.
pub(crate) fn spawn_shedder<S: Send + Sync + 'static>(
    budget: Arc<MemoryBudget>,
    owner: Weak<S>,
    registry_of: fn(&S) -> &Registry,
) {
    tokio::spawn(async move {
        loop {
            budget.went_over().await;
            let Some(owner) = owner.upgrade() else { return };
            shed(&budget, registry_of(&owner));
        }
    });
}

/// Ends the sessions idle the longest until what they hold covers the excess; returns how many.
pub(crate) fn shed(budget: &MemoryBudget, registry: &Registry) -> usize {
    let mut excess = budget.excess();
    if excess == 0 {
        return 0;
    }
    let mut sessions: Vec<_> = registry.sessions().into_iter().filter(|session| session.held_bytes() > 0).collect();
    sessions.sort_by_key(|session| session.last_active());
    let mut shed = 0;
    for session in sessions {
        if excess == 0 {
            break;
        }
        let held = session.held_bytes();
        tracing::warn!(
            key = session.key(),
            held,
            used = budget.used(),
            "the relay is over memory_bytes: ending the session idle the longest"
        );
        session.end(CloseReason::new(close::AT_CAPACITY, SHED_REASON));
        excess = excess.saturating_sub(held);
        shed += 1;
    }
    shed
}
