//! A session's keeper: the one task that lives as long as the session, whatever its visitor's connections
//! do, and ends it when a deadline passes (the grace period, the idle limit, an unused key's expiry) or
//! the relay shuts down. Once the session has ended, for whatever reason, the keeper removes it from the
//! registry, so its key stops working.
//!
//! The deadlines are checked by the session itself (`Session::check_deadlines`, which takes the time as an
//! argument and is tested without waiting); the keeper only wakes up often enough to ask.

use crate::close::CloseReason;
use crate::events::{Event, What};
use crate::session::{Deadlines, Session};
use crate::state::RelayState;
use cobrowse_protocol::close;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// The keeper never sleeps longer than this between checks, nor shorter than [`MIN_TICK`].
const MAX_TICK: Duration = Duration::from_secs(1);
const MIN_TICK: Duration = Duration::from_millis(20);

/// Starts the keeper of `session`.
pub(crate) fn spawn(session: Arc<Session>, state: Arc<RelayState>) {
    tokio::spawn(keep(session, state));
}

async fn keep(session: Arc<Session>, state: Arc<RelayState>) {
    let mut shutdown = state.shutdown.clone();
    let deadlines = state.deadlines();
    let stopping = tokio::select! {
        () = session.ended() => false,
        () = check_until_ended(&session, &deadlines) => false,
        () = shutdown.requested() => {
            session.end(CloseReason::new(close::GOING_AWAY, "the relay is shutting down"));
            true
        }
    };
    let ended = session.end_reason();
    state.events.record(Event::of(&session, What::SessionEnded { code: ended.code, reason: ended.reason }));
    state.registry.remove(&session);
    // A node of a cluster that stops keeps the key in the engine: the visitor resumes on another node,
    // which takes the session over (`cluster::take_over`). The session may have been ended by another
    // task of the stopping relay first (its visitor's connection), so the signal is read again.
    if !stopping && !shutdown.is_requested() {
        state.engine.release(session.key()).await;
    }
}

async fn check_until_ended(session: &Session, deadlines: &Deadlines) {
    let tick = tick_for(deadlines);
    while !session.check_deadlines(Instant::now(), deadlines) {
        tokio::time::sleep(tick).await;
    }
}

/// A quarter of the shortest deadline, within [`MIN_TICK`]..=[`MAX_TICK`]: a deadline is acted on at most
/// a quarter late.
fn tick_for(deadlines: &Deadlines) -> Duration {
    let shortest = deadlines.key_ttl.min(deadlines.resume_grace).min(deadlines.idle_limit);
    (shortest / 4).clamp(MIN_TICK, MAX_TICK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tick_follows_the_shortest_deadline_within_bounds() {
        let deadlines = |secs: u64| Deadlines {
            key_ttl: Duration::from_secs(600),
            resume_grace: Duration::from_secs(secs),
            idle_limit: Duration::from_secs(1800),
        };
        assert_eq!(tick_for(&deadlines(2)), Duration::from_millis(500));
        assert_eq!(tick_for(&deadlines(60)), MAX_TICK);
        let tiny = Deadlines { key_ttl: Duration::from_millis(10), ..deadlines(60) };
        assert_eq!(tick_for(&tiny), MIN_TICK);
    }
}
