//! Whole messages: a typed value to frame bytes and back, through postcard and the deflate context.
//!
//! A visitor owns one [`Encoder`] per connection; each agent owns one [`Decoder`] per connection. The relay
//! uses only [`encode_control`], [`decode_control`] and [`decode_asset`]: page frames pass through it
//! untouched. The visitor sends asset uploads with [`encode_asset`].

use crate::asset::AssetUpload;
use crate::codec::{CodecError, Compressor, Decompressor};
use crate::control::{Control, ToVisitor};
use crate::frame::{self, FrameError, FrameKind};
use crate::masking::MaskingRules;
use crate::page::{Delta, Snapshot};
use crate::payload;
use crate::reader;
use crate::wire_ids;
use thiserror::Error;

/// The largest payload a [`Decoder`] inflates by default: 64 MiB.
pub const DEFAULT_INFLATE_LIMIT: usize = 64 << 20;

/// A decoded frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    Snapshot(Snapshot),
    Delta(Delta),
    Control(Control),
    Asset(AssetUpload),
}

/// Why bytes are not a message.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum DecodeError {
    #[error("bad frame header: {0}")]
    Frame(#[from] FrameError),
    #[error("cannot decompress: {0}")]
    Codec(#[from] CodecError),
    #[error("payload is not a valid {what}: {reason}")]
    Payload { what: &'static str, reason: String },
}

/// Turns page content and control messages into frames, keeping the connection's deflate context.
#[derive(Default)]
pub struct Encoder {
    compressor: Compressor,
}

impl Encoder {
    pub fn new() -> Self {
        Self::default()
    }

    /// A snapshot frame, deflated by our own encoder; starts a fresh compression context.
    pub fn snapshot(&mut self, snapshot: &Snapshot) -> Vec<u8> {
        self.deflate_fresh(FrameKind::Snapshot, &snapshot_payload(snapshot))
    }

    /// A delta frame, compressed in the context since the last snapshot.
    pub fn delta(&mut self, delta: &Delta) -> Vec<u8> {
        self.delta_as(FrameKind::Delta, delta)
    }

    /// A later part of a sliced snapshot (`Event::Children` filling in elements the snapshot sent
    /// without children), framed as [`FrameKind::SnapshotPart`] so the relay keeps it as part of the
    /// snapshot. Deflated as a snapshot is, as one stream of its own (here by our own encoder; the
    /// visitor has the browser deflate [`snapshot_part_payload`]), and the deltas after it refer
    /// back into it. (Continuing the deltas' stream, a part had only our encoder's fixed codes: a large
    /// page's parts, most of its snapshot, compressed 3.6:1 against the snapshot's 14:1.)
    pub fn snapshot_part(&mut self, delta: &Delta) -> Vec<u8> {
        self.deflate_fresh(FrameKind::SnapshotPart, &snapshot_part_payload(delta))
    }

    /// The frame (`kind`: a snapshot or a snapshot part) of a payload from [`snapshot_payload`] or
    /// [`snapshot_part_payload`], deflated here as a fresh stream by the deltas' own encoder, which leaves
    /// their context primed with it: one pass over the payload, where deflating it alone and then priming
    /// took two.
    pub fn deflate_fresh(&mut self, kind: FrameKind, payload: &[u8]) -> Vec<u8> {
        frame::encode(kind, &self.compressor.snapshot(payload))
    }

    /// Starts the deltas' context after a snapshot or snapshot part whose `payload` is deflated elsewhere
    /// (the browser's `CompressionStream('deflate-raw')`, then framed with [`fresh_frame`]): the deltas
    /// encoded from now on refer back into it (see `codec.rs`). Call it before the next delta is encoded.
    pub fn prime(&mut self, payload: &[u8]) {
        self.compressor.prime(payload);
    }

    /// `delta`'s postcard (written by hand, `payload.rs`), compressed in the context since the last
    /// snapshot, framed as `kind`.
    fn delta_as(&mut self, kind: FrameKind, delta: &Delta) -> Vec<u8> {
        let payload = payload::delta(delta);
        frame::encode(kind, &self.compressor.delta(&payload))
    }
}

/// A snapshot's postcard payload, to deflate as one stream of its own: here with
/// [`Encoder::deflate_fresh`], or elsewhere (the browser's `CompressionStream('deflate-raw')`) after
/// [`Encoder::prime`], then framed with [`snapshot_frame`]. The ids take their wire form (`wire_ids.rs`) as
/// the payload is written (`payload.rs`).
pub fn snapshot_payload(snapshot: &Snapshot) -> Vec<u8> {
    payload::snapshot(snapshot)
}

/// A snapshot part's postcard payload, deflated as a snapshot's is (see [`snapshot_payload`]) and framed
/// with [`fresh_frame`]. The new nodes' ids take their wire form (`wire_ids.rs`) as it is written.
pub fn snapshot_part_payload(delta: &Delta) -> Vec<u8> {
    payload::snapshot_part(delta)
}

/// The frame (`kind`: a snapshot or a snapshot part) of a payload from [`snapshot_payload`] or
/// [`snapshot_part_payload`] that was deflated elsewhere, as one raw deflate stream.
pub fn fresh_frame(kind: FrameKind, deflated: &[u8]) -> Vec<u8> {
    frame::encode(kind, deflated)
}

/// The frame (`kind`) of such a payload deflated alone by a fresh encoder of our own: where the browser
/// failed to compress it after the deltas' context was primed with it.
pub fn deflate_alone_as(kind: FrameKind, payload: &[u8]) -> Vec<u8> {
    frame::encode(kind, &crate::codec::deflate_alone(payload))
}

/// The snapshot frame of a payload from [`snapshot_payload`] that was deflated elsewhere, as one
/// raw deflate stream.
pub fn snapshot_frame(deflated: &[u8]) -> Vec<u8> {
    fresh_frame(FrameKind::Snapshot, deflated)
}

/// The snapshot frame of a payload from [`snapshot_payload`], deflated alone by a fresh encoder of our own
/// (see [`deflate_alone_as`]).
pub fn deflate_snapshot(payload: &[u8]) -> Vec<u8> {
    deflate_alone_as(FrameKind::Snapshot, payload)
}

/// Turns frames back into messages, keeping the connection's inflate context. Page content is decoded
/// without recursion (`reader.rs`), so no tree, however deep, can exhaust the caller's stack.
pub struct Decoder {
    decompressor: Decompressor,
}

impl Default for Decoder {
    fn default() -> Self {
        Self::new(DEFAULT_INFLATE_LIMIT)
    }
}

impl Decoder {
    /// A decoder that refuses payloads inflating past `inflate_limit` bytes.
    pub fn new(inflate_limit: usize) -> Self {
        Self { decompressor: Decompressor::new(inflate_limit) }
    }

    /// Decodes one frame. A snapshot part decodes as the [`Message::Delta`] it carries. After an error on a
    /// page frame, deltas (and snapshot parts) fail until the next snapshot.
    pub fn decode(&mut self, bytes: &[u8]) -> Result<Message, DecodeError> {
        let (kind, payload) = frame::parse(bytes)?;
        match kind {
            FrameKind::Snapshot => {
                let raw = self.decompressor.snapshot(payload)?;
                let mut snapshot =
                    reader::snapshot(&raw).map_err(|reason| DecodeError::Payload { what: "snapshot", reason })?;
                wire_ids::decode(&mut snapshot);
                Ok(Message::Snapshot(snapshot))
            }
            FrameKind::Delta | FrameKind::SnapshotPart => {
                let raw = match kind {
                    FrameKind::SnapshotPart => self.decompressor.snapshot_part(payload)?,
                    _ => self.decompressor.delta(payload)?,
                };
                let mut delta = reader::delta(&raw).map_err(|reason| DecodeError::Payload { what: "delta", reason })?;
                if kind == FrameKind::SnapshotPart {
                    wire_ids::decode_part(&mut delta);
                }
                Ok(Message::Delta(delta))
            }
            FrameKind::Control => Ok(Message::Control(from_postcard(payload, "control message")?)),
            FrameKind::Asset => Ok(Message::Asset(from_postcard(payload, "asset upload")?)),
        }
    }

    /// Decompresses a page frame without decoding it: the raw postcard bytes, for audits and leak tests.
    pub fn inflate(&mut self, bytes: &[u8]) -> Result<(FrameKind, Vec<u8>), DecodeError> {
        let (kind, payload) = frame::parse(bytes)?;
        let raw = match kind {
            FrameKind::Snapshot => self.decompressor.snapshot(payload)?,
            FrameKind::SnapshotPart => self.decompressor.snapshot_part(payload)?,
            FrameKind::Delta => self.decompressor.delta(payload)?,
            FrameKind::Control | FrameKind::Asset => payload.to_vec(),
        };
        Ok((kind, raw))
    }
}

/// A control frame (never compressed).
pub fn encode_control(control: &Control) -> Vec<u8> {
    frame::encode(FrameKind::Control, &to_postcard(control))
}

/// The control messages a visitor sends, encoded by hand exactly as [`encode_control`] encodes the same
/// [`Control`] variants (postcard: the variant's index as a varint, then each field; a string is its
/// length as a varint, then its UTF-8 bytes). Why by hand: `Control`'s `Serialize` covers every variant,
/// the agents' and the relay's too, and the visitor's download would carry all of it for two messages.
pub enum FromVisitor<'a> {
    /// [`Control::EndSession`].
    EndSession,
    /// [`Control::Resume`].
    Resume { key: &'a str, secret: &'a str },
}

impl FromVisitor<'_> {
    /// The control frame of this message, as `encode_control` would give it.
    pub fn encode(&self) -> Vec<u8> {
        let mut bytes = Vec::new();
        match self {
            FromVisitor::EndSession => bytes.push(CONTROL_END_SESSION),
            FromVisitor::Resume { key, secret } => {
                bytes.push(CONTROL_RESUME);
                payload::push_str(&mut bytes, key);
                payload::push_str(&mut bytes, secret);
            }
        }
        frame::encode(FrameKind::Control, &bytes)
    }
}

/// The index of `Control::EndSession` among `Control`'s variants (a one-byte varint).
const CONTROL_END_SESSION: u8 = 4;
/// The index of `Control::Resume` among `Control`'s variants (a one-byte varint).
const CONTROL_RESUME: u8 = 9;

/// The variant index of [`Control::ConsentAsked`], the first of the support call's messages; they run to
/// [`Control::Dismiss`], all but [`NOT_A_CALL_MESSAGE`]. Indices below 128 are one byte in postcard, so a
/// payload's first byte tells them.
pub const FIRST_CALL_MESSAGE: u8 = 12;
/// The variant index of [`Control::Dismiss`], the last of the support call's messages.
pub const LAST_CALL_MESSAGE: u8 = 28;
/// 27, `JoinWithToken`: an agent's sign-in, between the call's messages but not one of them.
pub const NOT_A_CALL_MESSAGE: u8 = 27;
/// The variant index of [`Control::AssetOffer`] (visitor → relay), which the asset uploader encodes.
pub const ASSET_OFFER: u8 = 30;
/// The variant index of [`Control::AssetWanted`] (relay → visitor). The visitor's wasm does not decode it
/// (it decodes only [`crate::ToVisitor`]): like a call message, its frame goes to the shim's call module,
/// which hands it to the asset uploader.
pub const ASSET_WANTED: u8 = 31;
/// The messages a visitor's lazily loaded modules send through the wasm (their variant indices): the
/// support call's `ConsentAnswer`, `ControlAnswer`, `ControlRelease`, `ControlRefused`, `Dismiss`, and the
/// asset uploader's `AssetOffer`.
pub const VISITOR_CALL_MESSAGES: [u8; 6] = [13, 21, 23, 24, 28, ASSET_OFFER];

/// Whether a control frame's `payload` is one of the support call's messages, which the visitor's wasm
/// hands to the shim's call module as bytes instead of decoding them (see [`crate::call`]).
pub fn is_call_message(payload: &[u8]) -> bool {
    payload
        .first()
        .is_some_and(|&index| (FIRST_CALL_MESSAGE..=LAST_CALL_MESSAGE).contains(&index) && index != NOT_A_CALL_MESSAGE)
}

/// The control frame of a support-call message the visitor's shim encoded (`payload`, postcard), or `None`
/// if it is not one a visitor may send.
pub fn encode_visitor_call(payload: &[u8]) -> Option<Vec<u8>> {
    let index = *payload.first()?;
    VISITOR_CALL_MESSAGES.contains(&index).then(|| frame::encode(FrameKind::Control, payload))
}

/// Decodes a frame that must be a control message; page frames are an error here.
pub fn decode_control(bytes: &[u8]) -> Result<Control, DecodeError> {
    match frame::parse(bytes)? {
        (FrameKind::Control, payload) => from_postcard(payload, "control message"),
        (kind, _) => Err(DecodeError::Payload { what: "control message", reason: format!("got a {kind:?} frame") }),
    }
}

/// Decodes a control frame a visitor receives; `None` for anything else (no error text: the visitor
/// only ignores it, and formatting one would cost download size).
///
/// Decoded by hand, exactly as postcard decodes a [`ToVisitor`] (the tests compare the two): with serde's
/// deserializer the visitor's download would carry postcard's whole decoder, for four messages.
pub fn decode_to_visitor(bytes: &[u8]) -> Option<ToVisitor> {
    match frame::parse(bytes).ok()? {
        (FrameKind::Control, payload) => Reader(payload).message(),
        _ => None,
    }
}

/// Reads postcard values off the front of a payload; `None` once something is missing or malformed.
struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    /// A whole `ToVisitor`: its variant index, then its fields.
    fn message(&mut self) -> Option<ToVisitor> {
        Some(match self.varint()? {
            0 => ToVisitor::SessionStarted {
                key: self.string()?,
                masking: MaskingRules {
                    mask_selectors: self.strings()?,
                    block_selectors: self.strings()?,
                    unmask_selectors: self.strings()?,
                    mask_all_inputs: self.flag()?,
                    mask_all_text: self.flag()?,
                },
                secret: self.string()?,
                agents: self.varint()?,
            },
            1 => ToVisitor::AgentJoined { name: self.string()?, agents: self.varint()? },
            2 => ToVisitor::AgentLeft { name: self.string()?, agents: self.varint()? },
            3 => ToVisitor::SnapshotRequested,
            _ => return None,
        })
    }

    fn byte(&mut self) -> Option<u8> {
        let (&byte, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(byte)
    }

    /// A `u32` varint: 7 bits a byte, low first, at most 5 bytes.
    fn varint(&mut self) -> Option<u32> {
        let mut value = 0u32;
        for shift in (0..35).step_by(7) {
            let byte = self.byte()?;
            if shift == 28 && byte > 0x0f {
                return None;
            }
            value |= u32::from(byte & 0x7f) << shift;
            if byte < 0x80 {
                return Some(value);
            }
        }
        None
    }

    /// A bool: one byte, 0 or 1.
    fn flag(&mut self) -> Option<bool> {
        match self.byte()? {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }

    /// A string: its length as a varint, then UTF-8.
    fn string(&mut self) -> Option<String> {
        let length = self.varint()? as usize;
        let bytes = self.0.get(..length)?;
        self.0 = &self.0[length..];
        String::from_utf8(bytes.to_vec()).ok()
    }

    /// A sequence of strings: its length as a varint, then each.
    fn strings(&mut self) -> Option<Vec<String>> {
        (0..self.varint()?).map(|_| self.string()).collect()
    }
}

/// An asset frame (never compressed, outside the deflate context).
pub fn encode_asset(upload: &AssetUpload) -> Vec<u8> {
    frame::encode(FrameKind::Asset, &to_postcard(upload))
}

/// Decodes the payload of an asset frame (the bytes after the header).
pub fn decode_asset(payload: &[u8]) -> Result<AssetUpload, DecodeError> {
    from_postcard(payload, "asset upload")
}

/// Encoding into a growing `Vec` cannot fail for the protocol's types (no custom errors, every sequence's
/// length known). Not `expect`: printing postcard's error would put its names and `Debug` code in the
/// visitor's download; an empty payload, which never happens, would only fail to decode.
fn to_postcard<T: serde::Serialize>(value: &T) -> Vec<u8> {
    postcard::to_allocvec(value).unwrap_or_default()
}

fn from_postcard<'a, T: serde::Deserialize<'a>>(bytes: &'a [u8], what: &'static str) -> Result<T, DecodeError> {
    postcard::from_bytes(bytes).map_err(|error| DecodeError::Payload { what, reason: error.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::page::*;

    #[test]
    fn the_call_messages_indices_are_those_postcard_gives() {
        use crate::call::{RemoteInput, NOBODY};
        let index = |control: &Control| encode_control(control)[crate::frame::HEADER_LEN];
        let asked = Control::ConsentAsked { agent: 1, name: "Ana".into() };
        let input = Control::Input { agent: 1, input: RemoteInput::Text { text: "x".into() } };
        assert_eq!(index(&asked), FIRST_CALL_MESSAGE);
        assert_eq!(index(&input), 25);
        assert_eq!(index(&Control::Withdrawn { agent: 1 }), 26);
        assert_eq!(index(&Control::JoinWithToken { token: "t".into(), key: "1".into() }), NOT_A_CALL_MESSAGE);
        assert_eq!(index(&Control::SignedIn { token: "t".into(), valid_secs: 1 }), LAST_CALL_MESSAGE + 1);
        assert_eq!(index(&Control::Dismiss { agent: 1 }), LAST_CALL_MESSAGE);
        let offer = Control::AssetOffer { url: "u".into(), sha256: "h".into() };
        assert_eq!(index(&offer), ASSET_OFFER);
        assert_eq!(index(&Control::AssetWanted { url: "u".into() }), ASSET_WANTED);
        let sent_by_visitors = [
            Control::ConsentAnswer { agent: 1, allow: true },
            Control::ControlAnswer { agent: 1, allow: false },
            Control::ControlRelease,
            Control::ControlRefused { agent: 1, reason: "masked".into() },
            Control::Dismiss { agent: 1 },
            Control::AssetOffer { url: "u".into(), sha256: "h".into() },
        ];
        let indices: Vec<u8> = sent_by_visitors.iter().map(index).collect();
        assert_eq!(indices, VISITOR_CALL_MESSAGES);
        assert!(!is_call_message(&[11]) && is_call_message(&[12]) && is_call_message(&[26]) && !is_call_message(&[27]));
        assert!(is_call_message(&[28]) && !is_call_message(&[29]));
        assert!(!is_call_message(&[]));
        let _ = NOBODY;
    }

    #[test]
    fn a_visitor_sends_only_its_own_call_messages() {
        let answer = Control::ConsentAnswer { agent: 3, allow: true };
        let framed = encode_control(&answer);
        assert_eq!(encode_visitor_call(&framed[crate::frame::HEADER_LEN..]), Some(framed.clone()));
        assert_eq!(decode_control(&framed).unwrap(), answer);
        let pointer = encode_control(&Control::Pointer { agent: 0, at: None });
        assert_eq!(encode_visitor_call(&pointer[crate::frame::HEADER_LEN..]), None, "an agent's message");
        assert_eq!(encode_visitor_call(&[]), None);
    }

    fn page() -> Snapshot {
        let text = |id, s: &str| Node { id, kind: NodeKind::Text(Value::Plain(s.into())) };
        let input = Node {
            id: 5,
            kind: NodeKind::Element(Element {
                tag: "input".into(),
                namespace: Namespace::Html,
                attributes: vec![Attribute { name: "type".into(), value: Value::Plain("password".into()) }],
                form: Some(FormState { value: Some(Value::Masked), ..Default::default() }),
                children: vec![],
                extras: None,
            }),
        };
        let body = Node {
            id: 3,
            kind: NodeKind::Element(Element {
                tag: "body".into(),
                namespace: Namespace::Html,
                attributes: vec![],
                form: None,
                children: vec![text(4, "Hello"), input],
                extras: None,
            }),
        };
        Snapshot {
            url: "https://shop.example/checkout".into(),
            viewport: Size { width: 1280, height: 720 },
            scroll: Point { x: 0, y: 40 },
            children: vec![
                Node {
                    id: 1,
                    kind: NodeKind::Doctype { name: "html".into(), public_id: "".into(), system_id: "".into() },
                },
                Node {
                    id: 2,
                    kind: NodeKind::Element(Element {
                        tag: "html".into(),
                        namespace: Namespace::Html,
                        attributes: vec![],
                        form: None,
                        children: vec![body],
                        extras: None,
                    }),
                },
            ],
            adopted: vec![],
        }
    }

    #[test]
    fn snapshot_deltas_and_controls_round_trip() {
        let mut encoder = Encoder::new();
        let mut decoder = Decoder::default();
        let snapshot = page();
        assert_eq!(decoder.decode(&encoder.snapshot(&snapshot)).unwrap(), Message::Snapshot(snapshot));
        let delta = Delta {
            events: vec![
                Event::Text { node: 4, text: Value::Plain("Hi".into()) },
                Event::Children { parent: 3, children: vec![Child::Existing(5), Child::Existing(4)] },
                Event::Attribute { node: 5, name: "title".into(), value: None },
                Event::Form { node: 5, state: FormState { value: Some(Value::Masked), ..Default::default() } },
                Event::Scroll { node: None, offset: Point { x: 0, y: 300 } },
                Event::Viewport(Size { width: 400, height: 800 }),
                Event::Pointer(Point { x: 10, y: -2 }),
            ],
        };
        assert_eq!(decoder.decode(&encoder.delta(&delta)).unwrap(), Message::Delta(delta));
        let join = Control::Join { name: "ana".into(), password: "pw".into(), key: "123456".into() };
        let bytes = encode_control(&join);
        assert_eq!(decode_control(&bytes).unwrap(), join.clone());
        assert_eq!(decoder.decode(&bytes).unwrap(), Message::Control(join));
    }

    #[test]
    fn a_snapshot_deflated_by_the_browser_or_by_us_decodes_with_the_deltas_after_it() {
        use std::io::Write;
        let delta = Delta { events: vec![Event::Text { node: 4, text: Value::Plain("Hello again".into()) }] };
        let browser = |payload: &[u8]| {
            let mut stream = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
            stream.write_all(payload).unwrap();
            snapshot_frame(&stream.finish().unwrap())
        };
        for deflate in [browser as fn(&[u8]) -> Vec<u8>, deflate_snapshot] {
            let mut encoder = Encoder::new();
            let mut decoder = Decoder::default();
            let payload = snapshot_payload(&page());
            encoder.prime(&payload);
            let frame = deflate(&payload);
            assert_eq!(decoder.decode(&frame).unwrap(), Message::Snapshot(page()));
            for _ in 0..3 {
                assert_eq!(decoder.decode(&encoder.delta(&delta)).unwrap(), Message::Delta(delta.clone()));
            }
        }
    }

    #[test]
    fn a_snapshot_deflated_by_the_deltas_encoder_leaves_the_context_priming_would() {
        let delta = Delta { events: vec![Event::Text { node: 4, text: Value::Plain("Hello again".into()) }] };
        let payload = snapshot_payload(&page());
        let (mut one_pass, mut primed) = (Encoder::new(), Encoder::new());
        let frame = one_pass.deflate_fresh(FrameKind::Snapshot, &payload);
        primed.prime(&payload);
        assert_eq!(frame, deflate_snapshot(&payload));
        let mut decoder = Decoder::default();
        assert_eq!(decoder.decode(&frame).unwrap(), Message::Snapshot(page()));
        for _ in 0..3 {
            let sent = one_pass.delta(&delta);
            assert_eq!(sent, primed.delta(&delta));
            assert_eq!(decoder.decode(&sent).unwrap(), Message::Delta(delta.clone()));
        }
    }

    #[test]
    fn session_started_carries_the_masking_rules() {
        let masking = crate::MaskingRules {
            mask_selectors: vec![".secret".into(), "#card input".into()],
            block_selectors: vec!["iframe.ads".into()],
            unmask_selectors: vec!["nav".into()],
            mask_all_inputs: true,
            mask_all_text: false,
        };
        let started = Control::SessionStarted {
            key: "123456".into(),
            masking: masking.clone(),
            secret: "ab".repeat(32),
            agents: 2,
        };
        assert_eq!(decode_control(&encode_control(&started)).unwrap(), started);
        assert_eq!(
            decode_to_visitor(&encode_control(&started)),
            Some(ToVisitor::SessionStarted { key: "123456".into(), masking, secret: "ab".repeat(32), agents: 2 })
        );
    }

    #[test]
    fn a_visitor_decodes_what_the_relay_sends_it_and_nothing_else() {
        let sent = [
            (
                Control::AgentJoined { name: "Ana".into(), agents: 2 },
                ToVisitor::AgentJoined { name: "Ana".into(), agents: 2 },
            ),
            (
                Control::AgentLeft { name: "Ana".into(), agents: 1 },
                ToVisitor::AgentLeft { name: "Ana".into(), agents: 1 },
            ),
            (Control::SnapshotRequested, ToVisitor::SnapshotRequested),
        ];
        for (control, expected) in sent {
            assert_eq!(decode_to_visitor(&encode_control(&control)), Some(expected));
        }
        let others = [
            Control::EndSession,
            Control::MirrorOutOfStep,
            Control::Joined { key: "1".into(), agent: 1 },
            Control::Resume { key: "1".into(), secret: "s".into() },
            Control::VisitorAway { navigating: true },
            Control::VisitorTab { tab: 2 },
        ];
        for other in others {
            assert_eq!(decode_to_visitor(&encode_control(&other)), None, "{other:?}");
        }
        assert_eq!(decode_to_visitor(&Encoder::new().delta(&Delta::default())), None);
    }

    #[test]
    fn blocked_nodes_round_trip_with_their_size_only() {
        let mut snapshot = page();
        let blocked =
            Node { id: 9, kind: NodeKind::Blocked { tag: "div".into(), size: Size { width: 300, height: 120 } } };
        snapshot.children.push(blocked.clone());
        let delta = Delta { events: vec![Event::Children { parent: 3, children: vec![Child::New(blocked)] }] };
        let mut encoder = Encoder::new();
        let mut decoder = Decoder::default();
        assert_eq!(decoder.decode(&encoder.snapshot(&snapshot)).unwrap(), Message::Snapshot(snapshot));
        assert_eq!(decoder.decode(&encoder.delta(&delta)).unwrap(), Message::Delta(delta));
    }

    #[test]
    fn asset_uploads_round_trip_outside_the_deflate_context() {
        let mut encoder = Encoder::new();
        let mut decoder = Decoder::default();
        decoder.decode(&encoder.snapshot(&page())).unwrap();
        let upload =
            AssetUpload { url: "blob:https://shop.example/1".into(), mime: "image/png".into(), bytes: vec![0, 255, 7] };
        let bytes = encode_asset(&upload);
        assert_eq!(bytes[..2], [crate::frame::VERSION, FrameKind::Asset as u8]);
        assert_eq!(decode_asset(&bytes[2..]).unwrap(), upload);
        assert_eq!(decoder.decode(&bytes).unwrap(), Message::Asset(upload));
        let delta = Delta { events: vec![Event::Pointer(Point { x: 1, y: 2 })] };
        assert_eq!(
            decoder.decode(&encoder.delta(&delta)).unwrap(),
            Message::Delta(delta),
            "the deflate context goes on"
        );
        let mapping = Control::Asset { url: "https://shop.example/a.css".into(), path: "/assets/00/ff".into() };
        assert_eq!(decode_control(&encode_control(&mapping)).unwrap(), mapping);
    }

    #[test]
    fn continuity_messages_round_trip() {
        for control in [
            Control::Resume { key: "123456".into(), secret: "0f".repeat(32) },
            Control::VisitorAway { navigating: false },
            Control::VisitorTab { tab: 3 },
        ] {
            assert_eq!(decode_control(&encode_control(&control)).unwrap(), control);
        }
    }

    #[test]
    fn a_visitor_s_messages_encode_as_their_control_variants() {
        assert_eq!(FromVisitor::EndSession.encode(), encode_control(&Control::EndSession));
        for (key, secret) in [("123456", "0f".repeat(32)), ("", String::new()), ("k", "é".repeat(200))] {
            let resume = Control::Resume { key: key.into(), secret: secret.clone() };
            assert_eq!(FromVisitor::Resume { key, secret: &secret }.encode(), encode_control(&resume));
        }
    }

    #[test]
    fn the_visitor_s_decoder_agrees_with_postcard() {
        let masking = crate::masking::MaskingRules {
            mask_selectors: vec![".a".into(), "é".repeat(100)],
            block_selectors: vec![],
            unmask_selectors: vec!["#x".into()],
            mask_all_inputs: false,
            mask_all_text: true,
        };
        let started = Control::SessionStarted { key: "1".into(), masking, secret: "f".repeat(64), agents: 300_000 };
        let bytes = encode_control(&started);
        let by_postcard: Option<ToVisitor> = postcard::from_bytes(&bytes[2..]).ok();
        assert!(by_postcard.is_some());
        assert_eq!(decode_to_visitor(&bytes), by_postcard);
        for cut in 2..bytes.len() {
            assert_eq!(decode_to_visitor(&bytes[..cut]), None, "cut at {cut}");
        }
        let joined = encode_control(&Control::AgentJoined { name: "Ana".into(), agents: u32::MAX });
        assert_eq!(decode_to_visitor(&joined), postcard::from_bytes(&joined[2..]).ok());
        let mut bad_flag = bytes.clone();
        let flag_at = bytes.len() - 3 - 65 - 2; // mask_all_inputs: before mask_all_text, secret (1 + 64), agents (3)
        bad_flag[flag_at] = 2;
        assert_eq!(decode_to_visitor(&bad_flag), None);
        let overlong = [frame::VERSION, FrameKind::Control as u8, 1, 3, b'A', b'n', b'a', 0xff, 0xff, 0xff, 0xff, 0x1f];
        assert_eq!(decode_to_visitor(&overlong), None);
    }

    #[test]
    fn page_frames_are_not_control_messages() {
        let bytes = Encoder::new().snapshot(&page());
        assert!(matches!(decode_control(&bytes), Err(DecodeError::Payload { .. })));
    }

    #[test]
    fn truncated_control_is_an_error() {
        let started = Control::SessionStarted {
            key: "123456".into(),
            masking: Default::default(),
            secret: String::new(),
            agents: 0,
        };
        let bytes = encode_control(&started);
        assert!(matches!(decode_control(&bytes[..bytes.len() - 2]), Err(DecodeError::Payload { .. })));
    }

    #[test]
    fn masked_values_carry_no_bytes_of_the_secret() {
        let mut encoder = Encoder::new();
        let mut decoder = Decoder::default();
        let (_, raw) = decoder.inflate(&encoder.snapshot(&page())).unwrap();
        assert!(!raw.windows(6).any(|w| w == b"secret"));
    }
}
