//! Where things are on disk: the workspace, the static files, the test pages and the built wasm.
//!
//! The built wasm (`target/site/`) is made by `cargo xtask build`; the tests refuse to start without it
//! rather than fail later with a confusing 404 inside a browser.

use std::path::{Path, PathBuf};

/// The wasm files the relay must be able to serve, relative to the site directory.
const REQUIRED_SITE_FILES: [&str; 4] = [
    "visitor/cobrowse_visitor.js",
    "visitor/cobrowse_visitor_bg.wasm",
    "agent/pkg/cobrowse_agent_viewer.js",
    "agent/pkg/cobrowse_agent_viewer_bg.wasm",
];

/// The Cargo workspace root (the parent of this crate).
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

/// `www/`: the shim, the viewer page and the demo site.
pub fn www_dir() -> PathBuf {
    workspace().join("www")
}

/// `www/demo/`: the demo customer site.
pub fn demo_dir() -> PathBuf {
    www_dir().join("demo")
}

/// `tests/pages/`: pages made for single scenarios (hostile scripts, ...).
pub fn pages_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("pages")
}

/// `tests/pages/fidelity/`: the fidelity test's own pages, one per thing the mirror must carry.
pub fn fidelity_pages_dir() -> PathBuf {
    pages_dir().join("fidelity")
}

/// `tests/README.md`, whose "Known limitations" table the fidelity test reads.
pub fn tests_readme() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")
}

/// The rrweb-snapshot corpus: `$COBROWSE_CORPUS`, else the shared one beside the workspace
/// (`../shared/corpus/rrweb-snapshot`), else the copy in `tests/corpus/` (MIT, for machines without the
/// shared folder); the error says where it was looked for.
pub fn corpus_dir() -> crate::error::Result<PathBuf> {
    let candidates = corpus_candidates();
    let found = candidates.iter().find(|dir| dir.join("html").is_dir()).cloned();
    found.ok_or_else(|| {
        let looked: Vec<String> = candidates.iter().map(|dir| dir.display().to_string()).collect();
        format!("the rrweb-snapshot corpus is missing: looked for html/ in {}", looked.join(", ")).into()
    })
}

fn corpus_candidates() -> Vec<PathBuf> {
    let mut candidates: Vec<PathBuf> = std::env::var_os("COBROWSE_CORPUS").map(PathBuf::from).into_iter().collect();
    candidates.extend(workspace().parent().map(|parent| parent.join("shared/corpus/rrweb-snapshot")));
    candidates.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/rrweb-snapshot"));
    candidates
}

/// The built wasm packages: `$COBROWSE_SITE_DIR`, or `target/site` in the workspace.
pub fn site_dir() -> PathBuf {
    match std::env::var_os("COBROWSE_SITE_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => workspace().join("target").join("site"),
    }
}

/// The site directory, after checking that the wasm was built; the error says what to do if not.
pub fn built_site_dir() -> crate::error::Result<PathBuf> {
    let dir = site_dir();
    let missing: Vec<_> = REQUIRED_SITE_FILES.iter().filter(|file| !dir.join(file).is_file()).collect();
    if !missing.is_empty() {
        let message = format!(
            "the built wasm is missing from {} ({} not found): run `cargo xtask build` first",
            dir.display(),
            missing.iter().map(|file| file.to_string()).collect::<Vec<_>>().join(", "),
        );
        return Err(message.into());
    }
    Ok(dir)
}
