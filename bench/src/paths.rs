//! Where the measured files and the baselines are on disk.
//!
//! The built visitor module comes from `cargo xtask build` (`target/site`, or `$COBROWSE_SITE_DIR`, as the
//! e2e harness finds it); rrweb's bundles from `tools/node_modules` (`cargo xtask setup`); the fidelity
//! corpus from `shared/` beside the workspace, which may be absent.

use std::path::PathBuf;

/// The Cargo workspace root.
pub fn workspace() -> PathBuf {
    cobrowse_e2e::paths::workspace()
}

/// `www/`: the shim, its stylesheet and the demo site.
pub fn www_dir() -> PathBuf {
    cobrowse_e2e::paths::www_dir()
}

/// The benchmarks' copy of the built visitor module (`cobrowse_visitor.js` and `cobrowse_visitor_bg.wasm`,
/// with the `snapshot_frame` export the served one leaves out); fails with what to do if it was not built.
pub fn built_visitor_dir() -> cobrowse_e2e::Result<PathBuf> {
    let dir = workspace().join("target/site-bench/visitor");
    if !dir.join("cobrowse_visitor_bg.wasm").is_file() {
        let built = "run `cargo xtask bench` (it builds it), or `cargo xtask build-bench`";
        return Err(format!("the benchmarks' visitor package is missing from {}: {built}", dir.display()).into());
    }
    Ok(dir)
}

/// The built site the relay serves (`cargo xtask build`); fails with what to do if it was not built.
pub fn built_site_dir() -> cobrowse_e2e::Result<PathBuf> {
    cobrowse_e2e::paths::built_site_dir()
}

/// rrweb-snapshot's minified UMD bundle: a classic script defining `window.rrwebSnapshot`.
pub fn rrweb_snapshot_bundle() -> PathBuf {
    node_modules().join("rrweb-snapshot/dist/rrweb-snapshot.umd.min.cjs")
}

/// fflate 0.4.9's UMD bundle, the zlib @rrweb/packer 2.1.6 packs events with (its own UMD bundles are not
/// self-contained): a classic script defining `window.fflate`.
pub fn fflate_bundle() -> PathBuf {
    node_modules().join("fflate/umd/index.js")
}

/// rrweb's minified UMD bundle (recorder and replayer: the package ships no recorder-only bundle).
pub fn rrweb_bundle() -> PathBuf {
    node_modules().join("rrweb/dist/rrweb.umd.min.cjs")
}

/// The rrweb-snapshot fidelity corpus (`html/`, `css/`, `images/`, ...), found as the tests find it (the
/// shared one beside the workspace, else the copy in `tests/corpus/`).
pub fn corpus_dir() -> Option<PathBuf> {
    cobrowse_e2e::paths::corpus_dir().ok()
}

fn node_modules() -> PathBuf {
    workspace().join("tools/node_modules")
}
