//! Counters of what the viewer did, published on `window.cobrowseViewer` for tests and for curious agents.
//!
//! `window.cobrowseViewer` is a plain object: `{ state, framesApplied, snapshots, deltas, outOfStep,
//! snapshotRequests, badFrames, rejectedRules, unbuiltNestedDocuments, refusedShadowHosts, assets }`
//! (`state`: see `status.rs`; `assets`: relay URL → visitor URL, see `assets.rs`). Outside tests read it
//! to know when a frame has reached the mirror without guessing with timeouts. "Frame" here is always a
//! message from the relay; an iframe's document is a nested document.

use crate::dom::global_object;

/// What one viewer has done since it was created.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counters {
    /// Snapshots and deltas applied to the mirror.
    pub frames_applied: u32,
    pub snapshots: u32,
    pub deltas: u32,
    /// Events that named an id the mirror does not know, or that the DOM refused.
    pub out_of_step: u32,
    /// `MirrorOutOfStep` messages sent to the relay.
    pub snapshot_requests: u32,
    /// Frames that could not be decoded or applied at all.
    pub bad_frames: u32,
    /// Stylesheet rules, adopted sheets or canvas images the mirror's browser refused (in the top
    /// document, its shadow roots and its nested documents alike).
    pub rejected_rules: u32,
    /// Nested documents (an iframe's) the mirror could not build.
    pub unbuilt_nested_documents: u32,
    /// Elements the DOM refused a shadow root (their root's content is kept detached).
    pub refused_shadow_hosts: u32,
}

impl Counters {
    /// Writes the counters onto `window.cobrowseViewer`.
    pub fn publish(&self) {
        let Some(global) = global_object() else {
            return;
        };
        for (name, value) in [
            ("framesApplied", self.frames_applied),
            ("snapshots", self.snapshots),
            ("deltas", self.deltas),
            ("outOfStep", self.out_of_step),
            ("snapshotRequests", self.snapshot_requests),
            ("badFrames", self.bad_frames),
            ("rejectedRules", self.rejected_rules),
            ("unbuiltNestedDocuments", self.unbuilt_nested_documents),
            ("refusedShadowHosts", self.refused_shadow_hosts),
        ] {
            let _ = js_sys::Reflect::set(&global, &name.into(), &value.into());
        }
    }
}
