//! A snapshot rebuilds the mirror: the same tree, attributes, text and form state, masked content shown
//! as mask glyphs, and nothing that could run a script.

mod common;

use cobrowse_agent_viewer::mirror::Mirror;
use cobrowse_protocol::{FormState, Namespace, NodeKind, Value, MASK_TEXT};
use common::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Document, Element, HtmlElement, HtmlInputElement, HtmlOptionElement, HtmlSelectElement};

wasm_bindgen_test_configure!(run_in_browser);

const SCRIPT: &str = "parent.cobrowseScriptRan = true";

/// A page with a bit of everything (ids in comments).
fn rich_page() -> cobrowse_protocol::Snapshot {
    let head = vec![
        element(5, "meta", &[("charset", "utf-8")], vec![]),
        element(6, "title", &[], vec![text(7, "Shop")]),
        element(8, "meta", &[("http-equiv", "Refresh"), ("content", "0;url=https://evil.example/")], vec![]),
        element(9, "base", &[("href", "/other/")], vec![]),
    ];
    let body = vec![
        element(
            10,
            "div",
            &[("id", "main"), ("class", "card wide"), ("data-x", "1")],
            vec![
                element(11, "p", &[], vec![text(12, "Hello "), element(13, "b", &[], vec![text(14, "world")])]),
                comment(15, " a comment "),
            ],
        ),
        svg(
            16,
            "svg",
            &[("viewBox", "0 0 10 10"), ("width", "10")],
            vec![
                svg(17, "circle", &[("cx", "5"), ("cy", "5"), ("r", "4")], vec![]),
                svg(18, "a", &[("xlink:href", "javascript:alert(1)")], vec![]),
                svg(46, "use", &[("xlink:href", "#dot")], vec![]),
            ],
        ),
        with_form(element(19, "input", &[("type", "text"), ("value", "default")], vec![]), value("typed")),
        with_form(
            element(20, "input", &[("type", "checkbox")], vec![]),
            FormState { checked: Some(true), ..FormState::default() },
        ),
        with_form(
            element(
                21,
                "select",
                &[],
                vec![
                    element(22, "option", &[("value", "a")], vec![text(23, "A")]),
                    with_form(
                        element(24, "option", &[("value", "b")], vec![text(25, "B")]),
                        FormState { selected: Some(true), ..FormState::default() },
                    ),
                ],
            ),
            value("b"),
        ),
        with_form(
            element(26, "input", &[("type", "password")], vec![]),
            FormState { value: Some(Value::Masked), ..FormState::default() },
        ),
        element(27, "span", &[("class", "secret")], vec![masked_text(28)]),
        element(29, "script", &[("src", "https://evil.example/x.js")], vec![text(30, SCRIPT)]),
        element(31, "div", &[("onclick", SCRIPT), ("ONMOUSEOVER", SCRIPT)], vec![text(32, "click")]),
        element(33, "a", &[("href", "javascript:parent.cobrowseScriptRan=true")], vec![text(34, "link")]),
        element(35, "img", &[("src", "missing.png"), ("onerror", SCRIPT)], vec![]),
        element(36, "iframe", &[("srcdoc", "<script>parent.cobrowseScriptRan=true</script>")], vec![]),
        element(37, "noscript", &[], vec![element(38, "img", &[("src", "pixel.gif")], vec![])]),
        element(39, "a", &[("href", "relative")], vec![text(40, "rel")]),
        with_masked_attribute(element(41, "div", &[], vec![]), "title"),
        element(
            42,
            "form",
            &[("action", "  JaVaScRiPt:alert(1)")],
            vec![element(43, "button", &[("formaction", "java\tscript:alert(1)")], vec![])],
        ),
        element_in(
            Namespace::MathMl,
            44,
            "math",
            &[],
            vec![element_in(Namespace::MathMl, 45, "mi", &[], vec![text(47, "x")])],
        ),
        element(48, "video", &[("autoplay", ""), ("src", "clip.mp4")], vec![]),
    ];
    page(head, body)
}

fn built(snapshot: &cobrowse_protocol::Snapshot) -> (Mirror, Document) {
    let mut mirror = Mirror::new(mirror_iframe());
    mirror.apply_snapshot(snapshot).expect("the snapshot applies");
    let document = mirror.document().expect("the mirror has a document");
    (mirror, document)
}

fn by_id(mirror: &Mirror, id: u32) -> Element {
    let node = mirror.node(id).unwrap_or_else(|| panic!("node {id} is in the mirror"));
    assert_eq!(node.node_type(), web_sys::Node::ELEMENT_NODE, "node {id} is an element");
    // Mirror nodes are of the iframe's realm: `dyn_into` (instanceof) would refuse them.
    node.unchecked_into()
}

#[wasm_bindgen_test]
fn the_tree_attributes_and_text_are_the_visitors() {
    let (mirror, document) = built(&rich_page());
    assert_eq!(document.compat_mode(), "CSS1Compat", "the doctype gives standards mode");
    assert_eq!(document.doctype().unwrap().name(), "html");
    let root = document.document_element().unwrap();
    assert_eq!(root.local_name(), "html");
    assert_eq!(root.get_attribute("lang").as_deref(), Some("en"));
    let main = document.get_element_by_id("main").expect("div#main");
    assert_eq!(main, by_id(&mirror, 10));
    assert_eq!(main.class_name(), "card wide");
    assert_eq!(main.get_attribute("data-x").as_deref(), Some("1"));
    assert_eq!(main.child_nodes().length(), 2);
    assert_eq!(by_id(&mirror, 11).inner_html(), "Hello <b>world</b>");
    let comment = mirror.node(15).unwrap();
    assert_eq!(comment.node_type(), web_sys::Node::COMMENT_NODE);
    assert_eq!(comment.node_value().as_deref(), Some(" a comment "));
    assert_eq!(document.title(), "Shop");
    assert_eq!(mirror.node(7).unwrap().node_value().as_deref(), Some("Shop"));
}

#[wasm_bindgen_test]
fn svg_and_mathml_are_built_in_their_namespaces() {
    let (mirror, _) = built(&rich_page());
    let svg = by_id(&mirror, 16);
    assert_eq!(svg.namespace_uri().as_deref(), Some("http://www.w3.org/2000/svg"));
    assert_eq!(svg.get_attribute("viewBox").as_deref(), Some("0 0 10 10"), "attribute case is kept in SVG");
    let circle = by_id(&mirror, 17);
    assert_eq!(circle.namespace_uri().as_deref(), Some("http://www.w3.org/2000/svg"));
    assert_eq!(circle.get_attribute("r").as_deref(), Some("4"));
    let using = by_id(&mirror, 46);
    assert_eq!(
        using.get_attribute_ns(Some("http://www.w3.org/1999/xlink"), "href").as_deref(),
        Some("#dot"),
        "xlink:href is set in the XLink namespace"
    );
    assert_eq!(by_id(&mirror, 45).namespace_uri().as_deref(), Some("http://www.w3.org/1998/Math/MathML"));
}

#[wasm_bindgen_test]
fn form_state_is_set_as_properties() {
    let (mirror, _) = built(&rich_page());
    let input: HtmlInputElement = by_id(&mirror, 19).unchecked_into();
    assert_eq!(input.value(), "typed");
    assert_eq!(input.default_value(), "default", "the attribute stays the default");
    let checkbox: HtmlInputElement = by_id(&mirror, 20).unchecked_into();
    assert!(checkbox.checked());
    assert!(!checkbox.has_attribute("checked"));
    let select: HtmlSelectElement = by_id(&mirror, 21).unchecked_into();
    assert_eq!(select.value(), "b");
    let option: HtmlOptionElement = by_id(&mirror, 24).unchecked_into();
    assert!(option.selected());
}

#[wasm_bindgen_test]
fn a_textarea_shows_what_was_typed_not_its_text() {
    // Its state is set before its text child is built: the typed value must survive that child.
    let notes = with_form(element(60, "textarea", &[], vec![text(61, "the default")]), value("typed"));
    let (mirror, _) = built(&page(vec![], vec![notes]));
    let textarea = by_id(&mirror, 60);
    let property = |name: &str| js_sys::Reflect::get(&textarea, &name.into()).unwrap().as_string();
    assert_eq!(property("value").as_deref(), Some("typed"));
    assert_eq!(property("defaultValue").as_deref(), Some("the default"));
}

#[wasm_bindgen_test]
fn masked_content_shows_the_mask_and_is_marked() {
    let (mirror, _) = built(&rich_page());
    let password: HtmlInputElement = by_id(&mirror, 26).unchecked_into();
    assert_eq!(password.value(), MASK_TEXT);
    assert!(password.has_attribute("data-cobrowse-masked"));
    assert_eq!(mirror.node(28).unwrap().node_value().as_deref(), Some(MASK_TEXT));
    assert!(by_id(&mirror, 27).has_attribute("data-cobrowse-masked"), "the masked text's element is marked");
    let titled = by_id(&mirror, 41);
    assert_eq!(titled.get_attribute("title").as_deref(), Some(MASK_TEXT));
    assert!(titled.has_attribute("data-cobrowse-masked"));
    assert!(!by_id(&mirror, 10).has_attribute("data-cobrowse-masked"), "unmasked elements are not marked");
}

#[wasm_bindgen_test]
fn the_viewer_base_and_stylesheet_come_first_in_the_head() {
    let (mirror, document) = built(&rich_page());
    let head = document.head().unwrap();
    let base = head.first_element_child().unwrap();
    assert_eq!(base.local_name(), "base");
    assert!(base.has_attribute("data-cobrowse-viewer"));
    let style = base.next_element_sibling().unwrap();
    assert_eq!(style.local_name(), "style");
    assert!(style.has_attribute("data-cobrowse-viewer"));
    assert!(style.text_content().unwrap().contains("[data-cobrowse-masked]"));
    // The visitor's own <base href="/other/"> decides how the page resolves; ours says the same, first.
    assert_eq!(base.get_attribute("href").as_deref(), Some("https://shop.example/other/"));
    assert_eq!(document.base_uri().unwrap().as_deref(), Some("https://shop.example/other/"));
    let link = by_id(&mirror, 39);
    let resolved = js_sys::Reflect::get(&link, &"href".into()).unwrap().as_string().unwrap();
    assert_eq!(resolved, "https://shop.example/other/relative");
}

#[wasm_bindgen_test]
fn a_page_without_base_resolves_against_the_visitor_url() {
    let snapshot = page(vec![], vec![element(10, "img", &[("src", "images/a.png")], vec![])]);
    let (mirror, document) = built(&snapshot);
    assert_eq!(document.base_uri().unwrap().as_deref(), Some(VISITOR_URL));
    let src = js_sys::Reflect::get(&by_id(&mirror, 10), &"src".into()).unwrap().as_string().unwrap();
    assert_eq!(src, "https://shop.example/catalog/images/a.png");
}

#[wasm_bindgen_test]
fn scripts_become_inert_placeholders_that_keep_their_ids() {
    let (mirror, document) = built(&rich_page());
    assert_eq!(document.query_selector_all("script").unwrap().length(), 0, "no script element in the mirror");
    assert_eq!(document.query_selector_all("noscript").unwrap().length(), 0, "no noscript element either");
    let script = by_id(&mirror, 29);
    assert_eq!(script.local_name(), "template");
    assert_eq!(script.get_attribute("data-cobrowse-script").as_deref(), Some("script"));
    assert!(!script.has_attribute("src"), "the placeholder has none of the script's attributes");
    let noscript = by_id(&mirror, 37);
    assert_eq!(noscript.local_name(), "template");
    assert_eq!(noscript.get_attribute("data-cobrowse-script").as_deref(), Some("noscript"));
    assert!(mirror.node(30).is_some(), "the script's text keeps its id");
    assert!(mirror.node(38).is_some(), "the noscript's image keeps its id");
    assert!(!mirror.node(38).unwrap().is_connected(), "but lives in the placeholder's inert content");
}

#[wasm_bindgen_test]
fn no_event_handler_attribute_reaches_the_mirror() {
    let (mirror, document) = built(&rich_page());
    let names = all_attribute_names(&document);
    assert!(!names.iter().any(|name| name.to_ascii_lowercase().starts_with("on")), "on* attributes: {names:?}");
    assert_eq!(by_id(&mirror, 31).text_content().as_deref(), Some("click"), "the element itself stays");
}

#[wasm_bindgen_test]
fn no_script_url_reaches_the_mirror() {
    let (mirror, document) = built(&rich_page());
    for value in all_attribute_values(&document) {
        let squeezed: String = value.chars().filter(|c| !c.is_ascii_whitespace()).collect::<String>().to_lowercase();
        assert!(!squeezed.contains("javascript:"), "attribute value {value:?} in the mirror");
    }
    assert_eq!(by_id(&mirror, 33).get_attribute("href").as_deref(), Some("#"), "a link stays a link to nowhere");
    assert_eq!(by_id(&mirror, 18).get_attribute("xlink:href").as_deref(), Some("#"));
    assert!(!by_id(&mirror, 42).has_attribute("action"));
    assert!(!by_id(&mirror, 43).has_attribute("formaction"));
    assert!(!by_id(&mirror, 36).has_attribute("srcdoc"), "no inline document in an iframe");
    assert!(!by_id(&mirror, 8).has_attribute("http-equiv"), "no meta refresh");
    assert_eq!(by_id(&mirror, 5).get_attribute("charset").as_deref(), Some("utf-8"), "other metas stay");
}

#[wasm_bindgen_test]
async fn no_visitor_script_runs() {
    let (_mirror, _document) = built(&rich_page());
    sleep(300).await;
    assert!(test_global("cobrowseScriptRan").is_undefined(), "a visitor script ran in the agent's browser");
}

#[wasm_bindgen_test]
fn the_visitors_media_never_plays_sound_here() {
    let (mirror, _) = built(&rich_page());
    let video = by_id(&mirror, 48);
    assert!(video.has_attribute("autoplay"), "attributes stay the visitor's");
    assert_eq!(js_sys::Reflect::get(&video, &"muted".into()).unwrap().as_bool(), Some(true));
}

#[wasm_bindgen_test]
fn a_snapshot_without_doctype_builds_a_quirks_document() {
    let snapshot = snapshot(vec![element(
        2,
        "html",
        &[],
        vec![element(3, "head", &[], vec![]), element(4, "body", &[], vec![text(5, "old page")])],
    )]);
    let (mirror, document) = built(&snapshot);
    assert_eq!(document.compat_mode(), "BackCompat");
    assert!(document.doctype().is_none());
    assert_eq!(mirror.node(5).unwrap().node_value().as_deref(), Some("old page"));
}

#[wasm_bindgen_test]
fn a_legacy_doctype_keeps_the_visitors_quirks_mode() {
    let doctype = cobrowse_protocol::Node {
        id: 1,
        kind: cobrowse_protocol::NodeKind::Doctype {
            name: "html".into(),
            public_id: "-//W3C//DTD HTML 4.01 Transitional//EN".into(),
            system_id: String::new(),
        },
    };
    let snapshot = snapshot(vec![
        doctype,
        element(2, "html", &[], vec![element(3, "head", &[], vec![]), element(4, "body", &[], vec![])]),
    ]);
    let (_, document) = built(&snapshot);
    assert_eq!(document.compat_mode(), "BackCompat");
    assert_eq!(document.doctype().unwrap().public_id(), "-//W3C//DTD HTML 4.01 Transitional//EN");
}

#[wasm_bindgen_test]
fn a_new_snapshot_replaces_the_old_page_and_its_ids() {
    let (mut mirror, _) = built(&rich_page());
    let second = page(vec![], vec![element(100, "h1", &[], vec![text(101, "Checkout")])]);
    mirror.apply_snapshot(&second).unwrap();
    let document = mirror.document().unwrap();
    assert!(document.get_element_by_id("main").is_none());
    assert!(mirror.node(10).is_none(), "ids of the old page are gone");
    assert_eq!(by_id(&mirror, 100).text_content().as_deref(), Some("Checkout"));
    assert_eq!(mirror.node_count(), 6, "doctype, html, head, body, h1, text");
    assert_eq!(document.head().unwrap().query_selector_all("[data-cobrowse-viewer]").unwrap().length(), 2);
}

#[wasm_bindgen_test]
fn the_iframe_takes_the_visitors_viewport_size() {
    let (mirror, _) = built(&rich_page());
    let style = mirror.overlay().iframe().style();
    assert_eq!(style.get_property_value("width").unwrap(), "1024px");
    assert_eq!(style.get_property_value("height").unwrap(), "700px");
}

#[wasm_bindgen_test]
async fn a_script_click_on_a_mirrored_link_does_not_navigate_the_mirror() {
    let link = element(10, "a", &[("href", "https://example.invalid/x")], vec![text(11, "away")]);
    let snapshot = page(vec![], vec![link]);
    let (mut mirror, _) = built(&snapshot);
    mirror.apply_snapshot(&snapshot).expect("a second snapshot rebuilds the document");
    let document = mirror.document().unwrap();
    let window = mirror.overlay().iframe().content_window().unwrap();
    let location = window.location().href().unwrap();

    by_id(&mirror, 10).unchecked_into::<HtmlElement>().click();
    sleep(1000).await;
    let window = mirror.overlay().iframe().content_window().unwrap();
    assert_eq!(window.location().href().ok(), Some(location), "the mirror iframe navigated");
    assert_eq!(mirror.document(), Some(document), "the document is still the mirror's");
    assert!(mirror.node(10).unwrap().is_connected());
}

#[wasm_bindgen_test]
fn a_blocked_element_is_an_empty_hatched_box_of_its_size() {
    let blocked = |id, tag: &str, width, height| cobrowse_protocol::Node {
        id,
        kind: NodeKind::Blocked { tag: tag.into(), size: cobrowse_protocol::Size { width, height } },
    };
    let body = vec![
        element(60, "p", &[], vec![text(61, "before")]),
        blocked(62, "section", 300, 120),
        blocked(63, "iframe", 80, 40),
    ];
    let (mirror, document) = built(&page(vec![], body));
    let section = by_id(&mirror, 62);
    assert_eq!(section.local_name(), "div");
    assert_eq!(section.get_attribute("data-cobrowse-blocked").as_deref(), Some("section"));
    assert_eq!(section.child_nodes().length(), 0);
    let window = document.default_view().unwrap();
    let style = window.get_computed_style(&section).unwrap().unwrap();
    assert_eq!(style.get_property_value("width").unwrap(), "300px");
    assert_eq!(style.get_property_value("height").unwrap(), "120px");
    assert!(style.get_property_value("background-image").unwrap().contains("repeating-linear-gradient"));
    let frame_box = by_id(&mirror, 63);
    assert_eq!(frame_box.local_name(), "div", "never a real iframe");
    let style = window.get_computed_style(&frame_box).unwrap().unwrap();
    assert_eq!(style.get_property_value("display").unwrap(), "inline-block");
}
