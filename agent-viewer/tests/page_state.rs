//! The page state beyond the tree, in the mirror: stylesheet rules from the CSSOM and adopted sheets,
//! `:hover`/`:focus` twins, presence marks, selection, media, modal dialogs and canvas pixels.

mod common;

use cobrowse_agent_viewer::mirror::Mirror;
use cobrowse_protocol::{Delta, Event, Extras, MediaState, NodeKind, Selection};
use common::*;
use js_sys::Reflect;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Document, Element, Window};

wasm_bindgen_test_configure!(run_in_browser);

fn with_extras(mut node: cobrowse_protocol::Node, extras: Extras) -> cobrowse_protocol::Node {
    if let NodeKind::Element(element) = &mut node.kind {
        element.extras = Some(Box::new(extras));
    }
    node
}

fn mirror_with(head: Vec<cobrowse_protocol::Node>, body: Vec<cobrowse_protocol::Node>) -> (Mirror, Document) {
    let mut mirror = Mirror::new(mirror_iframe());
    mirror.apply_snapshot(&page(head, body)).unwrap();
    let document = mirror.document().unwrap();
    (mirror, document)
}

fn by_id(document: &Document, id: &str) -> Element {
    document.get_element_by_id(id).unwrap_or_else(|| panic!("no #{id} in the mirror"))
}

fn computed(document: &Document, element: &Element, property: &str) -> String {
    let window: Window = document.default_view().unwrap();
    window.get_computed_style(element).unwrap().unwrap().get_property_value(property).unwrap()
}

fn rules_of(element: &Element) -> Vec<String> {
    let sheet = Reflect::get(element, &"sheet".into()).unwrap();
    let rules: web_sys::CssRuleList = Reflect::get(&sheet, &"cssRules".into()).unwrap().unchecked_into();
    (0..rules.length()).map(|i| rules.item(i).unwrap().css_text()).collect()
}

#[wasm_bindgen_test]
fn a_style_shows_the_visitor_s_cssom_rules_while_its_text_stays_the_visitor_s() {
    let style = with_extras(
        element(10, "style", &[("id", "s")], vec![text(11, "p { color: red; }")]),
        Extras { sheet: Some(vec!["p { color: rgb(0, 128, 0); }".into()]), ..Extras::default() },
    );
    let (mut mirror, document) = mirror_with(vec![style], vec![element(20, "p", &[("id", "p")], vec![text(21, "hi")])]);
    let style = by_id(&document, "s");
    assert_eq!(style.text_content().unwrap(), "p { color: red; }");
    assert_eq!(computed(&document, &by_id(&document, "p"), "color"), "rgb(0, 128, 0)");

    mirror.apply_delta(&Delta {
        events: vec![Event::Sheet { node: 10, rules: Some(vec!["p { color: rgb(0, 0, 255); }".into()]) }],
    });
    assert_eq!(computed(&document, &by_id(&document, "p"), "color"), "rgb(0, 0, 255)");
    mirror.apply_delta(&Delta { events: vec![Event::Sheet { node: 10, rules: None }] });
    assert_eq!(computed(&document, &by_id(&document, "p"), "color"), "rgb(255, 0, 0)");
    assert_eq!(mirror.rejected_rules(), 0);
    assert_eq!(mirror.out_of_step_events(), 0);
}

#[wasm_bindgen_test]
fn adopted_sheets_apply_to_the_mirror_document() {
    let mut snapshot = page(vec![], vec![element(20, "p", &[("id", "p")], vec![text(21, "hi")])]);
    snapshot.adopted = vec![vec!["p { margin-left: 17px; }".into()]];
    let mut mirror = Mirror::new(mirror_iframe());
    mirror.apply_snapshot(&snapshot).unwrap();
    let document = mirror.document().unwrap();
    assert_eq!(computed(&document, &by_id(&document, "p"), "margin-left"), "17px");
    mirror.apply_delta(&Delta { events: vec![Event::Adopted { root: None, sheets: vec![] }] });
    assert_eq!(computed(&document, &by_id(&document, "p"), "margin-left"), "0px");
}

#[wasm_bindgen_test]
fn hover_and_focus_styles_follow_the_visitor_not_the_agent() {
    let style = element(
        10,
        "style",
        &[],
        vec![text(
            11,
            "div:hover { color: rgb(255, 165, 0); } @media all { input:focus { outline-color: rgb(1, 2, 3); } } \
             form:focus-within { background-color: rgb(4, 5, 6); }",
        )],
    );
    let body = vec![
        element(20, "div", &[("id", "d")], vec![element(22, "span", &[("id", "inner")], vec![text(23, "x")])]),
        element(30, "form", &[("id", "f")], vec![element(31, "input", &[("id", "i")], vec![])]),
    ];
    let (mut mirror, document) = mirror_with(vec![style], body);
    let div = by_id(&document, "d");
    assert_ne!(computed(&document, &div, "color"), "rgb(255, 165, 0)");

    mirror.apply_delta(&Delta { events: vec![Event::Hover(Some(22)), Event::Focus(Some(31))] });
    assert_eq!(computed(&document, &div, "color"), "rgb(255, 165, 0)", "an ancestor of the hovered element is hovered");
    assert_eq!(computed(&document, &by_id(&document, "i"), "outline-color"), "rgb(1, 2, 3)");
    assert_eq!(computed(&document, &by_id(&document, "f"), "background-color"), "rgb(4, 5, 6)");

    mirror.apply_delta(&Delta { events: vec![Event::Hover(None), Event::Focus(None)] });
    assert_ne!(computed(&document, &div, "color"), "rgb(255, 165, 0)");
    assert!(!by_id(&document, "i").has_attribute("data-cobrowse-focus"));
    assert!(!by_id(&document, "f").has_attribute("data-cobrowse-focus-within"));
}

#[wasm_bindgen_test]
fn the_visitor_s_selection_is_selected_in_the_mirror() {
    let (mut mirror, document) = mirror_with(vec![], vec![element(20, "p", &[], vec![text(21, "select me please")])]);
    let selection = Selection { anchor: 21, anchor_offset: 7, focus: 21, focus_offset: 99 };
    mirror.apply_delta(&Delta { events: vec![Event::Selection(Some(selection))] });
    let selected = document.get_selection().unwrap().unwrap().to_string();
    assert_eq!(String::from(selected), "me please", "offsets past the end are clamped");
    mirror.apply_delta(&Delta { events: vec![Event::Selection(None)] });
    assert_eq!(String::from(document.get_selection().unwrap().unwrap().to_string()), "");
}

#[wasm_bindgen_test]
fn media_state_and_modal_dialogs_are_followed() {
    let audio = with_extras(
        element(20, "audio", &[("id", "a")], vec![]),
        Extras {
            media: Some(MediaState { time_ms: 0, paused: true, muted: false, volume: 100, rate_percent: 150 }),
            ..Extras::default()
        },
    );
    let dialog = with_extras(
        element(30, "dialog", &[("id", "d"), ("open", "")], vec![text(31, "hi")]),
        Extras { modal: true, ..Extras::default() },
    );
    let (mut mirror, document) = mirror_with(vec![], vec![audio, dialog]);
    let audio = by_id(&document, "a");
    assert_eq!(Reflect::get(&audio, &"playbackRate".into()).unwrap().as_f64(), Some(1.5));
    assert_eq!(Reflect::get(&audio, &"muted".into()).unwrap().as_bool(), Some(true), "the mirror never plays sound");
    let dialog = by_id(&document, "d");
    assert!(dialog.matches(":modal").unwrap());
    mirror.apply_delta(&Delta { events: vec![Event::Modal { node: 30, modal: false }] });
    assert!(!dialog.matches(":modal").unwrap());
    assert!(dialog.has_attribute("open"), "a dialog no longer modal keeps the open state its attribute gives");
}

#[wasm_bindgen_test]
async fn canvas_pixels_are_drawn_onto_the_mirror_canvas() {
    let (mut mirror, document) =
        mirror_with(vec![], vec![element(20, "canvas", &[("id", "c"), ("width", "4"), ("height", "2")], vec![])]);
    // A 4×2 PNG, all opaque red, made by the test page's own canvas.
    let source: web_sys::HtmlCanvasElement = test_document().create_element("canvas").unwrap().unchecked_into();
    source.set_width(4);
    source.set_height(2);
    let context: web_sys::CanvasRenderingContext2d = source.get_context("2d").unwrap().unwrap().unchecked_into();
    context.set_fill_style_str("rgb(255, 0, 0)");
    context.fill_rect(0.0, 0.0, 4.0, 2.0);
    let url = source.to_data_url().unwrap();
    let bytes = base64_bytes(url.strip_prefix("data:image/png;base64,").unwrap());
    let image = cobrowse_protocol::Image { mime: "image/png".into(), bytes };
    mirror.apply_delta(&Delta { events: vec![Event::Canvas { node: 20, image }] });
    sleep(200).await;
    // A canvas shows nothing in a document without scripts: the mirror shows the pixels as an image in it.
    let picture: web_sys::HtmlImageElement = document
        .query_selector("#c > img[data-cobrowse-viewer]")
        .unwrap()
        .expect("the canvas's image")
        .unchecked_into();
    assert!(picture.src().starts_with("blob:"), "{}", picture.src());
    assert_eq!((picture.natural_width(), picture.width(), picture.height()), (4, 4, 2));
    let context2: web_sys::CanvasRenderingContext2d = source.get_context("2d").unwrap().unwrap().unchecked_into();
    context2.clear_rect(0.0, 0.0, 4.0, 2.0);
    context2.draw_image_with_html_image_element(&picture, 0.0, 0.0).unwrap();
    let pixel = context2.get_image_data(1.0, 1.0, 1.0, 1.0).unwrap().data();
    assert_eq!(pixel.0, [255, 0, 0, 255]);
    // A Children event on the canvas (its fallback content) leaves the viewer's image in place.
    mirror.apply_delta(&Delta {
        events: vec![Event::Children {
            parent: 20,
            children: vec![cobrowse_protocol::Child::New(text(21, "fallback"))],
        }],
    });
    assert_eq!(by_id(&document, "c").child_nodes().length(), 2);
    assert_eq!(mirror.out_of_step_events(), 0);
}

fn base64_bytes(text: &str) -> Vec<u8> {
    let binary = web_sys::window().unwrap().atob(text).unwrap();
    binary.chars().map(|c| c as u8).collect()
}

#[wasm_bindgen_test]
fn the_mirror_s_rules_stay_the_visitor_s_rules_plus_state_twins() {
    let style = element(10, "style", &[("id", "s")], vec![text(11, "a:hover { color: red; } b { color: blue; }")]);
    let (_mirror, document) = mirror_with(vec![style], vec![]);
    let rules = rules_of(&by_id(&document, "s"));
    assert_eq!(rules, ["a:hover { color: red; }", "a[data-cobrowse-hover] { color: red; }", "b { color: blue; }"]);
}
