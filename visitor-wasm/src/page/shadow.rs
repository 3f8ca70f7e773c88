//! Open shadow roots attached after their hosts were sent.
//!
//! The snapshot sends a host's open shadow root as `Extras::shadow` (see `snapshot.rs`), masked as its host
//! is. A root attached after its host was sent is reported by the shim's patch of `attachShadow`
//! (`changed("shadow", host)`), and becomes [`Event::Shadow`] here, serialized with the recorder so that
//! its nodes get ids and the observer watches it from then on. Closed roots are never readable, and stay
//! out.

use crate::dom;
use crate::recorder::Recorder;
use crate::tree::mask::Masking;
use crate::tree::snapshot;
use cobrowse_protocol::Event;
use web_sys::Element;

/// The event for a shadow root attached to `host` after the host was sent; `None` if the mirror does not
/// show the host's content (unknown, blocked, disconnected) or already has this root.
pub fn attached(host: &Element, recorder: &mut Recorder) -> Option<Event> {
    let (host_id, masking) = recorder.ids.get_with_masking(host).filter(|_| host.is_connected())?;
    if masking == Masking::Blocked {
        return None;
    }
    let root = dom::open_shadow_root(host, &host.local_name())?;
    if recorder.ids.get(&root).is_some() {
        return None;
    }
    Some(Event::Shadow { host: host_id, root: snapshot::new_root(&root, masking, String::new(), recorder) })
}
