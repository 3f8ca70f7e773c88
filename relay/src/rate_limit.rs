//! Failed joins, counted per address and per account, with a back-off that grows.
//!
//! Only failures count: a wrong password, an unknown session key. A successful join costs nothing, so a
//! call centre behind one address (one NAT) joins as often as its agents like. After `free_failures`
//! failures of one kind from one address (or against one account), the next attempt must wait
//! `backoff`, and every further failure doubles the wait, up to `backoff_max`. A scope that has been
//! quiet for [`FORGET_AFTER`] past its wait is forgotten. Attempts refused while waiting do not count, so
//! a person who retries too early is not punished twice.
//!
//! IPv6 addresses count by their /64: one host usually holds a whole /64.
//!
//! On a node of a cluster, every failure counted here is also told to the other nodes, which count it as
//! theirs (`cluster::count_failure`): guesses spread over the nodes behind a load balancer meet the same
//! back-off as guesses at one relay.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

/// How long after its wait a scope's failures are kept.
pub(crate) const FORGET_AFTER: Duration = Duration::from_secs(60);

/// Past this many tracked scopes, forgotten ones are dropped on the next failure (and, if still over,
/// the map starts afresh rather than grow without bound).
const PRUNE_ABOVE: usize = 50_000;

/// The most characters of an agent's name that a close reason repeats.
const NAME_CHARS_IN_REASONS: usize = 24;

/// What failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub(crate) enum Failure {
    /// A wrong name, password or session token.
    WrongPassword,
    /// A session key that no live session has (or one of a site the agent does not serve).
    UnknownKey,
}

/// Whom a failure counts against.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub(crate) enum Scope {
    /// An IPv4 address, or an IPv6 address's /64.
    Address(IpAddr),
    /// An agent account by name.
    Account(String),
}

impl Scope {
    pub fn address(ip: IpAddr) -> Scope {
        Scope::Address(crate::caps::address_group(ip))
    }

    pub fn account(name: &str) -> Scope {
        Scope::Account(name.to_owned())
    }
}

/// A refused attempt: what failed too often, from where, and how long to wait.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refused {
    pub failure: Failure,
    pub scope: Scope,
    pub wait: Duration,
}

impl Refused {
    /// The close reason: why, and when to try again ("too many wrong passwords from this address; wait
    /// 40 s, then try again").
    pub fn reason(&self) -> String {
        let what = match self.failure {
            Failure::WrongPassword => "wrong passwords",
            Failure::UnknownKey => "unknown session keys",
        };
        let whose = match &self.scope {
            Scope::Address(_) => "from this address".to_owned(),
            Scope::Account(name) => format!("for agent {:?}", crate::logging::bounded_to(name, NAME_CHARS_IN_REASONS)),
        };
        format!("too many {what} {whose}; wait {} s, then try again", seconds_rounded_up(self.wait))
    }
}

/// Whole seconds, rounded up, so "wait 1 s" is never too early.
pub(crate) fn seconds_rounded_up(duration: Duration) -> u64 {
    duration.as_millis().div_ceil(1000).max(1) as u64
}

/// How failures turn into waits.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Backoff {
    /// Failures allowed before the first wait.
    pub free_failures: u32,
    /// The first wait.
    pub first: Duration,
    /// The longest wait.
    pub max: Duration,
}

impl Backoff {
    /// The wait after `failures` failures (none while they are free).
    fn wait_after(&self, failures: u32) -> Option<Duration> {
        let over = failures.checked_sub(self.free_failures)?;
        let doubled = self.first.saturating_mul(1u32.checked_shl(over.min(31)).unwrap_or(u32::MAX));
        Some(doubled.min(self.max))
    }
}

#[derive(Debug, Clone, Copy)]
struct Record {
    failures: u32,
    /// No attempt before this.
    locked_until: Instant,
}

/// Failed joins by kind and scope.
pub(crate) struct JoinLimiter {
    backoff: Backoff,
    records: Mutex<HashMap<(Failure, Scope), Record>>,
}

impl JoinLimiter {
    pub fn new(backoff: Backoff) -> JoinLimiter {
        JoinLimiter { backoff, records: Mutex::new(HashMap::new()) }
    }

    /// Whether an attempt that could fail as any of `checks` may go ahead now; the longest wait if not.
    pub fn check(&self, checks: &[(Failure, Scope)]) -> Result<(), Refused> {
        self.check_at(checks, Instant::now())
    }

    /// Counts one failure against each scope.
    pub fn failed(&self, failure: Failure, scopes: &[Scope]) {
        self.failed_at(failure, scopes, Instant::now());
    }

    fn check_at(&self, checks: &[(Failure, Scope)], now: Instant) -> Result<(), Refused> {
        let records = self.lock();
        let refusals = checks.iter().filter_map(|(failure, scope)| {
            let record = records.get(&(*failure, scope.clone()))?;
            let wait = record.locked_until.checked_duration_since(now).filter(|wait| !wait.is_zero())?;
            Some(Refused { failure: *failure, scope: scope.clone(), wait })
        });
        match refusals.max_by_key(|refused| refused.wait) {
            Some(refused) => Err(refused),
            None => Ok(()),
        }
    }

    fn failed_at(&self, failure: Failure, scopes: &[Scope], now: Instant) {
        let mut records = self.lock();
        if records.len() > PRUNE_ABOVE {
            records.retain(|_, record| !forgotten(record, now));
            if records.len() > PRUNE_ABOVE {
                tracing::warn!(
                    tracked = records.len(),
                    "too many failing addresses and accounts to track; starting afresh"
                );
                records.clear();
            }
        }
        for scope in scopes {
            let record = records.entry((failure, scope.clone())).or_insert(Record { failures: 0, locked_until: now });
            if forgotten(record, now) {
                *record = Record { failures: 0, locked_until: now };
            }
            record.failures = record.failures.saturating_add(1);
            if let Some(wait) = self.backoff.wait_after(record.failures) {
                record.locked_until = now + wait;
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(Failure, Scope), Record>> {
        self.records.lock().expect("join limiter lock poisoned")
    }
}

/// Whether a record's wait ended more than [`FORGET_AFTER`] ago.
fn forgotten(record: &Record, now: Instant) -> bool {
    now.saturating_duration_since(record.locked_until) > FORGET_AFTER
}

#[cfg(test)]
mod tests {
    use super::*;

    const BACKOFF: Backoff = Backoff { free_failures: 3, first: Duration::from_secs(1), max: Duration::from_secs(10) };

    fn ip(text: &str) -> Scope {
        Scope::address(text.parse().unwrap())
    }

    #[test]
    fn waits_start_after_the_free_failures_and_double_up_to_the_max() {
        assert_eq!(BACKOFF.wait_after(2), None);
        assert_eq!(BACKOFF.wait_after(3), Some(Duration::from_secs(1)));
        assert_eq!(BACKOFF.wait_after(4), Some(Duration::from_secs(2)));
        assert_eq!(BACKOFF.wait_after(5), Some(Duration::from_secs(4)));
        assert_eq!(BACKOFF.wait_after(9), Some(Duration::from_secs(10)));
        assert_eq!(BACKOFF.wait_after(u32::MAX), Some(Duration::from_secs(10)));
    }

    #[test]
    fn only_failures_lock_and_each_scope_and_kind_is_its_own() {
        let limiter = JoinLimiter::new(BACKOFF);
        let now = Instant::now();
        let password_here = [(Failure::WrongPassword, ip("192.0.2.1"))];
        for _ in 0..1000 {
            assert!(limiter.check_at(&password_here, now).is_ok(), "checks alone never lock");
        }
        for _ in 0..3 {
            assert!(limiter.check_at(&password_here, now).is_ok());
            limiter.failed_at(Failure::WrongPassword, &[ip("192.0.2.1")], now);
        }
        let refused = limiter.check_at(&password_here, now).unwrap_err();
        assert_eq!(refused.wait, Duration::from_secs(1));
        assert_eq!(refused.reason(), "too many wrong passwords from this address; wait 1 s, then try again");
        assert!(limiter.check_at(&[(Failure::UnknownKey, ip("192.0.2.1"))], now).is_ok());
        assert!(limiter.check_at(&[(Failure::WrongPassword, ip("192.0.2.2"))], now).is_ok());
        assert!(limiter.check_at(&password_here, now + Duration::from_secs(1)).is_ok());
    }

    #[test]
    fn the_longest_wait_of_the_checked_scopes_is_given() {
        let limiter = JoinLimiter::new(BACKOFF);
        let now = Instant::now();
        for _ in 0..5 {
            limiter.failed_at(Failure::UnknownKey, &[Scope::account("ana")], now);
        }
        limiter.failed_at(Failure::UnknownKey, &[ip("192.0.2.1")], now);
        let checks = [(Failure::UnknownKey, ip("192.0.2.1")), (Failure::UnknownKey, Scope::account("ana"))];
        let refused = limiter.check_at(&checks, now).unwrap_err();
        assert_eq!(refused.wait, Duration::from_secs(4));
        assert_eq!(refused.reason(), "too many unknown session keys for agent \"ana\"; wait 4 s, then try again");
    }

    #[test]
    fn a_quiet_scope_is_forgotten() {
        let limiter = JoinLimiter::new(BACKOFF);
        let now = Instant::now();
        for _ in 0..4 {
            limiter.failed_at(Failure::WrongPassword, &[ip("192.0.2.1")], now);
        }
        let later = now + Duration::from_secs(2) + FORGET_AFTER + Duration::from_secs(1);
        limiter.failed_at(Failure::WrongPassword, &[ip("192.0.2.1")], later);
        assert!(
            limiter.check_at(&[(Failure::WrongPassword, ip("192.0.2.1"))], later).is_ok(),
            "counting starts afresh"
        );
    }

    #[test]
    fn ipv6_counts_by_its_slash_64() {
        assert_eq!(ip("2001:db8::1"), ip("2001:db8::ffff:2"));
        assert_ne!(ip("2001:db8::1"), ip("2001:db8:0:1::1"));
        assert_eq!(ip("::ffff:192.0.2.1"), ip("192.0.2.1"));
    }
}
