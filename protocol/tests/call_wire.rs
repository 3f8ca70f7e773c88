//! The support call's golden wire bytes: `call_wire.json` lists messages (as serde's JSON of [`Control`])
//! with the hex of their control payload (postcard, without the frame header). The shim's call module
//! decodes and encodes these messages by hand in JS (`www/shim/call/wire.js`), and its test
//! (`www/shim/tests/call/wire.test.js`) checks itself against the same file: this test binds the file to
//! the Rust types, so the JS codec and the protocol cannot drift apart unnoticed.
//!
//! After a deliberate change of the protocol, run with `CALL_WIRE_PRINT=1 cargo test -p cobrowse-protocol
//! --test call_wire -- --nocapture` to print the new hex.

use cobrowse_protocol::frame::HEADER_LEN;
use cobrowse_protocol::message::{decode_control, encode_control, is_call_message, ASSET_OFFER, ASSET_WANTED};
use cobrowse_protocol::Control;
use serde::Deserialize;

/// One entry of the fixture.
#[derive(Deserialize)]
struct Golden {
    name: String,
    hex: String,
    message: Control,
}

fn fixture() -> Vec<Golden> {
    let text = include_str!("call_wire.json");
    serde_json::from_str(text).expect("call_wire.json is a list of {name, hex, message}: fix its syntax")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[test]
fn the_fixture_s_bytes_are_what_the_protocol_encodes() {
    let print = std::env::var_os("CALL_WIRE_PRINT").is_some();
    let mut wrong = Vec::new();
    for golden in fixture() {
        let frame = encode_control(&golden.message);
        let payload = &frame[HEADER_LEN..];
        let for_modules = is_call_message(payload) || [ASSET_OFFER, ASSET_WANTED].contains(&payload[0]);
        assert!(for_modules, "{}: not a message of the visitor's call or asset modules", golden.name);
        assert_eq!(decode_control(&frame).unwrap(), golden.message, "{}", golden.name);
        if print {
            println!("{}: {}", golden.name, hex(payload));
        }
        if hex(payload) != golden.hex {
            wrong.push(format!(
                "{}: the fixture says {:?}, the protocol encodes {:?}",
                golden.name,
                golden.hex,
                hex(payload)
            ));
        }
    }
    assert!(wrong.is_empty(), "call_wire.json disagrees with the protocol:\n{}", wrong.join("\n"));
}

#[test]
fn the_fixture_covers_every_call_message_a_visitor_sends_or_receives() {
    let fixture = fixture();
    let names: std::collections::HashSet<&str> = fixture.iter().map(|golden| golden.message.name()).collect();
    let call = [
        "ConsentAsked",
        "ConsentAnswer",
        "Agents",
        "Pointer",
        "Highlight",
        "Draw",
        "ControlRequest",
        "ControlAnswer",
        "ControlHolder",
        "ControlRelease",
        "ControlRefused",
        "Input",
        "Withdrawn",
        "Dismiss",
        "AssetOffer",
        "AssetWanted",
    ];
    for name in call {
        assert!(names.contains(name), "call_wire.json has no {name}: add one");
    }
}
