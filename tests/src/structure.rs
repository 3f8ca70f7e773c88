//! Structure match: how much of the visitor's page the mirror reproduces, as a percentage of nodes.
//!
//! The fidelity test needs a number per page, not only a list of differences. Both deep canonical trees
//! (see `js/canonical_tree.js`) are walked together as [`crate::compare`] walks them: children are paired
//! by a longest common subsequence of kind and tag, so one missing node costs only itself and its subtree.
//! A visitor node counts as matched when the mirror has it at the same place with the same tag, the
//! attributes that matter, text, form state, scroll offset, modal state and media state. The match is
//! matched nodes / visitor nodes; what the mirror has in excess costs nothing here (an extra attribute on
//! a node does: that node is not matched).

use crate::compare::{align, comparable_children, own_differences, Aligned, Difference};
use crate::tree::{Element, Node};

/// How many of the visitor's nodes the mirror matches, and the first differences found.
#[derive(Debug, Clone, Default)]
pub struct Score {
    /// Nodes (elements and merged texts) in the visitor's tree.
    pub nodes: usize,
    /// Of those, the nodes the mirror reproduces.
    pub matched: usize,
    /// The differences found, in document order (for the failure report).
    pub differences: Vec<Difference>,
}

impl Score {
    /// Matched nodes as a percentage of the visitor's nodes (100 for an empty page).
    pub fn percent(&self) -> f64 {
        if self.nodes == 0 {
            return 100.0;
        }
        self.matched as f64 * 100.0 / self.nodes as f64
    }
}

/// Scores `mirror` against the visitor's tree `visitor`.
pub fn score(visitor: &Element, mirror: &Element) -> Score {
    let mut score = Score::default();
    score_element(&visitor.label(), visitor, mirror, &mut score);
    score
}

fn score_element(path: &str, visitor: &Element, mirror: &Element, score: &mut Score) {
    score.nodes += 1;
    let mut found = Vec::new();
    own_differences(path, visitor, mirror, &mut found);
    let same_element = visitor.tag == mirror.tag && visitor.ns == mirror.ns;
    if found.is_empty() {
        score.matched += 1;
    }
    score.differences.extend(found);
    if !same_element {
        score.nodes += visitor.node_count() - 1;
        return;
    }
    let (visitor_kids, mirror_kids) = comparable_children(visitor, mirror);
    for step in align(&visitor_kids, &mirror_kids) {
        match step {
            Aligned::Both(i, Node::Text { text: v }, Node::Text { text: m }) => {
                score.nodes += 1;
                if v == m || visitor.masked {
                    score.matched += 1;
                } else {
                    score.differences.push(Difference { path: path.to_string(), what: format!("text #{i} differs") });
                }
            }
            Aligned::Both(_, Node::El(v), Node::El(m)) => {
                score_element(&format!("{path} > {}", v.label()), v, m, score);
            }
            Aligned::Both(..) | Aligned::MirrorOnly(_) => {}
            Aligned::VisitorOnly(i, node) => {
                score.nodes += match node {
                    Node::El(element) => element.node_count(),
                    Node::Text { .. } => 1,
                };
                score.differences.push(Difference {
                    path: path.to_string(),
                    what: format!("child #{i} {} is missing in the mirror", node.label()),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn element(tag: &str, kids: Vec<Node>) -> Element {
        Element {
            tag: tag.into(),
            ns: "html".into(),
            attrs: Vec::new(),
            form: None,
            masked: false,
            kids,
            scroll: None,
            modal: None,
            media: None,
        }
    }

    fn text(text: &str) -> Node {
        Node::Text { text: text.into() }
    }

    #[test]
    fn an_equal_mirror_matches_every_node() {
        let page = element("body", vec![text("hi"), Node::El(element("p", vec![text("x")]))]);
        let score = score(&page, &page.clone());
        assert_eq!((score.nodes, score.matched), (4, 4));
        assert_eq!(score.percent(), 100.0);
    }

    #[test]
    fn a_missing_subtree_costs_all_its_nodes_and_a_changed_text_one() {
        let visitor =
            element("body", vec![text("hi"), Node::El(element("div", vec![Node::El(element("p", vec![text("x")]))]))]);
        let mirror = element("body", vec![text("ho")]);
        let score = score(&visitor, &mirror);
        assert_eq!((score.nodes, score.matched), (5, 1), "{:?}", score.differences);
        assert_eq!(score.percent(), 20.0);
    }

    #[test]
    fn scroll_offsets_count_and_extra_mirror_nodes_do_not() {
        let mut visitor = element("div", vec![]);
        visitor.scroll = Some((0, 120));
        let mut mirror = element("div", vec![Node::El(element("span", vec![]))]);
        assert_eq!(score(&visitor, &mirror).matched, 0);
        mirror.scroll = Some((0, 121));
        let score = score(&visitor, &mirror);
        assert_eq!((score.nodes, score.matched), (1, 1));
    }
}
