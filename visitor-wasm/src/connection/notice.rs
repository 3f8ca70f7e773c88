//! Notices: the calls into page script a session makes (settling the promise `start()` returned, emitting
//! events to the shim), held back until the session is released.
//!
//! Why held back: page script may call back into the wasm at once (a page that calls `stop()` from its
//! `ended` handler). The session lives in the running-session thread-local (`running.rs`), so such a call
//! must find it free: the session's handlers return [`Notice`]s, and [`notify`] makes the calls after the
//! borrow ends.

use js_sys::{Function, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// The resolve and reject functions of the promise `start()` returned.
pub struct Settle {
    pub resolve: Function,
    pub reject: Function,
}

impl Settle {
    pub fn resolve(self, value: JsValue) -> Notice {
        Notice::Call(self.resolve, value)
    }

    /// Rejects with an `Error` whose `message` says what went wrong and whose `code` is the socket's close
    /// code (the shim tells a refusal from a drop worth retrying by it).
    pub fn reject(self, message: String, code: u16) -> Notice {
        let error = js_sys::Error::new(&message);
        set(&error, "code", &code.into());
        Notice::Call(self.reject, error.into())
    }
}

/// A call into page script, made once the session is released.
pub enum Notice {
    /// Call this function with this argument (settling the start promise).
    Call(Function, JsValue),
    /// Call `emit(name, detail)`.
    Emit(Function, &'static str, JsValue),
}

/// Makes the calls, in order.
pub fn notify(notices: Vec<Notice>) {
    for notice in notices {
        let _ = match notice {
            Notice::Call(function, value) => function.call1(&JsValue::UNDEFINED, &value),
            Notice::Emit(emit, name, detail) => emit.call2(&JsValue::UNDEFINED, &name.into(), &detail),
        };
    }
}

/// `object[key] = value`.
pub fn set(object: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(object, &key.into(), value);
}

/// The message of a thrown JS value.
pub fn error_text(error: &JsValue) -> String {
    match error.dyn_ref::<js_sys::Error>() {
        Some(error) => error.message().into(),
        None => error.as_string().unwrap_or_else(|| "unknown error".into()),
    }
}
