//! The visitor's `:hover` and `:focus` styles, shown in the mirror for the element the visitor points at
//! or has focused.
//!
//! No script can make an element match `:hover`, and the agent's own pointer must not matter. So every
//! rule whose selector has `:hover`, `:focus`, `:focus-visible` or `:focus-within` gets a twin right after
//! it in the same sheet, with those pseudo-classes replaced by attributes the viewer sets:
//! `[data-cobrowse-hover]` on the hovered element and its ancestors, `[data-cobrowse-focus]` on the
//! focused element, `[data-cobrowse-focus-within]` on its ancestors (see `state/presence.rs`). The twins live in
//! the CSSOM only; the mirror's DOM (a `<style>`'s text) is unchanged.
//!
//! Sheets are processed once each ([`add_state_twins`] marks them); sheets the mirror cannot read
//! (cross-origin `<link>`s) keep only their own rules. Grouping rules (`@media`, `@supports`…) are
//! followed down [`MAX_DEPTH`] levels at most: a visitor's sheet may nest them as deep as it likes, and
//! each level is one more call on the viewer's stack.

use crate::dom::{FOCUS_ATTRIBUTE, FOCUS_WITHIN_ATTRIBUTE, HOVER_ATTRIBUTE};
use crate::styles::rules::{group_children, STYLE_RULE};
use cobrowse_protocol::MAX_DEPTH;
use js_sys::Reflect;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CssGroupingRule, CssRuleList, CssStyleRule, CssStyleSheet, Document};

/// Marks a sheet as processed (a property on the sheet object: a sheet parsed again is a new object).
const PROCESSED: &str = "__cobrowseStateTwins";

/// Adds the twins of the document's sheets not processed yet (after a snapshot, a delta, a `<link>` load).
pub fn process_document(document: &Document) {
    let sheets = document.style_sheets();
    for index in 0..sheets.length() {
        if let Some(sheet) = sheets.item(index) {
            let sheet: CssStyleSheet = sheet.unchecked_into();
            if Reflect::get(&sheet, &PROCESSED.into()).map(|done| done.is_truthy()).unwrap_or(true) {
                continue;
            }
            add_state_twins(&sheet);
        }
    }
}

/// Adds a twin after each rule of `sheet` (and of its grouping rules) that uses a state pseudo-class.
pub fn add_state_twins(sheet: &CssStyleSheet) {
    let _ = Reflect::set(sheet, &PROCESSED.into(), &JsValue::TRUE);
    if let Ok(rules) = sheet.css_rules() {
        twin_rules(&rules, &|text, index| sheet.insert_rule_with_index(text, index).is_ok(), 1);
    }
}

/// Twins the rules of `rules`, a list `depth` grouping levels down.
fn twin_rules(rules: &CssRuleList, insert: &dyn Fn(&str, u32) -> bool, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    let mut index = 0;
    while index < rules.length() {
        let Some(rule) = rules.item(index) else { break };
        index += 1;
        if rule.type_() == STYLE_RULE {
            let Some(twin) = twin_of(rule.unchecked_ref::<CssStyleRule>()) else { continue };
            if insert(&twin, index) {
                index += 1;
            }
        } else if let Some(children) = group_children(&rule) {
            let group = rule.unchecked_ref::<CssGroupingRule>();
            twin_rules(&children, &|text, at| group.insert_rule_with_index(text, at).is_ok(), depth + 1);
        }
    }
}

/// The twin of a style rule whose selector uses a state pseudo-class.
fn twin_of(rule: &CssStyleRule) -> Option<String> {
    let selector = rule.selector_text();
    let twin = state_selector(&selector)?;
    let css = rule.css_text();
    let body = &css[css.find('{')?..];
    Some(format!("{twin} {body}"))
}

/// `selector` with `:hover`, `:focus`, `:focus-visible` and `:focus-within` replaced by the viewer's
/// attributes; `None` if it has none of them.
pub fn state_selector(selector: &str) -> Option<String> {
    if !selector.contains(":hover") && !selector.contains(":focus") {
        return None;
    }
    let replaced = selector
        .replace(":focus-within", &format!("[{FOCUS_WITHIN_ATTRIBUTE}]"))
        .replace(":focus-visible", &format!("[{FOCUS_ATTRIBUTE}]"))
        .replace(":focus", &format!("[{FOCUS_ATTRIBUTE}]"))
        .replace(":hover", &format!("[{HOVER_ATTRIBUTE}]"));
    Some(replaced)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    #[wasm_bindgen_test]
    fn state_pseudo_classes_become_attributes() {
        assert_eq!(state_selector("div:hover::after").unwrap(), "div[data-cobrowse-hover]::after");
        assert_eq!(
            state_selector("a:focus-visible, form:focus-within > b, i:focus").unwrap(),
            "a[data-cobrowse-focus], form[data-cobrowse-focus-within] > b, i[data-cobrowse-focus]"
        );
        assert_eq!(state_selector("p.active"), None);
    }
}
