//! A sliced snapshot: the top of the page tree as a snapshot frame, then `SnapshotPart` frames filling in
//! the elements it sent without children. A part decodes as the `Message::Delta` it carries and is refused
//! without a snapshot, as a delta is; but it is deflated as a snapshot is, as a stream of its own (the
//! visitor's browser compresses it with dynamic codes), and the deltas after it refer back into it.

mod common;

use cobrowse_protocol::codec::CodecError;
use cobrowse_protocol::frame::{self, FrameKind};
use cobrowse_protocol::*;
use common::{element, text};

/// The first slice: `<html><body><main/></body></html>`, `main` (3) sent without its children yet.
fn top_of_the_page() -> Snapshot {
    Snapshot {
        url: "https://shop.example/catalogue".into(),
        viewport: Size { width: 1280, height: 720 },
        scroll: Point::default(),
        children: vec![element(
            1,
            "html",
            vec![element(2, "body", vec![element(3, "main", vec![], None)], None)],
            None,
        )],
        adopted: vec![],
    }
}

/// A later slice: `main`'s children, one new paragraph per product.
fn the_rest_of_main() -> Delta {
    let products = (0..20).map(|n| {
        let id = 4 + 2 * n;
        Child::New(element(id, "p", vec![text(id + 1, &format!("Product {n}: a sturdy chair"))], None))
    });
    Delta { events: vec![Event::Children { parent: 3, children: products.collect() }] }
}

/// A change the visitor made after the page was sent whole.
fn a_change() -> Delta {
    Delta { events: vec![Event::Text { node: 5, text: Value::Plain("Product 0: sold out".into()) }] }
}

#[test]
fn a_snapshot_its_part_and_a_delta_decode_in_order() {
    let mut encoder = Encoder::new();
    let frames =
        [encoder.snapshot(&top_of_the_page()), encoder.snapshot_part(&the_rest_of_main()), encoder.delta(&a_change())];
    assert_eq!(frames.each_ref().map(|frame| frame[1]), [1, 5, 2], "snapshot, snapshot part, delta on the wire");

    let mut decoder = Decoder::default();
    let decoded: Vec<Message> = frames.iter().map(|frame| decoder.decode(frame).unwrap()).collect();
    assert_eq!(
        decoded,
        [Message::Snapshot(top_of_the_page()), Message::Delta(the_rest_of_main()), Message::Delta(a_change())]
    );
}

#[test]
fn a_part_inflates_as_a_delta_in_the_snapshot_s_context() {
    let mut encoder = Encoder::new();
    let frames =
        [encoder.snapshot(&top_of_the_page()), encoder.snapshot_part(&the_rest_of_main()), encoder.delta(&a_change())];
    let mut inflater = Decoder::default();
    let inflated: Vec<(FrameKind, Vec<u8>)> = frames.iter().map(|frame| inflater.inflate(frame).unwrap()).collect();
    let mut wire = the_rest_of_main();
    cobrowse_protocol::wire_ids::encode_part(&mut wire);
    assert_eq!(inflated[1], (FrameKind::SnapshotPart, postcard::to_allocvec(&wire).unwrap()));
    assert_eq!(inflated[2], (FrameKind::Delta, postcard::to_allocvec(&a_change()).unwrap()));
}

#[test]
fn a_part_is_a_stream_of_its_own_that_the_deltas_after_it_refer_back_into() {
    let mut encoder = Encoder::new();
    let snapshot = encoder.snapshot(&top_of_the_page());
    let payload = message::snapshot_part_payload(&the_rest_of_main());
    encoder.prime(&payload);
    let mut wire = the_rest_of_main();
    cobrowse_protocol::wire_ids::encode_part(&mut wire);
    assert_eq!(payload, postcard::to_allocvec(&wire).unwrap());
    assert_ne!(wire, the_rest_of_main(), "the new nodes' ids in their wire form");
    // Deflated elsewhere (the browser, a complete stream: here flate2), framed as a part.
    let mut stream = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut stream, &payload).unwrap();
    let part = message::fresh_frame(FrameKind::SnapshotPart, &stream.finish().unwrap());
    // The same content again as a delta: it refers back into the part, as it cannot without it.
    let delta = encoder.delta(&the_rest_of_main());
    let mut without_the_part = Encoder::new();
    without_the_part.snapshot(&top_of_the_page());
    let unprimed = without_the_part.delta(&the_rest_of_main());
    assert!(delta.len() < unprimed.len(), "the delta refers back into the part: {} vs {}", delta.len(), unprimed.len());

    let mut decoder = Decoder::default();
    decoder.decode(&snapshot).unwrap();
    assert_eq!(decoder.decode(&part).unwrap(), Message::Delta(the_rest_of_main()));
    assert_eq!(decoder.decode(&delta).unwrap(), Message::Delta(the_rest_of_main()));
}

#[test]
fn a_part_before_any_snapshot_fails_like_a_delta() {
    let mut encoder = Encoder::new();
    encoder.snapshot(&top_of_the_page());
    let part = encoder.snapshot_part(&the_rest_of_main());
    let delta = encoder.delta(&a_change());

    let missed_the_snapshot = Decoder::default().decode(&part);
    assert_eq!(missed_the_snapshot, Err(DecodeError::Codec(CodecError::NoContext)));
    assert_eq!(missed_the_snapshot, Decoder::default().decode(&delta));
    assert_eq!(Decoder::default().inflate(&part), Err(DecodeError::Codec(CodecError::NoContext)));
}

#[test]
fn a_part_that_does_not_inflate_stops_the_deltas_until_the_next_snapshot() {
    let mut encoder = Encoder::new();
    let snapshot = encoder.snapshot(&top_of_the_page());
    let mut broken = encoder.snapshot_part(&the_rest_of_main());
    broken.truncate(frame::HEADER_LEN);
    broken.extend_from_slice(&[0xff; 8]); // a reserved block type: not deflate
    let delta = encoder.delta(&a_change());

    let mut decoder = Decoder::default();
    decoder.decode(&snapshot).unwrap();
    assert!(matches!(decoder.decode(&broken), Err(DecodeError::Codec(_))));
    assert_eq!(decoder.decode(&delta), Err(DecodeError::Codec(CodecError::NoContext)));
}
