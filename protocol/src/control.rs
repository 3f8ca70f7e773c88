//! Control messages: the small, uncompressed messages the relay reads and writes itself.
//!
//! They never carry page content, so the relay can decode them without seeing anything masked or not.

use crate::masking::MaskingRules;
use serde::{Deserialize, Serialize};

/// A control message, in either direction. Each variant says who sends it to whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Control {
    /// relay → visitor: the session exists (or was resumed); read this key to the agent. `masking` is the
    /// site's rules, which the visitor applies before it sends anything. `secret` is the resume secret (hex,
    /// 256 bits from the relay's CSPRNG) on a new session, empty on a resumed one: only the visitor's
    /// browser keeps it, and only `Resume` carries it back. `agents` is how many watch now.
    SessionStarted { key: String, masking: MaskingRules, secret: String, agents: u32 },
    /// relay → visitor: an agent joined; `agents` is how many watch now.
    AgentJoined { name: String, agents: u32 },
    /// relay → visitor: an agent left; `agents` is how many watch now.
    AgentLeft { name: String, agents: u32 },
    /// relay → visitor: send a fresh full snapshot (an agent lagged, or the kept state grew too long).
    SnapshotRequested,
    /// visitor → relay: the visitor pressed End.
    EndSession,
    /// agent → relay, the first message on an agent socket: sign in and join the session with this key.
    Join { name: String, password: String, key: String },
    /// relay → agent: joined; the session's latest full state follows at once.
    Joined { key: String },
    /// agent → relay: the mirror could not apply a frame; ask the visitor for a fresh snapshot.
    MirrorOutOfStep,
    /// relay → agent: the resource the visitor's page calls `url` (an absolute URL) is served by the relay
    /// at `path` (`/assets/{session token}/{sha-256 hex}`); the mirror loads it from there. Sent before the
    /// kept snapshot to an agent who joins late.
    Asset { url: String, path: String },
    /// visitor → relay, the first message on `/ws/visitor?site=SITE&tab=TAB&resume=1`: continue the session
    /// with this key (after a page load, a reload, a dropped connection, or in another tab). The relay
    /// answers `SessionStarted` with an empty `secret`, or closes with `close::RESUME_REFUSED`.
    Resume { key: String, secret: String },
    /// relay → agent: the visitor's page is gone for now. `navigating`: it closed its connection to load
    /// another page (or the same one again); otherwise the connection dropped. The session waits for it
    /// for the relay's grace period; the next page comes as a fresh snapshot.
    VisitorAway { navigating: bool },
    /// relay → agent: the session follows the visitor's tab number `tab` (1 is the first tab the session
    /// saw). Sent on joining and whenever a page of the visitor (re)connects, before its snapshot.
    VisitorTab { tab: u32 },
}

/// The control messages a visitor receives: the first variants of [`Control`], in the same order, so that
/// a visitor decodes exactly what the relay encoded as a [`Control`] — without carrying the code that
/// decodes what only agents and the relay receive (the visitor's download is kept small). A variant it does
/// not know fails to decode and is ignored.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub enum ToVisitor {
    /// See [`Control::SessionStarted`].
    SessionStarted { key: String, masking: MaskingRules, secret: String, agents: u32 },
    /// See [`Control::AgentJoined`].
    AgentJoined { name: String, agents: u32 },
    /// See [`Control::AgentLeft`].
    AgentLeft { name: String, agents: u32 },
    /// See [`Control::SnapshotRequested`].
    SnapshotRequested,
}
