//! The site the page-change benchmark's visitor walks through, served by the relay itself.
//!
//! The relay serves `/demo/*` from its `www_dir`; the benchmark points that at a copy of `www/` in a
//! temporary folder, with the generated large page added beside the demo pages. Same origin as the shim
//! and the recorder, so the browser's Resource Timing may report their `transferSize` (a cross-origin
//! file reports 0 without a `Timing-Allow-Origin` header, which would read as "from cache"); the
//! browser's cache is keyed by the top-level site either way, so what it keeps between pages is the same
//! as on a customer's own origin.

use crate::{large_page, paths};
use std::path::{Path, PathBuf};

/// Elements of the generated large page.
pub const LARGE_PAGE_ELEMENTS: usize = 5_000;
/// The generated large page's file, beside the demo pages.
pub const LARGE_PAGE_FILE: &str = "bench-large-5000.html";

/// The shim's tag as the demo pages have it (relative: the relay serves them).
const SHIM_TAG: &str = r#"<script src="/cobrowse.js" data-site="demo" async></script>"#;

/// A copy of `www/` with the large page added; removed when dropped.
pub struct BenchSite {
    root: PathBuf,
    demo_pages: Vec<String>,
}

impl BenchSite {
    /// Copies `www/` into a fresh temporary folder and writes the large page into its `demo/`.
    pub fn create() -> cobrowse_e2e::Result<Self> {
        let root = std::env::temp_dir().join(format!("cobrowse-bench-pages-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        copy_dir(&paths::www_dir(), &root)
            .map_err(|error| format!("cannot copy www/ to {}: {error}", root.display()))?;
        let demo_pages = html_files(&root.join("demo"))?;
        if demo_pages.is_empty() {
            return Err("www/demo has no .html page".into());
        }
        std::fs::write(root.join("demo").join(LARGE_PAGE_FILE), large_page_with_shim())?;
        Ok(Self { root, demo_pages })
    }

    /// What the relay's `www_dir` should be.
    pub fn www_dir(&self) -> PathBuf {
        self.root.clone()
    }

    /// The demo pages' files (`index.html`, ...), sorted.
    pub fn demo_pages(&self) -> &[String] {
        &self.demo_pages
    }
}

impl Drop for BenchSite {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// The generated large page, loading the shim as the demo pages do.
fn large_page_with_shim() -> String {
    large_page::html(LARGE_PAGE_ELEMENTS).replacen("</head>", &format!("{SHIM_TAG}</head>"), 1)
}

/// The `.html` files directly in `dir`, sorted.
fn html_files(dir: &Path) -> cobrowse_e2e::Result<Vec<String>> {
    let mut pages: Vec<String> = std::fs::read_dir(dir)?
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.ends_with(".html"))
        .collect();
    pages.sort();
    Ok(pages)
}

/// Copies the folder `from` to `to`, recursively.
fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_large_page_loads_the_shim_in_its_head() {
        let page = large_page_with_shim();
        assert_eq!(page.matches(SHIM_TAG).count(), 1);
        assert!(page.find(SHIM_TAG) < page.find("</head>"));
    }

    #[test]
    fn the_copy_has_the_demo_pages_and_the_large_page() {
        let site = BenchSite::create().unwrap();
        assert!(site.demo_pages().iter().any(|page| page == "index.html"));
        assert!(!site.demo_pages().iter().any(|page| page == LARGE_PAGE_FILE), "made after the listing");
        assert!(site.www_dir().join("demo").join(LARGE_PAGE_FILE).is_file());
        assert!(site.www_dir().join("agent/index.html").is_file());
    }
}
