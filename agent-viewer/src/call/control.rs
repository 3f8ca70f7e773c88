//! Remote control from the agent's side: `none` → `requested` → `granted`, and back.
//!
//! The agent asks (`ControlRequest`); the relay names who controls the page with `ControlHolder`
//! (this agent: `granted`; another agent or nobody while asking or holding: back to `none`, with a
//! notice saying why) or refuses with `ControlRefused` (its reason becomes the notice; a refused input,
//! such as typing into a masked field, does not end control). Releasing
//! (`ControlRelease`) ends holding or asking at once. The state is shown as
//! `#cobrowse-status[data-control]`.

use cobrowse_protocol::call::{AgentId, NOBODY};

/// Where this agent's control of the visitor's page stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ControlState {
    /// The agent only watches.
    #[default]
    None,
    /// The agent asked for control; the visitor has not answered yet.
    Requested,
    /// The agent controls the page: its clicks, keys and wheel go to the visitor's page.
    Granted,
}

impl ControlState {
    /// The value of `data-control`.
    pub fn as_str(self) -> &'static str {
        match self {
            ControlState::None => "none",
            ControlState::Requested => "requested",
            ControlState::Granted => "granted",
        }
    }
}

/// Said when the visitor answered a request by leaving control with nobody.
pub const NOT_GIVEN_TEXT: &str = "The visitor did not give you control";
/// Said when the visitor took control back.
pub const TAKEN_BACK_TEXT: &str = "The visitor took control back";

/// This agent's control state and the last notice about it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RemoteControl {
    state: ControlState,
    notice: Option<String>,
}

impl RemoteControl {
    pub fn state(&self) -> ControlState {
        self.state
    }

    /// Why control ended or was refused, for the agent (cleared by the next request or grant).
    pub fn notice(&self) -> Option<&str> {
        self.notice.as_deref()
    }

    /// The agent asks for control: `true` if a `ControlRequest` should be sent (not while asking or holding).
    pub fn request(&mut self) -> bool {
        if self.state != ControlState::None {
            return false;
        }
        self.state = ControlState::Requested;
        self.notice = None;
        true
    }

    /// The agent gives control back (or stops asking): `true` if a `ControlRelease` should be sent.
    pub fn release(&mut self) -> bool {
        if self.state == ControlState::None {
            return false;
        }
        self.state = ControlState::None;
        self.notice = None;
        true
    }

    /// The relay says `holder` controls the page; `me` is this agent's number, `holder_name` the holder's
    /// name if known.
    pub fn holder(&mut self, me: AgentId, holder: AgentId, holder_name: Option<&str>) {
        if me != NOBODY && holder == me {
            self.state = ControlState::Granted;
            self.notice = None;
            return;
        }
        let notice = match (self.state, holder) {
            (ControlState::None, _) => return,
            (ControlState::Requested, NOBODY) => NOT_GIVEN_TEXT.to_string(),
            (ControlState::Granted, NOBODY) => TAKEN_BACK_TEXT.to_string(),
            (_, _) => format!("{} has control", holder_name.unwrap_or("Another agent")),
        };
        self.state = ControlState::None;
        self.notice = Some(notice);
    }

    /// The relay (or the visitor) refused a request or an input, for `reason`. A refused request ends
    /// asking; a refused input (a masked field) leaves control as it is: only the notice says why.
    pub fn refused(&mut self, reason: &str) {
        if self.state == ControlState::Requested {
            self.state = ControlState::None;
        }
        self.notice = Some(match reason.trim() {
            "" => "Control was refused".to_string(),
            reason => reason.to_string(),
        });
    }

    /// A new connection: the relay says again who holds control.
    pub fn reset(&mut self) {
        *self = Self::default();
    }
}
