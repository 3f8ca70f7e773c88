//! The tree walk: how the page's DOM becomes what the mirror gets, in the order a wire frame is made.
//!
//! [`ids`] names nodes, [`rules`] compiles the site's masking rules and [`mask`] decides what is hidden,
//! [`carriers`] decides markup held as text, [`describe`] reads what a node holds in one call into JS,
//! [`snapshot`] serializes the DOM, [`observer`] watches the
//! document and the roots below it (with a constructor from [`pristine`]), and [`record`] turns each batch of
//! mutations into a delta (the batch's values read in one string, [`joined`]). [`backlog`] slices the walk across tasks: the time a task may take, and the
//! parents whose children are still to be sent. The state they share lives in the session's `Recorder` (`recorder.rs`).

pub mod backlog;
pub mod carriers;
pub mod describe;
pub mod ids;
pub mod joined;
pub mod mask;
pub mod observer;
pub mod pristine;
pub mod record;
pub mod rehearsal;
pub mod rules;
pub mod snapshot;
