//! Open shadow roots and same-origin child documents (of iframes): serialized under their hosts with their
//! own ids, masked as their hosts, recorded like the document; late roots and child document loads become
//! their own events; the observer reports what happens inside child documents and shadow roots;
//! the recorder works on a page that replaced `MutationObserver`.

mod common;

use cobrowse_protocol::{Child, Event, FormState, Node, NodeId, NodeKind, Root, Value};
use cobrowse_visitor::page::{child_documents, shadow};
use cobrowse_visitor::recorder::Recorder;
use cobrowse_visitor::tree::record::{self, Batch};
use common::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlDocument, HtmlIFrameElement, ShadowRoot, ShadowRootInit, ShadowRootMode};

wasm_bindgen_test_configure!(run_in_browser);

/// A recorder with a snapshot taken (which also makes the recorder watch every root it serialized).
struct Recording {
    recorder: Recorder,
    snapshot: cobrowse_protocol::Snapshot,
}

impl Recording {
    fn start() -> Self {
        let mut recorder = Recorder::default();
        observe(&mut recorder);
        let snapshot = take_snapshot(&mut recorder);
        Self { recorder, snapshot }
    }

    fn events(&mut self) -> Vec<Event> {
        match record::batch(&self.recorder.take_records(), &mut self.recorder) {
            Batch::Delta(delta) => delta.events,
            Batch::Snapshot => panic!("expected a delta"),
        }
    }

    fn id(&self, node: &web_sys::Node) -> NodeId {
        self.recorder.ids.get(node).expect("the node has an id")
    }
}

fn open_shadow(host: &Element, html: &str) -> ShadowRoot {
    let root = host.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open)).unwrap();
    root.set_inner_html(html);
    root
}

/// The iframe's child document, rewritten with this markup.
fn child_document(iframe: &HtmlIFrameElement, markup: &str) -> web_sys::Document {
    let document = iframe.content_document().expect("a same-origin iframe has a readable document");
    let html = document.clone().unchecked_into::<HtmlDocument>();
    html.open().unwrap();
    html.write_1(markup).unwrap();
    html.close().unwrap();
    document
}

/// The node with this id anywhere in these trees, shadow roots and child documents included.
fn find_deep(nodes: &[Node], id: NodeId) -> Option<&Node> {
    nodes.iter().find_map(|node| {
        if node.id == id {
            return Some(node);
        }
        let NodeKind::Element(element) = &node.kind else { return None };
        let roots = element.extras.iter().flat_map(|extras| extras.shadow.iter().chain(extras.frame.iter()));
        find_deep(&element.children, id).or_else(|| roots.into_iter().find_map(|root| find_deep(&root.children, id)))
    })
}

fn shadow_of(node: &Node) -> &Root {
    element(node).extras.as_ref().and_then(|extras| extras.shadow.as_ref()).expect("the host has a shadow root")
}

fn child_document_of(node: &Node) -> &Root {
    element(node).extras.as_ref().and_then(|extras| extras.frame.as_ref()).expect("the iframe has a child document")
}

/// Every text in these trees, shadow roots and child documents included; masked texts as `None`.
fn deep_texts(nodes: &[Node]) -> Vec<Option<String>> {
    let mut found = Vec::new();
    for node in nodes {
        match &node.kind {
            NodeKind::Text(Value::Plain(text)) => found.push(Some(text.clone())),
            NodeKind::Text(Value::Masked) => found.push(None),
            NodeKind::Element(element) => {
                found.extend(deep_texts(&element.children));
                if let Some(extras) = &element.extras {
                    for root in extras.shadow.iter().chain(extras.frame.iter()) {
                        found.extend(deep_texts(&root.children));
                    }
                }
            }
            _ => {}
        }
    }
    found
}

/// Every form value in these trees, shadow roots and child documents included.
fn deep_values(nodes: &[Node]) -> Vec<Value> {
    let mut found = Vec::new();
    for node in nodes {
        if let NodeKind::Element(element) = &node.kind {
            found.extend(element.form.iter().filter_map(|form| form.value.clone()));
            found.extend(deep_values(&element.children));
            if let Some(extras) = &element.extras {
                for root in extras.shadow.iter().chain(extras.frame.iter()) {
                    found.extend(deep_values(&root.children));
                }
            }
        }
    }
    found
}

#[wasm_bindgen_test]
fn the_snapshot_includes_open_shadow_roots_with_their_own_ids() {
    let page = Fixture::new(r#"<my-card id="host"><span>light</span></my-card><div id="closed"></div>"#);
    let host: Element = page.get("#host");
    let root = open_shadow(&host, "<p>inside <b>shadow</b></p><slot></slot>");
    let closed: Element = page.get("#closed");
    closed.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Closed)).unwrap().set_inner_html("<p>closed</p>");
    let mut recorder = Recorder::default();
    let snapshot = take_snapshot(&mut recorder);

    let host_node = find_deep(&snapshot.children, recorder.ids.get(&host).unwrap()).unwrap();
    let shadow = shadow_of(host_node);
    assert_eq!(Some(shadow.id), recorder.ids.get(&root), "the root has the id its serialization says");
    assert_eq!(shadow.url, "");
    assert_eq!(element(&shadow.children[0]).tag, "p");
    assert_eq!(
        deep_texts(std::slice::from_ref(host_node)),
        [Some("light".into()), Some("inside ".into()), Some("shadow".into())]
    );
    let b = root.query_selector("b").unwrap().unwrap();
    assert!(find_deep(&snapshot.children, recorder.ids.get(&b).unwrap()).is_some(), "shadow nodes have ids");
    let closed_node = find_deep(&snapshot.children, recorder.ids.get(&closed).unwrap()).unwrap();
    assert!(element(closed_node).extras.is_none(), "a closed root is not readable: {closed_node:?}");
}

#[wasm_bindgen_test]
fn shadow_content_is_masked_and_blocked_as_its_host() {
    let page = Fixture::new(
        r#"<div id="masked" data-cobrowse-mask></div><div id="blocked" data-cobrowse-block></div><div id="plain"></div>"#,
    );
    open_shadow(&page.get("#masked"), r#"<p>secret text</p><input value="secret value">"#);
    open_shadow(&page.get("#blocked"), "<p>blocked text</p>");
    open_shadow(&page.get("#plain"), r#"<p>public</p><input type="password" value="pw">"#);
    let mut recorder = Recorder::default();
    let snapshot = take_snapshot(&mut recorder);

    let masked = find_deep(&snapshot.children, recorder.ids.get(&page.get::<Element>("#masked")).unwrap()).unwrap();
    assert_eq!(deep_texts(std::slice::from_ref(masked)), [None]);
    assert_eq!(deep_values(std::slice::from_ref(masked)), [Value::Masked]);
    let blocked = find_deep(&snapshot.children, recorder.ids.get(&page.get::<Element>("#blocked")).unwrap()).unwrap();
    assert!(matches!(blocked.kind, NodeKind::Blocked { .. }), "{blocked:?}");
    let plain = find_deep(&snapshot.children, recorder.ids.get(&page.get::<Element>("#plain")).unwrap()).unwrap();
    assert_eq!(deep_texts(std::slice::from_ref(plain)), [Some("public".into())]);
    assert_eq!(deep_values(std::slice::from_ref(plain)), [Value::Masked], "a password in a shadow root");
}

#[wasm_bindgen_test]
fn mutations_inside_shadow_roots_become_events_masked_as_the_host() {
    let page = Fixture::new(r#"<div id="host"></div><div id="masked" class="cobrowse-mask"></div>"#);
    let root = open_shadow(&page.get("#host"), "<ul><li>one</li></ul>");
    let masked_root = open_shadow(&page.get("#masked"), "secret");
    let mut recording = Recording::start();
    let root_id = recording.id(&root);
    let ul = root.query_selector("ul").unwrap().unwrap();
    let ul_id = recording.id(&ul);

    let li = document().create_element("li").unwrap();
    li.set_text_content(Some("two"));
    ul.append_child(&li).unwrap();
    root.append_child(&document().create_element("hr").unwrap()).unwrap();
    let events = recording.events();
    let ul_children = children_of(&events, ul_id).expect("the list inside the shadow root changed");
    assert!(matches!(&ul_children[..], [Child::Existing(_), Child::New(_)]), "{ul_children:?}");
    let root_children = children_of(&events, root_id).expect("the shadow root itself is a parent with an id");
    assert!(matches!(&root_children[..], [Child::Existing(id), Child::New(_)] if *id == ul_id), "{root_children:?}");

    // Text directly under a masked host's shadow root: masked, though no element above it is marked.
    let text = masked_root.first_child().unwrap();
    text.set_node_value(Some("still secret"));
    masked_root.append_child(&document().create_text_node("more secret")).unwrap();
    let events = recording.events();
    assert!(events.contains(&Event::Text { node: recording.id(&text), text: Value::Masked }), "{events:?}");
    let added = children_of(&events, recording.id(&masked_root)).unwrap();
    assert!(matches!(&added[1], Child::New(Node { kind: NodeKind::Text(Value::Masked), .. })), "{added:?}");
    drop(recording.snapshot);
}

#[wasm_bindgen_test]
fn a_shadow_root_attached_later_is_its_own_event_and_is_recorded() {
    let page = Fixture::new(r#"<div id="host"><i>light</i></div><section id="masked" data-cobrowse-mask></section>"#);
    let mut recording = Recording::start();
    let host: Element = page.get("#host");
    let root = open_shadow(&host, "<p>late</p>");
    let _ = recording.events();
    let Some(Event::Shadow { host: host_id, root: sent }) = shadow::attached(&host, &mut recording.recorder) else {
        panic!("a shadow root attached to a known host is an event")
    };
    assert_eq!(host_id, recording.id(&host));
    assert_eq!(Some(sent.id), recording.recorder.ids.get(&root));
    assert_eq!(deep_texts(&sent.children), [Some("late".into())]);
    assert_eq!(shadow::attached(&host, &mut recording.recorder), None, "sent once");

    // The new root is observed from now on.
    root.append_child(&document().create_element("hr").unwrap()).unwrap();
    let events = recording.events();
    assert!(children_of(&events, sent.id).is_some(), "{events:?}");

    // A masked host's late root is masked.
    let masked: Element = page.get("#masked");
    open_shadow(&masked, "<p>secret</p>");
    let Some(Event::Shadow { root, .. }) = shadow::attached(&masked, &mut recording.recorder) else { panic!() };
    assert_eq!(deep_texts(&root.children), [None]);
}

#[wasm_bindgen_test]
fn the_snapshot_includes_same_origin_child_documents_with_their_doctype() {
    let page = Fixture::new(r#"<iframe id="f"></iframe><div data-cobrowse-mask><iframe id="m"></iframe></div>"#);
    let iframe: HtmlIFrameElement = page.get("#f");
    let child_doc = child_document(&iframe, "<!DOCTYPE html><title>t</title><p>in the child document</p>");
    child_document(&page.get("#m"), r#"<p>secret</p><input type="password" value="pw"><input value="typed">"#);
    let mut recorder = Recorder::default();
    let snapshot = take_snapshot(&mut recorder);

    let iframe_node = find_deep(&snapshot.children, recorder.ids.get(&iframe).unwrap()).unwrap();
    let child = child_document_of(iframe_node);
    assert_eq!(Some(child.id), recorder.ids.get(&child_doc));
    assert_eq!(child.url, child_doc.url().unwrap());
    assert!(
        matches!(&child.children[0].kind, NodeKind::Doctype { name, .. } if name == "html"),
        "{:?}",
        child.children
    );
    assert_eq!(element(&child.children[1]).tag, "html");
    assert_eq!(deep_texts(&child.children), [Some("t".into()), Some("in the child document".into())]);
    let p = child_doc.query_selector("p").unwrap().unwrap();
    assert!(find_deep(&snapshot.children, recorder.ids.get(&p).unwrap()).is_some(), "child document nodes have ids");

    let masked = find_deep(&snapshot.children, recorder.ids.get(&page.get::<Element>("#m")).unwrap()).unwrap();
    assert_eq!(deep_texts(std::slice::from_ref(masked)), [None]);
    assert_eq!(deep_values(std::slice::from_ref(masked)), [Value::Masked, Value::Masked]);
}

#[wasm_bindgen_test]
fn mutations_inside_child_documents_become_events_masked_as_the_iframe() {
    let page = Fixture::new(r#"<iframe id="f"></iframe><iframe id="m" data-cobrowse-mask></iframe>"#);
    let child_doc = child_document(&page.get("#f"), "<p id='p'>one</p>");
    let masked_doc = child_document(&page.get("#m"), "<p id='p'>secret</p>");
    let mut recording = Recording::start();
    let body = child_doc.body().unwrap();
    let p = child_doc.get_element_by_id("p").unwrap();

    let added = child_doc.create_element("p").unwrap();
    added.set_text_content(Some("two"));
    body.append_child(&added).unwrap();
    p.set_attribute("title", "changed").unwrap();
    masked_doc.get_element_by_id("p").unwrap().first_child().unwrap().set_node_value(Some("new secret"));
    masked_doc.body().unwrap().append_child(&masked_doc.create_text_node("more secret")).unwrap();
    let events = recording.events();

    let body_children = children_of(&events, recording.id(&body)).expect("the child document's body changed");
    assert!(matches!(&body_children[..], [Child::Existing(_), Child::New(_)]), "{body_children:?}");
    assert!(events.contains(&Event::Attribute {
        node: recording.id(&p),
        name: "title".into(),
        value: Some(Value::Plain("changed".into()))
    }));
    let masked_text = masked_doc.get_element_by_id("p").unwrap().first_child().unwrap();
    assert!(events.contains(&Event::Text { node: recording.id(&masked_text), text: Value::Masked }), "{events:?}");
    let masked_body = children_of(&events, recording.id(&masked_doc.body().unwrap())).unwrap();
    assert!(matches!(&masked_body[1], Child::New(Node { kind: NodeKind::Text(Value::Masked), .. })), "{masked_body:?}");
}

/// Resolves once `target` fires `load`.
async fn loaded(target: &web_sys::EventTarget) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let options = web_sys::AddEventListenerOptions::new();
        options.set_once(true);
        target.add_event_listener_with_callback_and_add_event_listener_options("load", &resolve, &options).unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

#[wasm_bindgen_test]
async fn an_iframe_that_loads_a_new_child_document_is_its_own_event() {
    let page = Fixture::new("");
    let iframe: HtmlIFrameElement = document().create_element("iframe").unwrap().unchecked_into();
    iframe.set_srcdoc("<!DOCTYPE html><p>from srcdoc</p>");
    page.root.append_child(&iframe).unwrap();
    let mut recording = Recording::start();
    let before = recording.recorder.ids.get(&iframe.content_document().unwrap());
    loaded(&iframe).await;

    let Some(Event::Frame { frame, document: Some(sent) }) = child_documents::loaded(&iframe, &mut recording.recorder)
    else {
        panic!("a known iframe's new child document is an event")
    };
    assert_eq!(frame, recording.id(&iframe));
    let new_document = iframe.content_document().unwrap();
    assert_eq!(Some(sent.id), recording.recorder.ids.get(&new_document));
    assert_ne!(Some(sent.id), before);
    assert_eq!(sent.url, "about:srcdoc");
    assert_eq!(deep_texts(&sent.children), [Some("from srcdoc".into())]);
    assert_eq!(child_documents::loaded(&iframe, &mut recording.recorder), None, "sent once");

    // The new document is observed.
    new_document.body().unwrap().append_child(&new_document.create_element("hr").unwrap()).unwrap();
    let events = recording.events();
    assert!(children_of(&events, recording.id(&new_document.body().unwrap())).is_some(), "{events:?}");
}

/// `window.MutationObserver` replaced by a class that throws, as some frameworks do, until dropped.
struct HijackedObserver {
    original: JsValue,
}

impl HijackedObserver {
    fn install() -> Self {
        let original = js_sys::Reflect::get(&window(), &"MutationObserver".into()).unwrap();
        js_sys::eval("window.MutationObserver = class { constructor() { throw new Error('hijacked'); } }").unwrap();
        Self { original }
    }
}

impl Drop for HijackedObserver {
    fn drop(&mut self) {
        js_sys::Reflect::set(&window(), &"MutationObserver".into(), &self.original).unwrap();
    }
}

#[wasm_bindgen_test]
async fn the_recorder_uses_a_pristine_observer_from_a_removed_iframe() {
    let page = Fixture::new(r#"<p id="p">text</p>"#);
    let hijacked = HijackedObserver::install();
    let mut without_hooks = Recorder::default();
    assert!(without_hooks.observe(&document(), |_| {}, |_| {}).is_err(), "the hijacked global throws");

    // As the shim does: the constructor of a hidden iframe's realm, the iframe removed at once.
    let iframe: HtmlIFrameElement = document().create_element("iframe").unwrap().unchecked_into();
    page.root.append_child(&iframe).unwrap();
    let hooks = js_sys::Object::new();
    let class = js_sys::Reflect::get(&iframe.content_window().unwrap(), &"MutationObserver".into()).unwrap();
    js_sys::Reflect::set(&hooks, &"MutationObserver".into(), &class).unwrap();
    iframe.remove();
    let mut recorder = Recorder::new(&hooks);

    let (send, receive) = futures_channel();
    let on_records = move |records: js_sys::Array| {
        let _ = send.call1(&JsValue::UNDEFINED, &records.length().into());
    };
    recorder.observe(&document(), on_records, |_| {}).expect("the pristine constructor works after its iframe is gone");
    page.get::<Element>("#p").set_attribute("title", "seen").unwrap();
    let delivered = wasm_bindgen_futures::JsFuture::from(receive).await.unwrap();
    assert!(delivered.as_f64().unwrap() >= 1.0, "the callback got the records");
    drop(recorder);
    drop(hijacked);
}

/// A function and a promise it resolves (with a 2 s timeout rejecting it).
fn futures_channel() -> (js_sys::Function, js_sys::Promise) {
    let mut resolve_fn = None;
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        window()
            .set_timeout_with_callback_and_timeout_and_arguments_1(&reject, 2000, &"no callback in 2 s".into())
            .unwrap();
        resolve_fn = Some(resolve);
    });
    (resolve_fn.unwrap(), promise)
}

#[wasm_bindgen_test]
fn typing_in_a_child_document_is_a_form_event_masked_as_the_iframe() {
    let page = Fixture::new(r#"<iframe id="f"></iframe><iframe id="m" data-cobrowse-mask></iframe>"#);
    let plain = child_document(&page.get("#f"), "<input id='i'>").get_element_by_id("i").unwrap();
    let masked = child_document(&page.get("#m"), "<input id='i'>").get_element_by_id("i").unwrap();
    let mut recorder = Recorder::default();
    take_snapshot(&mut recorder);
    for (field, typed) in [(&plain, "typed in a child document"), (&masked, "secret in a child document")] {
        field.unchecked_ref::<web_sys::HtmlInputElement>().set_value(typed);
    }

    let events = cobrowse_visitor::page::forms::form_events(plain.as_ref(), &document(), &recorder);
    let state = FormState { value: Some(Value::Plain("typed in a child document".into())), ..FormState::default() };
    assert_eq!(events, [Event::Form { node: recorder.ids.get(&plain).unwrap(), state }]);
    let events = cobrowse_visitor::page::forms::form_events(masked.as_ref(), &document(), &recorder);
    let state = FormState { value: Some(Value::Masked), ..FormState::default() };
    assert_eq!(events, [Event::Form { node: recorder.ids.get(&masked).unwrap(), state }]);
}

#[wasm_bindgen_test]
fn typing_in_a_shadow_root_names_the_field_not_the_host() {
    use cobrowse_visitor::page::listeners::{Input, Listeners};
    use std::cell::RefCell;
    use std::rc::Rc;
    let page = Fixture::new(r#"<div id="host"></div>"#);
    let root = open_shadow(&page.get("#host"), "<input id='i'>");
    let field = root.get_element_by_id("i").unwrap();
    let seen: Rc<RefCell<Vec<web_sys::EventTarget>>> = Rc::default();
    let record = seen.clone();
    let listeners = Listeners::listen(
        &window(),
        &document(),
        Rc::new(move |input| {
            if let Input::Form(target) = input {
                record.borrow_mut().push(target);
            }
        }),
    )
    .unwrap();
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    init.set_composed(true);
    field.dispatch_event(&web_sys::Event::new_with_event_init_dict("input", &init).unwrap()).unwrap();
    drop(listeners);
    let seen = seen.borrow();
    assert_eq!(seen.len(), 1);
    assert_eq!(AsRef::<JsValue>::as_ref(&seen[0]), AsRef::<JsValue>::as_ref(&field), "the field inside the root");
}

#[wasm_bindgen_test]
fn nested_child_documents_and_shadow_roots_in_them_are_serialized_and_masked() {
    let page = Fixture::new(r#"<iframe id="outer" data-cobrowse-mask></iframe>"#);
    let outer = child_document(&page.get("#outer"), "<iframe id='inner'></iframe><div id='host'></div>");
    let inner_iframe: HtmlIFrameElement = outer.get_element_by_id("inner").unwrap().unchecked_into();
    let inner = child_document(&inner_iframe, "<p>nested secret</p>");
    let shadow = open_shadow(&outer.get_element_by_id("host").unwrap(), "<p>shadow in a frame</p>");
    let mut recorder = Recorder::default();
    let snapshot = take_snapshot(&mut recorder);

    let inner_node =
        find_deep(&snapshot.children, recorder.ids.get(&inner_iframe).unwrap()).expect("the nested iframe");
    assert_eq!(Some(child_document_of(inner_node).id), recorder.ids.get(&inner));
    assert_eq!(deep_texts(&child_document_of(inner_node).children), [None], "masked as the outer iframe");
    let host =
        find_deep(&snapshot.children, recorder.ids.get(&outer.get_element_by_id("host").unwrap()).unwrap()).unwrap();
    assert_eq!(Some(shadow_of(host).id), recorder.ids.get(&shadow));
    assert_eq!(deep_texts(&shadow_of(host).children), [None]);
}

#[wasm_bindgen_test]
async fn the_observer_reports_typing_scrolls_and_new_child_documents_in_watched_roots() {
    use cobrowse_visitor::page::changes::Change;
    use std::cell::RefCell;
    use std::rc::Rc;
    let page = Fixture::new(r#"<iframe id="f"></iframe><div id="host"></div>"#);
    let iframe: HtmlIFrameElement = page.get("#f");
    let field = child_document(&iframe, "<input id='i'>").get_element_by_id("i").unwrap();
    let root = open_shadow(&page.get("#host"), "<div id='s'>scrolls</div>");
    let scroller = root.get_element_by_id("s").unwrap();
    let heard: Rc<RefCell<Vec<Change>>> = Rc::default();
    let hear = heard.clone();
    let mut recorder = Recorder::default();
    recorder.observe(&document(), |_| {}, move |change| hear.borrow_mut().push(change)).unwrap();
    take_snapshot(&mut recorder); // watches the child document and the shadow root

    field.dispatch_event(&web_sys::Event::new("input").unwrap()).unwrap();
    scroller.dispatch_event(&web_sys::Event::new("scroll").unwrap()).unwrap();
    iframe.set_srcdoc("<p>new</p>");
    loaded(&iframe).await;
    drop(recorder);

    let heard = heard.borrow();
    let same = |target: &web_sys::EventTarget, element: &Element| {
        AsRef::<JsValue>::as_ref(target) == AsRef::<JsValue>::as_ref(element)
    };
    assert!(matches!(&heard[0], Change::Input(target) if same(target, &field)), "{heard:?}");
    assert!(matches!(&heard[1], Change::Scroll(target) if same(target, &scroller)), "{heard:?}");
    assert!(matches!(&heard[2], Change::ChildDocument(loaded) if loaded == iframe.as_ref() as &Element), "{heard:?}");
    assert_eq!(heard.len(), 3, "{heard:?}");
}
