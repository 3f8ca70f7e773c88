//! When the relay received each of the visitor's snapshots, on the wall clock the browsers share.
//!
//! The relay's frame tap (`Relay::subscribe_frames`) hands this process every frame the relay received;
//! a task stamps each snapshot from the visitor with the time since the Unix epoch in ms, the clock of
//! the pages' `performance.timeOrigin + performance.now()`. The `pages` section uses it to split a page
//! change into the visitor's part (its new page to its snapshot at the relay) and the rest; the `join`
//! section counts what arrived, to know when the relay holds a whole snapshot.

use cobrowse_protocol::frame::{self, FrameKind};
use cobrowse_relay::{Peer, ReceivedFrame};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::task::JoinHandle;

/// The times snapshots and their later parts reached the relay; recording stops when dropped.
pub struct SnapshotArrivals {
    times: Arc<Mutex<Vec<f64>>>,
    parts: Arc<Mutex<Vec<f64>>>,
    task: JoinHandle<()>,
}

impl SnapshotArrivals {
    /// Starts recording from the relay's frame tap.
    pub fn record(mut frames: broadcast::Receiver<ReceivedFrame>) -> Self {
        let (times, parts) = (Arc::new(Mutex::new(Vec::new())), Arc::new(Mutex::new(Vec::new())));
        let (recorded, recorded_parts) = (times.clone(), parts.clone());
        let task = tokio::spawn(async move {
            loop {
                match frames.recv().await {
                    Ok(frame) => match visitor_snapshot_kind(&frame) {
                        Some(FrameKind::Snapshot) => recorded.lock().expect("the times").push(now_ms()),
                        Some(_) => recorded_parts.lock().expect("the times").push(now_ms()),
                        None => {}
                    },
                    Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => break,
                }
            }
        });
        Self { times, parts, task }
    }

    /// The first time a snapshot reached the relay between `from` and `to` (wall-clock ms).
    pub fn first_between(&self, from: f64, to: f64) -> Option<f64> {
        self.times.lock().expect("the times").iter().copied().find(|time| (from..=to).contains(time))
    }

    /// How many snapshots and how many later parts of one have reached the relay since recording began.
    pub fn counts(&self) -> (usize, usize) {
        (self.times.lock().expect("the times").len(), self.parts.lock().expect("the times").len())
    }

    /// The last time a later part of a snapshot reached the relay between `from` and `to` (wall-clock ms).
    pub fn last_part_between(&self, from: f64, to: f64) -> Option<f64> {
        self.parts.lock().expect("the times").iter().copied().rfind(|time| (from..=to).contains(time))
    }
}

impl Drop for SnapshotArrivals {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// `Snapshot` or `SnapshotPart` for a visitor's snapshot frame or later part of one; `None` otherwise.
fn visitor_snapshot_kind(frame: &ReceivedFrame) -> Option<FrameKind> {
    match (&frame.from, frame::parse(&frame.bytes)) {
        (Peer::Visitor, Ok((kind @ (FrameKind::Snapshot | FrameKind::SnapshotPart), _))) => Some(kind),
        _ => None,
    }
}

/// Now, in ms since the Unix epoch.
fn now_ms() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |since| since.as_secs_f64() * 1_000.0)
}
