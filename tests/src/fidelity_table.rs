//! The fidelity test's results, page by page: the printed table, the verdicts and the failure report.
//!
//! A page passes when, after load and after its interaction, the mirror matches at least
//! [`MIN_STRUCTURE_PERCENT`] of the visitor's nodes and at most [`MAX_DIFFERING_PIXELS_PERCENT`] of the
//! viewport's pixels differ. A page that does not, and is listed in the README's known limitations, is
//! reported with its reason and does not fail the test.

use crate::compare::report;
use crate::fidelity::{Measurement, MAX_DIFFERING_PIXELS_PERCENT, MIN_STRUCTURE_PERCENT};
use crate::limitations::Limitations;

/// How many differences a failing page lists.
const SHOWN_DIFFERENCES: usize = 8;

/// One page's results: after load, and after its interaction (none if the load already failed to run).
pub struct PageResult {
    /// The page's path on the fidelity site, e.g. `html/basic.html` or `fidelity/canvas.html`.
    pub page: String,
    pub load: Result<Measurement, String>,
    pub interaction: Option<Result<Measurement, String>>,
}

/// What became of a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    /// Below the thresholds, but listed in the README with this reason.
    Known(String),
    Fail,
}

impl PageResult {
    /// Whether both measurements ran and are within the thresholds.
    pub fn within_thresholds(&self) -> bool {
        let fine = |measured: &Result<Measurement, String>| {
            measured.as_ref().is_ok_and(|m| {
                m.structure.percent() >= MIN_STRUCTURE_PERCENT && m.pixels.percent() <= MAX_DIFFERING_PIXELS_PERCENT
            })
        };
        fine(&self.load) && self.interaction.as_ref().is_some_and(fine)
    }

    /// Pass, known limitation, or fail.
    pub fn verdict(&self, limitations: &Limitations) -> Verdict {
        if self.within_thresholds() {
            return Verdict::Pass;
        }
        match limitations.get(&self.page) {
            Some(reason) => Verdict::Known(reason.clone()),
            None => Verdict::Fail,
        }
    }

    /// What went wrong, for the failure report.
    pub fn explain(&self) -> String {
        let mut text = format!("{}:\n", self.page);
        for (when, measured) in [("after load", Some(&self.load)), ("after interaction", self.interaction.as_ref())] {
            match measured {
                None => text.push_str(&format!("  {when}: not measured\n")),
                Some(Err(error)) => text.push_str(&format!("  {when}: error: {error}\n")),
                Some(Ok(m)) => {
                    text.push_str(&format!(
                        "  {when}: structure {:.1}% ({}/{} nodes), pixels {:.2}% differ (visitor {:?}, mirror {:?})\n",
                        m.structure.percent(),
                        m.structure.matched,
                        m.structure.nodes,
                        m.pixels.percent(),
                        m.pixels.visitor_size,
                        m.pixels.mirror_size
                    ));
                    text.push_str(&report(&m.structure.differences, SHOWN_DIFFERENCES));
                }
            }
        }
        text
    }
}

/// The table: page | structure after load | pixels after load | structure after interaction | pixels
/// after interaction | verdict.
pub fn table(results: &[PageResult], limitations: &Limitations) -> String {
    let width = results.iter().map(|r| r.page.len()).max().unwrap_or(4).max(4);
    let mut text = format!(
        "{:<width$} | {:>10} | {:>10} | {:>10} | {:>10} | verdict\n",
        "page", "structure", "pixels", "structure", "pixels"
    );
    text.push_str(&format!(
        "{:<width$} | {:>10} | {:>10} | {:>10} | {:>10} |\n",
        "", "load", "load", "interacted", "interacted"
    ));
    text.push_str(&format!("{}\n", "-".repeat(width + 66)));
    for result in results {
        let (load_structure, load_pixels) = cells(Some(&result.load));
        let (after_structure, after_pixels) = cells(result.interaction.as_ref());
        let verdict = match result.verdict(limitations) {
            Verdict::Pass => "pass".to_string(),
            Verdict::Known(reason) => format!("known limitation: {}", crate::tree::shorten(&reason, 60)),
            Verdict::Fail => "FAIL".to_string(),
        };
        text.push_str(&format!(
            "{:<width$} | {load_structure:>10} | {load_pixels:>10} | {after_structure:>10} | {after_pixels:>10} | {verdict}\n",
            result.page
        ));
    }
    text
}

fn cells(measured: Option<&Result<Measurement, String>>) -> (String, String) {
    match measured {
        Some(Ok(m)) => (format!("{:.1}%", m.structure.percent()), format!("{:.2}%", m.pixels.percent())),
        Some(Err(_)) => ("error".into(), "error".into()),
        None => ("-".into(), "-".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pixels::{compare, Image};
    use crate::structure::Score;

    fn measured(matched: usize, differing_pixels: usize) -> Measurement {
        let white = Image { width: 10, height: 10, rgba: vec![255; 400] };
        let mut other = white.clone();
        other.rgba[..differing_pixels * 4].fill(0);
        Measurement {
            structure: Score { nodes: 100, matched, differences: Vec::new() },
            pixels: compare(&white, &other, 16),
        }
    }

    fn result(page: &str, load: Measurement, interaction: Measurement) -> PageResult {
        PageResult { page: page.into(), load: Ok(load), interaction: Some(Ok(interaction)) }
    }

    #[test]
    fn thresholds_decide_and_the_readme_excuses_only_listed_pages() {
        let mut limitations = Limitations::new();
        limitations.insert("html/listed.html".into(), "a reason".into());
        let fine = result("html/fine.html", measured(99, 1), measured(100, 0));
        assert_eq!(fine.verdict(&limitations), Verdict::Pass);
        let low = result("html/low.html", measured(100, 0), measured(98, 0));
        assert_eq!(low.verdict(&limitations), Verdict::Fail);
        let pixels = result("html/listed.html", measured(100, 2), measured(100, 0));
        assert_eq!(pixels.verdict(&limitations), Verdict::Known("a reason".into()));
        let unmeasured = PageResult { page: "html/x.html".into(), load: Err("no".into()), interaction: None };
        assert_eq!(unmeasured.verdict(&limitations), Verdict::Fail);
        let table = table(&[fine, low], &limitations);
        assert!(table.contains("html/fine.html") && table.contains("| pass") && table.contains("| FAIL"), "{table}");
    }
}
