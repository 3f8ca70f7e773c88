//! Walking a sheet's rules: which rules are style rules and which are groups holding more rules.
//!
//! Both rule walkers of the viewer (the `:hover` twins in `pseudo.rs`, the uploaded fonts in `fonts.rs`)
//! go down into grouping rules the same way; this is that way, with nothing else of the viewer in it.

use js_sys::Reflect;
use wasm_bindgen::JsCast;
use web_sys::{CssRule, CssRuleList};

/// The kind of a style rule (`CSSRule.STYLE_RULE`).
pub const STYLE_RULE: u16 = 1;

/// The rules inside a grouping rule (`@media`, `@supports`, `@layer`, `@container`); `None` for other
/// rules, style rules included (since CSS nesting they have `cssRules` too, but are not groups).
pub fn group_children(rule: &CssRule) -> Option<CssRuleList> {
    if rule.type_() == STYLE_RULE {
        return None;
    }
    let list = Reflect::get(rule, &"cssRules".into()).ok()?;
    (!list.is_undefined() && !list.is_null()).then(|| list.unchecked_into())
}
