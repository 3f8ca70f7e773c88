//! Sentinel secrets and what counts as finding one.
//!
//! A [`Sentinel`] is a unique secret, `S3CR3T-<scenario>-<random>`, padded with random letters and digits
//! to a length no other scenario's sentinel has (so a length marker points at one scenario), except the
//! deliberately long and short ones. Secrets are ASCII letters, digits and dashes: they survive HTML, JSON
//! and Rust `Debug` formatting unchanged.
//!
//! A text *leaks* a sentinel `s` of `n` characters if it contains any of:
//! - **sentinel**: `s` itself;
//! - **reverse**: `s` reversed (a recorder that stores text backwards, or a right-to-left mix-up);
//! - **base64**: the standard base64 of `s`, with or without its `=` padding;
//! - **length run**: a run of *exactly* `n` identical mask glyphs (one of [`MASK_GLYPHS`]), not part of a
//!   longer run of the same glyph — the way rrweb's default masking (`*` per character) gives the length
//!   away. Our own [`cobrowse_protocol::MASK_TEXT`] is a fixed 6 glyphs, so no sentinel is 6 long;
//! - **length number**: the decimal `n` (not part of a longer number) next to a mask glyph, with at most
//!   spaces, `(`, `)`, `[`, `]`, `:` or `=` between them (as in `•••• (23)` or `*: 23`).
//!
//! Binary haystacks (frames as received, inflated payloads) are searched for the first three only
//! ([`Sentinel::hits_in_bytes`]); the length markers are searched in text: decoded messages, the mirror,
//! logs, rrweb's JSON.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};

/// Characters that masks are commonly drawn with.
pub const MASK_GLYPHS: [char; 6] = ['*', '\u{2022}', '\u{25CF}', '\u{00B7}', '\u{2217}', '\u{25A0}'];

/// One scenario's secret.
#[derive(Debug, Clone)]
pub struct Sentinel {
    pub text: String,
    reverse: String,
    base64: String,
}

/// One kind of finding, with the place it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// sentinel, reverse, base64, length run or length number.
    pub how: &'static str,
    /// Where: "frame #3 from Visitor (Delta), inflated", "mirror", "relay logs", "rrweb events".
    pub place: String,
}

impl Sentinel {
    /// `S3CR3T-<id>-<random>` of exactly `len` characters (at least the prefix and 4 random characters).
    pub fn new(id: &str, len: usize) -> Self {
        let prefix = format!("S3CR3T-{id}-");
        let fill = len.saturating_sub(prefix.len()).max(4);
        Self::from_text(format!("{prefix}{}", random_alphanumeric(fill)))
    }

    /// A sentinel of `len` random letters and digits only (for secrets shorter than the prefix).
    pub fn random(len: usize) -> Self {
        Self::from_text(random_alphanumeric(len))
    }

    fn from_text(text: String) -> Self {
        assert_ne!(text.chars().count(), 6, "no sentinel may be as long as MASK_TEXT");
        Self { reverse: text.chars().rev().collect(), base64: base64(text.as_bytes()), text }
    }

    /// Its length in characters.
    pub fn len(&self) -> usize {
        self.text.chars().count()
    }

    /// Whether it is empty (never).
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// The ways `haystack` leaks this sentinel (see the module documentation), each once.
    pub fn find_in(&self, haystack: &str) -> Vec<&'static str> {
        let mut found = Vec::new();
        if haystack.contains(&self.text) {
            found.push("sentinel");
        }
        if haystack.contains(&self.reverse) {
            found.push("reverse");
        }
        if haystack.contains(&self.base64) || haystack.contains(self.base64.trim_end_matches('=')) {
            found.push("base64");
        }
        let chars: Vec<char> = haystack.chars().collect();
        if has_glyph_run(&chars, self.len()) {
            found.push("length run");
        }
        if has_length_number(&chars, self.len()) {
            found.push("length number");
        }
        found
    }

    /// The ways binary `bytes` (a frame as received, an inflated payload) leak this sentinel: only the
    /// sentinel, its reverse and its base64 as byte strings. Length markers are looked for in the decoded
    /// message instead: in binary data a `*` byte beside a digit byte is noise, not a length.
    pub fn hits_in_bytes(&self, bytes: &[u8], place: &str) -> Vec<Hit> {
        let contains = |needle: &str| {
            let needle = needle.as_bytes();
            !needle.is_empty() && bytes.windows(needle.len()).any(|window| window == needle)
        };
        let mut found = Vec::new();
        if contains(&self.text) {
            found.push("sentinel");
        }
        if contains(&self.reverse) {
            found.push("reverse");
        }
        if contains(self.base64.trim_end_matches('=')) {
            found.push("base64");
        }
        found.into_iter().map(|how| Hit { how, place: place.to_string() }).collect()
    }

    /// [`Sentinel::find_in`] as hits at `place`.
    pub fn hits_in(&self, haystack: &str, place: &str) -> Vec<Hit> {
        self.find_in(haystack).into_iter().map(|how| Hit { how, place: place.to_string() }).collect()
    }
}

/// A run of exactly `n` equal mask glyphs.
fn has_glyph_run(chars: &[char], n: usize) -> bool {
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let mut j = i;
        while j < chars.len() && chars[j] == c {
            j += 1;
        }
        if MASK_GLYPHS.contains(&c) && j - i == n {
            return true;
        }
        i = j;
    }
    false
}

/// The decimal `n`, alone, next to a mask glyph (see the module documentation).
fn has_length_number(chars: &[char], n: usize) -> bool {
    let digits: Vec<char> = n.to_string().chars().collect();
    let separator = |c: char| matches!(c, ' ' | '(' | ')' | '[' | ']' | ':' | '=');
    let mut start = 0;
    while start + digits.len() <= chars.len() {
        let end = start + digits.len();
        let alone = chars[start..end] == digits[..]
            && (start == 0 || !chars[start - 1].is_ascii_digit())
            && (end == chars.len() || !chars[end].is_ascii_digit());
        if alone {
            let mut before = start;
            while before > 0 && separator(chars[before - 1]) {
                before -= 1;
            }
            let mut after = end;
            while after < chars.len() && separator(chars[after]) {
                after += 1;
            }
            let glyph_before = before > 0 && MASK_GLYPHS.contains(&chars[before - 1]);
            let glyph_after = after < chars.len() && MASK_GLYPHS.contains(&chars[after]);
            if glyph_before || glyph_after {
                return true;
            }
        }
        start += 1;
    }
    false
}

/// Standard base64 with padding.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (k, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if k <= chunk.len() {
                out.push(ALPHABET[((n >> shift) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// `len` random ASCII letters and digits.
fn random_alphanumeric(len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let state = RandomState::new();
    (0..len)
        .map(|i| {
            let mut hasher = state.build_hasher();
            hasher.write_usize(i);
            hasher.write_u128(
                std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos()),
            );
            ALPHABET[(hasher.finish() % ALPHABET.len() as u64) as usize] as char
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_known_values() {
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn every_form_of_a_sentinel_is_found_and_nothing_else() {
        let s = Sentinel::new("x", 20);
        assert_eq!(s.len(), 20);
        assert!(s.text.starts_with("S3CR3T-x-"));
        assert_eq!(s.find_in(&format!("a{}b", s.text)), ["sentinel"]);
        assert_eq!(s.find_in(&s.text.chars().rev().collect::<String>()), ["reverse"]);
        assert_eq!(s.find_in(&format!("\"{}\"", base64(s.text.as_bytes()))), ["base64"]);
        assert_eq!(s.find_in(&format!("value=\"{}\"", "*".repeat(20))), ["length run"]);
        assert!(s.find_in(&"*".repeat(21)).is_empty());
        assert!(s.find_in(&"\u{2022}".repeat(6)).is_empty());
        assert_eq!(s.find_in("\u{2022}\u{2022}\u{2022} (20)"), ["length number"]);
        assert_eq!(s.find_in("20:\u{2022}"), ["length number"]);
        assert!(s.find_in("\u{2022} 120").is_empty());
        assert!(s.find_in("width 20px").is_empty());
        let short = Sentinel::random(7);
        assert_eq!(short.len(), 7);
    }
}
