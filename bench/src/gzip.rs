//! Gzipped size, at the default level, as a web server would send a file (the same measure as
//! `cargo xtask build` prints).

use flate2::{write::GzEncoder, Compression};
use std::io::Write;

/// Size of `bytes` gzipped at the default level.
pub fn gzip_len(bytes: &[u8]) -> usize {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(bytes).expect("writing to a Vec cannot fail");
    encoder.finish().expect("writing to a Vec cannot fail").len()
}
