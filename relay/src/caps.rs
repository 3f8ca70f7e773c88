//! Caps on what one address or one site may hold open at once: connections of any kind, sockets still
//! signing in (or resuming), visitor sessions per address, live sessions per site.
//!
//! An *address* is an IPv4 address or an IPv6 address's /64 ([`address_group`]): one host usually holds a
//! whole /64, so counting single IPv6 addresses would give it billions of caps.
//!
//! Each cap is a count per key with a guard: [`Counts::enter`] takes a place (or refuses past the cap),
//! and dropping the [`Place`] gives it back, however the holder ends (a socket closing, a session ending).
//! Keys whose count falls to zero are removed, so the map holds only what is open now.
//!
//! On a node of a cluster, the two session caps are the cluster's: beside what it holds itself, a
//! [`Counts`] keeps what the other nodes said they hold ([`Counts::set_elsewhere`], from
//! `cluster/shared_caps.rs` every beat), and [`Counts::enter`] refuses once both together reach the cap.
//! That is a lookup in memory, never a round trip to the engine. Alone, nothing is ever elsewhere and the
//! caps are exactly this relay's. The connection caps and the sockets still signing in protect one
//! process's sockets, so they stay per node.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Arc, Mutex};

/// How many things each key holds open, at most `cap` (with what other nodes hold, in a cluster).
pub(crate) struct Counts<K: Eq + Hash + Clone> {
    cap: usize,
    table: Mutex<Table<K>>,
}

/// The counts behind one lock, so a place is taken against both at once.
struct Table<K> {
    /// Places held on this relay, by key (none at zero).
    here: HashMap<K, usize>,
    /// Places the other nodes of the cluster hold, by key, as they last said (empty when alone).
    elsewhere: HashMap<K, usize>,
}

/// One place taken in a [`Counts`]; given back when dropped.
pub(crate) struct Place<K: Eq + Hash + Clone> {
    counts: Arc<Counts<K>>,
    key: K,
}

impl<K: Eq + Hash + Clone> Counts<K> {
    pub fn new(cap: usize) -> Arc<Counts<K>> {
        let table = Table { here: HashMap::new(), elsewhere: HashMap::new() };
        Arc::new(Counts { cap, table: Mutex::new(table) })
    }

    /// Takes a place for `key`, unless it holds `cap` already, here and elsewhere together.
    pub fn enter(self: &Arc<Self>, key: K) -> Option<Place<K>> {
        let mut table = self.lock();
        let elsewhere = table.elsewhere.get(&key).copied().unwrap_or(0);
        let count = table.here.entry(key.clone()).or_insert(0);
        if *count + elsewhere >= self.cap {
            if *count == 0 {
                table.here.remove(&key);
            }
            return None;
        }
        *count += 1;
        Some(Place { counts: self.clone(), key })
    }

    /// Takes a place for `key` even past the cap: for what was let in elsewhere and moved here (a session
    /// taken over from another node), which counts here from now on.
    pub fn hold(self: &Arc<Self>, key: K) -> Place<K> {
        *self.lock().here.entry(key.clone()).or_insert(0) += 1;
        Place { counts: self.clone(), key }
    }

    /// The cap, for close reasons.
    pub fn cap(&self) -> usize {
        self.cap
    }

    /// The places held on this relay, by key (none at zero), for the other nodes.
    pub fn held_here(&self) -> Vec<(K, usize)> {
        self.lock().here.iter().map(|(key, count)| (key.clone(), *count)).collect()
    }

    /// Replaces what the other nodes hold with what they said last.
    pub fn set_elsewhere(&self, elsewhere: HashMap<K, usize>) {
        self.lock().elsewhere = elsewhere;
    }

    #[cfg(test)]
    fn held(&self, key: &K) -> usize {
        self.lock().here.get(key).copied().unwrap_or(0)
    }

    fn leave(&self, key: &K) {
        let mut table = self.lock();
        if let Some(count) = table.here.get_mut(key) {
            *count -= 1;
            if *count == 0 {
                table.here.remove(key);
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Table<K>> {
        self.table.lock().expect("caps lock poisoned")
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
    /// WebSockets not yet signed in (agents) or resumed (visitors), per address (per node).
    pub unauthenticated: Arc<Counts<IpAddr>>,
    /// Visitor sessions open at once, per address of the visitor that opened them (cluster-wide).
    pub sessions_per_address: Arc<Counts<IpAddr>>,
    /// Live sessions, per site id (cluster-wide).
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
        assert!(!counts.lock().here.contains_key(&"a"), "an empty key is forgotten");
    }

    #[test]
    fn what_other_nodes_hold_counts_against_the_cap_and_a_moved_place_is_held_past_it() {
        let counts = Counts::new(3);
        counts.set_elsewhere(HashMap::from([("a", 2), ("b", 5)]));
        let first = counts.enter("a").expect("1 here + 2 elsewhere is under 3");
        assert!(counts.enter("a").is_none(), "1 here + 2 elsewhere reaches 3");
        assert!(counts.enter("b").is_none(), "5 elsewhere is past 3 already");
        assert!(!counts.lock().here.contains_key(&"b"), "a refused key is not kept at zero");
        let moved = counts.hold("b");
        let mut held = counts.held_here();
        held.sort();
        assert_eq!(held, vec![("a", 1), ("b", 1)]);
        drop((first, moved));
        counts.set_elsewhere(HashMap::new());
        let _again = counts.enter("a").expect("the other nodes let theirs go");
        assert!(counts.held_here().iter().all(|(key, _)| *key == "a"));
    }
}
