//! Who is in the call: this agent's number (from `Joined`), the agents who watch (from `Agents`), and
//! who controls the page (from `ControlHolder`).

use cobrowse_protocol::call::{AgentId, AgentInfo, NOBODY};

/// The agents of the session as the relay last named them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roster {
    me: AgentId,
    agents: Vec<AgentInfo>,
    holder: AgentId,
}

impl Roster {
    /// This connection's agent number (`NOBODY` before `Joined`).
    pub fn me(&self) -> AgentId {
        self.me
    }

    pub fn agents(&self) -> &[AgentInfo] {
        &self.agents
    }

    /// Who controls the visitor's page (`NOBODY`: no agent).
    pub fn holder(&self) -> AgentId {
        self.holder
    }

    /// The display name of agent `agent`, if it watches.
    pub fn name_of(&self, agent: AgentId) -> Option<&str> {
        self.agents.iter().find(|info| info.agent == agent).map(|info| info.name.as_str())
    }

    pub fn set_me(&mut self, me: AgentId) {
        self.me = me;
    }

    pub fn set_agents(&mut self, agents: Vec<AgentInfo>) {
        self.agents = agents;
    }

    pub fn set_holder(&mut self, holder: AgentId) {
        self.holder = holder;
    }

    /// A new connection: the relay names everything again.
    pub fn reset(&mut self) {
        *self = Self { me: NOBODY, agents: Vec::new(), holder: NOBODY };
    }
}
