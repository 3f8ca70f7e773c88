//! The harness's one error type: anything printable, sent across tasks. At the bottom of the crate, so
//! every other file can use it without going through `lib.rs`.

/// Errors in the harness and the tests: anything printable.
pub type Error = Box<dyn std::error::Error + Send + Sync>;
/// The harness's result type.
pub type Result<T> = std::result::Result<T, Error>;

/// For `map_err`: prefixes an error with the scenario step it happened in.
pub fn step(name: &str) -> impl FnOnce(Error) -> Error + '_ {
    move |error| format!("step {name}: {error}").into()
}
