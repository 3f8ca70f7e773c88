//! Child documents: the document of a same-origin `<iframe>` or `<frame>` (both called iframes here), sent
//! under its iframe. (An `<object>`'s document is not: the mirror loads an object's `data` itself, as any
//! other resource.)
//!
//! The snapshot sends a readable child document as `Extras::frame` (the protocol's name) with its own ids
//! from the same id space, masked as its iframe is (see `snapshot.rs`). A cross-origin document cannot be
//! read: the iframe is sent with its attributes and no content, and the mirror shows an empty box of its
//! size.
//!
//! An iframe that loads a new child document later (added after the snapshot, navigated, reloaded,
//! `srcdoc` changed) fires `load`, which the observer hears in every watched document and reports as
//! `Change::ChildDocument`; [`loaded`] makes it an [`Event::Frame`].

use crate::dom;
use crate::recorder::Recorder;
use crate::tree::mask::Masking;
use crate::tree::snapshot;
use cobrowse_protocol::Event;
use web_sys::Element;

/// The event for an iframe that loaded a child document; `None` if the mirror does not show the iframe's
/// content (unknown, blocked, disconnected) or already has this document.
pub fn loaded(iframe: &Element, recorder: &mut Recorder) -> Option<Event> {
    let (iframe_id, masking) = recorder.ids.get_with_masking(iframe).filter(|_| iframe.is_connected())?;
    if masking == Masking::Blocked {
        return None;
    }
    let document = match dom::child_document(iframe, &iframe.local_name()) {
        Some(document) if recorder.ids.get(&document).is_some() => return None,
        Some(document) => Some(snapshot::new_root(&document, masking, dom::document_url(&document), recorder)),
        None => None,
    };
    Some(Event::Frame { frame: iframe_id, document })
}
