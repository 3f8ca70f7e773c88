//! Open shadow roots in the mirror: the visitor's `Extras::shadow` and `Event::Shadow`, rebuilt with
//! `attachShadow({mode: 'open'})` on the mirror's host element.
//!
//! The root gets the visitor's root id, so `Children` events naming it apply as on any element. A host
//! the DOM refuses (a tag that cannot host a shadow root, as the mirror created it) does not stop the
//! build: its root's content goes into a detached fragment, where it has ids but does not render, and
//! [`refused_hosts`] counts it. Custom elements have no definitions in the mirror; their tags still render
//! their shadow content. The viewer's stylesheet (`injected.rs`) does not reach into shadow roots: masked
//! text there shows the mask characters without the stripes.

use crate::build::Builder;
use crate::ids::NodeIds;
use cobrowse_protocol::{NodeId, Root};
use std::cell::Cell;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, Node, ShadowRootInit, ShadowRootMode};

thread_local! {
    static REFUSED_HOSTS: Cell<u32> = const { Cell::new(0) };
}

/// How many hosts the DOM refused a shadow root (since the viewer started).
pub fn refused_hosts() -> u32 {
    REFUSED_HOSTS.with(Cell::get)
}

/// The node to build `host`'s shadow root into: its open shadow root (emptied, its old content forgotten,
/// if it had one), or a detached fragment if the DOM refuses one.
pub fn attach(host: &Node, document: &Document, ids: &mut NodeIds) -> Node {
    let element = host.unchecked_ref::<Element>();
    if let Some(existing) = element.shadow_root() {
        while let Some(child) = existing.first_child() {
            ids.forget_subtree(&child);
            let _ = existing.remove_child(&child);
        }
        return existing.into();
    }
    match element.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open)) {
        Ok(root) => root.into(),
        Err(_) => {
            REFUSED_HOSTS.with(|refused| refused.set(refused.get() + 1));
            document.create_document_fragment().into()
        }
    }
}

/// Applies `Event::Shadow`: builds `root` as the shadow root of the element `host`. Returns how many
/// events were out of step (1 if the host is unknown or not an element).
pub fn apply(ids: &mut NodeIds, host: NodeId, root: &Root) -> u32 {
    let Some(host) = ids.get(host).filter(|node| node.node_type() == Node::ELEMENT_NODE).cloned() else {
        return 1;
    };
    let Some(document) = host.owner_document() else { return 1 };
    let mut builder = Builder::new(&document, ids);
    builder.build_shadow_root(&host, root);
    builder.finish();
    0
}
