//! The support call's part of the viewer page: the control buttons, the toolbar, who watches, the
//! notice, and the visitor's page title and URL.
//!
//! What it shows is a [`BarView`], read from the session after every frame and every press of a button;
//! the page is touched only when the view changed. Every element is optional (found by id in
//! `viewer.rs`), so a page without the call's chrome still works. Besides the page, the view is
//! published on `window.cobrowseViewer` for tests: `tool` (`"pointer"`, `"highlight"`, `"draw"` or
//! `null`), `agent` (this agent's number, 0 before `Joined`), `agents` (`[{ agent, name }]`),
//! `controlHolder` (0: nobody), `notice` (or `null`), `visitorTitle`, `visitorUrl`; `control` is
//! written by the status line (`status.rs`), which also carries it as `data-control`.

use crate::call::control::ControlState;
use crate::call::tools::Tool;
use crate::chrome::status::StatusLine;
use crate::dom::global_object;
use crate::session::Session;
use cobrowse_protocol::call::{AgentId, AgentInfo};
use std::cell::RefCell;
use wasm_bindgen::JsValue;
use web_sys::{Document, Element};

/// Everything the call's chrome shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BarView {
    pub control: ControlState,
    pub notice: Option<String>,
    pub tool: Option<Tool>,
    pub me: AgentId,
    pub holder: AgentId,
    pub agents: Vec<AgentInfo>,
    pub title: String,
    pub url: String,
}

impl BarView {
    /// What the session knows now.
    pub fn of(session: &Session) -> Self {
        let call = session.call();
        Self {
            control: call.control.state(),
            notice: call.control.notice().map(str::to_string),
            tool: call.tool(),
            me: call.roster.me(),
            holder: call.roster.holder(),
            agents: call.roster.agents().to_vec(),
            title: session.visitor_title(),
            url: session.visitor_url().to_string(),
        }
    }
}

/// The ids of the call's elements (see `www/agent/index.html`).
pub mod call_ids {
    pub const REQUEST_CONTROL: &str = "request-control";
    pub const RELEASE_CONTROL: &str = "release-control";
    pub const AGENTS: &str = "agents";
    pub const NOTICE: &str = "cobrowse-notice";
    pub const VISITOR_TITLE: &str = "visitor-title";
    pub const VISITOR_URL: &str = "visitor-url";
    /// `tool-pointer`, `tool-highlight`, `tool-draw`.
    pub fn tool(name: &str) -> String {
        format!("tool-{name}")
    }
}

/// The call's elements on the viewer page.
pub struct CallBar {
    document: Option<Document>,
    last: RefCell<Option<BarView>>,
}

impl CallBar {
    /// A bar that finds its elements in `document` (none: it only publishes).
    pub fn new(document: Option<Document>) -> Self {
        Self { document, last: RefCell::new(None) }
    }

    /// Shows `view`, if it differs from what is shown; `status` carries the control state.
    pub fn show(&self, view: BarView, status: &StatusLine) {
        if self.last.borrow().as_ref() == Some(&view) {
            return;
        }
        status.show_control(view.control);
        self.show_control_buttons(view.control);
        self.show_tools(view.tool);
        self.show_agents(&view);
        self.set_text(call_ids::NOTICE, view.notice.as_deref().unwrap_or_default());
        self.set_text(call_ids::VISITOR_TITLE, &view.title);
        self.set_text(call_ids::VISITOR_URL, &view.url);
        if let Some(url) = self.element(call_ids::VISITOR_URL) {
            let _ = url.set_attribute("title", &view.url);
        }
        publish(&view);
        *self.last.borrow_mut() = Some(view);
    }

    fn show_control_buttons(&self, control: ControlState) {
        if let Some(request) = self.element(call_ids::REQUEST_CONTROL) {
            set_flag(&request, "disabled", control != ControlState::None);
            request.set_text_content(Some(request_words(control)));
        }
        if let Some(release) = self.element(call_ids::RELEASE_CONTROL) {
            set_flag(&release, "disabled", control == ControlState::None);
        }
    }

    fn show_tools(&self, held: Option<Tool>) {
        for tool in Tool::ALL {
            if let Some(button) = self.element(&call_ids::tool(tool.as_str())) {
                let pressed = if held == Some(tool) { "true" } else { "false" };
                let _ = button.set_attribute("aria-pressed", pressed);
            }
        }
    }

    fn show_agents(&self, view: &BarView) {
        let (Some(list), Some(document)) = (self.element(call_ids::AGENTS), &self.document) else {
            return;
        };
        list.set_text_content(None);
        for info in &view.agents {
            let Ok(item) = document.create_element("li") else { continue };
            let _ = item.set_attribute("data-agent", &info.agent.to_string());
            set_flag(&item, "data-me", info.agent == view.me);
            set_flag(&item, "data-control", info.agent == view.holder);
            item.set_text_content(Some(&agent_words(info, view.me, view.holder)));
            let _ = list.append_child(&item);
        }
    }

    fn set_text(&self, id: &str, text: &str) {
        if let Some(element) = self.element(id) {
            element.set_text_content(Some(text));
        }
    }

    fn element(&self, id: &str) -> Option<Element> {
        self.document.as_ref()?.get_element_by_id(id)
    }
}

/// The words on the request button.
pub fn request_words(control: ControlState) -> &'static str {
    match control {
        ControlState::None => "Request control",
        ControlState::Requested => "Asking the visitor…",
        ControlState::Granted => "You have control",
    }
}

/// How an agent is listed: its name, "(you)" for this agent, "— has control" for the holder.
pub fn agent_words(info: &AgentInfo, me: AgentId, holder: AgentId) -> String {
    let mut words = info.name.clone();
    if info.agent == me {
        words.push_str(" (you)");
    }
    if info.agent == holder {
        words.push_str(" — has control");
    }
    words
}

fn set_flag(element: &Element, name: &str, on: bool) {
    let _ = match on {
        true => element.set_attribute(name, ""),
        false => element.remove_attribute(name),
    };
}

/// Writes the view onto `window.cobrowseViewer`.
fn publish(view: &BarView) {
    let Some(global) = global_object() else {
        return;
    };
    let agents = js_sys::Array::new();
    for info in &view.agents {
        let entry = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&entry, &"agent".into(), &info.agent.into());
        let _ = js_sys::Reflect::set(&entry, &"name".into(), &info.name.as_str().into());
        agents.push(&entry);
    }
    let tool = view.tool.map_or(JsValue::NULL, |tool| tool.as_str().into());
    let notice = view.notice.as_deref().map_or(JsValue::NULL, JsValue::from);
    for (name, value) in [
        ("tool", tool),
        ("agent", view.me.into()),
        ("agents", agents.into()),
        ("controlHolder", view.holder.into()),
        ("notice", notice),
        ("visitorTitle", view.title.as_str().into()),
        ("visitorUrl", view.url.as_str().into()),
    ] {
        let _ = js_sys::Reflect::set(&global, &name.into(), &value);
    }
}
