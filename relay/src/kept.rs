//! A session's kept state: its latest snapshot frame and the delta frames after it, as received.
//!
//! This is what an agent who joins late is sent first, so it sees the page at once. The snapshot is the
//! visitor's own bytes (reference-counted, not copied); the relay never looks inside the frames. Deltas that
//! arrive before any snapshot are not kept: no receiver could decode them.
//!
//! A delta or later part is copied into a buffer of its own length before it is kept: as received, it is a
//! slice of the socket's read buffer, and keeping the slice would keep the whole buffer (and with it
//! whatever else was read into it) for as long as the session keeps the frame, beyond what the budget is
//! charged. A snapshot is read into a buffer reserved for its length, so it is kept as received.
//!
//! A sliced snapshot's later parts (`FrameKind::SnapshotPart`) are kept in order among the deltas, like
//! them, but their bytes count as the snapshot's: a huge page sent in slices is not a pile of deltas
//! worth a fresh snapshot (which would be sliced again).
//!
//! The bytes kept are charged to the relay's memory budget (`budget.rs`) while they are kept, so that many
//! sessions together cannot hold more than `memory_bytes` (unjoined sessions included).

use crate::budget::MemoryBudget;
use bytes::Bytes;
use std::sync::Arc;

#[derive(Default)]
pub(crate) struct KeptState {
    frames: Vec<Bytes>,
    /// The snapshot's bytes and its parts'.
    snapshot_bytes: usize,
    delta_bytes: usize,
    /// Where the kept bytes are charged (none in tests of other things).
    budget: Option<Arc<MemoryBudget>>,
}

impl KeptState {
    /// An empty state whose bytes are charged to `budget` while kept.
    pub fn charged_to(budget: Arc<MemoryBudget>) -> KeptState {
        KeptState { frames: Vec::new(), snapshot_bytes: 0, delta_bytes: 0, budget: Some(budget) }
    }

    /// Forgets everything before `snapshot`: it starts a fresh compression context.
    pub fn replace_with_snapshot(&mut self, snapshot: Bytes) {
        self.release_all();
        self.charge(snapshot.len());
        self.snapshot_bytes = snapshot.len();
        self.frames.push(snapshot);
    }

    /// Appends a delta after the kept snapshot; without a snapshot there is nothing to append to.
    pub fn append_delta(&mut self, delta: Bytes) {
        let bytes = delta.len();
        if self.append(delta) {
            self.delta_bytes += bytes;
        }
    }

    /// Appends a later part of the kept snapshot, counted as the snapshot's bytes; without a snapshot
    /// there is nothing to append to.
    pub fn append_snapshot_part(&mut self, part: Bytes) {
        let bytes = part.len();
        if self.append(part) {
            self.snapshot_bytes += bytes;
        }
    }

    /// Appends `frame` after the kept snapshot, charged; false (and nothing kept) without a snapshot.
    fn append(&mut self, frame: Bytes) -> bool {
        if self.frames.is_empty() {
            return false;
        }
        self.charge(frame.len());
        self.frames.push(Bytes::copy_from_slice(&frame)); // not the read buffer it is a slice of (see above)
        true
    }

    /// Forgets everything until the next snapshot.
    pub fn clear(&mut self) {
        self.release_all();
    }

    fn charge(&self, bytes: usize) {
        if let Some(budget) = &self.budget {
            budget.charge(bytes);
        }
    }

    fn release_all(&mut self) {
        if let Some(budget) = &self.budget {
            budget.release(self.total_bytes());
        }
        self.frames.clear();
        self.snapshot_bytes = 0;
        self.delta_bytes = 0;
    }

    pub fn frames(&self) -> &[Bytes] {
        &self.frames
    }

    pub fn total_bytes(&self) -> usize {
        self.snapshot_bytes + self.delta_bytes
    }

    /// Whether a fresh snapshot would be worth asking for: the kept state is over `limit` and the deltas
    /// outweigh the snapshot they follow. The second condition keeps a page whose snapshot alone is over
    /// the limit from asking for a snapshot after every delta.
    pub fn wants_fresh_snapshot(&self, limit: usize) -> bool {
        self.total_bytes() > limit && self.delta_bytes > self.snapshot_bytes
    }
}

impl Drop for KeptState {
    fn drop(&mut self) {
        self.release_all();
    }
}

impl std::fmt::Debug for KeptState {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("KeptState")
            .field("frames", &self.frames.len())
            .field("snapshot_bytes", &self.snapshot_bytes)
            .field("delta_bytes", &self.delta_bytes)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(text: &'static str) -> Bytes {
        Bytes::from_static(text.as_bytes())
    }

    #[test]
    fn a_snapshot_starts_over_and_deltas_follow_it() {
        let mut kept = KeptState::default();
        kept.append_delta(frame("orphan"));
        assert!(kept.frames().is_empty());
        kept.replace_with_snapshot(frame("S1"));
        kept.append_delta(frame("d1"));
        kept.append_delta(frame("d2"));
        assert_eq!(kept.frames(), [frame("S1"), frame("d1"), frame("d2")]);
        kept.replace_with_snapshot(frame("S2!"));
        kept.append_delta(frame("d3"));
        assert_eq!(kept.frames(), [frame("S2!"), frame("d3")]);
        assert_eq!(kept.total_bytes(), 5);
        kept.clear();
        assert!(kept.frames().is_empty());
        assert_eq!(kept.total_bytes(), 0);
    }

    #[test]
    fn a_kept_delta_does_not_hold_on_to_the_buffer_it_was_read_into() {
        let mut kept = KeptState::default();
        kept.replace_with_snapshot(frame("S1"));
        let read_buffer = Bytes::from(vec![7u8; 8 * 1024]);
        kept.append_delta(read_buffer.slice(..1024));
        kept.append_snapshot_part(read_buffer.slice(1024..2048));
        assert_eq!(kept.frames()[1], read_buffer.slice(..1024));
        assert!(read_buffer.try_into_mut().is_ok(), "the kept frames still share the read buffer");
    }

    #[test]
    fn kept_bytes_are_charged_while_kept() {
        let budget = MemoryBudget::new(usize::MAX);
        let mut kept = KeptState::charged_to(budget.clone());
        kept.append_delta(frame("orphan"));
        assert_eq!(budget.used(), 0, "an orphan delta is not kept");
        kept.replace_with_snapshot(frame("S1"));
        kept.append_delta(frame("d1"));
        assert_eq!(budget.used(), 4);
        kept.replace_with_snapshot(frame("S2!"));
        assert_eq!(budget.used(), 3);
        kept.clear();
        assert_eq!(budget.used(), 0);
        kept.replace_with_snapshot(frame("S3"));
        drop(kept);
        assert_eq!(budget.used(), 0, "a dropped state gives its bytes back");
    }

    #[test]
    fn a_fresh_snapshot_is_wanted_only_when_deltas_outweigh_it() {
        let mut kept = KeptState::default();
        kept.replace_with_snapshot(Bytes::from(vec![0; 100]));
        assert!(!kept.wants_fresh_snapshot(50), "a large snapshot alone must not ask for another");
        kept.append_delta(Bytes::from(vec![0; 60]));
        assert!(!kept.wants_fresh_snapshot(50));
        kept.append_delta(Bytes::from(vec![0; 60]));
        assert!(kept.wants_fresh_snapshot(50));
        assert!(!kept.wants_fresh_snapshot(1000));
    }

    #[test]
    fn snapshot_parts_follow_the_snapshot_in_order_and_need_one() {
        let budget = MemoryBudget::new(usize::MAX);
        let mut kept = KeptState::charged_to(budget.clone());
        kept.append_snapshot_part(frame("orphan part"));
        assert!(kept.frames().is_empty(), "a part without its snapshot is not kept");
        assert_eq!(budget.used(), 0);
        kept.replace_with_snapshot(frame("S1"));
        kept.append_snapshot_part(frame("p1"));
        kept.append_delta(frame("d1"));
        kept.append_snapshot_part(frame("p2"));
        assert_eq!(kept.frames(), [frame("S1"), frame("p1"), frame("d1"), frame("p2")]);
        assert_eq!(kept.total_bytes(), 8);
        assert_eq!(budget.used(), 8, "parts are charged like any kept frame");
        kept.replace_with_snapshot(frame("S2"));
        assert_eq!(kept.frames(), [frame("S2")], "the next snapshot drops the old one's parts");
        assert_eq!(budget.used(), 2);
    }

    #[test]
    fn snapshot_parts_count_as_the_snapshot_not_as_deltas() {
        let mut sliced = KeptState::default();
        let mut unsliced = KeptState::default();
        for kept in [&mut sliced, &mut unsliced] {
            kept.replace_with_snapshot(Bytes::from(vec![0; 10]));
        }
        for _ in 0..5 {
            sliced.append_snapshot_part(Bytes::from(vec![0; 30]));
            unsliced.append_delta(Bytes::from(vec![0; 30]));
        }
        assert_eq!(sliced.total_bytes(), unsliced.total_bytes());
        assert!(!sliced.wants_fresh_snapshot(50), "the parts are the snapshot: no fresh one for them");
        assert!(unsliced.wants_fresh_snapshot(50), "the same bytes as deltas want a fresh snapshot");
        for _ in 0..6 {
            sliced.append_delta(Bytes::from(vec![0; 30]));
        }
        assert!(sliced.wants_fresh_snapshot(50), "deltas outweighing snapshot and parts still do");
    }
}
