//! When the agent's socket closes after it had joined: rejoin or not, and after how long.
//!
//! A socket that drops for a reason that passes (the network, the relay restarting, a missed heartbeat,
//! a full relay) is opened again with the same name, password and key, after an exponential backoff with
//! full jitter (250 ms × 2ⁿ, at most 5 s, times a random factor in [0, 1), so that many agents dropped at
//! once do not come back at once), for at most [`GIVE_UP_AFTER_MS`]. A close that says the session is
//! over, the join is refused or the visitor declined (4014) is final. Before the first `Joined` (or
//! `AwaitingConsent`: an agent waiting for the visitor's consent is signed in) nothing is retried: the
//! agent is at the form and reads what went wrong. [`Retries`] decides and counts; it does no IO, so it is tested
//! without a socket or a clock; `link.rs` acts on what it says.

use crate::chrome::status::{self, State};
use crate::connection::Closed;
use cobrowse_protocol::close;

/// Shown when the first join cannot reach the relay at all.
pub const UNREACHABLE_TEXT: &str = "Could not reach the relay — check the connection and try again";
/// Shown when rejoining failed for [`GIVE_UP_AFTER_MS`].
pub const GAVE_UP_TEXT: &str =
    "Could not reconnect to the relay for 2 minutes — check your network, then join again with the same key";
/// Shown when the relay no longer knows the key on a rejoin.
pub const ENDED_WHILE_DOWN_TEXT: &str = "The session ended while the connection was down";

/// The first backoff step.
pub const FIRST_DELAY_MS: f64 = 250.0;
/// The longest wait between two attempts.
pub const MAX_DELAY_MS: f64 = 5_000.0;
/// How long the viewer keeps trying after the connection dropped before it tells the agent to join again.
pub const GIVE_UP_AFTER_MS: f64 = 120_000.0;

/// The socket closed without a close frame (the network dropped, the relay's process died).
pub const ABNORMAL: u16 = 1006;
/// The relay hit an unexpected condition.
pub const INTERNAL_ERROR: u16 = 1011;

/// What to do after the socket closed with a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterClose {
    /// The drop passes: join again after a backoff.
    Rejoin,
    /// The session is over or the join is refused: show why, and stop.
    Stop,
}

/// Whether a socket closed with `code` is worth joining again.
pub fn after_close(code: u16) -> AfterClose {
    match code {
        ABNORMAL
        | close::GOING_AWAY
        | close::PEER_SILENT
        | close::AT_CAPACITY
        | INTERNAL_ERROR
        | close::TRY_AGAIN_LATER => AfterClose::Rejoin,
        _ => AfterClose::Stop,
    }
}

/// The wait before attempt number `attempt` (0 for the first after a drop), given `random` in [0, 1):
/// full jitter over an exponential step capped at [`MAX_DELAY_MS`].
pub fn delay_ms(attempt: u32, random: f64) -> f64 {
    let step = FIRST_DELAY_MS * 2f64.powi(attempt.min(16) as i32);
    step.min(MAX_DELAY_MS) * random.clamp(0.0, 1.0)
}

/// Whether the viewer should stop trying, `elapsed_ms` after the connection dropped.
pub fn gives_up(elapsed_ms: f64) -> bool {
    elapsed_ms >= GIVE_UP_AFTER_MS
}

/// What the link should do after its socket closed.
#[derive(Debug, Clone, PartialEq)]
pub enum Next {
    /// Show this status and stop.
    Show(State, String),
    /// Show `reconnecting` with `text`, and open a new connection after `delay_ms`.
    RejoinAfter { delay_ms: f64, text: String },
}

/// The rejoin bookkeeping of one join: whether it ever joined, and since when it is down.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Retries {
    /// A connection of this join got `Joined`.
    joined_once: bool,
    /// Set while the link is down: since when, and how many rejoins were scheduled.
    down: Option<Down>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Down {
    since_ms: f64,
    attempts: u32,
}

impl Retries {
    /// What follows `closed` at `now_ms` (any clock in ms), with `random` in [0, 1) for the jitter.
    pub fn after(&mut self, closed: &Closed, now_ms: f64, random: f64) -> Next {
        if closed.joined {
            self.joined_once = true;
            self.down = None; // it worked for a while: a new series of attempts
        }
        if !self.joined_once {
            let (state, text) = first_join_status(closed);
            return Next::Show(state, text);
        }
        if after_close(closed.code) == AfterClose::Stop {
            self.down = None;
            let (state, text) = status_after_rejoin_refused(closed.code, &closed.reason);
            return Next::Show(state, text);
        }
        let down = self.down.get_or_insert(Down { since_ms: now_ms, attempts: 0 });
        if gives_up(now_ms - down.since_ms) {
            self.down = None;
            return Next::Show(State::Disconnected, GAVE_UP_TEXT.to_string());
        }
        let delay_ms = delay_ms(down.attempts, random);
        down.attempts += 1;
        Next::RejoinAfter { delay_ms, text: reconnecting_text(down.attempts) }
    }
}

/// The status of a first join that closed before `Joined`, as the viewer always showed it.
fn first_join_status(closed: &Closed) -> (State, String) {
    match closed.opened {
        true => status::for_close(closed.code, &closed.reason),
        false => (State::Disconnected, UNREACHABLE_TEXT.to_string()),
    }
}

/// The words while the viewer rejoins; `attempt` counts from 1.
pub fn reconnecting_text(attempt: u32) -> String {
    match attempt {
        0 | 1 => "Connection to the relay lost — reconnecting…".to_string(),
        attempt => format!("Connection to the relay lost — reconnecting (attempt {attempt})…"),
    }
}

/// The status for a final close after the agent had joined: a key the relay no longer knows means the
/// session ended while the connection was down.
pub fn status_after_rejoin_refused(code: u16, reason: &str) -> (State, String) {
    match code {
        close::UNKNOWN_KEY | close::KEY_EXPIRED => (State::Ended, ENDED_WHILE_DOWN_TEXT.to_string()),
        code => status::for_close(code, reason),
    }
}
