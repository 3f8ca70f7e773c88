//! Control messages: the small, uncompressed messages the relay reads and writes itself.
//!
//! They never carry page content, so the relay can decode them without seeing anything masked or not.

use crate::call::{AgentId, AgentInfo, RemoteInput};
use crate::masking::MaskingRules;
use crate::page::{NodeId, Point};
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
    /// relay → agent: joined; the session's latest full state follows at once. `agent` is this
    /// connection's number in the session (how `Agents` and `ControlHolder` name it).
    Joined { key: String, agent: AgentId },
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

    // The support call (see `call.rs`). An agent's messages name the agent as `NOBODY`: the relay fills in
    // the sender before it forwards them.
    /// relay → visitor: an agent signed in to join; show `name` with Allow / Deny. Sent again to every new
    /// page of the session while the visitor has not answered.
    ConsentAsked { agent: AgentId, name: String },
    /// visitor → relay: the visitor's answer to `ConsentAsked`. An agent allowed once stays allowed for the
    /// rest of the session (by its account, across its reconnections and the visitor's pages).
    ConsentAnswer { agent: AgentId, allow: bool },
    /// relay → agent, instead of `Joined`: signed in; the session waits for the visitor's consent. No
    /// page content reaches the agent before the visitor allows it (`Joined` follows then).
    AwaitingConsent,
    /// relay → agent: the visitor declined; the relay closes with `close::CONSENT_DECLINED`.
    ConsentDeclined,
    /// relay → visitor and agents: who watches now (the agents the visitor allowed), sent whenever it
    /// changes, to every new agent, and to every new page while an agent watches, waits or controls.
    Agents { agents: Vec<AgentInfo> },
    /// agent → relay → visitor (and the other agents): the agent's pointer at `at` in the visitor's
    /// document, or gone (`None`: it left the mirror).
    Pointer { agent: AgentId, at: Option<Point> },
    /// agent → relay → visitor: "look here" on the element `node` (the visitor's node id), which the
    /// agent saw at `at` (document coordinates; the visitor finds it there, see `RemoteInput`).
    Highlight { agent: AgentId, node: NodeId, at: Point },
    /// agent → relay → visitor: a freehand stroke's next points (document coordinates); `start` begins a
    /// new stroke. Strokes fade by themselves.
    Draw { agent: AgentId, start: bool, points: Vec<Point> },
    /// agent → relay → visitor: the agent asks for control; `name` is filled in by the relay. The relay
    /// refuses it itself (`ControlRefused`) when the site never allows it or another agent has control.
    ControlRequest { agent: AgentId, name: String },
    /// visitor → relay: the visitor's answer to `ControlRequest`.
    ControlAnswer { agent: AgentId, allow: bool },
    /// relay → visitor and agents: `agent` controls the page now (`NOBODY`: no one). Sent whenever it
    /// changes and to every new page and agent; control lasts across the visitor's pages.
    ControlHolder { agent: AgentId },
    /// agent → relay: gives control back. visitor → relay: takes control back (its button or Esc).
    ControlRelease,
    /// relay → agent, or visitor → relay → agent `agent`: a request or an input was refused; `reason` says
    /// why, for a person ("the visitor declined", "the field is masked: only the visitor types in it").
    ControlRefused { agent: AgentId, reason: String },
    /// agent → relay → visitor: what the agent in control does. The relay forwards only the inputs of the
    /// agent that holds control, and names it.
    Input { agent: AgentId, input: RemoteInput },
    /// relay → visitor: the agent's `ConsentAsked` or `ControlRequest` is void (the agent left, or gave
    /// up): take its prompt away.
    Withdrawn { agent: AgentId },

    // Agent sign-in tokens and the visitor's Stop sharing (after the call's messages, so every earlier
    // variant keeps its number).
    /// 27, agent → relay, instead of `Join`, the first message on an agent socket: join the session with
    /// this key, signed in by the token of an earlier `SignedIn` (no password, so no password check).
    JoinWithToken { token: String, key: String },
    /// 28, visitor → relay: the visitor stops sharing the page with the watching agent `agent` (its Stop
    /// sharing button in the widget): the relay closes that agent with `close::CONSENT_DECLINED` and the
    /// reason `close::STOPPED_SHARING`, declines its account for the rest of the session (a rejoin is refused
    /// without asking), ends its control if it held it, and tells everyone the new `Agents`.
    Dismiss { agent: AgentId },
    /// 29, relay → agent, after a `Join` whose password was right (before `Joined` or `AwaitingConsent`): a
    /// session token (32 hex digits, 128 random bits) valid for `valid_secs` seconds; send it with
    /// `JoinWithToken` instead of the password. Keep it like a password (the viewer keeps it in
    /// `sessionStorage`, for its tab only).
    SignedIn { token: String, valid_secs: u32 },

    // The asset uploader's messages: a public file is fetched by the relay, not uploaded by the visitor.
    /// 30, visitor → relay: the visitor's page loads `url` (absolute, on the page's own origin) and holds
    /// these bytes for it (`sha256`: their SHA-256, 64 lower-case hex digits). The relay fetches the URL
    /// itself, without the visitor's cookies; if it gets the same bytes it stores and announces them as if
    /// uploaded (`Asset`). Otherwise (an error, a redirect, other bytes, a URL it may not fetch) it answers
    /// `AssetWanted`, and the visitor uploads the bytes as before. The visitor's upstream carries a URL and
    /// a hash, not the file, for everything the public can read.
    AssetOffer { url: String, sha256: String },
    /// 31, relay → visitor: upload the file offered at `url` (an `AssetUpload` frame): the relay could not
    /// get the same bytes from the URL.
    AssetWanted { url: String },
}

impl Control {
    /// The variant's name, never its fields (a `Join` carries a password, an `Input` what an agent typed):
    /// for logs and error messages.
    pub fn name(&self) -> &'static str {
        match self {
            Control::SessionStarted { .. } => "SessionStarted",
            Control::AgentJoined { .. } => "AgentJoined",
            Control::AgentLeft { .. } => "AgentLeft",
            Control::SnapshotRequested => "SnapshotRequested",
            Control::EndSession => "EndSession",
            Control::Join { .. } => "Join",
            Control::Joined { .. } => "Joined",
            Control::MirrorOutOfStep => "MirrorOutOfStep",
            Control::Asset { .. } => "Asset",
            Control::Resume { .. } => "Resume",
            Control::VisitorAway { .. } => "VisitorAway",
            Control::VisitorTab { .. } => "VisitorTab",
            Control::ConsentAsked { .. } => "ConsentAsked",
            Control::ConsentAnswer { .. } => "ConsentAnswer",
            Control::AwaitingConsent => "AwaitingConsent",
            Control::ConsentDeclined => "ConsentDeclined",
            Control::Agents { .. } => "Agents",
            Control::Pointer { .. } => "Pointer",
            Control::Highlight { .. } => "Highlight",
            Control::Draw { .. } => "Draw",
            Control::ControlRequest { .. } => "ControlRequest",
            Control::ControlAnswer { .. } => "ControlAnswer",
            Control::ControlHolder { .. } => "ControlHolder",
            Control::ControlRelease => "ControlRelease",
            Control::ControlRefused { .. } => "ControlRefused",
            Control::Input { .. } => "Input",
            Control::Withdrawn { .. } => "Withdrawn",
            Control::JoinWithToken { .. } => "JoinWithToken",
            Control::Dismiss { .. } => "Dismiss",
            Control::SignedIn { .. } => "SignedIn",
            Control::AssetOffer { .. } => "AssetOffer",
            Control::AssetWanted { .. } => "AssetWanted",
        }
    }
}

/// The control messages a visitor's wasm receives: the first variants of [`Control`], in the same order, so
/// that a visitor decodes exactly what the relay encoded as a [`Control`] — without carrying the code that
/// decodes what only agents and the relay receive (the visitor's download is kept small). A variant it does
/// not know fails to decode and is ignored. The support call's messages (from [`Control::ConsentAsked`]
/// on) are not decoded by the wasm: it hands their bytes to the shim's call module (see
/// [`crate::message::is_call_message`]).
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
