//! The fidelity test's known limitations, read from the "Known limitations" table in `tests/README.md`.
//!
//! The README is the single place that says which pages may miss the fidelity thresholds, and why: the
//! test reads the table (`| page | reason |`) below the heading and lets exactly those pages pass with
//! their reason shown. A row without a reason is an error, so no page is excused silently.

use std::collections::BTreeMap;

/// The heading (any level) whose table lists the known limitations.
const HEADING: &str = "known limitations";

/// Page (as the fidelity table names it, e.g. `html/video.html`) → reason.
pub type Limitations = BTreeMap<String, String>;

/// Reads the known limitations from `tests/README.md`.
pub fn read() -> crate::error::Result<Limitations> {
    let path = crate::paths::tests_readme();
    let text = std::fs::read_to_string(&path).map_err(|error| format!("cannot read {}: {error}", path.display()))?;
    parse(&text)
}

/// The rows of the first table under the "Known limitations" heading (none when there is no heading).
pub fn parse(markdown: &str) -> crate::error::Result<Limitations> {
    let mut limitations = Limitations::new();
    let mut in_section = false;
    for line in markdown.lines() {
        let trimmed = line.trim();
        if let Some(heading) = trimmed.strip_prefix('#') {
            in_section = heading.trim_start_matches('#').trim().eq_ignore_ascii_case(HEADING);
            continue;
        }
        if !in_section || !trimmed.starts_with('|') {
            continue;
        }
        let cells: Vec<&str> = trimmed.trim_matches('|').split('|').map(str::trim).collect();
        let [page, reason, ..] = cells.as_slice() else {
            continue;
        };
        let page = page.trim_matches('`');
        let is_header = page.eq_ignore_ascii_case("page") || page.chars().all(|c| c == '-' || c == ':');
        if is_header {
            continue;
        }
        if reason.is_empty() {
            return Err(format!("tests/README.md, Known limitations: the row for {page} gives no reason").into());
        }
        limitations.insert(page.to_string(), reason.to_string());
    }
    Ok(limitations)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_under_the_heading_are_read_and_other_tables_are_not() {
        let markdown = "\
| test | checks |\n|---|---|\n| mirroring | x |\n\n\
## Known limitations\n\n| page | reason |\n|---|---|\n| `html/video.html` | no media file |\n\n\
## Next\n| a | b |\n";
        let found = parse(markdown).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found["html/video.html"], "no media file");
    }

    #[test]
    fn a_row_without_a_reason_is_an_error() {
        assert!(parse("## Known limitations\n| page | reason |\n|---|---|\n| html/x.html | |\n").is_err());
    }

    #[test]
    fn the_readme_parses() {
        read().unwrap();
    }
}
