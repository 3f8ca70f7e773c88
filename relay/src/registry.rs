//! The live sessions, by key.
//!
//! A visitor's first connection opens a session here; its keeper (`keeper.rs`) removes it when it ends.
//! An agent finds one by the key the visitor read out, a resuming visitor by the key it kept. Keys are
//! unique among live sessions.

use crate::assets::{AssetBudget, SharedAssetLimits};
use crate::budget::MemoryBudget;
use crate::keys::generate_key;
use crate::metrics::Metrics;
use crate::resume::ResumeSecret;
use crate::session::{Session, SessionLimits, SessionSite};
use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use thiserror::Error;

/// How many random keys to try before giving up on finding a free one.
const KEY_ATTEMPTS: usize = 64;

pub(crate) struct Registry {
    sessions: Mutex<HashMap<String, Arc<Session>>>,
    /// The same sessions by their asset token (for `/assets/{token}/{hash}`); locked after `sessions`.
    by_asset_token: Mutex<HashMap<String, Arc<Session>>>,
    key_digits: u32,
    max_sessions: usize,
    limits: SessionLimits,
    /// The bytes of assets all sessions may hold together, and each address's and site's share.
    asset_budget: Arc<AssetBudget>,
    /// Handed to every session.
    metrics: Arc<Metrics>,
    /// The bytes of kept state and agent queues all sessions may hold together.
    memory: Arc<MemoryBudget>,
}

/// Why no session could be opened.
#[derive(Debug, Error, PartialEq, Eq)]
pub(crate) enum OpenError {
    #[error("the relay is at its limit of {0} live sessions; try again in a few minutes")]
    Full(usize),
    #[error("the relay could not find a free session key; try again in a few minutes")]
    NoFreeKey,
    #[error("the relay cannot reach its cluster engine to issue a key; try again in a moment")]
    EngineUnreachable,
}

impl Registry {
    pub fn new(
        key_digits: u32,
        max_sessions: usize,
        limits: SessionLimits,
        shared_asset_limits: SharedAssetLimits,
        memory: Arc<MemoryBudget>,
    ) -> Registry {
        Registry {
            sessions: Mutex::new(HashMap::new()),
            by_asset_token: Mutex::new(HashMap::new()),
            key_digits,
            max_sessions,
            limits,
            asset_budget: AssetBudget::new(shared_asset_limits),
            metrics: Arc::default(),
            memory,
        }
    }

    /// The same registry, its sessions counting into `metrics`.
    pub fn with_metrics(self, metrics: Arc<Metrics>) -> Registry {
        Registry { metrics, ..self }
    }

    /// How many sessions are live.
    pub fn live_sessions(&self) -> usize {
        self.lock().len()
    }

    /// The bytes of assets all live sessions hold.
    pub fn asset_bytes_held(&self) -> usize {
        self.asset_budget.used()
    }

    /// Opens a session for `site` under a fresh key; returns it with its resume secret (see
    /// [`Session::new`]).
    pub fn open(&self, site: SessionSite) -> Result<(Arc<Session>, String), OpenError> {
        let mut sessions = self.lock();
        self.check_room(&sessions)?;
        for _ in 0..KEY_ATTEMPTS {
            if let Entry::Vacant(slot) = sessions.entry(generate_key(self.key_digits)) {
                let (session, secret) = self.new_session(slot.key().clone(), site);
                self.keep(slot, &session);
                return Ok((session, secret));
            }
        }
        Err(OpenError::NoFreeKey)
    }

    /// Opens a session for `site` under `key`, which the cluster engine claimed for this node; `None` if a
    /// live session here has that key already.
    pub fn open_with_key(&self, key: String, site: SessionSite) -> Result<Option<(Arc<Session>, String)>, OpenError> {
        let mut sessions = self.lock();
        self.check_room(&sessions)?;
        let Entry::Vacant(slot) = sessions.entry(key) else { return Ok(None) };
        let (session, secret) = self.new_session(slot.key().clone(), site);
        self.keep(slot, &session);
        Ok(Some((session, secret)))
    }

    /// Opens a session under `key` with the resume secret `secret` already given: one this node takes over
    /// from a cluster node that died, with the visitor's consent decisions made there. `None` if a live
    /// session here has that key.
    pub fn adopt(
        &self,
        key: String,
        site: (SessionSite, &crate::carried::Carried),
        secret: ResumeSecret,
    ) -> Result<Option<Arc<Session>>, OpenError> {
        let mut sessions = self.lock();
        self.check_room(&sessions)?;
        let Entry::Vacant(slot) = sessions.entry(key) else { return Ok(None) };
        let session = Session::adopt(
            slot.key().clone(),
            site,
            secret,
            self.limits,
            self.asset_budget.clone(),
            (self.metrics.clone(), self.memory.clone()),
        );
        self.keep(slot, &session);
        Ok(Some(session))
    }

    /// `Full` when the registry holds its most sessions already.
    fn check_room(&self, sessions: &HashMap<String, Arc<Session>>) -> Result<(), OpenError> {
        match sessions.len() >= self.max_sessions {
            true => Err(OpenError::Full(self.max_sessions)),
            false => Ok(()),
        }
    }

    /// A new session under `key`, with its fresh resume secret.
    fn new_session(&self, key: String, site: SessionSite) -> (Arc<Session>, String) {
        Session::new(key, site, self.limits, self.asset_budget.clone(), self.metrics.clone(), self.memory.clone())
    }

    /// Puts `session` in its free `slot` and indexes it by its asset token.
    fn keep(&self, slot: std::collections::hash_map::VacantEntry<'_, String, Arc<Session>>, session: &Arc<Session>) {
        slot.insert(session.clone());
        self.tokens().insert(session.asset_token().to_owned(), session.clone());
    }

    /// Every live session (for shedding when memory runs short).
    pub fn sessions(&self) -> Vec<Arc<Session>> {
        self.lock().values().cloned().collect()
    }

    /// The live session with this key.
    pub fn find(&self, key: &str) -> Option<Arc<Session>> {
        self.lock().get(key).cloned()
    }

    /// The live session whose asset token is `token`.
    pub fn find_by_asset_token(&self, token: &str) -> Option<Arc<Session>> {
        self.tokens().get(token).cloned()
    }

    /// Removes `session` (and not a later session that reuses its key).
    pub fn remove(&self, session: &Arc<Session>) {
        let mut sessions = self.lock();
        if sessions.get(session.key()).is_some_and(|live| Arc::ptr_eq(live, session)) {
            sessions.remove(session.key());
        }
        self.tokens().remove(session.asset_token());
    }

    fn tokens(&self) -> MutexGuard<'_, HashMap<String, Arc<Session>>> {
        self.by_asset_token.lock().expect("registry lock poisoned")
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Arc<Session>>> {
        self.sessions.lock().expect("registry lock poisoned")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assets::AssetLimits;
    use cobrowse_protocol::MaskingRules;

    fn site() -> SessionSite {
        SessionSite {
            site_id: "s".into(),
            address: std::net::Ipv4Addr::LOCALHOST.into(),
            origin: None,
            masking: MaskingRules::default(),
            tabs: Default::default(),
            consent: Default::default(),
            remote_control: Default::default(),
        }
    }

    const ASSET_LIMITS: AssetLimits = AssetLimits { max_asset_bytes: 1024, max_session_bytes: 1024 };

    fn registry(key_digits: u32, max_sessions: usize) -> Registry {
        Registry::new(
            key_digits,
            max_sessions,
            SessionLimits {
                agent_queue_frames: 4,
                agent_queue_bytes: 1024,
                kept_state_bytes: 1024,
                assets: ASSET_LIMITS,
            },
            SharedAssetLimits::total(4096),
            MemoryBudget::unlimited(),
        )
    }

    #[test]
    fn keys_are_unique_among_live_sessions() {
        // 4-digit keys, 5000 sessions: collisions are certain, so uniqueness is really exercised.
        let registry = registry(4, 5000);
        let mut keys = std::collections::HashSet::new();
        for _ in 0..5000 {
            let (session, _) = registry.open(site()).unwrap();
            assert!(keys.insert(session.key().to_owned()), "key {} issued twice", session.key());
        }
    }

    #[test]
    fn sessions_are_found_until_removed() {
        let registry = registry(6, 10);
        let (session, _) = registry.open(site()).unwrap();
        assert!(Arc::ptr_eq(&registry.find(session.key()).unwrap(), &session));
        assert!(Arc::ptr_eq(&registry.find_by_asset_token(session.asset_token()).unwrap(), &session));
        registry.remove(&session);
        assert!(registry.find(session.key()).is_none());
        assert!(registry.find_by_asset_token(session.asset_token()).is_none());
    }

    #[test]
    fn the_session_limit_is_kept() {
        let registry = registry(6, 2);
        let _first = registry.open(site()).unwrap();
        let _second = registry.open(site()).unwrap();
        assert_eq!(registry.open(site()).err(), Some(OpenError::Full(2)));
    }
}
