//! Masking rules: what a site's configuration adds to the visitor's built-in masking.
//!
//! The relay keeps one [`MaskingRules`] per site and sends it to the visitor in
//! [`crate::Control::SessionStarted`], with the session key, so the visitor applies the rules before it
//! serializes anything: a session cannot start without them. The rules add to the built-in markers
//! (`data-cobrowse-mask`, `glance_masked="true"`, the class `cobrowse-mask`, `data-cobrowse-block`) and
//! to what is always masked (password, hidden and file inputs, card and one-time-code fields); they can
//! never unmask those.

use serde::{Deserialize, Serialize};

/// A site's masking rules. Selectors are CSS selectors, matched with `Element.matches`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaskingRules {
    /// Elements matching any of these are masked with their descendants.
    pub mask_selectors: Vec<String>,
    /// Elements matching any of these are sent as an empty box of their size ([`crate::NodeKind::Blocked`]).
    pub block_selectors: Vec<String>,
    /// Under the mask-all modes, elements matching any of these stay visible with their descendants
    /// (unless something else masks them).
    pub unmask_selectors: Vec<String>,
    /// Mask the value of every input, textarea and select (and everything inside them).
    pub mask_all_inputs: bool,
    /// Mask every text, value and content-carrying attribute on the page.
    pub mask_all_text: bool,
}
