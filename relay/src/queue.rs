//! An agent's queue, bounded in frames and in bytes: 256 frames of 8 MiB would be 2 GiB for one slow
//! agent, so the bytes waiting are capped too (`agent_queue_bytes`), and charged to the relay's memory
//! budget while they wait. A frame past either bound is refused as if the queue were full (the agent
//! lags, see `session.rs`). The receiver gives the bytes back as it takes frames, and all that is left
//! when it is dropped.
//!
//! The methods are those of tokio's `mpsc` channel the session used before: `try_send`, `recv`,
//! `try_recv`, `is_empty`.

use crate::budget::MemoryBudget;
use bytes::Bytes;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::mpsc::{self, error::TrySendError};

/// The bytes waiting in one queue, and what they are charged to.
struct Held {
    bytes: AtomicUsize,
    max_bytes: usize,
    budget: Arc<MemoryBudget>,
}

impl Held {
    fn release(&self, bytes: usize) {
        self.bytes.fetch_sub(bytes, Ordering::SeqCst);
        self.budget.release(bytes);
    }
}

/// The session's end of an agent's queue.
pub(crate) struct QueueSender {
    frames: mpsc::Sender<Bytes>,
    held: Arc<Held>,
}

/// The agent task's end of its queue.
pub(crate) struct QueueReceiver {
    frames: mpsc::Receiver<Bytes>,
    held: Arc<Held>,
}

/// A queue of at most `max_frames` frames and `max_bytes` bytes, charged to `budget`.
pub(crate) fn channel(max_frames: usize, max_bytes: usize, budget: Arc<MemoryBudget>) -> (QueueSender, QueueReceiver) {
    let (sender, receiver) = mpsc::channel(max_frames);
    let held = Arc::new(Held { bytes: AtomicUsize::new(0), max_bytes, budget });
    (QueueSender { frames: sender, held: held.clone() }, QueueReceiver { frames: receiver, held })
}

impl QueueSender {
    /// Queues `frame` unless the queue is full in frames or in bytes (`Full`) or its receiver is gone.
    pub fn try_send(&self, frame: Bytes) -> Result<(), TrySendError<Bytes>> {
        let size = frame.len();
        let reserved = self.held.bytes.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |held| {
            (held + size <= self.held.max_bytes).then_some(held + size)
        });
        if reserved.is_err() {
            return Err(TrySendError::Full(frame));
        }
        match self.frames.try_send(frame) {
            Ok(()) => {
                self.held.budget.charge(size);
                Ok(())
            }
            Err(error) => {
                self.held.bytes.fetch_sub(size, Ordering::SeqCst);
                Err(error)
            }
        }
    }

    /// How many frames wait in the queue.
    pub fn queued_frames(&self) -> usize {
        self.frames.max_capacity() - self.frames.capacity()
    }

    /// The bytes of the frames waiting in the queue.
    pub fn held_bytes(&self) -> usize {
        self.held.bytes.load(Ordering::SeqCst)
    }
}

impl QueueReceiver {
    /// The next frame; `None` once the session dropped its end and every frame was taken.
    pub async fn recv(&mut self) -> Option<Bytes> {
        let frame = self.frames.recv().await?;
        self.held.release(frame.len());
        Some(frame)
    }

    #[cfg(test)]
    pub fn try_recv(&mut self) -> Result<Bytes, mpsc::error::TryRecvError> {
        let frame = self.frames.try_recv()?;
        self.held.release(frame.len());
        Ok(frame)
    }

    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }
}

impl Drop for QueueReceiver {
    fn drop(&mut self) {
        self.frames.close();
        while let Ok(frame) = self.frames.try_recv() {
            self.held.release(frame.len());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(size: usize) -> Bytes {
        Bytes::from(vec![0; size])
    }

    #[test]
    fn the_queue_is_bounded_in_bytes_and_charges_the_budget_while_frames_wait() {
        let budget = MemoryBudget::new(usize::MAX);
        let (sender, mut receiver) = channel(100, 10, budget.clone());
        sender.try_send(frame(6)).unwrap();
        assert!(matches!(sender.try_send(frame(6)), Err(TrySendError::Full(_))), "12 bytes would be over 10");
        sender.try_send(frame(4)).unwrap();
        assert_eq!((sender.held_bytes(), budget.used()), (10, 10));
        assert_eq!(receiver.try_recv().unwrap().len(), 6);
        assert_eq!((sender.held_bytes(), budget.used()), (4, 4));
        sender.try_send(frame(6)).unwrap();
        drop(receiver);
        assert_eq!(budget.used(), 0, "what was left is given back when the agent goes");
        assert!(matches!(sender.try_send(frame(1)), Err(TrySendError::Closed(_))));
        assert_eq!(budget.used(), 0);
    }

    #[test]
    fn the_frame_bound_still_holds() {
        let (sender, _receiver) = channel(2, 1000, MemoryBudget::new(usize::MAX));
        sender.try_send(frame(1)).unwrap();
        sender.try_send(frame(1)).unwrap();
        assert!(matches!(sender.try_send(frame(1)), Err(TrySendError::Full(_))));
        assert_eq!(sender.held_bytes(), 2);
    }
}
