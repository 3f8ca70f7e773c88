//! Builds the two wasm packages into `target/site/`, where the relay serves them from.
//!
//! Each crate is compiled for wasm32 with the size-first `wasm-release` profile, given its JS glue by
//! `wasm-bindgen --target web` (loaded with a plain `import()`, no bundler), and shrunk by `wasm-opt -Oz`;
//! the imports between module and glue get short names (`imports.rs`); the glue, the shim and its stylesheet (`www/cobrowse.{js,css}` → `target/site/`) are minified by esbuild. The
//! sizes, raw and gzipped, are printed: the visitor's download has a budget.

use crate::command::{self, Result};
use flate2::{write::GzEncoder, Compression};
use std::io::Write;
use std::path::{Path, PathBuf};

/// A wasm crate and where its package goes under `target/site`.
struct Package {
    krate: &'static str,
    lib_name: &'static str,
    out_dir: &'static str,
}

const PACKAGES: [Package; 2] = [
    Package { krate: "cobrowse-visitor", lib_name: "cobrowse_visitor", out_dir: "visitor" },
    Package { krate: "cobrowse-agent-viewer", lib_name: "cobrowse_agent_viewer", out_dir: "agent/pkg" },
];

/// Features Rust's wasm32 target emits by default, which wasm-opt must accept.
const WASM_FEATURES: [&str; 6] = [
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-reference-types",
    "--enable-multivalue",
];

/// Builds both packages, and the minified shim and widget stylesheet the relay serves as `/cobrowse.js`
/// and `/cobrowse.css`.
pub fn build() -> Result {
    for package in &PACKAGES {
        build_package(package)?;
    }
    let www = command::workspace_root().join("www");
    let (shim, css) = (site_dir().join("cobrowse.js"), site_dir().join("cobrowse.css"));
    minify(&www.join("cobrowse.js"), &shim, Some("iife"))?;
    minify(&www.join("cobrowse.css"), &css, None)?;
    report_size("the shim and its stylesheet", &[&shim, &css])
}

/// Where the built site lives.
pub fn site_dir() -> PathBuf {
    command::workspace_root().join("target/site")
}

fn build_package(package: &Package) -> Result {
    command::run(
        "cargo",
        &["build", "-p", package.krate, "--target", "wasm32-unknown-unknown", "--profile", "wasm-release"],
    )?;
    let compiled = target_dir().join(format!("wasm32-unknown-unknown/wasm-release/{}.wasm", package.lib_name));
    let out_dir = site_dir().join(package.out_dir);
    command::run(
        "wasm-bindgen",
        &[
            "--target",
            "web",
            "--no-typescript",
            "--out-dir",
            path_str(&out_dir)?,
            "--out-name",
            package.lib_name,
            path_str(&compiled)?,
        ],
    )?;
    let wasm = out_dir.join(format!("{}_bg.wasm", package.lib_name));
    shrink(&wasm)?;
    let glue = out_dir.join(format!("{}.js", package.lib_name));
    minify(&glue, &glue, Some("esm"))?;
    crate::imports::shorten(&wasm, &glue)?;
    report_size(&format!("{} (wasm + JS glue)", package.krate), &[&wasm, &glue])
}

/// `wasm-opt -Oz` in place, with a binaryen that keeps wasm-bindgen's externref table intact.
fn shrink(wasm: &Path) -> Result {
    let path = path_str(wasm)?;
    // Rust never uses the lowest KiB of memory (its stack and data start higher), which lets wasm-opt fold
    // more address arithmetic; GUFA and a second pass each take a little more off the download.
    let mut args = vec![
        "--low-memory-unused",
        "-Oz",
        "--gufa",
        "-Oz",
        "--converge",
        "--strip-debug",
        "--strip-producers",
        "-o",
        path,
        path,
    ];
    args.extend(WASM_FEATURES);
    command::run(&crate::setup::wasm_opt_path(), &args)
}

/// Minifies the JS or CSS at `source` into `destination` (may be the same file) with the pinned esbuild,
/// comments and all (the sources in `www/` are the documented copies). `format` is the JS module format,
/// `esm` (the glue) or `iife` (the shim); `None` for CSS.
fn minify(source: &Path, destination: &Path, format: Option<&str>) -> Result {
    let esbuild = crate::setup::node_tools_dir().join("node_modules/.bin/esbuild");
    let outfile = format!("--outfile={}", path_str(destination)?);
    let mut args =
        vec![path_str(source)?, "--minify", "--legal-comments=none", "--allow-overwrite", "--log-level=warning"];
    let format = format.map(|format| format!("--format={format}"));
    args.extend(format.as_deref());
    args.push(&outfile);
    command::run(path_str(&esbuild)?, &args)
}

fn report_size(name: &str, files: &[&Path]) -> Result {
    let (mut raw, mut gzipped) = (0, 0);
    for file in files {
        let bytes = std::fs::read(file).map_err(|error| format!("cannot read {}: {error}", file.display()))?;
        raw += bytes.len();
        gzipped += gzip_len(&bytes);
    }
    eprintln!("xtask: {name}: {:.1} KB raw, {:.1} KB gzipped", raw as f64 / 1024.0, gzipped as f64 / 1024.0);
    Ok(())
}

/// Size of `bytes` gzipped at the default level, as a web server would send them.
pub fn gzip_len(bytes: &[u8]) -> usize {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(bytes).expect("writing to a Vec cannot fail");
    encoder.finish().expect("writing to a Vec cannot fail").len()
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| command::workspace_root().join("target"))
}

fn path_str(path: &Path) -> Result<&str> {
    path.to_str().ok_or_else(|| format!("path {} is not UTF-8", path.display()))
}
