//! Open shadow roots in the mirror: the visitor's `Extras::shadow` and `Event::Shadow`, rebuilt with
//! `attachShadow({mode: 'open'})` on the mirror's host element.
//!
//! The root gets the visitor's root id, so `Children` events naming it apply as on any element. A host
//! the DOM refuses (a tag that cannot host a shadow root, as the mirror created it) does not stop the
//! build: its root's content goes into a detached fragment, where it has ids but does not render, and the
//! mirror counts it ([`Mirror::refused_shadow_hosts`]). Custom elements have no definitions in the mirror;
//! their tags still render their shadow content. The viewer's stylesheet (`injected.rs`) does not reach
//! into shadow roots: masked text there shows the mask characters without the stripes.

use crate::build::builder::Builder;
use crate::mirror::Mirror;
use crate::styles::sheets;
use cobrowse_protocol::Root;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, Node, ShadowRootInit, ShadowRootMode};

impl Builder<'_> {
    /// Builds `root` as the open shadow root of `host`, with its adopted sheets.
    pub fn build_shadow_root(&mut self, host: &Node, root: &Root) {
        let document = self.document();
        let holder = self.mirror_mut().shadow_holder(host, document);
        self.mirror_mut().ids.insert(root.id, &holder);
        for child in &root.children {
            self.build_into(child, &holder);
        }
        if !root.adopted.is_empty() {
            let rejected = sheets::adopt_rejections(&holder, document, &root.adopted);
            self.mirror_mut().counts.rejected_rules += rejected;
        }
    }
}

impl Mirror {
    /// The node to build `host`'s shadow root into: its open shadow root (emptied, its old content
    /// forgotten, if it had one), or a detached fragment of `document` if the DOM refuses one.
    fn shadow_holder(&mut self, host: &Node, document: &Document) -> Node {
        let element = host.unchecked_ref::<Element>();
        if let Some(existing) = element.shadow_root() {
            while let Some(child) = existing.first_child() {
                self.ids.forget_subtree(&child);
                let _ = existing.remove_child(&child);
            }
            return existing.into();
        }
        match element.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open)) {
            Ok(root) => root.into(),
            Err(_) => {
                self.counts.refused_shadow_hosts += 1;
                document.create_document_fragment().into()
            }
        }
    }
}
