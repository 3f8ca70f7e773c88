//! Values read in JS in one string: a batch's changed texts or attribute values, each followed by a NUL
//! (`records.js`), so that the wasm crosses into JS once for all of them instead of once for each. A value
//! that holds a NUL itself makes the JS refuse to join them (`None`); each is then read alone.
//!
//! The strings are cut at their NULs byte by byte ([`NulFields`]), not with `str::split('\0')`: a char
//! pattern runs core's string searcher, which at the wasm's size-first `opt-level` kept its calls. In a
//! 10,000-element snapshot's profile the searcher was 0.5 ms of the 46, cutting elements' attributes.

/// A batch's values, taken in the order the wasm asked for them.
pub struct Joined {
    values: Option<String>,
    /// Where the next value starts in `values`.
    at: usize,
}

impl Joined {
    /// The string the JS answered (`None`: not joined, or nothing asked).
    pub fn new(values: Option<String>) -> Self {
        Self { values, at: 0 }
    }

    /// The next value; `None` if the values were not joined, and the caller reads this one alone.
    pub fn next_value(&mut self) -> Option<String> {
        let values = self.values.as_deref()?;
        let mut fields = NulFields { text: values, at: self.at };
        let value = fields.next().filter(|_| fields.at <= values.len())?; // a value ends with its NUL
        self.at = fields.at;
        Some(value.to_string())
    }
}

/// The fields of a string between its NULs, as `text.split('\0')` gives them (an empty one before a
/// leading NUL and after a trailing one).
pub struct NulFields<'a> {
    text: &'a str,
    /// Where the next field starts; past the end once the last was given.
    at: usize,
}

impl<'a> NulFields<'a> {
    pub fn new(text: &'a str) -> Self {
        Self { text, at: 0 }
    }
}

impl<'a> Iterator for NulFields<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let start = self.at;
        let bytes = self.text.as_bytes();
        if start > bytes.len() {
            return None;
        }
        let mut end = start;
        while let Some(&byte) = bytes.get(end) {
            if byte == 0 {
                break;
            }
            end += 1;
        }
        self.at = end + 1;
        self.text.get(start..end) // a NUL is a whole character: both ends are boundaries
    }
}
