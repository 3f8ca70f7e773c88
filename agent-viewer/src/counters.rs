//! Counters of what the viewer did, published on `window.cobrowseViewer` for tests and for curious agents.
//!
//! `window.cobrowseViewer` is a plain object: `{ state, framesApplied, snapshots, deltas, outOfStep,
//! snapshotRequests, badFrames, rejectedRules }`. Outside tests read it to know when a frame has reached the mirror
//! without guessing with timeouts.

use crate::status::State;
use wasm_bindgen::JsValue;

/// The name of the object on `window`.
const GLOBAL: &str = "cobrowseViewer";

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
    /// Stylesheet rules, adopted sheets or canvas images the mirror's browser refused.
    pub rejected_rules: u32,
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
        ] {
            let _ = js_sys::Reflect::set(&global, &name.into(), &value.into());
        }
    }
}

/// Writes the connection state onto `window.cobrowseViewer.state`.
pub fn publish_state(state: State) {
    if let Some(global) = global_object() {
        let _ = js_sys::Reflect::set(&global, &"state".into(), &state.as_str().into());
    }
}

/// `window.cobrowseViewer`, created on first use.
fn global_object() -> Option<JsValue> {
    let window: JsValue = web_sys::window()?.into();
    let existing = js_sys::Reflect::get(&window, &GLOBAL.into()).ok()?;
    if existing.is_object() {
        return Some(existing);
    }
    let created: JsValue = js_sys::Object::new().into();
    js_sys::Reflect::set(&window, &GLOBAL.into(), &created).ok()?;
    Some(created)
}
