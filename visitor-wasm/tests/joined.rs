//! Values joined with NULs (`tree/joined.rs`): the fields cut byte by byte are those `str::split` gives,
//! and a batch's joined values are taken one by one, each ending with its NUL.

use cobrowse_visitor::tree::joined::{Joined, NulFields};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn the_fields_are_those_split_gives() {
    for text in ["", "\0", "a", "\0name\0value", "é\0\0ß\0", "\0\0", "x\0ÿ", "\0class\0a b\0id\0\u{1F600}"] {
        assert_eq!(NulFields::new(text).collect::<Vec<_>>(), text.split('\0').collect::<Vec<_>>(), "{text:?}");
    }
}

#[wasm_bindgen_test]
fn joined_values_each_end_with_a_nul() {
    let mut values = Joined::new(Some("one\0\0é\0last".into()));
    assert_eq!(values.next_value().as_deref(), Some("one"));
    assert_eq!(values.next_value().as_deref(), Some(""));
    assert_eq!(values.next_value().as_deref(), Some("é"));
    assert_eq!(values.next_value(), None, "no NUL after it: not a joined value");
    assert_eq!(Joined::new(None).next_value(), None);
    let mut ended = Joined::new(Some("a\0".into()));
    assert_eq!(ended.next_value().as_deref(), Some("a"));
    assert_eq!(ended.next_value(), None);
}
