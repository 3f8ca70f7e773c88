//! Heartbeats: the relay pings every peer and closes a socket that has been silent too long.
//!
//! A peer that vanishes without closing (a laptop lid shut, a dropped mobile link, a half-open TCP
//! connection behind a NAT) would otherwise keep its session, its queue and its key alive forever. The
//! writer of each socket sends a WebSocket ping every `heartbeat_interval`; browsers answer pings by
//! themselves, so any message read from the peer — a pong or a frame — proves it is there. The reader
//! notes when it last heard anything ([`Heard`]); [`silence`] resolves once that is longer ago than
//! `heartbeat_timeout`, and the connection ends with [`close::PEER_SILENT`].
//!
//! Reader and writer run in one task (a `select!`), so they share the [`Heard`] by reference.

use crate::close::Ending;
use cobrowse_protocol::close;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::time::Instant;

/// When a connection last heard from its peer.
pub(crate) struct Heard {
    opened: Instant,
    /// Milliseconds after `opened`.
    last: AtomicU64,
}

impl Heard {
    /// Starts counting now, as if the peer had just spoken (its upgrade request).
    pub fn now() -> Self {
        Heard { opened: Instant::now(), last: AtomicU64::new(0) }
    }

    /// The peer sent something.
    pub fn heard(&self) {
        self.last.store(self.opened.elapsed().as_millis() as u64, Ordering::Relaxed);
    }

    /// How long the peer has been silent.
    pub fn silent_for(&self) -> Duration {
        let last = Duration::from_millis(self.last.load(Ordering::Relaxed));
        self.opened.elapsed().saturating_sub(last)
    }
}

/// The heartbeat settings of one relay.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Heartbeat {
    /// How often a ping is sent.
    pub interval: Duration,
    /// How long a peer may stay silent before its socket is closed.
    pub timeout: Duration,
}

impl Heartbeat {
    /// A ticker for the writer's pings; its first tick is one interval from now.
    pub fn pings(&self) -> tokio::time::Interval {
        let mut ticker = tokio::time::interval_at(Instant::now() + self.interval, self.interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticker
    }
}

/// Resolves when the peer has been silent for longer than the heartbeat's timeout.
pub(crate) async fn silence(heard: &Heard, heartbeat: Heartbeat) -> Ending {
    loop {
        let silent = heard.silent_for();
        if silent >= heartbeat.timeout {
            return Ending::close(
                close::PEER_SILENT,
                format!("nothing heard for {} seconds: the connection is gone", silent.as_secs()),
            );
        }
        tokio::time::sleep(heartbeat.timeout - silent).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn silence_resolves_only_after_the_timeout_without_a_word() {
        let heard = Heard::now();
        let heartbeat = Heartbeat { interval: Duration::from_secs(1), timeout: Duration::from_secs(3) };
        let started = Instant::now();
        tokio::select! {
            _ = silence(&heard, heartbeat) => panic!("resolved before the timeout"),
            () = tokio::time::sleep(Duration::from_secs(2)) => {}
        }
        let ending = silence(&heard, heartbeat).await;
        assert!(started.elapsed() >= Duration::from_secs(3));
        assert_eq!(ending.close_reason().map(|reason| reason.code), Some(close::PEER_SILENT));
    }
}
