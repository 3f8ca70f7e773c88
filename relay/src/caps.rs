//! Caps on what one address or one site may hold open at once: connections of any kind, sockets still
//! signing in (or resuming), visitor sessions per address, live sessions per site.
//!
//! An *address* is an IPv4 address or an IPv6 address's /64 ([`address_group`]): one host usually holds a
//! whole /64, so counting single IPv6 addresses would give it billions of caps.
//!
//! Each cap is a count per key with a guard: [`Counts::enter`] takes a place (or refuses past the cap),
//! and dropping the [`Place`] gives it back, however the holder ends (a socket closing, a session ending).
//! Keys whose count falls to zero are removed, so the map holds only what is open now.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Arc, Mutex};

/// How many things each key holds open, at most `cap`.
pub(crate) struct Counts<K: Eq + Hash + Clone> {
    cap: usize,
    open: Mutex<HashMap<K, usize>>,
}

/// One place taken in a [`Counts`]; given back when dropped.
pub(crate) struct Place<K: Eq + Hash + Clone> {
    counts: Arc<Counts<K>>,
    key: K,
}

impl<K: Eq + Hash + Clone> Counts<K> {
    pub fn new(cap: usize) -> Arc<Counts<K>> {
        Arc::new(Counts { cap, open: Mutex::new(HashMap::new()) })
    }

    /// Takes a place for `key`, unless it holds `cap` already.
    pub fn enter(self: &Arc<Self>, key: K) -> Option<Place<K>> {
        let mut open = self.lock();
        let count = open.entry(key.clone()).or_insert(0);
        if *count >= self.cap {
            return None;
        }
        *count += 1;
        Some(Place { counts: self.clone(), key })
    }

    /// The cap, for close reasons.
    pub fn cap(&self) -> usize {
        self.cap
    }

    #[cfg(test)]
    fn held(&self, key: &K) -> usize {
        self.lock().get(key).copied().unwrap_or(0)
    }

    fn leave(&self, key: &K) {
        let mut open = self.lock();
        if let Some(count) = open.get_mut(key) {
            *count -= 1;
            if *count == 0 {
                open.remove(key);
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, usize>> {
        self.open.lock().expect("caps lock poisoned")
    }
}

impl<K: Eq + Hash + Clone> Drop for Place<K> {
    fn drop(&mut self) {
        self.counts.leave(&self.key);
    }
}

/// What `ip` counts as for per-address caps and limits: an IPv4 address (an IPv4-mapped IPv6 address
/// counts as its IPv4 address), or an IPv6 address's /64.
pub(crate) fn address_group(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => {
            let mut segments = v6.segments();
            segments[4..].fill(0);
            IpAddr::V6(Ipv6Addr::from(segments))
        }
    }
}

/// The relay's per-address and per-site caps (an address as [`address_group`] gives it).
pub(crate) struct Caps {
    /// WebSockets not yet signed in (agents) or resumed (visitors), per address.
    pub unauthenticated: Arc<Counts<IpAddr>>,
    /// Visitor sessions open at once, per address of the visitor that opened them.
    pub sessions_per_address: Arc<Counts<IpAddr>>,
    /// Live sessions, per site id.
    pub sessions_per_site: Arc<Counts<String>>,
}

impl Caps {
    pub fn new(limits: &crate::config::Limits) -> Caps {
        Caps {
            unauthenticated: Counts::new(limits.unauthenticated_per_address),
            sessions_per_address: Counts::new(limits.sessions_per_address),
            sessions_per_site: Counts::new(limits.sessions_per_site),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_addresses_count_by_their_64_and_mapped_ipv4_as_ipv4() {
        let group = |text: &str| address_group(text.parse().unwrap());
        assert_eq!(group("2001:db8:1:2:aaaa::1"), group("2001:db8:1:2:bbbb::2"));
        assert_ne!(group("2001:db8:1:2::1"), group("2001:db8:1:3::1"));
        assert_eq!(group("::ffff:192.0.2.7"), group("192.0.2.7"));
        assert_ne!(group("192.0.2.7"), group("192.0.2.8"));
    }

    #[test]
    fn places_are_capped_per_key_and_given_back_when_dropped() {
        let counts = Counts::new(2);
        let first = counts.enter("a").unwrap();
        let _second = counts.enter("a").unwrap();
        assert!(counts.enter("a").is_none());
        let _other = counts.enter("b").expect("another key has its own cap");
        drop(first);
        let _third = counts.enter("a").expect("a place given back is free again");
        assert_eq!(counts.held(&"a"), 2);
        drop(_third);
        drop(_second);
        assert!(counts.lock().get(&"a").is_none(), "an empty key is forgotten");
    }
}
