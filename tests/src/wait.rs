//! Polling until a condition holds, with a deadline and a readable reason when it never does.

use std::future::Future;
use std::time::{Duration, Instant};

/// How often conditions are checked.
pub const POLL_INTERVAL: Duration = Duration::from_millis(150);

/// Calls `check` until it returns `Ok(Some(value))`, or returns the last `what`-labelled failure at the
/// deadline. `check` gives `Ok(None)` for "not yet" and `Err` for an error that should stop at once.
pub async fn until<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> crate::error::Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = crate::error::Result<Option<T>>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = check().await? {
            return Ok(value);
        }
        if Instant::now() >= deadline {
            return Err(format!("timed out after {timeout:?} waiting for {what}").into());
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}
