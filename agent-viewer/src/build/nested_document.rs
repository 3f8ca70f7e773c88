//! Nested documents in the mirror: the visitor's same-origin iframes' documents, rebuilt inside the
//! mirror's iframes.
//!
//! The mirrored `<iframe>` (or `<frame>`) never loads what the visitor's loads: its `src` is kept as
//! `data-cobrowse-src` (and `sandbox` as `data-cobrowse-sandbox`, so the nested document stays readable by
//! the viewer, see `sanitize::mirror_attribute_name`); `srcdoc` is dropped by `sanitize.rs`. So the
//! agent's browser fetches nothing for it, and the iframe's initial `about:blank` document, of the
//! mirror's origin and under its sandbox (no scripts, inherited by deeper iframes), is rebuilt with the
//! visitor's nested document (`Extras::frame`, `Event::Frame` on the wire): its doctype written with
//! `document.open()` as for the top document (see `fresh_document.rs`), the viewer's `<base href=URL>` and
//! stylesheet in its head (see `injected.rs`), then its nodes under the visitor's ids. An iframe whose
//! document the visitor cannot read (cross-origin) stays an empty box of its size, with its attributes.
//!
//! A nested document needs its iframe in the mirror's document, so the builder builds it last, in
//! `Builder::finish`. The mirror counts documents that could not be built
//! ([`Mirror::unbuilt_nested_documents`]). Each nested document gets the mirror's navigation guard, so a
//! script click on a link in it navigates nothing either.
//!
//! Known limit: a `Children` event on a nested document's `<head>` drops the viewer's base and stylesheet
//! there (the mirror keeps them in front only in the top document's head).

use crate::build::builder::Builder;
use crate::build::fresh_document;
use crate::build::injected::Injected;
use crate::dom;
use crate::mirror::Mirror;
use cobrowse_protocol::{Node as NodeData, Root};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Element, Node};

impl Mirror {
    /// Builds `root` as the document of the mirror iframe `iframe` (which must be in the mirror's
    /// document); a document that cannot be built is counted and warned about.
    pub(crate) fn build_nested_document(&mut self, iframe: &Node, root: &Root) {
        if let Err(error) = self.try_build_nested_document(iframe, root) {
            self.counts.unbuilt_nested_documents += 1;
            let warning = format!("cobrowse viewer: an iframe's document was not built: {error:?}");
            web_sys::console::warn_1(&warning.into());
        }
    }

    fn try_build_nested_document(&mut self, iframe: &Node, root: &Root) -> Result<(), JsValue> {
        if !dom::is_iframe_tag(&iframe.unchecked_ref::<Element>().local_name()) {
            return Err("only an iframe or a frame shows a document of the visitor's in the mirror".into());
        }
        let document = reopen(iframe, &root.children)?;
        self.navigation_guard.protect(&document)?;
        self.ids.insert(root.id, &document);
        let injected = Injected::create(&document, &base_url(iframe, &root.url))?;
        let mut builder = Builder::new(&document, self).inject_into_head(&injected);
        for child in &root.children {
            builder.build_into(child, &document);
        }
        builder.finish();
        injected.ensure_attached(&document)?;
        injected.follow_visitor_base(&document, &root.url);
        Ok(())
    }
}

/// Opens `iframe`'s document afresh with the doctype among `children` (or none: quirks mode), emptied.
pub fn reopen(iframe: &Node, children: &[NodeData]) -> Result<Document, JsValue> {
    let missing = "the mirror's iframe has no document: it must be an iframe in the mirror";
    fresh_document::reopen(&|| dom::nested_document_of(iframe), children, missing)
}

/// The URL the nested document's relative URLs resolve against: its own, or for `about:blank` and
/// `about:srcdoc` documents (which resolve against their parent's) the mirror document's base.
fn base_url(iframe: &Node, url: &str) -> String {
    if !url.is_empty() && !url.starts_with("about:") {
        return url.to_string();
    }
    iframe.owner_document().and_then(|parent| parent.base_uri().ok().flatten()).unwrap_or_default()
}
