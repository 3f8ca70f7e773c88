//! What a section that measures page after page collects: each page's result, and each page that could not
//! be measured, with why. One page failing does not stop the section; a section that measured no page at
//! all fails, naming every page's failure.

/// The results of the pages measured, and the pages not measured with why ("name: error").
pub struct Measured<R> {
    results: Vec<R>,
    not_measured: Vec<String>,
}

impl<R> Default for Measured<R> {
    fn default() -> Self {
        Measured { results: Vec::new(), not_measured: Vec::new() }
    }
}

impl<R> Measured<R> {
    /// Keeps the result of the page named `page`, or why it could not be measured.
    pub fn add(&mut self, page: &str, result: cobrowse_e2e::Result<R>) {
        match result {
            Ok(result) => self.results.push(result),
            Err(error) => self.not_measured.push(format!("{page}: {error}")),
        }
    }

    /// The results and the pages not measured; an error when no page could be measured.
    pub fn at_least_one(self) -> cobrowse_e2e::Result<(Vec<R>, Vec<String>)> {
        if self.results.is_empty() && self.not_measured.is_empty() {
            return Err(
                "there was no page to measure (BENCH_PAGES, where set, keeps only the pages whose name contains it)"
                    .into(),
            );
        }
        if self.results.is_empty() {
            return Err(format!("no page could be measured: {}", self.not_measured.join("; ")).into());
        }
        Ok((self.results, self.not_measured))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_that_fails_is_named_and_the_others_are_kept() {
        let mut measured = Measured::default();
        measured.add("a", Ok(1));
        measured.add("b", Err("no browser".into()));
        let (results, not_measured) = measured.at_least_one().expect("one page was measured");
        assert_eq!(results, [1]);
        assert_eq!(not_measured, ["b: no browser"]);
    }

    #[test]
    fn no_page_measured_is_an_error_naming_every_failure() {
        let mut measured = Measured::<u32>::default();
        measured.add("a", Err("timed out".into()));
        measured.add("b", Err("no browser".into()));
        let error = measured.at_least_one().expect_err("nothing was measured");
        assert_eq!(error.to_string(), "no page could be measured: a: timed out; b: no browser");
    }

    #[test]
    fn no_page_tried_is_an_error_pointing_at_the_page_filter() {
        let error = Measured::<u32>::default().at_least_one().expect_err("nothing was measured");
        assert!(error.to_string().starts_with("there was no page to measure (BENCH_PAGES"), "{error}");
    }
}
