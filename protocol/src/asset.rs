//! Asset uploads: the bytes of a resource the agent's browser cannot fetch itself, sent once by the visitor.
//!
//! Some of what a page shows is out of the agent's reach: an image behind the visitor's cookies, a `blob:`
//! URL that exists only in the visitor's tab, a same-origin stylesheet that answers 403 without a session.
//! The visitor sends such a resource's bytes in an [`AssetUpload`] (frame kind 4, see [`crate::frame`]).
//! The relay keeps it in the session's content-addressed cache, serves it at a path of its own, and tells
//! every agent `Control::Asset { url, path }`; the mirror then loads `path` wherever the page says `url`.
//!
//! The frame is not compressed and stays outside the deflate context of page frames: the relay reads it
//! (to hash and store it), and images are compressed already.

use serde::{Deserialize, Serialize};

/// visitor → relay: the bytes of the resource the visitor's page calls `url`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetUpload {
    /// The absolute URL the page uses for it (`https://shop.example/me/avatar.png`, `blob:https://…`).
    pub url: String,
    /// Its MIME type as the visitor's browser got it (`image/png`, `text/css`); may be empty.
    pub mime: String,
    /// The resource itself. For a stylesheet, the text of its rules (UTF-8), with relative `url(...)`s
    /// made absolute against the sheet's own URL, so it can be served from anywhere.
    pub bytes: Vec<u8>,
}
