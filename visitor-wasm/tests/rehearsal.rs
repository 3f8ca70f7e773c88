//! The rehearsal (`tree/rehearsal.rs`): it runs a mutation batch's whole path (each kind of change becomes
//! its event), with the pristine observer the shim hands over, and leaves the page alone.

use cobrowse_protocol::{Child, Event, Value};
use cobrowse_visitor::tree::rehearsal::rehearse;
use js_sys::{Function, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{MutationObserver, MutationObserverInit};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn each_kind_of_change_becomes_its_event() {
    let delta = rehearse(&JsValue::UNDEFINED).expect("a delta from the rehearsal's changes");
    let texts: Vec<&Event> = delta.events.iter().filter(|event| matches!(event, Event::Text { .. })).collect();
    assert!(
        matches!(texts.as_slice(), [Event::Text { text: Value::Plain(text), .. }] if text == "changed"),
        "{:?}",
        delta.events
    );
    let attributes: Vec<(&str, Option<&Value>)> = delta
        .events
        .iter()
        .filter_map(|event| match event {
            Event::Attribute { name, value, .. } => Some((name.as_str(), value.as_ref())),
            _ => None,
        })
        .collect();
    let changed_again = Value::Plain("changed again".into());
    let changed = Value::Plain("changed".into());
    assert_eq!(
        attributes,
        [("title", Some(&changed_again)), ("class", Some(&changed))],
        "the title once, as it is now"
    );
    let added = delta.events.iter().any(|event| match event {
        Event::Children { children, .. } => children.iter().any(|child| matches!(child, Child::New(_))),
        _ => false,
    });
    assert!(added, "the element added comes as a new child: {:?}", delta.events);
}

#[wasm_bindgen_test]
fn the_page_is_left_alone() {
    let document = web_sys::window().unwrap().document().unwrap();
    let page = document.create_element("div").unwrap();
    page.set_inner_html("<p title=page>the page's own</p>");
    document.body().unwrap().append_child(&page).unwrap();
    let callback = Closure::<dyn FnMut()>::new(|| {});
    let observer = MutationObserver::new(callback.as_ref().unchecked_ref()).unwrap();
    let options = MutationObserverInit::new();
    options.set_child_list(true);
    options.set_attributes(true);
    options.set_character_data(true);
    options.set_subtree(true);
    observer.observe_with_options(&document, &options).unwrap();
    assert!(rehearse(&JsValue::UNDEFINED).is_some());
    assert_eq!(observer.take_records().length(), 0, "no change reached the page's document");
    observer.disconnect();
    assert_eq!(page.inner_html(), "<p title=\"page\">the page's own</p>");
    page.remove();
}

#[wasm_bindgen_test]
fn the_shims_pristine_observer_is_used() {
    // A constructor that counts the observers made with it, standing in for the pristine realm's.
    let counting = Function::new_with_args(
        "callback",
        "counting.made = (counting.made || 0) + 1; return new MutationObserver(callback);",
    );
    Reflect::set(&js_sys::global(), &"counting".into(), &counting).unwrap();
    let hooks = Object::new();
    Reflect::set(&hooks, &"MutationObserver".into(), &counting).unwrap();
    assert!(rehearse(&hooks).is_some());
    let made = Reflect::get(&counting, &"made".into()).unwrap();
    assert_eq!(made.as_f64(), Some(1.0), "one observer, from the hooks' constructor");
}
