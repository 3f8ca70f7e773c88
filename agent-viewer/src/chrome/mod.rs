//! Chrome: the viewer's own UI around the mirror, none of it the visitor's page.
//!
//! `overlay.rs` sizes and scales the mirror and shows the visitor's pointer, `status.rs` tells the agent
//! where the connection stands, `counters.rs` publishes what the viewer did on `window.cobrowseViewer`,
//! `call_bar.rs` shows the support call (control buttons, tools, who watches, the visitor's title and
//! URL), `strokes.rs` draws the agent's own strokes over the mirror and `agent_pointers.rs` shows the
//! other agents' pointers. `call_bar.rs` reads the session,
//! so it sits above it; the others are below it.

pub mod agent_pointers;
pub mod call_bar;
pub mod counters;
pub mod overlay;
pub mod status;
pub mod strokes;
