//! Any bytes as a control frame's payload, decoded as the relay does (`Control`) and as the visitor does
//! (`ToVisitor`, decoded by hand): neither may panic, and whatever decodes must encode back to a frame
//! that decodes the same.
#![no_main]

use cobrowse_protocol::frame::{self, FrameKind};
use cobrowse_protocol::message::{decode_control, decode_to_visitor, encode_control};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|payload: &[u8]| {
    let bytes = frame::encode(FrameKind::Control, payload);
    if let Ok(control) = decode_control(&bytes) {
        assert_eq!(decode_control(&encode_control(&control)).ok(), Some(control));
    }
    let _ = decode_to_visitor(&bytes);
});
