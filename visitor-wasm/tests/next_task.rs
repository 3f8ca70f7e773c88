//! The task a sliced snapshot's next slice runs in: `connection::next_task`.

mod common;

use cobrowse_visitor::connection::next_task::NextTask;
use common::sleep;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A task queue counting its runs, each of which marks itself running.
fn counting() -> (Rc<Cell<u32>>, Rc<RefCell<Option<NextTask>>>) {
    let runs = Rc::new(Cell::new(0));
    let task: Rc<RefCell<Option<NextTask>>> = Rc::default();
    let (counted, marked) = (runs.clone(), task.clone());
    let run = Closure::new(move || {
        counted.set(counted.get() + 1);
        if let Some(task) = marked.borrow_mut().as_mut() {
            task.running();
        }
    });
    *task.borrow_mut() = Some(NextTask::new(run));
    (runs, task)
}

#[wasm_bindgen_test]
async fn a_posted_task_runs_once_however_often_it_is_posted_before() {
    let (runs, task) = counting();
    for _ in 0..3 {
        task.borrow_mut().as_mut().unwrap().post();
    }
    assert_eq!(runs.get(), 0, "not in this task");
    sleep(20).await;
    assert_eq!(runs.get(), 1);
    task.borrow_mut().as_mut().unwrap().post();
    sleep(20).await;
    assert_eq!(runs.get(), 2, "posted again once it ran");
}

#[wasm_bindgen_test]
async fn a_task_still_queued_when_the_queue_is_dropped_calls_nothing() {
    let (runs, task) = counting();
    let errors = Rc::new(Cell::new(0));
    let counted = errors.clone();
    let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
        counted.set(counted.get() + 1);
        event.prevent_default();
    });
    let window = web_sys::window().unwrap();
    window.add_event_listener_with_callback("error", on_error.as_ref().unchecked_ref()).unwrap();
    task.borrow_mut().as_mut().unwrap().post();
    task.borrow_mut().take();
    sleep(20).await;
    window.remove_event_listener_with_callback("error", on_error.as_ref().unchecked_ref()).unwrap();
    assert_eq!(runs.get(), 0);
    assert_eq!(errors.get(), 0, "the closure is gone: calling it throws in the page");
}
