//! Events that give an element new content of its own: `Shadow` (a host's open shadow root) and `Frame`
//! on the wire (an iframe's nested document, or none).
//!
//! The old content's ids are forgotten and the new content is built under the visitor's ids (see
//! `build/shadow.rs` and `build/nested_document.rs`). An unknown host or iframe counts as out of step.

use crate::build::builder::Builder;
use crate::build::nested_document;
use crate::dom;
use crate::mirror::Mirror;
use cobrowse_protocol::{NodeId, Root};
use web_sys::Node;

impl Mirror {
    /// `Event::Shadow`: builds `root` as the shadow root of the element `host`.
    pub(crate) fn apply_shadow(&mut self, host: NodeId, root: &Root) {
        let host = self.known_element_node(host);
        let Some((host, document)) = host.and_then(|host| Some((host.clone(), host.owner_document()?))) else {
            self.counts.out_of_step += 1;
            return;
        };
        let mut builder = Builder::new(&document, self);
        builder.build_shadow_root(&host, root);
        builder.finish();
    }

    /// `Event::Frame`: the mirror iframe `iframe` shows `document` now (`None`: nothing, an empty box).
    pub(crate) fn apply_nested_document(&mut self, iframe: NodeId, document: Option<&Root>) {
        let Some(iframe) = self.known_element_node(iframe) else {
            self.counts.out_of_step += 1;
            return;
        };
        if let Some(old) = dom::nested_document_of(&iframe) {
            self.ids.forget_subtree(&old);
        }
        match document {
            Some(root) => self.build_nested_document(&iframe, root),
            None => {
                let _ = nested_document::reopen(&iframe, &[]);
            }
        }
    }

    fn known_element_node(&self, id: NodeId) -> Option<Node> {
        self.ids.get(id).filter(|node| dom::as_element(node).is_some()).cloned()
    }
}
