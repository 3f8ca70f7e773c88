//! The pages whose full snapshots are measured (issue 13's list): the demo shop, generated pages of 1k,
//! 10k and 100k elements, a long documentation page and a table-heavy admin page (`real_pages.rs`), and
//! the fidelity corpus of real pages (skipped, with a note, when it is absent).
//!
//! `BENCH_PAGES=NAME` keeps only the pages whose name contains NAME, for a quick comparison of two builds
//! on a few pages; a note says so, since the verdicts then speak of those pages only.

use crate::{paths, real_pages};

/// Element counts of the generated large pages.
pub const LARGE_PAGE_ELEMENTS: [usize; 3] = [1_000, 10_000, 100_000];

/// A page, by name and path on the page server.
pub struct BenchPage {
    pub name: String,
    pub path: String,
}

/// Every page, in the order measured (those `BENCH_PAGES` names, if set).
pub fn all() -> Vec<BenchPage> {
    let pages = every_page();
    match std::env::var("BENCH_PAGES") {
        Ok(wanted) if !wanted.is_empty() => {
            println!("\nnote: BENCH_PAGES={wanted}: only the pages whose name contains it are measured");
            pages.into_iter().filter(|page| page.name.contains(&wanted)).collect()
        }
        _ => pages,
    }
}

fn every_page() -> Vec<BenchPage> {
    let mut pages = vec![BenchPage { name: "demo shop (www/demo)".into(), path: "/demo/".into() }];
    pages.extend(LARGE_PAGE_ELEMENTS.iter().map(|&elements| BenchPage {
        name: format!("generated, {elements} elements"),
        path: format!("/generated/{}", large_page_file(elements)),
    }));
    pages.push(BenchPage { name: "documentation page".into(), path: format!("/generated/{}", real_pages::DOCS_FILE) });
    pages.push(BenchPage { name: "admin table page".into(), path: format!("/generated/{}", real_pages::ADMIN_FILE) });
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
