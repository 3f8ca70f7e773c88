//! Shadow roots and nested documents (an iframe's) in the mirror: built under their hosts with the
//! visitor's ids, patched by events naming them, replaced by `Shadow` and `Frame` events (the wire's
//! names); the mirror's iframes load nothing of
//! the visitor's and run no script.

mod common;

use cobrowse_agent_viewer::dom::SRC_ATTRIBUTE;
use cobrowse_agent_viewer::mirror::Mirror;
use cobrowse_agent_viewer::session::Session;
use cobrowse_protocol::{Child, Delta, Encoder, Event, Extras, Node, NodeKind, Root, Value, MASK_TEXT};
use common::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Document, Element, HtmlIFrameElement};

wasm_bindgen_test_configure!(run_in_browser);

const NESTED_URL: &str = "https://shop.example/nested/inner.html";
const SCRIPT: &str = "parent.parent.cobrowseNestedScriptRan = true";

fn with_extras(mut node: Node, extras: Extras) -> Node {
    if let NodeKind::Element(element) = &mut node.kind {
        element.extras = Some(Box::new(extras));
    }
    node
}

fn shadow_root(id: u32, children: Vec<Node>) -> Extras {
    Extras { shadow: Some(Root { id, url: String::new(), adopted: Vec::new(), children }), ..Extras::default() }
}

/// A nested document: doctype `id`, html `id+1`, head `id+2`, body `id+3` with `body`; the root is `root`.
fn nested_root(root: u32, id: u32, body: Vec<Node>) -> Root {
    Root {
        id: root,
        url: NESTED_URL.into(),
        adopted: Vec::new(),
        children: vec![
            html_doctype(id),
            element(
                id + 1,
                "html",
                &[],
                vec![
                    element(id + 2, "head", &[], vec![element(id + 9, "script", &[], vec![text(id + 10, SCRIPT)])]),
                    element(id + 3, "body", &[], body),
                ],
            ),
        ],
    }
}

fn iframe(id: u32, attributes: &[(&str, &str)], document: Option<Root>) -> Node {
    with_extras(element(id, "iframe", attributes, vec![]), Extras { frame: document, ..Extras::default() })
}

/// Ids: host my-card 10 [light span 11 [12]] with root 100 [p 101 [102], masked text 103];
/// iframe 20 (src, sandbox) with document 200 (doctype 201 … body 204 [p 210 [211]]); cross-origin iframe 30.
fn page_with_roots() -> cobrowse_protocol::Snapshot {
    page(
        vec![],
        vec![
            with_extras(
                element(10, "my-card", &[], vec![element(11, "span", &[], vec![text(12, "light")])]),
                shadow_root(100, vec![element(101, "p", &[], vec![text(102, "in shadow")]), masked_text(103)]),
            ),
            iframe(
                20,
                &[("src", "inner.html"), ("sandbox", ""), ("style", "width: 300px; height: 120px")],
                Some(nested_root(
                    200,
                    201,
                    vec![element(210, "p", &[("id", "p")], vec![text(211, "in nested document")])],
                )),
            ),
            iframe(30, &[("src", "https://elsewhere.example/"), ("style", "width: 200px; height: 80px")], None),
        ],
    )
}

fn started() -> Mirror {
    let mut mirror = Mirror::new(mirror_iframe());
    mirror.apply_snapshot(&page_with_roots()).unwrap();
    mirror
}

fn node(mirror: &Mirror, id: u32) -> web_sys::Node {
    mirror.node(id).unwrap_or_else(|| panic!("node {id} is in the mirror"))
}

fn element_of(mirror: &Mirror, id: u32) -> Element {
    let node = node(mirror, id);
    assert_eq!(node.node_type(), web_sys::Node::ELEMENT_NODE, "node {id} is an element");
    node.unchecked_into()
}

fn nested_document(mirror: &Mirror, id: u32) -> Document {
    element_of(mirror, id).unchecked_into::<HtmlIFrameElement>().content_document().expect("the iframe has a document")
}

fn apply(mirror: &mut Mirror, events: Vec<Event>) {
    mirror.apply_delta(&Delta { events });
}

#[wasm_bindgen_test]
fn a_snapshot_builds_open_shadow_roots_under_their_ids() {
    let mirror = started();
    let host = element_of(&mirror, 10);
    let root = host.shadow_root().expect("the host has an open shadow root");
    assert_eq!(mirror.node(100).as_ref(), Some(root.as_ref() as &web_sys::Node));
    assert_eq!(root.inner_html(), format!("<p>in shadow</p>{MASK_TEXT}"));
    assert_eq!(host.text_content().unwrap(), "light", "the light children stay the host's");
    assert_eq!(mirror.node(102).unwrap().node_value().unwrap(), "in shadow");
}

#[wasm_bindgen_test]
fn a_snapshot_builds_nested_documents_and_the_iframe_loads_nothing() {
    let mirror = started();
    let iframe = element_of(&mirror, 20);
    assert_eq!(iframe.get_attribute("src"), None, "the visitor's src is not loaded");
    assert_eq!(iframe.get_attribute(SRC_ATTRIBUTE).as_deref(), Some("inner.html"));
    assert_eq!(iframe.get_attribute("sandbox"), None);
    let document = nested_document(&mirror, 20);
    assert_eq!(mirror.node(200).as_ref(), Some(document.as_ref() as &web_sys::Node));
    assert_eq!(document.compat_mode(), "CSS1Compat", "the visitor's doctype");
    assert_eq!(document.get_element_by_id("p").unwrap().text_content().unwrap(), "in nested document");
    assert_eq!(mirror.node(211).unwrap().node_value().unwrap(), "in nested document");
    let base = document.query_selector("base[data-cobrowse-viewer]").unwrap().expect("the viewer's base");
    assert_eq!(base.get_attribute("href").as_deref(), Some(NESTED_URL));
    assert!(document.query_selector("script").unwrap().is_none(), "scripts are placeholders");

    let cross_origin = element_of(&mirror, 30);
    assert_eq!(cross_origin.get_attribute(SRC_ATTRIBUTE).as_deref(), Some("https://elsewhere.example/"));
    let empty = nested_document(&mirror, 30);
    assert_eq!(empty.body().map(|body| body.child_element_count()).unwrap_or(0), 0, "an empty box");
    assert_eq!(mirror.out_of_step_events(), 0);
}

#[wasm_bindgen_test]
async fn no_nested_document_script_runs() {
    let _mirror = started();
    sleep(100).await;
    assert!(test_global("cobrowseNestedScriptRan").is_undefined());
}

#[wasm_bindgen_test]
fn children_events_apply_inside_shadow_roots_and_nested_documents() {
    let mut mirror = started();
    apply(
        &mut mirror,
        vec![
            Event::Children {
                parent: 100,
                children: vec![Child::New(element(104, "hr", &[], vec![])), Child::Existing(101)],
            },
            Event::Children { parent: 204, children: vec![Child::Existing(210), Child::New(text(212, "added"))] },
            Event::Text { node: 211, text: Value::Plain("changed".into()) },
            Event::Attribute { node: 210, name: "class".into(), value: Some(Value::Plain("x".into())) },
        ],
    );
    assert_eq!(mirror.out_of_step_events(), 0);
    let root = element_of(&mirror, 10).shadow_root().unwrap();
    assert_eq!(root.inner_html(), "<hr><p>in shadow</p>");
    assert_eq!(mirror.node(103), None, "the removed text is forgotten");
    let body = nested_document(&mirror, 20).body().unwrap();
    assert_eq!(body.inner_html(), r#"<p id="p" class="x">changed</p>added"#);
}

#[wasm_bindgen_test]
fn a_shadow_event_attaches_a_root_and_a_refused_host_does_not_stop_the_mirror() {
    let mut mirror = started();
    let refused_before = mirror.refused_shadow_hosts();
    apply(
        &mut mirror,
        vec![
            Event::Children {
                parent: 4,
                children: vec![
                    Child::Existing(10),
                    Child::Existing(20),
                    Child::Existing(30),
                    Child::New(element(40, "section", &[], vec![])),
                    Child::New(element(41, "input", &[], vec![])),
                ],
            },
            Event::Shadow {
                host: 40,
                root: Root { id: 400, url: String::new(), adopted: Vec::new(), children: vec![text(401, "late")] },
            },
            Event::Shadow {
                host: 41,
                root: Root { id: 410, url: String::new(), adopted: Vec::new(), children: vec![text(411, "nowhere")] },
            },
            Event::Children { parent: 410, children: vec![Child::Existing(411), Child::New(text(412, "more"))] },
            Event::Children { parent: 400, children: vec![Child::Existing(401), Child::New(text(402, " root"))] },
        ],
    );
    assert_eq!(element_of(&mirror, 40).shadow_root().unwrap().text_content().unwrap(), "late root");
    assert_eq!(mirror.refused_shadow_hosts(), refused_before + 1, "an input cannot host a shadow root");
    assert!(element_of(&mirror, 41).shadow_root().is_none());
    assert_eq!(mirror.out_of_step_events(), 0, "events for the refused root still find their nodes");

    // A second root for the same host replaces the first's content.
    apply(
        &mut mirror,
        vec![Event::Shadow {
            host: 40,
            root: Root { id: 403, url: String::new(), adopted: Vec::new(), children: vec![text(404, "again")] },
        }],
    );
    assert_eq!(element_of(&mirror, 40).shadow_root().unwrap().text_content().unwrap(), "again");
    assert_eq!(mirror.node(401), None);
    apply(
        &mut mirror,
        vec![Event::Shadow {
            host: 999,
            root: Root { id: 998, url: String::new(), adopted: Vec::new(), children: vec![] },
        }],
    );
    assert_eq!(mirror.out_of_step_events(), 1, "an unknown host is out of step");
}

#[wasm_bindgen_test]
fn a_frame_event_replaces_the_nested_document() {
    let mut mirror = started();
    let new_document = nested_root(300, 301, vec![element(310, "h1", &[], vec![text(311, "reloaded")])]);
    apply(&mut mirror, vec![Event::Frame { frame: 20, document: Some(new_document) }]);
    let document = nested_document(&mirror, 20);
    assert_eq!(document.body().unwrap().inner_html(), "<h1>reloaded</h1>");
    assert_eq!(mirror.node(300).as_ref(), Some(document.as_ref() as &web_sys::Node));
    for old in [200, 204, 210, 211] {
        assert_eq!(mirror.node(old), None, "node {old} of the old document is forgotten");
    }
    apply(&mut mirror, vec![Event::Frame { frame: 20, document: None }]);
    assert_eq!(nested_document(&mirror, 20).body().map(|body| body.child_element_count()).unwrap_or(0), 0);
    assert_eq!(mirror.node(310), None);
    assert_eq!(mirror.out_of_step_events(), 0);
}

#[wasm_bindgen_test]
fn an_iframe_added_by_a_delta_gets_its_document() {
    let mut mirror = started();
    let added = iframe(50, &[("src", "/later.html")], Some(nested_root(500, 501, vec![text(510, "later document")])));
    apply(
        &mut mirror,
        vec![Event::Children {
            parent: 4,
            children: vec![Child::Existing(10), Child::Existing(20), Child::Existing(30), Child::New(added)],
        }],
    );
    assert_eq!(nested_document(&mirror, 50).body().unwrap().text_content().unwrap(), "later document");
    assert_eq!(element_of(&mirror, 50).get_attribute(SRC_ATTRIBUTE).as_deref(), Some("/later.html"));
    // A new src later is kept aside too.
    apply(&mut mirror, vec![Event::Attribute { node: 50, name: "src".into(), value: Some(Value::Plain("/x".into())) }]);
    assert_eq!(element_of(&mirror, 50).get_attribute("src"), None);
    assert_eq!(element_of(&mirror, 50).get_attribute(SRC_ATTRIBUTE).as_deref(), Some("/x"));
}

#[wasm_bindgen_test]
async fn a_script_click_on_a_link_in_a_nested_document_navigates_nothing() {
    let mut mirror = Mirror::new(mirror_iframe());
    let mut snapshot = page_with_roots();
    let link = element(220, "a", &[("id", "link"), ("href", "/elsewhere.html")], vec![text(221, "go")]);
    if let NodeKind::Element(body) = &mut snapshot.children[1].kind {
        if let NodeKind::Element(body) = &mut body.children[1].kind {
            if let NodeKind::Element(iframe) = &mut body.children[1].kind {
                let document = iframe.extras.as_mut().unwrap().frame.as_mut().unwrap();
                if let NodeKind::Element(html) = &mut document.children[1].kind {
                    if let NodeKind::Element(nested_body) = &mut html.children[1].kind {
                        nested_body.children.push(link);
                    }
                }
            }
        }
    }
    mirror.apply_snapshot(&snapshot).unwrap();
    let document = nested_document(&mirror, 20);
    document.get_element_by_id("link").unwrap().unchecked_into::<web_sys::HtmlElement>().click();
    sleep(300).await;
    let document = nested_document(&mirror, 20);
    assert!(document.get_element_by_id("link").is_some(), "the nested document is still the mirrored one");
    assert_eq!(mirror.node(220).as_ref(), document.get_element_by_id("link").as_ref().map(AsRef::as_ref));
}

#[wasm_bindgen_test]
fn deeper_iframes_and_shadow_roots_in_nested_documents_are_built() {
    let mut mirror = Mirror::new(mirror_iframe());
    let deeper =
        iframe(230, &[("src", "nested.html")], Some(nested_root(600, 601, vec![text(610, "deeper document")])));
    let host = with_extras(
        element(231, "div", &[], vec![]),
        shadow_root(700, vec![element(701, "p", &[], vec![text(702, "shadow in a nested document")])]),
    );
    let snapshot = page(vec![], vec![iframe(20, &[], Some(nested_root(200, 201, vec![deeper, host])))]);
    mirror.apply_snapshot(&snapshot).unwrap();
    let outer = nested_document(&mirror, 20);
    assert_eq!(mirror.node(200).as_ref(), Some(outer.as_ref() as &web_sys::Node));
    let inner: HtmlIFrameElement = element_of(&mirror, 230).unchecked_into();
    assert_eq!(inner.content_document().unwrap().body().unwrap().text_content().unwrap(), "deeper document");
    let host = element_of(&mirror, 231);
    assert_eq!(host.shadow_root().unwrap().text_content().unwrap(), "shadow in a nested document");
    apply(&mut mirror, vec![Event::Text { node: 610, text: Value::Plain("changed".into()) }]);
    assert_eq!(inner.content_document().unwrap().body().unwrap().text_content().unwrap(), "changed");
    assert_eq!(mirror.out_of_step_events(), 0);
}

fn style(id: u32, rules: &[&str]) -> Node {
    let sheet = Some(rules.iter().map(|rule| rule.to_string()).collect());
    with_extras(element(id, "style", &[], vec![]), Extras { sheet, ..Extras::default() })
}

#[wasm_bindgen_test]
fn rules_refused_in_shadow_roots_and_nested_documents_are_counted() {
    let mut card = shadow_root(100, vec![style(101, &["p { color: red }", "not a rule"])]);
    card.shadow.as_mut().unwrap().adopted = vec![vec!["b { color: blue }".into(), "also not a rule".into()]];
    let snapshot = page(
        vec![],
        vec![
            with_extras(element(10, "my-card", &[], vec![]), card),
            iframe(20, &[], Some(nested_root(200, 201, vec![style(210, &["i { color: green }", "nor this"])]))),
        ],
    );
    let mut mirror = Mirror::new(mirror_iframe());
    mirror.apply_snapshot(&snapshot).unwrap();
    assert_eq!(mirror.rejected_rules(), 3, "the shadow root's style and adopted sheet, the nested document's style");

    let late = Root { id: 400, url: String::new(), adopted: vec![vec!["not css".into()]], children: vec![] };
    apply(&mut mirror, vec![Event::Shadow { host: 10, root: late }]);
    assert_eq!(mirror.rejected_rules(), 4, "a Shadow event's adopted sheet");
    assert_eq!(mirror.unbuilt_nested_documents(), 0);
}

#[wasm_bindgen_test]
fn a_nested_document_that_cannot_be_built_is_counted_and_published() {
    let not_an_iframe = with_extras(
        element(60, "div", &[], vec![]),
        Extras { frame: Some(nested_root(600, 601, vec![])), ..Extras::default() },
    );
    let mut session = Session::new(Mirror::new(mirror_iframe()));
    session.receive(&Encoder::new().snapshot(&page(vec![], vec![not_an_iframe])));
    assert_eq!(session.mirror().unbuilt_nested_documents(), 1);
    let published = js_sys::Reflect::get(&test_global("cobrowseViewer"), &"unbuiltNestedDocuments".into()).unwrap();
    assert_eq!(published.as_f64(), Some(1.0));
}
