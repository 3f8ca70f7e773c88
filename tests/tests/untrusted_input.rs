//! What comes from outside is not trusted: the visitor's page may carry script that must never run in the
//! agent's browser, and an agent may type a wrong password or a wrong key and must be told which.

use cobrowse_e2e::mirror::{assert_mirrors, MIRROR_TIMEOUT};
use cobrowse_e2e::relay::{AGENT_NAMES, AGENT_PASSWORD};
use cobrowse_e2e::{agent, step, visitor, Browser, Result, Stage};
use serde::Deserialize;
use std::time::Duration;

/// How long script in the mirror gets to run, if it could, after it is added or clicked.
const GRACE: Duration = Duration::from_millis(700);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn visitor_script_never_runs_in_the_agents_browser() -> Result<()> {
    let stage = Stage::start().await?;
    let visitor = stage.browser("visitor").await?;
    let ana = stage.browser("agent ana").await?;

    visitor::open(&visitor, &stage.site.page_url("hostile.html")).await?;
    let ran: bool = visitor.execute("return window.__visitorScriptRan === true;", vec![]).await?;
    assert!(ran, "the hostile page's own script did not run on the visitor's side: the page is broken");
    let key = visitor::start_session(&visitor).await?;
    agent::join(&ana, &stage.relay.agent_url(), AGENT_NAMES[0], &key).await?;
    assert_mirrors(&visitor, &ana, MIRROR_TIMEOUT).await.map_err(step("mirroring the hostile page"))?;

    // Script and handlers arriving in deltas, after the snapshot.
    visitor.execute::<serde_json::Value>(ADD_HOSTILE_CONTENT, vec![]).await?;
    assert_mirrors(&visitor, &ana, MIRROR_TIMEOUT).await.map_err(step("mirroring hostile content added later"))?;
    tokio::time::sleep(GRACE).await;
    inspect_mirror(&ana).await.map_err(step("inspecting the mirror"))?.assert_inert("after mirroring");

    ana.execute::<serde_json::Value>(CLICK_IN_MIRROR, vec![]).await.map_err(step("clicking in the mirror"))?;
    tokio::time::sleep(GRACE).await;
    let after = inspect_mirror(&ana).await.map_err(step("inspecting the mirror after the clicks"))?;
    after.assert_inert("after clicking the mirrored elements");

    // Last, the neutralized `javascript:` links. Following a link replaces the mirror's document (the
    // agent's UI shields the mirror from real clicks), so only the viewer page is checked afterwards.
    ana.execute::<serde_json::Value>(CLICK_LINKS_IN_MIRROR, vec![]).await.map_err(step("clicking mirrored links"))?;
    tokio::time::sleep(GRACE).await;
    let (pwned, mirror_kept): (Option<String>, bool) = ana.execute(AFTER_LINK_CLICKS, vec![]).await?;
    assert_eq!(pwned, None, "a click on a mirrored javascript: link ran visitor script in the viewer page");
    assert!(
        mirror_kept,
        "a script click on a mirrored link navigated the mirror iframe away: the mirror must be view-only"
    );

    visitor.close().await?;
    ana.close().await?;
    stage.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_or_key_is_explained_to_the_agent() -> Result<()> {
    let stage = Stage::start().await?;
    let visitor = stage.browser("visitor").await?;
    let ana = stage.browser("agent ana").await?;
    visitor::open(&visitor, &stage.site.demo_url()).await?;
    // This time the visitor starts as a customer would: the page's "Get help" button (data-cobrowse-start).
    let key = visitor::start_by_clicking(&visitor, "#get-help").await?;
    let agent_url = stage.relay.agent_url();

    agent::submit_join(&ana, &agent_url, AGENT_NAMES[0], "not-the-password", &key).await?;
    expect_error_mentioning(&ana, "password").await.map_err(step("a wrong password"))?;

    let unknown_key = format!("{:06}", (key.parse::<u32>()? + 1) % 1_000_000);
    agent::submit_join(&ana, &agent_url, AGENT_NAMES[0], AGENT_PASSWORD, &unknown_key).await?;
    expect_error_mentioning(&ana, "key").await.map_err(step("an unknown session key"))?;

    // With both right, the same agent gets in: the errors were about the input, not the agent.
    agent::join(&ana, &agent_url, AGENT_NAMES[0], &key)
        .await
        .map_err(step("joining with the right password and key"))?;

    visitor.close().await?;
    ana.close().await?;
    stage.shutdown().await;
    Ok(())
}

/// Waits for the viewer to settle and checks it shows `error` with a message containing `word`.
async fn expect_error_mentioning(agent: &Browser, word: &str) -> Result<()> {
    let settled = ["error", "live", "ended", "disconnected"];
    let status = agent::wait_for_state(agent, &settled, agent::JOIN_TIMEOUT).await?;
    if status.state.as_deref() != Some("error") {
        return Err(
            format!("#cobrowse-status shows state {:?} ({:?}), expected \"error\"", status.state, status.text).into()
        );
    }
    if !status.text.to_lowercase().contains(word) {
        return Err(format!("#cobrowse-status says {:?}, which does not mention the {word}", status.text).into());
    }
    Ok(())
}

/// Adds, on the visitor's page, a script, an inline handler and a `javascript:` link after the snapshot.
const ADD_HOSTILE_CONTENT: &str = r#"
    var late = document.getElementById('late');
    var script = document.createElement('script');
    script.textContent = "try { window.top.__pwned = 'late script'; parent.__pwned = 'late script'; } catch (e) {}";
    late.appendChild(script);
    var button = document.createElement('button');
    button.id = 'late-button';
    button.textContent = 'Late button';
    button.setAttribute('onclick', "window.top.__pwned = 'late onclick'; parent.__pwned = 'late onclick';");
    late.appendChild(button);
    var link = document.createElement('a');
    link.id = 'late-link';
    link.href = "javascript:window.top.__pwned='late href'";
    link.textContent = 'Late link';
    late.appendChild(link);
    document.getElementById('clickme').setAttribute('onmouseout', "window.top.__pwned = 'set onmouseout'");
    return true;
"#;

/// Clicks, from the viewer, every mirrored element that would run script if handlers were live.
const CLICK_IN_MIRROR: &str = r#"
    var d = document.getElementById('cobrowse-mirror').contentDocument;
    ['clickme', 'js-button', 'late-button', 'bad-image', 'tracking'].forEach(function (id) {
        var e = d.getElementById(id);
        if (!e) return;
        e.dispatchEvent(new MouseEvent('mouseover', { bubbles: true }));
        e.dispatchEvent(new MouseEvent('mouseout', { bubbles: true }));
        if (e.click) e.click();
        if (e.focus) e.focus();
    });
    var form = d.getElementById('js-form');
    if (form && form.requestSubmit) { try { form.requestSubmit(); } catch (e) {} }
    return true;
"#;

/// Clicks the mirrored links that were `javascript:` URLs.
const CLICK_LINKS_IN_MIRROR: &str = r#"
    var d = document.getElementById('cobrowse-mirror').contentDocument;
    ['js-link', 'late-link'].forEach(function (id) {
        var e = d.getElementById(id);
        if (e) e.click();
    });
"#;

/// `[window.__pwned of the viewer page, whether the mirror document is still there]`.
const AFTER_LINK_CLICKS: &str = r#"
    var d = document.getElementById('cobrowse-mirror').contentDocument;
    return [window.__pwned === undefined ? null : String(window.__pwned), !!d && !!d.getElementById('js-link')];
"#;

/// What the viewer page and its mirror look like, as far as script safety goes.
#[derive(Debug, Deserialize)]
struct MirrorSafety {
    sandbox: Option<String>,
    viewer_pwned: Option<String>,
    mirror_pwned: Option<String>,
    scripts: u32,
    placeholders: u32,
    handlers: Vec<String>,
    javascript_urls: Vec<String>,
    mirror_url: String,
}

impl MirrorSafety {
    fn assert_inert(&self, when: &str) {
        assert_eq!(self.viewer_pwned, None, "{when}: visitor script ran in the viewer page (window.__pwned)");
        assert_eq!(self.mirror_pwned, None, "{when}: visitor script ran inside the mirror");
        let sandbox = self.sandbox.as_deref().unwrap_or("");
        assert!(
            self.sandbox.is_some() && !sandbox.split_whitespace().any(|token| token == "allow-scripts"),
            "{when}: iframe#cobrowse-mirror must be sandboxed without allow-scripts, its sandbox is {:?}",
            self.sandbox
        );
        assert_eq!(self.scripts, 0, "{when}: the mirror has <script> elements");
        assert!(self.placeholders >= 1, "{when}: the mirror has no template[data-cobrowse-script] placeholder");
        assert!(self.handlers.is_empty(), "{when}: the mirror keeps on* attributes: {:?}", self.handlers);
        assert!(
            self.javascript_urls.is_empty(),
            "{when}: the mirror keeps javascript: URLs: {:?}",
            self.javascript_urls
        );
        assert!(!self.mirror_url.starts_with("javascript:"), "{when}: the mirror navigated to {}", self.mirror_url);
    }
}

async fn inspect_mirror(agent: &Browser) -> Result<MirrorSafety> {
    let script = r#"
        var frame = document.getElementById('cobrowse-mirror');
        var d = frame && frame.contentDocument;
        if (!d) {
            throw new Error('the mirror document is not readable from the viewer (iframe ' +
                (frame ? 'src=' + frame.getAttribute('src') + ' sandbox=' + frame.getAttribute('sandbox') : 'missing') + ')');
        }
        var handlers = [], urls = [];
        d.querySelectorAll('*').forEach(function (e) {
            for (var i = 0; i < e.attributes.length; i++) {
                var a = e.attributes[i];
                if (/^on/i.test(a.name)) handlers.push(e.localName + '[' + a.name + ']');
                if (/^\s*javascript:/i.test(a.value)) urls.push(e.localName + '[' + a.name + '=' + a.value + ']');
            }
        });
        var mirrorPwned = null;
        try { mirrorPwned = frame.contentWindow.__pwned === undefined ? null : String(frame.contentWindow.__pwned); }
        catch (e) { mirrorPwned = 'unreadable: ' + e; }
        return {
            sandbox: frame.getAttribute('sandbox'),
            viewer_pwned: window.__pwned === undefined ? null : String(window.__pwned),
            mirror_pwned: mirrorPwned,
            scripts: d.querySelectorAll('script').length,
            placeholders: d.querySelectorAll('template[data-cobrowse-script]').length,
            handlers: handlers,
            javascript_urls: urls,
            mirror_url: String(d.URL)
        };
    "#;
    agent.execute(script, vec![]).await
}
