//! The agent's WebSocket to the relay: join, frames in, status out.
//!
//! `ws(s)://<same host>/ws/agent`, binary frames as `ArrayBuffer`s. The first message is
//! `Control::Join`; `Control::Joined` makes the status live; every frame goes through the [`Session`]
//! (one decoder per connection) and its reply, if any, goes back to the relay. How the socket closes
//! becomes the status the agent reads (see `chrome/status.rs`).

use crate::chrome::status::{self, State, StatusLine};
use crate::session::Session;
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
}

/// An open (or opening) connection; dropping it detaches its handlers and closes the socket.
pub struct Connection {
    socket: WebSocket,
    leaving: Rc<Cell<bool>>,
    _on_open: Closure<dyn FnMut()>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_close: Closure<dyn FnMut(CloseEvent)>,
}

impl Connection {
    /// Opens `url` and joins with `join` once the socket is open.
    pub fn open(url: &str, join: Control, shared: Shared) -> Result<Self, JsValue> {
        let socket = WebSocket::new(url)?;
        socket.set_binary_type(BinaryType::Arraybuffer);
        shared.session.borrow_mut().reset_connection();
        shared.status.show(State::Connecting, "Connecting to the relay…");
        let opened = Rc::new(Cell::new(false));
        let leaving = Rc::new(Cell::new(false));
        let on_open = on_open(&socket, join, &opened, &shared);
        let on_message = on_message(&socket, &shared);
        let on_close = on_close(&opened, &leaving, &shared);
        socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        Ok(Self { socket, leaving, _on_open: on_open, _on_message: on_message, _on_close: on_close })
    }

    /// Leaves the session: closes the socket normally; its close does not change the status.
    pub fn leave(&self) {
        self.leaving.set(true);
        let _ = self.socket.close_with_code_and_reason(close::NORMAL, "agent left");
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.socket.set_onopen(None);
        self.socket.set_onmessage(None);
        self.socket.set_onclose(None);
        if self.socket.ready_state() <= WebSocket::OPEN {
            let _ = self.socket.close_with_code_and_reason(close::NORMAL, "agent left");
        }
    }
}

fn on_open(socket: &WebSocket, join: Control, opened: &Rc<Cell<bool>>, shared: &Shared) -> Closure<dyn FnMut()> {
    let (socket, opened, status) = (socket.clone(), opened.clone(), shared.status.clone());
    Closure::new(move || {
        opened.set(true);
        status.show(State::Connecting, "Signing in…");
        let _ = socket.send_with_u8_array(&encode_control(&join));
    })
}

fn on_message(socket: &WebSocket, shared: &Shared) -> Closure<dyn FnMut(MessageEvent)> {
    let (socket, shared) = (socket.clone(), shared.clone());
    Closure::new(move |event: MessageEvent| {
        let Ok(buffer) = event.data().dyn_into::<js_sys::ArrayBuffer>() else {
            return; // the relay sends only binary frames
        };
        let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
        let reply = shared.session.borrow_mut().receive(&bytes);
        if let Some(key) = reply.joined {
            let text = format!("Live — watching the visitor's page (session {key})");
            shared.status.show(State::Live, &text);
        }
        if let Some(frame) = reply.send {
            let _ = socket.send_with_u8_array(&frame);
        }
    })
}

fn on_close(opened: &Rc<Cell<bool>>, leaving: &Rc<Cell<bool>>, shared: &Shared) -> Closure<dyn FnMut(CloseEvent)> {
    let (opened, leaving, status) = (opened.clone(), leaving.clone(), shared.status.clone());
    Closure::new(move |event: CloseEvent| {
        if leaving.get() {
            return;
        }
        let (state, text) = match opened.get() {
            true => status::for_close(event.code(), &event.reason()),
            false => (State::Disconnected, "Could not reach the relay — check the connection and try again".into()),
        };
        status.show(state, &text);
    })
}
