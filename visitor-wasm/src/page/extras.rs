//! An element's rarer state, serialized beside its attributes as [`Extras`]: a `<style>`'s rules edited
//! through the CSSOM, a modal `<dialog>`, a media element's playback; and the media event that follows a
//! playback change. (Canvas pixels and scroll offsets follow the snapshot as events, see `session.rs`.)
//!
//! Only the few tags that can have such state are asked, so an ordinary element costs nothing more than
//! the one byte of an absent `extras`. A masked element gets none of it: its pixels or rules could show
//! what the mask hides. Open shadow roots and child documents are serialized with the subtree (see
//! `snapshot.rs`).

use crate::recorder::Recorder;
use cobrowse_protocol::{Event, Extras, Namespace};
use wasm_bindgen::JsCast;
use web_sys::{Element, EventTarget};

/// The state of `element` (`tag` lower case for HTML); the snapshot adds its shadow root and child
/// document, and sends the extras only if something is set.
pub fn of(element: &Element, tag: &str, namespace: &Namespace, recorder: &Recorder) -> Extras {
    let mut extras = Extras::default();
    let hooks = &recorder.hooks;
    match (namespace, tag) {
        (Namespace::Html | Namespace::Svg, "style") => extras.sheet = hooks.edited_rules(element, &recorder.mask),
        (Namespace::Html, "dialog") => extras.modal = hooks.is_modal(element),
        (Namespace::Html, "video" | "audio") => extras.media = hooks.media_state(element),
        _ => {}
    }
    extras
}

/// The playback state of a media element the mirror knows (`None` if unknown or masked).
pub fn media_event(target: &EventTarget, recorder: &Recorder) -> Option<Event> {
    let element = target.dyn_ref::<Element>()?;
    let (node, masking) = recorder.ids.get_with_masking(element)?;
    if masking.masks() {
        return None;
    }
    Some(Event::Media { node, state: recorder.hooks.media_state(element)? })
}
