//! A watched session for the continuity suite: the relay with [`ContinuitySettings`], the visitor on a
//! page of `pages/continuity/` with a session started, and an agent who joined and whose viewer records
//! every state it shows; optionally the visitor's and the agent's traffic through their own [`Proxy`].
//!
//! The central check is [`Watched::expect_same_session`]: after whatever the visitor did (a link, a
//! reload, a network drop), the agent's viewer went through the expected in-between state and never
//! `ended`, is `live` again with the visitor's new page in the mirror, and the widget shows the same key.

use crate::browser::Browser;
use crate::continuity_settings::{apply, ContinuitySettings};
use crate::proxy::Proxy;
use crate::relay::AGENT_NAMES;
use crate::site::Site;
use crate::stage::Stage;
use crate::status_history;
use crate::tree::MIRROR_DOCUMENT;
use std::time::Duration;

/// How long the agent's viewer may take to show the visitor's next page (a debug relay, two cores).
pub const NEXT_PAGE_TIMEOUT: Duration = Duration::from_secs(20);
/// Viewer states that mean the session is over or broken: never expected while it continues.
pub const FINAL_STATES: [&str; 3] = ["ended", "error", "disconnected"];

/// How to set a watched session up.
#[derive(Debug, Clone)]
pub struct Options {
    pub settings: ContinuitySettings,
    /// The first page, in `pages/continuity/`.
    pub first_page: &'static str,
    /// Serve the pages so that the browser may keep them in its back/forward cache (`/cached/`).
    pub cacheable: bool,
    /// The visitor's pages load the shim (and so open their socket) through a proxy.
    pub visitor_proxy: bool,
    /// The agent's viewer is loaded (and so connects) through a proxy.
    pub agent_proxy: bool,
    /// The agent's viewer records every message it receives (see [`crate::agent_frames`]).
    pub record_agent_frames: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            settings: ContinuitySettings::default(),
            first_page: "index.html",
            cacheable: false,
            visitor_proxy: false,
            agent_proxy: false,
            record_agent_frames: false,
        }
    }
}

/// A running session with one visitor and one agent watching.
pub struct Watched {
    pub stage: Stage,
    pub visitor: Browser,
    pub agent: Browser,
    pub key: String,
    pub visitor_proxy: Option<Proxy>,
    pub agent_proxy: Option<Proxy>,
    /// The visitor's site when its shim goes through `visitor_proxy` (else the stage's own site).
    proxied_site: Option<Site>,
    cacheable: bool,
}

impl Watched {
    /// Starts everything, the session and the join; the viewer's status history is recording.
    pub async fn start(options: Options) -> crate::error::Result<Self> {
        let parsed = options.settings.parse()?;
        let stage = Stage::start_with(|config| apply(parsed, config)).await?;
        let visitor_proxy = match options.visitor_proxy {
            true => Some(Proxy::to_origin(stage.relay.origin()).await?),
            false => None,
        };
        let agent_proxy = match options.agent_proxy {
            true => Some(Proxy::to_origin(stage.relay.origin()).await?),
            false => None,
        };
        let proxied_site = match &visitor_proxy {
            Some(proxy) => Some(Site::start(&proxy.origin()).await?),
            None => None,
        };
        let visitor = stage.browser("visitor").await?;
        let agent = stage.browser("agent").await?;
        let mut watched = Self {
            stage,
            visitor,
            agent,
            key: String::new(),
            visitor_proxy,
            agent_proxy,
            proxied_site,
            cacheable: options.cacheable,
        };
        let first = watched.page_url(options.first_page);
        crate::visitor::open(&watched.visitor, &first).await.map_err(crate::step("open the first page"))?;
        watched.key = crate::visitor::start_session(&watched.visitor).await.map_err(crate::step("Cobrowse.start()"))?;
        if options.record_agent_frames {
            crate::agent_frames::record(&watched.agent).await?;
        }
        let agent_url = watched.agent_url();
        crate::agent::join(&watched.agent, &agent_url, AGENT_NAMES[0], &watched.key)
            .await
            .map_err(crate::step("the agent joins"))?;
        status_history::start(&watched.agent).await?;
        watched.expect_mirror_shows_page(&page_name(options.first_page)).await.map_err(crate::step("first mirror"))?;
        watched.stage.log(&format!("session {} watched on {first}", watched.key));
        Ok(watched)
    }

    /// The visitor's site (through the proxy when there is one).
    pub fn site(&self) -> &Site {
        self.proxied_site.as_ref().unwrap_or(&self.stage.site)
    }

    /// A page of `pages/continuity/` on the visitor's site.
    pub fn page_url(&self, file: &str) -> String {
        let path = format!("continuity/{file}");
        if self.cacheable {
            self.site().cacheable_page_url(&path)
        } else {
            self.site().page_url(&path)
        }
    }

    /// The viewer page, through the agent's proxy when there is one.
    pub fn agent_url(&self) -> String {
        match &self.agent_proxy {
            Some(proxy) => format!("{}/agent/", proxy.origin()),
            None => self.stage.relay.agent_url(),
        }
    }

    /// Waits until the visitor's own page is `page_name` (after a click that loads another page).
    pub async fn expect_visitor_on(&self, page_name: &str) -> crate::error::Result<()> {
        let what = format!("the visitor's page to be {page_name:?}");
        crate::wait::until(&what, NEXT_PAGE_TIMEOUT, || async {
            let name = page_name_on(&self.visitor, "document").await.unwrap_or(None);
            Ok((name.as_deref() == Some(page_name)).then_some(()))
        })
        .await
    }

    /// Waits until the mirror shows the page called `page_name` (its `#page-name`).
    pub async fn expect_mirror_shows_page(&self, page_name: &str) -> crate::error::Result<()> {
        let what = format!("the agent's mirror to show the page {page_name:?}");
        let found = crate::wait::until(&what, NEXT_PAGE_TIMEOUT, || async {
            let name = page_name_on(&self.agent, MIRROR_DOCUMENT).await?;
            Ok((name.as_deref() == Some(page_name)).then_some(()))
        })
        .await;
        if let Err(error) = found {
            let shown = page_name_on(&self.agent, MIRROR_DOCUMENT).await.ok().flatten();
            let history = status_history::read(&self.agent).await.unwrap_or_default();
            return Err(format!(
                "{error}: it shows {shown:?}; the viewer's states: {}",
                status_history::describe(&history)
            )
            .into());
        }
        Ok(())
    }

    /// [`Watched::expect_continued`], and the whole mirror equals the visitor's page.
    pub async fn expect_same_session(
        &self,
        what: &str,
        mark: usize,
        between: Option<&str>,
        page_name: &str,
    ) -> crate::error::Result<()> {
        self.expect_continued(what, mark, between, page_name).await?;
        crate::mirror::assert_mirrors(&self.visitor, &self.agent, crate::mirror::MIRROR_TIMEOUT)
            .await
            .map_err(crate::step(what))?;
        Ok(())
    }

    /// After the visitor did something that keeps the session (`what`): since `mark` the viewer showed
    /// `between` (e.g. `navigating`) if given and never a final state; it is `live` again with the visitor's
    /// page `page_name` in the mirror, and the widget shows the same key.
    pub async fn expect_continued(
        &self,
        what: &str,
        mark: usize,
        between: Option<&str>,
        page_name: &str,
    ) -> crate::error::Result<()> {
        self.expect_visitor_on(page_name).await.map_err(crate::step(what))?;
        self.expect_mirror_shows_page(page_name).await.map_err(crate::step(what))?;
        let live = crate::agent::wait_for_state(&self.agent, &["live"], NEXT_PAGE_TIMEOUT).await;
        let history = status_history::since(&self.agent, mark).await?;
        let states = status_history::describe(&history);
        live.map_err(|error| format!("{what}: the viewer is not live again ({error}); its states: {states}"))?;
        if let Some(final_state) = FINAL_STATES.iter().find(|state| status_history::showed(&history, state)) {
            return Err(
                format!("{what}: the viewer showed {final_state:?}, expected the session to go on: {states}").into()
            );
        }
        if let Some(between) = between {
            if !status_history::showed(&history, between) {
                let page_log = crate::page_log::read(&self.visitor).await.unwrap_or_default();
                let recent = &page_log[page_log.len().saturating_sub(6)..];
                return Err(format!(
                    "{what}: the viewer never showed {between:?} in between: {states}; the visitor's tab recorded: {}",
                    crate::page_log::describe(recent)
                )
                .into());
            }
        }
        crate::visitor::check_widget(&self.visitor, &self.key).await.map_err(crate::step(what))?;
        self.stage.log(&format!("{what}: same session, viewer {states}"));
        Ok(())
    }

    /// A mark in the viewer's status history (see [`status_history::since`]).
    pub async fn mark(&self) -> crate::error::Result<usize> {
        status_history::mark(&self.agent).await
    }

    /// Closes the browsers and stops everything.
    pub async fn shutdown(self) -> crate::error::Result<()> {
        let closed_visitor = self.visitor.close().await;
        let closed_agent = self.agent.close().await;
        drop(self.proxied_site);
        drop(self.visitor_proxy);
        drop(self.agent_proxy);
        self.stage.shutdown().await;
        closed_visitor.and(closed_agent)
    }
}

/// The `#page-name` text of the continuity pages, from their file name.
pub fn page_name(file: &str) -> String {
    match file.split(['?', '#']).next().unwrap_or(file) {
        "index.html" => "Home",
        "second.html" => "Second page",
        "third.html" => "Third page",
        "spa.html" => "Single-page app",
        other => other,
    }
    .to_string()
}

/// `#page-name`'s text in `document` (an expression: `document` or the mirror's), if there is one.
async fn page_name_on(browser: &Browser, document: &str) -> crate::error::Result<Option<String>> {
    let script =
        format!("var d = {document}; var e = d && d.getElementById('page-name'); return e ? e.textContent : null;");
    browser.execute(&script, vec![]).await
}
