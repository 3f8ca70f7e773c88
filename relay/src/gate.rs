//! The password-check gate: at most `concurrent` argon2 checks run at once, at most `queue` more wait for
//! their turn, and a check past both is refused at once as busy.
//!
//! argon2 is made to cost memory and CPU (19 MiB and tens of milliseconds each at the default cost), so
//! 120 sign-ins at once would take the relay's memory to gigabytes and its CPUs from every session. With
//! the gate, a burst of sign-ins costs at most `concurrent` checks' worth of memory, and the people past
//! the queue are told to try again in a second.
//!
//! The checks run on the gate's own `concurrent` threads, not on tokio's blocking pool: the allocator keeps
//! a freed argon2 block in the arena of the thread that used it, so checks spread over the pool's many
//! threads would keep many blocks. Measured (120 wrong sign-ins at once at argon2's default cost, in a test
//! process holding both ends of the sockets): peak memory grew by 2.2 GiB with no bound (120 at once),
//! by 367 MiB with two at a time on the blocking pool, by 234 MiB with two at a time on the gate's own two
//! threads, and by 32 MiB with a cheap hash (the sockets alone).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Mutex};
use tokio::sync::{oneshot, Semaphore};

/// A check to run on one of the gate's threads.
type Job = Box<dyn FnOnce() + Send>;

/// Too many password checks are running and waiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Busy;

pub(crate) struct PasswordGate {
    /// The gate's threads take their jobs here; they end when the gate is dropped.
    jobs: Mutex<mpsc::Sender<Job>>,
    running: Semaphore,
    max_waiting: usize,
    /// Checks running or waiting to run.
    admitted: AtomicUsize,
    /// Checks running now, and the most that ever ran at once (for tests and the load tool).
    active: AtomicUsize,
    peak: AtomicUsize,
}

impl PasswordGate {
    pub fn new(concurrent: usize, queue: usize) -> PasswordGate {
        let (jobs, queued) = mpsc::channel::<Job>();
        let queued = std::sync::Arc::new(Mutex::new(queued));
        for number in 0..concurrent.max(1) {
            let queued = queued.clone();
            let spawned = std::thread::Builder::new().name(format!("password-check-{number}")).spawn(move || loop {
                let job = queued.lock().map_err(|_| ()).and_then(|jobs| jobs.recv().map_err(|_| ()));
                match job {
                    // A check that panics answers nothing (its sign-in is refused as busy); the thread goes on.
                    Ok(job) => drop(std::panic::catch_unwind(std::panic::AssertUnwindSafe(job))),
                    Err(()) => return,
                }
            });
            if let Err(error) = spawned {
                tracing::error!(%error, "cannot start a password-check thread");
            }
        }
        PasswordGate {
            jobs: Mutex::new(jobs),
            running: Semaphore::new(concurrent.max(1)),
            max_waiting: concurrent.max(1) + queue,
            admitted: AtomicUsize::new(0),
            active: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
        }
    }

    /// Runs `check` on one of the gate's threads once a place is free; `Busy` if the queue is full.
    pub async fn run<T: Send + 'static>(&self, check: impl FnOnce() -> T + Send + 'static) -> Result<T, Busy> {
        let _admitted = Admitted::enter(&self.admitted, self.max_waiting).ok_or(Busy)?;
        let _permit = self.running.acquire().await.map_err(|_| Busy)?;
        let now = self.active.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        let (answer, result) = oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = answer.send(check());
        });
        let sent = self.jobs.lock().map_err(|_| Busy).and_then(|jobs| jobs.send(job).map_err(|_| Busy));
        let result = match sent {
            Ok(()) => result.await.map_err(|_| Busy),
            Err(busy) => Err(busy),
        };
        self.active.fetch_sub(1, Ordering::SeqCst);
        result
    }

    /// The most checks that ran at once so far.
    pub fn peak(&self) -> usize {
        self.peak.load(Ordering::SeqCst)
    }
}

/// A place among the checks running or waiting, given back when dropped (also when the sign-in is
/// abandoned mid-wait).
struct Admitted<'a>(&'a AtomicUsize);

impl<'a> Admitted<'a> {
    fn enter(count: &'a AtomicUsize, max: usize) -> Option<Admitted<'a>> {
        count.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |now| (now < max).then_some(now + 1)).ok()?;
        Some(Admitted(count))
    }
}

impl Drop for Admitted<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::time::Duration;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_hundred_checks_at_once_run_at_most_the_limit_at_a_time_and_the_rest_are_busy() {
        let gate = Arc::new(PasswordGate::new(2, 10));
        let checks = (0..100).map(|_| {
            let gate = gate.clone();
            tokio::spawn(async move { gate.run(|| std::thread::sleep(Duration::from_millis(200))).await })
        });
        let results = futures_util::future::join_all(checks).await;
        let ran = results.iter().filter(|result| matches!(result, Ok(Ok(())))).count();
        let busy = results.iter().filter(|result| matches!(result, Ok(Err(Busy)))).count();
        assert_eq!(gate.peak(), 2, "never more than two at once");
        assert!((2..100).contains(&ran) && busy > 0, "{ran} ran, {busy} busy: two run and ten wait at most at a time");
        assert_eq!(ran + busy, 100);
        assert_eq!(gate.admitted.load(Ordering::SeqCst), 0, "every place is given back");
    }

    #[tokio::test]
    async fn checks_within_the_queue_all_run() {
        let gate = PasswordGate::new(1, 4);
        let results = futures_util::future::join_all((0..5).map(|n| gate.run(move || n * 2))).await;
        assert_eq!(results, [Ok(0), Ok(2), Ok(4), Ok(6), Ok(8)]);
        assert_eq!(gate.peak(), 1);
    }
}
