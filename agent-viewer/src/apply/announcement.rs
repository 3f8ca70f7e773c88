//! The relay's announcement of an uploaded asset (`Control::Asset`), applied to the mirror.
//!
//! The mapping is recorded in the mirror's [`crate::assets::Assets`]; then the elements already built
//! that load the resource, and the stylesheet rules that name it (fonts, background images), are pointed
//! at the relay's copy, in the top document and in the documents of the mirror's frames (an upload may
//! come after the snapshot: the visitor's uploader starts when the first agent joins). Elements built later
//! get it as they are built (see `build/attributes.rs`).

use crate::dom;
use crate::mirror::Mirror;
use crate::styles::fonts;
use web_sys::Document;

impl Mirror {
    /// Records that the resource the visitor's page calls `visitor_url` is on the relay at `path`, and
    /// points the mirror's elements and stylesheets that load it there.
    pub fn learn_asset(&mut self, visitor_url: &str, path: &str) {
        if !self.assets.learn(visitor_url, path) {
            return;
        }
        for document in self.document().map(with_frame_documents).unwrap_or_default() {
            self.assets.update_elements(&document);
            fonts::remap_document(&document, &self.assets);
        }
    }

    /// Forgets every uploaded asset: a new connection may be to another session.
    pub fn forget_assets(&mut self) {
        self.assets.forget_all();
    }
}

/// `document` and the documents of its frames, and of theirs, that the viewer can reach.
fn with_frame_documents(document: Document) -> Vec<Document> {
    let mut documents = vec![document];
    let mut index = 0;
    while let Some(document) = documents.get(index).cloned() {
        index += 1;
        let Ok(frames) = document.query_selector_all("iframe") else { continue };
        for item in 0..frames.length() {
            documents.extend(frames.item(item).as_ref().and_then(dom::nested_document_of));
        }
    }
    documents
}
