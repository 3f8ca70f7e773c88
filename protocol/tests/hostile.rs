//! Hostile bytes into every decoder a peer's frame reaches: the frame parser, the control decoders (the
//! relay's and the visitor's), the inflater and the page decoder. None may panic, and what they accept
//! must be what the format allows. The proptest counterpart of `fuzz/` (cargo-fuzz needs a nightly
//! toolchain; this runs in `cargo test`), with a modest number of cases to keep CI quick.

use cobrowse_protocol::message::{decode_asset, decode_control, decode_to_visitor, encode_control};
use cobrowse_protocol::*;
use proptest::prelude::*;

/// A small inflate limit, so cases that inflate far stop early.
const LIMIT: usize = 64 << 10;

fn config() -> ProptestConfig {
    ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() }
}

/// Frames that look like the protocol's: the real version byte and a known kind most of the time.
fn frame_like() -> impl Strategy<Value = Vec<u8>> {
    let header = (prop_oneof![Just(frame::VERSION), any::<u8>()], 0u8..6);
    (header, proptest::collection::vec(any::<u8>(), 0..2048)).prop_map(|((version, kind), payload)| {
        let mut bytes = vec![version, kind];
        bytes.extend(payload);
        bytes
    })
}

/// Valid frames of every kind, to be cut and flipped.
fn valid_frames() -> Vec<Vec<u8>> {
    let mut encoder = Encoder::new();
    let snapshot = Snapshot {
        url: "https://shop.example/".into(),
        viewport: Size { width: 10, height: 20 },
        scroll: Point::default(),
        children: vec![Node {
            id: 1,
            kind: NodeKind::Element(Element {
                tag: "p".into(),
                namespace: Namespace::Html,
                attributes: vec![Attribute { name: "class".into(), value: Value::Plain("a".into()) }],
                form: None,
                children: vec![Node { id: 2, kind: NodeKind::Text(Value::Masked) }],
                extras: None,
            }),
        }],
        adopted: vec![],
    };
    let delta = Delta { events: vec![Event::Text { node: 2, text: Value::Plain("hello".into()) }] };
    vec![
        encoder.snapshot(&snapshot),
        encoder.delta(&delta),
        encode_control(&Control::Join { name: "Ana".into(), password: "pw".into(), key: "123456".into() }),
        encode_control(&Control::SessionStarted {
            key: "1".into(),
            masking: MaskingRules::default(),
            secret: "s".into(),
            agents: 2,
        }),
        encode_control(&Control::Draw { agent: 1, start: true, points: vec![Point { x: 1, y: 2 }; 3] }),
        message::encode_asset(&AssetUpload { url: "blob:x".into(), mime: "image/png".into(), bytes: vec![1, 2, 3] }),
        encoder.snapshot_part(&delta),
    ]
}

/// A valid frame with some bytes flipped and perhaps cut short.
fn mutated_frame() -> impl Strategy<Value = Vec<u8>> {
    let flips = proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..6);
    (0..valid_frames().len(), flips, any::<prop::sample::Index>()).prop_map(|(which, flips, cut)| {
        let mut bytes = valid_frames().swap_remove(which);
        for (at, value) in flips {
            let at = at.index(bytes.len());
            bytes[at] ^= value;
        }
        let keep = cut.index(bytes.len() + 1).max(bytes.len() / 2);
        bytes.truncate(keep);
        bytes
    })
}

/// Every decoder on one frame: none panics, none inflates past its limit.
fn decode_everywhere(bytes: &[u8]) {
    let parsed = frame::parse(bytes);
    let well_formed = bytes.len() >= 2 && bytes[0] == frame::VERSION && (1..=5).contains(&bytes[1]);
    assert_eq!(parsed.is_ok(), well_formed);
    let control = decode_control(bytes);
    if let Ok(control) = &control {
        assert_eq!(&decode_control(&encode_control(control)).unwrap(), control, "a decoded control re-encodes");
    }
    let _ = decode_to_visitor(bytes);
    let _ = decode_asset(bytes);
    let mut decoder = Decoder::new(LIMIT);
    let _ = decoder.decode(bytes);
    if let Ok((_, raw)) = Decoder::new(LIMIT).inflate(bytes) {
        assert!(raw.len() <= LIMIT.max(bytes.len()), "inflated {} bytes past the limit", raw.len());
    }
    // The viewer's decoder (no recursion) and serde's agree on what page content the bytes are.
    assert_eq!(reader::snapshot(bytes).ok(), postcard::from_bytes::<Snapshot>(bytes).ok());
    assert_eq!(reader::delta(bytes).ok(), postcard::from_bytes::<Delta>(bytes).ok());
}

/// Valid page content (postcard, before deflate) with some bytes flipped and perhaps cut short.
fn mutated_page_content() -> impl Strategy<Value = Vec<u8>> {
    let flips = proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4);
    (any::<bool>(), flips, any::<prop::sample::Index>()).prop_map(|(snapshot, flips, cut)| {
        let frames = valid_frames();
        let frame = if snapshot { &frames[0] } else { &frames[1] };
        let mut bytes = match snapshot {
            true => Decoder::new(LIMIT).inflate(frame).unwrap().1,
            false => {
                let mut decoder = Decoder::new(LIMIT);
                decoder.inflate(&frames[0]).unwrap();
                decoder.inflate(frame).unwrap().1
            }
        };
        for (at, value) in flips {
            let at = at.index(bytes.len());
            bytes[at] ^= value;
        }
        bytes.truncate(cut.index(bytes.len() + 1).max(bytes.len() / 2));
        bytes
    })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        decode_everywhere(&bytes);
    }

    #[test]
    fn frame_like_bytes_never_panic(bytes in frame_like()) {
        decode_everywhere(&bytes);
    }

    #[test]
    fn mutated_valid_frames_never_panic(bytes in mutated_frame()) {
        decode_everywhere(&bytes);
    }

    #[test]
    fn mutated_page_content_decodes_alike_both_ways(bytes in mutated_page_content()) {
        decode_everywhere(&bytes);
    }

    #[test]
    fn a_delta_context_survives_garbage_until_the_next_snapshot(garbage in proptest::collection::vec(any::<u8>(), 1..512)) {
        let mut encoder = Encoder::new();
        let mut decoder = Decoder::new(LIMIT);
        let first = valid_frames().swap_remove(0);
        decoder.decode(&first).unwrap();
        let mut bad = vec![frame::VERSION, FrameKind::Delta as u8];
        bad.extend(&garbage);
        let _ = decoder.decode(&bad);
        // Whatever the garbage did to the context, a fresh snapshot starts a good one.
        let snapshot = Snapshot { url: "u".into(), viewport: Size::default(), scroll: Point::default(), children: vec![], adopted: vec![] };
        prop_assert_eq!(decoder.decode(&encoder.snapshot(&snapshot)).unwrap(), Message::Snapshot(snapshot));
        let delta = Delta { events: vec![Event::Pointer(Point { x: 3, y: 4 })] };
        prop_assert_eq!(decoder.decode(&encoder.delta(&delta)).unwrap(), Message::Delta(delta));
    }
}

/// The fuzz corpus's seeds (`fuzz/corpus/`, written by `fuzz/make_seeds.py`): every one goes through every
/// decoder, and the valid ones decode as their names say, so the seeds stay in step with the format. On a
/// 16 MiB stack: a debug build needs ~8 KiB a level to reach the depth limit of the deep seed.
#[test]
fn the_fuzz_seeds_decode_as_their_names_say() {
    std::thread::Builder::new().stack_size(16 << 20).spawn(check_the_fuzz_seeds).unwrap().join().unwrap();
}

fn check_the_fuzz_seeds() {
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus");
    let seed = |target: &str, name: &str| std::fs::read(corpus.join(target).join(name)).expect("the seed exists");
    for target in ["frame", "control", "inflate"] {
        for entry in std::fs::read_dir(corpus.join(target)).unwrap() {
            decode_everywhere(&std::fs::read(entry.unwrap().path()).unwrap());
        }
    }
    let mut decoder = Decoder::new(LIMIT);
    assert!(matches!(decoder.decode(&seed("frame", "snapshot")), Ok(Message::Snapshot(_))));
    assert!(matches!(decode_control(&seed("frame", "join")), Ok(Control::Join { .. })));
    assert!(matches!(decode_to_visitor(&seed("frame", "session-started")), Some(ToVisitor::SessionStarted { .. })));
    assert!(matches!(decoder.decode(&seed("frame", "asset")), Ok(Message::Asset(_))));
    let too_deep = decoder.decode(&seed("frame", "deep-snapshot"));
    assert!(matches!(&too_deep, Err(DecodeError::Payload { reason, .. }) if reason.contains("512")), "{too_deep:?}");
    let bomb = decoder.decode(&seed("frame", "bomb-1mib"));
    assert_eq!(bomb, Err(DecodeError::Codec(codec::CodecError::TooLarge { limit: LIMIT })));
    let draw = frame::encode(FrameKind::Control, &seed("control", "draw"));
    assert!(matches!(decode_control(&draw), Ok(Control::Draw { .. })));
    assert!(decode_control(&frame::encode(FrameKind::Control, &seed("control", "draw-claims-4g-points"))).is_err());
    let without_context = Err(DecodeError::Codec(codec::CodecError::NoContext));
    assert_eq!(Decoder::new(LIMIT).decode(&seed("frame", "delta-without-context")), without_context);
    assert_eq!(Decoder::new(LIMIT).decode(&seed("frame", "snapshot-part-without-context")), without_context);
    let mut after_the_snapshot = Decoder::new(LIMIT);
    after_the_snapshot.decode(&seed("frame", "snapshot")).unwrap();
    let part = after_the_snapshot.decode(&seed("frame", "snapshot-part-without-context"));
    assert!(matches!(part, Ok(Message::Delta(_))), "the part decodes in the snapshot's context: {part:?}");
}
