//! Masking: what of the page must never leave the visitor's browser, decided before anything is serialized.
//!
//! Every node is serialized with a [`Masking`], decided from its parent's and its own markings
//! ([`element_masking`]):
//! - [`Masking::Masked`] starts at an element with the attribute `data-cobrowse-mask`, the attribute
//!   `glance_masked="true"`, the class `cobrowse-mask`, a match of the site's `mask_selectors`, or at a
//!   secret field (a password input, now or ever; hidden and file inputs; card-data and one-time-code fields
//!   by their `autocomplete`), and covers the whole subtree: nothing can unmask it.
//! - [`Masking::MaskedByMode`]: under `mask_all_text` every element, under `mask_all_inputs` every input,
//!   textarea and select with its subtree, except an element matching `unmask_selectors` and its subtree
//!   ([`Masking::Allowed`]), which only the markers above can mask again.
//! - [`Masking::Blocked`]: `data-cobrowse-block` or a `block_selectors` match; sent as an empty box.
//! - [`Masking::Ignored`]: `data-cobrowse-ignore` (the shim's own widget); not sent at all.
//!
//! Inside a masked subtree form values, text and content-carrying attributes ([`carries_content`]) become
//! [`Value::Masked`] (comments are always sent empty, and markup held as text is decided in `carriers.rs`).
//! Masked content is not even read into the wasm's memory: the helpers take a closure that reads the value
//! only when it may be sent. `Value::Masked` carries no length. Every path that serializes (snapshot, new
//! subtrees, attribute, text and form events) goes through the functions here, so the rules are applied
//! once, the same way.
//!
//! The site's rules ([`MaskingRules`]) are set once per session with [`Mask::set_rules`], before the first
//! snapshot; a selector the browser rejects makes it fail, and the session does not start. A [`Mask`] lives
//! in the session's `Recorder`: it ends with the session, and nothing needs resetting.

use crate::dom::{self, IGNORE_ATTRIBUTE};
use crate::tree::rules::{self, Rules};
use cobrowse_protocol::{markup, MaskingRules, Value};
use js_sys::WeakSet;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, Node};

/// `autocomplete` tokens of fields that are always masked: card data and one-time codes.
const SECRET_AUTOCOMPLETE: [&str; 7] =
    ["cc-number", "cc-csc", "cc-exp", "cc-exp-month", "cc-exp-year", "cc-name", "one-time-code"];

/// How a node is serialized, by the masking rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Masking {
    /// Sent as it is.
    Plain,
    /// Sent as it is, and inside an `unmask_selectors` match: the mask-all modes do not apply below.
    Allowed,
    /// Masked by a mask-all mode: like [`Masking::Masked`], but an `unmask_selectors` match below is shown.
    MaskedByMode,
    /// Its text, value and content attributes are masked, with its whole subtree.
    Masked,
    /// Sent as an empty box of its size; nothing beneath it is sent.
    Blocked,
    /// Not sent at all.
    Ignored,
}

impl Masking {
    /// Whether content at this node must be masked.
    pub fn masks(self) -> bool {
        !matches!(self, Masking::Plain | Masking::Allowed)
    }
}

/// The masking rules in force and the fields seen secret: everything that decides a node's [`Masking`].
pub struct Mask {
    rules: Rules,
    /// Fields seen secret (a password input, a card field): they stay masked whatever they become.
    secret_fields: WeakSet<Element>,
    /// Whether a shadow root or child document has been serialized: until then every node the recorder
    /// meets is in the page's own tree, and [`Mask::masking_of`] needs no walk up it.
    nested_roots: bool,
}

impl Default for Mask {
    /// The built-in markers alone, no field seen yet.
    fn default() -> Self {
        Self::new(WeakSet::new_typed())
    }
}

impl Mask {
    /// The built-in markers alone, remembering secret fields in `secret_fields` (which may hold fields seen
    /// before: a field once secret stays masked).
    pub fn new(secret_fields: WeakSet<Element>) -> Self {
        Self { rules: Rules::default(), secret_fields, nested_roots: false }
    }

    /// Applies a site's rules from now on. Fails, naming the selector, if the browser rejects one of them
    /// (or the document has no element to check them on); the rules in force are then unchanged.
    pub fn set_rules(&mut self, document: &Document, rules: &MaskingRules) -> Result<(), String> {
        self.rules = Rules::checked(document, rules)?;
        Ok(())
    }

    /// A shadow root or child document is serialized: from now on [`Mask::masking_of`] walks up to each
    /// node's root, whose host's masking its content inherits.
    pub fn note_nested_root(&mut self) {
        self.nested_roots = true;
    }

    /// How `element` is serialized, given its parent's masking. `tag` is its local name (lower case for HTML
    /// elements, as the DOM gives it).
    pub fn element_masking(&self, element: &Element, tag: &str, parent: Masking) -> Masking {
        if matches!(parent, Masking::Blocked | Masking::Ignored) {
            return parent;
        }
        let flagged = rules::matches(element, &self.rules.flagged).unwrap_or(true);
        self.element_masking_flagged(element, tag, parent, flagged)
    }

    /// [`Mask::element_masking`] when whether the element matches [`Mask::flagged`] is known already
    /// (`flagged`: it matches, or matching threw).
    pub fn element_masking_flagged(&self, element: &Element, tag: &str, parent: Masking, flagged: bool) -> Masking {
        if let Some(masking) = self.masking_unasked(parent, flagged, matches!(tag, "input" | "textarea" | "select")) {
            return masking;
        }
        let rules = &self.rules;
        if flagged {
            if element.has_attribute(IGNORE_ATTRIBUTE) {
                return Masking::Ignored;
            }
            if rules::matches(element, &rules.block).unwrap_or(true) {
                return Masking::Blocked;
            }
            return Masking::Masked;
        }
        if parent == Masking::Masked || self.is_secret_field(element, tag) {
            return Masking::Masked;
        }
        mode_masking(rules, element, tag, parent)
    }

    /// The masking [`Mask::element_masking_flagged`] gives an element without asking it anything: `Some`
    /// when it is not `flagged`, not a form field (`form_field`: an input, textarea or select, which may be
    /// a secret field or masked by `mask_all_inputs`) and no mask-all mode is on (or when its parent is
    /// blocked or ignored). A delta's attribute change knows these from one call into JS (`records.js`).
    pub fn masking_unasked(&self, parent: Masking, flagged: bool, form_field: bool) -> Option<Masking> {
        if matches!(parent, Masking::Blocked | Masking::Ignored) {
            return Some(parent);
        }
        let unasked = !flagged && !form_field && !self.rules.mask_all();
        unasked.then_some(if parent == Masking::Masked { Masking::Masked } else { Masking::Plain })
    }

    /// The selector of every element with a masking of its own (ignored, blocked, masked by a marker or a
    /// `mask_selectors` match): most elements match none of it.
    pub fn flagged(&self) -> &js_sys::JsString {
        &self.rules.flagged
    }

    /// The selector a changed node's element is matched against in JS (`records.js`), whose one `matches`
    /// decides its masking now (masked if it matches or the match throws, else plain unless it is a secret
    /// field: an input or textarea, see [`Mask::is_secret_field`]), while one match does (the quick path of
    /// [`Mask::masking_of`]). `None` when the masking it was sent with holds
    /// ([`Mask::sent_masking_holds`]: nothing to match) or when the masking needs the walk up the tree.
    pub fn deciding_selector(&self) -> Option<&js_sys::JsString> {
        (self.one_match_decides() && !self.rules.mask_on_own_markup).then_some(&self.rules.masked_here_or_above)
    }

    /// Whether the masking each node of the mirror was sent with is still its masking now: while one match
    /// decides and every mask selector decides on the element's own name and attributes
    /// ([`rules::on_own_markup`]; the built-in markers do). An element's masking then changes only with its
    /// own attributes or an ancestor's, and each such change rebuilds the element whose masking changed,
    /// with its subtree (`record.rs`), before the batch's texts and attributes are read. A selector a
    /// sibling decides (`h2.secret + p`) changes a masking with no record on the element: then each changed
    /// text and attribute is matched again, against the [deciding selector](Mask::deciding_selector).
    pub fn sent_masking_holds(&self) -> bool {
        self.one_match_decides() && self.rules.mask_on_own_markup
    }

    /// Whether one match on an element or its ancestors decides its masking: no mask-all mode and no nested
    /// root serialized.
    fn one_match_decides(&self) -> bool {
        !self.rules.mask_all() && !self.nested_roots
    }

    /// Whether `mask_all_text` is on: then every element's content may be masked by the mode.
    pub fn masks_all_text(&self) -> bool {
        self.rules.mask_all_text
    }

    /// How `node` is serialized, given its parent's masking: a text or comment node takes its parent's.
    pub fn node_masking(&self, node: &Node, parent: Masking) -> Masking {
        match node.node_type() {
            Node::ELEMENT_NODE => {
                let element = node.unchecked_ref::<Element>();
                self.element_masking(element, &element.local_name(), parent)
            }
            _ => parent,
        }
    }

    /// How `node` (an element, text or comment, or a shadow root or child document: its host's) is
    /// serialized now, looking at its ancestors, across shadow roots and child documents up to the top
    /// document.
    pub fn masking_of(&self, node: &Node) -> Masking {
        match node.node_type() {
            Node::ELEMENT_NODE => self.element_masking_now(node.unchecked_ref()),
            Node::DOCUMENT_NODE | Node::DOCUMENT_FRAGMENT_NODE => {
                dom::host_of(node).map_or(Masking::Plain, |host| self.element_masking_now(&host))
            }
            _ => node.parent_node().map_or(Masking::Plain, |parent| self.masking_of(&parent)),
        }
    }

    /// How `element` is serialized now: decided inside its own tree, starting from its root's host's masking
    /// when it is in a shadow root or child document. On a page with no nested root serialized, with no
    /// mask-all mode, one `matches` of the mask selectors on it or an ancestor decides: no host is above it,
    /// and the walk up the tree (a call into JS for each ancestor) would cost a delta's attribute and text
    /// events a dozen calls each. (It does not ask the page whether the element is in its tree: `contains`
    /// and `getRootNode` are what hijacking pages break, see `pristine.rs`.)
    fn element_masking_now(&self, element: &Element) -> Masking {
        let quick = !self.rules.mask_all();
        // The element and its ancestors, walked only where they decide (the quick path allocates nothing).
        let mut chain = Vec::new();
        let mut outer = Masking::Plain;
        if !quick || self.nested_roots {
            chain.push(element.clone());
            while let Some(parent) = chain.last().and_then(|element| element.parent_element()) {
                chain.push(parent);
            }
            outer = chain.last().and_then(|top| top.parent_node()).map_or(outer, |root| match root.node_type() {
                Node::ELEMENT_NODE => Masking::Plain,
                _ => self.masking_of(&root),
            });
        }
        if outer != Masking::Plain {
            return self.masking_down(&chain, outer);
        }
        if rules::matches(element, &self.rules.masked_here_or_above).unwrap_or(true) {
            Masking::Masked
        } else if quick {
            if self.is_secret_field(element, &element.local_name()) {
                Masking::Masked
            } else {
                Masking::Plain
            }
        } else {
            self.masking_down(&chain, Masking::Plain)
        }
    }

    /// The masking of `chain[0]`, decided down from the last of `chain` (its ancestors, in order) as the
    /// snapshot decides it, starting from `outer`, the masking above the chain.
    fn masking_down(&self, chain: &[Element], outer: Masking) -> Masking {
        chain.iter().rev().fold(outer, |parent, element| self.element_masking(element, &element.local_name(), parent))
    }

    /// Whether the node is inside a masked subtree (or is a masked element): [`Mask::masking_of`]`.masks()`.
    pub fn is_masked(&self, node: &Node) -> bool {
        self.masking_of(node).masks()
    }

    /// A password (now or ever), hidden or file input, or a card-data or one-time-code field (now or ever):
    /// its value is never shared. `tag` is the element's lower-case local name.
    pub fn is_secret_field(&self, element: &Element, tag: &str) -> bool {
        if !matches!(tag, "input" | "textarea") {
            return false;
        }
        // By tag, not `instanceof`: an input in a child document belongs to the child's realm.
        let kind = (tag == "input" && dom::is_html(element)).then(|| dom::type_of(element));
        if matches!(kind.as_deref(), Some("hidden" | "file")) {
            return true;
        }
        if kind.as_deref() == Some("password") || has_secret_autocomplete(element) {
            self.secret_fields.add(element);
            return true;
        }
        self.secret_fields.has(element)
    }
}

/// What the mask-all modes make of an element no marker masks.
fn mode_masking(rules: &Rules, element: &Element, tag: &str, parent: Masking) -> Masking {
    if !rules.mask_all() {
        return Masking::Plain;
    }
    let allowed = parent == Masking::Allowed
        || rules.unmask.as_ref().is_some_and(|unmask| rules::matches(element, unmask).unwrap_or(false));
    if allowed {
        Masking::Allowed
    } else if parent == Masking::MaskedByMode
        || rules.mask_all_text
        || (rules.mask_all_inputs && matches!(tag, "input" | "textarea" | "select"))
    {
        Masking::MaskedByMode
    } else {
        Masking::Plain
    }
}

fn has_secret_autocomplete(element: &Element) -> bool {
    element.get_attribute("autocomplete").is_some_and(|tokens| {
        tokens
            .split_ascii_whitespace()
            .any(|token| SECRET_AUTOCOMPLETE.iter().any(|secret| token.eq_ignore_ascii_case(secret)))
    })
}

/// Whether an attribute's value is page content that masking hides (as opposed to structure or style).
pub fn carries_content(name: &str) -> bool {
    let data = |prefix: &str| markup::starts_with_ignoring_case(name.as_bytes(), prefix.as_bytes());
    CONTENT_ATTRIBUTES.iter().any(|content| content.eq_ignore_ascii_case(name))
        || (data("data-") && !data("data-cobrowse-"))
}

/// The attributes (besides `data-*`) whose value is page content, in any letter case.
const CONTENT_ATTRIBUTES: [&str; 10] = [
    "value",
    "srcdoc",
    "placeholder",
    "title",
    "alt",
    "label",
    "aria-label",
    "aria-description",
    "aria-valuetext",
    "aria-placeholder",
];

/// A text node's or form control's value as it may be sent; `read` is not called when it is masked.
pub fn text_value(masked: bool, read: impl FnOnce() -> String) -> Value {
    if masked {
        Value::Masked
    } else {
        Value::Plain(read())
    }
}
