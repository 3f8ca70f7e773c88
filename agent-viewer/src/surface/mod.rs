//! The agent's gestures on the mirror, turned into the support call's messages.
//!
//! While the mirror is interactive (a tool held, or the agent controls the visitor's page; see
//! `chrome/overlay.rs`), the agent's mouse and keys reach the mirror's document, where capturing
//! listeners (given to every rebuilt document, `build/listeners.rs`) read them and cancel their default:
//! nothing the agent does changes the mirror itself, which shows only the visitor's frames.
//! `gestures.rs` holds what the listeners share (the session, the sender, the per-frame batch) and sends;
//! `reading.rs` reads a DOM event (its document point, the visitor's id of its element); `tools.rs` acts
//! for the pointer, highlight and draw tools, `remote.rs` for remote control (click, key, wheel,
//! `<select>`); `listen.rs` wires the listeners. The surface sits above the link (it sends through it)
//! and below the viewer, which owns it.

pub mod gestures;
pub mod listen;
pub mod reading;
pub mod remote;
pub mod tools;
