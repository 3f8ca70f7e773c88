//! Fidelity: every page of the rrweb-snapshot corpus and every page of ours (`tests/pages/fidelity/`, one
//! per thing the mirror must carry) is mirrored, and the mirror is measured against the visitor's page
//! after load and after the page's scripted interaction: structure match (elements, text, attributes that
//! matter, form state, scroll offsets, shadow roots, frame documents, dialogs, media) and differing pixels
//! (a screenshot of the visitor's viewport against one of the mirror at the same size).
//!
//! Prints a table page by page, and fails on any page below 99% structure match or above 1% differing
//! pixels, unless `tests/README.md` lists it under "Known limitations" with its reason.
//!
//! One visitor and one agent browser serve every page, one session per page. `FIDELITY_PAGES=canvas,html/`
//! runs only the pages whose path contains one of the comma-separated parts.

use cobrowse_e2e::corpus::FidelitySite;
use cobrowse_e2e::fidelity::{self, Measurement};
use cobrowse_e2e::fidelity_table::{self, PageResult, Verdict};
use cobrowse_e2e::relay::AGENT_NAMES;
use cobrowse_e2e::{agent, limitations, paths, visitor, Browser, Result, Stage};
use serde_json::Value;

/// The visitor's window: smaller than the agent's (1200x900), so the mirror below the viewer's bar is
/// shown at scale 1.
const VISITOR_WINDOW: (u32, u32) = (1000, 680);

/// Our own pages, one per thing the mirror must carry (`iframe-child.html` is only a frame's content).
const OWN_PAGES: [&str; 16] = [
    "cssom-rules.html",
    "adopted-shadow.html",
    "cross-origin-css.html",
    "private-assets.html",
    "shadow-late.html",
    "iframe-late.html",
    "forms-script.html",
    "details-dialog.html",
    "scroll-elements.html",
    "canvas.html",
    "media.html",
    "hover-focus.html",
    "svg-mathml.html",
    "picture-srcset.html",
    "flood.html",
    "markup-text.html",
];

/// The interaction of a corpus page (which defines no `window.fidelityInteract`): a function body run in
/// the page, returning what real input to give (see `cobrowse_e2e::fidelity`).
fn corpus_interaction(page: &str) -> &'static str {
    match page {
        "html/hover.html" => "return { hover: 'body > div:not([data-cobrowse-ignore])' };",
        "html/dialog.html" => "document.querySelector('dialog').showModal(); return {};",
        "html/form-fields.html" => "return { type: [['input[name=tagName]', 'typed for real']] };",
        "html/dynamic-stylesheet.html" | "html/background-clip-text.html" => {
            "var sheet = document.querySelector('style').sheet; \
             sheet.insertRule('p { outline: 6px solid rgb(0, 90, 200); }', sheet.cssRules.length); return {};"
        }
        "html/shadow-dom.html" => {
            "var tabs = document.querySelector('fancy-tabs'); \
             tabs.querySelectorAll('[slot=title]')[2].click(); return {};"
        }
        "html/block-element.html" | "html/about-mozilla.html" => {
            "document.body.appendChild(document.createElement('p')).textContent = 'added'; \
             window.scrollTo(0, 60); return {};"
        }
        _ => "window.scrollTo(0, 80); return {};",
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_is_mirrored_faithfully() -> Result<()> {
    let limitations = limitations::read()?;
    // One agent joins once per page, about 50 times within a couple of minutes from one address.
    let stage = Stage::start_with(|config| config.join_attempts_per_minute = 1000).await?;
    let site = FidelitySite::start(stage.relay.origin()).await?;
    stage.log(&format!("fidelity site {}, third origin {}", site.origin(), site.cdn_origin()));
    let visitor = stage.browser("visitor").await?;
    let agent = stage.browser("agent ana").await?;
    let (width, height) = VISITOR_WINDOW;
    visitor.client().set_window_size(width, height).await?;

    let mut results = Vec::new();
    for page in pages()? {
        let result = run_page(&stage, &site, &visitor, &agent, &page).await;
        stage.log(&summary(&result));
        results.push(result);
    }
    println!("\n{}", fidelity_table::table(&results, &limitations));

    let failures: Vec<String> = results
        .iter()
        .filter(|result| result.verdict(&limitations) == Verdict::Fail)
        .map(PageResult::explain)
        .collect();
    let _ = visitor.close().await;
    let _ = agent.close().await;
    stage.shutdown().await;
    assert!(
        failures.is_empty(),
        "{} of {} pages are below 99% structure match or above 1% differing pixels and are not listed \
         under \"Known limitations\" in tests/README.md:\n{}",
        failures.len(),
        results.len(),
        failures.join("\n")
    );
    Ok(())
}

/// The pages to run: the corpus's `html/*.html` and `iframe-html/main.html`, then ours; filtered by
/// `$FIDELITY_PAGES`.
fn pages() -> Result<Vec<String>> {
    let corpus = paths::corpus_dir()?;
    let mut corpus_pages: Vec<String> = std::fs::read_dir(corpus.join("html"))?
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.ends_with(".html"))
        .map(|name| format!("html/{name}"))
        .collect();
    corpus_pages.sort();
    corpus_pages.push("iframe-html/main.html".into());
    let own = OWN_PAGES.iter().map(|page| format!("fidelity/{page}"));
    let filter = std::env::var("FIDELITY_PAGES").unwrap_or_default();
    let wanted: Vec<&str> = filter.split(',').filter(|part| !part.is_empty()).collect();
    Ok(corpus_pages
        .into_iter()
        .chain(own)
        .filter(|page| wanted.is_empty() || wanted.iter().any(|part| page.contains(part)))
        .collect())
}

/// Opens `page`, starts a session, joins, measures after load, interacts, measures again, stops.
async fn run_page(stage: &Stage, site: &FidelitySite, visitor: &Browser, agent: &Browser, page: &str) -> PageResult {
    let load = start_and_join(stage, site, visitor, agent, page).await;
    let load = match load {
        Ok(()) => fidelity::measure(visitor, agent, &format!("{page}-load")).await.map_err(|error| error.to_string()),
        Err(error) => Err(error.to_string()),
    };
    let interaction = match &load {
        Ok(_) => Some(interact_and_measure(visitor, agent, page).await),
        Err(_) => None,
    };
    stop_session(visitor).await;
    PageResult { page: page.to_string(), load, interaction }
}

async fn start_and_join(
    stage: &Stage,
    site: &FidelitySite,
    visitor: &Browser,
    agent: &Browser,
    page: &str,
) -> Result<()> {
    visitor::open(visitor, &site.url(page)).await?;
    let key = visitor::start_session(visitor).await?;
    agent::join(agent, &stage.relay.agent_url(), AGENT_NAMES[0], &key).await
}

async fn interact_and_measure(
    visitor: &Browser,
    agent: &Browser,
    page: &str,
) -> std::result::Result<Measurement, String> {
    fidelity::interact(visitor, corpus_interaction(page)).await.map_err(|error| error.to_string())?;
    fidelity::measure(visitor, agent, &format!("{page}-interaction")).await.map_err(|error| error.to_string())
}

/// Ends the page's session (`Cobrowse.stop()`); the next page opens a new one.
async fn stop_session(visitor: &Browser) {
    let _ = visitor.execute::<Value>("if (window.Cobrowse) window.Cobrowse.stop();", vec![]).await;
}

/// One progress line per page.
fn summary(result: &PageResult) -> String {
    let describe = |measured: Option<&std::result::Result<Measurement, String>>| match measured {
        Some(Ok(m)) => format!("{:.1}% / {:.2}%", m.structure.percent(), m.pixels.percent()),
        Some(Err(error)) => format!("error: {}", cobrowse_e2e::tree::shorten(error, 200)),
        None => "-".into(),
    };
    format!(
        "{}: load {}, interaction {}",
        result.page,
        describe(Some(&result.load)),
        describe(result.interaction.as_ref())
    )
}
