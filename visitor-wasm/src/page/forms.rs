//! Forms: the live state of form controls — a field's value, a box's checked state, an option's
//! selection — in the snapshot and after each `input` or `change`.
//!
//! Changes are sent at once, masked like everything else: a control in a masked subtree, or a secret field,
//! has its value sent as `Value::Masked`. A change can change other controls silently (the other radios of
//! a group, a select's options), so their state is sent with it.

use crate::dom;
use crate::recorder::Recorder;
use crate::tree::mask::{self, Masking};
use cobrowse_protocol::{Event, FormState};
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, EventTarget, HtmlInputElement, HtmlOptionElement, Node};

/// The form state events an `input` or `change` on `target` calls for: the control itself, and the
/// controls whose state changed silently with it (the other radios of a group, a select's options).
pub fn form_events(target: &EventTarget, document: &Document, recorder: &Recorder) -> Vec<Event> {
    let mut events = Vec::new();
    let Some(element) = dom::element_of_any_realm(target) else { return events };
    let Some(tag) = dom::html_tag_of_any_realm(&element) else { return events };
    let element = &element;
    events.extend(form_event(element, &tag, recorder));
    match tag.as_str() {
        "input" if element.get_attribute("type").is_some_and(|kind| kind.eq_ignore_ascii_case("radio")) => {
            if let Some(name) = element.get_attribute("name").filter(|name| !name.is_empty()) {
                let group = element.owner_document().unwrap_or_else(|| document.clone()).get_elements_by_name(&name);
                let others = dom::items::<Node>(&group).filter(|node| node != element.as_ref() as &Node);
                events.extend(others.filter_map(|node| form_event(node.unchecked_ref(), "input", recorder)));
            }
        }
        "select" => {
            let options = dom::elements_by_tag(element, "option");
            events.extend(options.filter_map(|option| form_event(&option, "option", recorder)));
        }
        _ => {}
    }
    events
}

/// The form state of one control the mirror knows, masked as needed.
fn form_event(element: &Element, tag: &str, recorder: &Recorder) -> Option<Event> {
    let (node, masking) = recorder.ids.get_with_masking(element).filter(|_| element.is_connected())?;
    if masking == Masking::Blocked {
        return None;
    }
    let state = form_state(element, tag, recorder.mask.is_masked(element))?;
    Some(Event::Form { node, state })
}

/// The live state of a form control; `None` for other elements. `tag` is the lower-case HTML tag name.
pub fn form_state(element: &Element, tag: &str, masked: bool) -> Option<FormState> {
    let state = match tag {
        "input" => {
            let input = element.unchecked_ref::<HtmlInputElement>();
            let checkable = matches!(dom::type_of(input).as_str(), "checkbox" | "radio");
            FormState {
                value: Some(mask::text_value(masked, || dom::value_of(input))),
                checked: checkable.then(|| input.checked()),
                selected: None,
            }
        }
        "textarea" => {
            FormState { value: Some(mask::text_value(masked, || dom::value_of(element))), ..FormState::default() }
        }
        "select" => {
            FormState { value: Some(mask::text_value(masked, || dom::value_of(element))), ..FormState::default() }
        }
        "option" => FormState {
            selected: Some(element.unchecked_ref::<HtmlOptionElement>().selected()),
            ..FormState::default()
        },
        _ => return None,
    };
    Some(state)
}
