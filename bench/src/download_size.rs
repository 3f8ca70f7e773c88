//! Section `size`: the bytes a visitor downloads for a session, gzipped, against the 50 KiB budget and
//! against rrweb's bundles gzipped the same way. The support call's module and stylesheet are a line of
//! their own, outside the total: they are loaded only once an agent joins.
//!
//! Baselines: rrweb 2.2.2's minified bundle (recorder and replayer; the package has no recorder-only
//! bundle, so this overstates rrweb's recorder) and rrweb-snapshot 2.2.2's (the serializer alone, which
//! any rrweb recorder contains, so this understates it). rrweb's recorder lies between the two.

use crate::gzip::gzip_len;
use crate::paths;
use crate::report::{bytes, ratio, verdict, Table};
use std::path::{Path, PathBuf};

/// The visitor's download budget, gzipped: 50 KiB.
const BUDGET_BYTES: usize = 50 * 1024;

/// A file's size, raw and gzipped.
struct Measured {
    label: String,
    raw: usize,
    gzipped: usize,
}

impl Measured {
    fn of(label: &str, path: &Path) -> cobrowse_e2e::Result<Self> {
        let content = std::fs::read(path).map_err(|error| format!("cannot read {}: {error}", path.display()))?;
        Ok(Self { label: label.into(), raw: content.len(), gzipped: gzip_len(&content) })
    }
}

pub fn run() -> cobrowse_e2e::Result<()> {
    let ours = visitor_download()?
        .iter()
        .map(|(label, path)| Measured::of(label, path))
        .collect::<cobrowse_e2e::Result<Vec<_>>>()?;
    let total_raw = ours.iter().map(|file| file.raw).sum();
    let total_gzipped = ours.iter().map(|file| file.gzipped).sum();
    print_ours(&ours, total_raw, total_gzipped, &support_call()?);
    print_baselines(total_gzipped);
    Ok(())
}

/// The bundled, minified `NAME` the relay serves, written by `cargo xtask build` beside the visitor
/// module.
fn built(name: &str, visitor: &std::path::Path) -> cobrowse_e2e::Result<PathBuf> {
    let minified = visitor.parent().map(|site| site.join(name)).filter(|path| path.is_file());
    minified.ok_or_else(|| format!("no minified {name} beside {}: run `cargo xtask build`", visitor.display()).into())
}

/// What a visitor's browser downloads for a session, labelled by path in the workspace.
fn visitor_download() -> cobrowse_e2e::Result<Vec<(String, PathBuf)>> {
    let visitor = paths::built_visitor_dir()?;
    Ok(vec![
        ("target/site/cobrowse.js (www/shim/ bundled)".into(), built("cobrowse.js", &visitor)?),
        ("target/site/cobrowse.css (www/cobrowse.css minified)".into(), built("cobrowse.css", &visitor)?),
        ("target/site/visitor/cobrowse_visitor.js".into(), visitor.join("cobrowse_visitor.js")),
        ("target/site/visitor/cobrowse_visitor_bg.wasm".into(), visitor.join("cobrowse_visitor_bg.wasm")),
    ])
}

/// The support call's module and stylesheet, together: not part of the first download, the shim imports
/// them once an agent joins (`www/shim/call.js`).
fn support_call() -> cobrowse_e2e::Result<Measured> {
    let visitor = paths::built_visitor_dir()?;
    let parts = [visitor.join("cobrowse_call.js"), visitor.join("cobrowse-call.css")];
    let (mut raw, mut gzipped) = (0, 0);
    for path in &parts {
        let part = Measured::of("", path).map_err(|error| format!("{error}: run `cargo xtask build`"))?;
        raw += part.raw;
        gzipped += part.gzipped;
    }
    let label = "target/site/visitor/cobrowse_call.js + cobrowse-call.css (www/shim/call/): loaded when an agent joins";
    Ok(Measured { label: label.into(), raw, gzipped })
}

fn print_ours(files: &[Measured], total_raw: usize, total_gzipped: usize, call: &Measured) {
    let mut table = Table::new(
        "1. Visitor download size (gzip at the default level, as a web server sends it)",
        &["file", "raw B", "gzip B", "goal", "verdict"],
    );
    for file in files {
        table.row(vec![file.label.clone(), bytes(file.raw), bytes(file.gzipped)]);
    }
    table.row(vec![
        "total".into(),
        bytes(total_raw),
        bytes(total_gzipped),
        format!("gzip <= {} B (50 KiB)", bytes(BUDGET_BYTES)),
        verdict(total_gzipped <= BUDGET_BYTES),
    ]);
    table.row(vec![call.label.clone(), bytes(call.raw), bytes(call.gzipped), "not in the total".into()]);
    table.print();
}

fn print_baselines(ours_gzipped: usize) {
    let baselines = [
        ("rrweb 2.2.2 rrweb.umd.min.cjs (recorder + replayer)", paths::rrweb_bundle()),
        ("rrweb-snapshot 2.2.2 umd.min (serializer only)", paths::rrweb_snapshot_bundle()),
    ];
    let mut table = Table::new(
        "   Baselines, gzipped the same way (rrweb's recorder alone lies between these two)",
        &["baseline", "raw B", "gzip B", "ours / baseline"],
    );
    let mut missing = Vec::new();
    for (label, path) in baselines {
        match Measured::of(label, &path) {
            Ok(baseline) => table.row(vec![
                baseline.label,
                bytes(baseline.raw),
                bytes(baseline.gzipped),
                ratio(ours_gzipped as f64 / baseline.gzipped as f64),
            ]),
            Err(_) => missing.push(path),
        }
    }
    table.print();
    for path in missing {
        println!("   not measured: {} is not installed (run `npm ci` in tools/)", path.display());
    }
}
