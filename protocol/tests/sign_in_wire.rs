//! The agent sign-in messages' golden bytes: `Join` (variant `05`), `JoinWithToken` (`1b`) and `SignedIn`
//! (`1d`), as `protocol/README.md` lays them out. The new messages come after every earlier variant, so
//! no earlier message changed its number.

use cobrowse_protocol::frame::HEADER_LEN;
use cobrowse_protocol::message::{decode_control, encode_control};
use cobrowse_protocol::Control;

fn payload_hex(control: &Control) -> String {
    let frame = encode_control(control);
    assert_eq!(&decode_control(&frame).unwrap(), control, "the message decodes to itself");
    frame[HEADER_LEN..].iter().map(|byte| format!("{byte:02x}")).collect()
}

#[test]
fn join_join_with_token_and_signed_in_have_their_documented_bytes() {
    let join = Control::Join { name: "ana".into(), password: "pw".into(), key: "123".into() };
    assert_eq!(payload_hex(&join), "0503616e6102707703313233");
    let token = "0123456789abcdef0123456789abcdef";
    let with_token = Control::JoinWithToken { token: token.into(), key: "123".into() };
    assert_eq!(payload_hex(&with_token), format!("1b20{}03313233", hex(token)));
    let signed_in = Control::SignedIn { token: token.into(), valid_secs: 43_200 };
    assert_eq!(payload_hex(&signed_in), format!("1d20{}c0d102", hex(token)));
}

fn hex(text: &str) -> String {
    text.bytes().map(|byte| format!("{byte:02x}")).collect()
}
