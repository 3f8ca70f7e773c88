//! What one session's visitor has offered (`Control::AssetOffer`): how many offers the relay has acted
//! on, which URLs it is fetching for the session now, and the session's share of fetch slots.
//!
//! Why: each offer can make the relay fetch a file from the page's site (see `asset_fetch.rs`), so one
//! visitor must not be able to make it fetch without end. A session gets [`FETCHES_PER_SESSION`] fetches
//! at once (and the whole relay a fixed number, held by the caller); an offer finding no free slot is not
//! queued: the visitor is asked to upload the file instead. A URL already being fetched for the session is
//! not fetched twice, and past [`MAX_URLS_PER_SESSION`] offers the relay fetches nothing more for it.
//!
//! The session holds one [`AssetOffers`]; a fetch holds a [`FetchPermit`], which gives its slots and its
//! URL back when dropped, however the fetch ends.

use crate::assets::MAX_URLS_PER_SESSION;
use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How many fetches one session may have in flight at once.
pub(crate) const FETCHES_PER_SESSION: usize = 4;

/// One session's offers.
pub(crate) struct AssetOffers {
    slots: Arc<Semaphore>,
    book: Arc<Mutex<Book>>,
}

/// The offers counted so far and the URLs being fetched.
#[derive(Default)]
struct Book {
    counted: usize,
    fetching: HashSet<String>,
}

/// What became of an offer when it was noted.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Noted {
    /// Counted; it may be fetched.
    Counted,
    /// Its URL is being fetched for this session already: nothing more to do.
    AlreadyFetching,
    /// The session has had [`MAX_URLS_PER_SESSION`] offers already.
    PastLimit,
}

/// Whether a fetch could start.
pub(crate) enum Begun {
    Fetching(FetchPermit),
    /// Another offer of the same URL started its fetch meanwhile.
    AlreadyFetching,
    /// The session's slots or the relay's are all taken.
    NoSlot,
}

/// A fetch in flight: its session's slot, its relay slot and its URL, given back when dropped.
pub(crate) struct FetchPermit {
    url: String,
    book: Arc<Mutex<Book>>,
    _session_slot: OwnedSemaphorePermit,
    _relay_slot: OwnedSemaphorePermit,
}

impl Default for AssetOffers {
    fn default() -> Self {
        AssetOffers::new()
    }
}

impl AssetOffers {
    pub fn new() -> AssetOffers {
        AssetOffers { slots: Arc::new(Semaphore::new(FETCHES_PER_SESSION)), book: Arc::default() }
    }

    /// Notes an offer of `url`: counts it, unless its URL is being fetched already.
    pub fn note(&self, url: &str) -> Noted {
        let mut book = lock(&self.book);
        if book.fetching.contains(url) {
            return Noted::AlreadyFetching;
        }
        book.counted += 1;
        if book.counted > MAX_URLS_PER_SESSION {
            return Noted::PastLimit;
        }
        Noted::Counted
    }

    /// Starts fetching `url` if a slot of the session's and one of `relay_slots` are free, never waiting.
    pub fn begin(&self, url: &str, relay_slots: &Arc<Semaphore>) -> Begun {
        let mut book = lock(&self.book);
        if book.fetching.contains(url) {
            return Begun::AlreadyFetching;
        }
        let Ok(session_slot) = self.slots.clone().try_acquire_owned() else { return Begun::NoSlot };
        let Ok(relay_slot) = relay_slots.clone().try_acquire_owned() else { return Begun::NoSlot };
        book.fetching.insert(url.to_owned());
        Begun::Fetching(FetchPermit {
            url: url.to_owned(),
            book: self.book.clone(),
            _session_slot: session_slot,
            _relay_slot: relay_slot,
        })
    }
}

impl Drop for FetchPermit {
    fn drop(&mut self) {
        lock(&self.book).fetching.remove(&self.url);
    }
}

fn lock(book: &Mutex<Book>) -> MutexGuard<'_, Book> {
    book.lock().expect("asset offers lock poisoned")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fetching(begun: Begun) -> FetchPermit {
        match begun {
            Begun::Fetching(permit) => permit,
            Begun::AlreadyFetching => panic!("expected a fetch, got AlreadyFetching"),
            Begun::NoSlot => panic!("expected a fetch, got NoSlot"),
        }
    }

    #[test]
    fn a_url_is_fetched_once_at_a_time_and_again_after() {
        let offers = AssetOffers::new();
        let relay = Arc::new(Semaphore::new(8));
        assert_eq!(offers.note("u"), Noted::Counted);
        let permit = fetching(offers.begin("u", &relay));
        assert_eq!(offers.note("u"), Noted::AlreadyFetching);
        assert!(matches!(offers.begin("u", &relay), Begun::AlreadyFetching));
        drop(permit);
        assert_eq!(offers.note("u"), Noted::Counted);
        assert_eq!(relay.available_permits(), 8, "the relay's slot is back");
    }

    #[test]
    fn a_session_and_the_relay_each_have_their_slots() {
        let offers = AssetOffers::new();
        let relay = Arc::new(Semaphore::new(FETCHES_PER_SESSION + 1));
        let permits: Vec<_> =
            (0..FETCHES_PER_SESSION).map(|index| fetching(offers.begin(&format!("u{index}"), &relay))).collect();
        assert!(matches!(offers.begin("one more", &relay), Begun::NoSlot), "the session's slots are taken");
        let other = AssetOffers::new();
        let last = fetching(other.begin("x", &relay));
        assert!(matches!(AssetOffers::new().begin("y", &relay), Begun::NoSlot), "the relay's slots are taken");
        drop((permits, last));
        fetching(offers.begin("one more", &relay));
    }

    #[test]
    fn past_the_limit_offers_are_not_fetched() {
        let offers = AssetOffers::new();
        for index in 0..MAX_URLS_PER_SESSION {
            assert_eq!(offers.note(&format!("u{index}")), Noted::Counted);
        }
        assert_eq!(offers.note("one too many"), Noted::PastLimit);
    }
}
