//! Canvases: their pixels sent as PNG images, in the snapshot and whenever they change.
//!
//! No DOM event says that a canvas was drawn on: the shim's patches to the contexts' drawing calls report
//! it ([`Canvases::drawn`]), and the next animation tick looks, at most every [`MIN_INTERVAL_MS`]; a timer
//! looks twice a second whatever happened (see `session.rs`). [`Canvases::changed`] reads every known
//! canvas as a PNG data URL and sends those whose image differs from the one last sent. WebGL canvases
//! stay readable because the shim asks for `preserveDrawingBuffer` on contexts created after it loads. A
//! canvas tainted by cross-origin images cannot be read and stays blank in the mirror.

use crate::dom;
use crate::recorder::Recorder;
use cobrowse_protocol::{Event, Image, NodeId};
use web_sys::Document;

const PNG_PREFIX: &str = "data:image/png;base64,";

/// The least time between two looks prompted by drawing, in milliseconds: an animation must not make the
/// visitor encode PNGs sixty times a second.
pub const MIN_INTERVAL_MS: f64 = 150.0;

/// The image last sent for each canvas, by a hash of its data URL.
#[derive(Default)]
pub struct Canvases {
    /// A canvas was drawn on since the last look.
    drawn: bool,
    /// When the last look was (`Date.now()`).
    looked_at: f64,
    /// (canvas, hash of its data URL); a list, as pages have few canvases (and a map costs download size).
    sent: Vec<(NodeId, u64)>,
}

impl Canvases {
    /// Forgets what was sent: after a snapshot every canvas is sent again.
    pub fn clear(&mut self) {
        self.sent.clear();
    }

    /// A canvas was drawn on.
    pub fn drawn(&mut self) {
        self.drawn = true;
    }

    /// Whether drawing waits for a look.
    pub fn is_drawn(&self) -> bool {
        self.drawn
    }

    /// Whether a look prompted by drawing is due now (else the next animation tick or the timer looks).
    pub fn due(&self) -> bool {
        self.drawn && js_sys::Date::now() - self.looked_at >= MIN_INTERVAL_MS
    }

    /// `Canvas` events for the known, unmasked canvases of `document` whose pixels changed.
    pub fn changed(&mut self, document: &Document, recorder: &Recorder) -> Vec<Event> {
        self.drawn = false;
        self.looked_at = js_sys::Date::now();
        let mut events = Vec::new();
        for element in dom::elements_by_tag(document, "canvas") {
            let Some((node, masking)) = recorder.ids.get_with_masking(&element) else { continue };
            if masking.masks() {
                continue;
            }
            let Some(url) = recorder.hooks.canvas_data_url(&element) else { continue };
            let hash = fnv1a(url.as_bytes());
            match self.sent.iter_mut().find(|(known, _)| *known == node) {
                Some((_, sent)) if *sent == hash => continue,
                Some((_, sent)) => *sent = hash,
                None => self.sent.push((node, hash)),
            }
            events.extend(decode(&url).map(|image| Event::Canvas { node, image }));
        }
        events
    }
}

fn decode(data_url: &str) -> Option<Image> {
    let base64 = data_url.strip_prefix(PNG_PREFIX)?;
    Some(Image { mime: "image/png".into(), bytes: cobrowse_protocol::markup::base64_decode(base64)? })
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3))
}
