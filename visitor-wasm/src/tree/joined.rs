//! Values read in JS in one string: a batch's changed texts or attribute values, each followed by a NUL
//! (`records.js`), so that the wasm crosses into JS once for all of them instead of once for each. A value
//! that holds a NUL itself makes the JS refuse to join them (`None`); each is then read alone.

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
        let rest = self.values.as_deref()?.get(self.at..)?;
        let (value, _) = rest.split_once('\0')?;
        self.at += value.len() + 1;
        Some(value.to_string())
    }
}
