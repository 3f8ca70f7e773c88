//! The closing table of `cargo xtask bench`: one row per target of issue 13 (and the download budget),
//! with what is measured, our figure, the baseline's, the ratio and "met" or "missed". A section fills the
//! rows it measures; a row no section of this run measured says "not measured", never a made-up figure.

use crate::report::{verdict, Table};

/// The targets, in the order.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// 1. A full snapshot ready to send: at most 1/10 of rrweb-snapshot + @rrweb/packer's time.
    FullSnapshot,
    /// 2. No main-thread task over 50 ms while a session starts or runs.
    LongestTask,
    /// 3. At most 0.4 of rrweb's packed bytes.
    Bytes,
    /// 3. The visitor's upstream bytes per session start, asset uploads included: at most 0.4 of rrweb's.
    UpstreamBytes,
    /// 4. Mutation storms: at most 1/3 of rrweb's recorder's main-thread time.
    MutationStorms,
    /// 5. DOM change to the agent's mirror: p50 ≤ 1.5 ms, p99 ≤ 5 ms.
    Latency,
    /// 5. A late agent's join to the page shown: at most 1/10 of an rrweb-based live cobrowse.
    Join,
    /// 6. The relay's cost per session.
    RelayCost,
    /// The house's budget: the visitor's download within 50 KB gzipped.
    Download,
}

/// Each target's row name and goal.
const TARGETS: [(Target, &str, &str); 9] = [
    (Target::FullSnapshot, "1. full snapshot time", "ratio >= 10x on every page"),
    (Target::LongestTask, "2. longest main-thread task", "<= 50 ms on every page"),
    (Target::Bytes, "3. snapshot bytes", "ratio <= 0.4 on every page"),
    (Target::UpstreamBytes, "3. upstream bytes per session start", "ratio <= 0.4"),
    (Target::MutationStorms, "4. mutation storms", "main-thread time <= 1/3 of rrweb's recorder"),
    (Target::Latency, "5. change latency", "p50 <= 1.5 ms, p99 <= 5 ms, 1 and 10 agents"),
    (Target::Join, "5. late agent's join", "<= 1/10 of an rrweb live cobrowse"),
    (Target::RelayCost, "6. relay cost per session", "<= 512 KB a session beyond kept state, 0 lost"),
    (Target::Download, "download size", "<= 50 KiB gzipped"),
];

/// One measured row.
pub struct Figure {
    /// What is measured, and where.
    pub measured: String,
    pub ours: String,
    pub baseline: String,
    pub ratio: String,
    pub met: bool,
}

/// The rows, filled by the sections of the run.
#[derive(Default)]
pub struct Summary {
    figures: Vec<(Target, Figure)>,
    /// Floors measured in the same run: what no implementation of the kind named could beat.
    bounds: Vec<(Target, String)>,
}

impl Summary {
    /// Records the figure of `target` (a later one replaces an earlier one).
    pub fn record(&mut self, target: Target, figure: Figure) {
        self.figures.retain(|(recorded, _)| *recorded != target);
        self.figures.push((target, figure));
    }

    /// Records a floor of `target` measured in this run (a later one replaces an earlier one): printed
    /// under the table, so a missed row says how far the goal is from what any implementation could show.
    pub fn record_bound(&mut self, target: Target, bound: String) {
        self.bounds.retain(|(recorded, _)| *recorded != target);
        self.bounds.push((target, bound));
    }

    pub fn print(&self) {
        let mut table = Table::new(
            "Summary: issue 13's targets (ours beside the baseline measured in the same run)",
            &["target", "what is measured", "ours", "baseline", "ratio", "goal", "verdict"],
        );
        for (target, name, goal) in TARGETS {
            table.row(match self.figures.iter().find(|(recorded, _)| *recorded == target) {
                Some((_, figure)) => vec![
                    name.into(),
                    figure.measured.clone(),
                    figure.ours.clone(),
                    figure.baseline.clone(),
                    figure.ratio.clone(),
                    goal.into(),
                    verdict(figure.met),
                ],
                None => {
                    let dash = || "-".to_string();
                    vec![name.into(), "not measured".into(), dash(), dash(), dash(), goal.into(), "not measured".into()]
                }
            });
        }
        table.print();
        for line in self.bound_lines() {
            println!("{line}");
        }
    }

    /// The floors recorded, a line each, in the targets' order.
    fn bound_lines(&self) -> Vec<String> {
        TARGETS
            .iter()
            .filter_map(|(target, name, _)| {
                let (_, bound) = self.bounds.iter().find(|(recorded, _)| recorded == target)?;
                Some(format!("   floor of {name}: {bound}"))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floors_print_in_the_targets_order_and_a_later_one_replaces_an_earlier_one() {
        let mut summary = Summary::default();
        summary.record_bound(Target::MutationStorms, "storms, first".into());
        summary.record_bound(Target::FullSnapshot, "snapshot".into());
        summary.record_bound(Target::MutationStorms, "storms, again".into());
        assert_eq!(
            summary.bound_lines(),
            [
                "   floor of 1. full snapshot time: snapshot".to_string(),
                "   floor of 4. mutation storms: storms, again".to_string(),
            ]
        );
    }

    #[test]
    fn no_floor_recorded_prints_no_line() {
        assert!(Summary::default().bound_lines().is_empty());
    }
}
