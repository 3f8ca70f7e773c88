//! Builds the two wasm packages into `target/site/`, where the relay serves them from.
//!
//! Each crate is compiled for wasm32 with the size-first `wasm-release` profile, given its JS glue by
//! `wasm-bindgen --target web` (loaded with a plain `import()`, no bundler), and shrunk by `wasm-opt -Oz`;
//! the imports between module and glue get short names (`imports.rs`); the glue and the widget's stylesheet
//! (`www/cobrowse.css` → `target/site/`) are minified by esbuild, which also bundles the shim's ES modules
//! (`www/shim/`, entry `main.js`) into the one minified classic script `target/site/cobrowse.js`. The
//! sizes, raw and gzipped, are printed: the visitor's download has a budget.
//!
//! The support call's modules (`www/shim/call/`, entry `main.js`) are bundled apart, into the ES module
//! `target/site/visitor/cobrowse_call.js`, with their stylesheet (`www/cobrowse-call.css`) beside it: the
//! shim imports them only once an agent joins, so they are not part of the visitor's first download. The
//! asset uploader (`www/shim/assets/uploader.js`) is bundled into the call's module, which starts it once an
//! agent watches.
//!
//! The shim is given a hash of the visitor package's two files and of the call's two (`VISITOR_VERSION`, see `www/shim/loader.js`): it loads them as `/visitor/...?v=HASH`, which the
//! relay serves as immutable, so a visitor's next page takes them from the browser's cache, and a new build
//! changes the URLs.

use crate::command::{self, Result};
use flate2::{write::GzEncoder, Compression};
use std::io::Write;
use std::path::{Path, PathBuf};

/// A wasm crate and where its package goes under `target/site`.
struct Package {
    krate: &'static str,
    lib_name: &'static str,
    out_dir: &'static str,
    /// Cargo features, for the benchmarks' copy of the visitor package (see [`build_bench_visitor`]).
    features: &'static str,
    /// Whoever loads it always says where its wasm is (the shim does, with the version): the glue's default
    /// URL would be dead code in the download.
    wasm_url_given: bool,
    /// Its glue reads short ASCII strings without `TextDecoder` (see [`SHORT_STRINGS`]).
    short_strings: bool,
}

const PACKAGES: [Package; 2] = [
    Package {
        krate: "cobrowse-visitor",
        lib_name: "cobrowse_visitor",
        out_dir: "visitor",
        features: "",
        wasm_url_given: true,
        short_strings: false,
    },
    Package {
        krate: "cobrowse-agent-viewer",
        lib_name: "cobrowse_agent_viewer",
        out_dir: "agent/pkg",
        features: "",
        wasm_url_given: false,
        short_strings: true,
    },
];

/// The benchmarks' copy of the visitor package: the served one plus the `snapshot_frame` export.
const BENCH_VISITOR: Package = Package {
    krate: "cobrowse-visitor",
    lib_name: "cobrowse_visitor",
    out_dir: "visitor",
    features: "bench",
    wasm_url_given: true,
    short_strings: false,
};

/// Features Rust's wasm32 target emits by default, which wasm-opt must accept.
const WASM_FEATURES: [&str; 6] = [
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-reference-types",
    "--enable-multivalue",
];

/// Builds both packages, the support call's module (with the asset uploader) and stylesheet
/// (`/visitor/cobrowse_call.js`, `/visitor/cobrowse-call.css`), and the minified shim and widget stylesheet the relay serves as `/cobrowse.js` and `/cobrowse.css`.
pub fn build() -> Result {
    for package in &PACKAGES {
        build_package(package, &site_dir(), &target_dir(), Kept::Nothing)?;
    }
    let www = command::workspace_root().join("www");
    let visitor = site_dir().join(PACKAGES[0].out_dir);
    let (call, call_css) = (visitor.join(CALL_MODULE), visitor.join(CALL_STYLESHEET));
    bundle_module(&www.join(CALL_ENTRY), &call)?;
    minify(&www.join(CALL_STYLESHEET), &call_css, None)?;
    report_size("the support call's module and stylesheet (loaded when an agent joins)", &[&call, &call_css])?;
    let (shim, css) = (site_dir().join("cobrowse.js"), site_dir().join("cobrowse.css"));
    bundle_shim(&www.join(SHIM_ENTRY), &shim, &visitor_version()?)?;
    minify(&www.join("cobrowse.css"), &css, None)?;
    report_size("the shim and its stylesheet", &[&shim, &css])?;
    let package = ["cobrowse_visitor.js", "cobrowse_visitor_bg.wasm"].map(|name| visitor.join(name));
    report_size(
        "the visitor's first download (shim, stylesheet, visitor package)",
        &[&shim, &css, &package[0], &package[1]],
    )?;
    crate::precompress::all(&site_dir())
}

/// The shim's entry module under `www/`: the modules it imports are bundled with it.
const SHIM_ENTRY: &str = "shim/main.js";

/// The support call's entry module under `www/`, bundled into [`CALL_MODULE`] beside the visitor package:
/// the shim imports it when the first call message arrives (`www/shim/call.js`).
const CALL_ENTRY: &str = "shim/call/main.js";
/// The support call's module in `target/site/visitor/`.
const CALL_MODULE: &str = "cobrowse_call.js";
/// The support call's stylesheet, `www/` and minified into `target/site/visitor/` (the call module links it).
const CALL_STYLESHEET: &str = "cobrowse-call.css";

/// Where the built site lives.
pub fn site_dir() -> PathBuf {
    command::workspace_root().join("target/site")
}

/// Builds the benchmarks' copy of the visitor package into `target/site-bench/visitor/`: the one the relay
/// serves, plus the `snapshot_frame` export (the `bench` feature) the snapshot benchmarks call. Its own
/// cargo target folder keeps the two builds from rebuilding each other. With `names`, its wasm keeps the
/// functions' names, for CPU profiles.
pub fn build_bench_visitor(names: bool) -> Result {
    let root = command::workspace_root();
    let kept = if names { Kept::Names } else { Kept::Nothing };
    build_package(&BENCH_VISITOR, &root.join("target/site-bench"), &target_dir().join("bench-wasm"), kept)
}

/// Std is compiled with the wasm modules (from the toolchain's `rust-src`), so that a panic aborts at
/// once: the precompiled std formats a panic's message first, though on wasm32-unknown-unknown the message
/// goes nowhere (no stderr), and that formatting code (core's `fmt`, the messages, their source paths)
/// was about 4 KB of the visitor's gzipped download. A panic traps (`unreachable`) either way: JS sees the
/// same `RuntimeError`. Both are unstable flags of the stable compiler, enabled with `RUSTC_BOOTSTRAP=1`
/// for the wasm builds alone (as the Linux kernel builds its Rust): no second toolchain to install.
const BUILD_STD: &str = "-Zbuild-std=std,panic_abort";
/// The rustc flags that make a panic abort at once (see [`BUILD_STD`]).
const IMMEDIATE_ABORT: [&str; 2] = ["-Zunstable-options", "-Cpanic=immediate-abort"];

/// What a built wasm module keeps beyond its code.
#[derive(Clone, Copy, PartialEq)]
enum Kept {
    /// Nothing: the download pays for every byte.
    Nothing,
    /// The functions' names (the name section), so a profile names them.
    Names,
}

fn build_package(package: &Package, site: &Path, target: &Path, kept: Kept) -> Result {
    let rustflags = [IMMEDIATE_ABORT.join("\u{1f}"), short_source_paths()].join("\u{1f}");
    let mut cargo = vec!["build", "-p", package.krate, "--target", "wasm32-unknown-unknown"];
    cargo.extend(["--profile", "wasm-release", BUILD_STD]);
    let target_arg = format!("--target-dir={}", path_str(target)?);
    cargo.push(&target_arg);
    if !package.features.is_empty() {
        cargo.extend(["--features", package.features]);
    }
    let env = [("CARGO_ENCODED_RUSTFLAGS", rustflags.as_str()), ("RUSTC_BOOTSTRAP", "1")];
    command::run_with_env("cargo", &cargo, &env)
        .map_err(|error| format!("{error} (std is built from the rust-src component: run `cargo xtask setup`)"))?;
    let compiled = target.join(format!("wasm32-unknown-unknown/wasm-release/{}.wasm", package.lib_name));
    let out_dir = site.join(package.out_dir);
    let mut bindgen = vec!["--target", "web", "--no-typescript", "--out-dir", path_str(&out_dir)?];
    bindgen.extend(["--out-name", package.lib_name, path_str(&compiled)?]);
    if package.wasm_url_given {
        bindgen.push("--omit-default-module-path");
    }
    command::run("wasm-bindgen", &bindgen)?;
    let wasm = out_dir.join(format!("{}_bg.wasm", package.lib_name));
    shrink(&wasm, kept)?;
    crate::source_paths::blank(&wasm)?;
    let glue = out_dir.join(format!("{}.js", package.lib_name));
    if package.short_strings {
        read_short_strings_by_hand(&glue)?;
    }
    bundle_glue(&glue, &out_dir.join("snippets"), package.wasm_url_given)?;
    crate::imports::shorten(&wasm, &glue)?;
    report_size(&format!("{} (wasm + JS glue)", package.krate), &[&wasm, &glue])
}

/// Rust flags that shorten the source paths a wasm module carries (the file names of panic locations: its
/// download pays for every byte): the crates' registry folders and the workspace become
/// [`crate::source_paths::MARKER`], by which the build then finds and blanks them. Nothing else changes;
/// the flags are given to the wasm builds only (with `--target`, build scripts and proc-macros are built
/// without them).
fn short_source_paths() -> String {
    use crate::source_paths::MARKER;
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")));
    let registries = cargo_home.and_then(|home| std::fs::read_dir(home.join("registry/src")).ok());
    let mut prefixes: Vec<PathBuf> = registries.into_iter().flatten().flatten().map(|entry| entry.path()).collect();
    prefixes.push(command::workspace_root());
    // Std's own files, compiled with the module (see [`BUILD_STD`]).
    prefixes.extend(crate::setup::rust_library_dir());
    // Cargo names our own crates' files relative to the workspace: their source folders go too, so a panic
    // location in the wasm reads `@src/connection/socket.rs`, not `visitor-wasm/src/connection/socket.rs`.
    prefixes.extend(["visitor-wasm/src", "agent-viewer/src", "protocol/src"].map(PathBuf::from));
    let flags: Vec<String> =
        prefixes.iter().map(|prefix| format!("--remap-path-prefix={}/={MARKER}", prefix.display())).collect();
    flags.join("\u{1f}")
}

/// `wasm-opt -Oz` in place, with a binaryen that keeps wasm-bindgen's externref table intact.
fn shrink(wasm: &Path, kept: Kept) -> Result {
    let path = path_str(wasm)?;
    // Rust never uses the lowest KiB of memory (its stack and data start higher), which lets wasm-opt fold
    // more address arithmetic; GUFA and a second pass each take a little more off the download, and so does
    // one round through flat IR first (flatten, then rebuild the control flow: about 220 B gzipped off the
    // visitor's wasm). The target-features section only informs tools: browsers ignore it.
    let mut args = vec![
        "--low-memory-unused",
        "--flatten",
        "--rereloop",
        "-Oz",
        "-Oz",
        "--gufa",
        "-Oz",
        "--converge",
        if kept == Kept::Names { "--debuginfo" } else { "--strip-debug" },
        "--strip-producers",
        "--strip-target-features",
        "-o",
        path,
        path,
    ];
    args.extend(WASM_FEATURES);
    command::run(&crate::setup::wasm_opt_path(), &args)
}

/// Minifies the glue; if wasm-bindgen wrote JS snippets beside it (`#[wasm_bindgen(module = ...)]`, such as
/// the visitor's `js/describe.js`), bundles them into it and removes them: the package stays two files,
/// one request each, and the shim's version hash covers the snippets. The glue is trimmed first (see
/// [`trim_glue`]; with `wasm_given`, also [`GIVEN_WASM_TRIMS`]).
fn bundle_glue(glue: &Path, snippets: &Path, wasm_given: bool) -> Result {
    trim_glue(glue, wasm_given)?;
    if !snippets.is_dir() {
        return minify(glue, glue, Some("esm"));
    }
    esbuild(glue, glue, &["--bundle", "--format=esm"])?;
    std::fs::remove_dir_all(snippets).map_err(|error| format!("cannot remove {}: {error}", snippets.display()))
}

/// What [`trim_glue`] takes out of wasm-bindgen's `--target web` glue: text ours never needs, each replaced
/// as written by the pinned wasm-bindgen (a pattern not found is left alone, so a newer glue still works).
const GLUE_TRIMS: [(&str, &str); 3] = [
    // `initSync`, which nothing of ours calls (the shim and the viewer use the default, asynchronous init):
    // out of the exports, the bundler leaves out its code too.
    ("export { initSync, __wbg_init as default };", "export { __wbg_init as default };"),
    // The warning for an init called the old way: ours always pass an object.
    (
        "console.warn('using deprecated parameters for the initialization function; pass a single object instead')",
        "",
    ),
    // The long advice when a server sends the wasm without `application/wasm` (the relay always does): the
    // error itself is still logged.
    (
        "console.warn(\"`WebAssembly.instantiateStreaming` failed because your server does not serve Wasm with `application/wasm` MIME type. Falling back to `WebAssembly.instantiate` which is slower. Original error:\\n\", e);",
        "console.warn(e);",
    ),
];

/// What [`trim_glue`] also takes out of the glue, after [`GLUE_TRIMS`] (the warning below is theirs,
/// already shortened), of a package whose loader always hands its init a fetched `Response` (the shim
/// does, `www/shim/loader.js`; so does the benchmarks' loader): the branches for a URL, a `Request`, wasm
/// bytes or a compiled module. A server that sends the wasm without
/// `application/wasm` (or a browser without `instantiateStreaming`) still gets the slower compile from the
/// bytes: the fallback is kept, decided by whether the streaming compile left the body unread instead of
/// by the response's type and headers (about 150 B of the visitor's download).
const GIVEN_WASM_TRIMS: [(&str, &str); 2] = [
    (
        "async function __wbg_load(module, imports) {
    if (typeof Response === 'function' && module instanceof Response) {
        if (!module.ok) {
            throw new Error(`failed to fetch Wasm: ${module.status} ${module.statusText} fetching '${module.url}'`);
        }

        if (typeof WebAssembly.instantiateStreaming === 'function') {
            try {
                return await WebAssembly.instantiateStreaming(module, imports);
            } catch (e) {
                const validResponse = expectedResponseType(module.type);

                if (validResponse && module.headers.get('Content-Type') !== 'application/wasm') {
                    console.warn(e);

                } else { throw e; }
            }
        }

        const bytes = await module.arrayBuffer();
        return await WebAssembly.instantiate(bytes, imports);
    } else {
        const instance = await WebAssembly.instantiate(module, imports);

        if (instance instanceof WebAssembly.Instance) {
            return { instance, module };
        } else {
            return instance;
        }
    }

    function expectedResponseType(type) {
        switch (type) {
            case 'basic': case 'cors': case 'default': return true;
        }
        return false;
    }
}",
        "async function __wbg_load(module, imports) {
    if (!module.ok) throw new Error(`failed to fetch Wasm: ${module.status} fetching ${module.url}`);
    try {
        return await WebAssembly.instantiateStreaming(module, imports);
    } catch (e) {
        if (module.bodyUsed) throw e;
        console.warn(e);
        return await WebAssembly.instantiate(await module.arrayBuffer(), imports);
    }
}",
    ),
    (
        "    if (typeof module_or_path === 'string' || (typeof Request === 'function' && module_or_path instanceof Request) || (typeof URL === 'function' && module_or_path instanceof URL)) {
        module_or_path = fetch(module_or_path);
    }
",
        "",
    ),
];

/// How the glue reads a string from the wasm's memory: every string through `TextDecoder.decode`, whose
/// fixed cost per call is far above a short string's bytes.
const STRING_FROM_WASM: &str = "function getStringFromWasm0(ptr, len) {
    ptr = ptr >>> 0;
    return decodeText(getUint8ArrayMemory0().subarray(ptr, ptr + len));
}";

/// [`STRING_FROM_WASM`] with short ASCII strings (up to 64 bytes: tag and attribute names, most values)
/// read byte by byte, anything else through `TextDecoder` as before. The viewer passes each tag, attribute
/// name and value it builds into JS as a string: profiled while a late agent's viewer built the 10,000-element
/// page, `decode` took 44 ms of self time; read so, 5 ms. (The visitor passes few strings to JS, and its
/// download pays for every byte of glue: it keeps the glue as it is.)
const SHORT_STRINGS: &str = "function getStringFromWasm0(ptr, len) {
    ptr = ptr >>> 0;
    const memory = getUint8ArrayMemory0();
    if (len <= 64) {
        let text = '';
        for (let at = ptr; at < ptr + len; at++) {
            const byte = memory[at];
            if (byte > 127) return decodeText(memory.subarray(ptr, ptr + len));
            text += String.fromCharCode(byte);
        }
        return text;
    }
    return decodeText(memory.subarray(ptr, ptr + len));
}";

/// Puts [`SHORT_STRINGS`] in place of [`STRING_FROM_WASM`] in the glue at `glue`. Unlike a trim, a glue
/// without the expected function is an error: the viewer would quietly build its mirror slower.
fn read_short_strings_by_hand(glue: &Path) -> Result {
    let text = std::fs::read_to_string(glue).map_err(|error| format!("cannot read {}: {error}", glue.display()))?;
    if !text.contains(STRING_FROM_WASM) {
        return Err(format!(
            "{} has no `getStringFromWasm0` as wasm-bindgen 0.2.130 writes it: update STRING_FROM_WASM and \
             SHORT_STRINGS in xtask/src/site.rs for this wasm-bindgen",
            glue.display()
        ));
    }
    let patched = text.replace(STRING_FROM_WASM, SHORT_STRINGS);
    std::fs::write(glue, patched).map_err(|error| format!("cannot write {}: {error}", glue.display()))
}

/// Takes [`GLUE_TRIMS`] out of the glue (and then, with `wasm_given`, [`GIVEN_WASM_TRIMS`]): the
/// visitor's download pays for every byte of it.
fn trim_glue(glue: &Path, wasm_given: bool) -> Result {
    let read_error = |error| format!("cannot read {}: {error}", glue.display());
    let text = std::fs::read_to_string(glue).map_err(read_error)?;
    let given: &[(&str, &str)] = if wasm_given { &GIVEN_WASM_TRIMS } else { &[] };
    let trimmed = GLUE_TRIMS.iter().chain(given).fold(text.clone(), |text, (from, to)| text.replace(from, to));
    if trimmed != text {
        std::fs::write(glue, trimmed).map_err(|error| format!("cannot write {}: {error}", glue.display()))?;
    }
    Ok(())
}

/// Bundles the shim's entry module and the modules it imports into one minified classic script (an IIFE: a
/// site loads it with a plain `<script src async>`), with the pinned esbuild. `es2020` is the syntax the
/// shim already needed (`import()`); esbuild lowers anything newer a module might use. `version` becomes
/// the shim's `VISITOR_VERSION`.
fn bundle_shim(entry: &Path, destination: &Path, version: &str) -> Result {
    let define = format!("--define:VISITOR_VERSION=\"{version}\"");
    esbuild(entry, destination, &["--bundle", "--format=iife", "--target=es2020", &define])
}

/// Bundles a module the shim imports with `import()` (the support call's, the asset uploader's) and the
/// modules it imports into one minified ES module.
fn bundle_module(entry: &Path, destination: &Path) -> Result {
    esbuild(entry, destination, &["--bundle", "--format=esm", "--target=es2020"])
}

/// A hash of the built visitor package (its glue and its wasm), of the support call's module and stylesheet
/// and of the asset uploader's module, 16 hex digits: it changes whenever one of them does, so the URLs the
/// shim loads them from do too.
fn visitor_version() -> Result<String> {
    use std::hash::{Hash, Hasher};
    let visitor = site_dir().join(PACKAGES[0].out_dir);
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for name in ["cobrowse_visitor.js", "cobrowse_visitor_bg.wasm", CALL_MODULE, CALL_STYLESHEET] {
        let path = visitor.join(name);
        let bytes = std::fs::read(&path).map_err(|error| format!("cannot read {}: {error}", path.display()))?;
        bytes.hash(&mut hasher);
    }
    Ok(format!("{:016x}", hasher.finish()))
}

/// Minifies the JS or CSS at `source` into `destination` (may be the same file) with the pinned esbuild.
/// `format` is the JS module format, `esm` (the glue); `None` for CSS.
fn minify(source: &Path, destination: &Path, format: Option<&str>) -> Result {
    let format = format.map(|format| format!("--format={format}"));
    esbuild(source, destination, format.as_slice())
}

/// esbuild `source` → `destination` minified, without comments (the sources in `www/` are the documented
/// copies), with `extra` arguments.
fn esbuild(source: &Path, destination: &Path, extra: &[impl AsRef<str>]) -> Result {
    let esbuild = crate::setup::node_tools_dir().join("node_modules/.bin/esbuild");
    let outfile = format!("--outfile={}", path_str(destination)?);
    let mut args =
        vec![path_str(source)?, "--minify", "--legal-comments=none", "--allow-overwrite", "--log-level=warning"];
    args.extend(extra.iter().map(AsRef::as_ref));
    args.push(&outfile);
    command::run(path_str(&esbuild)?, &args)
}

/// Lints the shim's modules, their tests and the visitor wasm's own JS (eslint, `tools/eslint.config.js`),
/// then runs the shim's tests (vitest in jsdom, `tools/vitest.config.js`).
pub fn check_shim() -> Result {
    let bin = crate::setup::node_tools_dir().join("node_modules/.bin");
    let eslint = ["--config", "tools/eslint.config.js", "--max-warnings=0", "www/shim", "visitor-wasm/js", "tools"];
    command::run(path_str(&bin.join("eslint"))?, &eslint)?;
    command::run_in(&crate::setup::node_tools_dir(), path_str(&bin.join("vitest"))?, &["run"], &[])
}

fn report_size(name: &str, files: &[&Path]) -> Result {
    let (mut raw, mut gzipped) = (0, 0);
    for file in files {
        let bytes = std::fs::read(file).map_err(|error| format!("cannot read {}: {error}", file.display()))?;
        raw += bytes.len();
        gzipped += gzip_len(&bytes);
    }
    let (raw_kb, gzipped_kb) = (raw as f64 / 1024.0, gzipped as f64 / 1024.0);
    eprintln!("xtask: {name}: {raw_kb:.1} KB raw, {gzipped_kb:.1} KB gzipped ({gzipped} B)");
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

#[cfg(test)]
mod tests {
    use super::*;

    fn glue_file(name: &str, text: &str) -> PathBuf {
        let path = std::env::temp_dir().join(format!("xtask-{}-{name}.js", std::process::id()));
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn the_viewer_glue_reads_short_strings_by_hand() {
        let glue = glue_file("glue", &format!("const a = 1;\n{STRING_FROM_WASM}\nexport {{ a }};\n"));
        read_short_strings_by_hand(&glue).unwrap();
        let patched = std::fs::read_to_string(&glue).unwrap();
        assert_eq!(patched, format!("const a = 1;\n{SHORT_STRINGS}\nexport {{ a }};\n"));
        std::fs::remove_file(glue).unwrap();
    }

    #[test]
    fn a_glue_without_the_expected_function_is_an_error_that_says_what_to_update() {
        let glue = glue_file("other", "function getStringFromWasm0(p, l) { return ''; }\n");
        let error = read_short_strings_by_hand(&glue).unwrap_err();
        assert!(error.contains("update STRING_FROM_WASM and SHORT_STRINGS"), "{error}");
        assert_eq!(std::fs::read_to_string(&glue).unwrap(), "function getStringFromWasm0(p, l) { return ''; }\n");
        std::fs::remove_file(glue).unwrap();
    }
}
