//! The other agents' pointers over the mirror: a dot with the agent's name where its pointer is in the
//! visitor's document, so agents in one session see what each other points at.
//!
//! The relay forwards each agent's `Pointer` to the other agents (this agent's own never comes back).
//! Each agent's dot is a `div.cobrowse-agent-pointer[data-agent=N]` in the mirror box, placed in mirror
//! box coordinates (the session converts the document point with the scroll and scale of the moment);
//! it goes when the agent's pointer leaves the mirror or the agent leaves the session.

use cobrowse_protocol::call::AgentId;
use std::collections::HashMap;
use web_sys::{Element, HtmlElement};

/// The dots of the other agents' pointers.
#[derive(Default)]
pub struct AgentPointers {
    shown: HashMap<AgentId, Element>,
}

impl AgentPointers {
    /// Shows `agent`'s pointer (named `name`) at `at` on `mirror_box`, or takes it away (`None`).
    pub fn show(&mut self, mirror_box: &HtmlElement, agent: AgentId, name: &str, at: Option<(f64, f64)>) {
        let Some((left, top)) = at else {
            if let Some(dot) = self.shown.remove(&agent) {
                dot.remove();
            }
            return;
        };
        let Some(dot) = self.dot(mirror_box, agent) else { return };
        let _ = dot.set_attribute("data-name", name);
        let _ = dot.set_attribute("style", &format!("left:{left}px;top:{top}px"));
    }

    /// Takes away the pointers of agents not in `agents`.
    pub fn keep_only(&mut self, agents: &[AgentId]) {
        self.shown.retain(|agent, dot| {
            let keep = agents.contains(agent);
            if !keep {
                dot.remove();
            }
            keep
        });
    }

    /// Takes every pointer away.
    pub fn clear(&mut self) {
        self.keep_only(&[]);
    }

    /// How many agents' pointers are shown.
    pub fn len(&self) -> usize {
        self.shown.len()
    }

    pub fn is_empty(&self) -> bool {
        self.shown.is_empty()
    }

    fn dot(&mut self, mirror_box: &HtmlElement, agent: AgentId) -> Option<Element> {
        if let Some(dot) = self.shown.get(&agent) {
            return Some(dot.clone());
        }
        let dot = mirror_box.owner_document()?.create_element("div").ok()?;
        dot.set_class_name("cobrowse-agent-pointer");
        let _ = dot.set_attribute("data-agent", &agent.to_string());
        let _ = dot.set_attribute("aria-hidden", "true");
        mirror_box.append_child(&dot).ok()?;
        self.shown.insert(agent, dot.clone());
        Some(dot)
    }
}
