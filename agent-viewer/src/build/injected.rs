//! The two nodes the viewer adds to the mirror's head: `<base href=VISITOR_URL>` and its own stylesheet.
//!
//! The base makes relative URLs (stylesheets, images, fonts) resolve against the visitor's page rather than
//! the viewer's. It comes first in the head, so it wins over a `<base>` of the visitor's; if the visitor's
//! page has one, ours takes its URL, resolved against the page's, so the mirror resolves as the page does.
//! The stylesheet paints masked elements striped, blocked boxes hatched, keeps script placeholders hidden,
//! and shows canvases through the viewer's image of their pixels (see `state/canvas.rs`). Both carry
//! `data-cobrowse-viewer`; a `Children` event on the head keeps them in front of the visitor's children
//! (see `apply/reorder.rs`), and [`Injected::ensure_attached`] puts them back if the head is replaced.

use crate::dom::VIEWER_MARKER;
use crate::sanitize;
use wasm_bindgen::JsValue;
use web_sys::{Document, Element, Node, Url};

/// The viewer's stylesheet inside the mirror.
const STYLESHEET: &str = "\
[data-cobrowse-masked] {
  background: repeating-linear-gradient(135deg, #d0d4dc 0 6px, #eef0f4 6px 12px) !important;
  color: #4a5060 !important;
}
[data-cobrowse-blocked] {
  box-sizing: border-box !important;
  padding: 0 !important;
  background: repeating-linear-gradient(45deg, #b8bec8 0 4px, #e6e9ee 4px 10px) !important;
  outline: 1px dashed #6a7280 !important;
}
template[data-cobrowse-script] { display: none !important; }
canvas { display: inline-block; width: max-content; }
canvas > :not([data-cobrowse-viewer]) { display: none !important; }
canvas > img[data-cobrowse-viewer] { display: block !important; width: 100%; height: 100%; }
html, body { scroll-behavior: auto !important; }
";

/// The viewer's base and stylesheet for one mirror document.
pub struct Injected {
    base: Element,
    style: Element,
}

impl Injected {
    /// Creates (but does not attach) the nodes for a document mirroring the page at `visitor_url`.
    pub fn create(document: &Document, visitor_url: &str) -> Result<Self, JsValue> {
        let base = document.create_element("base")?;
        base.set_attribute(VIEWER_MARKER, "")?;
        if !sanitize::is_script_url(visitor_url) {
            base.set_attribute("href", visitor_url)?;
        }
        let style = document.create_element("style")?;
        style.set_attribute(VIEWER_MARKER, "")?;
        style.set_text_content(Some(STYLESHEET));
        Ok(Self { base, style })
    }

    /// Whether `node` is one of the viewer's nodes.
    pub fn is_ours(&self, node: &Node) -> bool {
        let node: &JsValue = node.as_ref();
        node == self.base.as_ref() as &JsValue || node == self.style.as_ref() as &JsValue
    }

    /// The node holding the viewer's nodes now, if they are attached.
    pub fn holder(&self) -> Option<Node> {
        self.base.parent_node()
    }

    /// Puts the viewer's nodes first in `holder` (the head).
    pub fn attach_to(&self, holder: &Node) -> Result<(), JsValue> {
        let first = holder.first_child();
        holder.insert_before(&self.base, first.as_ref())?;
        holder.insert_before(&self.style, first.as_ref())?;
        Ok(())
    }

    /// Gives the viewer's base the URL of the visitor's own first `<base href>`, if the page has one.
    pub fn follow_visitor_base(&self, document: &Document, visitor_url: &str) {
        let Ok(Some(visitor_base)) = document.query_selector("base[href]:not([data-cobrowse-viewer])") else {
            return;
        };
        let href = visitor_base.get_attribute("href").unwrap_or_default();
        if let Ok(url) = Url::new_with_base(&href, visitor_url) {
            if !sanitize::is_script_url(&url.href()) {
                let _ = self.base.set_attribute("href", &url.href());
            }
        }
    }

    /// Re-attaches the viewer's nodes if the head they were in is no longer the document's head.
    pub fn ensure_attached(&self, document: &Document) -> Result<(), JsValue> {
        let Some(holder) = preferred_holder(document) else {
            return Ok(());
        };
        if self.holder().as_ref() != Some(&holder) {
            self.attach_to(&holder)?;
        }
        Ok(())
    }
}

/// Where the viewer's nodes belong: the head, or the root element of a document without one.
pub fn preferred_holder(document: &Document) -> Option<Node> {
    match document.head() {
        Some(head) => Some(head.into()),
        None => document.document_element().map(Node::from),
    }
}
