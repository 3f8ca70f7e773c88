//! NextTask: runs the session's next slice in a task of its own, soon, and never after the session.
//!
//! A sliced snapshot (see `session.rs`) yields between slices so that the page's own tasks run. It used
//! to yield with `setTimeout(0)`; a chain of those is clamped to 4 ms a link once nested five deep (the
//! HTML timer rules, which Chromium applies), so a page of a hundred slices waited 400 ms doing nothing.
//! A message posted on a `MessageChannel` (`js/next_task.js`) makes a task at once, behind what the page
//! has queued already (its input, its own tasks, rendering). Dropped with the session, the queue is
//! closed: a message still queued then calls nothing.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/js/next_task.js")]
extern "C" {
    type TaskQueue;

    #[wasm_bindgen(js_name = taskQueue)]
    fn task_queue(run: &Closure<dyn FnMut()>) -> TaskQueue;

    #[wasm_bindgen(method, structural)]
    fn post(this: &TaskQueue);

    #[wasm_bindgen(method, structural)]
    fn close(this: &TaskQueue);
}

/// A task to come, posted at most once at a time.
pub struct NextTask {
    queue: TaskQueue,
    posted: bool,
    _run: Closure<dyn FnMut()>,
}

impl NextTask {
    /// A queue that calls `run` in each task it posts.
    pub fn new(run: Closure<dyn FnMut()>) -> Self {
        Self { queue: task_queue(&run), posted: false, _run: run }
    }

    /// Posts the next task, unless one is posted already.
    pub fn post(&mut self) {
        if !self.posted {
            self.queue.post();
            self.posted = true;
        }
    }

    /// The posted task is running: the next [`NextTask::post`] posts another.
    pub fn running(&mut self) {
        self.posted = false;
    }
}

impl Drop for NextTask {
    fn drop(&mut self) {
        self.queue.close();
    }
}
