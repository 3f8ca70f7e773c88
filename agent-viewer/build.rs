//! The viewer's wasm stack: 8 MiB instead of Rust's default 1 MiB.
//!
//! Decoding and building a page tree recurse once per level, and a tree may nest up to
//! `cobrowse_protocol::MAX_DEPTH` (512) levels. In an optimized build that takes about half of the default
//! stack to decode; in the debug build of the wasm tests several times the default. A stack that runs out
//! in wasm is not an error the viewer can catch: it corrupts memory ("memory access out of bounds"). The
//! stack is only reserved memory in the agent's browser, never download size.

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        println!("cargo::rustc-link-arg=-zstack-size={}", 8 << 20);
    }
}
