//! The relay's announcement of an uploaded asset (`Control::Asset`), applied to the mirror.
//!
//! The mapping is recorded in the mirror's [`crate::assets::Assets`]; then the elements already built
//! that load the resource, and the stylesheet rules that name it (fonts, background images), are pointed
//! at the relay's copy. Elements built later get it as they are built (see `build/attributes.rs`).

use crate::mirror::Mirror;
use crate::styles::fonts;

impl Mirror {
    /// Records that the resource the visitor's page calls `visitor_url` is on the relay at `path`, and
    /// points the mirror's elements and stylesheets that load it there.
    pub fn learn_asset(&mut self, visitor_url: &str, path: &str) {
        if !self.assets.learn(visitor_url, path) {
            return;
        }
        if let Some(document) = self.document() {
            self.assets.update_elements(&document);
            fonts::remap_document(&document, &self.assets);
        }
    }

    /// Forgets every uploaded asset: a new connection may be to another session.
    pub fn forget_assets(&mut self) {
        self.assets.forget_all();
    }
}
