//! What every session's clients count, shared: deltas sent and received, forwarding latencies while the
//! measuring window is open, frames lost or out of order, and errors (the first one kept to print).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

#[derive(Default)]
pub struct Tally {
    measuring: AtomicBool,
    pub ready_sessions: AtomicU64,
    /// Deltas sent while the window is open.
    pub deltas_sent: AtomicU64,
    /// Deltas sent since the start (the relay keeps them all after the snapshot).
    pub deltas_sent_all: AtomicU64,
    pub deltas_received: AtomicU64,
    pub lost: AtomicU64,
    pub reordered: AtomicU64,
    pub snapshot_requests: AtomicU64,
    pub errors: AtomicU64,
    first_error: Mutex<Option<String>>,
    /// Forwarding latencies in microseconds, measured while the window is open: to agents on the
    /// visitor's node, and (in `--cluster` mode) to agents on another node.
    latencies: Mutex<Vec<u32>>,
    cross_node_latencies: Mutex<Vec<u32>>,
}

/// The latencies' summary, in microseconds.
pub struct Percentiles {
    pub samples: usize,
    pub p50: u32,
    pub p99: u32,
    pub max: u32,
}

impl Tally {
    pub fn set_measuring(&self, on: bool) {
        self.measuring.store(on, Ordering::SeqCst);
    }

    pub fn measuring(&self) -> bool {
        self.measuring.load(Ordering::Relaxed)
    }

    pub fn count(counter: &AtomicU64, by: u64) {
        counter.fetch_add(by, Ordering::Relaxed);
    }

    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }

    pub fn error(&self, what: String) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        let mut first = self.first_error.lock().unwrap();
        first.get_or_insert(what);
    }

    pub fn first_error(&self) -> Option<String> {
        self.first_error.lock().unwrap().clone()
    }

    /// Adds one agent's latencies (it keeps them while it runs, to take the lock once); `cross_node` when
    /// the agent is on another node than its visitor.
    pub fn add_latencies(&self, samples: &[u32], cross_node: bool) {
        let latencies = if cross_node { &self.cross_node_latencies } else { &self.latencies };
        latencies.lock().unwrap().extend_from_slice(samples);
    }

    /// The latencies to agents on the visitor's node (`cross_node` false) or on another node.
    pub fn percentiles(&self, cross_node: bool) -> Percentiles {
        let latencies = if cross_node { &self.cross_node_latencies } else { &self.latencies };
        let mut samples = latencies.lock().unwrap().clone();
        samples.sort_unstable();
        let at = |fraction: f64| match samples.len() {
            0 => 0,
            n => samples[((n - 1) as f64 * fraction).round() as usize],
        };
        Percentiles { samples: samples.len(), p50: at(0.50), p99: at(0.99), max: at(1.0) }
    }
}
