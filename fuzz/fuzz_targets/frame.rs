//! Any bytes as a WebSocket message: the frame header, then whatever decodes the payload of its kind
//! (the relay's control decoder, the visitor's, the asset decoder, the agent's full decoder).
#![no_main]

use cobrowse_protocol::message::{decode_asset, decode_control, decode_to_visitor};
use cobrowse_protocol::{frame, Decoder};
use libfuzzer_sys::fuzz_target;

/// Small, so inputs that inflate far stop early (the limit itself is what is under test).
const INFLATE_LIMIT: usize = 1 << 20;

fuzz_target!(|bytes: &[u8]| {
    if let Ok((_, payload)) = frame::parse(bytes) {
        let _ = decode_asset(payload);
    }
    let _ = decode_control(bytes);
    let _ = decode_to_visitor(bytes);
    let _ = Decoder::new(INFLATE_LIMIT).decode(bytes);
});
