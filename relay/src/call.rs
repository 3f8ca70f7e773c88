//! The support call's rules for one session: which agents the visitor allowed, who watches, who controls
//! the page, and where each call message goes.
//!
//! No IO here: every method says what to send to whom as a list of [`Send`]s, which the session delivers
//! (to the visitor's current connection, to one agent's queue, or to every agent's). That keeps the rules
//! in one place, tested without sockets:
//! - **Consent** (site setting `consent = "always"`): an agent that signed in waits, seeing nothing, until
//!   the visitor answers the `ConsentAsked` the relay sends it (again on every new page while unanswered).
//!   An account allowed once is allowed for the rest of the session; one declined is not asked again.
//!   The visitor may also stop sharing with a watching agent (`Dismiss`): its account is declined from
//!   then on, on every site (even one that asks no consent), and its control ends.
//! - **Who watches**: `Agents` goes to the visitor and every agent whenever the list changes, and to
//!   every new page while an agent watches, waits or controls: a page told nothing of a call never loads
//!   the call's module (its stylesheet alone costs a 100,000-element page a 30-50 ms style recalculation).
//! - **Control** (site setting `remote_control = "ask"`): one agent asks at a time, the visitor answers;
//!   one agent controls at a time; control lasts across the visitor's pages until the agent releases it,
//!   the visitor takes it back, or the agent leaves. Only the controlling agent's `Input` reaches the page.
//! - **Pointing and drawing** go to the visitor (an agent's pointer to the other agents too), each message
//!   stamped with the agent's number: what an agent sends can never speak for another agent.

use crate::carried::Carried;
use crate::config::{ConsentPolicy, ControlPolicy};
use cobrowse_protocol::call::NOBODY;
use cobrowse_protocol::{AgentId, AgentInfo, Control};
use std::collections::HashSet;
use tokio::sync::oneshot;

/// A message the session must deliver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Send {
    /// To the visitor's current connection (dropped while the visitor is away: the next page gets what
    /// it needs from [`Call::for_new_page`]).
    Visitor(Control),
    /// To one agent.
    Agent(AgentId, Control),
    /// To every agent watching, except `except` (`NOBODY`: to all).
    Agents { except: AgentId, control: Control },
}

/// What becomes of an agent that signed in to the session.
pub(crate) enum Admission {
    /// It watches at once (the site asks no consent, or the visitor allowed this account before).
    Watch,
    /// It waits for the visitor's answer, which comes through the receiver (`true`: allowed).
    Ask(oneshot::Receiver<bool>),
    /// The visitor declined this account before in this session.
    Declined,
}

/// Why an agent's message was refused outright (the connection is closed as a protocol error).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct NotAllowed(pub &'static str);

/// An agent waiting for the visitor's consent.
struct Waiting {
    agent: AgentInfo,
    answer: oneshot::Sender<bool>,
}

/// The call's state for one session.
pub(crate) struct Call {
    consent: ConsentPolicy,
    remote_control: ControlPolicy,
    /// Agent accounts the visitor allowed, and declined.
    allowed: HashSet<String>,
    declined: HashSet<String>,
    waiting: Vec<Waiting>,
    watching: Vec<AgentInfo>,
    holder: AgentId,
    /// The agent asking for control, until the visitor answers.
    request: Option<AgentInfo>,
    /// The account that held control on the node this session moved from, until it watches here again.
    control_carried: Option<String>,
}

impl Call {
    pub fn new(consent: ConsentPolicy, remote_control: ControlPolicy) -> Self {
        Call {
            consent,
            remote_control,
            allowed: HashSet::new(),
            declined: HashSet::new(),
            waiting: Vec::new(),
            watching: Vec::new(),
            holder: NOBODY,
            request: None,
            control_carried: None,
        }
    }

    /// The visitor's decisions so far: each account it allowed (`true`) or declined (`false`).
    pub fn decisions(&self) -> Vec<(String, bool)> {
        let allowed = self.allowed.iter().map(|name| (name.clone(), true));
        allowed.chain(self.declined.iter().map(|name| (name.clone(), false))).collect()
    }

    /// The account holding control: the controlling agent's, or the one carried over from another node
    /// that has not watched here again yet; `None` when nobody does.
    pub fn control_account(&self) -> Option<&str> {
        let holding = self.watching.iter().find(|watcher| watcher.agent == self.holder && self.holder != NOBODY);
        holding.map(|watcher| watcher.name.as_str()).or(self.control_carried.as_deref())
    }

    /// Takes what the session's call was on another relay node as its own: the visitor's decisions, and
    /// control for its account when it watches again.
    pub fn carry_over(&mut self, carried: &Carried) {
        for (name, allowed) in &carried.decisions {
            let accounts = if *allowed { &mut self.allowed } else { &mut self.declined };
            accounts.insert(name.clone());
        }
        self.control_carried = carried.control.clone();
    }

    /// Agent `agent` signed in as `name`: whether it watches now, waits for the visitor, or is refused.
    pub fn admission(&mut self, agent: AgentId, name: &str, out: &mut Vec<Send>) -> Admission {
        if self.declined.contains(name) {
            return Admission::Declined;
        }
        if self.consent == ConsentPolicy::Never || self.allowed.contains(name) {
            return Admission::Watch;
        }
        let (answer, receiver) = oneshot::channel();
        let info = AgentInfo { agent, name: name.to_owned() };
        out.push(Send::Visitor(Control::ConsentAsked { agent, name: info.name.clone() }));
        self.waiting.push(Waiting { agent: info, answer });
        Admission::Ask(receiver)
    }

    /// The visitor answered the consent asked for `agent`; its waiting task learns the answer.
    pub fn answer_consent(&mut self, agent: AgentId, allow: bool) {
        let Some(index) = self.waiting.iter().position(|waiting| waiting.agent.agent == agent) else {
            return;
        };
        let waiting = self.waiting.remove(index);
        let accounts = if allow { &mut self.allowed } else { &mut self.declined };
        accounts.insert(waiting.agent.name.clone());
        // An error only means the agent left meanwhile.
        let _ = waiting.answer.send(allow);
    }

    /// The visitor stopped sharing with the watching agent `agent`: its account is declined for the rest of
    /// the session, so every connection of that account stops watching, loses control and its request,
    /// and the rest learn the new list. (None of them waits for consent: an allowed account never does.) Returns the watching connections the session must
    /// close (none if `agent` does not watch).
    pub fn dismiss(&mut self, agent: AgentId, out: &mut Vec<Send>) -> Vec<AgentId> {
        let Some(name) =
            self.watching.iter().find(|watcher| watcher.agent == agent).map(|watcher| watcher.name.clone())
        else {
            return Vec::new();
        };
        self.allowed.remove(&name);
        self.declined.insert(name.clone());
        if self.control_carried.as_ref() == Some(&name) {
            self.control_carried = None;
        }
        let dismissed: Vec<AgentId> =
            self.watching.iter().filter(|watcher| watcher.name == name).map(|watcher| watcher.agent).collect();
        for &agent in &dismissed {
            self.withdraw_request(agent, out);
            if self.holder == agent {
                self.set_holder(NOBODY, out);
            }
        }
        self.watching.retain(|watcher| watcher.name != name);
        self.tell_watchers(out);
        dismissed
    }

    /// Agent `agent` now watches: everyone learns the new list. If its account held control before the
    /// session moved here, and nobody has taken it meanwhile, it holds it again.
    pub fn watch(&mut self, agent: AgentId, name: &str, out: &mut Vec<Send>) {
        self.watching.push(AgentInfo { agent, name: name.to_owned() });
        self.tell_watchers(out);
        if self.control_carried.as_deref() == Some(name) {
            self.control_carried = None;
            if self.holder == NOBODY && self.request.is_none() {
                self.set_holder(agent, out);
            }
        }
    }

    /// What a new agent needs after the kept state: who watches, and who controls the page if anyone.
    pub fn for_new_agent(&self) -> Vec<Control> {
        let mut controls = vec![Control::Agents { agents: self.watching.clone() }];
        if self.holder != NOBODY {
            controls.push(Control::ControlHolder { agent: self.holder });
        }
        controls
    }

    /// Agent `agent` left (or stopped waiting): its prompts go, its control ends, the list changes.
    pub fn leave(&mut self, agent: AgentId, out: &mut Vec<Send>) {
        if let Some(index) = self.waiting.iter().position(|waiting| waiting.agent.agent == agent) {
            self.waiting.remove(index);
            out.push(Send::Visitor(Control::Withdrawn { agent }));
        }
        self.withdraw_request(agent, out);
        if self.holder == agent {
            self.set_holder(NOBODY, out);
        }
        if let Some(index) = self.watching.iter().position(|watcher| watcher.agent == agent) {
            self.watching.remove(index);
            self.tell_watchers(out);
        }
    }

    /// What a new page (or a reconnection) of the visitor needs after `SessionStarted`: nothing while no
    /// agent watches, waits or controls. The page's call module starts empty (a reconnection ends the old
    /// one), and the first call message imports it: its stylesheet and layer cost a large page a full style
    /// recalculation (30-50 ms on 100,000 elements), which a session nobody has joined need not pay.
    pub fn for_new_page(&self) -> Vec<Control> {
        if self.watching.is_empty() && self.waiting.is_empty() && self.holder == NOBODY {
            return Vec::new();
        }
        let mut controls = vec![Control::Agents { agents: self.watching.clone() }];
        if self.holder != NOBODY {
            controls.push(Control::ControlHolder { agent: self.holder });
        }
        for waiting in &self.waiting {
            let AgentInfo { agent, name } = waiting.agent.clone();
            controls.push(Control::ConsentAsked { agent, name });
        }
        if let Some(AgentInfo { agent, name }) = self.request.clone() {
            controls.push(Control::ControlRequest { agent, name });
        }
        controls
    }

    /// A call message from the watching agent `agent`.
    pub fn agent_says(&mut self, agent: AgentId, control: Control, out: &mut Vec<Send>) -> Result<(), NotAllowed> {
        match control {
            Control::Pointer { at, .. } => {
                let pointer = Control::Pointer { agent, at };
                out.push(Send::Agents { except: agent, control: pointer.clone() });
                out.push(Send::Visitor(pointer));
            }
            Control::Highlight { node, at, .. } => out.push(Send::Visitor(Control::Highlight { agent, node, at })),
            Control::Draw { start, points, .. } => out.push(Send::Visitor(Control::Draw { agent, start, points })),
            Control::ControlRequest { .. } => self.request_control(agent, out),
            Control::ControlRelease => {
                self.withdraw_request(agent, out);
                if self.holder == agent {
                    self.set_holder(NOBODY, out);
                }
            }
            Control::Input { input, .. } if self.holder == agent => {
                out.push(Send::Visitor(Control::Input { agent, input }))
            }
            Control::Input { .. } => out.push(refusal(agent, "you do not have control of the page; ask for it first")),
            other => return Err(NotAllowed(other.name())),
        }
        Ok(())
    }

    /// A call message from the visitor (except `ConsentAnswer` and `Dismiss`: see [`Call::answer_consent`]
    /// and [`Call::dismiss`]).
    pub fn visitor_says(&mut self, control: Control, out: &mut Vec<Send>) -> Result<(), NotAllowed> {
        match control {
            Control::ControlAnswer { agent, allow } => {
                if self.request.as_ref().is_none_or(|asking| asking.agent != agent) {
                    return Ok(());
                }
                self.request = None;
                if allow {
                    self.set_holder(agent, out);
                } else {
                    out.push(refusal(agent, "the visitor declined to give you control"));
                }
            }
            Control::ControlRelease if self.holder != NOBODY => {
                let agent = self.holder;
                self.set_holder(NOBODY, out);
                out.push(refusal(agent, "the visitor took control back"));
            }
            // Control carried over from another node, its agent not back yet: the visitor takes it back too.
            Control::ControlRelease => self.control_carried = None,
            Control::ControlRefused { agent, reason } if self.is_watching(agent) => {
                out.push(Send::Agent(agent, Control::ControlRefused { agent, reason }))
            }
            Control::ControlRefused { .. } => {}
            other => return Err(NotAllowed(other.name())),
        }
        Ok(())
    }

    fn request_control(&mut self, agent: AgentId, out: &mut Vec<Send>) {
        let refused = if self.remote_control == ControlPolicy::Never {
            Some("remote control is turned off for this site")
        } else if self.holder == agent {
            out.push(Send::Agent(agent, Control::ControlHolder { agent }));
            return;
        } else if self.holder != NOBODY {
            Some("another agent has control of the page; ask again when they release it")
        } else if self.request.as_ref().is_some_and(|asking| asking.agent != agent) {
            Some("another agent is asking for control; ask again in a moment")
        } else {
            None
        };
        if let Some(reason) = refused {
            out.push(refusal(agent, reason));
            return;
        }
        let Some(info) = self.watching.iter().find(|watcher| watcher.agent == agent).cloned() else {
            return;
        };
        out.push(Send::Visitor(Control::ControlRequest { agent, name: info.name.clone() }));
        self.request = Some(info);
    }

    fn withdraw_request(&mut self, agent: AgentId, out: &mut Vec<Send>) {
        if self.request.as_ref().is_some_and(|asking| asking.agent == agent) {
            self.request = None;
            out.push(Send::Visitor(Control::Withdrawn { agent }));
        }
    }

    /// `agent` (or `NOBODY`) controls the page now: everyone is told, and control carried over from another
    /// node is forgotten (the call has moved on).
    fn set_holder(&mut self, agent: AgentId, out: &mut Vec<Send>) {
        self.holder = agent;
        self.control_carried = None;
        let holder = Control::ControlHolder { agent };
        out.push(Send::Agents { except: NOBODY, control: holder.clone() });
        out.push(Send::Visitor(holder));
    }

    fn tell_watchers(&self, out: &mut Vec<Send>) {
        let agents = Control::Agents { agents: self.watching.clone() };
        out.push(Send::Agents { except: NOBODY, control: agents.clone() });
        out.push(Send::Visitor(agents));
    }

    fn is_watching(&self, agent: AgentId) -> bool {
        self.watching.iter().any(|watcher| watcher.agent == agent)
    }
}

fn refusal(agent: AgentId, reason: &str) -> Send {
    Send::Agent(agent, Control::ControlRefused { agent, reason: reason.to_owned() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use cobrowse_protocol::{Point, RemoteInput};

    fn asking_call() -> Call {
        Call::new(ConsentPolicy::Always, ControlPolicy::Ask)
    }

    fn watching(call: &mut Call, agent: AgentId, name: &str) {
        let mut out = Vec::new();
        call.watch(agent, name, &mut out);
    }

    fn click() -> Control {
        Control::Input { agent: NOBODY, input: RemoteInput::Click { node: 4, at: Point { x: 1, y: 2 } } }
    }

    #[test]
    fn a_new_page_hears_of_the_call_only_while_an_agent_takes_part() {
        let mut call = asking_call();
        assert_eq!(call.for_new_page(), [], "no call yet: the page loads no call module");
        watching(&mut call, 1, "ana");
        let ana = AgentInfo { agent: 1, name: "ana".into() };
        assert_eq!(call.for_new_page(), [Control::Agents { agents: vec![ana] }]);
        call.leave(1, &mut Vec::new());
        assert_eq!(call.for_new_page(), [], "the last agent left");
    }

    #[test]
    fn an_agent_waits_for_consent_and_an_allowed_account_is_not_asked_again() {
        let mut call = asking_call();
        let mut out = Vec::new();
        let Admission::Ask(mut answer) = call.admission(1, "ana", &mut out) else { panic!("asks") };
        assert_eq!(out, [Send::Visitor(Control::ConsentAsked { agent: 1, name: "ana".into() })]);
        assert_eq!(
            call.for_new_page()[1],
            Control::ConsentAsked { agent: 1, name: "ana".into() },
            "asked on every page"
        );
        call.answer_consent(1, true);
        assert_eq!(answer.try_recv(), Ok(true));
        assert!(matches!(call.admission(2, "ana", &mut Vec::new()), Admission::Watch), "ana reconnects");
        assert_eq!(call.for_new_page(), [], "nothing asked any more (and nobody watches yet)");
    }

    #[test]
    fn a_declined_account_is_refused_and_no_consent_site_admits_at_once() {
        let mut call = asking_call();
        let Admission::Ask(mut answer) = call.admission(1, "ana", &mut Vec::new()) else { panic!("asks") };
        call.answer_consent(1, false);
        assert_eq!(answer.try_recv(), Ok(false));
        assert!(matches!(call.admission(2, "ana", &mut Vec::new()), Admission::Declined));
        let mut open = Call::new(ConsentPolicy::Never, ControlPolicy::Ask);
        let mut out = Vec::new();
        assert!(matches!(open.admission(1, "ana", &mut out), Admission::Watch));
        assert!(out.is_empty());
    }

    #[test]
    fn decisions_carried_over_to_another_node_admit_and_refuse_as_they_did() {
        let mut first = asking_call();
        let _ana = first.admission(1, "ana", &mut Vec::new());
        let _bo = first.admission(2, "bo", &mut Vec::new());
        first.answer_consent(1, true);
        first.answer_consent(2, false);
        let mut decisions = first.decisions();
        decisions.sort();
        assert_eq!(decisions, [("ana".to_owned(), true), ("bo".to_owned(), false)]);

        let mut moved = asking_call();
        moved.carry_over(&Carried { decisions, ..Carried::default() });
        assert!(matches!(moved.admission(1, "ana", &mut Vec::new()), Admission::Watch));
        assert!(matches!(moved.admission(2, "bo", &mut Vec::new()), Admission::Declined));
        assert!(matches!(moved.admission(3, "cy", &mut Vec::new()), Admission::Ask(_)), "anyone else is asked");
    }

    #[test]
    fn control_carried_over_goes_back_to_its_account_when_it_watches_again() {
        let mut first = Call::new(ConsentPolicy::Never, ControlPolicy::Ask);
        watching(&mut first, 1, "ana");
        watching(&mut first, 2, "bo");
        first.agent_says(1, Control::ControlRequest { agent: NOBODY, name: String::new() }, &mut Vec::new()).unwrap();
        first.visitor_says(Control::ControlAnswer { agent: 1, allow: true }, &mut Vec::new()).unwrap();
        assert_eq!(first.control_account(), Some("ana"));
        let control = first.control_account().map(str::to_owned);
        let carried = Carried { decisions: first.decisions(), control, tabs: Vec::new() };

        let mut moved = Call::new(ConsentPolicy::Never, ControlPolicy::Ask);
        moved.carry_over(&carried);
        assert_eq!(moved.control_account(), Some("ana"), "still ana's while she is away");
        watching(&mut moved, 7, "bo");
        let mut out = Vec::new();
        assert_eq!(moved.agent_says(7, click(), &mut out), Ok(()));
        assert!(matches!(&out[..], [Send::Agent(7, Control::ControlRefused { .. })]), "bo has no control: {out:?}");
        let mut out = Vec::new();
        moved.watch(8, "ana", &mut out);
        assert!(out.contains(&Send::Visitor(Control::ControlHolder { agent: 8 })), "the visitor is told: {out:?}");
        let mut out = Vec::new();
        moved.agent_says(8, click(), &mut out).unwrap();
        assert!(matches!(&out[..], [Send::Visitor(Control::Input { agent: 8, .. })]), "ana's input reaches the page");

        let mut taken_back = Call::new(ConsentPolicy::Never, ControlPolicy::Ask);
        taken_back.carry_over(&carried);
        taken_back.visitor_says(Control::ControlRelease, &mut Vec::new()).unwrap();
        assert_eq!(taken_back.control_account(), None, "the visitor took it back before ana returned");
        let mut out = Vec::new();
        taken_back.watch(8, "ana", &mut out);
        assert!(!out.iter().any(|send| matches!(send, Send::Visitor(Control::ControlHolder { .. }))));
    }

    #[test]
    fn an_agent_that_leaves_while_waiting_withdraws_its_prompt() {
        let mut call = asking_call();
        let _answer = call.admission(1, "ana", &mut Vec::new());
        let mut out = Vec::new();
        call.leave(1, &mut out);
        assert_eq!(out, [Send::Visitor(Control::Withdrawn { agent: 1 })]);
        assert_eq!(call.for_new_page(), [], "nothing goes on: the page is told nothing");
    }

    #[test]
    fn control_is_asked_granted_and_only_the_holder_s_inputs_reach_the_page() {
        let mut call = asking_call();
        watching(&mut call, 1, "ana");
        watching(&mut call, 2, "bo");
        let mut out = Vec::new();
        call.agent_says(1, click(), &mut out).unwrap();
        assert!(matches!(&out[..], [Send::Agent(1, Control::ControlRefused { .. })]), "{out:?}");

        out.clear();
        call.agent_says(1, Control::ControlRequest { agent: NOBODY, name: String::new() }, &mut out).unwrap();
        assert_eq!(out, [Send::Visitor(Control::ControlRequest { agent: 1, name: "ana".into() })]);
        out.clear();
        call.agent_says(2, Control::ControlRequest { agent: NOBODY, name: String::new() }, &mut out).unwrap();
        assert!(matches!(&out[..], [Send::Agent(2, Control::ControlRefused { .. })]), "one request at a time");

        out.clear();
        call.visitor_says(Control::ControlAnswer { agent: 1, allow: true }, &mut out).unwrap();
        assert!(out.contains(&Send::Visitor(Control::ControlHolder { agent: 1 })));
        assert!(out.contains(&Send::Agents { except: NOBODY, control: Control::ControlHolder { agent: 1 } }));
        assert_eq!(call.for_new_page()[1], Control::ControlHolder { agent: 1 }, "control lasts across pages");

        out.clear();
        call.agent_says(1, click(), &mut out).unwrap();
        let stamped = Control::Input { agent: 1, input: RemoteInput::Click { node: 4, at: Point { x: 1, y: 2 } } };
        assert_eq!(out, [Send::Visitor(stamped)]);
        out.clear();
        call.agent_says(2, click(), &mut out).unwrap();
        assert!(matches!(&out[..], [Send::Agent(2, Control::ControlRefused { .. })]), "bo does not control");
    }

    #[test]
    fn the_visitor_takes_control_back_and_a_leaving_holder_loses_it() {
        let mut call = asking_call();
        watching(&mut call, 1, "ana");
        let mut out = Vec::new();
        call.agent_says(1, Control::ControlRequest { agent: NOBODY, name: String::new() }, &mut out).unwrap();
        call.visitor_says(Control::ControlAnswer { agent: 1, allow: true }, &mut out).unwrap();
        out.clear();
        call.visitor_says(Control::ControlRelease, &mut out).unwrap();
        assert!(out.contains(&Send::Visitor(Control::ControlHolder { agent: NOBODY })));
        assert!(out.iter().any(|send| matches!(send, Send::Agent(1, Control::ControlRefused { .. }))));

        call.agent_says(1, Control::ControlRequest { agent: NOBODY, name: String::new() }, &mut out).unwrap();
        call.visitor_says(Control::ControlAnswer { agent: 1, allow: true }, &mut out).unwrap();
        out.clear();
        call.leave(1, &mut out);
        assert!(out.contains(&Send::Visitor(Control::ControlHolder { agent: NOBODY })));
        assert!(out.contains(&Send::Visitor(Control::Agents { agents: vec![] })));
    }

    #[test]
    fn a_site_without_remote_control_refuses_every_request() {
        let mut call = Call::new(ConsentPolicy::Always, ControlPolicy::Never);
        watching(&mut call, 1, "ana");
        let mut out = Vec::new();
        call.agent_says(1, Control::ControlRequest { agent: NOBODY, name: String::new() }, &mut out).unwrap();
        assert!(matches!(&out[..], [Send::Agent(1, Control::ControlRefused { reason, .. })] if reason.contains("off")));
    }

    #[test]
    fn pointing_is_stamped_with_the_sender_and_foreign_messages_are_refused() {
        let mut call = asking_call();
        watching(&mut call, 2, "bo");
        let mut out = Vec::new();
        let pointer = Control::Pointer { agent: 7, at: Some(Point { x: 3, y: 4 }) };
        call.agent_says(2, pointer, &mut out).unwrap();
        let stamped = Control::Pointer { agent: 2, at: Some(Point { x: 3, y: 4 }) };
        assert_eq!(out, [Send::Agents { except: 2, control: stamped.clone() }, Send::Visitor(stamped)]);
        assert_eq!(
            call.agent_says(2, Control::ControlAnswer { agent: 2, allow: true }, &mut out),
            Err(NotAllowed("ControlAnswer"))
        );
        assert_eq!(call.visitor_says(Control::Pointer { agent: 2, at: None }, &mut out), Err(NotAllowed("Pointer")));
    }

    #[test]
    fn a_dismissed_agent_loses_control_and_its_account_is_refused_without_asking() {
        let mut call = asking_call();
        for (agent, name) in [(1, "ana"), (2, "bo")] {
            let _answer = call.admission(agent, name, &mut Vec::new());
            call.answer_consent(agent, true);
            watching(&mut call, agent, name);
        }
        let mut out = Vec::new();
        call.agent_says(1, Control::ControlRequest { agent: NOBODY, name: String::new() }, &mut out).unwrap();
        call.visitor_says(Control::ControlAnswer { agent: 1, allow: true }, &mut out).unwrap();
        assert!(matches!(call.admission(3, "ana", &mut out), Admission::Watch), "ana's second tab");
        watching(&mut call, 3, "ana");
        let _ = call.admission(4, "cy", &mut out);
        out.clear();

        assert_eq!(call.dismiss(1, &mut out), [1, 3], "every connection of ana's");
        assert!(out.contains(&Send::Visitor(Control::ControlHolder { agent: NOBODY })), "{out:?}");
        assert!(out.contains(&Send::Agents { except: NOBODY, control: Control::ControlHolder { agent: NOBODY } }));
        let bo_only = Control::Agents { agents: vec![AgentInfo { agent: 2, name: "bo".into() }] };
        assert!(out.contains(&Send::Visitor(bo_only.clone())));
        assert!(out.contains(&Send::Agents { except: NOBODY, control: bo_only.clone() }));
        assert!(matches!(call.admission(5, "ana", &mut Vec::new()), Admission::Declined), "not asked again");
        let page = call.for_new_page();
        assert_eq!(page[0], bo_only);
        assert_eq!(page[1..], [Control::ConsentAsked { agent: 4, name: "cy".into() }], "cy still waits; no holder");

        out.clear();
        assert!(call.dismiss(1, &mut out).is_empty(), "no longer watching");
        assert!(call.dismiss(4, &mut out).is_empty(), "waiting agents are declined with their prompt, not dismissed");
        assert!(out.is_empty());
    }

    #[test]
    fn a_site_without_consent_still_lets_the_visitor_stop_sharing() {
        let mut call = Call::new(ConsentPolicy::Never, ControlPolicy::Ask);
        assert!(matches!(call.admission(1, "ana", &mut Vec::new()), Admission::Watch));
        watching(&mut call, 1, "ana");
        assert_eq!(call.dismiss(1, &mut Vec::new()), [1]);
        assert!(matches!(call.admission(2, "ana", &mut Vec::new()), Admission::Declined));
        assert!(matches!(call.admission(3, "bo", &mut Vec::new()), Admission::Watch));
    }
}
