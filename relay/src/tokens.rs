//! Agent session tokens: one password check signs an agent in for `agent_token_ttl`; its later joins (a
//! reconnection, the next session of the day) present the token instead, so argon2 runs once per
//! sign-in and not once per join.
//!
//! A token is 128 random bits from the OS's CSPRNG, as 32 hex digits. The relay keeps only its SHA-256
//! (a lookup by hash cannot leak the token through timing) with the account, the expiry and the
//! credential it was issued for (`auth::Credential`, the account's password hash at sign-in: the caller
//! checks it is still the account's, so a changed password or a removed account ends every token), in
//! memory: a restarted relay forgets every token and agents sign in again with their password.

use crate::auth::Credential;
use rand::rngs::OsRng;
use rand::Rng;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

/// Past this many live tokens, expired ones are dropped; if none has expired, the oldest goes.
const MAX_TOKENS: usize = 100_000;

/// The tokens handed out, by their hash.
pub(crate) struct Tokens {
    ttl: Duration,
    issued: Mutex<HashMap<[u8; 32], Issued>>,
}

#[derive(Debug, Clone)]
struct Issued {
    name: String,
    credential: Credential,
    expires: Instant,
}

impl Tokens {
    pub fn new(ttl: Duration) -> Tokens {
        Tokens { ttl, issued: Mutex::new(HashMap::new()) }
    }

    /// How long a token lasts.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// A fresh token for the account `name`, signed in with `credential`.
    pub fn issue(&self, name: &str, credential: Credential) -> String {
        let token = format!("{:032x}", OsRng.gen::<u128>());
        let now = Instant::now();
        let mut issued = self.lock();
        if issued.len() >= MAX_TOKENS {
            issued.retain(|_, entry| entry.expires > now);
            if issued.len() >= MAX_TOKENS {
                let oldest = issued.iter().min_by_key(|(_, entry)| entry.expires).map(|(hash, _)| *hash);
                issued.remove(&oldest.expect("the map is not empty"));
            }
        }
        issued.insert(hash(&token), Issued { name: name.to_owned(), credential, expires: now + self.ttl });
        token
    }

    /// The account a live token signs in and the credential it was issued for, if it is one.
    pub fn account(&self, token: &str) -> Option<(String, Credential)> {
        let now = Instant::now();
        let mut issued = self.lock();
        let key = hash(token);
        match issued.get(&key) {
            Some(entry) if entry.expires > now => Some((entry.name.clone(), entry.credential)),
            Some(_) => {
                issued.remove(&key);
                None
            }
            None => None,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], Issued>> {
        self.issued.lock().expect("token lock poisoned")
    }
}

fn hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_token_signs_its_account_in_until_it_expires() {
        tokio::time::pause();
        let tokens = Tokens::new(Duration::from_secs(60));
        let token = tokens.issue("ana", [7; 32]);
        assert_eq!(token.len(), 32, "128 bits as hex");
        assert_ne!(tokens.issue("ana", [7; 32]), token, "every sign-in gets its own");
        assert_eq!(tokens.account(&token), Some(("ana".to_owned(), [7; 32])));
        assert_eq!(tokens.account("0".repeat(32).as_str()), None);
        tokio::time::advance(Duration::from_secs(61)).await;
        assert_eq!(tokens.account(&token), None);
    }
}
