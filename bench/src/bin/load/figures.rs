//! One round's figures as data, written with `--figures PATH` for `cargo xtask bench`, which runs the load
//! tool for issue 13's sixth target (the relay's cost per session) and reads them back
//! (`bench/src/relay_cost.rs` holds the same fields).

use serde::Serialize;

/// What one round measured (bytes, seconds, and the relay's CPU in cores: 1.0 is one core all the time).
#[derive(Debug, Default, Serialize)]
pub struct Figures {
    pub sessions: u64,
    pub window_secs: f64,
    pub deltas_sent_per_sec: f64,
    /// Deltas the agents received a second (each visitor's delta goes to its two agents).
    pub frames_forwarded_per_sec: f64,
    pub relay_cores: f64,
    pub memory_per_session_beyond_idle: f64,
    pub kept_per_session: f64,
    pub memory_per_session_beyond_kept: f64,
    pub p50_micros: u32,
    pub p99_micros: u32,
    pub lost: u64,
    pub reordered: u64,
    pub errors: u64,
}
