//! What happens to sessions and agents, as events for the audit log (`audit.rs`) and the sites' webhooks
//! (`webhooks.rs`): one JSON object per event, written as one line of the log and POSTed as one body.
//!
//! ```json
//! {"time":"2026-12-01T10:30:28.123Z","event":"agent_joined","site":"shop","session":"3f9a0c5e21d4b7a8","agent":"ana"}
//! ```
//!
//! What an event never holds: a session key (the `session` reference is a hash of the session's random
//! asset token, which reveals neither the key nor the token), a password, a resume secret, or anything of
//! the page. Names an agent typed are cut to [`MAX_NAME_BYTES`].
//!
//! [`Events::record`] never waits: the audit log and each webhook have a bounded queue, and an event that
//! finds one full is dropped and counted (`cobrowse_audit_events_dropped_total`,
//! `cobrowse_webhook_events_dropped_total`).

use crate::audit::AuditLog;
use crate::config::Config;
use crate::metrics::Metrics;
use crate::session::Session;
use crate::webhooks::Webhooks;
use bytes::Bytes;
use cobrowse_protocol::MaskingRules;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::SystemTime;

/// The most bytes of an agent's name an event keeps (a name comes from the client before it signs in).
pub(crate) const MAX_NAME_BYTES: usize = 64;

/// One event: when, where, who, and what.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Event {
    /// RFC 3339, UTC, to the millisecond; stamped by [`Events::record`].
    time: String,
    #[serde(flatten)]
    what: What,
    #[serde(skip_serializing_if = "Option::is_none")]
    site: Option<String>,
    /// A short reference to the session that is not its key (see the module doc).
    #[serde(skip_serializing_if = "Option::is_none")]
    session: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    agent: Option<String>,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub(crate) enum What {
    /// A visitor opened a session; the SHA-256 of the masking rules it was sent (postcard, as on the wire).
    SessionStarted { masking_sha256: String },
    /// A visitor's next page or reconnection resumed the session, with these masking rules.
    SessionResumed { masking_sha256: String },
    /// The session ended for everyone: the close code and reason its peers were given.
    SessionEnded { code: u16, reason: String },
    /// An agent started watching.
    AgentJoined,
    /// An agent stopped watching.
    AgentLeft,
    /// An agent was refused: a wrong password, an unknown key, too many attempts, declined earlier.
    AgentRefused { reason: String },
    /// The visitor allowed or declined an agent.
    ConsentDecided { allowed: bool },
    /// The visitor stopped sharing the page with an agent that was watching (its widget's Stop sharing).
    ConsentWithdrawn,
    /// The visitor granted or refused an agent's request for control of the page.
    ControlDecided { granted: bool },
    /// The visitor took control back from the agent holding it.
    ControlTakenBack,
}

impl Event {
    /// An event of `session`.
    pub fn of(session: &Session, what: What) -> Event {
        Event {
            time: String::new(),
            what,
            site: Some(session.site_id().to_owned()),
            session: Some(session_ref(session.asset_token())),
            agent: None,
        }
    }

    /// An event of no known session (an agent refused before its key was found).
    pub fn outside_sessions(what: What) -> Event {
        Event { time: String::new(), what, site: None, session: None, agent: None }
    }

    /// The same event, naming the agent (cut to [`MAX_NAME_BYTES`]).
    pub fn agent(mut self, name: &str) -> Event {
        self.agent = Some(cut(name, MAX_NAME_BYTES).to_owned());
        self
    }
}

/// Where events go: the audit log (if configured) and the sites' webhooks (those configured).
pub(crate) struct Events {
    audit: Option<AuditLog>,
    webhooks: Webhooks,
}

impl Events {
    /// Opens the audit log and starts the webhooks' delivery tasks (on the current tokio runtime).
    pub fn start(config: &Config, metrics: &Arc<Metrics>) -> std::io::Result<Events> {
        let audit = config.audit.as_ref().map(|audit| AuditLog::open(audit, metrics.clone())).transpose()?;
        Ok(Events { audit, webhooks: Webhooks::start(&config.sites, metrics.clone())? })
    }

    /// Stamps `event` with the time and hands it to the audit log and its site's webhook, without waiting.
    pub fn record(&self, mut event: Event) {
        event.time = humantime::format_rfc3339_millis(SystemTime::now()).to_string();
        let json = serde_json::to_string(&event).expect("an event is always valid JSON");
        if let Some(site) = event.site.as_deref() {
            self.webhooks.send(site, Bytes::from(json.clone()));
        }
        if let Some(audit) = &self.audit {
            audit.write(json);
        }
    }

    /// Something that reopens the audit log's file (after it was moved away), if there is one.
    pub fn audit_reopener(&self) -> Option<crate::audit::Reopener> {
        self.audit.as_ref().map(AuditLog::reopener)
    }
}

/// A session's reference in events: 16 hex digits of a hash of its random 128-bit asset token.
pub(crate) fn session_ref(asset_token: &str) -> String {
    let digest = Sha256::new().chain_update(b"cobrowse session reference\0").chain_update(asset_token).finalize();
    digest[..8].iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The SHA-256 (hex) of a site's masking rules as the visitor receives them (postcard).
pub(crate) fn masking_sha256(masking: &MaskingRules) -> String {
    let encoded = postcard::to_allocvec(masking).expect("masking rules always encode");
    Sha256::digest(&encoded).iter().map(|byte| format!("{byte:02x}")).collect()
}

/// `text` cut to at most `max` bytes, at a character boundary.
fn cut(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_is_one_json_object_with_its_kind_and_no_empty_fields() {
        let mut event = Event::outside_sessions(What::AgentRefused { reason: "unknown key".into() }).agent("ana");
        event.time = "2026-12-01T10:00:00.000Z".into();
        assert_eq!(
            serde_json::to_string(&event).unwrap(),
            r#"{"time":"2026-12-01T10:00:00.000Z","event":"agent_refused","reason":"unknown key","agent":"ana"}"#
        );
    }

    #[test]
    fn a_long_name_is_cut_at_a_character_boundary() {
        let event = Event::outside_sessions(What::AgentLeft).agent(&"é".repeat(100));
        assert_eq!(event.agent.unwrap().len(), 64);
    }

    #[test]
    fn session_references_are_short_stable_and_differ_by_token() {
        assert_eq!(session_ref("abc"), session_ref("abc"));
        assert_ne!(session_ref("abc"), session_ref("abd"));
        assert_eq!(session_ref("abc").len(), 16);
    }

    #[test]
    fn the_masking_hash_changes_with_the_rules() {
        let none = masking_sha256(&MaskingRules::default());
        let some = masking_sha256(&MaskingRules { mask_all_text: true, ..MaskingRules::default() });
        assert_eq!(none.len(), 64);
        assert_ne!(none, some);
    }
}
