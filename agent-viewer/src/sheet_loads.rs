//! Stylesheets that arrive after the mirror was built: a `<link>`'s sheet loads asynchronously, and only
//! then can `pseudo.rs` add its `:hover`/`:focus` twins and `fonts.rs` point its fonts at uploaded copies. One capturing `load` listener on each mirror
//! document notices every such load (load events do not bubble, but they are seen while capturing).

use crate::pseudo;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::Document;

/// The `load` listener, kept alive for the mirror's lifetime.
#[derive(Default)]
pub struct SheetLoads {
    listener: Option<Closure<dyn FnMut(web_sys::Event)>>,
}

impl SheetLoads {
    /// Processes the sheets of `document` whenever a resource in it loads.
    pub fn listen(&mut self, document: &Document) {
        let listener = self.listener.get_or_insert_with(|| {
            Closure::new(|event: web_sys::Event| {
                // The target is of the mirror's realm, where `instanceof` against this realm's `Node` fails.
                let document =
                    event.target().and_then(|target| target.unchecked_into::<web_sys::Node>().owner_document());
                if let Some(document) = document {
                    pseudo::process_document(&document);
                    crate::fonts::remap_document(&document);
                }
            })
        });
        let _ = document.add_event_listener_with_callback_and_bool("load", listener.as_ref().unchecked_ref(), true);
    }
}
