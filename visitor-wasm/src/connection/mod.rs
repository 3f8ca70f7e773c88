//! The connection side: the running session, its lifecycle, the socket to the relay, and the exports the
//! shim calls while a session runs.
//!
//! [`running`] keeps the one running session (the crate's only thread-local) and backs the exports,
//! [`session`] runs one session from `start()` to its end, [`notice`] holds its calls into page script until
//! it is released, [`socket`] is the WebSocket to the relay (its snapshots deflated by the browser,
//! [`browser_deflate`], the frames after one waiting in order in the [`outbox`]), [`assets`] exports the asset uploads, [`call`]
//! the support call's answers, [`nodes`] what the shim may know of a node, [`next_task`] the task a sliced
//! snapshot's next slice runs in.

pub mod assets;
pub mod browser_deflate;
pub mod call;
pub mod next_task;
pub mod nodes;
pub mod notice;
pub mod outbox;
pub mod running;
pub mod session;
pub mod socket;
