//! The support call's test setup: a visitor on `tests/pages/call/` served under the strict CSP
//! (`/strict/`), an agent's viewer, and what a test reads of both — the prompts on the visitor's page, the
//! CSP violations the page saw, the frames the relay sent to an agent (its tap).

use crate::browser::Browser;
use crate::relay::AGENT_NAMES;
use crate::stage::Stage;
use crate::{agent, visitor};
use cobrowse_protocol::FrameKind;
use cobrowse_relay::{ConsentPolicy, Peer, ReceivedFrame};
use serde_json::Value;
use std::time::Duration;
use tokio::sync::broadcast;

/// How long a prompt, a state or a page change may take to show.
pub const SHOW_TIMEOUT: Duration = Duration::from_secs(15);

/// The call's stage, browsers and the relay's tap.
pub struct Call {
    pub stage: Stage,
    pub visitor: Browser,
    pub agent: Browser,
    pub key: String,
    tap: broadcast::Receiver<ReceivedFrame>,
}

impl Call {
    /// A visitor on the strict call page with a running session; the demo site asks consent if `consent`.
    pub async fn start(consent: ConsentPolicy) -> crate::error::Result<Self> {
        let stage = Stage::start_with(|config| config.sites[0].consent = consent).await?;
        let tap = stage.relay.subscribe_frames();
        let visitor_browser = stage.browser("visitor").await?;
        let agent_browser = stage.browser("agent").await?;
        visitor::open(&visitor_browser, &stage.site.strict_page_url("call/index.html")).await?;
        let key = visitor::start_session(&visitor_browser).await?;
        Ok(Call { stage, visitor: visitor_browser, agent: agent_browser, key, tap })
    }

    /// The agent signs in and asks to join, without waiting for the outcome.
    pub async fn agent_asks_to_join(&self) -> crate::error::Result<()> {
        let url = self.stage.relay.agent_url();
        agent::submit_join(&self.agent, &url, AGENT_NAMES[0], crate::relay::AGENT_PASSWORD, &self.key).await
    }

    /// The agent joins and its mirror is live (a site without consent, or one the visitor allowed).
    pub async fn agent_joins(&self) -> crate::error::Result<()> {
        agent::join(&self.agent, &self.stage.relay.agent_url(), AGENT_NAMES[0], &self.key).await
    }

    /// The CSP violations the visitor's current page saw (`window.callPage.violations`).
    pub async fn violations(&self) -> crate::error::Result<Vec<Value>> {
        self.visitor.execute("return (window.callPage && window.callPage.violations) || [];", vec![]).await
    }

    /// Fails with the violations if the visitor's page saw any.
    pub async fn expect_no_violation(&self, when: &str) -> crate::error::Result<()> {
        let violations = self.violations().await?;
        if violations.is_empty() {
            Ok(())
        } else {
            Err(format!("the strict-CSP page saw violations {when}: {violations:?}").into())
        }
    }

    /// The kinds of the frames the relay sent to agent `name` since the last call.
    pub fn frames_sent_to(&mut self, name: &str) -> Vec<FrameKind> {
        let mut kinds = Vec::new();
        while let Ok(frame) = self.tap.try_recv() {
            if frame.from == (Peer::ToAgent { name: name.into() }) {
                if let Ok((kind, _)) = cobrowse_protocol::frame::parse(&frame.bytes) {
                    kinds.push(kind);
                }
            }
        }
        kinds
    }

    /// The text of the element `css` in the agent's mirror, if it is there.
    pub async fn mirror_text(&self, css: &str) -> crate::error::Result<Option<String>> {
        let script = "var d = document.getElementById('cobrowse-mirror').contentDocument; \
                      var e = d && d.querySelector(arguments[0]); return e ? e.textContent : null;";
        self.agent.execute(script, vec![Value::from(css)]).await
    }

    /// Waits until the mirror's `css` element has `text`.
    pub async fn wait_for_mirror_text(&self, css: &str, text: &str) -> crate::error::Result<()> {
        let what = format!("the mirror's {css} saying {text:?}");
        crate::wait::until(&what, SHOW_TIMEOUT, || async {
            Ok((self.mirror_text(css).await?.as_deref() == Some(text)).then_some(()))
        })
        .await
    }

    /// Closes both browsers and stops the stage.
    pub async fn finish(self) -> crate::error::Result<()> {
        crate::browser::save_screenshots(&[&self.visitor, &self.agent]).await?;
        let _ = self.visitor.close().await;
        let _ = self.agent.close().await;
        self.stage.shutdown().await;
        Ok(())
    }
}
