//! What a session carries to the relay node that takes it over when its visitor resumes there (`cluster/`):
//! the call's memory and the visitor's tabs. The home node writes it to the engine whenever it changes; the
//! node taking over reads it, so a move costs the visitor and its agents nothing they had.
//!
//! At the bottom of the crate: the call (`call.rs`), the session and the cluster engine all use it.

/// A session's state that must survive a move to another node.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Carried {
    /// The visitor's consent decisions: each account allowed (`true`) or declined (`false`).
    pub decisions: Vec<(String, bool)>,
    /// The account holding remote control: it gets control back when its agent watches again on the new
    /// node (its connection, and so its number, is new).
    pub control: Option<String>,
    /// The visitor's tab ids in the order first seen: a tab's number is its place plus one, and with
    /// `tabs = "first"` only the first may carry the session.
    pub tabs: Vec<String>,
}
