//! A small raw-deflate encoder (RFC 1951) with a window that lasts across messages: LZ77 matches found
//! through hash chains, coded with deflate's fixed Huffman codes, each message ending with a sync flush.
//!
//! Why not a general deflate library: the visitor's download has a size budget, and a full encoder with
//! dynamic Huffman tables costs about 15 KB of wasm. Fixed codes give up some ratio for a tenth of the
//! code; the largest frame, the snapshot, is deflated by the browser's own `CompressionStream` with
//! dynamic codes instead (`codec.rs`), and this encoder is its fallback. Any inflater reads the output;
//! the receivers use flate2 (`codec.rs`).
//!
//! Each [`Deflater::compress`] call emits one fixed-Huffman block (never final) and then an empty stored
//! block, so the message ends on a byte boundary with `00 00 FF FF` and can be inflated as soon as it
//! arrives, while later messages still refer back into its bytes.
//!
//! Written for the visitor's wasm, which is built for size (`opt-level = "z"`) and where this encoder
//! deflates every delta and every small snapshot (a fifth of a small page's snapshot time was spent here).
//! At that level the compiler keeps many small functions as calls, so the code on each byte's path avoids
//! them: its helpers are `#[inline(always)]`; slices are taken with `get` and patterns, not indexing or
//! iterator adapters (each an out-of-line call there); the positions a match or a priming covers enter the
//! hash chains in one loop (`Deflater::insert`), and each position's hash is worked out once, for both
//! its match search and its chain (`link`); the bits leave the writer four bytes at a time, not one push
//! per byte; and a match's length and distance codes are worked out from the value's highest bit, not
//! searched for in RFC 1951's tables (a binary search with a closure, a call per match). Measured in V8 on
//! the size-optimized wasm (after `wasm-opt -Oz`), 3,000 B of the corpus' HTML and a fresh encoder each
//! time: compressing went from about 104 to 36 µs, priming from 52 to 20 µs, and the module got smaller.
//! The hash worked out once then took the snapshots of the 30 small pages of the corpus (20 KB of
//! payloads, a fresh encoder each) from 202 to 168 µs. The output is the same byte for byte.

/// How far back a match may reach (deflate's limit).
const WINDOW: usize = 32 * 1024;
const MIN_MATCH: usize = 3;
const MAX_MATCH: usize = 258;
/// The hash table's size (2^13 heads, 32 KiB). Every snapshot and every frame deflated alone starts a
/// table of its own, zeroed; at 2^15 heads (zlib's) that was 128 KiB of memory cleared for a payload of a
/// few hundred bytes, about a fifth of a small page's whole snapshot in the visitor. The chains check every
/// candidate's bytes, so fewer heads only lengthen them: on the rrweb corpus' files, alone and as a stream
/// of messages, the output grew by 0.01% and the native time did not.
const HASH_BITS: u32 = 13;
/// How many earlier positions are tried for each match: more finds longer matches, slower.
const MAX_CHAIN: usize = 48;
/// A match this long is good enough to stop looking.
const GOOD_ENOUGH: usize = 64;

/// One deflate stream: the bytes compressed so far (the last window of them) and where each 3-byte
/// sequence last occurred.
pub struct Deflater {
    /// The input since the stream began, trimmed to the last [`WINDOW`] bytes between messages.
    history: Vec<u8>,
    /// For each hash, 1 + the latest position in `history` with it (0: none).
    head: Vec<u32>,
    /// For each position in `history`, 1 + the previous position with the same hash (0: none).
    previous: Vec<u32>,
}

impl Default for Deflater {
    fn default() -> Self {
        Self::new()
    }
}

impl Deflater {
    pub fn new() -> Self {
        Self { history: Vec::new(), head: vec![0; 1 << HASH_BITS], previous: Vec::new() }
    }

    /// Starts a fresh stream: later messages refer to nothing before this point.
    pub fn reset(&mut self) {
        self.history.clear();
        self.previous.clear();
        self.head.fill(0);
    }

    /// Starts a fresh stream whose later messages may refer back into `bytes` without sending them: the
    /// stream another encoder compressed (a snapshot deflated by the browser). The receiver primes its
    /// inflater with the same bytes (`codec::Decompressor::snapshot`).
    pub fn prime(&mut self, bytes: &[u8]) {
        self.reset();
        self.history.extend_from_slice(&bytes[bytes.len().saturating_sub(WINDOW)..]);
        self.previous.resize(self.history.len(), 0);
        self.insert(0, self.history.len());
    }

    /// Compresses `input` as the stream's next message, ending with a sync flush.
    pub fn compress(&mut self, input: &[u8]) -> Vec<u8> {
        self.keep_last_window();
        let start = self.history.len();
        self.history.extend_from_slice(input);
        self.previous.resize(self.history.len(), 0);
        let mut bits = BitWriter::with_capacity(input.len() / 2 + 16);
        bits.write(0b010, 3); // BFINAL = 0, BTYPE = 01 (fixed Huffman codes)
        let mut position = start;
        while let Some(&byte) = self.history.get(position) {
            let hash = self.hash(position);
            let found = hash.and_then(|hash| self.longest_match(position, hash));
            if let Some(hash) = hash {
                link(&mut self.previous, &mut self.head, position, hash);
            }
            match found {
                Some((length, distance)) => {
                    write_match(&mut bits, length, distance);
                    self.insert(position + 1, position + length);
                    position += length;
                }
                None => {
                    write_literal(&mut bits, byte);
                    position += 1;
                }
            }
        }
        write_literal_code(&mut bits, 256); // end of block
        bits.write(0, 3); // an empty stored block: BFINAL = 0, BTYPE = 00 ...
        let mut output = bits.finish(); // ... aligned to a byte ...
        output.extend_from_slice(&[0x00, 0x00, 0xFF, 0xFF]); // ... LEN = 0, NLEN = !0
        output
    }

    /// Drops history older than the window, moving the hash chains with it.
    fn keep_last_window(&mut self) {
        if self.history.len() <= 2 * WINDOW {
            return;
        }
        let dropped = self.history.len() - WINDOW;
        self.history.drain(..dropped);
        self.previous.clear();
        self.previous.resize(self.history.len(), 0);
        self.head.fill(0);
        self.insert(0, self.history.len());
    }

    #[inline(always)]
    fn hash(&self, position: usize) -> Option<usize> {
        self.history.get(position..position + MIN_MATCH).map(hash_of)
    }

    /// Enters the positions `from..to` into the hash chains (those with [`MIN_MATCH`] bytes from them).
    fn insert(&mut self, from: usize, to: usize) {
        let Self { history, head, previous } = self;
        let starts = history.get(from..).unwrap_or_default().windows(MIN_MATCH).take(to.saturating_sub(from));
        for (position, bytes) in (from..).zip(starts) {
            link(previous, head, position, hash_of(bytes));
        }
    }

    /// The longest earlier occurrence of the bytes at `position`, whose first three have `hash`, as (length,
    /// distance).
    fn longest_match(&self, position: usize, hash: usize) -> Option<(usize, usize)> {
        let wanted = self.history.get(position..).unwrap_or_default();
        let wanted = wanted.get(..MAX_MATCH).unwrap_or(wanted);
        let limit = wanted.len();
        let mut best: Option<(usize, usize)> = None;
        let mut candidate = self.head.get(hash).map_or(0, |&latest| latest as usize);
        for _ in 0..MAX_CHAIN {
            let Some(earlier) = candidate.checked_sub(1) else { break };
            let distance = position - earlier;
            if distance > WINDOW {
                break;
            }
            candidate = self.previous.get(earlier).map_or(0, |&link| link as usize);
            let bytes = self.history.get(earlier..).unwrap_or_default();
            if !could_beat(bytes, wanted, best) {
                continue;
            }
            let length = common_prefix(bytes, wanted);
            if length >= MIN_MATCH && best.is_none_or(|(best_length, _)| length > best_length) {
                best = Some((length, distance));
                if length >= GOOD_ENOUGH.min(limit) {
                    break;
                }
            }
        }
        best
    }
}

/// Enters `position`, whose first three bytes have `hash`, at the head of that hash's chain.
#[inline(always)]
fn link(previous: &mut [u32], head: &mut [u32], position: usize, hash: usize) {
    if let (Some(link), Some(latest)) = (previous.get_mut(position), head.get_mut(hash)) {
        *link = *latest;
        *latest = position as u32 + 1;
    }
}

/// The hash of the first three of `bytes`.
#[inline(always)]
fn hash_of(bytes: &[u8]) -> usize {
    let value = match bytes {
        [a, b, c, ..] => u32::from(*a) << 16 | u32::from(*b) << 8 | u32::from(*c),
        _ => 0,
    };
    (value.wrapping_mul(0x9E37_79B1) >> (32 - HASH_BITS)) as usize
}

/// Whether the bytes at `earlier` could make a longer match than `best`: they must at least agree with
/// `wanted` on the byte just past the best match's length (zlib's quick test; the matches found, and so
/// the output, are the same, with most candidates turned away after one comparison).
#[inline(always)]
fn could_beat(earlier: &[u8], wanted: &[u8], best: Option<(usize, usize)>) -> bool {
    match best {
        Some((best_length, _)) => earlier.get(best_length).is_some_and(|byte| Some(byte) == wanted.get(best_length)),
        None => true,
    }
}

#[inline(always)]
fn common_prefix(earlier: &[u8], wanted: &[u8]) -> usize {
    earlier.iter().zip(wanted).take_while(|(a, b)| a == b).count()
}

#[inline(always)]
fn write_literal(bits: &mut BitWriter, byte: u8) {
    write_literal_code(bits, u16::from(byte));
}

/// A literal/length symbol in deflate's fixed code (RFC 1951, 3.2.6).
#[inline(always)]
fn write_literal_code(bits: &mut BitWriter, symbol: u16) {
    let (code, length) = match symbol {
        0..=143 => (0x30 + symbol, 8),
        144..=255 => (0x190 + symbol - 144, 9),
        256..=279 => (symbol - 256, 7),
        _ => (0xC0 + symbol - 280, 8),
    };
    bits.write_huffman(code, length);
}

fn write_match(bits: &mut BitWriter, length: usize, distance: usize) {
    let (index, extra, value) = length_code(length);
    write_literal_code(bits, 257 + index);
    bits.write(value, extra);
    let (index, extra, value) = distance_code(distance);
    bits.write_huffman(index, 5);
    bits.write(value, extra);
}

/// A match length's symbol index (0-28, for symbols 257-285), extra bit count and extra bits (RFC 1951,
/// 3.2.5), worked out rather than searched in the table: past the first eight, each group of four indices
/// covers lengths with one more extra bit.
#[inline(always)]
fn length_code(length: usize) -> (u16, u8, u32) {
    let above_min = (length - MIN_MATCH) as u32;
    if length == MAX_MATCH {
        return (28, 0, 0);
    }
    if above_min < 8 {
        return (above_min as u16, 0, 0);
    }
    let extra = 29 - above_min.leading_zeros(); // log2, less 2
    ((4 * extra + (above_min >> extra)) as u16, extra as u8, above_min & ((1 << extra) - 1))
}

/// A distance's code (0-29), extra bit count and extra bits (RFC 1951, 3.2.5): past the first four, each
/// pair of codes covers distances with one more extra bit.
#[inline(always)]
fn distance_code(distance: usize) -> (u16, u8, u32) {
    let above_min = (distance - 1) as u32;
    if above_min < 4 {
        return (above_min as u16, 0, 0);
    }
    let extra = 30 - above_min.leading_zeros(); // log2, less 1
    ((2 * extra + (above_min >> extra)) as u16, extra as u8, above_min & ((1 << extra) - 1))
}

/// Packs bits least significant first, as deflate does.
struct BitWriter {
    bytes: Vec<u8>,
    buffer: u64,
    count: u8,
}

impl BitWriter {
    fn with_capacity(capacity: usize) -> Self {
        Self { bytes: Vec::with_capacity(capacity), buffer: 0, count: 0 }
    }

    /// The low `count` bits of `value`, least significant first. A write is at most 16 bits, so the
    /// buffer, flushed once it holds 32, never holds more than 47.
    #[inline(always)]
    fn write(&mut self, value: u32, count: u8) {
        self.buffer |= u64::from(value) << self.count;
        self.count += count;
        if self.count >= 32 {
            self.bytes.extend_from_slice(&(self.buffer as u32).to_le_bytes());
            self.buffer >>= 32;
            self.count -= 32;
        }
    }

    /// A Huffman code, which deflate stores most significant bit first.
    #[inline(always)]
    fn write_huffman(&mut self, code: u16, length: u8) {
        let reversed = code.reverse_bits() >> (16 - length);
        self.write(u32::from(reversed), length);
    }

    /// The bytes, the last one padded with zero bits.
    fn finish(mut self) -> Vec<u8> {
        let pending = self.buffer.to_le_bytes();
        self.bytes.extend_from_slice(pending.get(..usize::from(self.count.div_ceil(8))).unwrap_or_default());
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::{Decompress, FlushDecompress};

    /// Every length and distance gets the code, extra bits and value of RFC 1951's tables (3.2.5).
    #[test]
    fn length_and_distance_codes_follow_the_rfc_tables() {
        const LENGTH_BASE: [usize; 29] = [
            3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195,
            227, 258,
        ];
        const LENGTH_EXTRA: [u8; 29] =
            [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
        const DISTANCE_BASE: [usize; 30] = [
            1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073,
            4097, 6145, 8193, 12289, 16385, 24577,
        ];
        const DISTANCE_EXTRA: [u8; 30] =
            [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
        for length in MIN_MATCH..=MAX_MATCH {
            let index = LENGTH_BASE.iter().rposition(|&base| base <= length).unwrap();
            let expected = (index as u16, LENGTH_EXTRA[index], (length - LENGTH_BASE[index]) as u32);
            assert_eq!(length_code(length), expected, "length {length}");
        }
        for distance in 1..=WINDOW {
            let index = DISTANCE_BASE.iter().rposition(|&base| base <= distance).unwrap();
            let expected = (index as u16, DISTANCE_EXTRA[index], (distance - DISTANCE_BASE[index]) as u32);
            assert_eq!(distance_code(distance), expected, "distance {distance}");
        }
    }

    /// The writer's bytes are its bits in order, whether they fit the room it was given or it had to grow.
    #[test]
    fn the_bit_writer_keeps_every_bit_past_its_first_room() {
        for room in [0, 3, 64, 1024] {
            let mut bits = BitWriter::with_capacity(room);
            let mut expected = Vec::new();
            for value in 0..300u16 {
                bits.write(u32::from(value), 16);
                expected.extend_from_slice(&value.to_le_bytes());
            }
            bits.write(0b101, 3);
            expected.push(0b101);
            assert_eq!(bits.finish(), expected, "room {room}");
        }
    }

    fn inflate_messages(messages: &[Vec<u8>]) -> Vec<Vec<u8>> {
        let mut stream = Decompress::new(false);
        messages
            .iter()
            .map(|message| {
                let mut output = Vec::with_capacity(1 << 20);
                let before = stream.total_in();
                stream.decompress_vec(message, &mut output, FlushDecompress::Sync).unwrap();
                assert_eq!((stream.total_in() - before) as usize, message.len(), "the whole message is read");
                output
            })
            .collect()
    }

    /// A deterministic pseudo-random byte source (xorshift).
    fn noise(seed: u64, length: usize) -> Vec<u8> {
        let mut state = seed | 1;
        (0..length)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect()
    }

    #[test]
    fn messages_inflate_back_one_by_one_in_one_stream() {
        let markup = b"<li class=\"item item--sale\"><a href=\"/products/1\">Blue shirt</a></li>".repeat(40);
        let messages: Vec<Vec<u8>> = vec![
            markup.clone(),
            b"".to_vec(),
            b"a".to_vec(),
            noise(7, 5000),
            [markup.as_slice(), &noise(9, 300), markup.as_slice()].concat(),
            vec![0; 70_000],
        ];
        let mut deflater = Deflater::new();
        let compressed: Vec<Vec<u8>> = messages.iter().map(|message| deflater.compress(message)).collect();
        assert_eq!(inflate_messages(&compressed), messages);
        assert!(compressed[0].len() < markup.len() / 10, "repeated markup compresses: {}", compressed[0].len());
        assert!(compressed[4].len() < 700, "a message refers back to earlier ones: {}", compressed[4].len());
    }

    /// The writer flushes four bytes at a time: every count of bits left over at the end (and at each
    /// flush) must still come out whole, with the sync flush's marker at the very end.
    #[test]
    fn messages_of_every_short_length_inflate_and_end_on_the_marker() {
        let mut deflater = Deflater::new();
        let messages: Vec<Vec<u8>> = (0..200)
            .map(|length| if length % 2 == 0 { noise(length as u64, length) } else { b"ab".repeat(length / 2) })
            .collect();
        let compressed: Vec<Vec<u8>> = messages.iter().map(|message| deflater.compress(message)).collect();
        assert!(compressed.iter().all(|message| message.ends_with(&[0x00, 0x00, 0xFF, 0xFF])));
        assert_eq!(inflate_messages(&compressed), messages);
    }

    #[test]
    fn a_long_stream_keeps_inflating_after_the_window_moves_on() {
        let mut deflater = Deflater::new();
        let messages: Vec<Vec<u8>> = (0..40).map(|i| [noise(i, 3000), noise(i / 2, 3000)].concat()).collect();
        let compressed: Vec<Vec<u8>> = messages.iter().map(|message| deflater.compress(message)).collect();
        assert_eq!(inflate_messages(&compressed), messages);
    }

    #[test]
    fn reset_starts_a_stream_that_needs_nothing_before_it() {
        let mut deflater = Deflater::new();
        deflater.compress(b"context the next stream must not need");
        deflater.reset();
        let fresh = deflater.compress(b"context the next stream must not need, again");
        assert_eq!(inflate_messages(&[fresh]), [b"context the next stream must not need, again".to_vec()]);
    }

    #[test]
    fn a_reset_stream_compresses_as_a_new_one_whatever_came_before() {
        let next = [b"<li class=\"item\">".repeat(30), noise(3, 200)].concat();
        for before in [noise(1, 100), [noise(2, 3000), noise(2, 3000)].concat(), noise(4, 70_000)] {
            let mut deflater = Deflater::new();
            deflater.compress(&before);
            deflater.prime(&before);
            deflater.reset();
            assert!(deflater.head.iter().all(|&slot| slot == 0), "after {} bytes, no hash is left", before.len());
            assert_eq!(deflater.compress(&next), Deflater::new().compress(&next), "after {} bytes", before.len());
        }
    }

    #[test]
    fn a_primed_stream_refers_back_into_bytes_it_never_sent() {
        let page = [noise(1, 40_000), b"<li class=\"item item--sale\">".repeat(20)].concat();
        let mut deflater = Deflater::new();
        deflater.prime(&page);
        let message = b"<li class=\"item item--sale\"><li class=\"item item--sale\">".to_vec();
        let compressed = deflater.compress(&message);
        assert!(compressed.len() < 20, "the message is a reference into the primed bytes: {}", compressed.len());
        // An inflater that saw the last window of `page` (as a stored block) reads it back.
        let tail = &page[page.len() - WINDOW..];
        let mut stored = vec![0x00];
        stored.extend_from_slice(&(tail.len() as u16).to_le_bytes());
        stored.extend_from_slice(&(!(tail.len() as u16)).to_le_bytes());
        stored.extend_from_slice(tail);
        let inflated = inflate_messages(&[stored, compressed]);
        assert_eq!(inflated[1], message);
    }

    #[test]
    fn every_match_length_and_distance_class_round_trips() {
        let mut input = noise(3, 33_000);
        for length in 3..=258 {
            let from = (length * 97) % 32_000;
            let copy = input[from..from + length].to_vec();
            input.extend_from_slice(&copy);
        }
        let mut deflater = Deflater::new();
        let compressed = deflater.compress(&input);
        assert_eq!(inflate_messages(&[compressed]), [input]);
    }
}
