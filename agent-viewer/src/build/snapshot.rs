//! A `Snapshot` rebuilds the whole mirror: the top document reset and its tree built from scratch.
//!
//! The document is opened afresh with the visitor's doctype (so the rendering mode matches, see
//! `fresh_document.rs`), given the navigation guard and the viewer's own listeners (rebuilding drops
//! them), emptied of ids, and
//! built with the viewer's base and stylesheet in its head. Then the page-wide state follows: adopted
//! sheets, the `:hover`/`:focus` twins, the listener for late stylesheets, the visitor's own `<base>`,
//! the viewport size and the window's scroll offset.

use crate::build::builder::Builder;
use crate::build::fresh_document;
use crate::build::injected::Injected;
use crate::mirror::Mirror;
use crate::styles::{pseudo, sheets};
use cobrowse_protocol::Snapshot;
use wasm_bindgen::JsValue;
use web_sys::Document;

impl Mirror {
    /// Rebuilds the whole document from `snapshot`.
    pub fn apply_snapshot(&mut self, snapshot: &Snapshot) -> Result<(), JsValue> {
        let document = self.reopen_top_document(snapshot)?;
        self.window_scroll.top_while_empty();
        self.navigation_guard.protect(&document)?;
        self.listeners.attach(&document)?;
        self.ids.clear();
        let injected = Injected::create(&document, &snapshot.url)?;
        let mut builder = Builder::new(&document, self).inject_into_head(&injected);
        for node in &snapshot.children {
            builder.build_into(node, &document);
        }
        builder.finish();
        injected.ensure_attached(&document)?;
        self.presence.clear();
        if !snapshot.adopted.is_empty() {
            self.counts.rejected_rules += sheets::adopt_rejections(&document, &document, &snapshot.adopted);
        }
        pseudo::process_document(&document);
        self.sheet_loads.listen(&document, &self.assets);
        injected.follow_visitor_base(&document, &snapshot.url);
        self.injected = Some(injected);
        self.overlay.set_viewport(snapshot.viewport);
        self.window_scroll.scroll_rebuilt_to(snapshot.scroll);
        Ok(())
    }

    /// Opens the iframe's document afresh with the snapshot's doctype (or none: quirks mode), emptied.
    fn reopen_top_document(&self, snapshot: &Snapshot) -> Result<Document, JsValue> {
        let missing = "the mirror iframe has no document: it must be in the page, sandboxed with allow-same-origin";
        fresh_document::reopen(&|| self.document(), &snapshot.children, missing)
    }
}
