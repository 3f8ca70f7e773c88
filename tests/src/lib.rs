//! End-to-end test harness for cobrowse: real headless Chromium (through chromedriver and fantoccini) as
//! the visitor and the agents, the real relay in this process, and the visitor's site on its own origin.
//!
//! One concept per module:
//! - [`paths`]: the workspace, `www/`, the test pages, the built wasm (and the "build it first" check).
//! - [`ports`], [`wait`]: free loopback ports, polling with a deadline.
//! - [`chromedriver`], [`browser`]: the WebDriver server and one Chromium each.
//! - [`relay`], [`site`], [`stage`]: the relay, the visitor's site, and both with chromedriver.
//! - Several relay nodes: [`redis`] (their engine), [`killable`] (a node a test can kill) and [`balancer`]
//!   (a load balancer in front of them).
//! - [`visitor`], [`agent`]: what a visitor's page and an agent's viewer do.
//! - [`tree`], [`compare`], [`mirror`]: canonical trees of the page and the mirror, their differences, and
//!   the polling assertion that they agree.
//! - [`mutations`]: seeded random DOM changes.
//! - [`corpus`], [`cdn`]: the fidelity test's site (the rrweb-snapshot corpus and `pages/fidelity/`, with
//!   cookie-protected assets) and a third origin that grants CORS to that site only (also the CDN of
//!   `tests/asset_fetch.rs`).
//! - [`structure`], [`pixels`], [`fidelity`], [`fidelity_table`], [`limitations`]: the structure match and
//!   differing pixels of a mirror, one measurement of a page and its interaction, the results table and
//!   verdicts, and the README's known limitations; [`probe`]: one script on both documents, whose answers
//!   must agree (the focused tests of pages lost today).
//! - [`frames`]: recording and decoding what the relay received, for leak tests.
//! - [`leaks`]: the masking leak suite's sentinels, searches, scenarios and rules.
//! - Session continuity: [`proxy`] (a loopback TCP proxy a test can cut and restore), [`cdp`] (DevTools
//!   commands through chromedriver), [`tabs`] (tabs of one browser and which one is looked at),
//!   [`status_history`] (every state the viewer showed), [`agent_frames`] (what the viewer received), [`stored_session`] (the shim's `{key, secret}` in
//!   `sessionStorage`), [`page_log`] (what the continuity pages record across loads), [`raw_resume`] (a resume on the wire,
//!   without the shim),
//!   [`continuity_settings`] (the relay's grace, idle limit and tab policy) and [`continuity`] (a watched
//!   session and the check that it goes on).
//! - The support call: [`call`] (a visitor on the strict-CSP call page, an agent, the prompts, the CSP
//!   violations and the frames the relay sent to an agent).

pub mod agent;
pub mod agent_frames;
pub mod balancer;
pub mod browser;
pub mod call;
pub mod cdn;
pub mod cdp;
pub mod chromedriver;
pub mod compare;
pub mod continuity;
pub mod continuity_settings;
pub mod corpus;
pub mod error;
pub mod fidelity;
pub mod fidelity_table;
pub mod frames;
pub mod killable;
pub mod leaks;
pub mod limitations;
pub mod mirror;
pub mod mutations;
pub mod page_log;
pub mod paths;
pub mod pixels;
pub mod ports;
pub mod probe;
pub mod proxy;
pub mod raw_resume;
pub mod redis;
pub mod relay;
pub mod site;
pub mod stage;
pub mod status_history;
pub mod stored_session;
pub mod structure;
pub mod tabs;
pub mod tree;
pub mod visitor;
pub mod wait;

pub use browser::Browser;
pub use chromedriver::ChromeDriver;
pub use relay::Relay;
pub use site::Site;
pub use stage::Stage;

pub use error::{step, Error, Result};
