//! What one session's visitor has offered (`Control::AssetOffer`): how many offers the relay has acted
//! on, which URLs it is fetching for the session now, and the session's share of fetch slots.
//!
//! Why: each offer can make the relay fetch a file from the page's site (see `asset_fetch.rs`), so one
//! visitor must not be able to make it fetch without end. A session gets [`FETCHES_PER_SESSION`] fetches
//! at once (and the whole relay a fixed number, held by the caller). A page offers all its files at once
//! (a docs page: a dozen or two), so the offers past those slots wait their turn, in a queue of at most
//! [`OFFERS_WAITING_PER_SESSION`] (fetching or waiting); an offer finding the queue full is not kept: the
//! visitor is asked to upload the file instead. A URL already being fetched for the session is not fetched
//! twice, and past [`MAX_URLS_PER_SESSION`] offers the relay fetches nothing more for it.
//!
//! The session holds one [`AssetOffers`]; an offer taken holds a [`Reservation`] (its place in the queue),
//! which becomes a [`FetchPermit`] (its slots) once its turn comes; either gives its URL, place and slots
//! back when dropped, however the fetch ends.

use crate::assets::MAX_URLS_PER_SESSION;
use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How many fetches one session may have in flight at once.
pub(crate) const FETCHES_PER_SESSION: usize = 4;
/// How many of one session's offers may be fetching or waiting for a slot at once.
pub(crate) const OFFERS_WAITING_PER_SESSION: usize = 64;

/// One session's offers.
pub(crate) struct AssetOffers {
    slots: Arc<Semaphore>,
    places: Arc<Semaphore>,
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

/// Whether an offer was taken.
pub(crate) enum Begun {
    /// In the queue: [`Reservation::turn`] waits for its slots.
    Queued(Reservation),
    /// Another offer of the same URL started its fetch meanwhile.
    AlreadyFetching,
    /// [`OFFERS_WAITING_PER_SESSION`] of the session's offers are fetching or waiting already.
    NoSlot,
}

/// An offer taken: its URL (being fetched, for [`AssetOffers::note`]) and its place in the queue.
pub(crate) struct Reservation {
    url: String,
    book: Arc<Mutex<Book>>,
    _place: OwnedSemaphorePermit,
    session_slots: Arc<Semaphore>,
}

/// A fetch in flight: its place, its session's slot, its relay slot and its URL, given back when dropped.
pub(crate) struct FetchPermit {
    _reservation: Reservation,
    _session_slot: OwnedSemaphorePermit,
    _relay_slot: OwnedSemaphorePermit,
}

impl Reservation {
    /// Waits for a slot of the session's and one of `relay_slots`, in the order offers asked for them.
    pub async fn turn(self, relay_slots: Arc<Semaphore>) -> FetchPermit {
        let session_slot = self.session_slots.clone().acquire_owned().await;
        let relay_slot = relay_slots.acquire_owned().await;
        match (session_slot, relay_slot) {
            (Ok(session_slot), Ok(relay_slot)) => {
                FetchPermit { _reservation: self, _session_slot: session_slot, _relay_slot: relay_slot }
            }
            _ => unreachable!("the fetch semaphores are never closed"),
        }
    }
}

impl Default for AssetOffers {
    fn default() -> Self {
        AssetOffers::new()
    }
}

impl AssetOffers {
    pub fn new() -> AssetOffers {
        AssetOffers {
            slots: Arc::new(Semaphore::new(FETCHES_PER_SESSION)),
            places: Arc::new(Semaphore::new(OFFERS_WAITING_PER_SESSION)),
            book: Arc::default(),
        }
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

    /// Takes the offer of `url` into the queue if it has room, never waiting.
    pub fn begin(&self, url: &str) -> Begun {
        let mut book = lock(&self.book);
        if book.fetching.contains(url) {
            return Begun::AlreadyFetching;
        }
        let Ok(place) = self.places.clone().try_acquire_owned() else { return Begun::NoSlot };
        book.fetching.insert(url.to_owned());
        Begun::Queued(Reservation {
            url: url.to_owned(),
            book: self.book.clone(),
            _place: place,
            session_slots: self.slots.clone(),
        })
    }
}

impl Drop for Reservation {
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

    fn queued(begun: Begun) -> Reservation {
        match begun {
            Begun::Queued(reservation) => reservation,
            Begun::AlreadyFetching => panic!("expected a place, got AlreadyFetching"),
            Begun::NoSlot => panic!("expected a place, got NoSlot"),
        }
    }

    #[tokio::test]
    async fn a_url_is_fetched_once_at_a_time_and_again_after() {
        let offers = AssetOffers::new();
        let relay = Arc::new(Semaphore::new(8));
        assert_eq!(offers.note("u"), Noted::Counted);
        let permit = queued(offers.begin("u")).turn(relay.clone()).await;
        assert_eq!(offers.note("u"), Noted::AlreadyFetching);
        assert!(matches!(offers.begin("u"), Begun::AlreadyFetching));
        drop(permit);
        assert_eq!(offers.note("u"), Noted::Counted);
        assert_eq!(relay.available_permits(), 8, "the relay's slot is back");
    }

    #[tokio::test]
    async fn offers_past_the_session_s_slots_wait_their_turn() {
        let offers = AssetOffers::new();
        let relay = Arc::new(Semaphore::new(32));
        let mut permits = Vec::new();
        for index in 0..FETCHES_PER_SESSION {
            permits.push(queued(offers.begin(&format!("u{index}"))).turn(relay.clone()).await);
        }
        let waiting = tokio::spawn(queued(offers.begin("one more")).turn(relay.clone()));
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        assert!(!waiting.is_finished(), "the session's slots are taken: it waits");
        permits.pop();
        let permit = tokio::time::timeout(std::time::Duration::from_secs(5), waiting).await.unwrap().unwrap();
        drop((permit, permits));
        assert_eq!(relay.available_permits(), 32);
    }

    #[tokio::test]
    async fn the_relay_s_slots_are_shared_by_every_session() {
        let relay = Arc::new(Semaphore::new(1));
        let first = AssetOffers::new();
        let held = queued(first.begin("a")).turn(relay.clone()).await;
        let other = AssetOffers::new();
        let waiting = tokio::spawn(queued(other.begin("b")).turn(relay.clone()));
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        assert!(!waiting.is_finished(), "the relay's one slot is taken");
        drop(held);
        tokio::time::timeout(std::time::Duration::from_secs(5), waiting).await.unwrap().unwrap();
    }

    #[test]
    fn the_queue_is_bounded() {
        let offers = AssetOffers::new();
        let places: Vec<_> =
            (0..OFFERS_WAITING_PER_SESSION).map(|index| queued(offers.begin(&format!("u{index}")))).collect();
        assert!(matches!(offers.begin("one too many"), Begun::NoSlot));
        drop(places);
        queued(offers.begin("one too many"));
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
