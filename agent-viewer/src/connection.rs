//! One WebSocket to the relay: join, frames in, status out, and word of how it closed.
//!
//! `ws(s)://<same host>/ws/agent`, binary frames as `ArrayBuffer`s. The first message is
//! `Control::Join`; every frame goes through the [`Session`] (one decoder per connection), whose reply
//! says what to show (`live`, `navigating`, the visitor's tab…) and what, if anything, to send back; the
//! call's chrome is shown again after each (it reads the session). How
//! the socket closed goes to the owner's `on_closed` ([`Closed`]): `link.rs` decides whether to rejoin.

use crate::chrome::call_bar::{BarView, CallBar};
use crate::chrome::status::{State, StatusLine};
use crate::inbox::Inbox;
use crate::session::{Reply, Session};
use cobrowse_protocol::close;
use cobrowse_protocol::message::encode_control;
use cobrowse_protocol::Control;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{BinaryType, CloseEvent, Location, MessageEvent, WebSocket};

/// The relay's agent endpoint for a viewer page at `location`: same host, `wss` under https.
pub fn agent_url(location: &Location) -> Result<String, JsValue> {
    let scheme = if location.protocol()? == "https:" { "wss" } else { "ws" };
    Ok(format!("{scheme}://{}/ws/agent", location.host()?))
}

/// The parts of the viewer a connection's handlers update.
#[derive(Clone)]
pub struct Shared {
    pub session: Rc<RefCell<Session>>,
    pub status: Rc<StatusLine>,
    /// The support call's chrome, shown again after every frame (it changes the page only on a change).
    pub bar: Rc<CallBar>,
}

impl Shared {
    /// Ends this agent's part in the call (it left, or the connection closed for good): tools down,
    /// control forgotten, the mirror back behind the shield.
    pub fn end_call(&self) {
        if let Ok(mut session) = self.session.try_borrow_mut() {
            session.change_call(|call| {
                call.drop_tool();
                call.reset_connection();
            });
        }
        self.show_call();
    }

    /// Shows the call's state as the session has it now (the session must not be borrowed).
    pub fn show_call(&self) {
        let view = match self.session.try_borrow() {
            Ok(session) => BarView::of(&session),
            Err(_) => return,
        };
        self.bar.show(view, &self.status);
    }
}

/// How a connection's socket closed (not when the agent left).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closed {
    /// The socket had opened (otherwise the relay could not be reached at all).
    pub opened: bool,
    /// The relay had accepted the sign-in on it: `Joined`, or `AwaitingConsent` (the visitor's consent).
    pub joined: bool,
    pub code: u16,
    pub reason: String,
}

/// Called once when the socket closes without the agent leaving.
pub type OnClosed = Rc<dyn Fn(Closed)>;

/// An open (or opening) connection; dropping it detaches its handlers and closes the socket.
pub struct Connection {
    socket: WebSocket,
    leaving: Rc<Cell<bool>>,
    inbox: Rc<Inbox>,
    _on_open: Closure<dyn FnMut()>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_close: Closure<dyn FnMut(CloseEvent)>,
}

impl Connection {
    /// Opens `url` and sends `join` (a `Join` or a `JoinWithToken`) once the socket is open; a session
    /// token the relay sends is kept for `signed_in_as` (the password `Join`, see `sign_in.rs`).
    /// `rejoining`: it replaces a connection that had joined and dropped (the mirror keeps its page).
    pub fn open(
        url: &str,
        (join, signed_in_as): (Control, Control),
        shared: Shared,
        rejoining: bool,
        on_closed: OnClosed,
    ) -> Result<Self, JsValue> {
        let socket = WebSocket::new(url)?;
        socket.set_binary_type(BinaryType::Arraybuffer);
        shared.session.borrow_mut().reset_connection(rejoining);
        if !rejoining {
            shared.status.show(State::Connecting, "Connecting to the relay…");
        }
        let opened = Rc::new(Cell::new(false));
        let leaving = Rc::new(Cell::new(false));
        let on_open = on_open(&socket, join, &opened, &shared, rejoining);
        let inbox = Inbox::new(apply_frame(&socket, &shared, signed_in_as));
        let on_message = on_message(&inbox);
        let on_close = on_close(&opened, &leaving, (&shared, &inbox), on_closed);
        socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        Ok(Self { socket, leaving, inbox, _on_open: on_open, _on_message: on_message, _on_close: on_close })
    }

    /// Sends a frame if the socket is open; `false` if it is not.
    pub fn send(&self, frame: &[u8]) -> bool {
        self.socket.ready_state() == WebSocket::OPEN && self.socket.send_with_u8_array(frame).is_ok()
    }

    /// Leaves the session: closes the socket normally; its close is not reported.
    pub fn leave(&self) {
        self.leaving.set(true);
        self.inbox.detach();
        let _ = self.socket.close_with_code_and_reason(close::NORMAL, "agent left");
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.inbox.detach();
        self.socket.set_onopen(None);
        self.socket.set_onmessage(None);
        self.socket.set_onclose(None);
        if self.socket.ready_state() <= WebSocket::OPEN {
            let _ = self.socket.close_with_code_and_reason(close::NORMAL, "agent left");
        }
    }
}

fn on_open(
    socket: &WebSocket,
    join: Control,
    opened: &Rc<Cell<bool>>,
    shared: &Shared,
    rejoining: bool,
) -> Closure<dyn FnMut()> {
    let (socket, opened, status) = (socket.clone(), opened.clone(), shared.status.clone());
    Closure::new(move || {
        opened.set(true);
        if !rejoining {
            status.show(State::Connecting, "Signing in…");
        }
        let _ = socket.send_with_u8_array(&encode_control(&join));
    })
}

/// Each frame into the inbox, which applies it in turn (see `inbox.rs`).
fn on_message(inbox: &Rc<Inbox>) -> Closure<dyn FnMut(MessageEvent)> {
    let inbox = inbox.clone();
    Closure::new(move |event: MessageEvent| {
        let Ok(buffer) = event.data().dyn_into::<js_sys::ArrayBuffer>() else {
            return; // the relay sends only binary frames
        };
        inbox.receive(js_sys::Uint8Array::new(&buffer).to_vec());
    })
}

/// Applies a frame: through the session, then what its reply says.
fn apply_frame(socket: &WebSocket, shared: &Shared, signed_in_as: Control) -> impl Fn(&[u8]) + 'static {
    let (socket, shared) = (socket.clone(), shared.clone());
    move |bytes: &[u8]| {
        let mut reply = shared.session.borrow_mut().receive(bytes);
        if let Some(token) = reply.signed_in.take() {
            crate::sign_in::remember(&signed_in_as, &token);
        }
        act_on(reply, &socket, &shared.status);
        shared.show_call();
    }
}

/// Does what a frame's [`Reply`] says, with the session no longer borrowed (the status calls the page).
fn act_on(reply: Reply, socket: &WebSocket, status: &StatusLine) {
    if let Some(frame) = reply.send {
        let _ = socket.send_with_u8_array(&frame);
    }
    if let Some(tab) = reply.tab {
        status.show_tab(Some(tab));
    }
    if let Some((state, text)) = reply.status {
        status.show(state, &text);
    }
}

fn on_close(
    opened: &Rc<Cell<bool>>,
    leaving: &Rc<Cell<bool>>,
    (shared, inbox): (&Shared, &Rc<Inbox>),
    on_closed: OnClosed,
) -> Closure<dyn FnMut(CloseEvent)> {
    let (opened, leaving, session, inbox) = (opened.clone(), leaving.clone(), shared.session.clone(), inbox.clone());
    Closure::new(move |event: CloseEvent| {
        if leaving.get() {
            return;
        }
        inbox.apply_waiting(); // what came before the close is applied before it is acted on
        let (joined, declined) = {
            let session = session.borrow();
            (session.signed_in(), session.declined())
        };
        // After `ConsentDeclined` the close is final whatever code it came with.
        let code = if declined { close::CONSENT_DECLINED } else { event.code() };
        on_closed(Closed { opened: opened.get(), joined, code, reason: event.reason() });
    })
}
