//! Inputs: form events for groups of controls, and the coalescing of motion.

mod common;

use cobrowse_protocol::{Event, FormState, Point, Size, Value};
use cobrowse_visitor::page::forms::form_events;
use cobrowse_visitor::page::motion::Motion;
use cobrowse_visitor::recorder::Recorder;
use common::*;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlInputElement, HtmlSelectElement};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn a_radio_change_updates_its_whole_group() {
    let page = Fixture::new(
        r#"<input type="radio" name="size" id="s" checked><input type="radio" name="size" id="m"><input type="radio" name="other" id="o" checked>"#,
    );
    let mut recorder = Recorder::default();
    take_snapshot(&mut recorder);
    let medium: HtmlInputElement = page.get("#m");
    medium.set_checked(true);
    let events = form_events(&medium, &document(), &recorder);
    let id = |selector: &str| recorder.ids.get(&page.get::<Element>(selector)).unwrap();
    let radio = |checked| FormState { value: Some(Value::Plain("on".into())), checked: Some(checked), selected: None };
    assert_eq!(
        events,
        [Event::Form { node: id("#m"), state: radio(true) }, Event::Form { node: id("#s"), state: radio(false) }]
    );
}

#[wasm_bindgen_test]
fn a_select_change_updates_its_options() {
    let page = Fixture::new(r#"<select id="sel" multiple><option>a</option><option>b</option></select>"#);
    let mut recorder = Recorder::default();
    take_snapshot(&mut recorder);
    let select: HtmlSelectElement = page.get("#sel");
    select.set_value("b");
    let events = form_events(&select, &document(), &recorder);
    let selected: Vec<Option<bool>> = events[1..]
        .iter()
        .map(|event| match event {
            Event::Form { state, .. } => state.selected,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(selected, [Some(false), Some(true)]);
    // A control the mirror does not know (no id) sends nothing.
    assert!(form_events(&document().create_element("input").unwrap(), &document(), &recorder).is_empty());
}

#[wasm_bindgen_test]
fn motion_keeps_only_the_latest_values() {
    let mut motion = Motion::default();
    assert!(motion.is_empty());
    motion.pointer(Point { x: 1, y: 1 });
    motion.pointer(Point { x: 2, y: 3 });
    motion.viewport(Size { width: 10, height: 20 });
    motion.scroll(&document(), &window(), &Recorder::default());
    let events = motion.take(&document(), &Recorder::default());
    assert_eq!(events.len(), 3);
    assert_eq!(events[0], Event::Viewport(Size { width: 10, height: 20 }));
    assert!(matches!(events[1], Event::Scroll { node: None, .. }));
    assert_eq!(events[2], Event::Pointer(Point { x: 2, y: 3 }));
    assert!(motion.is_empty() && motion.take(&document(), &Recorder::default()).is_empty());
}
