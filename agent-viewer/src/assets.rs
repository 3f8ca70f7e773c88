//! Assets: where the mirror loads the resources the visitor uploaded to the relay.
//!
//! Some resources of the visitor's page are out of the agent's reach (an image behind the visitor's
//! cookies, a `blob:` URL of the visitor's tab, a same-origin stylesheet that answers 403): the visitor
//! uploads their bytes and the relay announces `Control::Asset { url, path }`. This module keeps the map
//! from the visitor's absolute URL to the relay's (the viewer page's origin + `path`) and, wherever the
//! mirror has a URL attribute that loads something — `src`, `href` (not on links, which only navigate),
//! `xlink:href`, `poster`, `srcset`, `imagesrcset` — puts the relay's URL in place of a mapped one:
//! - [`Assets::substitute`], called by `build/attributes.rs` for every attribute the mirror sets,
//!   resolves the value against the mirror's base (the visitor's page URL) and maps it;
//! - [`Assets::learn`], for an announcement, records the mapping (the mirror then updates the elements
//!   already built and its stylesheets, see `apply/announcement.rs`).
//!
//! Public resources stay as they are: the mirror loads them from their own URLs.
//!
//! The relay stores the same bytes once, so two of the visitor's URLs (`badge.png`, `badge.png?later`)
//! may be announced at one path. Each visitor URL still gets a relay URL of its own (the second and later
//! with a query the relay ignores, `?copy=N`), so a relay URL in the mirror says which of the visitor's it
//! stands for: in the reverse map, and for a stylesheet's base (`styles/fonts.rs`).
//!
//! For tests, the reverse map (relay URL → visitor URL) is published as the plain object
//! `window.cobrowseViewer.assets`, so a mirror's attribute can be mapped back to the visitor's.
//!
//! The map belongs to the mirror (one per session's mirror) and is forgotten when a new connection starts
//! ([`Assets::forget_all`]): another session's asset URLs would not load. [`Assets`] is a cheap handle:
//! the mirror passes it down to whatever sets attributes, and the stylesheet-load listener (a browser
//! callback, see `styles/sheet_loads.rs`) keeps a clone of its own.

use crate::dom::{self, global_object, XLINK_NS};
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, Url};

/// The attributes whose value is one URL the browser loads.
const LOADING_ATTRIBUTES: [&str; 4] = ["src", "href", "xlink:href", "poster"];
/// The attributes whose value is a list of image candidates (`url 2x, url 640w`).
const CANDIDATE_LIST_ATTRIBUTES: [&str; 2] = ["srcset", "imagesrcset"];
/// The elements selected to update when an announcement arrives.
const ELEMENTS_WITH_URLS: &str = "[src],[*|href],[poster],[srcset],[imagesrcset]";

/// The visitor's uploaded resources: their URL → the relay's URL. Clones share one map.
#[derive(Clone, Default)]
pub struct Assets {
    relay_by_visitor: Rc<RefCell<HashMap<String, String>>>,
}

impl Assets {
    /// Records that the resource the visitor's page calls `visitor_url` is on the relay at `path`, and
    /// publishes it; `false` (and a warning) if `path` is not a URL.
    pub fn learn(&self, visitor_url: &str, path: &str) -> bool {
        let Some(relay_url) = relay_url(path) else {
            let warning = format!("cobrowse viewer: ignored an asset path that is not a URL: {path:?}");
            web_sys::console::warn_1(&warning.into());
            return false;
        };
        let relay_url = self.own_relay_url(visitor_url, relay_url);
        self.relay_by_visitor.borrow_mut().insert(visitor_url.to_owned(), relay_url.clone());
        publish(&relay_url, visitor_url);
        true
    }

    /// `relay_url` for `visitor_url`, unless another of the visitor's URLs has it already: then the same
    /// file under a query of its own. The URL `visitor_url` had for the same file is kept.
    fn own_relay_url(&self, visitor_url: &str, relay_url: String) -> String {
        let map = self.relay_by_visitor.borrow();
        let same_file = |known: &String| known.split('?').next() == Some(relay_url.as_str());
        match map.get(visitor_url) {
            Some(known) if same_file(known) => known.clone(),
            _ if map.values().any(same_file) => format!("{relay_url}?copy={}", map.len()),
            _ => relay_url,
        }
    }

    /// Forgets every mapping: a new connection may be to another session.
    pub fn forget_all(&self) {
        self.relay_by_visitor.borrow_mut().clear();
        if let Some(global) = global_object() {
            let _ = js_sys::Reflect::set(&global, &"assets".into(), &js_sys::Object::new());
        }
    }

    /// The visitor's URL of the file the relay serves at `relay_url`, if it is one of the session's assets.
    pub fn visitor_url_of(&self, relay_url: &str) -> Option<String> {
        let map = self.relay_by_visitor.borrow();
        map.iter().find(|(_, relay)| relay.as_str() == relay_url).map(|(visitor, _)| visitor.clone())
    }

    /// The relay URL the mirror should load for `visitor_url`, if the visitor uploaded it.
    pub fn relay_url_for(&self, visitor_url: &str) -> Option<String> {
        self.relay_by_visitor.borrow().get(visitor_url).cloned()
    }

    /// `value` of attribute `name` on `element` (tag `tag`), with any uploaded resource it names replaced
    /// by its relay URL. Unchanged (and no work done) while nothing was uploaded.
    pub fn substitute<'a>(&self, element: &Element, tag: &str, name: &str, value: Cow<'a, str>) -> Cow<'a, str> {
        let name = name.to_ascii_lowercase();
        let single = LOADING_ATTRIBUTES.contains(&name.as_str()) && !dom::is_link_tag(tag);
        let list = CANDIDATE_LIST_ATTRIBUTES.contains(&name.as_str());
        if !(single || list) || self.relay_by_visitor.borrow().is_empty() {
            return value;
        }
        let base = element.base_uri().ok().flatten().unwrap_or_default();
        let mapped = |url: &str| self.relay_url_resolved(url, &base);
        if single {
            return mapped(&value).map_or(value, Cow::Owned);
        }
        match map_candidates(&value, mapped) {
            Some(changed) => Cow::Owned(changed),
            None => value,
        }
    }

    /// The relay URL of `url` (resolved against `base`) if it was uploaded; its fragment (a `<use>`'s
    /// symbol) is kept: the upload is of the whole file.
    pub fn relay_url_resolved(&self, url: &str, base: &str) -> Option<String> {
        let absolute = Url::new_with_base(url.trim(), base).ok()?;
        let fragment = absolute.hash();
        absolute.set_hash("");
        self.relay_url_for(&absolute.href()).map(|relay| relay + &fragment)
    }

    /// Runs every URL attribute of the mirror's elements in `document` through [`Assets::substitute`]
    /// again (after an announcement: the elements already built point at the relay's copy too).
    pub fn update_elements(&self, document: &Document) {
        let Ok(elements) = document.query_selector_all(ELEMENTS_WITH_URLS) else { return };
        for index in 0..elements.length() {
            let Some(element) = elements.item(index).map(|node| node.unchecked_into::<Element>()) else { continue };
            self.update_element(&element);
        }
    }

    fn update_element(&self, element: &Element) {
        let tag = element.local_name();
        for name in LOADING_ATTRIBUTES.iter().chain(&CANDIDATE_LIST_ATTRIBUTES) {
            let (namespace, local) = match name.strip_prefix("xlink:") {
                Some(local) => (Some(XLINK_NS), local),
                None => (None, *name),
            };
            let Some(value) = element.get_attribute_ns(namespace, local) else { continue };
            if let Cow::Owned(relay) = self.substitute(element, &tag, name, Cow::Borrowed(&value)) {
                let _ = element.set_attribute_ns(namespace, name, &relay);
            }
        }
    }
}

/// A `srcset` with each candidate's URL replaced where `map` gives one; `None` if none was.
pub fn map_candidates(srcset: &str, map: impl Fn(&str) -> Option<String>) -> Option<String> {
    let mut changed = false;
    let pieces: Vec<Cow<str>> = srcset
        .split(',')
        .map(|piece| {
            let trimmed = piece.trim_start();
            let url_end = trimmed.find(char::is_whitespace).unwrap_or(trimmed.len());
            let (url, descriptors) = trimmed.split_at(url_end);
            match map(url).filter(|_| !url.is_empty()) {
                Some(relay) => {
                    changed = true;
                    Cow::Owned(format!("{}{relay}{descriptors}", &piece[..piece.len() - trimmed.len()]))
                }
                None => Cow::Borrowed(piece),
            }
        })
        .collect();
    changed.then(|| pieces.join(","))
}

/// The absolute URL of `path` on the relay: the viewer page's origin.
fn relay_url(path: &str) -> Option<String> {
    let location = web_sys::window()?.location().href().ok()?;
    Url::new_with_base(path, &location).ok().map(|url| url.href())
}

/// Adds `relay_url` → `visitor_url` to `window.cobrowseViewer.assets`.
fn publish(relay_url: &str, visitor_url: &str) {
    let Some(global) = global_object() else { return };
    let assets = js_sys::Reflect::get(&global, &"assets".into()).ok().filter(|assets| assets.is_object());
    let assets = assets.unwrap_or_else(|| {
        let created: wasm_bindgen::JsValue = js_sys::Object::new().into();
        let _ = js_sys::Reflect::set(&global, &"assets".into(), &created);
        created
    });
    let _ = js_sys::Reflect::set(&assets, &relay_url.into(), &visitor_url.into());
}
