//! How often one IP address may try to join a session: a token bucket per address.
//!
//! Each address may make a burst of `per_minute` attempts, then one more every `60 / per_minute` seconds.
//! This keeps anyone from guessing passwords or session keys at speed, while an agent who mistypes a
//! few times is not locked out. Buckets that have refilled are forgotten, so the map stays small.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Past this many tracked addresses, full buckets are dropped on the next attempt.
const PRUNE_ABOVE: usize = 10_000;

pub(crate) struct JoinLimiter {
    per_minute: u32,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

#[derive(Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl JoinLimiter {
    pub fn new(per_minute: u32) -> JoinLimiter {
        JoinLimiter { per_minute: per_minute.max(1), buckets: Mutex::new(HashMap::new()) }
    }

    /// Takes one attempt from `address`'s allowance; false if it has none left.
    pub fn try_acquire(&self, address: IpAddr) -> bool {
        self.try_acquire_at(address, Instant::now())
    }

    fn try_acquire_at(&self, address: IpAddr, now: Instant) -> bool {
        let capacity = f64::from(self.per_minute);
        let mut buckets = self.buckets.lock().expect("join limiter lock poisoned");
        if buckets.len() > PRUNE_ABOVE {
            buckets.retain(|_, bucket| self.refilled(*bucket, now) < capacity);
        }
        let bucket = buckets.entry(address).or_insert(Bucket { tokens: capacity, updated: now });
        bucket.tokens = self.refilled(*bucket, now);
        bucket.updated = now;
        // The tolerance absorbs rounding in the refill, so an attempt exactly on time is allowed.
        if bucket.tokens >= 1.0 - 1e-9 {
            bucket.tokens = (bucket.tokens - 1.0).max(0.0);
            true
        } else {
            false
        }
    }

    fn refilled(&self, bucket: Bucket, now: Instant) -> f64 {
        let elapsed = now.saturating_duration_since(bucket.updated);
        let per_second = f64::from(self.per_minute) / Duration::from_secs(60).as_secs_f64();
        (bucket.tokens + elapsed.as_secs_f64() * per_second).min(f64::from(self.per_minute))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_one_per_interval() {
        let limiter = JoinLimiter::new(10);
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let start = Instant::now();
        for _ in 0..10 {
            assert!(limiter.try_acquire_at(ip, start));
        }
        assert!(!limiter.try_acquire_at(ip, start));
        assert!(!limiter.try_acquire_at(ip, start + Duration::from_secs(5)));
        assert!(limiter.try_acquire_at(ip, start + Duration::from_secs(6)));
        assert!(!limiter.try_acquire_at(ip, start + Duration::from_secs(7)));
    }

    #[test]
    fn addresses_have_their_own_buckets() {
        let limiter = JoinLimiter::new(1);
        let now = Instant::now();
        assert!(limiter.try_acquire_at("192.0.2.1".parse().unwrap(), now));
        assert!(!limiter.try_acquire_at("192.0.2.1".parse().unwrap(), now));
        assert!(limiter.try_acquire_at("192.0.2.2".parse().unwrap(), now));
    }

    #[test]
    fn full_buckets_are_forgotten_when_the_map_grows() {
        let limiter = JoinLimiter::new(10);
        let start = Instant::now();
        for n in 0..=PRUNE_ABOVE as u32 {
            limiter.try_acquire_at(IpAddr::from(n.to_be_bytes()), start);
        }
        limiter.try_acquire_at("192.0.2.1".parse().unwrap(), start + Duration::from_secs(60));
        assert_eq!(limiter.buckets.lock().unwrap().len(), 1);
    }
}
