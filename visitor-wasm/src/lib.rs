//! The visitor's side (work in progress).
