//! Chrome: the viewer's own UI around the mirror, none of it the visitor's page.
//!
//! `overlay.rs` sizes and scales the mirror and shows the visitor's pointer, `status.rs` tells the agent
//! where the connection stands, `counters.rs` publishes what the viewer did on `window.cobrowseViewer`.

pub mod counters;
pub mod overlay;
pub mod status;
