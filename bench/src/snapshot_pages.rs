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
    kept_by_env(every_page(), |page| &page.name)
}

/// The pages whose name (`name_of`) contains `BENCH_PAGES`, where it is set, with a note saying so (and
/// naming every page where it matches none: the section then measures nothing); else all of them.
pub fn kept_by_env<P>(pages: Vec<P>, name_of: impl Fn(&P) -> &str) -> Vec<P> {
    match std::env::var("BENCH_PAGES") {
        Ok(wanted) if !wanted.is_empty() => kept(pages, &wanted, name_of),
        _ => pages,
    }
}

fn kept<P>(pages: Vec<P>, wanted: &str, name_of: impl Fn(&P) -> &str) -> Vec<P> {
    println!("\nnote: BENCH_PAGES={wanted}: only the pages whose name contains it are measured");
    let names: Vec<String> = pages.iter().map(|page| format!("`{}`", name_of(page))).collect();
    let kept: Vec<P> = pages.into_iter().filter(|page| name_of(page).contains(wanted)).collect();
    if kept.is_empty() {
        println!("note: BENCH_PAGES={wanted} matches none of this section's pages: {}", names.join(", "));
    }
    kept
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

#[cfg(test)]
mod tests {
    use super::kept;

    #[test]
    fn the_pages_kept_are_those_whose_name_holds_the_filter() {
        let pages = vec!["generated, 10,000 elements", "admin table page", "generated, 100,000 elements"];
        assert_eq!(kept(pages.clone(), "10,000", |page| page), ["generated, 10,000 elements"]);
        assert_eq!(
            kept(pages.clone(), "0,000 el", |page| page),
            ["generated, 10,000 elements", "generated, 100,000 elements"]
        );
        assert!(kept(pages, "10000", |page| page).is_empty());
    }
}
