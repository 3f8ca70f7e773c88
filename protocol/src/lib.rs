//! The cobrowse wire protocol, free of IO.
//!
//! Everything that crosses a WebSocket between a visitor, the relay and an agent is defined here, so the
//! three parts agree by construction and the whole protocol can be tested natively: `tests/hostile.rs`
//! feeds the decoders arbitrary bytes (proptest), and `fuzz/` (cargo-fuzz) drives them directly.
//!
//! A WebSocket binary message is one *frame*: a two-byte header (see [`frame`]) and a payload.
//! - Page content ([`page::Snapshot`], [`page::Delta`]) is postcard-encoded, then deflated by a
//!   [`codec::Compressor`] whose context lasts across a connection's messages and is reset at every full
//!   snapshot; a snapshot's node ids travel as differences from the expected id ([`wire_ids`]). A sliced
//!   snapshot's later parts are deltas framed as [`FrameKind::SnapshotPart`]. The relay forwards these
//!   frames without decompressing them.
//! - Control messages ([`control::Control`]) are postcard-encoded and not compressed: the relay reads them.
//! - Asset uploads ([`asset::AssetUpload`]) are postcard-encoded and not compressed: the relay stores them.
//!
//! [`message`] ties the layers together: [`message::Encoder`] for senders, [`message::Decoder`] for receivers.

pub mod asset;
pub mod call;
pub mod close;
pub mod codec;
pub mod control;
pub mod deflate;
pub mod depth;
pub mod frame;
pub mod markup;
pub mod masking;
pub mod message;
pub mod page;
pub mod payload;
pub mod reader;
pub mod wire_ids;

pub use asset::AssetUpload;
pub use call::{AgentId, AgentInfo, RemoteInput};
pub use control::{Control, ToVisitor};
pub use depth::MAX_DEPTH;
pub use frame::{FrameError, FrameKind};
pub use masking::MaskingRules;
pub use message::{DecodeError, Decoder, Encoder, Message};
pub use page::{
    Attribute, Child, Delta, Element, Event, Extras, FormState, Image, MediaState, Namespace, Node, NodeId, NodeKind,
    Point, Root, Rules, Selection, Size, Snapshot, Value, MASK_TEXT,
};
