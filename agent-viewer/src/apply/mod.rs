//! Applying: what the visitor sends after the snapshot changes the mirror in place.
//!
//! `delta.rs` runs a `Delta`'s events in order and then the forget rule; `tree.rs` handles `Children`
//! (with `reorder.rs` moving the nodes), `content.rs` the events on one known node, `roots.rs` new shadow
//! roots and nested documents; `announcement.rs` applies the relay's asset announcements.

pub mod announcement;
pub mod content;
pub mod delta;
pub mod reorder;
pub mod roots;
pub mod tree;
