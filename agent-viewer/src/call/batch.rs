//! What the agent's gestures send, gathered until the next animation frame: the pointer's last place,
//! a stroke's new points, the control's scroll target. At most one message of each kind goes per frame,
//! however fast the mouse or the wheel.

use cobrowse_protocol::call::{RemoteInput, NOBODY};
use cobrowse_protocol::{Control, NodeId, Point};

/// Where the agent's scroll should take the visitor's page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScrollTarget {
    /// The window scrolls to this document offset.
    Window(Point),
    /// The element `node`, shown at `at`, scrolls to `to`.
    Element { node: NodeId, at: Point, to: Point },
}

/// The messages waiting for the next animation frame.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Batch {
    /// The pointer's latest place (`Some(None)`: it left the mirror).
    pointer: Option<Option<Point>>,
    /// A stroke's points not sent yet, and whether they begin the stroke.
    stroke: Vec<Point>,
    stroke_starts: bool,
    scroll: Option<ScrollTarget>,
}

impl Batch {
    /// The pointer is at `at` now (`None`: it left the mirror).
    pub fn pointer(&mut self, at: Option<Point>) {
        self.pointer = Some(at);
    }

    /// A new stroke begins at `at` (points of the last one still waiting go first).
    pub fn start_stroke(&mut self, at: Point, out: &mut Vec<Control>) {
        if let Some(draw) = self.take_stroke() {
            out.push(draw);
        }
        self.stroke_starts = true;
        self.stroke.push(at);
    }

    /// The stroke goes on to `at`.
    pub fn extend_stroke(&mut self, at: Point) {
        self.stroke.push(at);
    }

    /// The agent's wheel should take the page to `target` (replacing a target not sent yet).
    pub fn scroll(&mut self, target: ScrollTarget) {
        self.scroll = Some(target);
    }

    /// The scroll target not sent yet.
    pub fn pending_scroll(&self) -> Option<ScrollTarget> {
        self.scroll
    }

    pub fn is_empty(&self) -> bool {
        self.pointer.is_none() && self.stroke.is_empty() && self.scroll.is_none()
    }

    /// The messages to send now, emptying the batch.
    pub fn take(&mut self) -> Vec<Control> {
        let mut out = Vec::new();
        if let Some(at) = self.pointer.take() {
            out.push(Control::Pointer { agent: NOBODY, at });
        }
        if let Some(draw) = self.take_stroke() {
            out.push(draw);
        }
        if let Some(target) = self.scroll.take() {
            out.push(Control::Input { agent: NOBODY, input: scroll_input(target) });
        }
        out
    }

    fn take_stroke(&mut self) -> Option<Control> {
        if self.stroke.is_empty() {
            return None;
        }
        let start = std::mem::take(&mut self.stroke_starts);
        Some(Control::Draw { agent: NOBODY, start, points: std::mem::take(&mut self.stroke) })
    }
}

/// The remote input that scrolls to `target`.
pub fn scroll_input(target: ScrollTarget) -> RemoteInput {
    match target {
        ScrollTarget::Window(to) => RemoteInput::Scroll { to },
        ScrollTarget::Element { node, at, to } => RemoteInput::ScrollElement { node, at, to },
    }
}
