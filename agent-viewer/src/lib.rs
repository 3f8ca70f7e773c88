//! The agent's viewer: joins a cobrowse session and rebuilds the visitor's page in a sandboxed iframe.
//!
//! `viewer.js` (in `www/agent/`) loads this module and drives a [`Viewer`]:
//!
//! ```js
//! import init, { Viewer } from "./pkg/cobrowse_agent_viewer.js";
//! await init();
//! const viewer = new Viewer();                 // finds #cobrowse-mirror, #cobrowse-status, … by id
//! viewer.onStateChange((state, text) => …);    // "idle" | "connecting" | "consent" | "live" | "navigating"
//!                                              // | "reconnecting" | "ended" | "left" | "declined"
//!                                              // | "disconnected" | "error"
//! viewer.join(name, password, key);            // opens ws(s)://<host>/ws/agent and sends Control::Join;
//!                                              // joins again by itself after a drop that passes
//! viewer.fit();                                // after the agent's window or layout changed
//! viewer.leave();                             // closes with 1000: "left", the session goes on for others
//! viewer.requestControl(); viewer.releaseControl();   // the support call's remote control
//! viewer.selectTool("pointer" | "highlight" | "draw");  // pressing the held tool puts it down
//! ```
//!
//! The way a frame (a message from the relay) takes, which is also the order of the layers, each using
//! only those below it: [`viewer`] → [`link`] (one join across connections, rejoining after a drop as
//! [`rejoin`] decides) → [`connection`] (WebSocket) → [`session`] (one `Decoder` per connection) → the [`mirror`], the one owner of the mirrored page's state, which [`build`] rebuilds
//! from a snapshot and [`apply`] patches with deltas and announcements → [`state`] (form, media,
//! presence, scroll…) and [`styles`] (sheets, `:hover` twins, fonts), [`assets`] (uploaded resources) →
//! [`sanitize`], [`ids`] and, at the bottom, [`dom`]. [`chrome`] is the viewer's own UI: the overlay
//! around the mirror, the status line, the counters on `window.cobrowseViewer`, the support call's bar.
//!
//! The support call: the session owns its state ([`call`]: who watches, who controls the page, the
//! agent's tool); the [`surface`], owned by the viewer, turns the agent's gestures on the mirror into the
//! call's messages and sends them through the link.
//!
//! Words: a *frame* is always a message on the wire; an iframe's document is a *nested document*.

pub mod apply;
pub mod assets;
pub mod build;
pub mod call;
pub mod chrome;
pub mod connection;
pub mod dom;
pub mod ids;
pub mod inbox;
pub mod link;
pub mod mirror;
pub mod rejoin;
pub mod sanitize;
pub mod session;
pub mod sign_in;
pub mod state;
pub mod styles;
pub mod surface;
pub mod viewer;

pub use viewer::{join_message, Viewer};
