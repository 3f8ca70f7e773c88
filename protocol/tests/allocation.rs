//! What hostile input can make a decoder allocate: a deflate bomb (1 GiB of zeros in under 7 MB) stops at
//! the inflate limit, having held at most the limit plus one byte of output; arbitrary control frames and
//! page payloads allocate about their own size, never what a length prefix claims.
//!
//! The test counts allocations with its own global allocator (the largest single block asked for): the
//! only way to see what a decoder allocates. It is one test in its own binary, so nothing else allocates
//! in parallel while it measures.

use cobrowse_protocol::codec::{CodecError, Decompressor};
use cobrowse_protocol::message::decode_control;
use cobrowse_protocol::*;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The system allocator, remembering the largest block asked for since the last [`largest_since`].
struct Measured;

static LARGEST: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Measured {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LARGEST.fetch_max(layout.size(), Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LARGEST.fetch_max(new_size, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Measured = Measured;

/// Runs `work` and returns its result with the largest block allocated meanwhile.
fn largest_since<T>(work: impl FnOnce() -> T) -> (T, usize) {
    LARGEST.store(0, Ordering::Relaxed);
    let result = work();
    (result, LARGEST.load(Ordering::Relaxed))
}

/// Raw deflate (one fixed-Huffman block) of `matches × 258 + 1` zero bytes: a literal 0, then matches of
/// length 258 at distance 1 (13 bits each), then the end of the block. Written by hand: compressing a
/// gibibyte would take longer than the test should.
fn zeros_bomb(matches: usize) -> Vec<u8> {
    let mut bits = BitWriter::default();
    bits.put(1, 1); // BFINAL
    bits.put(1, 2); // BTYPE = fixed Huffman
    bits.put_code(0b0011_0000, 8); // literal 0
    for _ in 0..matches {
        bits.put_code(0b1100_0101, 8); // length code 285: 258 bytes
        bits.put_code(0, 5); // distance code 0: 1 byte back
    }
    bits.put_code(0, 7); // end of block (256)
    bits.finish()
}

#[derive(Default)]
struct BitWriter {
    bytes: Vec<u8>,
    buffer: u64,
    count: u32,
}

impl BitWriter {
    /// `count` bits of `value`, least significant first (deflate's order for everything but codes).
    fn put(&mut self, value: u64, count: u32) {
        self.buffer |= value << self.count;
        self.count += count;
        while self.count >= 8 {
            self.bytes.push(self.buffer as u8);
            self.buffer >>= 8;
            self.count -= 8;
        }
    }

    /// A Huffman code, most significant bit first.
    fn put_code(&mut self, code: u64, length: u32) {
        let reversed = (0..length).fold(0, |acc, bit| acc | (((code >> bit) & 1) << (length - 1 - bit)));
        self.put(reversed, length);
    }

    fn finish(mut self) -> Vec<u8> {
        if self.count > 0 {
            self.bytes.push(self.buffer as u8);
        }
        self.bytes
    }
}

#[test]
fn hostile_input_allocates_within_the_limits() {
    the_bomb_is_what_it_claims();
    a_gibibyte_bomb_stops_at_the_inflate_limit();
    length_prefixes_allocate_nothing_they_claim();
}

fn the_bomb_is_what_it_claims() {
    let inflated = Decompressor::new(1 << 20).snapshot(&zeros_bomb(1000)).unwrap();
    assert_eq!(inflated.len(), 258_001);
    assert!(inflated.iter().all(|&byte| byte == 0));
}

fn a_gibibyte_bomb_stops_at_the_inflate_limit() {
    let bomb = zeros_bomb((1 << 30) / 258);
    assert!(bomb.len() < 7 << 20, "the bomb is {} bytes", bomb.len());
    for limit in [1 << 20, message::DEFAULT_INFLATE_LIMIT] {
        let (result, largest) = largest_since(|| Decompressor::new(limit).snapshot(&bomb));
        assert_eq!(result, Err(CodecError::TooLarge { limit }));
        assert!(largest <= limit + 1, "inflating held a block of {largest} bytes; the limit is {limit}");
        let frame = frame::encode(FrameKind::Snapshot, &bomb);
        let (result, largest) = largest_since(|| Decoder::new(limit).decode(&frame));
        assert!(matches!(result, Err(DecodeError::Codec(CodecError::TooLarge { .. }))), "{result:?}");
        assert!(largest <= limit + 1, "decoding held a block of {largest} bytes; the limit is {limit}");
    }
}

fn length_prefixes_allocate_nothing_they_claim() {
    // A `Draw` whose point list claims 2³² − 1 points, then ends.
    let huge_list = [frame::VERSION, FrameKind::Control as u8, 19, 1, 1, 0xff, 0xff, 0xff, 0xff, 0x0f, 2, 4];
    let (result, largest) = largest_since(|| decode_control(&huge_list));
    assert!(result.is_err());
    assert!(largest < 1 << 20, "a 12-byte frame allocated {largest} bytes");
    // A snapshot whose URL claims 4 GiB, and one whose child list claims 2³² − 1 nodes.
    for payload in [vec![0xff, 0xff, 0xff, 0xff, 0x0f, b'a'], vec![0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f, 1]] {
        let (result, largest) = largest_since(|| postcard::from_bytes::<Snapshot>(&payload));
        assert!(result.is_err());
        assert!(largest < 1 << 20, "a {}-byte payload allocated {largest} bytes", payload.len());
    }
}
