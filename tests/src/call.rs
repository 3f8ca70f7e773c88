//! The support call's test setup: a visitor on `tests/pages/call/` served under the strict CSP
//! (`/strict/`), an agent's viewer, and what a test reads of both — the prompts on the visitor's page, the
//! CSP violations the page saw, the frames the relay sent to an agent (its tap).

use crate::browser::Browser;
use crate::relay::AGENT_NAMES;
use crate::stage::Stage;
use crate::{agent, visitor};
use cobrowse_protocol::FrameKind;
use cobrowse_relay::{ConsentPolicy, Peer, ReceivedFrame};
use fantoccini::actions::{
    InputSource, KeyAction, KeyActions, MouseActions, PointerAction, WheelAction, WheelActions, MOUSE_BUTTON_LEFT,
};
use serde::Deserialize;
use serde_json::{json, Value};
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
        Self::start_on("strict", consent).await
    }

    /// As [`Call::start`], with the call page served without a CSP (`/pages/`): for the benchmarks, whose
    /// pages also talk to a baseline server of their own.
    pub async fn start_without_csp(consent: ConsentPolicy) -> crate::error::Result<Self> {
        Self::start_on("pages", consent).await
    }

    async fn start_on(folder: &str, consent: ConsentPolicy) -> crate::error::Result<Self> {
        let stage = Stage::start_with(|config| config.sites[0].consent = consent).await?;
        let tap = stage.relay.subscribe_frames();
        let visitor_browser = stage.browser("visitor").await?;
        let agent_browser = stage.browser("agent").await?;
        visitor::open(&visitor_browser, &format!("{}/{folder}/call/index.html", stage.site.origin())).await?;
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

    /// A second agent (`AGENT_NAMES[1]`) joins in a browser of its own, and its mirror is live (a site
    /// without consent). The caller closes the browser.
    pub async fn second_agent_joins(&self) -> crate::error::Result<Browser> {
        let browser = self.stage.browser("agent ben").await?;
        agent::join(&browser, &self.stage.relay.agent_url(), AGENT_NAMES[1], &self.key).await?;
        Ok(browser)
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
        mirror_text_in(&self.agent, css).await
    }

    /// Waits until the mirror's `css` element has `text`.
    pub async fn wait_for_mirror_text(&self, css: &str, text: &str) -> crate::error::Result<()> {
        wait_for_mirror_text_in(&self.agent, css, text).await
    }

    /// Where the centre of the mirror's `css` element is in the viewer's window (the mirror is scaled to
    /// fit), in CSS pixels.
    pub async fn mirror_point(&self, css: &str) -> crate::error::Result<(f64, f64)> {
        #[derive(Deserialize)]
        struct Point {
            x: f64,
            y: f64,
        }
        let script = r#"
            var f = document.getElementById('cobrowse-mirror'), d = f && f.contentDocument;
            var e = d && d.querySelector(arguments[0]);
            if (!e) return null;
            var r = e.getBoundingClientRect(), box = f.getBoundingClientRect();
            var sx = box.width / (f.offsetWidth || box.width), sy = box.height / (f.offsetHeight || box.height);
            return { x: box.left + (f.clientLeft + r.left + r.width / 2) * sx,
                     y: box.top + (f.clientTop + r.top + r.height / 2) * sy };
        "#;
        let point: Option<Point> = self.agent.execute(script, vec![json!(css)]).await?;
        let point = point.ok_or_else(|| format!("agent: the mirror has no {css}"))?;
        Ok((point.x, point.y))
    }

    /// Moves the agent's mouse over the mirror's `css` element.
    pub async fn agent_hovers(&self, css: &str) -> crate::error::Result<()> {
        let (x, y) = self.mirror_point(css).await?;
        let moves = MouseActions::new("agent-mouse".into())
            .then(PointerAction::MoveTo { duration: Some(Duration::from_millis(100)), x: x - 30.0, y })
            .then(PointerAction::MoveTo { duration: Some(Duration::from_millis(100)), x, y });
        self.perform(moves, &format!("move over the mirror's {css}")).await
    }

    /// Clicks the mirror's `css` element with the agent's mouse, as the agent would.
    pub async fn agent_clicks(&self, css: &str) -> crate::error::Result<()> {
        let (x, y) = self.mirror_point(css).await?;
        let click = MouseActions::new("agent-mouse".into())
            .then(PointerAction::MoveTo { duration: None, x, y })
            .then(PointerAction::Down { button: MOUSE_BUTTON_LEFT })
            .then(PointerAction::Up { button: MOUSE_BUTTON_LEFT });
        self.perform(click, &format!("click the mirror's {css}")).await
    }

    /// Drags the agent's mouse across the mirror's `css` element, from its left to its right (a stroke with
    /// the draw tool).
    pub async fn agent_drags_across(&self, css: &str) -> crate::error::Result<()> {
        let (x, y) = self.mirror_point(css).await?;
        let mut drag = MouseActions::new("agent-mouse".into())
            .then(PointerAction::MoveTo { duration: None, x: x - 40.0, y })
            .then(PointerAction::Down { button: MOUSE_BUTTON_LEFT });
        for step in 1..=8 {
            let at = x - 40.0 + f64::from(step) * 10.0;
            drag = drag.then(PointerAction::MoveTo {
                duration: Some(Duration::from_millis(30)),
                x: at,
                y: y + f64::from(step),
            });
        }
        let drag = drag.then(PointerAction::Up { button: MOUSE_BUTTON_LEFT });
        self.perform(drag, &format!("drag across the mirror's {css}")).await
    }

    /// Turns the agent's mouse wheel by `delta_y` pixels over the mirror's `css` element.
    pub async fn agent_scrolls_over(&self, css: &str, delta_y: i64) -> crate::error::Result<()> {
        let (x, y) = self.mirror_point(css).await?;
        let wheel = WheelActions::new("agent-wheel".into()).then(WheelAction::Scroll {
            duration: None,
            x: x as i64,
            y: y as i64,
            delta_x: 0,
            delta_y,
        });
        self.perform(wheel, &format!("scroll over the mirror's {css}")).await
    }

    /// Presses one key (a `fantoccini::key::Key` as a char, e.g. Tab) on the agent's keyboard.
    pub async fn agent_presses_key(&self, key: char) -> crate::error::Result<()> {
        let keys = KeyActions::new("agent-keyboard".into())
            .then(KeyAction::Down { value: key })
            .then(KeyAction::Up { value: key });
        self.perform(keys, "press a key").await
    }

    /// Types `text` on the agent's keyboard, into whatever has the focus in the viewer.
    pub async fn agent_types(&self, text: &str) -> crate::error::Result<()> {
        let mut keys = KeyActions::new("agent-keyboard".into());
        for character in text.chars() {
            keys = keys.then(KeyAction::Down { value: character }).then(KeyAction::Up { value: character });
        }
        self.perform(keys, &format!("type {text:?}")).await
    }

    /// Pastes `text` from the agent's clipboard where the viewer has the focus (a `paste` event with that
    /// text, as the browser fires it for Ctrl+V; headless Chromium has no clipboard to fill).
    pub async fn agent_pastes(&self, text: &str) -> crate::error::Result<()> {
        let script = "var data = new DataTransfer(); data.setData('text/plain', arguments[0]); \
                      var target = document.activeElement || document.body; \
                      target.dispatchEvent(new ClipboardEvent('paste', {clipboardData: data, bubbles: true, cancelable: true})); \
                      return target.id || target.tagName;";
        let _: Value = self.agent.execute(script, vec![text.into()]).await?;
        Ok(())
    }

    async fn perform(&self, actions: impl Into<fantoccini::actions::Actions>, what: &str) -> crate::error::Result<()> {
        self.agent.client().perform_actions(actions).await.map_err(|error| format!("agent: cannot {what}: {error}"))?;
        Ok(())
    }

    /// Clicks the viewer's button `css` (a tool, `#request-control`, ...).
    pub async fn agent_presses(&self, css: &str) -> crate::error::Result<()> {
        self.agent.click(css).await
    }

    /// The viewer's `#cobrowse-status[data-control]`.
    pub async fn control_state(&self) -> crate::error::Result<Option<String>> {
        let script = "var s = document.getElementById('cobrowse-status'); return s && s.getAttribute('data-control');";
        self.agent.execute(script, vec![]).await
    }

    /// Waits until the viewer's `data-control` is `wanted`.
    pub async fn wait_for_control_state(&self, wanted: &str) -> crate::error::Result<()> {
        let what = format!("agent: #cobrowse-status[data-control={wanted}]");
        let found = crate::wait::until(&what, SHOW_TIMEOUT, || async {
            Ok((self.control_state().await?.as_deref() == Some(wanted)).then_some(()))
        })
        .await;
        if found.is_err() {
            let status = agent::status(&self.agent).await.unwrap_or_default();
            return Err(format!(
                "{what} did not come: data-control {:?}, status {:?}",
                self.control_state().await?,
                status.text
            )
            .into());
        }
        Ok(())
    }

    /// Waits until `script` (a function body returning a value) returns `true` on the visitor's page.
    pub async fn wait_on_visitor(&self, what: &str, script: &str) -> crate::error::Result<()> {
        crate::wait::until(&format!("visitor: {what}"), SHOW_TIMEOUT, || async {
            let done: bool = self.visitor.execute(script, vec![]).await?;
            Ok(done.then_some(()))
        })
        .await
    }

    /// Whether the visitor's element `css` is in the page and shown (not `hidden`, with a size).
    pub async fn visitor_shows(&self, css: &str) -> crate::error::Result<bool> {
        let script = "var e = document.querySelector(arguments[0]); if (!e) return false; \
                      var r = e.getBoundingClientRect(); return !e.closest('[hidden]') && r.width > 0 && r.height > 0;";
        self.visitor.execute(script, vec![json!(css)]).await
    }

    /// Waits until the visitor's page shows `css`.
    pub async fn wait_until_visitor_shows(&self, css: &str) -> crate::error::Result<()> {
        crate::wait::until(&format!("visitor: {css} shown"), SHOW_TIMEOUT, || async {
            Ok(self.visitor_shows(css).await?.then_some(()))
        })
        .await
    }

    /// The agent asks for control (`#request-control`), the visitor's page shows the request naming it,
    /// the visitor allows it (`#cobrowse-control-allow`), and the viewer says `granted`.
    pub async fn grant_control(&self) -> crate::error::Result<()> {
        self.agent_presses("#request-control").await?;
        self.wait_for_control_state("requested").await?;
        self.wait_until_visitor_shows("#cobrowse-control-request").await?;
        let script = "return document.getElementById('cobrowse-control-request').textContent;";
        let asked: String = self.visitor.execute(script, vec![]).await?;
        if !asked.contains(AGENT_NAMES[0]) {
            return Err(format!("visitor: the control request does not name the agent: {asked:?}").into());
        }
        self.visitor.click("#cobrowse-control-allow").await?;
        self.wait_for_control_state("granted").await?;
        self.wait_until_visitor_shows("#cobrowse-control-stop").await
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

/// The text of the element `css` in the mirror of the viewer in `agent`, if it is there.
pub async fn mirror_text_in(agent: &Browser, css: &str) -> crate::error::Result<Option<String>> {
    let script = "var d = document.getElementById('cobrowse-mirror').contentDocument; \
                  var e = d && d.querySelector(arguments[0]); return e ? e.textContent : null;";
    agent.execute(script, vec![Value::from(css)]).await
}

/// Waits until the `css` element in the mirror of the viewer in `agent` has `text`.
pub async fn wait_for_mirror_text_in(agent: &Browser, css: &str, text: &str) -> crate::error::Result<()> {
    let what = format!("{}: the mirror's {css} saying {text:?}", agent.label);
    crate::wait::until(&what, SHOW_TIMEOUT, || async {
        Ok((mirror_text_in(agent, css).await?.as_deref() == Some(text)).then_some(()))
    })
    .await
}
