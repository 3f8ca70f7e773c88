//! The pages whose full snapshots are measured: the demo shop, generated large pages, and the fidelity
//! corpus of real pages (skipped, with a note, when it is absent).

use crate::paths;

/// Element counts of the generated large pages.
pub const LARGE_PAGE_ELEMENTS: [usize; 2] = [5_000, 20_000];

/// A page, by name and path on the page server.
pub struct BenchPage {
    pub name: String,
    pub path: String,
}

/// Every page, in the order measured.
pub fn all() -> Vec<BenchPage> {
    let mut pages = vec![BenchPage { name: "demo shop (www/demo)".into(), path: "/demo/".into() }];
    pages.extend(LARGE_PAGE_ELEMENTS.iter().map(|&elements| BenchPage {
        name: format!("generated, {elements} elements"),
        path: format!("/generated/{}", large_page_file(elements)),
    }));
    pages.extend(corpus_pages());
    pages
}

/// The file name under `/generated/` of the large page with `elements` elements.
pub fn large_page_file(elements: usize) -> String {
    format!("large-{elements}.html")
}

/// The corpus's `html/*.html`, sorted, or none with a printed note.
fn corpus_pages() -> Vec<BenchPage> {
    let Some(corpus) = paths::corpus_dir() else {
        println!("\nnote: the rrweb-snapshot corpus is absent: only the demo and the generated pages are measured");
        return Vec::new();
    };
    let mut files: Vec<String> = std::fs::read_dir(corpus.join("html"))
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|entry| entry.file_name().into_string().ok())
                .filter(|name| name.ends_with(".html"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
        .into_iter()
        .map(|file| BenchPage { name: format!("corpus {file}"), path: format!("/corpus/html/{file}") })
        .collect()
}
