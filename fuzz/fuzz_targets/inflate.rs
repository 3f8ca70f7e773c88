//! Any bytes as the deflate payloads of a connection's page frames: the first as a snapshot, the rest as
//! deltas in its context (the input is split at each `MARK`, four bytes no seed has). No input may
//! panic or inflate past the limit, whatever it claims; each inflated payload is decoded as postcard too
//! (the page tree, with its depth limit).
#![no_main]

use cobrowse_protocol::codec::Decompressor;
use cobrowse_protocol::{Delta, Snapshot};
use libfuzzer_sys::fuzz_target;

const INFLATE_LIMIT: usize = 1 << 20;
const MARK: &[u8] = b"\xc0NXT";

fuzz_target!(|bytes: &[u8]| {
    let mut decompressor = Decompressor::new(INFLATE_LIMIT);
    for (index, payload) in split(bytes).into_iter().enumerate() {
        let inflated = match index {
            0 => decompressor.snapshot(payload),
            _ => decompressor.delta(payload),
        };
        let Ok(raw) = inflated else { continue };
        assert!(raw.len() <= INFLATE_LIMIT, "inflated {} bytes", raw.len());
        match index {
            0 => drop(postcard::from_bytes::<Snapshot>(&raw)),
            _ => drop(postcard::from_bytes::<Delta>(&raw)),
        }
    }
});

fn split(mut bytes: &[u8]) -> Vec<&[u8]> {
    let mut parts = Vec::new();
    while let Some(at) = bytes.windows(MARK.len()).position(|window| window == MARK) {
        parts.push(&bytes[..at]);
        bytes = &bytes[at + MARK.len()..];
    }
    parts.push(bytes);
    parts
}
