//! State: what the visitor's page shows beyond its tree, set on mirror nodes from a snapshot's extras
//! and from events alike.
//!
//! Form values (`form.rs`), masked content (`mask.rs`), media playback (`media.rs`), modal dialogs
//! (`dialog.rs`), canvas pixels (`canvas.rs`), hover, focus and selection (`presence.rs`) and the
//! window's scroll offset (`window_scroll.rs`). Nothing here builds nodes or knows about ids.

pub mod canvas;
pub mod dialog;
pub mod form;
pub mod mask;
pub mod media;
pub mod presence;
pub mod window_scroll;
