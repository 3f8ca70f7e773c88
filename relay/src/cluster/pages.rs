//! Each page frame crosses the engine once per node that has agents of its session, not once per agent.
//!
//! The home node gives every page frame it sends to a node an id (growing, never reused) and remembers
//! the last [`REMEMBERED`] it sent there for the session ([`SentPages`]); the receiving node keeps the same
//! frames ([`ReceivedPages`]). When another agent of the session on that node needs a frame already
//! sent, only its id crosses ([`Wire::PageAgain`](super::wire::Wire)). A frame is recognised as the same
//! by its bytes' identity (the session queues one reference-counted buffer to every agent), never by
//! reading it. Every `Page` tells the receiver the oldest id the sender still remembers, so both forget
//! the same frames: a `PageAgain` always finds its frame.

use bytes::Bytes;
use std::collections::{BTreeMap, VecDeque};

/// How many page frames per session and node are remembered on both sides.
pub(crate) const REMEMBERED: usize = 64;

/// What the home node sent one node for one session.
#[derive(Default)]
pub(crate) struct SentPages {
    frames: VecDeque<(u64, Bytes)>,
    /// The remote agents of the session on that node (the memory goes with the last).
    pub agents: usize,
}

/// How to send a page frame.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Send {
    /// The bytes, to be kept as `id`; the receiver forgets what is older than `oldest`.
    Bytes { id: u64, oldest: u64 },
    /// Already there as `id`.
    Again { id: u64 },
}

impl SentPages {
    /// How to send `frame`: again by id if it was sent, else with its bytes under `next_id` (which the
    /// caller draws from a counter that never repeats).
    pub fn send(&mut self, frame: &Bytes, next_id: impl FnOnce() -> u64) -> Send {
        let same = |kept: &Bytes| kept.as_ptr() == frame.as_ptr() && kept.len() == frame.len();
        if let Some((id, _)) = self.frames.iter().find(|(_, kept)| same(kept)) {
            return Send::Again { id: *id };
        }
        let id = next_id();
        if self.frames.len() == REMEMBERED {
            self.frames.pop_front();
        }
        self.frames.push_back((id, frame.clone()));
        Send::Bytes { id, oldest: self.frames.front().map_or(id, |(oldest, _)| *oldest) }
    }

    /// Forgets every frame sent: the next ones cross with their bytes (the receiver may have lost some).
    pub fn forget(&mut self) {
        self.frames.clear();
    }
}

/// The page frames a node received from one home node for one session.
#[derive(Default)]
pub(crate) struct ReceivedPages {
    frames: BTreeMap<u64, Bytes>,
    /// This node's agents of the session (the memory goes with the last).
    pub agents: usize,
}

impl ReceivedPages {
    /// Keeps `frame` as `id`, forgetting what the sender forgot (ids below `oldest`).
    pub fn keep(&mut self, id: u64, oldest: u64, frame: Bytes) {
        self.frames = self.frames.split_off(&oldest);
        self.frames.insert(id, frame);
    }

    /// The frame kept as `id`.
    pub fn get(&self, id: u64) -> Option<Bytes> {
        self.frames.get(&id).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sends `frames` through both sides as the node does; returns what the receiver resolved.
    fn through(frames: &[Bytes]) -> (Vec<Bytes>, usize) {
        let (mut sent, mut received) = (SentPages::default(), ReceivedPages::default());
        let mut counter = 0;
        let mut crossed = 0;
        let resolved = frames
            .iter()
            .map(|frame| {
                match sent.send(frame, || {
                    counter += 1;
                    counter
                }) {
                    Send::Bytes { id, oldest } => {
                        crossed += 1;
                        received.keep(id, oldest, Bytes::copy_from_slice(frame));
                        received.get(id).unwrap()
                    }
                    Send::Again { id } => received.get(id).expect("a PageAgain finds its frame"),
                }
            })
            .collect();
        (resolved, crossed)
    }

    #[test]
    fn a_frame_for_two_agents_crosses_once_and_equal_bytes_in_other_buffers_cross_again() {
        let first = Bytes::from_static(b"\x01\x00S1");
        let copy = Bytes::copy_from_slice(&first);
        let frames = [first.clone(), first.clone(), copy.clone(), first.clone()];
        let (resolved, crossed) = through(&frames);
        assert_eq!(resolved, frames);
        assert_eq!(crossed, 2, "the same buffer once, an equal but distinct buffer once more");
    }

    #[test]
    fn both_sides_forget_the_same_frames() {
        let frames: Vec<Bytes> = (0..REMEMBERED * 3).map(|n| Bytes::from(format!("frame {n}"))).collect();
        // Every frame twice, the second time after many others: far ones cross again, near ones do not.
        let mut order = Vec::new();
        for (index, frame) in frames.iter().enumerate() {
            order.push(frame.clone());
            if index >= 10 {
                order.push(frames[index - 10].clone());
            }
        }
        order.push(frames[0].clone());
        let (resolved, crossed) = through(&order);
        assert_eq!(resolved, order);
        assert_eq!(crossed, frames.len() + 1, "only frame 0, long forgotten, crossed twice");
    }
}
