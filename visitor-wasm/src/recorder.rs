//! The recorder: the one owner of everything the tree walk needs to remember while a session runs.
//!
//! It holds the node ids, the masking rules and the fields seen secret ([`Mask`]), the shim's hooks, the
//! pristine `MutationObserver` constructor, the observer with the roots it watches, the roots known to
//! adopt stylesheets, and the backlog of a walk sliced across tasks ([`Backlog`]). The functions that need any of it take the recorder as a parameter (as rrweb hands
//! its mirror to its managers): the snapshot, the mutation batches, shadow roots and child documents, and
//! the page-state managers of the session (styles, canvases, motion, forms).
//!
//! Why one owner: this state used to sit in six thread-locals, each of which the end of a session had to
//! reset by hand. Now the session owns one `Recorder`, and its end drops it: nothing outlives the session,
//! and nothing needs resetting.
//!
//! This file only defines the state and its small accessors; it imports no module that takes a
//! `Recorder`, so the two never import each other.

use crate::page::changes::Change;
use crate::page::hooks::Hooks;
use crate::tree::backlog::Backlog;
use crate::tree::ids::Ids;
use crate::tree::mask::Mask;
use crate::tree::observer::Observer;
use crate::tree::pristine::Pristine;
use cobrowse_protocol::{MaskingRules, Rules};
use js_sys::{Array, WeakSet};
use wasm_bindgen::JsValue;
use web_sys::{Document, Element, Node};

/// What a session's tree walk remembers (see the module doc). Dropping it stops observing.
pub struct Recorder {
    /// The id of every node the mirror knows, with the masking it was sent with.
    pub ids: Ids,
    /// The masking rules in force and the fields seen secret.
    pub mask: Mask,
    /// The shim's helper functions.
    pub hooks: Hooks,
    /// The constructors the shim took from a pristine realm.
    pristine: Pristine,
    /// The MutationObserver and the roots it watches, while recording.
    observer: Option<Observer>,
    /// Shadow roots and child documents known to adopt sheets (see `styles.rs`).
    adopters: Vec<Node>,
    /// The current task's time slice and the parents whose children are still to be sent.
    pub backlog: Backlog,
    /// Elements the walk found scrolled away from their origin, whose offsets go once nothing waits (see
    /// `session.rs`).
    pub scrolled: Vec<Element>,
    /// Whose scroll offsets the walk reads now, for `describe.js`: the shim's set of scrolled elements
    /// while it walks the page's document ([`Hooks::scrolled`]), `undefined` (every element's) elsewhere.
    pub scroll_watch: JsValue,
}

impl Default for Recorder {
    /// A recorder without the shim's hooks.
    fn default() -> Self {
        Self::new(&JsValue::UNDEFINED)
    }
}

impl Recorder {
    /// A recorder with the built-in masking rules alone and the shim's `hooks` object (`undefined` or
    /// `null`: none), which also carries the pristine constructors; no field seen secret yet.
    pub fn new(hooks: &JsValue) -> Self {
        Self::remembering(hooks, WeakSet::new_typed())
    }

    /// [`Recorder::new`], with the fields earlier sessions on this page saw secret: they stay masked.
    pub fn remembering(hooks: &JsValue, secret_fields: WeakSet<Element>) -> Self {
        Self {
            ids: Ids::new(),
            mask: Mask::new(secret_fields),
            hooks: Hooks::new(hooks),
            pristine: Pristine::new(hooks),
            observer: None,
            adopters: Vec::new(),
            backlog: Backlog::default(),
            scrolled: Vec::new(),
            scroll_watch: JsValue::UNDEFINED,
        }
    }

    /// Applies a site's masking rules (see [`Mask::set_rules`]).
    pub fn set_rules(&mut self, document: &Document, rules: &MaskingRules) -> Result<(), String> {
        self.mask.set_rules(document, rules)
    }

    /// Starts observing everything under `document` (replacing an earlier observer): `on_records` gets each
    /// batch of mutation records, `on_change` what the observer hears in watched roots (see `observer.rs`).
    pub fn observe(
        &mut self,
        document: &Document,
        on_records: impl FnMut(Array) + 'static,
        on_change: impl FnMut(Change) + 'static,
    ) -> Result<(), JsValue> {
        self.observer = None;
        self.observer = Some(Observer::observe(document, &self.pristine, on_records, on_change)?);
        Ok(())
    }

    /// Stops observing (the observer disconnects and its listeners go).
    pub fn stop_observing(&mut self) {
        self.observer = None;
    }

    /// The records queued but not yet delivered to the callback (none if not observing).
    pub fn take_records(&self) -> Array {
        self.observer.as_ref().map_or_else(Array::new, Observer::take_records)
    }

    /// Observes `root` (a shadow root or child document being serialized) too, if observing; masking walks
    /// up the tree from now on (see [`Mask::note_nested_root`]).
    pub fn watch(&mut self, root: &Node) -> Result<(), JsValue> {
        self.mask.note_nested_root();
        match &mut self.observer {
            Some(observer) => observer.watch(root),
            None => Ok(()),
        }
    }

    /// The adopted stylesheets of a document or shadow root, through the hooks.
    pub fn adopted_sheets(&self, root: &Node) -> Vec<Rules> {
        self.hooks.adopted_sheets(root, &self.mask)
    }

    /// Remembers a root that adopts sheets (the snapshot notes them as it serializes roots).
    pub fn note_adopter(&mut self, root: &Node) {
        if !self.adopters.contains(root) {
            self.adopters.push(root.clone());
        }
    }

    /// Forgets the adopters (before a snapshot, which notes them again).
    pub fn forget_adopters(&mut self) {
        self.adopters.clear();
    }

    /// The roots known to adopt sheets.
    pub fn adopters(&self) -> Vec<Node> {
        self.adopters.clone()
    }
}
