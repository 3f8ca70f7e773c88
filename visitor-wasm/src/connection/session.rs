//! Session: one cobrowse session from `start()` to its end, tying together the connection, the recorder
//! (with the node ids and masking rules), the input listeners and the page-state managers.
//!
//! Lifecycle:
//! 1. `start()` opens the WebSocket ([`Session::open`]), or takes over the one the shim opened while the
//!    recorder loaded; nothing of the page is read yet.
//!    With a `resume` (`{key, secret}` the shim kept from an earlier page), `Resume` is the first message
//!    sent once the socket opens.
//! 2. `SessionStarted { key, masking, secret, agents }` (a new session, or the resumed one: then `secret`
//!    is empty) applies the site's masking rules, resolves the promise to `{key, secret, agents}`, starts the
//!    recorder's observer and the listeners, and sends the full snapshot at once (the relay keeps it for
//!    agents who join later). On a large page the snapshot is sliced: no task of the session serializes
//!    for more than [`SLICE_MS`]; the first slice goes as the snapshot, with the parents it had no time
//!    for left waiting (`tree/backlog.rs`), and each later task (posted, `next_task.rs`, so the page's own
//!    tasks run between) sends their children as snapshot parts, until nothing waits; then the state a snapshot
//!    leaves out (scrolled elements, focus, canvases). Changes the page makes meanwhile go as deltas. Once
//!    the page is sent, one more task rehearses a mutation batch's path on a document of its own, so that
//!    the page's first changes do not pay for compiling it (`tree/rehearsal.rs`). Rules the browser rejects (an invalid selector) end the session before
//!    anything of the page is sent, and the promise is rejected with a message naming the selector.
//! 3. Each mutation batch is sent at once as a delta; form changes too; pointer, scroll and resize at
//!    most once per animation tick. `SnapshotRequested` sends a fresh snapshot. The support call's
//!    messages go to the shim undecoded (`emit("call", frame)`, an `ArrayBuffer`), and its answers come back through
//!    [`Session::send_call`].
//! 4. The socket closes (the promise is rejected if it had not resolved, else `ended` is emitted, each
//!    with the close code), or `stop()` sends `EndSession` and closes it, or `suspend()` drops the session:
//!    its connection closes with 1001 and nothing is emitted (the page is going away; the next one resumes). Dropping the session drops its recorder, which removes
//!    every observer, and its listeners: nothing of the session is left to reset.
//!
//! The session does not know where it is kept: `running.rs` keeps it, and hands in a [`Reach`] through
//! which the browser's callbacks find it again. Calls back into page script (emit, resolving the promise)
//! are returned as [`Notice`]s and made only after the session is released.

use crate::connection::next_task::NextTask;
use crate::connection::notice::{error_text, set, Notice, Settle};
use crate::connection::socket::Connection;
use crate::dom;
use crate::page::canvas::Canvases;
use crate::page::changes::Change;
use crate::page::listeners::{Input, Listeners};
use crate::page::motion::{self, Motion};
use crate::page::styles::Styles;
use crate::page::{child_documents, extras, forms, shadow};
use crate::recorder::Recorder;
use crate::tree::carriers;
use crate::tree::mask::Masking;
use crate::tree::record::{self, Batch};
use crate::tree::rehearsal;
use crate::tree::snapshot;
use cobrowse_protocol::message::FromVisitor;
use cobrowse_protocol::{close, AssetUpload, Delta, Event, MaskingRules, ToVisitor};
use js_sys::{Array, Function, Object, WeakSet};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, Window};

/// How often canvases and adopted sheets are looked at, in milliseconds.
const POLL_MS: i32 = 500;
/// How long one task of the session may serialize, in milliseconds: well inside the 50 ms of a long task,
/// leaving room for encoding and sending what was serialized, for the layout the first read of a scroll
/// offset may force, for the garbage collector's marking steps, and for the frame the page may render
/// right after the task (on the 100,000-element page, 25-45 ms of layout and paint). 8 ms, not 12: that
/// page's longest gap between two tasks of its own went from a median of about 56 ms to about 51. A debug
/// build (the wasm's own tests) does the same work about ten times slower: its slice is ten times longer,
/// so a small test page still goes in one.
pub const SLICE_MS: f64 = if cfg!(debug_assertions) { 200.0 } else { 8.0 };
/// How many nodes a slice serializes at least, however long they take (about 2 ms of work on a quiet
/// machine; see `Backlog::start_task`): a page this small is never sent in parts.
pub const SLICE_MIN_NODES: u32 = 400;

/// Something to do with the running session; what it returns is made once the session is released.
pub type SessionTask<'a> = dyn FnMut(&mut Session) -> Vec<Notice> + 'a;

/// How the browser's callbacks reach the running session, handed in by its keeper (`running.rs`).
#[derive(Clone, Copy)]
pub struct Reach {
    /// Runs a task on the running session, if it is there and free, then makes its notices.
    pub lend: fn(&mut SessionTask),
    /// The socket closed with this code and reason.
    pub closed: fn(u16, String),
}

impl Reach {
    /// Runs `f` on the running session (see [`Reach::lend`]).
    pub fn run(self, f: impl FnOnce(&mut Session) -> Vec<Notice>) {
        let mut f = Some(f);
        (self.lend)(&mut |session| f.take().map(|f| f(session)).unwrap_or_default());
    }
}

/// One running session.
pub struct Session {
    reach: Reach,
    window: Window,
    document: Document,
    emit: Function,
    connection: Connection,
    /// What the tree walk remembers: ids, masking rules, hooks, the observer.
    recorder: Recorder,
    /// The key, once the relay has started the session.
    key: Option<String>,
    /// The promise `start()` returned, until it is settled.
    starting: Option<Settle>,
    /// The input listeners, once the session records.
    listeners: Option<Listeners>,
    motion: Motion,
    styles: Styles,
    canvases: Canvases,
    animation_tick_requested: bool,
    on_animation_tick: Closure<dyn FnMut()>,
    /// The half-second timer's handle, and what it calls.
    poller: Option<i32>,
    on_poll: Closure<dyn FnMut()>,
    /// The task the next slice runs in.
    next_slice: NextTask,
    /// Whether the parents waiting in the backlog belong to the last snapshot (their children go as
    /// snapshot parts, and the state a snapshot leaves out follows them).
    completing_snapshot: bool,
    /// The shim's hooks, until a task of its own, once the page is sent, rehearses a batch's path with them
    /// (`tree/rehearsal.rs`).
    rehearsal_hooks: Option<JsValue>,
}

/// Where a session connects: the relay's visitor socket URL, the socket the shim already opened to it (if
/// any), and the key and secret of the session to continue (if any).
pub struct Dial<'a> {
    pub url: &'a str,
    pub socket: Option<web_sys::WebSocket>,
    pub resume: Option<(String, String)>,
}

impl Session {
    /// Opens the socket `dial` says; the session runs once the relay starts it. `hooks` is the shim's.
    /// `secret_fields` are the fields earlier sessions on this page saw secret (see `running.rs`).
    pub fn open(
        Dial { url: ws_url, socket, resume }: Dial,
        emit: Function,
        hooks: &JsValue,
        secret_fields: WeakSet<Element>,
        settle: Settle,
        reach: Reach,
    ) -> Result<Self, (Settle, String)> {
        let (window, document) = match dom::page_window().and_then(|window| Some((window.document()?, window))) {
            Some((document, window)) => (window, document),
            None => return Err((settle, "Cobrowse needs a browser window with a document.".into())),
        };
        let first = resume.map(|(key, secret)| FromVisitor::Resume { key: &key, secret: &secret }.encode());
        let on_call = call_emitter(emit.clone());
        let connection = Connection::open(
            ws_url,
            socket,
            first,
            move |control| reach.run(|s| s.on_control(control)),
            on_call,
            reach.closed,
        );
        let connection = match connection {
            Ok(connection) => connection,
            Err(error) => {
                let message =
                    ["Cannot connect to the cobrowse service at ", ws_url, ": ", &error_text(&error)].concat();
                return Err((settle, message));
            }
        };
        Ok(Self {
            reach,
            window,
            document,
            emit,
            connection,
            recorder: Recorder::remembering(hooks, secret_fields),
            key: None,
            starting: Some(settle),
            listeners: None,
            motion: Motion::default(),
            styles: Styles::default(),
            canvases: Canvases::default(),
            animation_tick_requested: false,
            on_animation_tick: Closure::new(move || reach.run(Session::on_animation_tick)),
            poller: None,
            on_poll: Closure::new(move || reach.run(Session::on_poll)),
            next_slice: NextTask::new(Closure::new(move || reach.run(Session::on_slice))),
            completing_snapshot: false,
            rehearsal_hooks: Some(hooks.clone()),
        })
    }

    /// Runs one task of the browser's on the session, within a fresh time slice; while it records, posts the
    /// task of the next slice if parents are left waiting (see the module doc), or else the rehearsal's
    /// task, once.
    pub fn run(&mut self, task: &mut SessionTask) -> Vec<Notice> {
        self.recorder.backlog.start_task(SLICE_MS, SLICE_MIN_NODES);
        let notices = task(self);
        let rehearsal_due = self.rehearsal_hooks.is_some();
        if self.recorder.backlog.is_empty() {
            self.send_scrolled();
        }
        if self.is_recording() && (rehearsal_due || !self.recorder.backlog.is_empty()) {
            self.next_slice.post();
        }
        notices
    }

    /// The offsets of the elements the walk found scrolled (the snapshot's, or a new subtree's), sent once
    /// nothing waits, so that the mirror has their content to scroll.
    fn send_scrolled(&mut self) {
        let scrolled = std::mem::take(&mut self.recorder.scrolled);
        let events = scrolled
            .iter()
            .filter_map(|element| {
                let node = self.recorder.ids.get(element)?;
                Some(Event::Scroll { node: Some(node), offset: dom::element_offset(element) })
            })
            .collect();
        self.connection.send_delta(&Delta { events });
    }

    /// The next slice: the children of the parents waiting, after the changes made since the last task.
    fn on_slice(&mut self) -> Vec<Notice> {
        self.next_slice.running();
        if self.recorder.backlog.is_empty() {
            // Nothing waits: the page is sent, and this task is the rehearsal's (see `run`).
            if let Some(hooks) = self.rehearsal_hooks.take() {
                rehearsal::rehearse(&hooks);
            }
            return Vec::new();
        }
        self.flush_records();
        let delta = Delta { events: record::waiting_children(&mut self.recorder) };
        match self.completing_snapshot {
            true => self.connection.send_snapshot_part(delta, self.recorder.backlog.is_empty()),
            false => self.connection.send_delta(&delta),
        }
        if self.completing_snapshot && self.recorder.backlog.is_empty() {
            self.completing_snapshot = false;
            self.send_state_after_snapshot();
        }
        Vec::new()
    }

    /// The key, once the relay has started the session.
    pub fn key(&self) -> Option<String> {
        self.key.clone()
    }

    fn is_recording(&self) -> bool {
        self.listeners.is_some()
    }

    fn on_control(&mut self, control: ToVisitor) -> Vec<Notice> {
        match control {
            ToVisitor::SessionStarted { key, masking, secret, agents } if self.key.is_none() => {
                let resolved = started(&key, secret, agents);
                self.on_started(key, &masking, resolved)
            }
            ToVisitor::SnapshotRequested if self.is_recording() => {
                self.send_snapshot();
                Vec::new()
            }
            ToVisitor::AgentJoined { name, agents } => vec![self.agents_changed("agentjoined", name, agents)],
            ToVisitor::AgentLeft { name, agents } => vec![self.agents_changed("agentleft", name, agents)],
            _ => Vec::new(),
        }
    }

    /// The relay started (or resumed) the session: record, send the page, resolve `start()` to `started`.
    fn on_started(&mut self, key: String, masking: &MaskingRules, started: JsValue) -> Vec<Notice> {
        if let Err(message) = self.recorder.set_rules(&self.document, masking) {
            return self.refuse_to_start(message);
        }
        let reach = self.reach;
        let observed = self.recorder.observe(
            &self.document,
            move |records| reach.run(|session| session.on_records(records)),
            move |change| reach.run(|session| session.on_change(change)),
        );
        let on_input: Rc<dyn Fn(Input)> = Rc::new(move |input| reach.run(|session| session.on_input(input)));
        let listeners = Listeners::listen(&self.window, &self.document, on_input);
        match (observed, listeners) {
            (Ok(()), Ok(listeners)) => {
                self.listeners = Some(listeners);
                self.start_polling();
            }
            (Err(error), _) | (_, Err(error)) => {
                self.recorder.stop_observing();
                return self.refuse_to_start(["Cobrowse cannot watch this page: ", &error_text(&error)].concat());
            }
        }
        self.key = Some(key);
        self.send_snapshot();
        self.starting.take().map(|settle| settle.resolve(started)).into_iter().collect()
    }

    /// Starts the half-second timer (`on_poll`); it stops when the session is dropped.
    fn start_polling(&mut self) {
        let poll = self.on_poll.as_ref().unchecked_ref();
        self.poller = self.window.set_interval_with_callback_and_timeout_and_arguments_0(poll, POLL_MS).ok();
    }

    /// Ends the session before anything of the page was sent; `start()` rejects with `message`.
    fn refuse_to_start(&mut self, message: String) -> Vec<Notice> {
        self.connection.end();
        self.starting.take().map(|settle| settle.reject(message, close::NORMAL)).into_iter().collect()
    }

    fn agents_changed(&self, event: &'static str, name: String, agents: u32) -> Notice {
        let detail = Object::new();
        set(&detail, "name", &name.into());
        set(&detail, "agents", &agents.into());
        Notice::Emit(self.emit.clone(), event, detail.into())
    }

    /// Sends the whole page (its first slice, see the module doc); records not yet delivered are dropped,
    /// the snapshot reads the page as it is now.
    fn send_snapshot(&mut self) {
        self.recorder.take_records();
        self.recorder.forget_adopters();
        // The slice's clock starts once the page is laid out (reading its scroll offset lays it out): a page
        // just loaded has its first layout still to make, which is the page's own work that its first frame
        // would do anyway, and would otherwise spend the slice before the walk reads a node.
        dom::window_scroll(&self.window);
        self.recorder.backlog.start_task(SLICE_MS, SLICE_MIN_NODES); // the whole slice for the walk, whatever came before
        let snapshot = snapshot::take(&self.window, &self.document, &mut self.recorder);
        self.connection.send_snapshot(&snapshot);
        self.styles.snapshot_sent(&snapshot.adopted);
        self.completing_snapshot = !self.recorder.backlog.is_empty();
        if !self.completing_snapshot {
            self.send_state_after_snapshot();
        }
    }

    /// What a snapshot leaves out, sent once its last part is: focus, canvases (and, from
    /// [`Session::run`], the elements it found scrolled).
    fn send_state_after_snapshot(&mut self) {
        self.recorder.hooks.complete_scroll_watch(); // the walk read every offset (see `page/hooks.rs`)
        let mut events = Vec::new();
        let focus = motion::focused(&self.document, &self.recorder);
        self.motion.snapshot_sent(focus);
        events.extend(focus.map(|node| Event::Focus(Some(node))));
        self.canvases.clear();
        events.extend(self.canvases.changed(&self.document, &self.recorder));
        self.connection.send_delta(&Delta { events });
    }

    fn on_records(&mut self, records: Array) -> Vec<Notice> {
        match record::batch(&records, &mut self.recorder) {
            Batch::Delta(delta) => self.connection.send_delta(&delta),
            Batch::Snapshot => self.send_snapshot(),
        }
        Vec::new()
    }

    /// Sends the mutations the observer has queued but not yet delivered, so later events can name new nodes.
    fn flush_records(&mut self) {
        let records = self.recorder.take_records();
        if crate::dom::count(&records) > 0 {
            self.on_records(records);
        }
    }

    /// Sends the form events of an `input` or `change` on `target`, after the mutations before it.
    fn send_form_events(&mut self, target: &web_sys::EventTarget) {
        self.flush_records();
        let events = forms::form_events(target, &self.document, &self.recorder);
        self.connection.send_delta(&Delta { events });
    }

    /// Sends the event an observer-less change calls for, after the mutations before it.
    fn send_flushed(&mut self, event: impl FnOnce(&mut Recorder) -> Option<Event>) {
        self.flush_records();
        let events = event(&mut self.recorder).into_iter().collect();
        self.connection.send_delta(&Delta { events });
    }

    fn on_input(&mut self, input: Input) -> Vec<Notice> {
        match input {
            Input::Form(target) => self.send_form_events(&target),
            Input::Scroll(target) => self.motion.scroll(&target, &self.window, &self.recorder),
            Input::Resize => self.motion.viewport(dom::viewport(&self.window)),
            Input::Pointer(point) => self.motion.pointer(point),
            Input::Click(point) => self.motion.click(point),
            Input::Hover(target) => self.motion.hover(target),
            Input::Focus => self.motion.focus_changed(),
            Input::Selection => self.motion.selection_changed(),
            Input::Media(target) => {
                let events = extras::media_event(&target, &self.recorder).into_iter().collect();
                self.connection.send_delta(&Delta { events });
            }
        }
        self.request_animation_tick();
        Vec::new()
    }

    /// Asks for `on_animation_tick` at the next animation tick (`requestAnimationFrame`) if motion, stylesheet
    /// changes or drawn canvases wait for it.
    fn request_animation_tick(&mut self) {
        let waiting = !self.motion.is_empty() || !self.styles.is_empty() || self.canvases.is_drawn();
        if waiting && !self.animation_tick_requested {
            let tick = self.on_animation_tick.as_ref().unchecked_ref();
            self.animation_tick_requested = self.window.request_animation_frame(tick).is_ok();
        }
    }

    /// A change the shim or the observer reported (see `changes.rs`); ignored unless the session records.
    pub fn on_change(&mut self, change: Change) -> Vec<Notice> {
        if !self.is_recording() {
            return Vec::new();
        }
        match change {
            Change::Form(element) => self.send_form_events(&element),
            Change::Modal(dialog) => {
                let modal = self.recorder.hooks.is_modal(&dialog);
                let known = self.recorder.ids.get_with_masking(&dialog);
                if let Some((node, _)) = known.filter(|(_, masking)| !masking.masks()) {
                    self.flush_records();
                    self.connection.send_delta(&Delta { events: vec![Event::Modal { node, modal }] });
                }
            }
            Change::Sheet(sheet) => self.styles.sheet_changed(sheet),
            Change::Adopted(root) => self.styles.adopted_changed(root),
            Change::Canvas => self.canvases.drawn(),
            Change::Shadow(host) => self.send_flushed(|recorder| shadow::attached(&host, recorder)),
            Change::ChildDocument(iframe) => self.send_flushed(|recorder| child_documents::loaded(&iframe, recorder)),
            Change::Input(target) => return self.on_input(Input::Form(target)),
            Change::Scroll(target) => return self.on_input(Input::Scroll(target)),
        }
        self.request_animation_tick();
        Vec::new()
    }

    /// Every half second: canvases whose pixels changed, adopted sheets pushed without an assignment.
    fn on_poll(&mut self) -> Vec<Notice> {
        if self.is_recording() {
            self.flush_records();
            let mut events = self.canvases.changed(&self.document, &self.recorder);
            events.extend(self.styles.poll(&self.document, &self.recorder));
            self.connection.send_delta(&Delta { events });
        }
        Vec::new()
    }

    /// Mirrored (it has an id) and neither masked nor blocked, as it was sent and as it is now.
    pub fn asset_allowed(&self, node: &web_sys::Node) -> bool {
        let sent_plain = self.recorder.ids.get_with_masking(node).is_some_and(|(_, masking)| !masking.masks());
        self.is_recording() && node.is_connected() && sent_plain && !self.recorder.mask.is_masked(node)
    }

    /// Sends an asset upload found at `node`, if its resources may still be uploaded; whether it was sent.
    /// An asset whose markup would have something masked (an SVG holding a marked element, see
    /// `carriers.rs`) is never sent, and counts as settled: true, so the shim does not try it again.
    pub fn send_asset(&mut self, node: &web_sys::Node, mut upload: AssetUpload) -> bool {
        if !self.asset_allowed(node) {
            return false;
        }
        match carriers::asset(&self.recorder.mask, &upload.mime, std::mem::take(&mut upload.bytes), Masking::Plain) {
            Some(bytes) => {
                upload.bytes = bytes;
                self.connection.send_asset(&upload)
            }
            None => true,
        }
    }

    /// Sends a support-call message the shim encoded; whether it was sent (see `Connection::send_call`).
    pub fn send_call(&self, payload: &[u8]) -> bool {
        self.is_recording() && self.connection.send_call(payload)
    }

    /// What the shim may know of a node: its id × 2, plus 1 if it is mirrored plainly (see
    /// [`Session::asset_allowed`]); -1 if the mirror does not know it. See `nodes.rs`.
    pub fn node_info(&self, node: &web_sys::Node) -> i32 {
        match self.recorder.ids.get(node) {
            Some(id) => id as i32 * 2 + i32::from(self.asset_allowed(node)),
            None => -1,
        }
    }

    /// The visitor ends the session: tells the relay, and closes the socket.
    pub fn end(&mut self) {
        self.connection.end();
    }

    /// At the animation tick: stylesheet changes, motion, and canvases drawn on if a look is due.
    fn on_animation_tick(&mut self) -> Vec<Notice> {
        self.animation_tick_requested = false;
        self.flush_records();
        let mut events = self.styles.take_events(&self.document, &mut self.recorder);
        events.extend(self.motion.take(&self.document, &self.recorder));
        if self.canvases.due() {
            events.extend(self.canvases.changed(&self.document, &self.recorder));
        }
        self.connection.send_delta(&Delta { events });
        self.request_animation_tick(); // a canvas drawn too soon after the last look waits for a later tick
        Vec::new()
    }

    /// What ending the session tells the page: `start()` fails if it had not resolved, else `ended`
    /// (`{reason, code}`, `code` being the socket's close code).
    pub fn finish(&mut self, reason: String, code: u16) -> Option<Notice> {
        if let Some(settle) = self.starting.take() {
            return Some(settle.reject(reason, code));
        }
        let detail = Object::new();
        set(&detail, "reason", &reason.into());
        set(&detail, "code", &code.into());
        Some(Notice::Emit(self.emit.clone(), "ended", detail.into()))
    }
}

/// What the socket calls with a support-call message's frame: `emit("call", frame)`, at once (the socket's
/// callback holds no session, so the shim may call back in, as its answers do; the notice is made at once).
fn call_emitter(emit: Function) -> impl FnMut(JsValue) {
    move |frame| crate::connection::notice::notify(vec![Notice::Emit(emit.clone(), "call", frame)])
}

/// What `start()` resolves to: `{key, secret, agents}` (`secret` empty on a resumed session).
fn started(key: &str, secret: String, agents: u32) -> JsValue {
    let started = Object::new();
    set(&started, "key", &key.into());
    set(&started, "secret", &secret.into());
    set(&started, "agents", &agents.into());
    started.into()
}

impl Drop for Session {
    /// The timer stops with the session; everything else it holds goes with it.
    fn drop(&mut self) {
        if let Some(poller) = self.poller.take() {
            self.window.clear_interval_with_handle(poller);
        }
    }
}
