//! A web origin (scheme, host and port), read from a URL, an `Origin` header or a config entry, so that two
//! spellings of one origin compare equal: the relay's fetches of offered files compare a URL's origin with
//! the page's and with the origins a site lists (`asset_fetch.rs`), and the config checks that each listed
//! origin is one (`config/validate.rs`).

use hyper::Uri;

/// A web origin: scheme and host lower-cased, the port made explicit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Origin {
    pub scheme: String,
    pub host: String,
    pub port: u16,
}

impl Origin {
    /// The origin of an absolute http(s) URL or of an `Origin` header; `None` for anything else (another
    /// scheme, no host, a user or password, a port that is no number, `null`).
    pub fn of(text: &str) -> Option<Origin> {
        Origin::of_uri(&text.parse().ok()?)
    }

    pub fn of_uri(uri: &Uri) -> Option<Origin> {
        let scheme = uri.scheme_str()?.to_ascii_lowercase();
        let default_port = match scheme.as_str() {
            "http" => 80,
            "https" => 443,
            _ => return None,
        };
        let authority = uri.authority()?;
        if authority.as_str().contains('@') || authority.host().is_empty() {
            return None;
        }
        // `Authority::port` hides a port that is no number; read it whole (an IPv6 host has colons inside brackets).
        let port = match authority.as_str().rsplit_once(':') {
            Some((_, port)) if !port.contains(']') && !port.is_empty() => port.parse().ok()?,
            _ => default_port,
        };
        Some(Origin { scheme, host: authority.host().to_ascii_lowercase(), port })
    }

    /// An origin written as a browser sends it, `scheme://host[:port]` and nothing more (no user or
    /// password, path, trailing slash, query or fragment); the error says what is wrong, for a config entry.
    pub fn plain(text: &str) -> Result<Origin, String> {
        let example = "like \"https://cdn.example\" or \"http://127.0.0.1:5000\"";
        let Some((scheme, rest)) = text.split_once("://") else {
            return Err(format!("{text:?} is not an origin: write it as scheme://host[:port], {example}"));
        };
        if scheme != "http" && scheme != "https" {
            return Err(format!("{text:?} has scheme {scheme:?}: pages are served over http or https"));
        }
        if rest.contains(['/', '?', '#']) {
            let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
            return Err(format!(
                "{text:?} is not an origin: a browser's Origin header has no path, query or trailing slash, like \"{scheme}://{host}\""
            ));
        }
        if rest.contains('@') {
            return Err(format!("{text:?} carries a user or password, which an origin never has: {example}"));
        }
        let parsed: Option<Uri> = text.parse().ok();
        parsed.as_ref().and_then(Origin::of_uri).ok_or_else(|| {
            format!("{text:?} is not an origin: give a host and, if not the default, a port number, {example}")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_of_one_origin_are_equal() {
        let https = Origin { scheme: "https".into(), host: "shop.example".into(), port: 443 };
        for text in
            ["https://shop.example", "HTTPS://Shop.Example", "https://shop.example:443", "https://shop.example/a?b"]
        {
            assert_eq!(Origin::of(text).as_ref(), Some(&https), "{text}");
        }
        assert_eq!(Origin::of("http://[::1]:5000").map(|origin| origin.port), Some(5000));
        for text in ["null", "ftp://a", "https://user@a", "https://a:port", "/relative"] {
            assert_eq!(Origin::of(text), None, "{text}");
        }
    }

    #[test]
    fn a_plain_origin_has_no_path_query_or_user() {
        assert_eq!(Origin::plain("https://cdn.example:8443").map(|origin| origin.port), Ok(8443));
        assert!(Origin::plain("http://[::1]:5000").is_ok());
        for (text, problem) in [
            ("cdn.example", "scheme://host"),
            ("ftp://cdn.example", "http or https"),
            ("https://cdn.example/", "no path"),
            ("https://cdn.example/fonts", "\"https://cdn.example\""),
            ("https://cdn.example?v=1", "query"),
            ("https://user:pw@cdn.example", "user or password"),
            ("https://cdn.example:port", "port number"),
            ("https://", "give a host"),
        ] {
            let error = Origin::plain(text).unwrap_err();
            assert!(error.contains(problem), "{text}: {error}");
        }
    }
}
