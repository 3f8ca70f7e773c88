//! Session keys and generated passwords, both drawn from the operating system's CSPRNG.
//!
//! A session key is what the visitor reads out to the agent: a few decimal digits, uniform over the whole
//! range (leading zeros kept), so it can be typed on any keypad and carries no information.

use rand::distributions::{Alphanumeric, DistString};
use rand::rngs::OsRng;
use rand::Rng;

/// A key of exactly `digits` decimal digits, uniform over all of them.
pub(crate) fn generate_key(digits: u32) -> String {
    let count = 10u64.pow(digits);
    let number = OsRng.gen_range(0..count);
    format!("{number:0width$}", width = digits as usize)
}

/// A session's asset token: 128 random bits as 32 lower-case hex digits. It names the session in asset
/// URLs (`/assets/{token}/{hash}`), where the guessable session key must not.
pub(crate) fn generate_asset_token() -> String {
    format!("{:032x}", OsRng.gen::<u128>())
}

/// A fresh random password of 20 letters and digits (about 119 bits), for the development account.
pub fn generate_password() -> String {
    Alphanumeric.sample_string(&mut OsRng, 20)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn asset_tokens_are_128_bit_hex_and_differ() {
        let tokens: HashSet<_> = (0..100).map(|_| generate_asset_token()).collect();
        assert_eq!(tokens.len(), 100);
        assert!(tokens
            .iter()
            .all(|t| t.len() == 32 && t.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())));
    }

    #[test]
    fn keys_have_exactly_the_digits_asked_for() {
        for digits in [4, 6, 12] {
            for _ in 0..200 {
                let key = generate_key(digits);
                assert_eq!(key.len(), digits as usize, "{key}");
                assert!(key.bytes().all(|b| b.is_ascii_digit()), "{key}");
            }
        }
    }

    #[test]
    fn keys_spread_over_the_range() {
        let keys: HashSet<_> = (0..1000).map(|_| generate_key(6)).collect();
        assert!(keys.len() > 990, "only {} distinct keys in 1000", keys.len());
        let leading_digits: HashSet<_> = keys.iter().map(|key| key.as_bytes()[0]).collect();
        assert_eq!(leading_digits.len(), 10, "a leading digit never appears: {leading_digits:?}");
    }

    #[test]
    fn passwords_are_long_and_fresh() {
        let first = generate_password();
        assert_eq!(first.len(), 20);
        assert!(first.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(first, generate_password());
    }
}
