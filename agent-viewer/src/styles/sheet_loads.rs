//! Stylesheets that arrive after the mirror was built: a `<link>`'s sheet loads asynchronously, and only
//! then can `pseudo.rs` add its `:hover`/`:focus` twins and `fonts.rs` point its fonts at uploaded copies.
//! One capturing `load` listener on each mirror document notices every such load (load events do not
//! bubble, but they are seen while capturing). The listener is a browser callback: it reaches the
//! mirror's asset map through a handle of its own (an [`Assets`] clone), not through the mirror.

use crate::assets::Assets;
use crate::styles::{fonts, pseudo};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::Document;

/// The `load` listener, kept alive for the mirror's lifetime.
#[derive(Default)]
pub struct SheetLoads {
    listener: Option<Closure<dyn FnMut(web_sys::Event)>>,
}

impl SheetLoads {
    /// Processes the sheets of `document` whenever a resource in it loads, with `assets` for its fonts.
    pub fn listen(&mut self, document: &Document, assets: &Assets) {
        let listener = self.listener.get_or_insert_with(|| on_load(assets.clone()));
        let _ = document.add_event_listener_with_callback_and_bool("load", listener.as_ref().unchecked_ref(), true);
    }
}

fn on_load(assets: Assets) -> Closure<dyn FnMut(web_sys::Event)> {
    Closure::new(move |event: web_sys::Event| {
        // The target is of the mirror's realm, where `instanceof` against this realm's `Node` fails.
        let document = event.target().and_then(|target| target.unchecked_into::<web_sys::Node>().owner_document());
        if let Some(document) = document {
            pseudo::process_document(&document);
            fonts::remap_document(&document, &assets);
        }
    })
}
