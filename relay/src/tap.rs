//! The tap: every frame the relay receives, from any peer, as received — and every frame it sends to an
//! agent (`Peer::ToAgent`), so a test or an audit can check what reached whom (nothing of the page
//! reaches an agent the visitor has not allowed).
//!
//! Audits and leak tests subscribe to it to check what reached the relay (for instance, that a masked
//! value never did). Publishing costs nothing when nobody listens, and a slow listener only loses its own
//! oldest frames: it never slows a session.
//!
//! A visitor's frame is published once the relay has handled it, so a listener that sees a page frame
//! knows the session has kept and queued it. Every frame is published as received, but one: an agent's
//! first frame, its `Join`, is decoded and re-encoded with the password blanked (so its bytes differ from
//! those received): the tap never carries a credential.

use bytes::Bytes;
use tokio::sync::broadcast;

/// How many frames a subscriber may fall behind before it starts losing the oldest.
const CAPACITY: usize = 65_536;

/// Who sent a frame to the relay, or (`ToAgent`) which agent the relay sent it to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Peer {
    Visitor,
    Agent {
        name: String,
    },
    /// Sent by the relay to the agent signed in as `name`.
    ToAgent {
        name: String,
    },
}

/// A frame as the relay received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedFrame {
    /// The session it belongs to (for an agent's `Join`, the key it asks for, checked or not).
    pub session_key: String,
    pub from: Peer,
    /// The message exactly as received, header included.
    pub bytes: Bytes,
}

#[derive(Clone)]
pub(crate) struct Tap {
    sender: broadcast::Sender<ReceivedFrame>,
}

impl Tap {
    pub fn new() -> Tap {
        Tap { sender: broadcast::channel(CAPACITY).0 }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<ReceivedFrame> {
        self.sender.subscribe()
    }

    pub fn publish(&self, session_key: &str, from: &Peer, bytes: &Bytes) {
        if self.sender.receiver_count() == 0 {
            return;
        }
        let frame = ReceivedFrame { session_key: session_key.to_owned(), from: from.clone(), bytes: bytes.clone() };
        // An error only means every subscriber left meanwhile.
        let _ = self.sender.send(frame);
    }
}
