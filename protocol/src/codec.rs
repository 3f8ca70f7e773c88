//! Deflate with a context that lasts across a connection's messages.
//!
//! Consecutive deltas of one page repeat tag names, attribute names and class lists, so one deflate stream
//! for the whole connection compresses them far better than one stream per message. Each message ends
//! with a sync flush, so it can be decompressed as soon as it arrives. A full snapshot starts a fresh
//! stream: a receiver that joins late (or skipped frames) can start decoding at any snapshot.
//!
//! A snapshot's payload is one raw deflate stream of its own, complete (the browser's
//! `CompressionStream('deflate-raw')`, dynamic Huffman codes) or sync-flushed (our encoder, where the
//! browser has none). The deltas after it form a second stream, *primed* with the snapshot's last 32 KiB:
//! the sender's encoder holds those bytes as history without sending them ([`Compressor::prime`]), and the
//! receiver feeds them to a fresh inflater as a stored block whose output it drops. So the deltas still
//! refer back into the page's markup, whichever encoder compressed the snapshot.
//!
//! A later part of a sliced snapshot is compressed as a snapshot is (a stream of its own, which primes the
//! deltas' context), but only after a snapshot: a receiver that has none refuses it as it refuses a delta.

use crate::deflate::Deflater;
use flate2::{Decompress, FlushDecompress, Status};
use thiserror::Error;

/// Why a payload could not be decompressed.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum CodecError {
    #[error("deflate data is corrupt or out of order: {0} (the receiver needs a fresh snapshot)")]
    Corrupt(String),
    #[error("a delta or snapshot part arrived before any snapshot: the receiver must start at a snapshot")]
    NoContext,
    #[error("payload inflates past the limit of {limit} bytes (a deflate bomb, or a page too large to mirror)")]
    TooLarge { limit: usize },
}

/// The sending side of a connection's deflate stream (our own small encoder, see `deflate.rs`).
#[derive(Default)]
pub struct Compressor {
    stream: Deflater,
}

impl Compressor {
    pub fn new() -> Self {
        Self::default()
    }

    /// Compresses the payload of a snapshot, starting a fresh context.
    pub fn snapshot(&mut self, payload: &[u8]) -> Vec<u8> {
        self.stream.reset();
        self.stream.compress(payload)
    }

    /// Starts the deltas' context after a snapshot whose `payload` is compressed elsewhere (see the module
    /// doc): the same context [`Compressor::snapshot`] leaves, without compressing anything.
    pub fn prime(&mut self, payload: &[u8]) {
        self.stream.prime(payload);
    }

    /// Compresses the payload of a delta, in the context of everything since the last snapshot.
    pub fn delta(&mut self, payload: &[u8]) -> Vec<u8> {
        self.stream.compress(payload)
    }
}

/// A snapshot's payload deflated on its own by our encoder (sync-flushed), for a sender whose context was
/// primed with it already ([`Compressor::prime`]).
pub fn deflate_alone(payload: &[u8]) -> Vec<u8> {
    Deflater::new().compress(payload)
}

/// How much of a snapshot's payload primes the deltas' context: deflate's window.
const PRIMED_BYTES: usize = 32 * 1024;

/// The receiving side of a connection's deflate stream.
pub struct Decompressor {
    stream: Decompress,
    has_context: bool,
    limit: usize,
}

impl Decompressor {
    /// A decompressor that refuses to inflate one message past `limit` bytes.
    pub fn new(limit: usize) -> Self {
        Self { stream: Decompress::new(false), has_context: false, limit }
    }

    /// Decompresses a snapshot's payload (a deflate stream of its own, complete or sync-flushed), then
    /// starts the deltas' context primed with it.
    pub fn snapshot(&mut self, data: &[u8]) -> Result<Vec<u8>, CodecError> {
        self.stream.reset(false);
        self.has_context = true;
        let payload = self.inflate(data)?;
        self.prime(&payload)?;
        Ok(payload)
    }

    /// Decompresses a later part of a sliced snapshot (a stream of its own, as a snapshot's), then primes
    /// the deltas' context with it; refused, as a delta is, without a snapshot before it.
    pub fn snapshot_part(&mut self, data: &[u8]) -> Result<Vec<u8>, CodecError> {
        if !self.has_context {
            return Err(CodecError::NoContext);
        }
        self.snapshot(data)
    }

    /// A fresh stream that has seen the last [`PRIMED_BYTES`] of `payload`: one stored block, its output
    /// dropped.
    fn prime(&mut self, payload: &[u8]) -> Result<(), CodecError> {
        let tail = &payload[payload.len().saturating_sub(PRIMED_BYTES)..];
        let length = tail.len() as u16;
        let mut block = Vec::with_capacity(tail.len() + 5);
        block.push(0x00); // BFINAL = 0, BTYPE = 00 (stored), padded to the byte
        block.extend_from_slice(&length.to_le_bytes());
        block.extend_from_slice(&(!length).to_le_bytes());
        block.extend_from_slice(tail);
        self.stream.reset(false);
        let mut dropped = Vec::with_capacity(tail.len() + 64);
        let primed = self.stream.decompress_vec(&block, &mut dropped, FlushDecompress::Sync);
        if primed.is_err() || dropped.len() != tail.len() {
            self.has_context = false;
            return Err(CodecError::Corrupt("could not prime the deltas' context".into()));
        }
        Ok(())
    }

    /// Decompresses a delta's payload in the current context.
    pub fn delta(&mut self, data: &[u8]) -> Result<Vec<u8>, CodecError> {
        if !self.has_context {
            return Err(CodecError::NoContext);
        }
        self.inflate(data)
    }

    fn inflate(&mut self, mut input: &[u8]) -> Result<Vec<u8>, CodecError> {
        let result = self.inflate_all(&mut input);
        if result.is_err() {
            // A broken stream cannot be resumed: wait for the next snapshot.
            self.has_context = false;
        }
        result
    }

    /// Inflates into a buffer that never grows past `limit + 1` bytes: one byte more than the limit is
    /// how a payload past it shows, so a deflate bomb costs at most that much memory before it is refused.
    fn inflate_all(&mut self, input: &mut &[u8]) -> Result<Vec<u8>, CodecError> {
        let most = self.limit.saturating_add(1);
        let mut output = Vec::with_capacity(input.len().saturating_mul(4).saturating_add(64).min(most));
        loop {
            if output.len() > self.limit {
                return Err(CodecError::TooLarge { limit: self.limit });
            }
            if output.capacity() == output.len() {
                let goal = output.capacity().saturating_mul(2).clamp(64, most);
                output.reserve_exact(goal - output.len());
            }
            let before_in = self.stream.total_in();
            let status = self
                .stream
                .decompress_vec(input, &mut output, FlushDecompress::Sync)
                .map_err(|error| CodecError::Corrupt(error.to_string()))?;
            let consumed = (self.stream.total_in() - before_in) as usize;
            *input = &input[consumed..];
            let room_left = output.len() < output.capacity();
            match status {
                Status::StreamEnd => return Ok(output),
                _ if input.is_empty() && room_left => return Ok(output),
                Status::BufError if consumed == 0 && room_left => {
                    return Err(CodecError::Corrupt("truncated deflate data".into()))
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(n: usize) -> Vec<u8> {
        (0..n).map(|i| b"<div class=\"row\">hello</div>"[i % 28]).collect()
    }

    #[test]
    fn messages_round_trip_in_one_context() {
        let mut tx = Compressor::new();
        let mut rx = Decompressor::new(1 << 24);
        let first = sample(10_000);
        assert_eq!(rx.snapshot(&tx.snapshot(&first)).unwrap(), first);
        for n in [0, 1, 17, 70_000] {
            let payload = sample(n);
            assert_eq!(rx.delta(&tx.delta(&payload)).unwrap(), payload);
        }
    }

    /// A snapshot deflated as one complete stream with dynamic codes, as the browser's
    /// `CompressionStream('deflate-raw')` does.
    fn complete_stream(payload: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(payload).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn deltas_after_a_snapshot_compressed_elsewhere_round_trip() {
        let mut tx = Compressor::new();
        let mut rx = Decompressor::new(1 << 24);
        let page: Vec<u8> =
            (0..50_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8).chain(sample(9_000)).collect();
        tx.prime(&page);
        assert_eq!(rx.snapshot(&complete_stream(&page)).unwrap(), page);
        for n in [0, 1, 17, 70_000] {
            let payload = sample(n);
            assert_eq!(rx.delta(&tx.delta(&payload)).unwrap(), payload);
        }
    }

    #[test]
    fn deltas_refer_back_into_a_snapshot_compressed_elsewhere() {
        let page = sample(20_000);
        let mut primed = Compressor::new();
        primed.prime(&page);
        let mut unprimed = Compressor::new();
        unprimed.prime(b"");
        let delta = b"<div class=\"row\">hello</div><div class=\"row\">";
        let (with_page, without) = (primed.delta(delta), unprimed.delta(delta));
        assert!(
            with_page.len() < without.len() / 2,
            "primed delta {} bytes, unprimed {}",
            with_page.len(),
            without.len()
        );
        let mut rx = Decompressor::new(1 << 20);
        rx.snapshot(&complete_stream(&page)).unwrap();
        assert_eq!(rx.delta(&with_page).unwrap(), delta);
    }

    #[test]
    fn a_snapshot_deflated_alone_primes_the_same_context() {
        let page = sample(40_000);
        let mut tx = Compressor::new();
        tx.prime(&page);
        let mut rx = Decompressor::new(1 << 20);
        assert_eq!(rx.snapshot(&deflate_alone(&page)).unwrap(), page);
        assert_eq!(rx.delta(&tx.delta(b"next")).unwrap(), b"next");
    }

    #[test]
    fn context_makes_repeated_deltas_smaller() {
        let mut tx = Compressor::new();
        tx.snapshot(b"start");
        let payload = b"attribute class=\"product-card highlighted\" data-sku=\"A-1234\"";
        let first = tx.delta(payload).len();
        let second = tx.delta(payload).len();
        assert!(second < first / 2, "second delta {second} bytes, first {first}");
    }

    #[test]
    fn a_late_receiver_starts_at_the_next_snapshot() {
        let mut tx = Compressor::new();
        let _missed_snapshot = tx.snapshot(&sample(500));
        let missed_delta = tx.delta(&sample(300));
        let mut late = Decompressor::new(1 << 20);
        assert_eq!(late.delta(&missed_delta), Err(CodecError::NoContext));
        let fresh = sample(900);
        assert_eq!(late.snapshot(&tx.snapshot(&fresh)).unwrap(), fresh);
        assert_eq!(late.delta(&tx.delta(b"next")).unwrap(), b"next");
    }

    #[test]
    fn inflating_past_the_limit_is_refused() {
        let mut tx = Compressor::new();
        let mut rx = Decompressor::new(1000);
        let bomb = tx.snapshot(&vec![0u8; 1_000_000]);
        assert_eq!(rx.snapshot(&bomb), Err(CodecError::TooLarge { limit: 1000 }));
    }

    #[test]
    fn a_payload_of_exactly_the_limit_inflates() {
        let mut tx = Compressor::new();
        let payload = sample(1000);
        assert_eq!(Decompressor::new(1000).snapshot(&tx.snapshot(&payload)).unwrap(), payload);
        assert_eq!(Decompressor::new(999).snapshot(&tx.snapshot(&payload)), Err(CodecError::TooLarge { limit: 999 }));
    }

    #[test]
    fn garbage_is_corrupt_not_a_panic() {
        let mut rx = Decompressor::new(1 << 20);
        assert!(matches!(rx.snapshot(&[0xff; 40]), Err(CodecError::Corrupt(_))));
    }
}
