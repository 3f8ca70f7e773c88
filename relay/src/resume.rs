//! The resume secret: what lets a visitor's next page (or its reconnection, or its other tab) continue a
//! session, and what keeps anyone else from doing so.
//!
//! The relay draws 256 bits from the operating system's CSPRNG when a session opens, sends them once to
//! the visitor (in `SessionStarted`), and keeps only their SHA-256. A `Resume` must carry the secret: the
//! session key alone (six digits, read aloud) can never take a session over. Secrets are compared in
//! constant time and never logged.

use rand::rngs::OsRng;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// How many random bytes a secret has (sent as twice as many hex digits).
const SECRET_BYTES: usize = 32;

/// The hash of a session's resume secret.
pub(crate) struct ResumeSecret {
    hash: [u8; 32],
}

impl ResumeSecret {
    /// A fresh secret: the kept hash, and the hex text to send to the visitor once.
    pub fn generate() -> (ResumeSecret, String) {
        let mut bytes = [0u8; SECRET_BYTES];
        OsRng.fill_bytes(&mut bytes);
        let text: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
        (ResumeSecret { hash: hash(&text) }, text)
    }

    /// The kept hash as hex, for a cluster node to store (`cluster/`): it cannot be turned back into
    /// the secret.
    pub fn hash_hex(&self) -> String {
        self.hash.iter().map(|byte| format!("{byte:02x}")).collect()
    }

    /// The hash [`ResumeSecret::hash_hex`] wrote; `None` if `hex` is not 64 hex digits.
    pub fn from_hash_hex(hex: &str) -> Option<ResumeSecret> {
        if hex.len() != 64 || !hex.is_ascii() {
            return None;
        }
        let mut hash = [0u8; 32];
        for (index, byte) in hash.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&hex[index * 2..index * 2 + 2], 16).ok()?;
        }
        Some(ResumeSecret { hash })
    }

    /// Whether `offered` is the secret, compared in constant time (over the hashes).
    pub fn matches(&self, offered: &str) -> bool {
        let offered = hash(offered);
        self.hash.iter().zip(offered.iter()).fold(0u8, |differ, (a, b)| differ | (a ^ b)) == 0
    }
}

fn hash(text: &str) -> [u8; 32] {
    Sha256::digest(text.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_is_256_bits_of_hex_and_only_it_matches() {
        let (kept, secret) = ResumeSecret::generate();
        assert_eq!(secret.len(), 64);
        assert!(secret.bytes().all(|b| b.is_ascii_hexdigit()));
        assert!(kept.matches(&secret));
        assert!(!kept.matches(""));
        assert!(!kept.matches(&secret[..63]));
        let stored = ResumeSecret::from_hash_hex(&kept.hash_hex()).unwrap();
        assert!(stored.matches(&secret), "the hash survives being stored as hex");
        assert!(ResumeSecret::from_hash_hex("zz").is_none());
        let (_, other) = ResumeSecret::generate();
        assert_ne!(secret, other);
        assert!(!kept.matches(&other));
    }
}
