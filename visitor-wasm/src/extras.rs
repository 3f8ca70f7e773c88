//! An element's rarer state, serialized beside its attributes as [`Extras`]: a `<style>`'s rules edited
//! through the CSSOM, a modal `<dialog>`, a media element's playback. (Canvas pixels and scroll offsets
//! follow the snapshot as events, see `session.rs`.)
//!
//! Only the few tags that can have such state are asked, so an ordinary element costs nothing more than
//! the one byte of an absent `extras`. A masked element gets none of it: its pixels or rules could show
//! what the mask hides. Open shadow roots and frame documents are serialized with the subtree (see
//! `snapshot.rs`).

use crate::hooks;
use cobrowse_protocol::{Extras, Namespace};
use web_sys::Element;

/// The extras of `element` (`tag` lower case for HTML), or `None` when it has none.
pub fn of(element: &Element, tag: &str, namespace: &Namespace) -> Option<Box<Extras>> {
    let mut extras = Extras::default();
    match (namespace, tag) {
        (Namespace::Html | Namespace::Svg, "style") => extras.sheet = hooks::edited_rules(element),
        (Namespace::Html, "dialog") => extras.modal = hooks::is_modal(element),
        (Namespace::Html, "video" | "audio") => extras.media = hooks::media_state(element),
        _ => return None,
    }
    // Checked field by field: comparing with `Extras::default()` would pull the comparison of whole node
    // trees into the download.
    (extras.sheet.is_some() || extras.modal || extras.media.is_some()).then(|| Box::new(extras))
}
