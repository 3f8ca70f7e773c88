//! The frame header: the only bytes of a page-content frame the relay ever looks at.
//!
//! Layout of every WebSocket binary message:
//!
//! | offset | size | meaning                                                        |
//! |--------|------|----------------------------------------------------------------|
//! | 0      | 1    | protocol version, [`VERSION`]                                  |
//! | 1      | 1    | [`FrameKind`]                                                  |
//! | 2      | rest | payload: deflate bytes (snapshot, delta, snapshot part), postcard (control, asset) |
//!
//! The relay needs the kind to keep each session's latest full state (a snapshot, its parts and the deltas
//! since) and to let a lagging agent skip ahead to the next snapshot; it never needs the payload of page
//! frames.

use thiserror::Error;

/// The version byte every frame starts with. Bumped on any incompatible change (2: a snapshot's node ids
/// travel zigzag-encoded as differences, and a snapshot may be a deflate stream of its own; 3: a snapshot
/// part is a deflate stream of its own too, its new nodes' ids in wire form). A new frame kind is additive
/// and keeps the version ([`FrameKind::SnapshotPart`] did when it came): a peer that predates a kind
/// refuses its frames with [`FrameError::UnknownKind`], which says which kinds it knows. A change to what
/// a kind's payload means is not additive: a page loaded before a deploy would be misread, so its frames
/// are refused with [`FrameError::WrongVersion`], which tells it to reload.
pub const VERSION: u8 = 3;

/// How many bytes precede the payload.
pub const HEADER_LEN: usize = 2;

/// What a frame's payload is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum FrameKind {
    /// A full page state; its deflate stream starts a fresh compression context.
    Snapshot = 1,
    /// Changes since the previous frame; decompress with the context of the frames before it.
    Delta = 2,
    /// An uncompressed postcard [`crate::Control`] message, read by the relay.
    Control = 3,
    /// visitor → relay: an uncompressed postcard [`crate::AssetUpload`], outside the deflate context.
    Asset = 4,
    /// A later part of the snapshot before it (a sliced snapshot): a `Delta` payload in a deflate stream
    /// of its own (like a snapshot's; it then primes the deltas' context as a snapshot does), its new nodes'
    /// ids in wire form (`wire_ids::encode_part`). Refused without a snapshot before it. The relay keeps it
    /// as part of the snapshot: its bytes count with the snapshot's, never toward the deltas that make the
    /// relay ask for a fresh one.
    SnapshotPart = 5,
}

impl FrameKind {
    fn from_byte(byte: u8) -> Result<Self, FrameError> {
        match byte {
            1 => Ok(Self::Snapshot),
            2 => Ok(Self::Delta),
            3 => Ok(Self::Control),
            4 => Ok(Self::Asset),
            5 => Ok(Self::SnapshotPart),
            other => Err(FrameError::UnknownKind(other)),
        }
    }
}

/// Why a message is not a frame.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum FrameError {
    #[error("frame is {0} bytes long, shorter than the {HEADER_LEN}-byte header")]
    TooShort(usize),
    #[error(
        "frame has protocol version {0}, this build speaks version {VERSION}: reload the page or update the relay"
    )]
    WrongVersion(u8),
    #[error(
        "frame kind {0} is unknown (expected 1 snapshot, 2 delta, 3 control, 4 asset or 5 snapshot part): \
         the sender is newer than this build: update the relay, then reload the page"
    )]
    UnknownKind(u8),
}

/// Prefixes `payload` with the header for `kind`.
pub fn encode(kind: FrameKind, payload: &[u8]) -> Vec<u8> {
    let mut frame = Vec::with_capacity(HEADER_LEN + payload.len());
    frame.push(VERSION);
    frame.push(kind as u8);
    frame.extend_from_slice(payload);
    frame
}

/// Splits a frame into its kind and payload, checking the header.
pub fn parse(frame: &[u8]) -> Result<(FrameKind, &[u8]), FrameError> {
    if frame.len() < HEADER_LEN {
        return Err(FrameError::TooShort(frame.len()));
    }
    if frame[0] != VERSION {
        return Err(FrameError::WrongVersion(frame[0]));
    }
    Ok((FrameKind::from_byte(frame[1])?, &frame[HEADER_LEN..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trips_for_every_kind() {
        let kinds =
            [FrameKind::Snapshot, FrameKind::Delta, FrameKind::Control, FrameKind::Asset, FrameKind::SnapshotPart];
        for kind in kinds {
            let frame = encode(kind, b"abc");
            assert_eq!(frame[..2], [VERSION, kind as u8]);
            assert_eq!(parse(&frame), Ok((kind, &b"abc"[..])));
        }
    }

    #[test]
    fn bad_headers_are_named() {
        assert_eq!(parse(&[1]), Err(FrameError::TooShort(1)));
        assert_eq!(parse(&[9, 1]), Err(FrameError::WrongVersion(9)));
        assert_eq!(parse(&[VERSION, 7]), Err(FrameError::UnknownKind(7)));
        assert_eq!(parse(&[VERSION, 0]), Err(FrameError::UnknownKind(0)));
        assert_eq!(parse(&[VERSION, 6]), Err(FrameError::UnknownKind(6)));
    }

    #[test]
    fn a_snapshot_part_is_kind_5() {
        assert_eq!(FrameKind::SnapshotPart as u8, 5);
        assert_eq!(parse(&[VERSION, 5, 0xab]), Ok((FrameKind::SnapshotPart, &[0xab][..])));
        let unknown = FrameError::UnknownKind(6).to_string();
        assert!(unknown.contains("5 snapshot part"), "the error lists every kind: {unknown}");
    }

    #[test]
    fn a_page_loaded_before_version_3_is_told_to_reload() {
        // Version 2's snapshot parts continued the deltas' deflate context with raw ids: read as version 3's,
        // they would be misread, so its frames are refused before their payload is looked at.
        assert_eq!(VERSION, 3);
        let refused = parse(&[2, FrameKind::SnapshotPart as u8, 0xab]).unwrap_err();
        assert_eq!(refused, FrameError::WrongVersion(2));
        assert!(refused.to_string().contains("reload the page"), "{refused}");
    }
}
