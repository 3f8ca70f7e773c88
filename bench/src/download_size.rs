//! Section `size`: the bytes a visitor downloads for a session, gzipped, against the 50 KiB budget and
//! against rrweb's bundles gzipped the same way. The support call's module and stylesheet and the asset
//! uploader's module are a line of their own, outside the total: the shim imports them only once an agent
//! joins (`www/shim/call.js`, `www/shim/assets.js`).
//!
//! Two measures: gzip at the default level (what a server compressing on the fly sends) and what the relay
//! sends, the precompressed copy the build wrote beside each file (`NAME.gz`, zopfli). The budget is
//! judged on the second, what a visitor's browser receives; the baselines get zopfli too.
//!
//! Baselines: rrweb 2.2.2's minified bundle (recorder and replayer; the package has no recorder-only
//! bundle, so this overstates rrweb's recorder) and rrweb-snapshot 2.2.2's (the serializer alone, which
//! any rrweb recorder contains, so this understates it). rrweb's recorder lies between the two.

use crate::gzip::{gzip_len, zopfli_len};
use crate::paths;
use crate::report::{bytes, ratio, verdict, Table};
use crate::summary::{Figure, Summary, Target};
use std::path::{Path, PathBuf};

/// The visitor's download budget, gzipped: 50 KiB.
const BUDGET_BYTES: usize = 50 * 1024;

/// A file's size: raw, gzipped at the default level, and as the relay sends it (its zopfli copy).
struct Measured {
    label: String,
    raw: usize,
    gzipped: usize,
    sent: usize,
}

impl Measured {
    /// One of ours: `sent` is the size of the precompressed copy the build wrote beside it.
    fn of(label: &str, path: &Path) -> cobrowse_e2e::Result<Self> {
        let content = std::fs::read(path)
            .map_err(|error| format!("cannot read {} ({error}): run `cargo xtask build`", path.display()))?;
        let mut copy = path.as_os_str().to_owned();
        copy.push(".gz");
        let sent = std::fs::metadata(&copy)
            .map_err(|error| {
                format!("no precompressed copy {} ({error}): run `cargo xtask build`", Path::new(&copy).display())
            })?
            .len() as usize;
        Ok(Self { label: label.into(), raw: content.len(), gzipped: gzip_len(&content), sent })
    }

    /// A baseline, compressed here the same two ways.
    fn baseline(label: &str, path: &Path) -> cobrowse_e2e::Result<Self> {
        let content = read(path)?;
        Ok(Self { label: label.into(), raw: content.len(), gzipped: gzip_len(&content), sent: zopfli_len(&content) })
    }

    fn add(&mut self, other: &Measured) {
        self.raw += other.raw;
        self.gzipped += other.gzipped;
        self.sent += other.sent;
    }
}

fn read(path: &Path) -> cobrowse_e2e::Result<Vec<u8>> {
    Ok(std::fs::read(path).map_err(|error| format!("cannot read {}: {error}", path.display()))?)
}

pub fn run(summary: &mut Summary) -> cobrowse_e2e::Result<()> {
    let ours = visitor_download()?
        .iter()
        .map(|(label, path)| Measured::of(label, path))
        .collect::<cobrowse_e2e::Result<Vec<_>>>()?;
    let mut total = Measured { label: "total".into(), raw: 0, gzipped: 0, sent: 0 };
    ours.iter().for_each(|file| total.add(file));
    print_ours(&ours, &total, &loaded_when_an_agent_joins()?);
    print_baselines(&total);
    record_target(&total, summary);
    Ok(())
}

/// The summary row: what the relay sends a visitor, beside rrweb's bundle sent the same way.
fn record_target(total: &Measured, summary: &mut Summary) {
    let rrweb = Measured::baseline("rrweb", &paths::rrweb_bundle()).ok();
    summary.record(
        Target::Download,
        Figure {
            measured: "the visitor's first download as the relay sends it (zopfli)".into(),
            ours: format!("{} B", bytes(total.sent)),
            baseline: rrweb.as_ref().map_or("-".into(), |rrweb| format!("{} B (rrweb)", bytes(rrweb.sent))),
            ratio: rrweb.map_or("-".into(), |rrweb| ratio(total.sent as f64 / rrweb.sent as f64)),
            met: total.sent <= BUDGET_BYTES,
        },
    );
}

/// The bundled, minified `NAME` the relay serves, written by `cargo xtask build` beside the visitor
/// module.
fn built(name: &str, visitor: &std::path::Path) -> cobrowse_e2e::Result<PathBuf> {
    let minified = visitor.parent().map(|site| site.join(name)).filter(|path| path.is_file());
    minified.ok_or_else(|| format!("no minified {name} beside {}: run `cargo xtask build`", visitor.display()).into())
}

/// What a visitor's browser downloads for a session, labelled by path in the workspace.
fn visitor_download() -> cobrowse_e2e::Result<Vec<(String, PathBuf)>> {
    let visitor = paths::built_site_dir()?.join("visitor");
    Ok(vec![
        ("target/site/cobrowse.js (www/shim/ bundled)".into(), built("cobrowse.js", &visitor)?),
        ("target/site/cobrowse.css (www/cobrowse.css minified)".into(), built("cobrowse.css", &visitor)?),
        ("target/site/visitor/cobrowse_visitor.js".into(), visitor.join("cobrowse_visitor.js")),
        ("target/site/visitor/cobrowse_visitor_bg.wasm".into(), visitor.join("cobrowse_visitor_bg.wasm")),
    ])
}

/// The support call's module (with the asset uploader bundled in) and its stylesheet, together: not part of
/// the first download, the shim imports them once an agent joins (`www/shim/call.js`).
/// A file missing is an error (an old build): never a smaller figure.
fn loaded_when_an_agent_joins() -> cobrowse_e2e::Result<Measured> {
    let visitor = paths::built_site_dir()?.join("visitor");
    let parts = ["cobrowse_call.js", "cobrowse-call.css"].map(|name| visitor.join(name));
    let label = "target/site/visitor/cobrowse_call.js + cobrowse-call.css (www/shim/call/, www/shim/assets/): \
                 loaded when an agent joins";
    let mut later = Measured { label: label.into(), raw: 0, gzipped: 0, sent: 0 };
    for path in &parts {
        later.add(&Measured::of("", path)?);
    }
    Ok(later)
}

fn print_ours(files: &[Measured], total: &Measured, later: &Measured) {
    let mut table = Table::new(
        "1. Visitor download size: gzip at the default level (a server compressing on the fly), and as the relay \
         sends it (the build's zopfli copies)",
        &["file", "raw B", "gzip B", "sent B", "goal", "verdict"],
    );
    for file in files {
        table.row(vec![file.label.clone(), bytes(file.raw), bytes(file.gzipped), bytes(file.sent)]);
    }
    table.row(vec![
        "total".into(),
        bytes(total.raw),
        bytes(total.gzipped),
        bytes(total.sent),
        format!("sent <= {} B (50 KiB)", bytes(BUDGET_BYTES)),
        verdict(total.sent <= BUDGET_BYTES),
    ]);
    let outside = "not in the total".to_string();
    table.row(vec![later.label.clone(), bytes(later.raw), bytes(later.gzipped), bytes(later.sent), outside]);
    table.print();
}

fn print_baselines(ours: &Measured) {
    let baselines = [
        ("rrweb 2.2.2 rrweb.umd.min.cjs (recorder + replayer)", paths::rrweb_bundle()),
        ("rrweb-snapshot 2.2.2 umd.min (serializer only)", paths::rrweb_snapshot_bundle()),
    ];
    let mut table = Table::new(
        "   Baselines, compressed the same two ways (rrweb's recorder alone lies between these two)",
        &["baseline", "raw B", "gzip B", "zopfli B", "ours / baseline (zopfli)"],
    );
    let mut missing = Vec::new();
    for (label, path) in baselines {
        match Measured::baseline(label, &path) {
            Ok(baseline) => table.row(vec![
                baseline.label,
                bytes(baseline.raw),
                bytes(baseline.gzipped),
                bytes(baseline.sent),
                ratio(ours.sent as f64 / baseline.sent as f64),
            ]),
            Err(_) => missing.push(path),
        }
    }
    table.print();
    for path in missing {
        println!("   not measured: {} is not installed (run `npm ci` in tools/)", path.display());
    }
}
