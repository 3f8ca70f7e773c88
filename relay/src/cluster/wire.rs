//! What nodes say to each other through the engine: one message on a node's channel
//! (`cobrowse:node:{id}`), encoded with postcard. A visitor's page frames and an agent's messages travel
//! inside as the bytes their peer sent; no node decodes them on the way.
//!
//! The *home* node of a session is the one its visitor is connected to; an agent connected to another
//! node is a *remote agent*, known to the home node by its node and connection number (`conn`).

use crate::rate_limit::{Failure, Scope};
use serde::{Deserialize, Serialize};

/// One message between nodes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Wire {
    /// To the home node: an agent signed in on node `from` joins session `key` as `name`.
    Join { from: String, conn: u64, name: String, key: String },
    /// To the home node: a frame the remote agent sent (a control message).
    FromAgent { from: String, conn: u64, frame: Vec<u8> },
    /// To the home node: the remote agent's socket is gone.
    Leave { from: String, conn: u64 },
    /// To a remote agent's node: a frame for it (a control message or an asset announcement).
    ToAgent { conn: u64, frame: Vec<u8> },
    /// To a remote agent's node: a page frame for it, kept by the receiving node under `(from, id)` so that
    /// its other agents of the session get it as [`Wire::PageAgain`] without the bytes crossing again.
    /// `oldest` is the oldest id the sender still remembers for the session `key` (see `pages.rs`).
    Page { from: String, conn: u64, key: String, id: u64, oldest: u64, frame: Vec<u8> },
    /// To a remote agent's node: the page frame it keeps as `(from, id)`, for another agent.
    PageAgain { from: String, conn: u64, key: String, id: u64 },
    /// To a session's old home node: its visitor resumed on another node, which holds the key now; end
    /// the session here (its agents join again, and find it there).
    HandOver { key: String },
    /// To a remote agent's node: the home node let the agent go; close its socket so.
    Closed { conn: u64, code: u16, reason: String },
    /// To a node whose agents are served here: which of them are still connected? (see `resync.rs`)
    RollCall { from: String },
    /// To a home node: `conns` are node `from`'s agents still connected to sessions there; with
    /// `lost_touch`, `from` was out of the engine's reach, so messages between the two may have been lost.
    Roster { from: String, conns: Vec<u64>, lost_touch: bool },
    /// To every node (on [`ALL_NODES`]): node `from` counted a failed join (a wrong password, an unknown
    /// key) against `scopes`; count it too, so the back-off is the same on every node.
    Failed { from: String, failure: Failure, scopes: Vec<Scope> },
}

impl Wire {
    pub fn encode(&self) -> Vec<u8> {
        postcard::to_allocvec(self).expect("a cluster message always encodes")
    }

    pub fn decode(bytes: &[u8]) -> Option<Wire> {
        postcard::from_bytes(bytes).ok()
    }
}

/// The channel every node listens on, besides its own.
pub(crate) const ALL_NODES: &str = "cobrowse:nodes";

/// The channel node `node` listens on.
pub(crate) fn node_channel(node: &str) -> String {
    format!("cobrowse:node:{node}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_come_back_as_sent_with_their_bytes_untouched() {
        let frame = vec![0x01, 0x00, 0xff, 0x7f, 0x80];
        let page =
            Wire::Page { from: "a".into(), conn: 7, key: "1".into(), id: u64::MAX, oldest: 3, frame: frame.clone() };
        assert_eq!(Wire::decode(&page.encode()), Some(page));
        let join = Wire::Join { from: "b".into(), conn: 1, name: "ana".into(), key: "123456".into() };
        assert_eq!(Wire::decode(&join.encode()), Some(join));
        let failed = Wire::Failed {
            from: "c".into(),
            failure: Failure::WrongPassword,
            scopes: vec![Scope::address("2001:db8::7".parse().unwrap()), Scope::account("ana")],
        };
        assert_eq!(Wire::decode(&failed.encode()), Some(failed));
        assert_eq!(Wire::decode(&[0xff, 0xff]), None);
    }
}
