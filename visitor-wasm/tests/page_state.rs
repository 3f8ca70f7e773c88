//! The page state beyond the DOM tree: stylesheet rules edited through the CSSOM, adopted sheets, modal
//! dialogs, media playback, canvas pixels, focus, hover, clicks and selection — with the real shim's hooks.

mod common;

use cobrowse_protocol::{Event, Point, Rules, Selection, Snapshot};
use cobrowse_visitor::page::canvas::Canvases;
use cobrowse_visitor::page::motion::Motion;
use cobrowse_visitor::page::styles::Styles;
use cobrowse_visitor::recorder::Recorder;
use common::*;
use js_sys::{Array, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement};

wasm_bindgen_test_configure!(run_in_browser);

/// A recorder with the real shim's hooks.
fn recorder_with_shim_hooks() -> Recorder {
    Recorder::new(&shim_hooks())
}

fn call(target: &JsValue, method: &str, args: &[JsValue]) -> JsValue {
    let function: js_sys::Function = Reflect::get(target, &method.into()).unwrap().unchecked_into();
    function.apply(target, &args.iter().collect::<Array>()).unwrap()
}

fn sheet_of(element: &Element) -> JsValue {
    Reflect::get(element, &"sheet".into()).unwrap()
}

/// The rules a snapshot carries for a `<style>` (those its text does not give), if any.
fn rules_sent(snapshot: &Snapshot, recorder: &Recorder, style: &Element) -> Option<Rules> {
    element(find_dom(&snapshot.children, &recorder.ids, style)).extras.as_ref().and_then(|extras| extras.sheet.clone())
}

#[wasm_bindgen_test]
fn a_style_edited_through_the_cssom_carries_its_rules_and_an_untouched_one_does_not() {
    let page = Fixture::new("<style id=edited>p { color: red; }</style><style id=untouched>b { color: blue; }</style>");
    let edited: Element = page.get("#edited");
    call(&sheet_of(&edited), "insertRule", &["i { margin: 1px; }".into(), 1.into()]);
    call(&sheet_of(&edited), "insertRule", &["@media (min-width: 1px) { u { color: green; } }".into(), 2.into()]);
    let mut recorder = recorder_with_shim_hooks();
    let snapshot = take_snapshot(&mut recorder);
    assert_eq!(
        rules_sent(&snapshot, &recorder, &edited).unwrap(),
        ["p { color: red; }", "i { margin: 1px; }", "@media (min-width: 1px) {\n  u { color: green; }\n}"]
    );
    let untouched = element(find_dom(&snapshot.children, &recorder.ids, &page.get::<Element>("#untouched")));
    assert!(untouched.extras.is_none(), "a style whose text gives its rules sends none: {untouched:?}");
}

#[wasm_bindgen_test]
fn a_style_edited_after_an_earlier_snapshot_is_told_from_the_texts_parsed_before_it() {
    // The shim parses every style's text into one constructed sheet it keeps: each check must see its own
    // style's text, not the one parsed before it, in this snapshot or an earlier one.
    let page = Fixture::new("<style id=first>p { color: red; }</style><style id=second>b { color: blue; }</style>");
    let (first, second): (Element, Element) = (page.get("#first"), page.get("#second"));
    let mut recorder = recorder_with_shim_hooks();
    let before = take_snapshot(&mut recorder);
    assert_eq!(rules_sent(&before, &recorder, &first), None, "untouched styles send no rules");
    assert_eq!(rules_sent(&before, &recorder, &second), None, "untouched styles send no rules");
    call(&sheet_of(&second), "insertRule", &["i { margin: 1px; }".into(), 1.into()]);
    let mut recorder = recorder_with_shim_hooks();
    let after = take_snapshot(&mut recorder);
    assert_eq!(rules_sent(&after, &recorder, &first), None, "the untouched style still sends none");
    assert_eq!(rules_sent(&after, &recorder, &second).unwrap(), ["b { color: blue; }", "i { margin: 1px; }"]);
}

#[wasm_bindgen_test]
fn a_style_with_an_import_carries_its_rules_with_the_import_and_an_empty_style_carries_none() {
    // The mirror must get the @import: its own parse of the text keeps it, but the shim answers a sheet with
    // an @import as is, without parsing it again into a constructed sheet (which drops @import).
    let page = Fixture::new(
        "<style id=importing>@import url(\"data:text/css,b{}\"); p { color: red; }</style><style id=empty></style>",
    );
    let mut recorder = recorder_with_shim_hooks();
    let snapshot = take_snapshot(&mut recorder);
    let importing = rules_sent(&snapshot, &recorder, &page.get("#importing"));
    assert_eq!(importing.unwrap(), ["@import url(\"data:text/css,b{}\");", "p { color: red; }"]);
    let empty = element(find_dom(&snapshot.children, &recorder.ids, &page.get::<Element>("#empty")));
    assert!(empty.extras.is_none(), "a style without rules sends none: {empty:?}");
}

#[wasm_bindgen_test]
fn cssom_changes_become_one_sheet_event_per_sheet_and_adopted_sheets_are_followed() {
    let page = Fixture::new("<style id=s>p { color: red; }</style>");
    let style: Element = page.get("#s");
    let mut recorder = recorder_with_shim_hooks();
    let snapshot = take_snapshot(&mut recorder);
    let mut styles = Styles::default();
    styles.snapshot_sent(&snapshot.adopted);
    let sheet = sheet_of(&style);
    call(&sheet, "insertRule", &["b { color: blue; }".into(), 1.into()]);
    styles.sheet_changed(sheet.clone());
    call(&sheet, "deleteRule", &[0.into()]);
    styles.sheet_changed(sheet);
    let node = recorder.ids.get(&style).unwrap();
    assert_eq!(
        styles.take_events(&document(), &mut recorder),
        [Event::Sheet { node, rules: Some(vec!["b { color: blue; }".into()]) }]
    );

    // A constructed sheet pushed into the document's adopted sheets (no setter runs) is noticed by polling.
    let constructor: js_sys::Function = Reflect::get(&window(), &"CSSStyleSheet".into()).unwrap().unchecked_into();
    let constructed = Reflect::construct(&constructor, &Array::new()).unwrap();
    call(&constructed, "replaceSync", &["em { color: teal; }".into()]);
    let adopted = Reflect::get(&document(), &"adoptedStyleSheets".into()).unwrap();
    call(&adopted, "push", &[constructed]);
    let polled = styles.poll(&document(), &recorder);
    Reflect::set(&document(), &"adoptedStyleSheets".into(), &Array::new()).unwrap();
    assert_eq!(polled, Some(Event::Adopted { root: None, sheets: vec![vec!["em { color: teal; }".into()]] }));
}

#[wasm_bindgen_test]
fn modal_dialogs_and_media_state_are_in_the_snapshot() {
    let page = Fixture::new("<dialog id=d>hi</dialog><audio id=a></audio>");
    let dialog: Element = page.get("#d");
    call(&dialog, "showModal", &[]);
    let mut recorder = recorder_with_shim_hooks();
    let snapshot = take_snapshot(&mut recorder);
    call(&dialog, "close", &[]);
    let dialog = element(find_dom(&snapshot.children, &recorder.ids, &dialog));
    assert!(dialog.extras.as_ref().is_some_and(|extras| extras.modal), "{dialog:?}");
    let audio = element(find_dom(&snapshot.children, &recorder.ids, &page.get::<Element>("#a")));
    let media = audio.extras.as_ref().and_then(|extras| extras.media).expect("media state");
    assert!(media.paused && media.volume == 100 && media.rate_percent == 100, "{media:?}");
}

#[wasm_bindgen_test]
fn a_canvas_is_sent_when_its_pixels_change_and_only_then() {
    let page = Fixture::new("<canvas id=c width=20 height=10></canvas>");
    let canvas: Element = page.get("#c");
    let mut recorder = recorder_with_shim_hooks();
    take_snapshot(&mut recorder);
    let mut canvases = Canvases::default();
    let first = canvases.changed(&document(), &recorder);
    let [Event::Canvas { image, .. }] = &first[..] else { panic!("the first look sends the canvas: {first:?}") };
    assert_eq!(&image.bytes[..4], b"\x89PNG");
    assert!(canvases.changed(&document(), &recorder).is_empty(), "unchanged pixels are not sent again");
    let context = call(&canvas, "getContext", &["2d".into()]);
    Reflect::set(&context, &"fillStyle".into(), &"red".into()).unwrap();
    call(&context, "fillRect", &[0.into(), 0.into(), 5.into(), 5.into()]);
    let again = canvases.changed(&document(), &recorder);
    assert!(matches!(&again[..], [Event::Canvas { image, .. }] if image != &first_image(&first)), "{again:?}");
}

fn first_image(events: &[Event]) -> cobrowse_protocol::Image {
    match &events[0] {
        Event::Canvas { image, .. } => image.clone(),
        other => panic!("{other:?}"),
    }
}

#[wasm_bindgen_test]
fn focus_hover_clicks_and_selection_are_read_at_the_frame_and_masked_text_hides_its_offsets() {
    let page = Fixture::new("<p id=plain>plain words</p><p id=secret data-cobrowse-mask>card 4111</p><input id=field>");
    let mut recorder = recorder_with_shim_hooks();
    take_snapshot(&mut recorder);
    let field: HtmlElement = page.get("#field");
    field.focus().unwrap();
    let plain_text = page.get::<Element>("#plain").first_child().unwrap();
    let secret_text = page.get::<Element>("#secret").first_child().unwrap();
    let selection = document().get_selection().unwrap().unwrap();
    selection.set_base_and_extent(&plain_text, 2, &secret_text, 7).unwrap();

    let mut motion = Motion::default();
    motion.click(Point { x: 4, y: 5 });
    motion.hover(page.get::<Element>("#plain").into());
    motion.focus_changed();
    motion.selection_changed();
    let events = motion.take(&document(), &recorder);
    selection.remove_all_ranges().unwrap();
    field.blur().unwrap();
    let id = |node: &web_sys::Node| recorder.ids.get(node).unwrap();
    assert_eq!(
        events,
        [
            Event::Click(Point { x: 4, y: 5 }),
            Event::Hover(Some(id(&page.get::<Element>("#plain")))),
            Event::Focus(Some(id(&field))),
            Event::Selection(Some(Selection {
                anchor: id(&plain_text),
                anchor_offset: 2,
                focus: id(&secret_text),
                focus_offset: 0
            })),
        ]
    );
}
