//! Section `upstream`: the visitor's upstream bytes per session start, assets included (issue 13, target 3:
//! "count asset uploads too"), against rrweb's packed full snapshot on the same page.
//!
//! Why: on a real documentation page the visitor sent 4.5× rrweb's bytes, uploading public same-origin
//! fonts and stylesheets the agent could fetch itself. Now the visitor offers each same-origin file
//! (`Control::AssetOffer`, its URL and SHA-256), the relay fetches it itself and asks for an upload
//! (`AssetWanted`) only when it cannot get the same bytes.
//!
//! The page ([`crate::upstream_site`]): the generated documentation page (~16,000 elements) with three
//! stylesheets, three fonts and a dozen images of its own origin, all public but one image behind a
//! cookie, served by the page server on loopback. Two relay configurations, each a fresh [`Stage`]:
//! - "offers": `fetch_public_assets = true` (the default), `fetch_assets_from_private_addresses = true` (the
//!   page server is on loopback, which the relay otherwise refuses to fetch from);
//! - "uploads": `fetch_public_assets = false`: every offer is answered `AssetWanted`, so the visitor uploads
//!   every file, as before offers existed (plus the offers' few bytes).
//!
//! Each round ([`crate::upstream_session`]) is a fresh session with one agent joining; every byte the relay
//! receives from the visitor from the session's start until it is quiet after the join is counted by kind
//! ([`crate::upstream_frames`]). [`ROUNDS`] rounds per configuration, the round of median total printed.
//! rrweb's side: `rrweb.record` with its default options on a fresh load of the same page (readable
//! stylesheets inlined into the snapshot; no fonts or images sent), its full-snapshot event's JSON zlibbed
//! at the default level as `@rrweb/packer` packs it (as the `bytes` section). Goal: ours ≤ 0.4 of it (target
//! 3's bytes goal), which fills the summary row `Target::UpstreamBytes` from the "offers" configuration.

use crate::measured::Measured;
use crate::page_server::{PageServer, BLANK_PATH, RRWEB_PATH};
use crate::report::{bytes, ratio, verdict, Table};
use crate::snapshot_bytes::zlib_len;
use crate::summary::{Figure, Summary, Target};
use crate::upstream_session::{self, Round, GIVE_UP, QUIET_AFTER_JOIN};
use crate::upstream_site::{Inventory, UpstreamSite, PAGE_PATH, PRIVATE_COOKIE};
use crate::webdriver::{self, page_answer};
use cobrowse_e2e::{Browser, ChromeDriver, Stage};
use serde::Deserialize;
use serde_json::{json, Value};

const RRWEB_UPSTREAM: &str = concat!(include_str!("js/classic_script.js"), include_str!("js/upstream_rrweb.js"));

/// Rounds per configuration, each a fresh session and join.
const ROUNDS: usize = 3;
/// Goal: our upstream bytes over rrweb's packed full snapshot.
const GOAL_RATIO: f64 = 0.4;

/// A relay configuration measured.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Configuration {
    /// The relay fetches the public files offered.
    Offers,
    /// The relay fetches nothing: every offered file is uploaded.
    Uploads,
}

const CONFIGURATIONS: [Configuration; 2] = [Configuration::Offers, Configuration::Uploads];

impl Configuration {
    fn name(self) -> &'static str {
        match self {
            Configuration::Offers => "offers (relay fetches public files)",
            Configuration::Uploads => "uploads (fetch_public_assets = false)",
        }
    }

    fn configure(self, config: &mut cobrowse_relay::Config) {
        config.fetch_public_assets = self == Configuration::Offers;
        config.fetch_assets_from_private_addresses = self == Configuration::Offers;
    }
}

/// One configuration's rounds.
struct Measurement {
    configuration: Configuration,
    rounds: Vec<Round>,
}

impl Measurement {
    /// The round of median total.
    fn median(&self) -> &Round {
        let mut sorted: Vec<&Round> = self.rounds.iter().collect();
        sorted.sort_by_key(|round| round.upstream.total());
        sorted[sorted.len() / 2]
    }

    fn ratio(&self, rrweb: &Rrweb) -> f64 {
        self.median().upstream.total() as f64 / rrweb.packed as f64
    }
}

/// rrweb's side.
struct Rrweb {
    packed: usize,
    json: usize,
    elements: usize,
    inlined_sheets: usize,
}

#[derive(Deserialize)]
struct RrwebAnswer {
    event_json: String,
    elements: usize,
}

pub async fn run(summary: &mut Summary) -> cobrowse_e2e::Result<()> {
    let server = PageServer::start().await?;
    let url = server.url(PAGE_PATH);
    eprintln!("upstream: rrweb's full snapshot ...");
    let rrweb = rrweb_packed(&url, &server).await?;
    let mut measured = Measured::default();
    for configuration in CONFIGURATIONS {
        eprintln!("upstream: {}: {ROUNDS} rounds ...", configuration.name());
        let measurement = measure_configuration(&server, &url, configuration).await;
        measured.add(configuration.name(), measurement);
    }
    let (results, not_measured) = measured.at_least_one()?;
    print(server.upstream_site(), &rrweb, &results, &not_measured);
    record_target(&rrweb, &results, summary);
    Ok(())
}

/// rrweb's recorder with its default options on a fresh load of the page, in a browser of its own.
async fn rrweb_packed(url: &str, server: &PageServer) -> cobrowse_e2e::Result<Rrweb> {
    let driver = ChromeDriver::start().await?;
    let browser = webdriver::open_browser(&driver, "upstream rrweb").await?;
    let answer = rrweb_event(&browser, url, server).await;
    let _ = browser.close().await;
    let answer = answer?;
    Ok(Rrweb {
        packed: zlib_len(answer.event_json.as_bytes()),
        json: answer.event_json.len(),
        elements: answer.elements,
        inlined_sheets: answer.event_json.matches("\"_cssText\"").count(),
    })
}

async fn rrweb_event(browser: &Browser, url: &str, server: &PageServer) -> cobrowse_e2e::Result<RrwebAnswer> {
    browser.goto(url).await?;
    let answer = browser.execute_async(RRWEB_UPSTREAM, vec![json!(server.url(RRWEB_PATH))]).await?;
    page_answer(answer, "rrweb's recorder")
}

/// A stage whose relay has `configuration`, and [`ROUNDS`] rounds on it.
async fn measure_configuration(
    server: &PageServer,
    url: &str,
    configuration: Configuration,
) -> cobrowse_e2e::Result<Measurement> {
    let stage = Stage::start_with(|config| configuration.configure(config)).await?;
    let rounds = with_browsers(&stage, server, url).await;
    stage.shutdown().await;
    Ok(Measurement { configuration, rounds: rounds? })
}

/// Opens the visitor's browser (signed in: the private image's cookie set) and the agent's, runs the
/// rounds, and closes them whatever happened.
async fn with_browsers(stage: &Stage, server: &PageServer, url: &str) -> cobrowse_e2e::Result<Vec<Round>> {
    let (visitor, agent) = webdriver::open_visitor_and_agent(&stage.driver).await?;
    let rounds = rounds(stage, server, (&visitor, &agent), url).await;
    let _ = visitor.close().await;
    let _ = agent.close().await;
    rounds
}

async fn rounds(
    stage: &Stage,
    server: &PageServer,
    (visitor, agent): (&Browser, &Browser),
    url: &str,
) -> cobrowse_e2e::Result<Vec<Round>> {
    visitor.goto(&server.url(BLANK_PATH)).await?;
    let _: Value = visitor.execute("document.cookie = arguments[0] + '; path=/';", vec![json!(PRIVATE_COOKIE)]).await?;
    let mut rounds = Vec::new();
    for number in 1..=ROUNDS {
        let round = upstream_session::measure(stage, visitor, agent, url).await?;
        eprintln!("upstream:   round {number}: {} B", bytes(round.upstream.total()));
        rounds.push(round);
    }
    Ok(rounds)
}

fn print(site: &UpstreamSite, rrweb: &Rrweb, results: &[Measurement], not_measured: &[String]) {
    let mut table = Table::new(
        &format!(
            "3b. The visitor's upstream bytes per session start (snapshot, deltas, control, asset uploads) against \
             rrweb's packed full snapshot, on the documentation page ({} elements) with its same-origin assets; \
             real relay on loopback, one agent joining; the round of median total of {ROUNDS}",
            bytes(rrweb.elements)
        ),
        &[
            "configuration",
            "snapshot B",
            "deltas B",
            "control B",
            "of which offers B",
            "uploads B",
            "total B",
            "rrweb packed B",
            "ours / rrweb",
            "goal",
            "verdict",
            "offered",
            "fetched by relay",
            "uploaded",
            "public image from /assets/",
            "private image from /assets/",
        ],
    );
    for result in results {
        let round = result.median();
        let upstream = &round.upstream;
        table.row(vec![
            result.configuration.name().into(),
            bytes(upstream.snapshot),
            bytes(upstream.deltas),
            bytes(upstream.control),
            bytes(upstream.offers),
            bytes(upstream.uploads),
            bytes(upstream.total()),
            bytes(rrweb.packed),
            ratio(result.ratio(rrweb)),
            format!("<= {GOAL_RATIO}"),
            verdict(result.ratio(rrweb) <= GOAL_RATIO),
            upstream.offered.len().to_string(),
            upstream.fetched_by_relay().to_string(),
            upstream.uploaded.len().to_string(),
            public_from_relay(result, &site.logo),
            from_relay(&result.rounds, |round| &round.private_image),
        ]);
    }
    table.print();
    print_notes(site, rrweb, results, not_measured);
}

/// In how many rounds the mirror showed the public image (`logo`, its path under `/upstream/`) from the
/// relay's `/assets/`, and in how many of those the relay had fetched it (the visitor did not upload it).
fn public_from_relay(result: &Measurement, logo: &str) -> String {
    let shown = from_relay(&result.rounds, |round| &round.public_image);
    let fetched = result
        .rounds
        .iter()
        .filter(|round| round.public_image.as_deref().is_some_and(|src| src.contains("/assets/")))
        .filter(|round| !round.upstream.uploaded.iter().any(|url| url.ends_with(logo)))
        .count();
    format!("{shown} (fetched by relay in {fetched})")
}

/// In how many rounds the mirror showed an image from the relay's `/assets/`.
fn from_relay(rounds: &[Round], image: impl Fn(&Round) -> &Option<String>) -> String {
    let count =
        rounds.iter().filter(|round| image(round).as_deref().is_some_and(|src| src.contains("/assets/"))).count();
    format!("{count} of {}", rounds.len())
}

fn print_notes(site: &UpstreamSite, rrweb: &Rrweb, results: &[Measurement], not_measured: &[String]) {
    let Inventory { stylesheets, fonts, public_images, private_images } = site.inventory();
    let total = stylesheets.1 + fonts.1 + public_images.1 + private_images.1;
    println!(
        "   the page's same-origin files: {} stylesheets {} B, {} fonts {} B, {} public images {} B, {} private \
         image {} B (403 without the visitor's cookie): {} B in all",
        stylesheets.0,
        bytes(stylesheets.1),
        fonts.0,
        bytes(fonts.1),
        public_images.0,
        bytes(public_images.1),
        private_images.0,
        bytes(private_images.1),
        bytes(total)
    );
    let fonts: Vec<String> = site
        .fonts
        .iter()
        .map(|font| match &font.copied_from {
            Some(from) => format!("{} ({} B, real, copied from {})", font.path, bytes(font.bytes), from.display()),
            None => format!("{} ({} B, generated bytes: no real font found)", font.path, bytes(font.bytes)),
        })
        .collect();
    println!("   fonts: {}", fonts.join("; "));
    if !site.missing_images.is_empty() {
        println!("   images not found, left out: {}", site.missing_images.join(", "));
    }
    println!(
        "   ours: every frame the relay received from the visitor (header and payload; the WebSocket's own framing \
         not counted) from Cobrowse.start() until it sent nothing for {QUIET_AFTER_JOIN:?} after the agent joined; \
         snapshot = the snapshot frame and its later parts; \"fetched by relay\" = offered, announced to the agent, \
         never uploaded. rrweb 2.2.2: rrweb.record with its default options on a fresh load of the page, its full \
         snapshot event (JSON {} B, {} stylesheets inlined as _cssText) zlibbed at the default level as \
         @rrweb/packer does; it sends no fonts or images",
        bytes(rrweb.json),
        rrweb.inlined_sheets
    );
    for result in results {
        print_rounds(result);
    }
    for page in not_measured {
        println!("   not measured: {page}");
    }
}

/// Each round's total, and what was odd in any round.
fn print_rounds(result: &Measurement) {
    let name = result.configuration.name();
    let totals: Vec<String> = result.rounds.iter().map(|round| bytes(round.upstream.total())).collect();
    let uploaded: Vec<String> = result.median().upstream.uploaded.iter().map(|url| short(url)).collect();
    println!(
        "   {name}: rounds' totals {} B; uploaded in the median round: {}",
        totals.join(", "),
        uploaded.join(", ")
    );
    let upstream = &result.median().upstream;
    println!(
        "   {name}: the median round's snapshot in {} frames (the snapshot and its later parts): {} B of postcard \
         sent as {} B ({:.1}:1)",
        upstream.snapshot_frames,
        bytes(upstream.snapshot_postcard),
        bytes(upstream.snapshot),
        upstream.snapshot_postcard as f64 / upstream.snapshot.max(1) as f64
    );
    for (number, round) in result.rounds.iter().enumerate().map(|(index, round)| (index + 1, round)) {
        if !round.quiet {
            println!(
                "   {name}, round {number}: the visitor was not quiet for {QUIET_AFTER_JOIN:?} within {GIVE_UP:?} of the \
                 join: counted until then"
            );
        }
        if round.upstream.lost > 0 {
            println!(
                "   {name}, round {number}: the frame tap lost {} frames: the figures are low",
                round.upstream.lost
            );
        }
        if round.upstream.snapshots != 1 {
            println!("   {name}, round {number}: {} snapshot frames (one expected)", round.upstream.snapshots);
        }
        if result.configuration == Configuration::Offers {
            let public = round.public_image.as_deref().unwrap_or("nowhere (not shown)");
            if !public.contains("/assets/") {
                println!("   {name}, round {number}: the mirror showed the public image from {public}, not the relay");
            }
        }
    }
}

/// A URL without its origin, for the notes.
fn short(url: &str) -> String {
    url.splitn(4, '/').nth(3).map_or_else(|| url.to_string(), |path| format!("/{path}"))
}

/// The summary row of target 3's upstream bytes, from the "offers" configuration (the relay as shipped).
fn record_target(rrweb: &Rrweb, results: &[Measurement], summary: &mut Summary) {
    let Some(offers) = results.iter().find(|result| result.configuration == Configuration::Offers) else { return };
    let uploads = results.iter().find(|result| result.configuration == Configuration::Uploads);
    let before = uploads.map_or_else(String::new, |uploads| {
        format!(" (uploading every file: {} B)", bytes(uploads.median().upstream.total()))
    });
    summary.record(
        Target::UpstreamBytes,
        Figure {
            measured: format!(
                "visitor's bytes to the relay from session start to quiet after a join, docs page with its \
                 same-origin assets, median of {ROUNDS}"
            ),
            ours: format!("{} B{before}", bytes(offers.median().upstream.total())),
            baseline: format!("{} B (rrweb packed full snapshot)", bytes(rrweb.packed)),
            ratio: ratio(offers.ratio(rrweb)),
            met: offers.ratio(rrweb) <= GOAL_RATIO,
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_is_shortened_to_its_path() {
        assert_eq!(short("http://127.0.0.1:4000/upstream/private/badge.png"), "/upstream/private/badge.png");
        assert_eq!(short("blob:x"), "blob:x");
    }
}
