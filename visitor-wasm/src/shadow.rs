//! Open shadow roots: found on their hosts when serialized, and reported when attached later.
//!
//! The snapshot sends a host's open shadow root as `Extras::shadow` (see `snapshot.rs`), masked as its host
//! is. A root attached after its host was sent is reported by the shim's patch of `attachShadow`
//! (`changed("shadow", host)`), and becomes [`Event::Shadow`] here. Closed roots are never readable, and
//! stay out.

use crate::ids::Ids;
use crate::mask::Masking;
use crate::snapshot;
use cobrowse_protocol::Event;
use web_sys::{Element, Node};

/// The elements `attachShadow` accepts besides custom elements (whose names have a dash); checking the tag
/// first spares a call into JS for every other element of a snapshot.
const HOST_TAGS: [&str; 17] = [
    "article",
    "aside",
    "blockquote",
    "body",
    "div",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "main",
    "nav",
    "p",
    "section",
];

/// The element's open shadow root, if it can have one and has one.
pub fn open_root(element: &Element, tag: &str) -> Option<Node> {
    let may_host = tag.bytes().any(|byte| byte == b'-') || tag == "span" || HOST_TAGS.contains(&tag);
    may_host.then(|| element.shadow_root()).flatten().map(Into::into)
}

/// The event for a shadow root attached to `host` after the host was sent; `None` if the mirror does not
/// show the host's content (unknown, blocked, disconnected) or already has this root.
pub fn attached(host: &Element, ids: &mut Ids) -> Option<Event> {
    let (host_id, masking) = ids.get_with_masking(host).filter(|_| host.is_connected())?;
    if masking == Masking::Blocked {
        return None;
    }
    let root = open_root(host, &host.local_name())?;
    if ids.get(&root).is_some() {
        return None;
    }
    Some(Event::Shadow { host: host_id, root: snapshot::new_root(&root, masking, String::new(), ids) })
}
