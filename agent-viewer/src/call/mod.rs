//! The support call, agent side, as state without IO: who watches, who controls the page, which tool
//! the agent holds, and the small pieces of arithmetic the agent's gestures need.
//!
//! The [`state::CallState`] lives in the [`crate::session::Session`] (which receives the relay's call
//! messages) and is changed by the viewer's buttons; `surface/` turns the agent's gestures on the mirror
//! into messages, `chrome/call_bar.rs` shows the state. Nothing here touches the DOM, so it is tested
//! natively as well as in the browser.

pub mod batch;
pub mod control;
pub mod point;
pub mod roster;
pub mod state;
pub mod tools;
