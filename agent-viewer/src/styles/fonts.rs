//! Files the visitor uploaded (see `assets.rs`) that the mirror's stylesheets load: fonts and background
//! images.
//!
//! A stylesheet's URLs are not element attributes: the mirror's browser resolves them inside the sheet. A
//! font on another origin that grants CORS to the visitor's site only, or an image behind the site's
//! cookies, would fail to load for the agent. So each rule of a readable sheet of the mirror document (its
//! `<style>`s, and the stylesheets uploaded to the relay, which share the viewer's origin) that names an
//! uploaded file is replaced by the same rule naming the relay's copy: when a sheet loads, and when an
//! upload is announced. Replacing the rule (rather than editing a declaration) makes the browser load the
//! new URL, fonts included. Grouping rules are followed down `MAX_DEPTH` levels at most (each level is
//! one more call on the viewer's stack).
//!
//! A stylesheet the relay fetched from the site (the visitor offered it, see `relay/src/asset_fetch.rs`)
//! is the site's file as it is: its relative URLs would resolve against the relay's copy, where nothing
//! is. In such a copy each relative URL is resolved against the visitor's URL of the sheet instead (and
//! mapped to the relay's copy of that file when there is one).

use crate::assets::Assets;
use crate::styles::rules::group_children;
use cobrowse_protocol::MAX_DEPTH;
use web_sys::{CssRuleList, CssStyleSheet, Document};

/// Points the rules of every readable sheet of `document` at uploaded copies of the files they load.
pub fn remap_document(document: &Document, assets: &Assets) {
    let sheets = document.style_sheets();
    for index in 0..sheets.length() {
        let Some(sheet) = sheets.item(index) else { continue };
        let sheet: CssStyleSheet = wasm_bindgen::JsCast::unchecked_into(sheet);
        let Ok(rules) = sheet.css_rules() else { continue }; // cross-origin: not ours to read
        let href = sheet.href().ok().flatten();
        let copied_from = href.as_deref().and_then(|href| assets.visitor_url_of(href));
        let base = copied_from.clone().or(href).or_else(|| document.base_uri().ok().flatten()).unwrap_or_default();
        let map = |url: &str| {
            let relay = assets.relay_url_resolved(url, &base);
            relay.or_else(|| copied_from.as_ref().and_then(|_| absolute_if_relative(url, &base)))
        };
        remap_rules(&rules, &map, 1, &|text, at| {
            sheet.delete_rule(at).is_ok() && sheet.insert_rule_with_index(text, at).is_ok()
        });
    }
}

/// `url` resolved against `base`, if it is relative (not already absolute, not `data:`, not `#id`).
fn absolute_if_relative(url: &str, base: &str) -> Option<String> {
    let url = url.trim();
    let scheme = url.split_once(':').map(|(scheme, _)| scheme);
    let has_scheme = scheme.is_some_and(|scheme| {
        scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    });
    if url.is_empty() || url.starts_with('#') || has_scheme {
        return None;
    }
    web_sys::Url::new_with_base(url, base).ok().map(|absolute| absolute.href())
}

/// Replaces, through `replace(new text, index)`, each rule of `rules` (`depth` grouping levels down) that
/// names a URL `map` gives another for.
fn remap_rules(
    rules: &CssRuleList,
    map: &dyn Fn(&str) -> Option<String>,
    depth: usize,
    replace: &dyn Fn(&str, u32) -> bool,
) {
    if depth > MAX_DEPTH {
        return;
    }
    for index in 0..rules.length() {
        let Some(rule) = rules.item(index) else { continue };
        let text = rule.css_text();
        if !text.contains("url(") {
            continue;
        }
        if let Some(children) = group_children(&rule) {
            let group: web_sys::CssGroupingRule = wasm_bindgen::JsCast::unchecked_into(rule);
            remap_rules(&children, map, depth + 1, &|text, at| {
                group.delete_rule(at).is_ok() && group.insert_rule_with_index(text, at).is_ok()
            });
            continue;
        }
        if let Some(remapped) = remap_urls(&text, map) {
            replace(&remapped, index);
        }
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

    #[wasm_bindgen_test]
    fn only_relative_urls_are_made_absolute() {
        let base = "https://shop.example/css/site.css";
        assert_eq!(absolute_if_relative("../fonts/a.woff2", base).unwrap(), "https://shop.example/fonts/a.woff2");
        assert_eq!(absolute_if_relative("/img/b.png", base).unwrap(), "https://shop.example/img/b.png");
        for kept in ["https://cdn.example/c.png", "data:image/png;base64,AA", "#clip", "", "blob:https://x/1"] {
            assert_eq!(absolute_if_relative(kept, base), None, "{kept}");
        }
    }
}
