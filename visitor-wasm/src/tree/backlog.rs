//! Slicing: how long one task may serialize, and the parents whose children are still to be sent.
//!
//! A snapshot of a large page takes hundreds of milliseconds; done in one task it would freeze the visitor's
//! page that long. So the tree walk (`snapshot.rs`, `record.rs`) checks the clock as it goes, and once the
//! current task's slice is spent it stops reaching into new children: an element already started is sent
//! whole but with its children (or the rest of them) left out, and it waits here, in document order, with
//! the level of its children and the last child sent. The session then yields to the page and, in the
//! next task, sends each waiting parent's children (`record.rs`), which may leave out more in turn, until
//! nothing waits.
//!
//! Why that keeps the mirror equal to the page: the mirror's children of a parent are always the page's
//! children that have ids, in the page's order (a snapshot or event sends a prefix or a whole list with
//! some new ones left out; any change to a known parent's children is a whole list). So the rest of a list
//! is sent as an `Event::Append` of the new children after the last one sent, while nothing after that
//! one has an id; otherwise as an `Event::Children`, which lists the children as they are *now*. A change
//! the page makes to a parent still waiting is simply read when its turn comes; a change to a node already
//! sent arrives as an ordinary delta, and nodes not sent yet have no id, so no event names them. A parent
//! removed meanwhile is skipped (the forget rule took its id).
//!
//! Without a slice set (`Recorder::default()`, the bench's one-call snapshot), the walk never stops.

use js_sys::Date;
use wasm_bindgen::JsValue;
use web_sys::Node;

/// A parent sent without (all of) its children.
#[derive(Clone)]
pub struct Waiting {
    pub parent: Node,
    /// The level of its children (see `snapshot.rs` on depth).
    pub level: usize,
    /// Its last child sent, if every child after it was left out (then the rest may be appended).
    pub after: Option<Node>,
    /// Whose scroll offsets its children's walk reads (`Recorder::scroll_watch`).
    pub scrolled: JsValue,
}

/// The current task's time budget, and the parents waiting for their children.
pub struct Backlog {
    /// Parents sent without (all of) their children, first deferred first; those before `taken` are done.
    /// (A `Vec` and a cursor, not a `VecDeque`: the download pays for every generic type.)
    waiting: Vec<Waiting>,
    taken: usize,
    /// When the current task's slice ends (`Date.now()`, ms); infinite without slicing.
    deadline: f64,
    /// Whether the current task's slice is spent.
    spent: bool,
    /// Nodes the current task still serializes before it looks at the clock.
    floor: u32,
}

impl Default for Backlog {
    /// A backlog that never runs out of time (no slicing).
    fn default() -> Self {
        Self { waiting: Vec::new(), taken: 0, deadline: f64::INFINITY, spent: false, floor: 0 }
    }
}

impl Backlog {
    /// Starts a task's slice of `slice_ms` milliseconds from now (0 or less: spent at once, for tests), in
    /// which at least `min_nodes` nodes are serialized however long they take: on a busy machine the page's
    /// thread may be descheduled for longer than a slice, and a slice that serialized nothing costs a task
    /// and a frame of the mirror's for nothing (a small page would be sent in parts).
    pub fn start_task(&mut self, slice_ms: f64, min_nodes: u32) {
        self.deadline = Date::now() + slice_ms;
        self.spent = false;
        self.floor = min_nodes;
    }

    /// Whether the current task's slice is spent, asked before each node: the clock is read every time (a
    /// call into JS, a small cost beside a node's), since one node may take long (a long text, a sheet).
    /// Once spent, it stays spent until the next [`Backlog::start_task`].
    pub fn is_spent(&mut self) -> bool {
        if self.floor > 0 {
            self.floor -= 1;
            return false;
        }
        if !self.spent && self.deadline.is_finite() {
            self.spent = Date::now() >= self.deadline;
        }
        self.spent
    }

    /// A parent was sent without (some of) its children.
    pub fn defer(&mut self, waiting: Waiting) {
        self.waiting.push(waiting);
    }

    /// The next waiting parent, if any.
    pub fn take_next(&mut self) -> Option<Waiting> {
        let next = self.waiting.get(self.taken).cloned();
        self.taken += 1;
        if next.is_none() {
            self.clear();
        }
        next
    }

    /// Whether no parent waits.
    pub fn is_empty(&self) -> bool {
        self.taken >= self.waiting.len()
    }

    /// Forgets every waiting parent (a new snapshot starts over).
    pub fn clear(&mut self) {
        self.waiting.clear();
        self.taken = 0;
    }
}
