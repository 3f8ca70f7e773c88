//! The relay's log lines: plain text for a terminal or JSON lines for a log pipeline (`--log-format`),
//! filtered by `RUST_LOG`, and a bound on every attacker-chosen string that goes into them.
//!
//! Names, keys and paths come from whoever connects; logged whole, one request could write megabytes into
//! the log (or hide a forged line in it). [`bounded`] keeps the first [`MAX_LOGGED_CHARS`] characters and
//! says how much it cut. Log such strings as a `&str` field (`name = &*bounded(name)`): the text format
//! quotes and escapes them, JSON encodes them, so a newline in a name cannot start a line of its own.

use std::borrow::Cow;
use std::str::FromStr;
use tracing_subscriber::EnvFilter;

/// The most characters of an attacker-chosen string that go into a log line.
pub const MAX_LOGGED_CHARS: usize = 128;

/// How log lines are written to stderr.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// One readable line per event (tracing's default format).
    #[default]
    Text,
    /// One JSON object per line: `timestamp`, `level`, `target`, `fields` (with `message`) and `span`s.
    Json,
}

impl FromStr for LogFormat {
    type Err = String;

    fn from_str(text: &str) -> Result<LogFormat, String> {
        match text {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            other => Err(format!("{other:?} is not a log format: write `text` or `json`")),
        }
    }
}

/// Sends the relay's log lines to stderr in `format`, filtered by `RUST_LOG` (default `info`). Once per
/// process; later calls do nothing.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(false).try_init(),
    };
}

/// `text` cut to its first [`MAX_LOGGED_CHARS`] characters, with a marker saying how many bytes were
/// left out; `text` itself when it is short enough.
pub fn bounded(text: &str) -> Cow<'_, str> {
    bounded_to(text, MAX_LOGGED_CHARS)
}

/// `text` cut to its first `max_chars` characters, with a marker saying how many bytes were left out;
/// `text` itself when it is short enough. For a shorter bound than a log line's (a close reason).
pub fn bounded_to(text: &str, max_chars: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max_chars) {
        None => Cow::Borrowed(text),
        Some((cut, _)) => Cow::Owned(format!("{}…[{} more bytes]", &text[..cut], text.len() - cut)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_strings_are_kept_whole() {
        assert!(matches!(bounded("ana"), Cow::Borrowed("ana")));
        let exactly = "x".repeat(MAX_LOGGED_CHARS);
        assert_eq!(bounded(&exactly), exactly);
    }

    #[test]
    fn long_strings_keep_their_start_and_say_what_was_cut() {
        let long = format!("{}{}", "a".repeat(MAX_LOGGED_CHARS), "b".repeat(10_000));
        assert_eq!(bounded(&long), format!("{}…[10000 more bytes]", "a".repeat(MAX_LOGGED_CHARS)));
    }

    #[test]
    fn cuts_fall_between_characters() {
        let long = "é".repeat(MAX_LOGGED_CHARS + 5);
        let cut = bounded(&long);
        assert!(cut.starts_with(&"é".repeat(MAX_LOGGED_CHARS)), "{cut}");
        assert!(cut.ends_with("…[10 more bytes]"), "{cut}");
    }

    #[test]
    fn a_shorter_bound_cuts_the_same_way() {
        assert_eq!(bounded_to("0123456789", 4), "0123…[6 more bytes]");
        assert!(matches!(bounded_to("0123", 4), Cow::Borrowed("0123")));
    }

    #[test]
    fn formats_parse_by_name() {
        assert_eq!("json".parse(), Ok(LogFormat::Json));
        assert_eq!("text".parse(), Ok(LogFormat::Text));
        assert!("xml".parse::<LogFormat>().unwrap_err().contains("text"));
    }
}
