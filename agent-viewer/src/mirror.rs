//! The mirror: the visitor's page rebuilt in the sandboxed iframe, and the one owner of the viewer's state.
//!
//! Everything the viewer keeps about the mirrored page lives in a [`Mirror`]'s fields: the visitor's ids
//! ([`NodeIds`]), the map of uploaded assets ([`Assets`]), the navigation guard every rebuilt document
//! gets, the viewer's nodes in the head, hover and focus marks, the window's scroll offset, and the counts
//! of what went wrong. The parts that build and patch the page take the mirror explicitly (`&mut Mirror`,
//! or a [`crate::build::builder::Builder`] holding it) instead of reaching for module globals, so a
//! session's end drops one value and nothing needs resetting.
//!
//! This file holds the owner and what can be read of it; what it does is spread by data flow:
//! `build/snapshot.rs` rebuilds the whole document from a `Snapshot`, `apply/delta.rs` applies a
//! `Delta`'s events, `apply/announcement.rs` the relay's asset announcements.

use crate::assets::Assets;
use crate::build::injected::Injected;
use crate::build::listeners::DocumentListeners;
use crate::build::view_only::NavigationGuard;
use crate::chrome::overlay::Overlay;
use crate::dom;
use crate::ids::NodeIds;
use crate::state::presence::Presence;
use crate::state::window_scroll::WindowScroll;
use crate::styles::sheet_loads::SheetLoads;
use cobrowse_protocol::NodeId;
use web_sys::{Document, Element, HtmlIFrameElement, Node};

/// The visitor's page, mirrored in an iframe.
pub struct Mirror {
    pub(crate) overlay: Overlay,
    pub(crate) ids: NodeIds,
    pub(crate) assets: Assets,
    /// The viewer's base and stylesheet in the top document's head.
    pub(crate) injected: Option<Injected>,
    pub(crate) window_scroll: WindowScroll,
    /// Given to the top document and to every nested document the mirror builds.
    pub(crate) navigation_guard: NavigationGuard,
    /// The agent's gesture listeners (`surface/`), given to every top document the mirror builds.
    pub(crate) listeners: DocumentListeners,
    pub(crate) presence: Presence,
    pub(crate) sheet_loads: SheetLoads,
    pub(crate) counts: Counts,
}

/// What went wrong in the mirror since it was made (the session publishes them, see `chrome/counters.rs`).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Counts {
    /// Events that named an unknown id or could not be applied.
    pub out_of_step: u32,
    /// Stylesheet rules (or adopted sheets, or canvas images) the mirror's browser refused.
    pub rejected_rules: u32,
    /// Nested documents that could not be built.
    pub unbuilt_nested_documents: u32,
    /// Hosts the DOM refused a shadow root.
    pub refused_shadow_hosts: u32,
}

impl Mirror {
    /// A mirror in `iframe`, which must be in the page and sandboxed with `allow-same-origin` only.
    pub fn new(iframe: HtmlIFrameElement) -> Self {
        Self::with_overlay(Overlay::for_iframe(iframe))
    }

    /// A mirror whose iframe is scaled and given a pointer by `overlay`.
    pub fn with_overlay(overlay: Overlay) -> Self {
        let window_scroll = WindowScroll::new(overlay.iframe());
        Self {
            overlay,
            ids: NodeIds::default(),
            assets: Assets::default(),
            injected: None,
            window_scroll,
            navigation_guard: NavigationGuard::default(),
            listeners: DocumentListeners::default(),
            presence: Presence::default(),
            sheet_loads: SheetLoads::default(),
            counts: Counts::default(),
        }
    }

    pub fn overlay(&self) -> &Overlay {
        &self.overlay
    }

    pub fn overlay_mut(&mut self) -> &mut Overlay {
        &mut self.overlay
    }

    /// The map of the visitor's uploaded resources.
    pub fn assets(&self) -> &Assets {
        &self.assets
    }

    /// The mirror's document.
    pub fn document(&self) -> Option<Document> {
        self.overlay.iframe().content_document()
    }

    /// Listens to the agent's gestures on this document and every one the mirror builds after it.
    pub fn listen(&mut self, listeners: Vec<(&'static str, js_sys::Function)>) {
        let document = self.document();
        self.listeners.set(listeners, document.as_ref());
    }

    /// The mirror window's scroll offset now (0, 0 without a window).
    pub fn scroll_offset(&self) -> (f64, f64) {
        self.overlay
            .iframe()
            .content_window()
            .map_or((0.0, 0.0), |window| (window.scroll_x().unwrap_or(0.0), window.scroll_y().unwrap_or(0.0)))
    }

    /// The mirror node the visitor calls `id`.
    pub fn node(&self, id: NodeId) -> Option<Node> {
        self.ids.get(id).cloned()
    }

    /// The visitor's id of `node` or, if the viewer made it, of its nearest ancestor that has one (across
    /// shadow roots): what the visitor calls the element the agent pointed at.
    pub fn visitor_id_of(&self, node: &Node) -> Option<NodeId> {
        let mut current = Some(node.clone());
        while let Some(node) = current {
            if let Some(id) = self.ids.id_of(&node) {
                return Some(id);
            }
            current = node.parent_node().map(|parent| match parent.node_type() {
                Node::DOCUMENT_FRAGMENT_NODE => dom::shadow_host_or_self(&parent),
                _ => parent,
            });
        }
        None
    }

    /// How many nodes have an id.
    pub fn node_count(&self) -> usize {
        self.ids.len()
    }

    /// How many events (since the mirror was made) named an unknown id or could not be applied.
    pub fn out_of_step_events(&self) -> u32 {
        self.counts.out_of_step
    }

    /// How many stylesheet rules, adopted sheets or canvas images the mirror's browser refused.
    pub fn rejected_rules(&self) -> u32 {
        self.counts.rejected_rules
    }

    /// How many nested documents (an iframe's) could not be built.
    pub fn unbuilt_nested_documents(&self) -> u32 {
        self.counts.unbuilt_nested_documents
    }

    /// How many elements the DOM refused a shadow root (their root's content is kept detached).
    pub fn refused_shadow_hosts(&self) -> u32 {
        self.counts.refused_shadow_hosts
    }

    /// The element with this id (by node type: mirror nodes are of the iframe's realm, not this one's).
    pub(crate) fn element(&self, id: NodeId) -> Option<Element> {
        dom::as_element(self.ids.get(id)?).cloned()
    }
}
