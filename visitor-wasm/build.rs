//! The visitor's wasm stack: 4 MiB instead of Rust's default 1 MiB.
//!
//! Serializing the page recurses once per level of its tree, down to `cobrowse_protocol::MAX_DEPTH` (512)
//! levels, where `tree/snapshot.rs` cuts it: a fraction of the default stack in an optimized build, but
//! more than all of it in the debug build of the wasm tests. A stack that runs out in wasm is not an error
//! the recorder can catch: it corrupts memory. The stack is reserved memory, never download size.

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        println!("cargo::rustc-link-arg=-zstack-size={}", 4 << 20);
    }
}
