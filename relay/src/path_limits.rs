//! Request paths too long to be a file the relay serves, answered before any route sees them.
//!
//! A path segment longer than a file name can be (255 bytes) made the file system answer "name too long",
//! which warp turned into a 500 logged at ERROR: anyone could fill the error log. Such a request is not
//! an error of the relay, so it is answered 404 (a segment no file has) or 414 (a path and query past
//! [`MAX_TARGET_BYTES`]) and logged at debug, the path cut by [`bounded`].

use crate::logging::bounded;
use warp::http::{StatusCode, Uri};
use warp::reply::Response;
use warp::Reply;

/// The longest path and query the relay reads; its own URLs are far shorter.
pub(crate) const MAX_TARGET_BYTES: usize = 2048;

/// The longest path segment: the longest file name most file systems allow.
pub(crate) const MAX_SEGMENT_BYTES: usize = 255;

/// The answer to a request whose path is too long to serve, or `None` for an ordinary one.
pub(crate) fn refuse_long_path(uri: &Uri) -> Option<Response> {
    let target = uri.path_and_query().map_or("", |target| target.as_str());
    let status = if target.len() > MAX_TARGET_BYTES {
        StatusCode::URI_TOO_LONG
    } else if uri.path().split('/').any(|segment| segment.len() > MAX_SEGMENT_BYTES) {
        StatusCode::NOT_FOUND
    } else {
        return None;
    };
    tracing::debug!(path = &*bounded(target), length = target.len(), %status, "path too long to serve");
    Some(warp::reply::with_status("this path is too long to be anything the relay serves", status).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(target: &str) -> Option<StatusCode> {
        refuse_long_path(&target.parse().unwrap()).map(|response| response.status())
    }

    #[test]
    fn ordinary_paths_pass() {
        assert_eq!(status("/demo/index.html?v=abc"), None);
        assert_eq!(status(&format!("/{}", "a".repeat(MAX_SEGMENT_BYTES))), None);
    }

    #[test]
    fn a_segment_longer_than_a_file_name_is_not_found() {
        assert_eq!(status(&format!("/demo/{}", "a".repeat(MAX_SEGMENT_BYTES + 1))), Some(StatusCode::NOT_FOUND));
    }

    #[test]
    fn a_target_past_the_limit_is_too_long() {
        let many_segments = "/a".repeat(MAX_TARGET_BYTES);
        assert_eq!(status(&many_segments), Some(StatusCode::URI_TOO_LONG));
        let long_query = format!("/healthz?{}", "q".repeat(MAX_TARGET_BYTES));
        assert_eq!(status(&long_query), Some(StatusCode::URI_TOO_LONG));
    }
}
