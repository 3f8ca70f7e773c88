//! The cobrowse relay (work in progress).
