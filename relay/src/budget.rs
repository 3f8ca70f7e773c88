//! The global memory budget: the bytes all sessions hold in kept state and agent queues together.
//!
//! Every kept frame and every frame waiting in an agent's queue is charged here while it is held (a frame
//! both kept and queued is charged twice: the count is an upper bound, never an undercount). Past the
//! limit, the shedder (`shedding.rs`) is woken to end the sessions idle the longest.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::Notify;
/// The bytes held in kept state and agent queues across all sessions.
pub(crate) struct MemoryBudget {
    limit: usize,
    used: AtomicUsize,
    over: Notify,
}

impl MemoryBudget {
    pub fn new(limit: usize) -> Arc<MemoryBudget> {
        Arc::new(MemoryBudget { limit, used: AtomicUsize::new(0), over: Notify::new() })
    }

    /// A budget that never sheds (for tests of other things).
    #[cfg(test)]
    pub fn unlimited() -> Arc<MemoryBudget> {
        MemoryBudget::new(usize::MAX)
    }

    /// `bytes` more are held; wakes the shedder if that goes over the limit.
    pub fn charge(&self, bytes: usize) {
        let used = self.used.fetch_add(bytes, Ordering::SeqCst) + bytes;
        if used > self.limit {
            self.over.notify_one();
        }
    }

    /// Resolves the next time a charge goes over the limit.
    pub async fn went_over(&self) {
        self.over.notified().await;
    }

    /// `bytes` held before are let go.
    pub fn release(&self, bytes: usize) {
        self.used.fetch_sub(bytes, Ordering::SeqCst);
    }

    pub fn used(&self) -> usize {
        self.used.load(Ordering::SeqCst)
    }

    /// How far over the limit the relay is.
    pub fn excess(&self) -> usize {
        self.used().saturating_sub(self.limit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charges_and_releases_add_up() {
        let budget = MemoryBudget::new(100);
        budget.charge(60);
        budget.charge(60);
        assert_eq!(budget.excess(), 20);
        budget.release(60);
        assert_eq!(budget.used(), 60);
        assert_eq!(budget.excess(), 0);
    }
}
