//! Helpers shared by the browser tests: DOM fixtures and lookups in serialized trees.
#![allow(dead_code)]

use cobrowse_protocol::MaskingRules;
use cobrowse_protocol::{Child, Element, Event, Node, NodeId, NodeKind, Snapshot};
use cobrowse_visitor::recorder::Recorder;
use cobrowse_visitor::tree::ids::Ids;
use cobrowse_visitor::tree::snapshot;
use wasm_bindgen::JsCast;
use web_sys::{Document, HtmlElement, Window};

pub fn window() -> Window {
    web_sys::window().unwrap()
}

/// Waits `ms` milliseconds (a timer task), letting the page's tasks run meanwhile.
pub async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        window().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms).unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

pub fn document() -> Document {
    window().document().unwrap()
}

/// A `<div>` appended to the body with this HTML inside, removed when dropped.
pub struct Fixture {
    pub root: HtmlElement,
}

impl Fixture {
    pub fn new(html: &str) -> Self {
        let root = document().create_element("div").unwrap().unchecked_into::<HtmlElement>();
        root.set_inner_html(html);
        document().body().unwrap().append_child(&root).unwrap();
        Self { root }
    }

    /// The element matching `selector` inside the fixture.
    pub fn get<T: JsCast>(&self, selector: &str) -> T {
        self.root
            .query_selector(selector)
            .unwrap()
            .unwrap_or_else(|| panic!("no {selector} in the fixture"))
            .unchecked_into()
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        self.root.remove();
    }
}

/// A snapshot of the test page, with the recorder's ids and rules.
pub fn take_snapshot(recorder: &mut Recorder) -> Snapshot {
    snapshot::take(&window(), &document(), recorder)
}

/// The node with this id anywhere in these trees.
pub fn find(nodes: &[Node], id: NodeId) -> Option<&Node> {
    nodes.iter().find_map(|node| {
        if node.id == id {
            return Some(node);
        }
        match &node.kind {
            NodeKind::Element(element) => find(&element.children, id),
            _ => None,
        }
    })
}

/// The serialized node of a DOM node, by the id the DOM node has.
pub fn find_dom<'a>(nodes: &'a [Node], ids: &Ids, node: &web_sys::Node) -> &'a Node {
    let id = ids.get(node).expect("the DOM node has an id");
    find(nodes, id).unwrap_or_else(|| panic!("node {id} is not in the tree"))
}

pub fn element(node: &Node) -> &Element {
    match &node.kind {
        NodeKind::Element(element) => element,
        other => panic!("expected an element, got {other:?}"),
    }
}

/// Every id in these trees, in document order.
pub fn all_ids(nodes: &[Node]) -> Vec<NodeId> {
    let mut ids = Vec::new();
    for node in nodes {
        ids.push(node.id);
        if let NodeKind::Element(element) = &node.kind {
            ids.extend(all_ids(&element.children));
        }
    }
    ids
}

/// Every text of text nodes in these trees, with masked texts as `None`.
pub fn texts(nodes: &[Node]) -> Vec<Option<String>> {
    let mut texts = Vec::new();
    for node in nodes {
        match &node.kind {
            NodeKind::Text(cobrowse_protocol::Value::Plain(text)) => texts.push(Some(text.clone())),
            NodeKind::Text(cobrowse_protocol::Value::Masked) => texts.push(None),
            NodeKind::Element(element) => texts.extend(texts_of(element)),
            _ => {}
        }
    }
    texts
}

fn texts_of(element: &Element) -> Vec<Option<String>> {
    texts(&element.children)
}

/// The attribute's value on a serialized element.
pub fn attribute<'a>(element: &'a Element, name: &str) -> Option<&'a cobrowse_protocol::Value> {
    element.attributes.iter().find(|attribute| attribute.name == name).map(|attribute| &attribute.value)
}

/// The Children event for `parent` in these events.
pub fn children_of(events: &[Event], parent: NodeId) -> Option<&Vec<Child>> {
    events.iter().find_map(|event| match event {
        Event::Children { parent: p, children } if *p == parent => Some(children),
        _ => None,
    })
}

/// Whether `needle` occurs in `haystack`.
pub fn contains_bytes(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle.as_bytes())
}

/// A recorder with a site's masking rules in force (they end with it).
pub fn recorder_with(rules: MaskingRules) -> Recorder {
    let mut recorder = Recorder::default();
    recorder.set_rules(&document(), &rules).expect("valid rules");
    recorder
}

/// Starts the recorder's observer on the test page, with callbacks that do nothing (the tests take the
/// records themselves).
pub fn observe(recorder: &mut Recorder) {
    recorder.observe(&document(), |_| {}, |_| {}).unwrap();
}

/// The hooks of the real shim, evaluated once in this page as a site's script tag would load it (its tag has
/// `type="text/plain"`, so nothing is fetched). The shim is the bundle the relay serves, built from the
/// modules in `www/shim/` by `cargo xtask build` (which `cargo xtask test` runs before these tests).
pub fn shim_hooks() -> wasm_bindgen::JsValue {
    let cobrowse = || js_sys::Reflect::get(&window(), &"Cobrowse".into()).unwrap();
    if cobrowse().is_undefined() {
        let tag = document().create_element("script").unwrap();
        tag.set_attribute("type", "text/plain").unwrap();
        tag.set_attribute("src", "http://relay.test/cobrowse.js").unwrap();
        tag.set_attribute("data-site", "test").unwrap();
        document().document_element().unwrap().append_child(&tag).unwrap();
        js_sys::eval(include_str!("../../../target/site/cobrowse.js")).expect("the shim evaluates");
    }
    js_sys::Reflect::get(&cobrowse(), &"hooks".into()).unwrap()
}
