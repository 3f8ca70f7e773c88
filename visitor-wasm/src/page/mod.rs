//! Page state beyond the DOM tree, and the visitor's actions: what no MutationObserver sees.
//!
//! [`hooks`] asks the shim's helper functions, [`changes`] types what the shim's patches report,
//! [`styles`], [`canvas`] and [`extras`] follow stylesheets, canvases and rarer element state,
//! [`listeners`] turns DOM events into inputs, [`forms`] and [`motion`] turn inputs into events,
//! [`shadow`] and [`child_documents`] send roots that appear below elements after their hosts were sent.

pub mod canvas;
pub mod changes;
pub mod child_documents;
pub mod extras;
pub mod forms;
pub mod hooks;
pub mod listeners;
pub mod motion;
pub mod shadow;
pub mod styles;
