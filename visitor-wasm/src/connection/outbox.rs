//! The order of page frames while a snapshot is being compressed.
//!
//! The browser compresses a snapshot asynchronously (`browser_deflate.rs`), but the deltas recorded
//! meanwhile are encoded at once, in the context that follows that snapshot: they must reach the relay
//! after it, in order, none lost (the relay drops a connection's deltas until its first snapshot). The
//! [`Outbox`] holds a place for each snapshot being compressed and keeps every frame after it until it is
//! filled. It does no IO: it answers which frames may go now.

/// A snapshot's place in the [`Outbox`], to fill when its frame is ready.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place(u32);

enum Slot {
    Ready(Vec<u8>),
    Waiting(Place),
}

/// Page frames waiting behind a snapshot still being compressed.
#[derive(Default)]
pub struct Outbox {
    /// In sending order; few (a snapshot or two, and the deltas of a few milliseconds): a `Vec` costs less
    /// download than a `VecDeque`.
    slots: Vec<Slot>,
    next_place: u32,
}

impl Outbox {
    /// The frames to send now: `frame` itself if nothing waits before it, else none (it is kept).
    pub fn push(&mut self, frame: Vec<u8>) -> Vec<Vec<u8>> {
        if self.slots.is_empty() {
            return vec![frame];
        }
        self.slots.push(Slot::Ready(frame));
        Vec::new()
    }

    /// Keeps a place for a frame being made; every frame pushed after it waits for it.
    pub fn reserve(&mut self) -> Place {
        let place = Place(self.next_place);
        self.next_place = self.next_place.wrapping_add(1);
        self.slots.push(Slot::Waiting(place));
        place
    }

    /// Fills `place` with its frame; the frames to send now, in order (none while an earlier place waits).
    pub fn fill(&mut self, place: Place, frame: Vec<u8>) -> Vec<Vec<u8>> {
        if let Some(slot) = self.slots.iter_mut().find(|slot| matches!(slot, Slot::Waiting(p) if *p == place)) {
            *slot = Slot::Ready(frame);
        }
        let leading = self.slots.iter().take_while(|slot| matches!(slot, Slot::Ready(_))).count();
        self.slots
            .drain(..leading)
            .filter_map(|slot| match slot {
                Slot::Ready(frame) => Some(frame),
                Slot::Waiting(_) => None,
            })
            .collect()
    }

    /// Whether frames wait for a snapshot being compressed.
    pub fn is_waiting(&self) -> bool {
        !self.slots.is_empty()
    }
}
