//! Stylesheet rules the visitor sends because the mirror cannot get them from the page's markup: rules
//! inserted or deleted through the CSSOM (`Extras::sheet`, `Event::Sheet`) and constructed sheets adopted
//! by a document (`Snapshot::adopted`, `Event::Adopted`).
//!
//! A `<style>`'s rules are replaced in its own sheet, so its text in the mirror stays the visitor's text
//! (the DOM is unchanged) while the rules in effect are the visitor's rules. Adopted sheets are made with
//! the mirror's own `CSSStyleSheet` constructor: a document adopts only sheets of its own realm.
//!
//! After rules change, [`crate::styles::pseudo`] adds the `:hover` and `:focus` twins of the affected rules.

use crate::styles::pseudo;
use cobrowse_protocol::Rules;
use js_sys::{Array, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CssStyleSheet, Document, Element};

/// Makes `element`'s sheet hold exactly `rules` (a rule the mirror's browser rejects is skipped).
/// `None` restores the rules of its text. Returns how many rules were rejected.
pub fn replace_rules(element: &Element, rules: Option<&Rules>) -> u32 {
    let Some(rules) = rules else {
        reparse(element);
        if let Some(sheet) = sheet_of(element) {
            pseudo::add_state_twins(&sheet);
        }
        return 0;
    };
    let Some(sheet) = sheet_of(element) else { return rules.len() as u32 };
    while sheet.css_rules().map(|list| list.length()).unwrap_or(0) > 0 {
        if sheet.delete_rule(0).is_err() {
            break;
        }
    }
    let rejected = insert_all(&sheet, rules);
    pseudo::add_state_twins(&sheet);
    rejected
}

/// Gives `root` (the mirror document or a shadow root in it) these constructed sheets as its adopted
/// stylesheets, made in the realm of `document`. Returns how many of their rules were rejected.
pub fn adopt(root: &JsValue, document: &Document, sheets: &[Rules]) -> Result<u32, JsValue> {
    let window = document.default_view().ok_or_else(|| JsValue::from_str("the mirror has no window"))?;
    let constructor: js_sys::Function = Reflect::get(&window, &"CSSStyleSheet".into())?.dyn_into()?;
    let adopted = Array::new();
    let mut rejected = 0;
    for rules in sheets {
        let sheet: CssStyleSheet = Reflect::construct(&constructor, &Array::new())?.unchecked_into();
        rejected += insert_all(&sheet, rules);
        pseudo::add_state_twins(&sheet);
        adopted.push(&sheet);
    }
    Reflect::set(root, &"adoptedStyleSheets".into(), &adopted)?;
    Ok(rejected)
}

/// What [`adopt`] costs in refused rules: the rules rejected, or 1 if the sheets could not be adopted.
pub fn adopt_rejections(root: &JsValue, document: &Document, sheets: &[Rules]) -> u32 {
    adopt(root, document, sheets).unwrap_or(1)
}

/// Makes the browser parse a `<style>`'s text again, keeping its text nodes (they have ids): writing a
/// text node's data, even unchanged, updates the style block.
fn reparse(element: &Element) {
    if let Some(text) = element.first_child() {
        text.set_node_value(text.node_value().as_deref());
    }
}

/// The sheet of a `<style>` or `<link>` in the mirror, if it has one and it can be read.
pub fn sheet_of(element: &Element) -> Option<CssStyleSheet> {
    let sheet = Reflect::get(element, &"sheet".into()).ok()?;
    (!sheet.is_null() && !sheet.is_undefined()).then(|| sheet.unchecked_into())
}

/// Appends each rule; returns how many were rejected.
fn insert_all(sheet: &CssStyleSheet, rules: &Rules) -> u32 {
    let mut rejected = 0;
    for rule in rules {
        let index = sheet.css_rules().map(|list| list.length()).unwrap_or(0);
        if sheet.insert_rule_with_index(rule, index).is_err() {
            rejected += 1;
        }
    }
    rejected
}
