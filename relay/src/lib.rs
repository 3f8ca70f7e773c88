//! The cobrowse relay: serves the shim, the wasm modules, the agent viewer and the demo site, issues
//! session keys to visitors, signs agents in, and forwards a visitor's page frames to its agents.
//!
//! The relay never decompresses or decodes page content. It reads the two-byte header of each frame
//! (see [`cobrowse_protocol::frame`]) to tell a snapshot from a delta, and it decodes only control
//! messages. A session's latest full state (the last snapshot and the deltas after it) is kept so that an
//! agent who joins late sees the page at once.
//!
//! Start it with [`spawn`]; stop it with [`RelayHandle::shutdown`].
//!
//! Layout, one concept per module:
//! - [`config`]: the TOML configuration and the development default.
//! - `auth`, `gate`, `tokens`, `rate_limit`: agent passwords (argon2, a bounded number checked at once),
//!   session tokens (one password check per sign-in), failed joins per address and account (back-off).
//! - `caps`: what one address or one site may hold open at once.
//! - `budget`, `queue`, `shedding`: the bytes all sessions hold (kept state, agents' queues bounded in
//!   frames and bytes), and ending the sessions idle the longest past `memory_bytes`.
//! - `keys`: session keys and generated passwords.
//! - `kept`, `session`, `registry`: a session's kept state, one live session, all live sessions.
//! - `presence`, `resume`, `keeper`: which visitor connection carries a session (and since when it waits
//!   for the visitor's next page), the secret a returning connection proves itself with, and the task that
//!   ends a session at its deadlines and removes it.
//! - `assets`: a session's content-addressed cache of the visitor's assets (`/assets/...`);
//!   `asset_fetch`, `asset_offers`: the files a visitor offers, fetched by the relay itself (no cookies,
//!   public addresses only) so the visitor uploads only what the relay could not get; `client_tls`: the
//!   rustls setup of the relay's outbound HTTPS (these fetches and the webhooks); `web_origin`: an
//!   origin read from a URL, an `Origin` header or a config entry.
//! - `visitor`, `agent`: the two WebSocket handlers; `frames`: reading binary frames within the size
//!   limit; `close`: ending a socket with a readable reason.
//! - `upgrade`, `websocket`: the WebSocket upgrade and socket, with buffers sized for many sockets.
//! - `state`: what the handlers share; `routes`: the warp filters; `tls`, `server`: the accept loop;
//!   `connections`: the cap on connections, their first-byte and idle timeouts; `first_bytes`: waiting
//!   for a TLS connection's first bytes of HTTP;
//!   `shutdown`: stopping it all.
//! - `redirect`: the plain-HTTP listener that sends browsers to HTTPS; `dev_cert`: `--dev-tls`'s
//!   self-signed certificate; `proxies`: whom a trusted reverse proxy forwards (`X-Forwarded-For`);
//!   `path_limits`: paths too long to serve; `logging`: text or JSON log lines, attacker strings bounded.
//! - `heartbeat`: pings to every peer, and closing a socket silent for too long.
//! - `tap`: every received frame, for audits and tests.
//! - `cluster`: many relays as one service through Redis (`--redis`, `[cluster]`); alone by default.
//! - `metrics`: what `/metrics` shows; `events`: what happens to sessions and agents, for `audit` (the
//!   JSON-lines audit log) and `webhooks` (the same events POSTed to a site, signed).

mod agent;
mod asset_fetch;
mod asset_offers;
mod assets;
mod audit;
mod auth;
mod budget;
mod call;
mod caps;
mod carried;
mod client_tls;
mod close;
mod cluster;
pub mod config;
mod connections;
mod dev_cert;
mod events;
mod first_bytes;
mod frames;
mod gate;
mod heartbeat;
mod keeper;
mod kept;
mod keys;
pub mod logging;
mod metrics;
mod path_limits;
mod presence;
mod proxies;
mod queue;
mod rate_limit;
mod redirect;
mod registry;
mod resume;
mod routes;
mod server;
mod session;
mod shedding;
mod shutdown;
mod state;
mod tap;
mod tls;
mod tokens;
mod upgrade;
mod visitor;
mod web_origin;
mod webhooks;
mod websocket;

pub use auth::{hash_password, AuthError};
pub use config::{
    AgentAccount, AuditConfig, ClusterConfig, Config, ConfigError, ConsentPolicy, ControlPolicy, Limits,
    RedirectListen, SiteConfig, TabPolicy, TlsConfig, WebhookConfig,
};
pub use connections::{TLS_REFUSALS_AT_ONCE, TLS_REFUSAL_TIMEOUT};
pub use dev_cert::{default_dev_cert_dir, dev_certificate, DevCertError, DevCertificate, DEV_CERT_NAMES};
pub use keys::generate_password;
pub use logging::LogFormat;
pub use proxies::Cidr;
pub use server::{spawn, spawn_with, Listen, RelayHandle, ServeError};
pub use tap::{Peer, ReceivedFrame};
pub use tls::{fingerprint, TlsError};
