//! Caps on what one address or one site may hold open at once: sockets still signing in (or resuming),
//! visitor sessions per address, live sessions per site.
//!
//! Each cap is a count per key with a guard: [`Counts::enter`] takes a place (or refuses past the cap),
//! and dropping the [`Place`] gives it back, however the holder ends (a socket closing, a session ending).
//! Keys whose count falls to zero are removed, so the map holds only what is open now.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
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

/// The relay's per-address and per-site caps.
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
