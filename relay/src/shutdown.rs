//! Stopping the relay: a signal every task watches, and a count of the tasks still running.
//!
//! The pattern is mini-redis's: each task holds a [`Shutdown`] (a watch receiver for the signal and a
//! clone of an mpsc sender that only counts). [`ShutdownController::shutdown`] raises the signal, then
//! waits until every clone of the sender is dropped, that is, until every task has finished.
//! Dropping the controller raises the signal too (without waiting), so a forgotten relay stops.

use tokio::sync::{mpsc, watch};

/// Held by every task of the relay.
#[derive(Clone)]
pub(crate) struct Shutdown {
    signal: watch::Receiver<bool>,
    _running: mpsc::Sender<()>,
}

/// Held by whoever may stop the relay.
pub(crate) struct ShutdownController {
    signal: watch::Sender<bool>,
    finished: mpsc::Receiver<()>,
}

/// A controller and the first [`Shutdown`], to clone into every task.
pub(crate) fn channel() -> (ShutdownController, Shutdown) {
    let (signal_sender, signal) = watch::channel(false);
    let (running, finished) = mpsc::channel(1);
    (ShutdownController { signal: signal_sender, finished }, Shutdown { signal, _running: running })
}

impl Shutdown {
    /// Resolves once the relay is shutting down.
    pub async fn requested(&mut self) {
        // An error means the controller was dropped, which also means: stop.
        let _ = self.signal.wait_for(|stopping| *stopping).await;
    }

    /// Whether the relay is shutting down now (or its controller is gone).
    pub fn is_requested(&self) -> bool {
        *self.signal.borrow() || self.signal.has_changed().is_err()
    }
}

impl ShutdownController {
    /// Raises the signal and waits until every task holding a [`Shutdown`] has finished.
    pub async fn shutdown(mut self) {
        let _ = self.signal.send(true);
        // `recv` yields `None` once every sender clone is gone; nothing is ever sent.
        let _ = self.finished.recv().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn shutdown_waits_for_every_task() {
        let (controller, shutdown) = channel();
        let (done_sender, mut done) = mpsc::unbounded_channel();
        for n in 0..3 {
            let mut shutdown = shutdown.clone();
            let done_sender = done_sender.clone();
            tokio::spawn(async move {
                shutdown.requested().await;
                tokio::time::sleep(Duration::from_millis(20 * n)).await;
                done_sender.send(n).unwrap();
            });
        }
        drop(shutdown);
        drop(done_sender);
        controller.shutdown().await;
        let mut finished = Vec::new();
        while let Ok(n) = done.try_recv() {
            finished.push(n);
        }
        assert_eq!(finished, [0, 1, 2]);
    }

    #[tokio::test]
    async fn dropping_the_controller_stops_the_tasks() {
        let (controller, mut shutdown) = channel();
        drop(controller);
        tokio::time::timeout(Duration::from_secs(1), shutdown.requested()).await.unwrap();
    }
}
