//! Session: one cobrowse session from `start()` to its end, tying together the connection, the node ids,
//! the recorder and the input listeners.
//!
//! Lifecycle:
//! 1. [`start`] opens the WebSocket; nothing of the page is read yet.
//! 2. `SessionStarted { key, masking }` applies the site's masking rules, resolves the promise, starts the
//!    recorder and the listeners, and sends the full snapshot at once (the relay keeps it for agents who
//!    join later). Rules the browser rejects (an invalid selector) end the session before anything of the
//!    page is sent, and the promise is rejected with a message naming the selector.
//! 3. Each mutation batch is sent at once as a delta; form changes too; pointer, scroll and resize at
//!    most once per animation frame. `SnapshotRequested` sends a fresh snapshot.
//! 4. The socket closes (the promise is rejected if it had not resolved, else `ended` is emitted), or
//!    [`stop`] sends `EndSession` and closes it. Dropping the session removes every observer and listener.
//!
//! The session lives in a thread-local, reached from JS callbacks. Calls back into page script (emit,
//! resolving the promise) are made only after the session is released, as [`Notice`]s, so a page that
//! calls `stop()` from an event handler finds the session free.

use crate::canvas::Canvases;
use crate::changes::Change;
use crate::connection::{close_message, Connection};
use crate::ids::Ids;
use crate::inputs::{self, form_events, Input, Listeners, Motion};
use crate::record::{self, Batch, Recorder};
use crate::styles::Styles;
use crate::{hooks, mask, snapshot};
use cobrowse_protocol::Event;
use cobrowse_protocol::{MaskingRules, ToVisitor};
use js_sys::{Array, Function, Object, Promise, Reflect};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Window};

thread_local! {
    static SESSION: RefCell<Option<Session>> = const { RefCell::new(None) };
}

/// Starts a session with the relay at `ws_url`; the promise resolves to the session key.
pub fn start(ws_url: &str, emit: Function, hooks: JsValue) -> Promise {
    let mut settle = None;
    let promise = Promise::new(&mut |resolve, reject| settle = Some(Settle { resolve, reject }));
    let settle = settle.expect("the Promise executor runs at once");
    let running = SESSION.with(|cell| cell.try_borrow().ok().map(|session| session.as_ref().map(|s| s.key.clone())));
    let notice = match running {
        Some(None) => match Session::open(ws_url, emit, hooks, settle) {
            Ok(session) => {
                SESSION.with(|cell| *cell.borrow_mut() = Some(session));
                return promise;
            }
            Err((settle, message)) => settle.reject(message),
        },
        Some(Some(Some(key))) => settle.resolve(key),
        _ => settle.reject("A cobrowse session is already starting.".into()),
    };
    notify(vec![notice]);
    promise
}

/// A change the shim's patches reported (see `changes.rs`); ignored unless a session records.
pub fn changed(kind: &str, target: JsValue) {
    if let Some(change) = Change::parse(kind, target) {
        with_session(|session| session.on_change(change));
    }
}

/// Whether `node`'s resources may be uploaded as assets (see `assets.rs`); false unless a session records.
pub fn asset_allowed(node: &web_sys::Node) -> bool {
    let allowed = SESSION.with(|cell| cell.try_borrow().ok()?.as_ref().map(|session| session.asset_allowed(node)));
    allowed.unwrap_or(false)
}

/// Sends an asset upload found at `node`, if its resources may still be uploaded; whether it was sent.
/// An asset whose markup would have something masked (an SVG holding a marked element, see `carriers.rs`)
/// is never sent, and counts as settled: true, so the shim does not try it again.
pub fn send_asset(node: &web_sys::Node, mut upload: cobrowse_protocol::AssetUpload) -> bool {
    let mut sent = false;
    with_session(|session| {
        if !session.asset_allowed(node) {
            return Vec::new();
        }
        match crate::carriers::asset(&upload.mime, std::mem::take(&mut upload.bytes), crate::mask::Masking::Plain) {
            Some(bytes) => {
                upload.bytes = bytes;
                sent = session.connection.send_asset(&upload);
            }
            None => sent = true,
        }
        Vec::new()
    });
    sent
}

/// Ends the session, if one runs: tells the relay, closes the socket, stops recording.
pub fn stop() {
    let Some(mut session) = take_session() else { return };
    session.connection.end();
    let notice = session.finish("You ended the session.".into());
    drop(session);
    notify(notice.into_iter().collect());
}

/// One running session.
struct Session {
    window: Window,
    document: Document,
    emit: Function,
    /// What the shim handed to `start()` for the recorder (see `changes.rs`).
    hooks: JsValue,
    connection: Connection,
    ids: Ids,
    /// The key, once the relay has started the session.
    key: Option<String>,
    /// The promise `start()` returned, until it is settled.
    starting: Option<Settle>,
    /// The recorder and listeners, once the session has started.
    recording: Option<(Recorder, Listeners)>,
    motion: Motion,
    styles: Styles,
    canvases: Canvases,
    frame_requested: bool,
    on_frame: Closure<dyn FnMut()>,
    /// The half-second timer's handle, and what it calls.
    ticker: Option<i32>,
    on_tick: Closure<dyn FnMut()>,
}

/// How often canvases and adopted sheets are looked at, in milliseconds.
const TICK_MS: i32 = 500;

impl Session {
    fn open(ws_url: &str, emit: Function, hooks: JsValue, settle: Settle) -> Result<Self, (Settle, String)> {
        let (window, document) = match web_sys::window().and_then(|window| Some((window.document()?, window))) {
            Some((document, window)) => (window, document),
            None => return Err((settle, "Cobrowse needs a browser window with a document.".into())),
        };
        let connection =
            Connection::open(ws_url, |control| with_session(|session| session.on_control(control)), on_close);
        let connection = match connection {
            Ok(connection) => connection,
            Err(error) => {
                let message = format!("Cannot connect to the cobrowse service at {ws_url}: {}", error_text(&error));
                return Err((settle, message));
            }
        };
        crate::pristine::adopt(&hooks);
        Ok(Self {
            window,
            document,
            emit,
            hooks,
            connection,
            ids: Ids::new(),
            key: None,
            starting: Some(settle),
            recording: None,
            motion: Motion::default(),
            styles: Styles::default(),
            canvases: Canvases::default(),
            frame_requested: false,
            on_frame: Closure::new(|| with_session(Session::on_frame)),
            ticker: None,
            on_tick: Closure::new(|| with_session(Session::on_tick)),
        })
    }

    fn on_control(&mut self, control: ToVisitor) -> Vec<Notice> {
        match control {
            ToVisitor::SessionStarted { key, masking } if self.key.is_none() => self.on_started(key, &masking),
            ToVisitor::SnapshotRequested if self.recording.is_some() => {
                self.send_snapshot();
                Vec::new()
            }
            ToVisitor::AgentJoined { name, agents } => vec![self.agents_changed("agentjoined", name, agents)],
            ToVisitor::AgentLeft { name, agents } => vec![self.agents_changed("agentleft", name, agents)],
            _ => Vec::new(),
        }
    }

    fn on_started(&mut self, key: String, masking: &MaskingRules) -> Vec<Notice> {
        hooks::set(self.hooks.clone());
        if let Err(message) = mask::set_rules(&self.document, masking) {
            return self.refuse_to_start(message);
        }
        let recorder = Recorder::observe(&self.document, |records| with_session(|session| session.on_records(records)));
        let on_input: Rc<dyn Fn(Input)> = Rc::new(|input| with_session(|session| session.on_input(input)));
        let listeners = Listeners::listen(&self.window, &self.document, on_input);
        match (recorder, listeners) {
            (Ok(recorder), Ok(listeners)) => {
                self.recording = Some((recorder, listeners));
                self.start_ticking();
            }
            (Err(error), _) | (_, Err(error)) => {
                return self.refuse_to_start(format!("Cobrowse cannot watch this page: {}", error_text(&error)));
            }
        }
        self.key = Some(key.clone());
        self.send_snapshot();
        self.starting.take().map(|settle| settle.resolve(key)).into_iter().collect()
    }

    /// Starts the half-second timer (`on_tick`); it stops when the session is dropped.
    fn start_ticking(&mut self) {
        let tick = self.on_tick.as_ref().unchecked_ref();
        self.ticker = self.window.set_interval_with_callback_and_timeout_and_arguments_0(tick, TICK_MS).ok();
    }

    /// Ends the session before anything of the page was sent; `start()` rejects with `message`.
    fn refuse_to_start(&mut self, message: String) -> Vec<Notice> {
        self.connection.end();
        self.starting.take().map(|settle| settle.reject(message)).into_iter().collect()
    }

    fn agents_changed(&self, event: &'static str, name: String, agents: u32) -> Notice {
        let detail = Object::new();
        set(&detail, "name", &name.into());
        set(&detail, "agents", &agents.into());
        Notice::Emit(self.emit.clone(), event, detail.into())
    }

    /// Sends the whole page, after applying the forget rule to records not yet delivered.
    fn send_snapshot(&mut self) {
        if let Some((recorder, _)) = &self.recording {
            record::forget_removed(&recorder.take_records(), &self.ids);
        }
        crate::styles::forget_adopters();
        let snapshot = snapshot::take(&self.window, &self.document, &mut self.ids);
        self.connection.send_snapshot(&snapshot);
        self.styles.snapshot_sent(&snapshot.adopted);
        self.send_state_after_snapshot();
    }

    /// What a snapshot leaves out, sent at once after it: scrolled elements, focus, canvases.
    fn send_state_after_snapshot(&mut self) {
        let mut events = Vec::new();
        for element in hooks::scrolled_elements(&self.document) {
            if let Some(node) = self.ids.get(&element) {
                events.push(Event::Scroll { node: Some(node), offset: inputs::element_offset(&element) });
            }
        }
        let focus = inputs::focused(&self.document, &self.ids);
        self.motion.snapshot_sent(focus);
        events.extend(focus.map(|node| Event::Focus(Some(node))));
        self.canvases.clear();
        events.extend(self.canvases.changed(&self.document, &self.ids));
        self.connection.send_delta(&cobrowse_protocol::Delta { events });
    }

    fn on_records(&mut self, records: Array) -> Vec<Notice> {
        match record::batch(&records, &mut self.ids) {
            Batch::Delta(delta) => self.connection.send_delta(&delta),
            Batch::Snapshot => self.send_snapshot(),
        }
        Vec::new()
    }

    /// Sends the mutations the observer has queued but not yet delivered, so later events can name new nodes.
    fn flush_records(&mut self) {
        if let Some((recorder, _)) = &self.recording {
            let records = recorder.take_records();
            if records.length() > 0 {
                self.on_records(records);
            }
        }
    }

    fn on_input(&mut self, input: Input) -> Vec<Notice> {
        match input {
            Input::Form(target) => {
                self.flush_records();
                let events = form_events(&target, &self.document, &self.ids);
                self.connection.send_delta(&cobrowse_protocol::Delta { events });
            }
            Input::Scroll(target) => self.motion.scroll(&target, &self.window, &self.ids),
            Input::Resize => self.motion.viewport(snapshot::viewport(&self.window)),
            Input::Pointer(point) => self.motion.pointer(point),
            Input::Click(point) => self.motion.click(point),
            Input::Hover(target) => self.motion.hover(target),
            Input::Focus => self.motion.focus_changed(),
            Input::Selection => self.motion.selection_changed(),
            Input::Media(target) => {
                let events = inputs::media_event(&target, &self.ids).into_iter().collect();
                self.connection.send_delta(&cobrowse_protocol::Delta { events });
            }
        }
        self.request_frame();
        Vec::new()
    }

    /// Asks for `on_frame` at the next animation frame if motion or stylesheet changes wait for it.
    fn request_frame(&mut self) {
        let waiting = !self.motion.is_empty() || !self.styles.is_empty() || self.canvases.is_drawn();
        if waiting && !self.frame_requested {
            self.frame_requested = self.window.request_animation_frame(self.on_frame.as_ref().unchecked_ref()).is_ok();
        }
    }

    fn on_change(&mut self, change: Change) -> Vec<Notice> {
        if self.recording.is_none() {
            return Vec::new();
        }
        match change {
            Change::Form(element) => {
                self.flush_records();
                let events = form_events(&element, &self.document, &self.ids);
                self.connection.send_delta(&cobrowse_protocol::Delta { events });
            }
            Change::Modal(dialog) => {
                let modal = hooks::is_modal(&dialog);
                if let Some((node, _)) = self.ids.get_with_masking(&dialog).filter(|(_, masking)| !masking.masks()) {
                    self.flush_records();
                    self.connection
                        .send_delta(&cobrowse_protocol::Delta { events: vec![Event::Modal { node, modal }] });
                }
            }
            Change::Sheet(sheet) => self.styles.sheet_changed(sheet),
            Change::Adopted(root) => self.styles.adopted_changed(root),
            Change::Canvas => self.canvases.drawn(),
            Change::Shadow(host) => {
                self.flush_records();
                let event = crate::shadow::attached(&host, &mut self.ids);
                self.connection.send_delta(&cobrowse_protocol::Delta { events: event.into_iter().collect() });
            }
            Change::Frame(frame) => {
                self.flush_records();
                let event = crate::frames::loaded(&frame, &mut self.ids);
                self.connection.send_delta(&cobrowse_protocol::Delta { events: event.into_iter().collect() });
            }
            Change::Input(target) => return self.on_input(Input::Form(target)),
            Change::Scroll(target) => return self.on_input(Input::Scroll(target)),
        }
        self.request_frame();
        Vec::new()
    }

    /// Every half second: canvases whose pixels changed, adopted sheets pushed without an assignment.
    fn on_tick(&mut self) -> Vec<Notice> {
        if self.recording.is_some() {
            self.flush_records();
            let mut events = self.canvases.changed(&self.document, &self.ids);
            events.extend(self.styles.poll(&self.document, &self.ids));
            self.connection.send_delta(&cobrowse_protocol::Delta { events });
        }
        Vec::new()
    }

    /// Mirrored (it has an id) and neither masked nor blocked, as it was sent and as it is now.
    fn asset_allowed(&self, node: &web_sys::Node) -> bool {
        let sent_plain = self.ids.get_with_masking(node).is_some_and(|(_, masking)| !masking.masks());
        self.recording.is_some() && node.is_connected() && sent_plain && !mask::is_masked(node)
    }

    fn on_frame(&mut self) -> Vec<Notice> {
        self.frame_requested = false;
        self.flush_records();
        let mut events = self.styles.take_events(&self.document, &self.ids);
        events.extend(self.motion.take(&self.document, &self.ids));
        if self.canvases.due() {
            events.extend(self.canvases.changed(&self.document, &self.ids));
        }
        self.connection.send_delta(&cobrowse_protocol::Delta { events });
        self.request_frame(); // a canvas drawn too soon after the last look waits for a later frame
        Vec::new()
    }

    /// What ending the session tells the page: `start()` fails if it had not resolved, else `ended`.
    fn finish(&mut self, reason: String) -> Option<Notice> {
        if let Some(settle) = self.starting.take() {
            return Some(settle.reject(reason));
        }
        let detail = Object::new();
        set(&detail, "reason", &reason.into());
        Some(Notice::Emit(self.emit.clone(), "ended", detail.into()))
    }
}

impl Drop for Session {
    /// The site's masking rules end with the session.
    fn drop(&mut self) {
        mask::reset_rules();
        hooks::reset();
        crate::styles::forget_adopters();
        if let Some(ticker) = self.ticker.take() {
            self.window.clear_interval_with_handle(ticker);
        }
    }
}

fn on_close(code: u16, reason: String) {
    let Some(mut session) = take_session() else { return };
    let message = close_message(code, &reason, session.key.is_some());
    let notice = session.finish(message);
    drop(session);
    notify(notice.into_iter().collect());
}

/// The resolve and reject functions of the promise `start()` returned.
struct Settle {
    resolve: Function,
    reject: Function,
}

impl Settle {
    fn resolve(self, key: String) -> Notice {
        Notice::Call(self.resolve, key.into())
    }

    fn reject(self, message: String) -> Notice {
        Notice::Call(self.reject, js_sys::Error::new(&message).into())
    }
}

/// A call into page script, made once the session is released.
enum Notice {
    /// Call this function with this argument (settling the start promise).
    Call(Function, JsValue),
    /// Call `emit(name, detail)`.
    Emit(Function, &'static str, JsValue),
}

fn notify(notices: Vec<Notice>) {
    for notice in notices {
        let _ = match notice {
            Notice::Call(function, value) => function.call1(&JsValue::UNDEFINED, &value),
            Notice::Emit(emit, name, detail) => emit.call2(&JsValue::UNDEFINED, &name.into(), &detail),
        };
    }
}

/// Runs `f` on the session if there is one and it is not already in use, then makes its calls to the page.
fn with_session(f: impl FnOnce(&mut Session) -> Vec<Notice>) {
    let mut f = Some(f);
    with_session_dyn(&mut |session| f.take().map(|f| f(session)).unwrap_or_default());
}

/// [`with_session`] without generics: one copy of the thread-local access for every caller (each copy
/// costs download size).
#[inline(never)]
fn with_session_dyn(f: &mut dyn FnMut(&mut Session) -> Vec<Notice>) {
    let notices = SESSION.with(|cell| match cell.try_borrow_mut() {
        Ok(mut session) => session.as_mut().map(|session| f(session)),
        Err(_) => None,
    });
    notify(notices.unwrap_or_default());
}

fn take_session() -> Option<Session> {
    SESSION.with(|cell| cell.try_borrow_mut().ok().and_then(|mut session| session.take()))
}

fn set(object: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(object, &key.into(), value);
}

/// The message of a thrown JS value.
fn error_text(error: &JsValue) -> String {
    match error.dyn_ref::<js_sys::Error>() {
        Some(error) => error.message().into(),
        None => error.as_string().unwrap_or_else(|| "unknown error".into()),
    }
}
