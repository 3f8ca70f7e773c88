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
    if visitor.tag != mirror.tag || visitor.ns != mirror.ns {
        push(out, path, format!("the mirror has <{}:{}>, the visitor <{}:{}>", mirror.ns, mirror.tag, visitor.ns, visitor.tag));
        return;
    }
    compare_attributes(path, visitor, mirror, out);
    compare_form(path, visitor, mirror, out);
    compare_children(path, visitor, mirror, out);
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
            let wanted = if visitor.masked { format!("{MASK_TEXT:?} (masked)") } else { format!("{:?}", shorten(value, 60)) };
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

fn compare_children(path: &str, visitor: &Element, mirror: &Element, out: &mut Vec<Difference>) {
    let (visitor_kids, mirror_kids) = if visitor.masked {
        check_masked_text(path, mirror, out);
        (elements_only(&visitor.kids), elements_only(&mirror.kids))
    } else {
        (visitor.kids.iter().collect(), mirror.kids.iter().collect())
    };
    if !same_shape(&visitor_kids, &mirror_kids) {
        push(
            out,
            path,
            format!("children differ\n        visitor: {}\n        mirror:  {}", labels(&visitor_kids), labels(&mirror_kids)),
        );
        return;
    }
    for (i, (v, m)) in visitor_kids.iter().zip(&mirror_kids).enumerate() {
        match (v, m) {
            (Node::Text { text: v }, Node::Text { text: m }) if v != m => {
                push(out, path, format!("text #{i}: mirror {:?}, visitor {:?}", shorten(m, 80), shorten(v, 80)));
            }
            (Node::El(v), Node::El(m)) => compare_element(&format!("{path} > {}", v.label()), v, m, out),
            _ => {}
        }
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

/// Same number of children, each the same kind and tag.
fn same_shape(visitor: &[&Node], mirror: &[&Node]) -> bool {
    visitor.len() == mirror.len()
        && visitor.iter().zip(mirror).all(|pair| match pair {
            (Node::Text { .. }, Node::Text { .. }) => true,
            (Node::El(v), Node::El(m)) => v.tag == m.tag,
            _ => false,
        })
}

fn labels(kids: &[&Node]) -> String {
    const MAX: usize = 14;
    let mut list: Vec<String> = kids.iter().take(MAX).map(|kid| kid.label()).collect();
    if kids.len() > MAX {
        list.push(format!("… ({} in all)", kids.len()));
    }
    format!("[{}]", list.join(", "))
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
        }
    }

    fn text(text: &str) -> Node {
        Node::Text { text: text.into() }
    }

    #[test]
    fn equal_trees_have_no_differences() {
        let page = element("body", &[("class", "a")], false, vec![text("hi"), Node::El(element("p", &[], false, vec![]))]);
        assert!(differences(&page, &page.clone()).is_empty());
    }

    #[test]
    fn changed_text_extra_attributes_and_missing_children_are_reported() {
        let visitor = element("body", &[], false, vec![text("hello"), Node::El(element("p", &[], false, vec![]))]);
        let mirror = element("body", &[("onclick", "x()")], false, vec![text("hallo"), Node::El(element("p", &[], false, vec![]))]);
        let found = differences(&visitor, &mirror);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].what.contains("extra attribute onclick"));
        assert!(found[1].what.contains("text #0"));
        let shorter = element("body", &[], false, vec![text("hello")]);
        assert!(differences(&visitor, &shorter)[0].what.contains("children differ"));
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
