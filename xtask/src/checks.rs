//! The habits the test run enforces before any test: the code is formatted (`rustfmt.toml`), no two files
//! of a crate import each other in a circle, and clippy finds nothing, natively and for the two wasm crates
//! (which only build for wasm32).
//!
//! They run in `cargo xtask test` right after the build (the visitor's wasm tests include the bundled shim,
//! so clippy on them needs it) and before any test, because they are the fastest to fail; rustfmt and clippy come
//! with rustup's default profile, and are added when a minimal toolchain lacks them.

use crate::command::{self, Result};

/// The crates whose files must not import each other in a circle (`circles.rs`).
const CRATES: [&str; 7] = ["protocol", "relay", "visitor-wasm", "agent-viewer", "tests", "bench", "xtask"];

/// The crates that build only for the browser.
const WASM_CRATES: [&str; 2] = ["cobrowse-visitor", "cobrowse-agent-viewer"];

/// `cargo fmt --check`, no import circle between the files of a crate, then clippy with warnings as errors
/// on every target of every crate.
pub fn style() -> Result {
    ensure_components()?;
    no_import_circles()?;
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

/// Fails naming every circle of imports between the files of one crate.
fn no_import_circles() -> Result {
    let mut found = Vec::new();
    for krate in CRATES {
        let src = command::workspace_root().join(krate).join("src");
        for circle in crate::circles::find(&src)? {
            found.push(format!("{krate}/src: {}", circle.join(" <-> ")));
        }
    }
    if found.is_empty() {
        eprintln!("xtask: no import circle between the files of any crate");
        return Ok(());
    }
    Err(format!(
        "files that import each other in a circle (move the helper they share down into a file both use):\n{}",
        found.join("\n")
    ))
}

/// rustfmt and clippy, from rustup, when the toolchain was installed without them.
fn ensure_components() -> Result {
    let present = |tool: &str| command::output("cargo", &[tool, "--version"]).is_some();
    if present("fmt") && present("clippy") {
        return Ok(());
    }
    command::run("rustup", &["component", "add", "rustfmt", "clippy"])
}
