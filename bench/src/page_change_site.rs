//! The site the page-change benchmark's visitor walks through, served by the relay itself.
//!
//! The relay serves `/demo/*` from its `www_dir`; the benchmark points that at a copy of `www/` in a
//! temporary folder, with the generated large page added beside the demo pages. Same origin as the shim
//! and the recorder, so the browser's Resource Timing may report their `transferSize` (a cross-origin
//! file reports 0 without a `Timing-Allow-Origin` header, which would read as "from cache"); the
//! browser's cache is keyed by the top-level site either way, so what it keeps between pages is the same
//! as on a customer's own origin.
//!
//! Every page of the copy ends with an empty marker element ([`END_MARKER_ID`]) as the last child of its
//! body: once the mirror holds it, the page is arriving. (The snapshot of a large page is sliced across
//! tasks and reaches the mirror in parts, not necessarily in document order: the section finds the whole
//! page from the count of parts, see `page_change.rs`.)

use crate::{large_page, paths};
use std::path::{Path, PathBuf};

/// Elements of the generated large page.
pub const LARGE_PAGE_ELEMENTS: usize = 5_000;
/// The generated large page's file, beside the demo pages.
pub const LARGE_PAGE_FILE: &str = "bench-large-5000.html";

/// The shim's tag as the demo pages have it (relative: the relay serves them).
const SHIM_TAG: &str = r#"<script src="/cobrowse.js" data-site="demo" async></script>"#;

/// The id of the empty element every page of the copy ends with (see the module doc).
pub const END_MARKER_ID: &str = "bench-page-end";

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
        for page in &demo_pages {
            let path = root.join("demo").join(page);
            std::fs::write(&path, with_end_marker(&std::fs::read_to_string(&path)?)?)?;
        }
        std::fs::write(root.join("demo").join(LARGE_PAGE_FILE), with_end_marker(&large_page_with_shim())?)?;
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

/// `html` with the end marker as the last child of its body.
fn with_end_marker(html: &str) -> cobrowse_e2e::Result<String> {
    let end = html.rfind("</body>").ok_or("a page of the bench site has no </body>")?;
    Ok(format!("{}<i id=\"{END_MARKER_ID}\" hidden></i>{}", &html[..end], &html[end..]))
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
    fn the_copy_has_the_demo_pages_and_the_large_page_each_ending_with_the_marker() {
        let site = BenchSite::create().unwrap();
        assert!(site.demo_pages().iter().any(|page| page == "index.html"));
        assert!(!site.demo_pages().iter().any(|page| page == LARGE_PAGE_FILE), "made after the listing");
        assert!(site.www_dir().join("demo").join(LARGE_PAGE_FILE).is_file());
        assert!(site.www_dir().join("agent/index.html").is_file());
        // One copy per test run: two would share their folder (it is named by the process).
        let demo = site.www_dir().join("demo");
        let pages = site.demo_pages().iter().map(String::as_str).chain([LARGE_PAGE_FILE]);
        for page in pages {
            let html = std::fs::read_to_string(demo.join(page)).unwrap();
            let marker = format!("<i id=\"{END_MARKER_ID}\" hidden></i></body>");
            assert_eq!(html.matches(&marker).count(), 1, "{page}");
        }
    }
}
