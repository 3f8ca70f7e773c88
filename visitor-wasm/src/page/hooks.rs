//! The shim's helper functions, handed to `start()` as its `hooks` object, and how the recorder calls them.
//!
//! Some questions cost many calls from wasm into JS when asked node by node (every rule of a stylesheet,
//! every element's scroll offset), and each call crosses the wasm/JS boundary. The shim answers them in one
//! JS function each and returns one string or one array; see `www/shim/hooks.js`:
//!
//! | hook | answers |
//! |------|---------|
//! | `rules(sheet)` | the sheet's rules' `cssText`, joined by NUL; `null` if unreadable |
//! | `editedRules(style)` | the same for a `<style>` whose rules differ from its text, else `null` |
//! | `adopted(root)` | the adopted sheets of a document or shadow root, each as `rules`, joined by SOH |
//! | `media(element)` | `[currentTime ms, paused, muted, volume %, playbackRate %]` |
//! | `canvas(element)` | the canvas's pixels as a PNG data URL, `null` if empty or tainted |
//! | `modal(dialog)` | whether it matches `:modal` |
//! | `selection(document)` | `[anchorNode, anchorOffset, focusNode, focusOffset]`, `null` if none |
//! | `scrolled` (a property) | a `WeakSet` of the page document's elements scrolled since the shim loaded, if it holds them all |
//! | `watchedScrolls` (a property) | the same set, whether it holds them all or not |
//!
//! `scrolled` spares the walk reading every element's scroll offset (see `www/shim/scrolls.js`): the walk
//! reads those of the elements in the set alone, in the page's document; everywhere else (shadow roots,
//! child documents, or without the set) every element's. A shim loaded once the page had elements gives
//! only `watchedScrolls`: the session's first whole walk reads every offset, adds the elements it finds
//! scrolled to that set ([`Hooks::note_scrolled`]), and then takes it as complete
//! ([`Hooks::complete_scroll_watch`]): from then on every scrolled element of the document is in it, the
//! ones scrolled before the shim loaded found by the walk and the later ones by the shim's listener.
//!
//! [`Hooks`] keeps them in the session's `Recorder`. A missing hook (an older shim) answers "nothing", so
//! the page is still mirrored, only with less. Rules read through the hooks pass through `carriers.rs`
//! with the session's [`Mask`].

use crate::tree::carriers;
use crate::tree::mask::{Mask, Masking};
use cobrowse_protocol::{MediaState, Rules};
use js_sys::{Array, WeakSet};
use wasm_bindgen::prelude::*;
use web_sys::{Element, Node};

#[wasm_bindgen]
extern "C" {
    /// The shim's `hooks` object.
    type ShimHooks;
    #[wasm_bindgen(method, catch, js_name = rules)]
    fn rules(this: &ShimHooks, sheet: &JsValue) -> Result<Option<String>, JsValue>;
    #[wasm_bindgen(method, catch, js_name = editedRules)]
    fn edited_rules(this: &ShimHooks, style: &Element) -> Result<Option<String>, JsValue>;
    #[wasm_bindgen(method, catch, js_name = adopted)]
    fn adopted(this: &ShimHooks, root: &Node) -> Result<Option<String>, JsValue>;
    #[wasm_bindgen(method, catch, js_name = media)]
    fn media(this: &ShimHooks, media: &Element) -> Result<Array, JsValue>;
    #[wasm_bindgen(method, catch, js_name = canvas)]
    fn canvas(this: &ShimHooks, canvas: &Element) -> Result<Option<String>, JsValue>;
    #[wasm_bindgen(method, catch, js_name = modal)]
    fn modal(this: &ShimHooks, dialog: &Element) -> Result<bool, JsValue>;
    #[wasm_bindgen(method, catch, js_name = selection)]
    fn selection(this: &ShimHooks, document: &Node) -> Result<Option<Array>, JsValue>;
    #[wasm_bindgen(method, getter, structural)]
    fn scrolled(this: &ShimHooks) -> JsValue;
    #[wasm_bindgen(method, getter, structural, js_name = watchedScrolls)]
    fn watched_scrolls(this: &ShimHooks) -> JsValue;
}

/// The shim's hooks for one session; none if the shim gave none.
pub struct Hooks {
    shim: Option<ShimHooks>,
    /// The set of the page document's elements scrolled (`hooks.scrolled`), or `undefined`.
    scrolled: JsValue,
    /// The shim's set while it is not known to hold every scrolled element (`hooks.watchedScrolls`).
    incomplete: Option<WeakSet<Element>>,
}

impl Hooks {
    /// Keeps the shim's `hooks` object (`undefined` or `null`: none).
    pub fn new(hooks: &JsValue) -> Self {
        let shim: Option<ShimHooks> =
            (!hooks.is_undefined() && !hooks.is_null()).then(|| hooks.clone().unchecked_into());
        let scrolled = shim.as_ref().map(|shim| shim.scrolled()).filter(|set| set.is_object());
        let watched = shim.as_ref().map(|shim| shim.watched_scrolls()).filter(|set| set.is_object());
        let incomplete = watched.filter(|_| scrolled.is_none()).map(|set| set.unchecked_into());
        Self { shim, scrolled: scrolled.unwrap_or(JsValue::UNDEFINED), incomplete }
    }

    /// Asks the hooks, if the shim gave any; a hook that throws or is missing answers nothing.
    fn with<T>(&self, ask: impl FnOnce(&ShimHooks) -> Result<T, JsValue>) -> Option<T> {
        ask(self.shim.as_ref()?).ok()
    }

    /// The set of the page document's elements scrolled since the shim loaded, if the shim gave it; else
    /// `undefined`: every element's offset is read.
    pub fn scrolled(&self) -> JsValue {
        self.scrolled.clone()
    }

    /// Notes an element the walk found scrolled while the shim's set may lack some (it adds it to the set);
    /// nothing once the set is complete: the walk then reads the offsets of its elements alone.
    pub fn note_scrolled(&self, element: &Element) {
        if let Some(set) = &self.incomplete {
            set.add(element);
        }
    }

    /// Takes the shim's set as complete once a whole walk of the page's document has read every element's
    /// offset and noted those scrolled ([`Hooks::note_scrolled`]): the elements scrolled before the shim
    /// loaded are in it now, and the shim's listener adds every later scroll. (An element out of the
    /// document then comes back at its origin: a removed element loses its scroll offset.)
    pub fn complete_scroll_watch(&mut self) {
        if let Some(set) = self.incomplete.take() {
            self.scrolled = set.into();
        }
    }

    /// The rules of a `CSSStyleSheet`; `None` if they cannot be read.
    pub fn sheet_rules(&self, sheet: &JsValue, mask: &Mask) -> Option<Rules> {
        self.with(|hooks| hooks.rules(sheet)).flatten().map(|joined| split_rules(&joined, mask))
    }

    /// A `<style>`'s rules when they differ from what its text gives the mirror; `None` when the text
    /// suffices.
    pub fn edited_rules(&self, style: &Element, mask: &Mask) -> Option<Rules> {
        self.with(|hooks| hooks.edited_rules(style)).flatten().map(|joined| split_rules(&joined, mask))
    }

    /// The adopted stylesheets of a document or shadow root, in order.
    pub fn adopted_sheets(&self, root: &Node, mask: &Mask) -> Vec<Rules> {
        match self.with(|hooks| hooks.adopted(root)).flatten() {
            Some(joined) if !joined.is_empty() => joined.split('\u{1}').map(|sheet| split_rules(sheet, mask)).collect(),
            _ => Vec::new(),
        }
    }

    /// A `<video>`'s or `<audio>`'s playback state.
    pub fn media_state(&self, media: &Element) -> Option<MediaState> {
        let values = self.with(|hooks| hooks.media(media))?;
        let number = |index| values.get(index).as_f64().unwrap_or(0.0);
        Some(MediaState {
            time_ms: number(0) as u64,
            paused: number(1) != 0.0,
            muted: number(2) != 0.0,
            volume: number(3) as u8,
            rate_percent: number(4) as u16,
        })
    }

    /// A canvas's pixels as a PNG data URL; `None` when empty or unreadable.
    pub fn canvas_data_url(&self, canvas: &Element) -> Option<String> {
        self.with(|hooks| hooks.canvas(canvas)).flatten()
    }

    /// Whether a `<dialog>` is shown modal.
    pub fn is_modal(&self, dialog: &Element) -> bool {
        self.with(|hooks| hooks.modal(dialog)).unwrap_or(false)
    }

    /// The document's non-empty selection: anchor node and offset, focus node and offset.
    pub fn selection(&self, document: &Node) -> Option<(Node, u32, Node, u32)> {
        let found = self.with(|hooks| hooks.selection(document)).flatten()?;
        let offset = |index| found.get(index).as_f64().unwrap_or(0.0) as u32;
        Some((found.get(0).unchecked_into(), offset(1), found.get(2).unchecked_into(), offset(3)))
    }
}

/// NUL-joined rules back into a list (no rules: an empty string).
fn split_rules(joined: &str, mask: &Mask) -> Rules {
    if joined.is_empty() {
        return Vec::new();
    }
    // Only rules of sheets whose owner is not masked are read (see `extras.rs`, `styles.rs`).
    joined.split('\0').map(|rule| carriers::css(mask, rule.to_owned(), Masking::Plain)).collect()
}
