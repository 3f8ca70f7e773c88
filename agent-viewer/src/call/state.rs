//! The call as the agent's viewer knows it: the roster, this agent's control, and the tool it holds.
//! One value, owned by the [`crate::session::Session`]; the relay's call messages and the viewer's
//! buttons change it, and `chrome/call_bar.rs` shows it.

use crate::call::control::{ControlState, RemoteControl};
use crate::call::roster::Roster;
use crate::call::tools::{self, Tool};
use cobrowse_protocol::call::NOBODY;
use cobrowse_protocol::Control;

/// The support call's state on this viewer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallState {
    pub roster: Roster,
    pub control: RemoteControl,
    tool: Option<Tool>,
}

impl CallState {
    /// The tool the agent holds, if any.
    pub fn tool(&self) -> Option<Tool> {
        self.tool
    }

    /// The agent pressed `tool`'s button (pressing the held tool puts it down).
    pub fn press_tool(&mut self, tool: Tool) {
        self.tool = tools::press(self.tool, tool);
    }

    /// Puts every tool down.
    pub fn drop_tool(&mut self) {
        self.tool = None;
    }

    /// Whether the agent controls the visitor's page.
    pub fn in_control(&self) -> bool {
        self.control.state() == ControlState::Granted
    }

    /// Whether the mirror should take the agent's mouse and keys (a tool is held, or the agent controls
    /// the page); otherwise the shield keeps them away.
    pub fn interactive(&self) -> bool {
        self.tool.is_some() || self.in_control()
    }

    /// Takes one of the relay's call messages; `true` if it was one.
    pub fn receive(&mut self, message: &Control) -> bool {
        match message {
            Control::Joined { agent, .. } => self.roster.set_me(*agent),
            Control::Agents { agents } => self.roster.set_agents(agents.clone()),
            Control::ControlHolder { agent } => {
                self.roster.set_holder(*agent);
                let name = self.roster.name_of(*agent).map(str::to_string);
                self.control.holder(self.roster.me(), *agent, name.as_deref());
            }
            Control::ControlRefused { reason, .. } => self.control.refused(reason),
            _ => return false,
        }
        true
    }

    /// The agent asks for control: the message to send, if any.
    pub fn request_control(&mut self) -> Option<Control> {
        self.control.request().then(|| Control::ControlRequest { agent: NOBODY, name: String::new() })
    }

    /// The agent gives control back (or stops asking): the message to send, if any.
    pub fn release_control(&mut self) -> Option<Control> {
        self.control.release().then_some(Control::ControlRelease)
    }

    /// A new connection: the relay names the agents and the holder again; the tool stays in hand.
    pub fn reset_connection(&mut self) {
        self.roster.reset();
        self.control.reset();
    }
}
