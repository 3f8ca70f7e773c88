//! Helpers shared by the browser tests: a sandboxed mirror iframe, and page content written by hand.

#![allow(dead_code)]

use cobrowse_protocol::{
    Attribute, Element, FormState, Namespace, Node, NodeId, NodeKind, Point, Size, Snapshot, Value,
};
use wasm_bindgen::JsCast;
use web_sys::{Document, HtmlIFrameElement};

pub const VISITOR_URL: &str = "https://shop.example/catalog/page.html";

/// A fresh `<iframe sandbox="allow-same-origin">` in the test page, as the viewer page has.
pub fn mirror_iframe() -> HtmlIFrameElement {
    let document = test_document();
    let iframe: HtmlIFrameElement = document.create_element("iframe").unwrap().dyn_into().unwrap();
    iframe.set_attribute("sandbox", "allow-same-origin").unwrap();
    document.body().unwrap().append_child(&iframe).unwrap();
    iframe
}

pub fn test_document() -> Document {
    web_sys::window().unwrap().document().unwrap()
}

pub fn element(id: NodeId, tag: &str, attributes: &[(&str, &str)], children: Vec<Node>) -> Node {
    element_in(Namespace::Html, id, tag, attributes, children)
}

pub fn svg(id: NodeId, tag: &str, attributes: &[(&str, &str)], children: Vec<Node>) -> Node {
    element_in(Namespace::Svg, id, tag, attributes, children)
}

pub fn element_in(
    namespace: Namespace,
    id: NodeId,
    tag: &str,
    attributes: &[(&str, &str)],
    children: Vec<Node>,
) -> Node {
    let attributes = attributes
        .iter()
        .map(|(name, value)| Attribute { name: name.to_string(), value: Value::Plain(value.to_string()) })
        .collect();
    Node {
        id,
        kind: NodeKind::Element(Element { tag: tag.into(), namespace, attributes, form: None, children, extras: None }),
    }
}

/// `node` (an element) with this form state.
pub fn with_form(mut node: Node, state: FormState) -> Node {
    if let NodeKind::Element(element) = &mut node.kind {
        element.form = Some(state);
    }
    node
}

/// `node` (an element) with one more attribute, masked.
pub fn with_masked_attribute(mut node: Node, name: &str) -> Node {
    if let NodeKind::Element(element) = &mut node.kind {
        element.attributes.push(Attribute { name: name.into(), value: Value::Masked });
    }
    node
}

pub fn text(id: NodeId, text: &str) -> Node {
    Node { id, kind: NodeKind::Text(Value::Plain(text.into())) }
}

pub fn masked_text(id: NodeId) -> Node {
    Node { id, kind: NodeKind::Text(Value::Masked) }
}

pub fn comment(id: NodeId, text: &str) -> Node {
    Node { id, kind: NodeKind::Comment(text.into()) }
}

pub fn html_doctype(id: NodeId) -> Node {
    Node { id, kind: NodeKind::Doctype { name: "html".into(), public_id: String::new(), system_id: String::new() } }
}

pub fn value(text: &str) -> FormState {
    FormState { value: Some(Value::Plain(text.into())), ..FormState::default() }
}

/// A snapshot of a document with these children.
pub fn snapshot(children: Vec<Node>) -> Snapshot {
    Snapshot {
        url: VISITOR_URL.into(),
        viewport: Size { width: 1024, height: 700 },
        scroll: Point::default(),
        children,
        adopted: Vec::new(),
    }
}

/// A standards-mode page: doctype 1, html 2, head 3, body 4 with `body` as its children.
pub fn page(head: Vec<Node>, body: Vec<Node>) -> Snapshot {
    snapshot(vec![
        html_doctype(1),
        element(2, "html", &[("lang", "en")], vec![element(3, "head", &[], head), element(4, "body", &[], body)]),
    ])
}

/// The names of every attribute of every element in `document` (placeholders' content included).
pub fn all_attribute_names(document: &Document) -> Vec<String> {
    let all = document.query_selector_all("*").unwrap();
    let mut names = Vec::new();
    for i in 0..all.length() {
        let element: web_sys::Element = all.item(i).unwrap().unchecked_into();
        for name in element.get_attribute_names().iter() {
            names.push(name.as_string().unwrap());
        }
    }
    names
}

/// Every attribute value in `document`.
pub fn all_attribute_values(document: &Document) -> Vec<String> {
    let all = document.query_selector_all("*").unwrap();
    let mut values = Vec::new();
    for i in 0..all.length() {
        let element: web_sys::Element = all.item(i).unwrap().unchecked_into();
        for name in element.get_attribute_names().iter() {
            values.push(element.get_attribute(&name.as_string().unwrap()).unwrap_or_default());
        }
    }
    values
}

/// Waits `ms` milliseconds (lets the mirror load, and any script that could run, run).
pub async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window().unwrap().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms).unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

/// A global of the test page, if something set it.
pub fn test_global(name: &str) -> wasm_bindgen::JsValue {
    js_sys::Reflect::get(&web_sys::window().unwrap(), &name.into()).unwrap()
}
