//! Whether a mirror shows what the visitor sees: a walk over both canonical trees, listing differences.
//!
//! The visitor's tree is the truth. Where the visitor's masking rules cover an element, the mirror must
//! show [`MASK_TEXT`] instead of values and only mask glyphs as text; `javascript:` URLs must be gone;
//! the mirror may add `data-cobrowse-*` attributes of its own, nothing else.

use crate::tree::{shorten, Element, Node};
use cobrowse_protocol::MASK_TEXT;
use std::collections::BTreeMap;
use std::fmt;

/// One way the mirror differs from the visitor's page, at `path`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub path: String,
    pub what: String,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at {}: {}", self.path, self.what)
    }
}

/// Every difference between the visitor's tree and the mirror's, in document order.
pub fn differences(visitor: &Element, mirror: &Element) -> Vec<Difference> {
    let mut out = Vec::new();
    compare_element(&visitor.label(), visitor, mirror, &mut out);
    out
}

/// The differences as a numbered list, at most `max` of them.
pub fn report(differences: &[Difference], max: usize) -> String {
    let mut text = String::new();
    for (i, difference) in differences.iter().take(max).enumerate() {
        text.push_str(&format!("  {:>2}. {difference}\n", i + 1));
    }
    if differences.len() > max {
        text.push_str(&format!("  ... and {} more\n", differences.len() - max));
    }
    text
}

fn compare_element(path: &str, visitor: &Element, mirror: &Element, out: &mut Vec<Difference>) {
    let before = out.len();
    own_differences(path, visitor, mirror, out);
    if out.len() > before && (visitor.tag != mirror.tag || visitor.ns != mirror.ns) {
        return;
    }
    compare_children(path, visitor, mirror, out);
}

/// The differences of the element itself, not of its children: tag, attributes, form state, and the deep
/// tree's state (scroll offset, modal dialog, media), which is compared only where the visitor's tree has it.
pub(crate) fn own_differences(path: &str, visitor: &Element, mirror: &Element, out: &mut Vec<Difference>) {
    if visitor.tag != mirror.tag || visitor.ns != mirror.ns {
        push(
            out,
            path,
            format!("the mirror has <{}:{}>, the visitor <{}:{}>", mirror.ns, mirror.tag, visitor.ns, visitor.tag),
        );
        return;
    }
    compare_attributes(path, visitor, mirror, out);
    compare_form(path, visitor, mirror, out);
    compare_deep_state(path, visitor, mirror, out);
}

/// Scroll offsets may differ by a pixel (sub-pixel layout); a modal flag and media playback must be equal.
fn compare_deep_state(path: &str, visitor: &Element, mirror: &Element, out: &mut Vec<Difference>) {
    let (vx, vy) = visitor.scroll.unwrap_or((0, 0));
    let (mx, my) = mirror.scroll.unwrap_or((0, 0));
    if (vx - mx).abs() > 1 || (vy - my).abs() > 1 {
        push(out, path, format!("scroll: mirror ({mx}, {my}), visitor ({vx}, {vy})"));
    }
    if visitor.modal == Some(true) && mirror.modal != Some(true) {
        push(out, path, "the visitor's dialog is modal, the mirror's is not".into());
    }
    // The viewer silences every media element by design (agent-viewer/src/build.rs), so `muted` is not
    // compared: the playback state is.
    if let Some(media) = &visitor.media {
        let same =
            mirror.media.as_ref().is_some_and(|shown| shown.paused == media.paused && shown.seconds == media.seconds);
        if !same {
            push(out, path, format!("media: mirror {:?}, visitor {media:?}", mirror.media));
        }
    }
}

fn compare_attributes(path: &str, visitor: &Element, mirror: &Element, out: &mut Vec<Difference>) {
    let mirrored: BTreeMap<&str, (&str, Option<&str>)> =
        mirror.attrs.iter().map(|(name, value, url)| (name.as_str(), (value.as_str(), url.as_deref()))).collect();
    for (name, value, url) in &visitor.attrs {
        let shown = mirrored.get(name.as_str()).copied();
        if let Some(problem) = attribute_problem(visitor.masked, value, url.as_deref(), shown) {
            push(out, path, format!("attribute {name}: {problem}"));
        }
    }
    for (name, value, _) in &mirror.attrs {
        if is_javascript_url(value) {
            push(out, path, format!("attribute {name} in the mirror is a javascript: URL {:?}", shorten(value, 60)));
        }
        let own = name.starts_with("data-cobrowse-");
        if !own && visitor.attr(name).is_none() {
            push(out, path, format!("the mirror has an extra attribute {name}={:?}", shorten(value, 60)));
        }
    }
}

/// Why the mirror's `shown` attribute (value, resolved URL) does not stand for the visitor's, if it does not.
fn attribute_problem(
    masked: bool,
    value: &str,
    url: Option<&str>,
    shown: Option<(&str, Option<&str>)>,
) -> Option<String> {
    let javascript = is_javascript_url(value);
    let Some((shown, shown_url)) = shown else {
        return (!javascript).then(|| format!("missing in the mirror (visitor: {:?})", shorten(value, 60)));
    };
    let fine = shown == value
        || (masked && shown == MASK_TEXT)
        || (javascript && !is_javascript_url(shown))
        || (url.is_some() && url == shown_url);
    (!fine).then(|| format!("mirror {:?}, visitor {:?}", shorten(shown, 60), shorten(value, 60)))
}

fn is_javascript_url(value: &str) -> bool {
    let squeezed: String = value.chars().filter(|c| !c.is_whitespace() && !c.is_control()).collect();
    squeezed.to_ascii_lowercase().starts_with("javascript:")
}

fn compare_form(path: &str, visitor: &Element, mirror: &Element, out: &mut Vec<Difference>) {
    let Some(expected) = &visitor.form else { return };
    let shown = mirror.form.clone().unwrap_or_default();
    if let Some(value) = &expected.value {
        let shown_value = shown.value.as_deref().unwrap_or("");
        let fine = if visitor.masked {
            shown_value == MASK_TEXT || (value.is_empty() && shown_value.is_empty())
        } else {
            shown_value == value
        };
        if !fine {
            let wanted =
                if visitor.masked { format!("{MASK_TEXT:?} (masked)") } else { format!("{:?}", shorten(value, 60)) };
            push(out, path, format!("value: mirror {:?}, expected {wanted}", shorten(shown_value, 60)));
        }
    }
    compare_flag(path, "checked", expected.checked, shown.checked, out);
    compare_flag(path, "selected", expected.selected, shown.selected, out);
}

fn compare_flag(path: &str, name: &str, expected: Option<bool>, shown: Option<bool>, out: &mut Vec<Difference>) {
    if expected.is_some() && expected != shown {
        push(out, path, format!("{name}: mirror {shown:?}, visitor {expected:?}"));
    }
}

/// The children compared: all of them, or only elements under a masked element (whose text is glyphs).
pub(crate) fn comparable_children<'a>(visitor: &'a Element, mirror: &'a Element) -> (Vec<&'a Node>, Vec<&'a Node>) {
    if visitor.masked {
        (elements_only(&visitor.kids), elements_only(&mirror.kids))
    } else {
        (visitor.kids.iter().collect(), mirror.kids.iter().collect())
    }
}

fn compare_children(path: &str, visitor: &Element, mirror: &Element, out: &mut Vec<Difference>) {
    if visitor.masked {
        check_masked_text(path, mirror, out);
    }
    let (visitor_kids, mirror_kids) = comparable_children(visitor, mirror);
    for step in align(&visitor_kids, &mirror_kids) {
        match step {
            Aligned::Both(i, v, m) => match (v, m) {
                (Node::Text { text: v }, Node::Text { text: m }) if v != m => {
                    push(out, path, format!("text #{i}: mirror {:?}, visitor {:?}", shorten(m, 80), shorten(v, 80)));
                }
                (Node::El(v), Node::El(m)) => compare_element(&format!("{path} > {}", v.label()), v, m, out),
                _ => {}
            },
            Aligned::VisitorOnly(i, v) => push(out, path, format!("child #{i} {} is missing in the mirror", v.label())),
            Aligned::MirrorOnly(m) => push(out, path, format!("the mirror has an extra child {}", m.label())),
        }
    }
}

/// A step of the alignment of two child lists.
pub(crate) enum Aligned<'a> {
    /// The visitor's child at this index and its counterpart in the mirror.
    Both(usize, &'a Node, &'a Node),
    VisitorOnly(usize, &'a Node),
    MirrorOnly(&'a Node),
}

/// Pairs the children of the same kind and tag in order (a longest common subsequence), so one missing
/// or extra child is reported as such and the others are still compared.
pub(crate) fn align<'a>(visitor: &[&'a Node], mirror: &[&'a Node]) -> Vec<Aligned<'a>> {
    let (n, m) = (visitor.len(), mirror.len());
    // longest[i][j]: the longest common subsequence of visitor[i..] and mirror[j..].
    let mut longest = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            longest[i][j] = if same_kind(visitor[i], mirror[j]) {
                longest[i + 1][j + 1] + 1
            } else {
                longest[i + 1][j].max(longest[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut steps) = (0, 0, Vec::new());
    while i < n || j < m {
        if i < n && j < m && same_kind(visitor[i], mirror[j]) && longest[i][j] == longest[i + 1][j + 1] + 1 {
            steps.push(Aligned::Both(i, visitor[i], mirror[j]));
            (i, j) = (i + 1, j + 1);
        } else if j < m && (i == n || longest[i][j + 1] >= longest[i + 1][j]) {
            steps.push(Aligned::MirrorOnly(mirror[j]));
            j += 1;
        } else {
            steps.push(Aligned::VisitorOnly(i, visitor[i]));
            i += 1;
        }
    }
    steps
}

/// Both text, or both elements with the same tag.
fn same_kind(visitor: &Node, mirror: &Node) -> bool {
    match (visitor, mirror) {
        (Node::Text { .. }, Node::Text { .. }) => true,
        (Node::El(v), Node::El(m)) => v.tag == m.tag && v.ns == m.ns,
        _ => false,
    }
}

/// In a masked element the mirror's text must be mask glyphs (or blank), whatever the visitor's was.
fn check_masked_text(path: &str, mirror: &Element, out: &mut Vec<Difference>) {
    let glyph = MASK_TEXT.chars().next().expect("MASK_TEXT is not empty");
    for kid in &mirror.kids {
        if let Node::Text { text } = kid {
            if text.chars().any(|c| c != glyph && !c.is_whitespace()) {
                push(out, path, format!("masked element shows unmasked text {:?} in the mirror", shorten(text, 60)));
            }
        }
    }
}

fn elements_only(kids: &[Node]) -> Vec<&Node> {
    kids.iter().filter(|kid| matches!(kid, Node::El(_))).collect()
}

fn push(out: &mut Vec<Difference>, path: &str, what: String) {
    out.push(Difference { path: path.to_string(), what });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::FormState;

    fn element(tag: &str, attrs: &[(&str, &str)], masked: bool, kids: Vec<Node>) -> Element {
        Element {
            tag: tag.into(),
            ns: "html".into(),
            attrs: attrs.iter().map(|(n, v)| (n.to_string(), v.to_string(), None)).collect(),
            form: None,
            masked,
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
    fn equal_trees_have_no_differences() {
        let page =
            element("body", &[("class", "a")], false, vec![text("hi"), Node::El(element("p", &[], false, vec![]))]);
        assert!(differences(&page, &page.clone()).is_empty());
    }

    #[test]
    fn changed_text_extra_attributes_and_missing_children_are_reported() {
        let visitor = element("body", &[], false, vec![text("hello"), Node::El(element("p", &[], false, vec![]))]);
        let mirror = element(
            "body",
            &[("onclick", "x()")],
            false,
            vec![text("hallo"), Node::El(element("p", &[], false, vec![]))],
        );
        let found = differences(&visitor, &mirror);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].what.contains("extra attribute onclick"));
        assert!(found[1].what.contains("text #0"));
        let shorter = element("body", &[], false, vec![text("hello")]);
        let found = differences(&visitor, &shorter);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].what.contains("child #1 <p> is missing in the mirror"), "{found:?}");
    }

    #[test]
    fn an_extra_child_does_not_hide_differences_after_it() {
        let p = |text_: &str| Node::El(element("p", &[], false, vec![text(text_)]));
        let visitor = element("body", &[], false, vec![p("one"), p("two")]);
        let mirror = element("body", &[], false, vec![Node::El(element("div", &[], false, vec![])), p("one"), p("2")]);
        let found: Vec<String> = differences(&visitor, &mirror).iter().map(|d| d.to_string()).collect();
        assert_eq!(
            found,
            ["at body: the mirror has an extra child <div>", "at body > p: text #0: mirror \"2\", visitor \"two\""],
        );
    }

    #[test]
    fn masked_values_must_show_the_mask() {
        let mut visitor = element("input", &[], true, vec![]);
        visitor.form = Some(FormState { value: Some("4111".into()), ..Default::default() });
        let mut mirror = visitor.clone();
        mirror.form = Some(FormState { value: Some(MASK_TEXT.into()), ..Default::default() });
        assert!(differences(&visitor, &mirror).is_empty());
        mirror.form = Some(FormState { value: Some("4111".into()), ..Default::default() });
        assert_eq!(differences(&visitor, &mirror).len(), 1);
        let secret = element("span", &[], true, vec![text("Visa 4417")]);
        assert!(differences(&secret, &element("span", &[], true, vec![text(MASK_TEXT)])).is_empty());
        assert!(differences(&secret, &secret.clone())[0].what.contains("unmasked text"));
    }

    #[test]
    fn javascript_urls_must_be_neutralized() {
        let visitor = element("a", &[("href", "javascript:alert(1)")], false, vec![]);
        assert!(differences(&visitor, &element("a", &[("href", "#")], false, vec![])).is_empty());
        assert!(differences(&visitor, &element("a", &[], false, vec![])).is_empty());
        assert!(!differences(&visitor, &visitor.clone()).is_empty());
    }
}
