//! Installs what a fresh machine lacks, from the package registries only.
//!
//! - the `wasm32-unknown-unknown` target and the `rust-src` component (rustup): the wasm builds compile std
//!   themselves, to abort on a panic without its message (see `site.rs`),
//! - `wasm-bindgen-cli` at exactly the version of the `wasm-bindgen` crate in Cargo.lock (the CLI and the
//!   crate must agree byte for byte on the generated glue), and `wasm-pack` (crates.io),
//! - Chromium, ChromeDriver and binaryen's `wasm-opt` (Debian packages),
//! - `redis-server` (Debian), the cluster engine the relay's cluster tests (`relay/tests/cluster.rs`) start,
//! - the Node tools pinned in `tools/package.json` (npm): a binaryen recent enough for reference types when
//!   Debian's is older (binaryen 108 corrupts wasm-bindgen's externref table), esbuild (minifies the JS
//!   the visitor downloads, bundling the shim's modules), rrweb and rrweb-snapshot, the baselines of the
//!   benchmarks and of the leak suite's comparison, and eslint, vitest and jsdom (the shim's lint and tests).
//!
//! Each step checks first and does nothing when the tool is already there, so it is cheap to run every time.

use crate::command::{self, Result};

const WASM_TARGET: &str = "wasm32-unknown-unknown";
const DEBIAN_PACKAGES: [&str; 4] = ["chromium", "chromium-driver", "binaryen", "redis-server"];

/// Makes sure every tool the build and the tests use is installed.
pub fn ensure_tools() -> Result {
    ensure_wasm_target()?;
    ensure_rust_src()?;
    ensure_wasm_bindgen_cli()?;
    ensure_wasm_pack()?;
    ensure_debian_packages()?;
    ensure_node_tools()
}

/// The oldest Debian `wasm-opt` trusted with wasm-bindgen's reference-types output.
const OLDEST_GOOD_WASM_OPT: u32 = 116;

/// The `wasm-opt` to shrink modules with: Debian's when recent enough, else the pinned npm binaryen.
pub fn wasm_opt_path() -> String {
    let version = command::output("wasm-opt", &["--version"]).unwrap_or_default();
    let major = version.split_whitespace().nth(2).and_then(|v| v.parse::<u32>().ok()).unwrap_or(0);
    if major >= OLDEST_GOOD_WASM_OPT {
        return "wasm-opt".to_string();
    }
    node_tools_dir().join("node_modules/.bin/wasm-opt").display().to_string()
}

/// `tools/`: the Node tools' package.json and lock file.
pub fn node_tools_dir() -> std::path::PathBuf {
    command::workspace_root().join("tools")
}

fn ensure_node_tools() -> Result {
    let dir = node_tools_dir();
    let installed = [
        "node_modules/.bin/wasm-opt",
        "node_modules/.bin/esbuild",
        "node_modules/rrweb-snapshot",
        "node_modules/rrweb",
        "node_modules/fflate",
        "node_modules/.bin/eslint",
        "node_modules/@eslint/js",
        "node_modules/globals",
        "node_modules/.bin/vitest",
        "node_modules/jsdom",
    ];
    if installed.iter().all(|path| dir.join(path).exists()) {
        return Ok(());
    }
    if !command::exists("npm") {
        apt_install(&["nodejs", "npm"])?;
    }
    command::run_in(&dir, "npm", &["ci", "--no-audit", "--no-fund"], &[])
}

/// The path of chromedriver, which `wasm-pack test` needs in `CHROMEDRIVER`.
pub fn chromedriver_path() -> Result<String> {
    command::find("chromedriver").ok_or_else(|| "chromedriver is not on PATH: run `cargo xtask setup`".to_string())
}

fn ensure_wasm_target() -> Result {
    let installed = command::output("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if installed.lines().any(|line| line.trim() == WASM_TARGET) {
        return Ok(());
    }
    command::run("rustup", &["target", "add", WASM_TARGET])
}

fn ensure_rust_src() -> Result {
    if rust_library_dir().is_some_and(|library| library.join("Cargo.toml").exists()) {
        return Ok(());
    }
    command::run("rustup", &["component", "add", "rust-src"])
}

/// The folder of std's sources (the `rust-src` component) in the active toolchain, whether or not it is
/// installed; `None` if rustc cannot be asked.
pub fn rust_library_dir() -> Option<std::path::PathBuf> {
    let sysroot = command::output("rustc", &["--print", "sysroot"])?;
    Some(std::path::PathBuf::from(sysroot).join("lib/rustlib/src/rust/library"))
}

fn ensure_wasm_bindgen_cli() -> Result {
    let wanted = locked_wasm_bindgen_version()?;
    let have = command::output("wasm-bindgen", &["--version"]).unwrap_or_default();
    if have.split_whitespace().nth(1) == Some(wanted.as_str()) {
        return Ok(());
    }
    // Not `--locked`: the CLI's own lock file names a since-yanked crate; the version pin is what matters.
    command::run("cargo", &["install", "--force", "wasm-bindgen-cli", "--version", &format!("={wanted}")])
}

fn ensure_wasm_pack() -> Result {
    if command::exists("wasm-pack") {
        return Ok(());
    }
    command::run("cargo", &["install", "--locked", "wasm-pack"])
        .or_else(|_| command::run("cargo", &["install", "wasm-pack"]))
}

fn ensure_debian_packages() -> Result {
    let missing = ["chromium", "chromedriver", "wasm-opt", "redis-server"].iter().any(|tool| !command::exists(tool));
    if !missing {
        return Ok(());
    }
    apt_install(&DEBIAN_PACKAGES)
}

/// `apt-get update` then `apt-get install -y packages…`, as root or through sudo.
fn apt_install(packages: &[&str]) -> Result {
    let as_root = command::output("id", &["-u"]).as_deref() == Some("0");
    let apt = |args: &[&str]| -> Result {
        if as_root {
            command::run("apt-get", args)
        } else if command::exists("sudo") {
            command::run("sudo", &[&["apt-get"], args].concat())
        } else {
            Err(format!("need root to run `apt-get {}`: run it as root, then retry", args.join(" ")))
        }
    };
    apt(&["update"])?;
    apt(&[&["install", "-y"][..], packages].concat())
}

/// The `wasm-bindgen` version recorded in Cargo.lock.
fn locked_wasm_bindgen_version() -> Result<String> {
    let lock_path = command::workspace_root().join("Cargo.lock");
    let lock = std::fs::read_to_string(&lock_path)
        .map_err(|error| format!("cannot read {}: {error} (run `cargo generate-lockfile`)", lock_path.display()))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == r#"name = "wasm-bindgen""# {
            let version = lines.next().unwrap_or_default().trim();
            if let Some(rest) = version.strip_prefix("version = \"") {
                return Ok(rest.trim_end_matches('"').to_string());
            }
        }
    }
    Err("Cargo.lock has no wasm-bindgen package".to_string())
}
