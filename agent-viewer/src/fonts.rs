//! Fonts the visitor uploaded (see `assets.rs`), used by the mirror's `@font-face` rules.
//!
//! A stylesheet's font URLs are not element attributes: the mirror's browser resolves them inside the
//! sheet. A font on another origin that grants CORS to the visitor's site only (or behind its cookies)
//! would fail to load for the agent. So each readable sheet of the mirror document (its `<style>`s and the
//! stylesheets uploaded to the relay, which share the viewer's origin) has the `src` of its `@font-face`
//! rules pointed at the relay's copies, when a sheet loads and when an upload is announced.

use crate::assets;
use js_sys::Reflect;
use wasm_bindgen::JsCast;
use web_sys::{CssRule, CssStyleDeclaration, CssStyleSheet, Document};

const FONT_FACE_RULE: u16 = 5;

/// Points the `@font-face` rules of every readable sheet of `document` at uploaded fonts.
pub fn remap_document(document: &Document) {
    let sheets = document.style_sheets();
    for index in 0..sheets.length() {
        let Some(sheet) = sheets.item(index) else { continue };
        let sheet: CssStyleSheet = sheet.unchecked_into();
        let Ok(rules) = sheet.css_rules() else { continue }; // cross-origin: not ours to read
        let base = sheet.href().ok().flatten().or_else(|| document.base_uri().ok().flatten()).unwrap_or_default();
        for rule in (0..rules.length()).filter_map(|index| rules.item(index)) {
            if rule.type_() == FONT_FACE_RULE {
                remap_font_face(&rule, &base);
            }
        }
    }
}

fn remap_font_face(rule: &CssRule, base: &str) {
    let Ok(style) = Reflect::get(rule, &"style".into()) else { return };
    let style: CssStyleDeclaration = style.unchecked_into();
    let Ok(source) = style.get_property_value("src") else { return };
    if let Some(remapped) = remap_urls(&source, |url| assets::relay_url_resolved(url, base)) {
        let _ = style.set_property("src", &remapped);
    }
}

/// `css` with each `url(...)` that `map` knows replaced; `None` if none was.
pub fn remap_urls(css: &str, map: impl Fn(&str) -> Option<String>) -> Option<String> {
    let mut out = String::with_capacity(css.len());
    let mut rest = css;
    let mut changed = false;
    while let Some(start) = rest.find("url(") {
        let Some(length) = rest[start..].find(')') else { break };
        let inner = &rest[start + 4..start + length];
        let url = inner.trim().trim_matches(|c| c == '"' || c == '\'');
        out.push_str(&rest[..start]);
        match map(url) {
            Some(relay) => {
                changed = true;
                out.push_str(&format!("url(\"{relay}\")"));
            }
            None => out.push_str(&rest[start..=start + length]),
        }
        rest = &rest[start + length + 1..];
    }
    out.push_str(rest);
    changed.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::*;

    #[wasm_bindgen_test]
    fn known_urls_are_replaced_and_others_kept() {
        let map = |url: &str| (url == "https://cdn.example/f.woff2").then(|| "https://relay/assets/t/h".to_string());
        assert_eq!(
            remap_urls(r#"url("https://cdn.example/f.woff2") format("woff2"), url(other.woff)"#, map).unwrap(),
            r#"url("https://relay/assets/t/h") format("woff2"), url(other.woff)"#
        );
        assert_eq!(remap_urls("local(Arial)", map), None);
    }
}
