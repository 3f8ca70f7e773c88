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

/// The built visitor module (`cobrowse_visitor.js` and `cobrowse_visitor_bg.wasm`); fails with what to do
/// if it was not built.
pub fn built_visitor_dir() -> cobrowse_e2e::Result<PathBuf> {
    Ok(cobrowse_e2e::paths::built_site_dir()?.join("visitor"))
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
