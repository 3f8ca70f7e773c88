//! The leases of the session keys held here: renewed every third of the lease by the node's renewing task
//! (`listen.rs`), and set again at once when the node is back in touch with an engine that lost them
//! (`resync.rs`), together with what each session carries to another node (`carried.rs`).

use super::engine::{Home, RedisNode};
use crate::state::RelayState;

/// Renews (or sets again) the keys of the live sessions held here.
pub(super) async fn renew_keys(here: &RedisNode, state: &RelayState) {
    let held: Vec<(String, String)> = state
        .registry
        .sessions()
        .iter()
        .filter(|session| !session.has_ended())
        .map(|session| {
            let value = Home::value(&here.id, session.site_id(), &session.secret_hash_hex(), session.origin());
            (session.key().to_owned(), value)
        })
        .collect();
    here.renew(&held).await;
}

/// Sets the keys held here and what their sessions' calls carry again, in an engine that lost them.
pub(super) async fn set_again(here: &RedisNode, state: &RelayState) {
    renew_keys(here, state).await;
    for session in state.registry.sessions().iter().filter(|session| !session.has_ended()) {
        here.remember_call(session.key(), &session.carried());
    }
}
