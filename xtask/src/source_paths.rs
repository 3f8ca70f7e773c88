//! Blanks the source paths in a built wasm module.
//!
//! A panic location names its source file. The wasm builds abort at once on a panic (see `site.rs`), so
//! few locations are left, but some are (a few that std and wasm-bindgen keep for their own checks): our
//! crates', the crates we use and std's (compiled with the module, from the toolchain's `rust-src`), which
//! the build names `@src/…` ([`MARKER`], see `site.rs`), and, from a precompiled std,
//! `/rustc/<commit hash>/library/core/src/…` (`--remap-path-prefix` cannot shorten those: it applies to
//! the crates being compiled). Nothing ever reads them: wasm32-unknown-unknown has no stderr, and the
//! panic message goes nowhere. Before std was compiled with the module they cost about 210 bytes of the
//! gzipped download.
//!
//! [`blank`] overwrites each such path, in place and at the same length, with zero bytes: every pointer
//! and length in the module stays right, and a run of zeros costs a few bytes once compressed. A path is
//! found by its exact start (`/rustc/`, forty hex digits and `/library/`; or [`MARKER`]) and ends at its
//! first `.rs`, with only path characters between: no other bytes of the module are touched.

use crate::command::Result;
use std::path::Path;

/// What the build remaps the source folders of the crates it compiles to (`--remap-path-prefix`).
pub const MARKER: &str = "@src/";
/// What every std source path starts with, before the commit hash.
const PREFIX: &[u8] = b"/rustc/";
/// What follows the commit hash.
const AFTER_HASH: &[u8] = b"/library/";
/// The commit hash's length, in hex digits.
const HASH_DIGITS: usize = 40;
/// The longest path blanked, so a stray prefix never blanks a long run of unrelated bytes.
const MAX_PATH_BYTES: usize = 160;

/// Blanks the source paths in the wasm module at `wasm`.
pub fn blank(wasm: &Path) -> Result {
    let mut module = std::fs::read(wasm).map_err(|error| format!("cannot read {}: {error}", wasm.display()))?;
    if blank_paths(&mut module) > 0 {
        std::fs::write(wasm, &module).map_err(|error| format!("cannot write {}: {error}", wasm.display()))?;
    }
    Ok(())
}

/// Overwrites each source path in `bytes` with zeros; answers how many.
fn blank_paths(bytes: &mut [u8]) -> usize {
    blank_each(bytes, PREFIX, std_path_len) + blank_each(bytes, MARKER.as_bytes(), |bytes| rs_path_len(bytes, 0))
}

/// Overwrites with zeros each run of `bytes` that starts with `start` and that `path_len` measures.
fn blank_each(bytes: &mut [u8], start_with: &[u8], path_len: impl Fn(&[u8]) -> Option<usize>) -> usize {
    let mut blanked = 0;
    let mut from = 0;
    while let Some(start) = find(&bytes[from..], start_with).map(|at| from + at) {
        match path_len(&bytes[start..]) {
            Some(len) => {
                bytes[start..start + len].fill(0);
                blanked += 1;
                from = start + len;
            }
            None => from = start + start_with.len(),
        }
    }
    blanked
}

/// The length of the std source path at the start of `bytes`, through its `.rs`; `None` if it is not one.
fn std_path_len(bytes: &[u8]) -> Option<usize> {
    let hash = bytes.get(PREFIX.len()..PREFIX.len() + HASH_DIGITS)?;
    if !hash.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    let library = PREFIX.len() + HASH_DIGITS;
    if bytes.get(library..library + AFTER_HASH.len())? != AFTER_HASH {
        return None;
    }
    rs_path_len(bytes, library)
}

/// The length of `bytes` through the first `.rs` after `from`, if only path characters come before it.
fn rs_path_len(bytes: &[u8], from: usize) -> Option<usize> {
    let rest = bytes.get(from..bytes.len().min(MAX_PATH_BYTES))?;
    let end = find(rest, b".rs")?;
    let path = &rest[..end];
    path.iter().all(|&byte| byte.is_ascii_alphanumeric() || b"/_-.@".contains(&byte)).then_some(from + end + 3)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH: &str = "59807616e1fa2540724bfbac14d7976d7e4a3860";

    #[test]
    fn blanks_each_std_path_at_its_own_length_and_nothing_around_it() {
        let text = format!(
            "before/rustc/{HASH}/library/core/src/str/pattern.rsafter/rustc/{HASH}/library/alloc/src/vec/mod.rs!"
        );
        let mut bytes = text.clone().into_bytes();
        assert_eq!(blank_paths(&mut bytes), 2);
        assert_eq!(bytes.len(), text.len());
        let first = format!("/rustc/{HASH}/library/core/src/str/pattern.rs").len();
        let second = format!("/rustc/{HASH}/library/alloc/src/vec/mod.rs").len();
        let expected = [&b"before"[..], &vec![0; first], b"after", &vec![0; second], b"!"].concat();
        assert_eq!(bytes, expected);
    }

    #[test]
    fn blanks_the_paths_the_build_remapped() {
        let mut bytes = b"iframe@src/connection/socket.rs@src/postcard-1.1.3/src/varint.rsspan".to_vec();
        assert_eq!(blank_paths(&mut bytes), 2);
        let paths = "@src/connection/socket.rs@src/postcard-1.1.3/src/varint.rs".len();
        let expected = [&b"iframe"[..], &vec![0; paths], b"span"].concat();
        assert_eq!(bytes, expected);
    }

    #[test]
    fn leaves_what_only_looks_like_a_source_path() {
        for text in [
            "/rustc/ is a folder".to_string(),
            format!("/rustc/{}/library/x.rs", "z".repeat(40)),
            format!("/rustc/{HASH}/elsewhere/x.rs"),
            format!("/rustc/{HASH}/library/no source file here"),
            format!("/rustc/{HASH}/library/a space.rs"),
            "@src/ then no file".to_string(),
            "@src/a space.rs".to_string(),
        ] {
            let mut bytes = text.clone().into_bytes();
            assert_eq!(blank_paths(&mut bytes), 0, "{text}");
            assert_eq!(bytes, text.into_bytes());
        }
    }
}
