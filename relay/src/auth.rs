//! Agent sign-in: argon2 password hashes, and checking a name and password against them.
//!
//! argon2 is deliberately slow, so checks run on tokio's blocking pool, never more at once than the
//! gate allows (`gate.rs`), and never stall the relay. A check
//! for a name that does not exist costs the same as one with a wrong password (it runs argon2 against a
//! real account's hash and then answers no), so timing does not tell which names exist.

use crate::gate::{Busy, PasswordGate};
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Argon2, Params};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use thiserror::Error;

/// Why the configured accounts cannot be used.
#[derive(Debug, Error)]
#[error("agent {name:?}: {problem}")]
pub struct AuthError {
    name: String,
    problem: String,
}

/// An agent who may join sessions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentAccount {
    /// The name the agent signs in with; the visitor sees it.
    pub name: String,
    /// The agent's password as an argon2 PHC string (`$argon2id$v=19$...`); see [`AgentAccount::with_password`].
    pub password_hash: String,
    /// The ids of the sites whose sessions the agent may join; `None`: every site. A key of another
    /// site's session is refused as unknown.
    pub sites: Option<Vec<String>>,
}
impl AgentAccount {
    /// An account whose password is hashed now, with argon2id at its default (recommended) cost.
    pub fn with_password(name: &str, password: &str) -> AgentAccount {
        AgentAccount { name: name.to_owned(), password_hash: hash_password(password), sites: None }
    }

    /// The same account, limited to the sites with these ids.
    pub fn serving(mut self, sites: &[&str]) -> AgentAccount {
        self.sites = Some(sites.iter().map(|&site| site.to_owned()).collect());
        self
    }

    /// Whether the agent may join sessions of the site `site_id`.
    pub fn serves(&self, site_id: &str) -> bool {
        self.sites.as_ref().is_none_or(|sites| sites.iter().any(|site| site == site_id))
    }

    /// For tests only: an account hashed with argon2id at the lowest cost (8 KiB, one pass), so that
    /// debug builds sign in at once. The default cost takes seconds in a debug build. Never use this for
    /// a real account: such a hash is cheap to crack.
    pub fn with_cheap_password_hash(name: &str, password: &str) -> AgentAccount {
        let cheapest = Params::new(Params::MIN_M_COST, Params::MIN_T_COST, 1, None)
            .expect("argon2's minimum parameters are valid");
        AgentAccount {
            name: name.to_owned(),
            password_hash: hash_password_with_params(password, cheapest),
            sites: None,
        }
    }
}

/// The argon2id PHC string for `password` with a fresh random salt and the default cost.
pub fn hash_password(password: &str) -> String {
    hash_password_with_params(password, Params::default())
}

/// The argon2id PHC string for `password` with a fresh random salt and the given cost.
pub(crate) fn hash_password_with_params(password: &str, params: Params) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 hashing with valid parameters and a generated salt cannot fail")
        .to_string()
}

/// Checks that `hash` is an argon2 PHC string; the error says what to do instead.
pub(crate) fn check_hash(hash: &str) -> Result<(), String> {
    let parsed = PasswordHash::new(hash)
        .map_err(|error| format!("is not a PHC hash string ({error}); make one with `cobrowse-relay hash-password`"))?;
    if !parsed.algorithm.as_str().starts_with("argon2") {
        return Err(format!("uses {}, not argon2; make one with `cobrowse-relay hash-password`", parsed.algorithm));
    }
    Ok(())
}

/// The agents who may sign in. The list can be replaced while the relay runs (`RelayHandle::reload_agents`,
/// SIGHUP): a check in progress finishes against the list it started with.
pub(crate) struct Accounts {
    table: RwLock<Arc<AccountTable>>,
    gate: PasswordGate,
}

/// One version of the agents list.
struct AccountTable {
    hashes: HashMap<String, String>,
    /// The sites each account may serve (absent: all).
    sites: HashMap<String, Vec<String>>,
    /// A real account's hash, checked (and then ignored) for unknown names so they take as long.
    decoy: Option<String>,
}

/// What a session token is bound to: the SHA-256 of the account's password hash when it signed in. A new
/// password (a new hash, with its new salt) or a removed account makes every earlier token stale.
pub(crate) type Credential = [u8; 32];

impl AccountTable {
    fn new(accounts: &[AgentAccount]) -> Result<AccountTable, AuthError> {
        for account in accounts {
            check_hash(&account.password_hash).map_err(|problem| AuthError {
                name: account.name.clone(),
                problem: format!("password_hash {problem}"),
            })?;
        }
        let hashes: HashMap<_, _> =
            accounts.iter().map(|account| (account.name.clone(), account.password_hash.clone())).collect();
        let sites =
            accounts.iter().filter_map(|account| Some((account.name.clone(), account.sites.clone()?))).collect();
        let decoy = accounts.first().map(|account| account.password_hash.clone());
        Ok(AccountTable { hashes, sites, decoy })
    }
}

impl Accounts {
    /// The accounts, checked with at most `gate`'s checks at once.
    pub fn new(accounts: &[AgentAccount], gate: PasswordGate) -> Result<Accounts, AuthError> {
        Ok(Accounts { table: RwLock::new(Arc::new(AccountTable::new(accounts)?)), gate })
    }

    /// Replaces the agents list; on an error (a bad hash) the list stays as it was.
    pub fn replace(&self, accounts: &[AgentAccount]) -> Result<(), AuthError> {
        let table = Arc::new(AccountTable::new(accounts)?);
        *self.table.write().expect("accounts lock poisoned") = table;
        Ok(())
    }

    fn table(&self) -> Arc<AccountTable> {
        self.table.read().expect("accounts lock poisoned").clone()
    }

    /// Whether `password` is `name`'s; `Busy` when too many checks run and wait already. Unknown names
    /// cost the same as wrong passwords. A right password gives the credential a token is bound to.
    pub async fn verify(&self, name: &str, password: &str) -> Result<Option<Credential>, Busy> {
        let table = self.table();
        let (hash, known) = match (table.hashes.get(name), &table.decoy) {
            (Some(hash), _) => (hash.clone(), true),
            (None, Some(decoy)) => (decoy.clone(), false),
            (None, None) => return Ok(None),
        };
        let credential = credential_of(&hash);
        let password = password.to_owned();
        let matches = self.gate.run(move || password_matches(&hash, &password)).await?;
        Ok((matches && known).then_some(credential))
    }

    /// Whether `credential` is still `name`'s: the account exists and its password has not changed.
    pub fn still_valid(&self, name: &str, credential: &Credential) -> bool {
        self.table().hashes.get(name).is_some_and(|hash| credential_of(hash) == *credential)
    }

    /// Whether the account `name` may join sessions of the site `site_id`.
    pub fn serves(&self, name: &str, site_id: &str) -> bool {
        self.table().sites.get(name).is_none_or(|sites| sites.iter().any(|site| site == site_id))
    }

    /// The most password checks that ran at once so far.
    #[allow(dead_code)]
    pub fn peak_password_checks(&self) -> usize {
        self.gate.peak()
    }
}

fn credential_of(password_hash: &str) -> Credential {
    Sha256::digest(password_hash.as_bytes()).into()
}

fn password_matches(hash: &str, password: &str) -> bool {
    match PasswordHash::new(hash) {
        // Verifying uses the algorithm, version and cost written in the hash itself.
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cheap() -> Params {
        Params::new(8, 1, 1, None).unwrap()
    }

    #[tokio::test]
    async fn right_password_passes_and_wrong_ones_fail() {
        let accounts = Accounts::new(
            &[
                AgentAccount::with_cheap_password_hash("ana", "correct horse"),
                AgentAccount::with_cheap_password_hash("bo", "battery staple").serving(&["shop"]),
            ],
            gate(),
        )
        .unwrap();
        let right = |result: Result<Option<Credential>, Busy>| matches!(result, Ok(Some(_)));
        assert!(right(accounts.verify("ana", "correct horse").await));
        assert!(right(accounts.verify("bo", "battery staple").await));
        assert_eq!(accounts.verify("ana", "battery staple").await, Ok(None));
        assert_eq!(accounts.verify("ana", "").await, Ok(None));
        // An unknown name fails even with the decoy account's own password.
        assert_eq!(accounts.verify("eve", "correct horse").await, Ok(None));
        assert!(accounts.serves("ana", "anything") && accounts.serves("bo", "shop"));
        assert!(!accounts.serves("bo", "demo"));
    }

    fn gate() -> PasswordGate {
        PasswordGate::new(2, 8)
    }

    #[tokio::test]
    async fn no_accounts_means_nobody_signs_in() {
        let accounts = Accounts::new(&[], gate()).unwrap();
        assert_eq!(accounts.verify("ana", "x").await, Ok(None));
    }

    #[tokio::test]
    async fn a_credential_goes_stale_when_the_password_changes_or_the_account_goes() {
        let accounts = Accounts::new(&[AgentAccount::with_cheap_password_hash("ana", "old")], gate()).unwrap();
        let credential = accounts.verify("ana", "old").await.unwrap().unwrap();
        assert!(accounts.still_valid("ana", &credential));
        assert!(!accounts.still_valid("bo", &credential), "bound to its account");
        let same_password_new_hash = AgentAccount::with_cheap_password_hash("ana", "old");
        accounts.replace(&[same_password_new_hash]).unwrap();
        assert!(!accounts.still_valid("ana", &credential), "a new hash is a new credential");
        let credential = accounts.verify("ana", "old").await.unwrap().unwrap();
        let bad = AgentAccount { name: "ana".into(), password_hash: "plain".into(), sites: None };
        assert!(accounts.replace(&[bad]).is_err());
        assert!(accounts.still_valid("ana", &credential), "a bad list changes nothing");
        accounts.replace(&[AgentAccount::with_cheap_password_hash("bo", "x")]).unwrap();
        assert!(!accounts.still_valid("ana", &credential), "a removed account's credential is stale");
    }

    #[test]
    fn hashes_are_argon2id_phc_strings_with_fresh_salts() {
        let first = hash_password_with_params("pw", cheap());
        let second = hash_password_with_params("pw", cheap());
        assert!(first.starts_with("$argon2id$v=19$"), "{first}");
        assert_ne!(first, second);
        assert!(check_hash(&first).is_ok());
        assert!(check_hash("$2b$12$abcdefghijklmnopqrstuv").is_err());
        let plain = AgentAccount { name: "x".into(), password_hash: "plain".into(), sites: None };
        assert!(Accounts::new(&[plain], gate()).is_err());
    }
}
