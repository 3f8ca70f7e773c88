//! WebSocket close codes the relay uses, with the reason texts it sends.
//!
//! Standard codes where one fits, application codes (4000–4999) for the rest. The viewer and the shim
//! show the reason to a person, so each says what happened and what to do.

/// Normal end: the visitor or the agent left.
pub const NORMAL: u16 = 1000;
/// A frame could not be parsed (bad header, bad control message, text where binary was expected).
pub const MALFORMED_FRAME: u16 = 1007;
/// A frame was larger than the relay's configured limit.
pub const FRAME_TOO_LARGE: u16 = 1009;
/// The relay is shutting down.
pub const GOING_AWAY: u16 = 1001;

/// The site id is unknown, or the page's origin is not allowed for it.
pub const SITE_NOT_ALLOWED: u16 = 4003;
/// No live session has this key (never issued, ended, or expired).
pub const UNKNOWN_KEY: u16 = 4004;
/// The session key expired before any agent used it.
pub const KEY_EXPIRED: u16 = 4008;
/// The agent's name or password is wrong.
pub const AUTH_FAILED: u16 = 4001;
/// The first message on an agent socket was not a `Join`, or a peer sent a message its role may not send.
pub const UNEXPECTED_MESSAGE: u16 = 4002;
/// The visitor ended the session or left the page.
pub const SESSION_ENDED: u16 = 4010;
/// Nothing was heard from the peer (not even a pong to the relay's pings) within the heartbeat timeout.
pub const PEER_SILENT: u16 = 4011;
/// A resume was refused: the session has ended (or never existed), the secret is wrong, or the page is
/// not on the origin that started the session. The visitor forgets the session; a new one needs a new key.
pub const RESUME_REFUSED: u16 = 4005;
/// The session continues in another tab of the visitor's (a newer tab took it over, or the site keeps
/// sessions to their first tab). The visitor's page waits, and may take it back when it is looked at.
pub const OTHER_TAB: u16 = 4012;
/// Too many join attempts from this address; wait and try again.
pub const TOO_MANY_ATTEMPTS: u16 = 4029;
/// The relay cannot take another session now, or it ended this idle session to free memory for others.
pub const AT_CAPACITY: u16 = 4013;
/// The relay is busy (too many password checks at once): try again in a second.
pub const TRY_AGAIN_LATER: u16 = 1013;
/// The connection sent no first message (`Join`, `Resume`) within the relay's `first_message_secs`.
pub const FIRST_MESSAGE_TIMEOUT: u16 = 4020;
/// The visitor declined to let this agent watch. The agent may not join the session again.
pub const CONSENT_DECLINED: u16 = 4014;
/// The reason of a `CONSENT_DECLINED` close when the visitor let the agent watch, then stopped sharing the
/// page with it (`Control::Dismiss`); the viewer tells it apart from a Decline by it.
pub const STOPPED_SHARING: &str = "the visitor stopped sharing the page with you";
