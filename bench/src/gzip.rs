//! Gzipped sizes: at the default level, as a web server compressing on the fly would send a file (the
//! same measure as `cargo xtask build` prints), and with zopfli, as the relay sends the files `cargo xtask
//! build` precompressed (`NAME.gz`, see `xtask/src/precompress.rs`).

use flate2::{write::GzEncoder, Compression};
use std::io::Write;

/// Size of `bytes` gzipped at the default level.
pub fn gzip_len(bytes: &[u8]) -> usize {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(bytes).expect("writing to a Vec cannot fail");
    encoder.finish().expect("writing to a Vec cannot fail").len()
}

/// Size of `bytes` compressed with zopfli (default options), as `cargo xtask build` precompresses them.
pub fn zopfli_len(bytes: &[u8]) -> usize {
    let mut compressed = Vec::new();
    zopfli::compress(zopfli::Options::default(), zopfli::Format::Gzip, bytes, &mut compressed)
        .expect("writing to a Vec cannot fail");
    compressed.len()
}
