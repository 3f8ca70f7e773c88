//! Deltas patch the mirror: children (insert, move, remove, the forget rule, appended), attributes, text, form
//! state, scrolling, the viewport, and events naming ids the mirror does not know.

mod common;

use cobrowse_agent_viewer::chrome::overlay::{Overlay, Surroundings};
use cobrowse_agent_viewer::mirror::Mirror;
use cobrowse_protocol::{Child, Delta, Event, FormState, Point, Size, Value, MASK_TEXT};
use common::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement, HtmlInputElement, HtmlSelectElement};

wasm_bindgen_test_configure!(run_in_browser);

/// Ids: div#a 10 [text 11, span 12 [text 13]], div#b 20 [text 21], ul 30 [li 31 [32], li 33 [34]],
/// input 40, checkbox 41, select 42 [option 43, option 44], a 45, scroller 50 [51], tall div 60.
fn start_page() -> cobrowse_protocol::Snapshot {
    let mut snapshot = page(
        vec![element(5, "title", &[], vec![text(6, "Deltas")])],
        vec![
            element(
                10,
                "div",
                &[("id", "a"), ("title", "first")],
                vec![text(11, "A"), element(12, "span", &[("id", "moving")], vec![text(13, "move me")])],
            ),
            element(20, "div", &[("id", "b")], vec![text(21, "B")]),
            element(
                30,
                "ul",
                &[],
                vec![element(31, "li", &[], vec![text(32, "one")]), element(33, "li", &[], vec![text(34, "two")])],
            ),
            element(40, "input", &[("type", "text")], vec![]),
            element(41, "input", &[("type", "checkbox")], vec![]),
            element(
                42,
                "select",
                &[],
                vec![
                    element(43, "option", &[("value", "a")], vec![text(46, "A")]),
                    element(44, "option", &[("value", "b")], vec![text(47, "B")]),
                ],
            ),
            element(45, "a", &[("href", "/x")], vec![]),
            element(
                50,
                "div",
                &[("id", "scroller"), ("style", "height: 100px; overflow: auto")],
                vec![element(51, "div", &[("style", "height: 1000px")], vec![])],
            ),
            element(60, "div", &[("style", "height: 3000px")], vec![]),
        ],
    );
    snapshot.viewport = Size { width: 400, height: 300 };
    snapshot
}

fn body_children() -> Vec<Child> {
    [10, 20, 30, 40, 41, 42, 45, 50, 60].into_iter().map(Child::Existing).collect()
}

fn started() -> Mirror {
    let mut mirror = Mirror::new(mirror_iframe());
    mirror.apply_snapshot(&start_page()).unwrap();
    mirror
}

fn apply(mirror: &mut Mirror, events: Vec<Event>) {
    mirror.apply_delta(&Delta { events });
}

fn by_id(mirror: &Mirror, id: u32) -> Element {
    let node = mirror.node(id).unwrap_or_else(|| panic!("node {id} is in the mirror"));
    assert_eq!(node.node_type(), web_sys::Node::ELEMENT_NODE, "node {id} is an element");
    // Mirror nodes are of the iframe's realm: `dyn_into` (instanceof) would refuse them.
    node.unchecked_into()
}

fn inner(mirror: &Mirror, id: u32) -> String {
    by_id(mirror, id).inner_html()
}

#[wasm_bindgen_test]
fn children_insert_move_and_remove() {
    let mut mirror = started();
    apply(
        &mut mirror,
        vec![
            Event::Children {
                parent: 20,
                children: vec![
                    Child::Existing(21),
                    Child::Existing(12),
                    Child::New(element(70, "em", &[("class", "fresh")], vec![text(71, "new")])),
                ],
            },
            Event::Children { parent: 10, children: vec![Child::Existing(11)] },
            Event::Children { parent: 30, children: vec![Child::Existing(33)] },
        ],
    );
    assert_eq!(inner(&mirror, 20), "B<span id=\"moving\">move me</span><em class=\"fresh\">new</em>");
    assert_eq!(inner(&mirror, 10), "A");
    assert_eq!(inner(&mirror, 30), "<li>two</li>");
    assert!(mirror.node(12).is_some(), "a moved node keeps its id");
    assert!(mirror.node(71).is_some(), "new nodes get their ids");
    assert_eq!(mirror.out_of_step_events(), 0);
}

#[wasm_bindgen_test]
fn children_are_reordered_exactly() {
    let mut mirror = started();
    apply(
        &mut mirror,
        vec![Event::Children {
            parent: 30,
            children: vec![
                Child::Existing(33),
                Child::New(element(35, "li", &[], vec![text(36, "three")])),
                Child::Existing(31),
            ],
        }],
    );
    assert_eq!(inner(&mirror, 30), "<li>two</li><li>three</li><li>one</li>");
}

#[wasm_bindgen_test]
fn appended_children_go_after_the_last_and_are_sanitized() {
    let mut mirror = started();
    apply(
        &mut mirror,
        vec![Event::Append {
            parent: 30,
            children: vec![
                element(35, "li", &[("onclick", "alert(1)")], vec![text(36, "three")]),
                element(37, "li", &[], vec![element(38, "b", &[], vec![text(39, "four")])]),
            ],
        }],
    );
    assert_eq!(inner(&mirror, 30), "<li>one</li><li>two</li><li>three</li><li><b>four</b></li>");
    assert!(mirror.node(38).is_some(), "appended nodes get their ids");
    assert_eq!(mirror.out_of_step_events(), 0);

    apply(&mut mirror, vec![Event::Append { parent: 999, children: vec![text(90, "lost")] }]);
    assert_eq!(mirror.out_of_step_events(), 1, "an append to an unknown parent is out of step");
}

#[wasm_bindgen_test]
fn removed_nodes_are_forgotten_with_their_subtree() {
    let mut mirror = started();
    apply(&mut mirror, vec![Event::Children { parent: 30, children: vec![Child::Existing(33)] }]);
    assert!(mirror.node(31).is_none(), "a removed node loses its id");
    assert!(mirror.node(32).is_none(), "and so does its subtree");
    assert_eq!(mirror.out_of_step_events(), 0);
    apply(
        &mut mirror,
        vec![
            Event::Attribute { node: 31, name: "class".into(), value: Some(Value::Plain("x".into())) },
            Event::Text { node: 32, text: Value::Plain("gone".into()) },
        ],
    );
    assert_eq!(mirror.out_of_step_events(), 2, "events naming forgotten ids are out of step");
}

#[wasm_bindgen_test]
fn a_node_removed_and_put_back_in_the_same_delta_keeps_its_id() {
    let mut mirror = started();
    apply(
        &mut mirror,
        vec![
            Event::Children { parent: 10, children: vec![Child::Existing(11)] },
            Event::Children {
                parent: 30,
                children: vec![Child::Existing(31), Child::Existing(33), Child::Existing(12)],
            },
        ],
    );
    assert!(mirror.node(12).is_some());
    assert!(mirror.node(13).is_some(), "its subtree too");
    assert_eq!(inner(&mirror, 30), "<li>one</li><li>two</li><span id=\"moving\">move me</span>");
    apply(&mut mirror, vec![Event::Text { node: 13, text: Value::Plain("moved".into()) }]);
    assert_eq!(mirror.out_of_step_events(), 0);
}

#[wasm_bindgen_test]
fn a_node_new_in_a_delta_and_removed_in_it_is_forgotten() {
    let mut mirror = started();
    apply(
        &mut mirror,
        vec![
            Event::Children {
                parent: 20,
                children: vec![Child::Existing(21), Child::New(element(80, "i", &[], vec![text(81, "brief")]))],
            },
            Event::Children { parent: 20, children: vec![Child::Existing(21)] },
        ],
    );
    assert!(mirror.node(80).is_none());
    assert!(mirror.node(81).is_none());
    assert_eq!(inner(&mirror, 20), "B");
}

#[wasm_bindgen_test]
fn new_subtrees_are_sanitized_too() {
    let mut mirror = started();
    let mut children = body_children();
    children.push(Child::New(element(90, "script", &[], vec![text(91, "parent.cobrowseScriptRan = true")])));
    children.push(Child::New(element(
        92,
        "div",
        &[("onclick", "parent.cobrowseScriptRan = true")],
        vec![element(93, "a", &[("href", "javascript:void(0)")], vec![]), masked_text(94)],
    )));
    apply(&mut mirror, vec![Event::Children { parent: 4, children }]);
    let document = mirror.document().unwrap();
    assert_eq!(document.query_selector_all("script").unwrap().length(), 0);
    assert_eq!(by_id(&mirror, 90).local_name(), "template");
    let div = by_id(&mirror, 92);
    assert!(!div.has_attribute("onclick"));
    assert!(div.has_attribute("data-cobrowse-masked"), "masked text in a new subtree marks its element");
    assert_eq!(mirror.node(94).unwrap().node_value().as_deref(), Some(MASK_TEXT));
    assert_eq!(by_id(&mirror, 93).get_attribute("href").as_deref(), Some("#"));
    // Events addressing the placeholder or its content are not out of step, and change nothing visible.
    apply(
        &mut mirror,
        vec![
            Event::Attribute {
                node: 90,
                name: "src".into(),
                value: Some(Value::Plain("https://evil.example/x.js".into())),
            },
            Event::Text { node: 91, text: Value::Plain("parent.cobrowseScriptRan = 2".into()) },
        ],
    );
    assert_eq!(mirror.out_of_step_events(), 0);
    assert!(!by_id(&mirror, 90).has_attribute("src"));
    assert_eq!(document.query_selector_all("script").unwrap().length(), 0);
    assert!(test_global("cobrowseScriptRan").is_undefined());
}

#[wasm_bindgen_test]
fn attributes_are_set_and_removed_sanitized() {
    let mut mirror = started();
    apply(
        &mut mirror,
        vec![
            Event::Attribute { node: 10, name: "class".into(), value: Some(Value::Plain("x y".into())) },
            Event::Attribute { node: 10, name: "title".into(), value: None },
            Event::Attribute {
                node: 10,
                name: "onclick".into(),
                value: Some(Value::Plain("parent.cobrowseScriptRan = 1".into())),
            },
            Event::Attribute {
                node: 45,
                name: "href".into(),
                value: Some(Value::Plain(" javascript:alert(1)".into())),
            },
            Event::Attribute { node: 33, name: "data-secret".into(), value: Some(Value::Masked) },
            Event::Attribute { node: 60, name: "srcdoc".into(), value: Some(Value::Plain("<b>x</b>".into())) },
        ],
    );
    let a = by_id(&mirror, 10);
    assert_eq!(a.get_attribute("class").as_deref(), Some("x y"));
    assert!(!a.has_attribute("title"));
    assert!(!a.has_attribute("onclick"));
    assert_eq!(by_id(&mirror, 45).get_attribute("href").as_deref(), Some("#"));
    let li = by_id(&mirror, 33);
    assert_eq!(li.get_attribute("data-secret").as_deref(), Some(MASK_TEXT));
    assert!(li.has_attribute("data-cobrowse-masked"));
    assert!(!by_id(&mirror, 60).has_attribute("srcdoc"));
    assert_eq!(mirror.out_of_step_events(), 0);
}

#[wasm_bindgen_test]
fn a_link_turned_into_a_script_url_loses_its_old_value() {
    let mut mirror = started();
    apply(
        &mut mirror,
        vec![Event::Attribute { node: 45, name: "ping".into(), value: Some(Value::Plain("/track".into())) }],
    );
    assert_eq!(by_id(&mirror, 45).get_attribute("ping").as_deref(), Some("/track"));
    apply(
        &mut mirror,
        vec![Event::Attribute { node: 45, name: "ping".into(), value: Some(Value::Plain("javascript:x".into())) }],
    );
    assert!(!by_id(&mirror, 45).has_attribute("ping"), "a refused value does not leave the old one behind");
}

#[wasm_bindgen_test]
fn text_changes_plain_and_masked() {
    let mut mirror = started();
    apply(
        &mut mirror,
        vec![Event::Text { node: 11, text: Value::Plain("AA".into()) }, Event::Text { node: 34, text: Value::Masked }],
    );
    assert_eq!(mirror.node(11).unwrap().node_value().as_deref(), Some("AA"));
    assert_eq!(mirror.node(34).unwrap().node_value().as_deref(), Some(MASK_TEXT));
    assert!(by_id(&mirror, 33).has_attribute("data-cobrowse-masked"));
}

#[wasm_bindgen_test]
fn form_changes_set_properties() {
    let mut mirror = started();
    apply(
        &mut mirror,
        vec![
            Event::Form { node: 40, state: value("typed") },
            Event::Form { node: 41, state: FormState { checked: Some(true), ..FormState::default() } },
            Event::Form { node: 44, state: FormState { selected: Some(true), ..FormState::default() } },
        ],
    );
    assert_eq!(by_id(&mirror, 40).unchecked_into::<HtmlInputElement>().value(), "typed");
    assert!(by_id(&mirror, 41).unchecked_into::<HtmlInputElement>().checked());
    assert_eq!(by_id(&mirror, 42).unchecked_into::<HtmlSelectElement>().value(), "b");
    apply(
        &mut mirror,
        vec![Event::Form { node: 40, state: FormState { value: Some(Value::Masked), ..FormState::default() } }],
    );
    let input = by_id(&mirror, 40);
    assert_eq!(input.clone().unchecked_into::<HtmlInputElement>().value(), MASK_TEXT);
    assert!(input.has_attribute("data-cobrowse-masked"));
}

#[wasm_bindgen_test]
fn scrolling_the_window_and_an_element() {
    let mut mirror = started();
    apply(
        &mut mirror,
        vec![
            Event::Scroll { node: None, offset: Point { x: 0, y: 500 } },
            Event::Scroll { node: Some(50), offset: Point { x: 0, y: 200 } },
        ],
    );
    let window = mirror.overlay().iframe().content_window().unwrap();
    assert_eq!(window.scroll_y().unwrap(), 500.0);
    assert_eq!(by_id(&mirror, 50).scroll_top(), 200);
}

#[wasm_bindgen_test]
fn a_snapshot_scroll_offset_is_applied() {
    let mut mirror = Mirror::new(mirror_iframe());
    let mut snapshot = start_page();
    snapshot.scroll = Point { x: 0, y: 750 };
    mirror.apply_snapshot(&snapshot).unwrap();
    assert_eq!(mirror.overlay().iframe().content_window().unwrap().scroll_y().unwrap(), 750.0);
}

#[wasm_bindgen_test]
fn the_next_page_at_the_top_is_shown_at_the_top() {
    let mut mirror = Mirror::new(mirror_iframe());
    let mut scrolled = start_page();
    scrolled.scroll = Point { x: 0, y: 750 };
    mirror.apply_snapshot(&scrolled).unwrap();
    // The next page is as tall, and starts at the top: the window must not keep the last page's offset.
    mirror.apply_snapshot(&start_page()).unwrap();
    assert_eq!(mirror.overlay().iframe().content_window().unwrap().scroll_y().unwrap(), 0.0);
    let mut scrolled_again = start_page();
    scrolled_again.scroll = Point { x: 0, y: 300 };
    mirror.apply_snapshot(&scrolled_again).unwrap();
    assert_eq!(mirror.overlay().iframe().content_window().unwrap().scroll_y().unwrap(), 300.0);
}

#[wasm_bindgen_test]
fn the_viewport_resizes_the_iframe() {
    let mut mirror = started();
    let style = mirror.overlay().iframe().style();
    assert_eq!(style.get_property_value("width").unwrap(), "400px");
    apply(&mut mirror, vec![Event::Viewport(Size { width: 500, height: 420 })]);
    assert_eq!(style.get_property_value("width").unwrap(), "500px");
    assert_eq!(style.get_property_value("height").unwrap(), "420px");
    let window = mirror.overlay().iframe().content_window().unwrap();
    assert_eq!(window.inner_width().unwrap().as_f64(), Some(500.0), "the mirror lays out at the visitor's width");
}

#[wasm_bindgen_test]
fn unknown_ids_are_counted_and_the_rest_applies() {
    let mut mirror = started();
    apply(
        &mut mirror,
        vec![
            Event::Children { parent: 999, children: vec![Child::New(element(998, "p", &[], vec![]))] },
            Event::Text { node: 997, text: Value::Plain("?".into()) },
            Event::Children { parent: 20, children: vec![Child::Existing(21), Child::Existing(996)] },
            Event::Form { node: 995, state: value("x") },
            Event::Scroll { node: Some(994), offset: Point::default() },
            Event::Attribute {
                node: 11,
                name: "class".into(),
                value: Some(Value::Plain("text nodes have none".into())),
            },
            Event::Text { node: 21, text: Value::Plain("still applied".into()) },
        ],
    );
    assert_eq!(mirror.out_of_step_events(), 6);
    assert_eq!(inner(&mirror, 20), "still applied");
    assert!(mirror.node(998).is_none(), "a subtree for an unknown parent is not built");
}

#[wasm_bindgen_test]
fn the_viewer_nodes_stay_first_when_the_head_changes() {
    let mut mirror = started();
    apply(
        &mut mirror,
        vec![Event::Children {
            parent: 3,
            children: vec![Child::New(element(7, "meta", &[("name", "x")], vec![])), Child::Existing(5)],
        }],
    );
    let head = mirror.document().unwrap().head().unwrap();
    let mut names = Vec::new();
    let mut child = head.first_element_child();
    while let Some(element) = child {
        names.push(element.local_name());
        child = element.next_element_sibling();
    }
    assert_eq!(names, ["base", "style", "meta", "title"]);
    assert!(head.first_element_child().unwrap().has_attribute("data-cobrowse-viewer"));
}

#[wasm_bindgen_test]
fn the_overlay_scales_the_mirror_and_places_the_pointer() {
    let document = test_document();
    let div = || -> HtmlElement { document.create_element("div").unwrap().dyn_into().unwrap() };
    let (stage, mirror_box, pointer) = (div(), div(), div());
    stage.style().set_property("width", "500px").unwrap();
    stage.style().set_property("height", "400px").unwrap();
    pointer.set_hidden(true);
    mirror_box.append_child(&pointer).unwrap();
    stage.append_child(&mirror_box).unwrap();
    document.body().unwrap().append_child(&stage).unwrap();
    let iframe = mirror_iframe();
    mirror_box.append_child(&iframe).unwrap();
    let overlay = Overlay::with_surroundings(
        iframe.clone(),
        Surroundings { stage, mirror_box: mirror_box.clone(), pointer: pointer.clone() },
    );
    let mut mirror = Mirror::with_overlay(overlay);
    let mut snapshot = start_page();
    snapshot.viewport = Size { width: 1000, height: 600 };
    mirror.apply_snapshot(&snapshot).unwrap();
    assert_eq!(mirror.overlay().scale(), 0.5);
    assert_eq!(iframe.style().get_property_value("transform").unwrap(), "scale(0.5)");
    assert_eq!(mirror_box.style().get_property_value("width").unwrap(), "500px");
    assert_eq!(mirror_box.style().get_property_value("height").unwrap(), "300px");
    assert!(pointer.hidden(), "no pointer before the visitor moves it");
    apply(&mut mirror, vec![Event::Pointer(Point { x: 100, y: 50 })]);
    assert!(!pointer.hidden());
    assert_eq!(pointer.style().get_property_value("left").unwrap(), "50px");
    assert_eq!(pointer.style().get_property_value("top").unwrap(), "25px");
    apply(&mut mirror, vec![Event::Viewport(Size { width: 400, height: 800 })]);
    assert_eq!(mirror.overlay().scale(), 0.5, "a tall viewport fits by height");
    assert_eq!(pointer.style().get_property_value("top").unwrap(), "25px");
    apply(&mut mirror, vec![Event::Viewport(Size { width: 200, height: 100 })]);
    assert_eq!(mirror.overlay().scale(), 1.0, "a small viewport is never scaled up");
}

/// Resolves in the viewer window's next animation frame, after the callbacks requested before.
async fn next_animation_frame() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window().unwrap().request_animation_frame(&resolve).unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

#[wasm_bindgen_test]
async fn the_offset_is_reached_in_the_frame_after_the_page_grew_to_it() {
    let mut mirror = started();
    let window = mirror.overlay().iframe().content_window().unwrap();
    apply(&mut mirror, vec![Event::Scroll { node: None, offset: Point { x: 0, y: 5_000 } }]);
    let short_of_it = window.scroll_y().unwrap();
    assert!(short_of_it < 5_000.0, "the page is not tall enough yet: {short_of_it}");
    let taller = Value::Plain("height: 9000px".into());
    apply(&mut mirror, vec![Event::Attribute { node: 60, name: "style".into(), value: Some(taller) }]);
    // Looked at in the next frame, once for every delta before it (looking lays the page out).
    assert_eq!(window.scroll_y().unwrap(), short_of_it, "not in the delta's own task");
    next_animation_frame().await;
    assert_eq!(window.scroll_y().unwrap(), 5_000.0);
}
