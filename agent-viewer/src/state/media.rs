//! The visitor's `<video>` and `<audio>` playback, followed by the mirror's media elements.
//!
//! The mirror seeks to the visitor's time (when it is off by more than a moment, to avoid stutter),
//! plays or pauses as they do, and follows the rate. It stays muted whatever the visitor hears: the
//! agent's browser must not play the visitor's sound (see `build/node.rs`).

use cobrowse_protocol::MediaState;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlMediaElement};

/// How far the mirror may drift from the visitor's time before it seeks, in seconds.
const TOLERATED_DRIFT: f64 = 0.5;

/// Brings a mirror media element to `state`.
pub fn apply(element: &Element, state: &MediaState) {
    let media = element.unchecked_ref::<HtmlMediaElement>();
    let time = state.time_ms as f64 / 1000.0;
    if (media.current_time() - time).abs() > TOLERATED_DRIFT {
        media.set_current_time(time);
    }
    media.set_playback_rate(f64::from(state.rate_percent.max(1)) / 100.0);
    media.set_muted(true);
    if state.paused {
        let _ = media.pause();
    } else {
        // A media element that cannot play here (no source reachable) just stays paused.
        let _ = media.play();
    }
}
