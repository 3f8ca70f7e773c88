//! The habits the test run enforces before any test: the code is formatted (`rustfmt.toml`) and clippy
//! finds nothing, natively and for the two wasm crates (which only build for wasm32).
//!
//! They run first in `cargo xtask test` because they are the fastest to fail; rustfmt and clippy come
//! with rustup's default profile, and are added when a minimal toolchain lacks them.

use crate::command::{self, Result};

/// The crates that build only for the browser.
const WASM_CRATES: [&str; 2] = ["cobrowse-visitor", "cobrowse-agent-viewer"];

/// `cargo fmt --check`, then clippy with warnings as errors on every target of every crate.
pub fn style() -> Result {
    ensure_components()?;
    command::run("cargo", &["fmt", "--all", "--", "--check"])
        .map_err(|error| format!("{error}: run `cargo fmt --all` and commit the result"))?;
    let mut native = vec!["clippy", "--workspace", "--all-targets"];
    for krate in WASM_CRATES {
        native.extend(["--exclude", krate]);
    }
    native.extend(["--", "-D", "warnings"]);
    command::run("cargo", &native)?;
    let mut wasm = vec!["clippy", "--target", "wasm32-unknown-unknown", "--all-targets"];
    for krate in WASM_CRATES {
        wasm.extend(["-p", krate]);
    }
    wasm.extend(["--", "-D", "warnings"]);
    command::run("cargo", &wasm)
}

/// rustfmt and clippy, from rustup, when the toolchain was installed without them.
fn ensure_components() -> Result {
    let present = |tool: &str| command::output("cargo", &[tool, "--version"]).is_some();
    if present("fmt") && present("clippy") {
        return Ok(());
    }
    command::run("rustup", &["component", "add", "rustfmt", "clippy"])
}
