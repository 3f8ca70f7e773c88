//! The bottom layer: small questions about DOM nodes that every other module asks, with no state and no
//! knowledge of masking, ids or sessions. Nothing here imports another module of the crate.
//!
//! It also measures the window (size, scroll offset) and an element's scroll offset, and holds the few
//! bindings shared by many DOM classes (`value`, `type`, `name`, a list's items, `target`, the page's
//! window): one import each instead of web-sys's one per class, which the download pays for.
//!
//! Why a file of its own: these helpers used to live where they were first needed (the ignore marker in
//! the snapshot, `host_of` beside the root watcher, the iframe test beside child documents), so the modules that
//! needed them imported each other in a circle. Here they sit below everything.
//!
//! Realm safety: a child document's nodes belong to the child's realm, where `instanceof` against this
//! realm's classes fails. Helpers named `..._of_any_realm` decide by `nodeType`, namespace and local name
//! instead.

use cobrowse_protocol::{Point, Size};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, EventTarget, HtmlElement, HtmlIFrameElement, Node, Window};

/// The attribute that keeps an element and its subtree out of every frame (the shim's own widget).
pub const IGNORE_ATTRIBUTE: &str = "data-cobrowse-ignore";
/// The attribute a site puts on an element to mask it and its descendants.
pub const MASK_ATTRIBUTE: &str = "data-cobrowse-mask";
/// The class a site puts on an element to mask it and its descendants.
pub const MASK_CLASS: &str = "cobrowse-mask";
/// The attribute a site puts on an element to send it as an empty box.
pub const BLOCK_ATTRIBUTE: &str = "data-cobrowse-block";

pub const HTML_NAMESPACE: &str = "http://www.w3.org/1999/xhtml";
pub const SVG_NAMESPACE: &str = "http://www.w3.org/2000/svg";
pub const MATHML_NAMESPACE: &str = "http://www.w3.org/1998/Math/MathML";

/// Whether the element is in the HTML namespace (of any realm).
pub fn is_html(element: &Element) -> bool {
    element.namespace_uri().as_deref() == Some(HTML_NAMESPACE)
}

/// The lower-case tag name of an HTML element of this realm; `None` for SVG, MathML and other elements.
pub fn html_tag(element: &Element) -> Option<String> {
    element.is_instance_of::<HtmlElement>().then(|| {
        let mut tag = element.local_name();
        tag.make_ascii_lowercase();
        tag
    })
}

/// The lower-case tag of an HTML element of this realm or a child document's; `None` for SVG, MathML and
/// others.
pub fn html_tag_of_any_realm(element: &Element) -> Option<String> {
    html_tag(element).or_else(|| is_html(element).then(|| element.local_name()))
}

/// `target` as an element, of this realm or a child document's (where `instanceof Element` fails).
pub fn element_of_any_realm(target: &EventTarget) -> Option<Element> {
    let node_type = js_sys::Reflect::get(target, &"nodeType".into()).ok()?.as_f64()?;
    (node_type == f64::from(Node::ELEMENT_NODE)).then(|| target.clone().unchecked_into())
}

/// The document's root element, found among its children.
pub fn root_element(document: &Document) -> Option<Element> {
    let mut child = document.first_child();
    while let Some(node) = child {
        if node.node_type() == Node::ELEMENT_NODE {
            return Some(node.unchecked_into());
        }
        child = node.next_sibling();
    }
    None
}

/// The element `root` hangs under: a shadow root's host, a child document's iframe; `None` for the top
/// document and for anything else.
pub fn host_of(root: &Node) -> Option<Element> {
    match root.node_type() {
        Node::DOCUMENT_FRAGMENT_NODE => {
            let host = js_sys::Reflect::get(root, &"host".into()).ok()?;
            host.is_object().then(|| host.unchecked_into())
        }
        Node::DOCUMENT_NODE => root.unchecked_ref::<Document>().default_view()?.frame_element().ok()?,
        _ => None,
    }
}

/// Whether the element shows a child document (an `<iframe>` or `<frame>`, both called iframes here), by
/// its lower-case local name. (An `<object>`'s document is not sent: the mirror loads its `data` itself.)
pub fn is_iframe(element: &Element) -> bool {
    matches!(element.local_name().as_str(), "iframe" | "frame")
}

/// The iframe's child document, if `tag` is an iframe's and the document is readable (same origin).
pub fn child_document(element: &Element, tag: &str) -> Option<Node> {
    if !matches!(tag, "iframe" | "frame") {
        return None;
    }
    // `contentDocument` is null across origins; every iframe element has it (the cast only names it).
    element.unchecked_ref::<HtmlIFrameElement>().content_document().map(Into::into)
}

/// A child document's URL.
pub fn document_url(document: &Node) -> String {
    document.unchecked_ref::<Document>().url().unwrap_or_default()
}

/// The elements `attachShadow` accepts besides custom elements (whose names have a dash) and `span`;
/// checking the tag first spares a call into JS for every other element of a snapshot.
const SHADOW_HOST_TAGS: [&str; 17] = [
    "article",
    "aside",
    "blockquote",
    "body",
    "div",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "main",
    "nav",
    "p",
    "section",
];

/// The element's open shadow root, if it can have one and has one (`tag` is its local name). Closed roots
/// are never readable.
pub fn open_shadow_root(element: &Element, tag: &str) -> Option<Node> {
    let may_host = tag.bytes().any(|byte| byte == b'-') || tag == "span" || SHADOW_HOST_TAGS.contains(&tag);
    may_host.then(|| element.shadow_root()).flatten().map(Into::into)
}

/// The window's size in CSS pixels.
pub fn viewport(window: &Window) -> Size {
    let window = window.unchecked_ref::<Shared>();
    Size { width: window.inner_width() as u32, height: window.inner_height() as u32 }
}

/// The window's scroll offset in CSS pixels.
pub fn window_scroll(window: &Window) -> Point {
    let window = window.unchecked_ref::<Shared>();
    Point { x: window.scroll_x().round() as i32, y: window.scroll_y().round() as i32 }
}

/// An element's scroll offset.
pub fn element_offset(element: &Element) -> Point {
    Point { x: element.scroll_left(), y: element.scroll_top() }
}

#[wasm_bindgen]
extern "C" {
    /// Any object with the getters several DOM classes share. One binding each, instead of web-sys's one per
    /// class: every binding is another import and another function in the glue, which the visitor downloads.
    type Shared;
    #[wasm_bindgen(method, getter)]
    fn value(this: &Shared) -> String;
    #[wasm_bindgen(method, getter, js_name = type)]
    fn kind(this: &Shared) -> String;
    #[wasm_bindgen(method, getter)]
    fn name(this: &Shared) -> String;
    #[wasm_bindgen(method, getter)]
    fn length(this: &Shared) -> u32;
    #[wasm_bindgen(method)]
    fn item(this: &Shared, index: u32) -> Option<Shared>;
    #[wasm_bindgen(method, getter)]
    fn target(this: &Shared) -> Option<Shared>;
    #[wasm_bindgen(method, js_name = getElementsByTagName)]
    fn elements_by_tag(this: &Shared, tag: &str) -> Shared;
    // A window's size and offset. web-sys's getters are bound as throwing (only another origin's window
    // throws), and each such call goes through a wrapper in the glue that catches: the recorder reads its
    // own page's windows, every snapshot.
    #[wasm_bindgen(method, getter, js_name = innerWidth)]
    fn inner_width(this: &Shared) -> f64;
    #[wasm_bindgen(method, getter, js_name = innerHeight)]
    fn inner_height(this: &Shared) -> f64;
    #[wasm_bindgen(method, getter, js_name = scrollX)]
    fn scroll_x(this: &Shared) -> f64;
    #[wasm_bindgen(method, getter, js_name = scrollY)]
    fn scroll_y(this: &Shared) -> f64;

    /// The page's `window`: one import, where `web_sys::window()` looks through four globals and checks
    /// `instanceof Window`.
    #[wasm_bindgen(thread_local_v2, js_name = window)]
    static WINDOW: Option<Window>;
}

/// The page's window, if the recorder runs in one.
pub fn page_window() -> Option<Window> {
    WINDOW.with(Option::clone)
}

/// The `value` of an input, a textarea, a select or an attribute.
pub fn value_of(object: &JsValue) -> String {
    object.unchecked_ref::<Shared>().value()
}

/// The `type` of an input, an event or a mutation record.
pub fn type_of(object: &JsValue) -> String {
    object.unchecked_ref::<Shared>().kind()
}

/// The `name` of an attribute or a doctype.
pub fn name_of(object: &JsValue) -> String {
    object.unchecked_ref::<Shared>().name()
}

/// The items of a DOM list (a `NodeList`, an `HTMLCollection`, a `NamedNodeMap`), in order, as `T`.
pub fn items<T: JsCast>(list: &JsValue) -> impl Iterator<Item = T> + use<T> {
    let list = list.clone().unchecked_into::<Shared>();
    (0..list.length()).filter_map(move |index| list.item(index)).map(JsCast::unchecked_into)
}

/// How many items a DOM list (or an array) holds.
pub fn count(list: &JsValue) -> u32 {
    list.unchecked_ref::<Shared>().length()
}

/// The `target` of an event or a mutation record, as `T`.
pub fn target_of<T: JsCast>(object: &JsValue) -> Option<T> {
    object.unchecked_ref::<Shared>().target().map(JsCast::unchecked_into)
}

/// The elements named `tag` under `root` (a document or an element), in document order.
pub fn elements_by_tag(root: &JsValue, tag: &str) -> impl Iterator<Item = Element> + use<> {
    items(&root.unchecked_ref::<Shared>().elements_by_tag(tag))
}
