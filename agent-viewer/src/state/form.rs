//! A form control's live state, set as properties on the mirror element.
//!
//! What the visitor typed or clicked is not in the attributes (`value`, `checked` and `selected` the
//! attributes are only the defaults), so it travels as a [`FormState`] and is set as the properties the
//! browser renders. A snapshot sets them after the whole tree is built: a `<select>`'s value can only be
//! set once its options exist.

use crate::state::mask;
use cobrowse_protocol::{FormState, Value, MASK_TEXT};
use wasm_bindgen::JsValue;
use web_sys::Element;

/// Sets the properties `state` carries on `element`. A masked value shows [`MASK_TEXT`] and marks it.
pub fn apply(element: &Element, state: &FormState) {
    // A checkbox's or radio button's `value` is its attribute (setting the property would add one), not
    // state the visitor changes by clicking.
    let checkable = state.checked.is_some();
    if let Some(value) = state.value.as_ref().filter(|_| !checkable) {
        set_property(element, "value", &JsValue::from_str(value.shown(MASK_TEXT)));
        if *value == Value::Masked {
            mask::mark(element);
        }
    }
    if let Some(checked) = state.checked {
        set_property(element, "checked", &JsValue::from_bool(checked));
    }
    if let Some(selected) = state.selected {
        set_property(element, "selected", &JsValue::from_bool(selected));
    }
}

/// Sets a property; a control that refuses it (a file input's value) keeps what it has.
fn set_property(element: &Element, name: &str, value: &JsValue) {
    let _ = js_sys::Reflect::set(element, &JsValue::from_str(name), value);
}
