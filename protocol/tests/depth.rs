//! The page tree's depth limit: trees up to `MAX_DEPTH` levels decode, deeper ones are an error (never a
//! stack overflow), and the hand-written decoding reads exactly what the derived encoding writes.

mod common;

use cobrowse_protocol::*;
use common::element;

/// Runs `test` on a thread with a stack big enough for `MAX_DEPTH` levels in a debug build (about 8 KiB a
/// level there; a release build needs a tenth of it), and far too small for the 5,000 levels the hostile
/// trees have: those must be refused before the decoder goes that deep.
fn on_a_16_mib_stack<T: Send + 'static>(test: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new().stack_size(16 << 20).spawn(test).unwrap().join().unwrap()
}

/// The postcard bytes of a snapshot whose one child is `levels` nested `<div>`s around an empty text,
/// written without recursion (so a test can make trees too deep for any recursive encoder).
fn nested_snapshot_bytes(levels: usize) -> Vec<u8> {
    let mut bytes = vec![0, 0, 0, 0, 0, 1]; // url "", viewport 0×0, scroll 0,0, one child
    let element_start = [7, 1, 3, b'd', b'i', b'v', 0, 0, 0, 1]; // id 7, Element, "div", Html, [], None, 1 child
    for _ in 0..levels {
        bytes.extend_from_slice(&element_start);
    }
    bytes.extend_from_slice(&[8, 2, 0, 0]); // id 8, Text, Plain ""
    bytes.extend(std::iter::repeat_n(0, levels)); // each element's extras: None
    bytes.push(0); // adopted: []
    bytes
}

/// The same tree, built as values (recursively: only for small depths).
fn nested_snapshot(levels: usize) -> Snapshot {
    let mut node = Node { id: 8, kind: NodeKind::Text(Value::Plain(String::new())) };
    for _ in 0..levels {
        node = element(7, "div", vec![node], None);
    }
    Snapshot {
        url: String::new(),
        viewport: Size::default(),
        scroll: Point::default(),
        children: vec![node],
        adopted: vec![],
    }
}

fn decode_snapshot(bytes: &[u8]) -> Result<Snapshot, postcard::Error> {
    postcard::from_bytes(bytes)
}

#[test]
fn the_hand_made_bytes_are_what_the_encoder_writes() {
    for levels in [0, 1, 3] {
        assert_eq!(postcard::to_allocvec(&nested_snapshot(levels)).unwrap(), nested_snapshot_bytes(levels));
    }
}

#[test]
fn a_tree_at_the_limit_decodes_and_one_level_more_is_refused() {
    on_a_16_mib_stack(|| {
        // The text inside `levels` elements sits at level `levels + 1`.
        let at_limit = decode_snapshot(&nested_snapshot_bytes(MAX_DEPTH - 1)).expect("512 levels decode");
        assert_eq!(at_limit.children.len(), 1);
        assert!(decode_snapshot(&nested_snapshot_bytes(MAX_DEPTH)).is_err());
    });
}

#[test]
fn five_thousand_levels_are_an_error_not_a_crash() {
    on_a_16_mib_stack(|| {
        assert_eq!(decode_snapshot(&nested_snapshot_bytes(5_000)).unwrap_err(), postcard::Error::SerdeDeCustom);
    });
}

#[test]
fn a_deep_snapshot_frame_is_a_payload_error_and_the_decoder_goes_on() {
    on_a_16_mib_stack(|| {
        let payload = nested_snapshot_bytes(5_000);
        let frame = frame::encode(FrameKind::Snapshot, &codec::Compressor::new().snapshot(&payload));
        let mut decoder = Decoder::default();
        match decoder.decode(&frame) {
            Err(DecodeError::Payload { what: "snapshot", reason }) => assert!(reason.contains("512"), "{reason}"),
            other => panic!("expected a payload error, got {other:?}"),
        }
        let mut encoder = Encoder::new();
        let good = nested_snapshot(3);
        assert_eq!(decoder.decode(&encoder.snapshot(&good)).unwrap(), Message::Snapshot(good));
    });
}

/// A chain of `levels` elements, each holding the next in its shadow root (or frame document).
fn nested_roots(levels: usize, frame: bool) -> Node {
    let mut node = Node { id: 1, kind: NodeKind::Comment(String::new()) };
    for _ in 0..levels {
        let root = Root { id: 2, url: String::new(), adopted: vec![], children: vec![node] };
        let extras = match frame {
            true => Extras { frame: Some(root), ..Default::default() },
            false => Extras { shadow: Some(root), ..Default::default() },
        };
        node = element(3, "x-host", vec![], Some(extras));
    }
    node
}

#[test]
fn shadow_roots_and_frame_documents_count_as_levels() {
    on_a_16_mib_stack(|| {
        for frame in [false, true] {
            let fits = Delta {
                events: vec![Event::Children {
                    parent: 1,
                    children: vec![Child::New(nested_roots(MAX_DEPTH - 1, frame))],
                }],
            };
            let bytes = postcard::to_allocvec(&fits).unwrap();
            assert_eq!(postcard::from_bytes::<Delta>(&bytes).unwrap(), fits);
            let too_deep = Delta {
                events: vec![Event::Children { parent: 1, children: vec![Child::New(nested_roots(MAX_DEPTH, frame))] }],
            };
            let bytes = postcard::to_allocvec(&too_deep).unwrap();
            assert!(postcard::from_bytes::<Delta>(&bytes).is_err());
        }
    });
}

#[test]
fn a_root_event_counts_from_its_own_top() {
    on_a_16_mib_stack(|| {
        let root =
            |levels| Root { id: 5, url: String::new(), adopted: vec![], children: vec![nested_roots(levels, false)] };
        let fits = Delta { events: vec![Event::Shadow { host: 9, root: root(MAX_DEPTH - 1) }] };
        assert_eq!(postcard::from_bytes::<Delta>(&postcard::to_allocvec(&fits).unwrap()).unwrap(), fits);
        let too_deep = Delta { events: vec![Event::Frame { frame: 9, document: Some(root(MAX_DEPTH)) }] };
        assert!(postcard::from_bytes::<Delta>(&postcard::to_allocvec(&too_deep).unwrap()).is_err());
    });
}

/// Every kind of node and every field of the hand-decoded types, through the real encoder and decoder.
#[test]
fn every_node_kind_round_trips() {
    let text = |id, value| Node { id, kind: NodeKind::Text(value) };
    let shadow = Root {
        id: 20,
        url: String::new(),
        adopted: vec![vec![":host { color: red }".into()]],
        children: vec![text(21, Value::Plain("in shadow".into()))],
    };
    let frame = Root {
        id: 30,
        url: "https://shop.example/frame".into(),
        adopted: vec![],
        children: vec![text(31, Value::Masked)],
    };
    let extras = Extras {
        shadow: Some(shadow.clone()),
        frame: Some(frame),
        sheet: Some(vec!["p { margin: 0 }".into()]),
        media: Some(MediaState { time_ms: 1_500, paused: true, muted: false, volume: 80, rate_percent: 125 }),
        modal: true,
    };
    let mut host = element(10, "video", vec![text(11, Value::Plain("fallback".into()))], Some(extras));
    if let NodeKind::Element(element) = &mut host.kind {
        element.namespace = Namespace::Other("urn:x".into());
        element.attributes = vec![Attribute { name: "class".into(), value: Value::Masked }];
        element.form = Some(FormState { value: Some(Value::Plain("v".into())), checked: Some(true), selected: None });
    }
    let svg = Node { id: 12, kind: NodeKind::Element(Element { namespace: Namespace::Svg, ..plain_element("svg") }) };
    let snapshot = Snapshot {
        url: "https://shop.example/".into(),
        viewport: Size { width: 800, height: 600 },
        scroll: Point { x: -1, y: 2 },
        children: vec![
            Node {
                id: 1,
                kind: NodeKind::Doctype { name: "html".into(), public_id: "p".into(), system_id: "s".into() },
            },
            Node { id: 2, kind: NodeKind::Comment("c".into()) },
            Node { id: 3, kind: NodeKind::Blocked { tag: "div".into(), size: Size { width: 3, height: 4 } } },
            host,
            svg,
        ],
        adopted: vec![vec!["a{}".into(), "b{}".into()]],
    };
    let delta = Delta {
        events: vec![
            Event::Children { parent: 2, children: vec![Child::Existing(3), Child::New(snapshot.children[3].clone())] },
            Event::Shadow { host: 10, root: shadow },
            Event::Frame { frame: 10, document: None },
            Event::Append { parent: 2, children: vec![snapshot.children[4].clone(), text(40, Value::Masked)] },
            Event::Selection(None),
        ],
    };
    let mut encoder = Encoder::new();
    let mut decoder = Decoder::default();
    assert_eq!(decoder.decode(&encoder.snapshot(&snapshot)).unwrap(), Message::Snapshot(snapshot));
    assert_eq!(decoder.decode(&encoder.delta(&delta)).unwrap(), Message::Delta(delta));
}

fn plain_element(tag: &str) -> Element {
    Element {
        tag: tag.into(),
        namespace: Namespace::Html,
        attributes: vec![],
        form: None,
        children: vec![],
        extras: None,
    }
}

#[test]
fn an_unknown_node_kind_or_a_truncated_tree_is_an_error() {
    let mut bytes = nested_snapshot_bytes(2);
    bytes[7] = 9; // the first node's kind
    assert!(decode_snapshot(&bytes).is_err());
    let bytes = nested_snapshot_bytes(4);
    for cut in 0..bytes.len() {
        assert!(decode_snapshot(&bytes[..cut]).is_err(), "cut at {cut}");
    }
}

/// The viewer's decoder (`reader.rs`) keeps no recursion: on a 256 KiB stack, far too small for 512 levels of
/// serde's recursion in a debug build, it reads a tree at the limit and refuses 5,000 levels.
#[test]
fn the_viewer_s_decoder_reads_any_depth_on_a_small_stack() {
    let on_a_small_stack = |levels: usize| {
        std::thread::Builder::new()
            .stack_size(256 << 10)
            .spawn(move || {
                let result = reader::snapshot(&nested_snapshot_bytes(levels));
                let outcome = result.as_ref().map(|_| ()).map_err(Clone::clone);
                std::mem::forget(result); // dropping 511 levels recurses: not what is measured here
                outcome
            })
            .unwrap()
            .join()
            .unwrap()
    };
    assert_eq!(on_a_small_stack(MAX_DEPTH - 1), Ok(()));
    let refused = on_a_small_stack(5_000).unwrap_err();
    assert!(refused.contains("deeper than 512 levels"), "{refused}");
}

#[test]
fn the_viewer_s_decoder_agrees_with_serde_on_every_kind_and_cut() {
    let snapshot = nested_snapshot(4);
    let bytes = postcard::to_allocvec(&snapshot).unwrap();
    assert_eq!(reader::snapshot(&bytes), Ok(snapshot));
    for cut in 0..bytes.len() {
        let serde = postcard::from_bytes::<Snapshot>(&bytes[..cut]).ok();
        assert_eq!(reader::snapshot(&bytes[..cut]).ok(), serde, "cut at {cut}");
    }
    on_a_16_mib_stack(|| {
        for frame in [false, true] {
            let delta = Delta {
                events: vec![
                    Event::Children {
                        parent: 1,
                        children: vec![Child::Existing(4), Child::New(nested_roots(40, frame))],
                    },
                    Event::Pointer(Point { x: 1, y: -1 }),
                    Event::Frame { frame: 2, document: None },
                ],
            };
            let bytes = postcard::to_allocvec(&delta).unwrap();
            assert_eq!(reader::delta(&bytes), Ok(delta));
            let too_deep = Delta {
                events: vec![Event::Children { parent: 1, children: vec![Child::New(nested_roots(MAX_DEPTH, frame))] }],
            };
            assert!(reader::delta(&postcard::to_allocvec(&too_deep).unwrap()).is_err());
        }
    });
}
