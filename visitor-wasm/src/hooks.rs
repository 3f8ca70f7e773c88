//! The shim's helper functions, handed to `start()` as its `hooks` object, and how the recorder calls them.
//!
//! Some questions cost many calls from wasm into JS when asked node by node (every rule of a stylesheet,
//! every element's scroll offset), and each call crosses the wasm/JS boundary. The shim answers them in one
//! JS function each and returns one string or one array; see `www/cobrowse.js`:
//!
//! | hook | answers |
//! |------|---------|
//! | `rules(sheet)` | the sheet's rules' `cssText`, joined by NUL; `null` if unreadable |
//! | `editedRules(style)` | the same for a `<style>` whose rules differ from its text, else `null` |
//! | `adopted(root)` | the adopted sheets of a document or shadow root, each as `rules`, joined by SOH |
//! | `scrolled(root)` | the elements under `root` scrolled away from their origin |
//! | `media(element)` | `[currentTime ms, paused, muted, volume %, playbackRate %]` |
//! | `canvas(element)` | the canvas's pixels as a PNG data URL, `null` if empty or tainted |
//! | `modal(dialog)` | whether it matches `:modal` |
//! | `selection(document)` | `[anchorNode, anchorOffset, focusNode, focusOffset]`, `null` if none |
//!
//! The hooks are kept for the session (thread-local, like the masking rules). A missing hook (an older
//! shim) answers "nothing", so the page is still mirrored, only with less.

use cobrowse_protocol::{MediaState, Rules};
use js_sys::Array;
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use web_sys::{Element, Node};

#[wasm_bindgen]
extern "C" {
    /// The shim's `hooks` object.
    #[derive(Clone)]
    pub type Hooks;
    #[wasm_bindgen(method, catch, js_name = rules)]
    fn rules(this: &Hooks, sheet: &JsValue) -> Result<Option<String>, JsValue>;
    #[wasm_bindgen(method, catch, js_name = editedRules)]
    fn edited_rules(this: &Hooks, style: &Element) -> Result<Option<String>, JsValue>;
    #[wasm_bindgen(method, catch, js_name = adopted)]
    fn adopted(this: &Hooks, root: &Node) -> Result<Option<String>, JsValue>;
    #[wasm_bindgen(method, catch, js_name = scrolled)]
    fn scrolled(this: &Hooks, root: &Node) -> Result<Array, JsValue>;
}

thread_local! {
    static HOOKS: RefCell<Option<Hooks>> = const { RefCell::new(None) };
}

/// Keeps the shim's hooks for the session (`undefined` or `null`: none).
pub fn set(hooks: JsValue) {
    let hooks = (!hooks.is_undefined() && !hooks.is_null()).then(|| hooks.unchecked_into());
    HOOKS.with(|cell| *cell.borrow_mut() = hooks);
}

/// Forgets the hooks when the session ends.
pub fn reset() {
    HOOKS.with(|cell| *cell.borrow_mut() = None);
}

/// Asks the hooks, if the shim gave any; a hook that throws or is missing answers nothing.
fn with<T>(ask: impl FnOnce(&Hooks) -> Result<T, JsValue>) -> Option<T> {
    ask(&current()?).ok()
}

/// The session's hooks (one thread-local access, whatever the question: each costs download size).
#[inline(never)]
fn current() -> Option<Hooks> {
    HOOKS.with(|cell| cell.borrow().clone())
}

/// The rules of a `CSSStyleSheet`; `None` if they cannot be read.
pub fn sheet_rules(sheet: &JsValue) -> Option<Rules> {
    with(|hooks| hooks.rules(sheet)).flatten().map(|joined| split_rules(&joined))
}

/// A `<style>`'s rules when they differ from what its text gives the mirror; `None` when the text suffices.
pub fn edited_rules(style: &Element) -> Option<Rules> {
    with(|hooks| hooks.edited_rules(style)).flatten().map(|joined| split_rules(&joined))
}

/// The adopted stylesheets of a document or shadow root, in order.
pub fn adopted_sheets(root: &Node) -> Vec<Rules> {
    match with(|hooks| hooks.adopted(root)).flatten() {
        Some(joined) if !joined.is_empty() => joined.split('\u{1}').map(split_rules).collect(),
        _ => Vec::new(),
    }
}

/// The elements under `root` scrolled away from their origin.
pub fn scrolled_elements(root: &Node) -> Vec<Element> {
    with(|hooks| hooks.scrolled(root))
        .map(|found| found.iter().map(JsCast::unchecked_into).collect())
        .unwrap_or_default()
}

/// NUL-joined rules back into a list (no rules: an empty string).
fn split_rules(joined: &str) -> Rules {
    if joined.is_empty() {
        return Vec::new();
    }
    // Only rules of sheets whose owner is not masked are read (see `extras.rs`, `styles.rs`).
    joined.split('\0').map(|rule| crate::carriers::css(rule.to_owned(), crate::mask::Masking::Plain)).collect()
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(method, catch, js_name = media)]
    fn media(this: &Hooks, media: &Element) -> Result<Array, JsValue>;
    #[wasm_bindgen(method, catch, js_name = canvas)]
    fn canvas(this: &Hooks, canvas: &Element) -> Result<Option<String>, JsValue>;
    #[wasm_bindgen(method, catch, js_name = modal)]
    fn modal(this: &Hooks, dialog: &Element) -> Result<bool, JsValue>;
    #[wasm_bindgen(method, catch, js_name = selection)]
    fn selection(this: &Hooks, document: &Node) -> Result<Option<Array>, JsValue>;
}

/// A `<video>`'s or `<audio>`'s playback state.
pub fn media_state(media: &Element) -> Option<MediaState> {
    let values = with(|hooks| hooks.media(media))?;
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
pub fn canvas_data_url(canvas: &Element) -> Option<String> {
    with(|hooks| hooks.canvas(canvas)).flatten()
}

/// Whether a `<dialog>` is shown modal.
pub fn is_modal(dialog: &Element) -> bool {
    with(|hooks| hooks.modal(dialog)).unwrap_or(false)
}

/// The document's non-empty selection: anchor node and offset, focus node and offset.
pub fn selection(document: &Node) -> Option<(Node, u32, Node, u32)> {
    let found = with(|hooks| hooks.selection(document)).flatten()?;
    let offset = |index| found.get(index).as_f64().unwrap_or(0.0) as u32;
    Some((found.get(0).unchecked_into(), offset(1), found.get(2).unchecked_into(), offset(3)))
}
