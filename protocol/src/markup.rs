//! Markup held as text: the pure half of finding it in attribute values and stylesheets.
//!
//! Masking works on elements: a marker protects an element because the browser parsed it into one. Where
//! the browser keeps markup as a *string* instead — an `<iframe srcdoc>`, a `data:` URL of an SVG image
//! or an HTML document, a `javascript:` URL, a template kept in a `data-*` attribute — a marker inside it
//! protects nothing unless the string is recognised and handled before it is sent. The visitor
//! (`visitor-wasm/src/carriers.rs`) decides what each carrier becomes; the string work it needs lives here,
//! free of IO, so it is tested natively and can be fuzzed:
//! - [`is_url_attribute`], [`script_url_scheme`]: URL attributes and the script URLs in them (their code
//!   is never sent; the viewer neutralizes such URLs anyway);
//! - [`markup_data_urls`]: every `data:` URL whose type is markup, in an attribute value or CSS text, with
//!   where it starts and ends;
//! - [`decode_data_url`]: a data URL's body as text (percent-encoded or base64);
//! - [`looks_like_markup`]: whether a string holds a tag at all (most values do not, and are sent as they
//!   are without any parsing).
//!
//! Strings are sliced with `get`, never indexed: a `str` index that can panic drags the formatting of its
//! panic message (and Unicode tables) into the visitor's download.

use std::ops::Range;

/// Attributes whose value is a URL (or a list of them) that a browser may load or navigate to.
const URL_ATTRIBUTES: [&str; 21] = [
    "href",
    "src",
    "action",
    "formaction",
    "data",
    "poster",
    "background",
    "cite",
    "codebase",
    "longdesc",
    "lowsrc",
    "dynsrc",
    "ping",
    "manifest",
    "icon",
    "profile",
    "usemap",
    "archive",
    "classid",
    "srcset",
    "imagesrcset",
];

/// URL schemes whose "address" is code.
const SCRIPT_SCHEMES: [&str; 2] = ["javascript:", "vbscript:"];

/// What the markup in a `data:` URL is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkupType {
    /// `text/html`: parsed as an HTML document.
    Html,
    /// `application/xhtml+xml`, `image/svg+xml`, `text/xml`, `application/xml` and any other `+xml` type:
    /// parsed as XML.
    Xml,
}

/// A `data:` URL of a markup type found in a longer text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataUrl {
    /// Where the URL is in the text, from `data:` to its last character.
    pub range: Range<usize>,
    /// The type of its markup.
    pub markup: MarkupType,
    /// Whether it is a document a frame, object or link would show (`text/html`, `application/xhtml+xml`)
    /// rather than an image.
    pub is_document: bool,
}

/// Whether `name` (lower case or not) is an attribute whose value is a URL.
pub fn is_url_attribute(name: &str) -> bool {
    URL_ATTRIBUTES.iter().any(|url| url.eq_ignore_ascii_case(name))
        || ends_with_ignoring_case(name.as_bytes(), b":href")
}

/// The scheme (`javascript:` or `vbscript:`) if `value` is a script URL, as a browser parses it: ASCII
/// whitespace and control characters anywhere and letter case do not hide the scheme.
pub fn script_url_scheme(value: &str) -> Option<&'static str> {
    SCRIPT_SCHEMES.into_iter().find(|scheme| {
        let mut letters = value.bytes().filter(|b| !b.is_ascii_control() && *b != b' ');
        scheme.bytes().all(|wanted| letters.next().is_some_and(|b| b.eq_ignore_ascii_case(&wanted)))
    })
}

/// Whether `text` holds a start tag (`<` and a letter): only then can it carry elements, hence markers.
pub fn looks_like_markup(text: &str) -> bool {
    text.as_bytes().windows(2).any(|pair| pair[0] == b'<' && pair[1].is_ascii_alphabetic())
}

/// Every `data:` URL of a markup type in `text`, in order. A URL ends where its context says: at the
/// quote that opened it, at the `)` of an unquoted CSS `url(`, at the end of `text` when it is the whole
/// value, else at ASCII whitespace (a `srcset` candidate).
pub fn markup_data_urls(text: &str) -> Vec<DataUrl> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(start) = find_data_scheme(bytes, from) {
        let Some(kind) = text.get(start + 5..).and_then(markup_type) else {
            from = start + 5;
            continue;
        };
        let end = url_end(bytes, start);
        let (markup, is_document) = kind;
        found.push(DataUrl { range: start..end, markup, is_document });
        from = end.max(start + 5);
    }
    found
}

/// The markup type of the data URL whose header (after `data:`) starts `rest`, if it is markup.
fn markup_type(rest: &str) -> Option<(MarkupType, bool)> {
    let header_end = rest.bytes().position(|b| b == b',' || b == b';').unwrap_or(rest.len());
    markup_type_of(rest.get(..header_end)?)
}

/// The markup type of a MIME type (parameters after `;` ignored, any case), and whether it is a document
/// a frame or link would show (`text/html`, `application/xhtml+xml`) rather than an image; `None` if the
/// type is not markup.
pub fn markup_type_of(mime: &str) -> Option<(MarkupType, bool)> {
    let end = mime.bytes().position(|b| b == b';').unwrap_or(mime.len());
    let mime = mime.get(..end)?.trim_ascii().as_bytes();
    if mime.eq_ignore_ascii_case(b"text/html") {
        Some((MarkupType::Html, true))
    } else if mime.eq_ignore_ascii_case(b"application/xhtml+xml") {
        Some((MarkupType::Xml, true))
    } else if ends_with_ignoring_case(mime, b"/xml") || ends_with_ignoring_case(mime, b"+xml") {
        Some((MarkupType::Xml, false))
    } else {
        None
    }
}

/// `text.starts_with(prefix)`, ASCII letters in any case.
pub fn starts_with_ignoring_case(text: &[u8], prefix: &[u8]) -> bool {
    text.len() >= prefix.len() && text[..prefix.len()].eq_ignore_ascii_case(prefix)
}

/// `text.ends_with(suffix)`, ASCII letters in any case.
pub fn ends_with_ignoring_case(text: &[u8], suffix: &[u8]) -> bool {
    text.len() >= suffix.len() && text[text.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
}

/// Where the URL starting at `start` ends (exclusive), by what precedes it.
fn url_end(bytes: &[u8], start: usize) -> usize {
    let before = bytes[..start].iter().rposition(|b| !b.is_ascii_whitespace()).map(|at| bytes[at]);
    match before {
        None => bytes.len(),
        Some(quote @ (b'"' | b'\'')) => closing(bytes, start, |b| b == quote),
        Some(b'(') => closing(bytes, start, |b| b == b')'),
        Some(_) => closing(bytes, start, |b| b.is_ascii_whitespace()),
    }
}

/// The first byte from `start` that `ends` accepts, skipping backslash escapes; the end of `bytes` if none.
fn closing(bytes: &[u8], start: usize, ends: impl Fn(u8) -> bool) -> usize {
    let mut at = start;
    while at < bytes.len() {
        match bytes[at] {
            b'\\' => at += 2,
            b if ends(b) => return at,
            _ => at += 1,
        }
    }
    bytes.len()
}

/// Where the next `data:` (letters in any case) starts, at or after `from`. Found by its colon, a byte most
/// texts hold rarely or never, then checked backwards: every attribute value and text of a snapshot is
/// scanned, and comparing five bytes at each position cost three times as much.
fn find_data_scheme(bytes: &[u8], from: usize) -> Option<usize> {
    let mut at = from.checked_add(4)?;
    while let Some(offset) = bytes.get(at..)?.iter().position(|&byte| byte == b':') {
        let colon = at + offset;
        let scheme = colon - 4;
        if bytes.get(scheme..colon).is_some_and(|name| name.eq_ignore_ascii_case(b"data")) {
            return Some(scheme);
        }
        at = colon + 1;
    }
    None
}

/// The body of a data URL as text: base64-decoded when the header ends with `;base64`, else
/// percent-decoded. `None` if it has no `,`, or its base64 or UTF-8 is invalid.
pub fn decode_data_url(url: &str) -> Option<String> {
    let comma = url.bytes().position(|b| b == b',')?;
    let (header, body) = (url.get(..comma)?, url.get(comma + 1..)?);
    let bytes = if ends_with_ignoring_case(header.as_bytes(), b";base64") {
        base64_decode(&String::from_utf8(percent_decode(body)).ok()?)?
    } else {
        percent_decode(body)
    };
    String::from_utf8(bytes).ok()
}

/// `%XX` sequences as their bytes; anything else as it is.
fn percent_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[at] == b'%' && at + 2 < bytes.len() {
            if let (Some(high), Some(low)) = (hex(bytes[at + 1]), hex(bytes[at + 2])) {
                out.push((high * 16 + low) as u8);
                at += 3;
                continue;
            }
        }
        out.push(bytes[at]);
        at += 1;
    }
    out
}

/// Base64 to bytes, as `atob` reads it: ASCII whitespace skipped, decoding stops at the first `=`. `None`
/// on any other character. (Also the decoder of the visitor's canvas images.)
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut bytes = Vec::with_capacity(text.len() / 4 * 3);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for byte in text.bytes().filter(|byte| !byte.is_ascii_whitespace()).take_while(|&byte| byte != b'=') {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        buffer = buffer << 6 | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            bytes.push((buffer >> bits) as u8);
        }
    }
    Some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_urls_are_found_through_case_and_whitespace() {
        assert_eq!(script_url_scheme("javascript:alert(1)"), Some("javascript:"));
        assert_eq!(script_url_scheme("  JaVa\tScRiPt:x"), Some("javascript:"));
        assert_eq!(script_url_scheme("vbscript:x"), Some("vbscript:"));
        assert_eq!(script_url_scheme("https://example.com/javascript:"), None);
        assert_eq!(script_url_scheme(""), None);
    }

    #[test]
    fn url_attributes_include_namespaced_hrefs() {
        assert!(is_url_attribute("href"));
        assert!(is_url_attribute("SRC"));
        assert!(is_url_attribute("xlink:href"));
        assert!(!is_url_attribute("title"));
    }

    #[test]
    fn markup_is_a_tag_not_a_less_than() {
        assert!(looks_like_markup("<b>x</b>"));
        assert!(looks_like_markup("a <input value=1>"));
        assert!(!looks_like_markup("1 < 2 and 3<4"));
        assert!(!looks_like_markup("plain"));
    }

    #[test]
    fn a_whole_value_data_url_is_found_to_its_end_spaces_included() {
        let value = "data:image/svg+xml;utf8,<svg xmlns='http://www.w3.org/2000/svg'><text>x y</text></svg>";
        let found = markup_data_urls(value);
        assert_eq!(found, [DataUrl { range: 0..value.len(), markup: MarkupType::Xml, is_document: false }]);
    }

    #[test]
    fn css_urls_end_at_their_quote_or_parenthesis() {
        let css = r#"a{background:url("data:image/svg+xml,%3csvg%3e%3c/svg%3e") no-repeat} b{mask:url(data:image/svg+xml,<svg/>)}"#;
        let found = markup_data_urls(css);
        assert_eq!(found.len(), 2);
        assert_eq!(&css[found[0].range.clone()], "data:image/svg+xml,%3csvg%3e%3c/svg%3e");
        assert_eq!(&css[found[1].range.clone()], "data:image/svg+xml,<svg/>");
    }

    #[test]
    fn html_documents_are_told_from_images_and_other_types_are_ignored() {
        let found = markup_data_urls("DATA: Text/HTML ,<p>x");
        assert_eq!(found.len(), 1);
        assert!(found[0].is_document);
        assert_eq!(found[0].markup, MarkupType::Html);
        assert!(markup_data_urls("data:image/png;base64,AAAA").is_empty());
        assert!(markup_data_urls("data:,plain text").is_empty());
        assert!(markup_data_urls("no urls here, data: none").is_empty());
        assert_eq!(markup_data_urls("data:application/xhtml+xml,<p/>")[0].markup, MarkupType::Xml);
    }

    #[test]
    fn data_urls_are_found_among_other_colons_in_any_case() {
        let text = "a:b ata:x https://x/data: xdata:,1 DaTa:image/svg+xml,<svg/> 'data:text/html,<p>'";
        let found: Vec<&str> = markup_data_urls(text).iter().map(|url| &text[url.range.clone()]).collect();
        assert_eq!(found, ["DaTa:image/svg+xml,<svg/>", "data:text/html,<p>"]);
        assert!(markup_data_urls("data").is_empty());
        assert!(markup_data_urls(":data:").is_empty());
        assert_eq!(markup_data_urls("data:text/html,x")[0].range, 0..16);
    }

    #[test]
    fn mime_types_name_their_markup() {
        assert_eq!(markup_type_of("image/svg+xml; charset=utf-8"), Some((MarkupType::Xml, false)));
        assert_eq!(markup_type_of(" TEXT/HTML"), Some((MarkupType::Html, true)));
        assert_eq!(markup_type_of("text/xml"), Some((MarkupType::Xml, false)));
        assert_eq!(markup_type_of("text/css"), None);
        assert_eq!(markup_type_of("image/png"), None);
    }

    #[test]
    fn srcset_candidates_end_at_whitespace() {
        let srcset = "a.png 1x, data:image/svg+xml,<svg/> 2x";
        let found = markup_data_urls(srcset);
        assert_eq!(&srcset[found[0].range.clone()], "data:image/svg+xml,<svg/>");
    }

    #[test]
    fn data_urls_decode_percent_and_base64_bodies() {
        assert_eq!(decode_data_url("data:text/html,%3Cp%3Ehi%3C/p%3E").as_deref(), Some("<p>hi</p>"));
        assert_eq!(decode_data_url("data:text/html;base64,PHA+aGk8L3A+").as_deref(), Some("<p>hi</p>"));
        assert_eq!(decode_data_url("data:text/html;charset=utf-8;base64,PHA+aGk").as_deref(), Some("<p>hi"));
        assert_eq!(decode_data_url("data:text/html;base64,!!!"), None);
        assert_eq!(decode_data_url("data:text/html"), None);
        assert_eq!(decode_data_url("data:,100%"), Some("100%".into()));
    }

    #[test]
    fn base64_decodes_with_and_without_padding() {
        assert_eq!(base64_decode("aGVsbG8=").unwrap(), b"hello");
        assert_eq!(base64_decode("aGVsbG8h").unwrap(), b"hello!");
        assert_eq!(base64_decode("aGVs\nbG8=").unwrap(), b"hello");
        assert_eq!(base64_decode("").unwrap(), b"");
        assert!(base64_decode("a$b=").is_none());
    }

    #[test]
    fn no_input_makes_the_scanners_panic() {
        for text in
            ["data:", "data:image/svg+xml", "\"data:image/svg+xml", "(data:text/html,\\", "%", "%4", "data:,%zz"]
        {
            let _ = markup_data_urls(text);
            let _ = decode_data_url(text);
            let _ = script_url_scheme(text);
            let _ = looks_like_markup(text);
        }
    }
}
