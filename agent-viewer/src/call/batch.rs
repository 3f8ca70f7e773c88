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

#[cfg(test)]
mod tests {
    use super::*;

    fn p(x: i32, y: i32) -> Point {
        Point { x, y }
    }

    #[test]
    fn only_the_pointers_last_place_goes() {
        let mut batch = Batch::default();
        batch.pointer(Some(p(1, 1)));
        batch.pointer(Some(p(2, 3)));
        assert_eq!(batch.take(), vec![Control::Pointer { agent: NOBODY, at: Some(p(2, 3)) }]);
        assert!(batch.is_empty());
        batch.pointer(None);
        assert_eq!(batch.take(), vec![Control::Pointer { agent: NOBODY, at: None }]);
        assert_eq!(batch.take(), vec![]);
    }

    #[test]
    fn a_stroke_starts_once_then_goes_in_batches() {
        let mut batch = Batch::default();
        let mut early = Vec::new();
        batch.start_stroke(p(0, 0), &mut early);
        assert!(early.is_empty());
        batch.extend_stroke(p(1, 1));
        assert_eq!(batch.take(), vec![Control::Draw { agent: NOBODY, start: true, points: vec![p(0, 0), p(1, 1)] }]);
        batch.extend_stroke(p(2, 2));
        batch.extend_stroke(p(3, 3));
        assert_eq!(batch.take(), vec![Control::Draw { agent: NOBODY, start: false, points: vec![p(2, 2), p(3, 3)] }]);
        batch.extend_stroke(p(4, 4));
        batch.start_stroke(p(9, 9), &mut early);
        assert_eq!(early, vec![Control::Draw { agent: NOBODY, start: false, points: vec![p(4, 4)] }]);
        assert_eq!(batch.take(), vec![Control::Draw { agent: NOBODY, start: true, points: vec![p(9, 9)] }]);
    }

    #[test]
    fn the_last_scroll_target_goes_as_an_input() {
        let mut batch = Batch::default();
        batch.scroll(ScrollTarget::Window(p(0, 100)));
        batch.scroll(ScrollTarget::Window(p(0, 200)));
        assert_eq!(batch.pending_scroll(), Some(ScrollTarget::Window(p(0, 200))));
        assert_eq!(batch.take(), vec![Control::Input { agent: NOBODY, input: RemoteInput::Scroll { to: p(0, 200) } }]);
        batch.scroll(ScrollTarget::Element { node: 7, at: p(5, 5), to: p(0, 40) });
        assert_eq!(
            batch.take(),
            vec![Control::Input {
                agent: NOBODY,
                input: RemoteInput::ScrollElement { node: 7, at: p(5, 5), to: p(0, 40) }
            }]
        );
    }
}
