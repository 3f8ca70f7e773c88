//! Styles: the visitor's stylesheets in the mirror beyond what their markup says.
//!
//! `sheets.rs` applies rules changed through the CSSOM and adopted sheets, `pseudo.rs` adds the twins that
//! show `:hover` and `:focus`, `fonts.rs` points sheets at uploaded fonts and images, `sheet_loads.rs`
//! catches sheets that load late, and `rules.rs` is the walk over grouping rules they share.

pub mod fonts;
pub mod pseudo;
pub mod rules;
pub mod sheet_loads;
pub mod sheets;
