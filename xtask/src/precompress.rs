//! Precompressed copies of the built site: `NAME.gz` beside every script, stylesheet and wasm module in
//! `target/site/`, which the relay sends to browsers that accept gzip (`Content-Encoding: gzip`) instead of
//! compressing on every request — as nginx's `gzip_static` does.
//!
//! Why at build time: zopfli finds a smaller gzip stream than a server's on-the-fly gzip (about 5% less for
//! the visitor's download) at a cost (seconds) a server could not pay per request, and every browser decodes
//! it. What a visitor downloads is what the relay sends, so the benchmarks measure these files. Files over
//! [`ZOPFLI_MAX_BYTES`] (the agent viewer's module, which agents load once) get flate2's best level instead:
//! zopfli would take most of a minute on them.

use crate::command::Result;
use std::path::Path;

/// The largest file compressed with zopfli; larger ones get flate2's best level.
const ZOPFLI_MAX_BYTES: usize = 128 * 1024;

/// The file types the relay serves precompressed.
const COMPRESSED_EXTENSIONS: [&str; 3] = ["js", "css", "wasm"];

/// Writes `NAME.gz` beside each script, stylesheet and wasm module under `dir` (recursively).
pub fn all(dir: &Path) -> Result {
    let mut written = 0usize;
    for entry in std::fs::read_dir(dir).map_err(|error| format!("cannot list {}: {error}", dir.display()))? {
        let path = entry.map_err(|error| format!("cannot list {}: {error}", dir.display()))?.path();
        if path.is_dir() {
            all(&path)?;
        } else if wants_compressed_copy(&path) {
            compress_beside(&path)?;
            written += 1;
        }
    }
    if written > 0 {
        eprintln!("xtask: {written} precompressed copies (zopfli) in {}", dir.display());
    }
    Ok(())
}

fn wants_compressed_copy(path: &Path) -> bool {
    path.extension()
        .and_then(|extension| extension.to_str())
        .is_some_and(|extension| COMPRESSED_EXTENSIONS.contains(&extension))
}

/// Writes `path` + `.gz`, the file compressed with zopfli.
fn compress_beside(path: &Path) -> Result {
    let bytes = std::fs::read(path).map_err(|error| format!("cannot read {}: {error}", path.display()))?;
    let compressed = gzip(&bytes).map_err(|error| format!("cannot compress {}: {error}", path.display()))?;
    let mut target = path.as_os_str().to_owned();
    target.push(".gz");
    std::fs::write(&target, compressed)
        .map_err(|error| format!("cannot write {}: {error}", Path::new(&target).display()))?;
    Ok(())
}

/// `bytes` as a gzip stream: zopfli's up to [`ZOPFLI_MAX_BYTES`], flate2's best level above.
fn gzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut compressed = Vec::with_capacity(bytes.len() / 2);
    if bytes.len() <= ZOPFLI_MAX_BYTES {
        zopfli::compress(zopfli::Options::default(), zopfli::Format::Gzip, bytes, &mut compressed)?;
        return Ok(compressed);
    }
    let mut encoder = flate2::write::GzEncoder::new(compressed, flate2::Compression::best());
    std::io::Write::write_all(&mut encoder, bytes)?;
    encoder.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn a_compressed_copy_decodes_to_the_file_and_only_served_types_get_one() {
        let dir = std::env::temp_dir().join(format!("xtask-precompress-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("nested")).unwrap();
        let script = "function hello() { return 'hello, hello, hello'; }\n".repeat(50);
        std::fs::write(dir.join("nested/app.js"), &script).unwrap();
        std::fs::write(dir.join("page.html"), "<p>not precompressed</p>").unwrap();
        all(&dir).unwrap();
        let compressed = std::fs::read(dir.join("nested/app.js.gz")).unwrap();
        assert!(compressed.len() < script.len() / 5, "{} bytes", compressed.len());
        let mut decoded = String::new();
        flate2::read::GzDecoder::new(compressed.as_slice()).read_to_string(&mut decoded).unwrap();
        assert_eq!(decoded, script);
        assert!(!dir.join("page.html.gz").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
