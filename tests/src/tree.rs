//! The canonical tree of a page, read out of a browser by `js/canonical_tree.js`.
//!
//! Both the visitor's document and the agent's mirror are reduced to the same shape (see the script for
//! what is kept and what is left out), so [`crate::compare`] can tell whether the mirror is right.

use crate::browser::Browser;
use serde::Deserialize;

/// The comparison script, defining `cobrowseCanonicalTree(doc, role)`.
pub const CANONICAL_TREE_JS: &str = include_str!("js/canonical_tree.js");

/// The JavaScript expression for the mirror's document, in the viewer page.
pub const MIRROR_DOCUMENT: &str = "(document.getElementById('cobrowse-mirror') || {}).contentDocument";

/// One node of a canonical tree.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "k", rename_all = "lowercase")]
pub enum Node {
    El(Element),
    Text { text: String },
}

/// An element: tag, namespace, sorted attributes, live form state, masking, children.
#[derive(Debug, Clone, Deserialize)]
pub struct Element {
    pub tag: String,
    pub ns: String,
    /// `(name, value, value resolved as a URL)`; the last only for URL attributes.
    pub attrs: Vec<(String, String, Option<String>)>,
    pub form: Option<FormState>,
    /// Whether the visitor's masking rules cover this element.
    pub masked: bool,
    pub kids: Vec<Node>,
    /// Deep trees only: the scroll offset `(left, top)`, when not at the origin.
    #[serde(default)]
    pub scroll: Option<(i32, i32)>,
    /// Deep trees only: whether a `<dialog>` is modal.
    #[serde(default)]
    pub modal: Option<bool>,
    /// Deep trees only: a `<video>`'s or `<audio>`'s playback state.
    #[serde(default)]
    pub media: Option<MediaState>,
}

/// A media element's state as the canonical tree records it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct MediaState {
    pub paused: bool,
    pub muted: bool,
    /// `currentTime`, in whole seconds.
    pub seconds: u64,
}

/// `value` / `checked` / `selected`, whichever the control has.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct FormState {
    pub value: Option<String>,
    pub checked: Option<bool>,
    pub selected: Option<bool>,
}

/// A whole document's tree and its URL.
#[derive(Debug, Clone, Deserialize)]
pub struct Document {
    pub url: String,
    pub root: Element,
}

#[derive(Deserialize)]
struct Answer {
    ok: Option<Document>,
    error: Option<String>,
}

/// Which side of the comparison a document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The visitor's own page (`document`).
    Visitor,
    /// The mirror inside the agent's viewer page.
    Mirror,
}

/// Reads the canonical tree of the visitor's page or of the agent's mirror.
pub async fn read(browser: &Browser, role: Role) -> crate::error::Result<Document> {
    read_with(browser, role, false).await
}

/// As [`read`], descending into open shadow roots and same-origin frames and recording scroll offsets,
/// modal dialogs and media state (see `js/canonical_tree.js`).
pub async fn read_deep(browser: &Browser, role: Role) -> crate::error::Result<Document> {
    read_with(browser, role, true).await
}

async fn read_with(browser: &Browser, role: Role, deep: bool) -> crate::error::Result<Document> {
    let (document, role_name) = match role {
        Role::Visitor => ("document", "visitor"),
        Role::Mirror => (MIRROR_DOCUMENT, "mirror"),
    };
    let script =
        format!("{CANONICAL_TREE_JS}\nreturn cobrowseCanonicalTree({document}, '{role_name}', {{ deep: {deep} }});");
    let answer: Answer = browser.execute(&script, vec![]).await?;
    match (answer.ok, answer.error) {
        (Some(document), _) => Ok(document),
        (None, error) => Err(format!("{}: {}", browser.label, error.unwrap_or_else(|| "no tree".into())).into()),
    }
}

impl Element {
    /// The value of attribute `name`, if set.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(n, _, _)| n == name).map(|(_, value, _)| value.as_str())
    }

    /// A short label for paths and messages: `input#card-number`, `div.layout`, `span`.
    pub fn label(&self) -> String {
        let namespace = if self.ns == "html" { String::new() } else { format!("{}:", self.ns) };
        if let Some(id) = self.attr("id").filter(|id| !id.is_empty()) {
            return format!("{namespace}{}#{id}", self.tag);
        }
        match self.attr("class").and_then(|class| class.split_whitespace().next()) {
            Some(class) => format!("{namespace}{}.{class}", self.tag),
            None => format!("{namespace}{}", self.tag),
        }
    }

    /// How many nodes (elements and texts) the tree has, this one included.
    pub fn node_count(&self) -> usize {
        1 + self
            .kids
            .iter()
            .map(|kid| match kid {
                Node::El(e) => e.node_count(),
                Node::Text { .. } => 1,
            })
            .sum::<usize>()
    }

    /// How many elements the tree has, this one included.
    pub fn count(&self) -> usize {
        1 + self.kids.iter().map(|kid| if let Node::El(e) = kid { e.count() } else { 0 }).sum::<usize>()
    }
}

impl Node {
    /// A short label: the element's, or the text in quotes (cut to 40 characters).
    pub fn label(&self) -> String {
        match self {
            Node::El(element) => format!("<{}>", element.label()),
            Node::Text { text } => format!("{:?}", shorten(text, 40)),
        }
    }
}

/// `text` cut to `max` characters, with an ellipsis if cut.
pub fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max).collect();
    format!("{cut}…")
}
