//! The home node's side of a remote agent: an agent signed in on another node joins a session whose
//! visitor is connected here. The session sees it as any agent (its own number, queue, consent and call
//! rules, all in `session.rs`); a task here sends what its queue holds to the agent's node, page frames
//! once per node (`pages.rs`), and hands the agent's messages to the session as `agent.rs` does.

use super::engine::{FromRemote, RedisNode};
use super::wire::Wire;
use crate::close::CloseReason;
use crate::events::{Event, What};
use crate::session::{AgentLink, Joining, Session};
use crate::state::RelayState;
use bytes::Bytes;
use cobrowse_protocol::message::{decode_control, encode_control};
use cobrowse_protocol::{close, frame, AgentId, Control, FrameKind};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use tokio::sync::mpsc::UnboundedReceiver;

/// Who the remote agent is: its node, its connection number there, its name, the key it joins.
pub(crate) struct RemoteAgent {
    pub node: String,
    pub conn: u64,
    pub name: String,
    pub key: String,
}

/// Serves remote agent `agent` from now on, in its own task.
pub(crate) fn spawn(state: Arc<RelayState>, here: Arc<RedisNode>, agent: RemoteAgent) {
    let inbox = here.serve_remote(&agent.node, agent.conn);
    tokio::spawn(async move {
        let to = Peer { here: &here, agent: &agent };
        serve(&state, &to, inbox).await;
        here.stop_serving_remote(&agent.node, agent.conn);
    });
}

/// Where what the session says to the remote agent goes.
struct Peer<'a> {
    here: &'a Arc<RedisNode>,
    agent: &'a RemoteAgent,
}

impl Peer<'_> {
    /// Sends `frame` to the agent: a page frame once per node, anything else as it is.
    fn send(&self, frame: &Bytes) {
        let agent = self.agent;
        match frame::parse(frame) {
            Ok((FrameKind::Snapshot | FrameKind::SnapshotPart | FrameKind::Delta, _)) => {
                self.here.send_page(&agent.node, &agent.key, agent.conn, frame)
            }
            _ => self.here.send(&agent.node, &Wire::ToAgent { conn: agent.conn, frame: frame.to_vec() }),
        }
    }

    fn tell(&self, control: &Control) {
        self.send(&Bytes::from(encode_control(control)));
    }

    /// Lets the agent go: its node closes its socket with `reason`.
    fn close(&self, reason: CloseReason) {
        let message = Wire::Closed { conn: self.agent.conn, code: reason.code, reason: reason.reason };
        self.here.send(&self.agent.node, &message);
    }
}

async fn serve(state: &RelayState, to: &Peer<'_>, mut inbox: UnboundedReceiver<FromRemote>) {
    let agent = to.agent;
    let session =
        state.registry.find(&agent.key).filter(|session| state.accounts.serves(&agent.name, session.site_id()));
    let Some(session) = session else {
        let reason = format!("no live session has the key {}; check the digits with the visitor", agent.key);
        return to.close(CloseReason::new(close::UNKNOWN_KEY, reason));
    };
    let link = match session.join(&agent.name) {
        None => return to.close(session.end_reason()),
        Some(Joining::Watching(link)) => link,
        Some(Joining::Declined) => {
            to.tell(&Control::ConsentDeclined);
            return to.close(CloseReason::new(
                close::CONSENT_DECLINED,
                "the visitor declined this agent earlier in the session",
            ));
        }
        Some(Joining::Asking { agent: id, answer }) => {
            to.tell(&Control::AwaitingConsent);
            let mut shutdown = state.shutdown.clone();
            let allowed = tokio::select! {
                answer = answer => answer.ok(),
                () = left(&mut inbox) => None,
                () = shutdown.requested() => None,
            };
            match allowed {
                Some(true) => match session.watch_after_consent(id, &agent.name) {
                    Some(link) => link,
                    None => return to.close(session.end_reason()),
                },
                Some(false) => {
                    session.stop_waiting(id);
                    to.tell(&Control::ConsentDeclined);
                    return to
                        .close(CloseReason::new(close::CONSENT_DECLINED, "the visitor declined to let you watch"));
                }
                None => {
                    session.stop_waiting(id);
                    return to.close(session.end_reason());
                }
            }
        }
    };
    to.here.agent_served(&agent.node, &agent.key);
    state.events.record(Event::of(&session, What::AgentJoined).agent(&agent.name));
    let id = link.id;
    if let Some(reason) = watch(state, to, &session, link, &mut inbox).await {
        to.close(reason);
    }
    session.leave(id);
    super::remember_changes(state, &session);
    to.here.agent_gone(&agent.node, &agent.key);
    state.events.record(Event::of(&session, What::AgentLeft).agent(&agent.name));
}

/// Resolves when the remote agent has left.
async fn left(inbox: &mut UnboundedReceiver<FromRemote>) {
    while let Some(message) = inbox.recv().await {
        if matches!(message, FromRemote::Left) {
            return;
        }
    }
}

/// Sends `Joined`, the catch-up and the live frames, and hands the agent's messages to the session, until
/// either side ends; returns why the agent's node must close it (none if the agent left).
async fn watch(
    state: &RelayState,
    to: &Peer<'_>,
    session: &Session,
    mut link: AgentLink,
    inbox: &mut UnboundedReceiver<FromRemote>,
) -> Option<CloseReason> {
    to.tell(&Control::Joined { key: session.key().to_owned(), agent: link.id });
    for frame in std::mem::take(&mut link.catch_up) {
        to.send(&frame);
    }
    let mut shutdown = state.shutdown.clone();
    let mut dismissed = std::mem::replace(&mut link.dismissed, tokio::sync::oneshot::channel().1);
    // A oneshot may be polled until it resolves, not after: an error (the session let the agent go
    // otherwise) is seen once, then the queue's end says the rest.
    let mut dismissal_settled = false;
    let agent_node_stopped = super::liveness::until_stopped(to.here, &to.agent.node);
    tokio::pin!(agent_node_stopped);
    loop {
        tokio::select! {
            biased;
            () = shutdown.requested() => return Some(CloseReason::new(close::GOING_AWAY, "the relay is shutting down")),
            // The agent's node was killed: its socket is gone with it (the agent joins again elsewhere).
            () = &mut agent_node_stopped => return None,
            outcome = &mut dismissed, if !dismissal_settled => {
                dismissal_settled = true;
                if outcome.is_ok() {
                    to.tell(&Control::ConsentDeclined);
                    return Some(CloseReason::new(close::CONSENT_DECLINED, close::STOPPED_SHARING));
                }
            }
            frame = link.queue.recv() => match frame {
                Some(frame) => {
                    to.send(&frame);
                    if link.queue.is_empty() && link.lagging.load(Ordering::Relaxed) {
                        session.request_snapshot("a lagging remote agent caught up");
                    }
                }
                None => return Some(session.end_reason()),
            },
            message = inbox.recv() => match message {
                Some(FromRemote::Frame(bytes)) => {
                    let said = agent_says(session, link.id, &bytes);
                    super::remember_changes(state, session);
                    if let Err(reason) = said {
                        return Some(reason);
                    }
                }
                Some(FromRemote::Left) | None => return None,
            },
        }
    }
}

/// A message the remote agent sent (its node let only control messages through).
fn agent_says(session: &Session, agent: AgentId, bytes: &[u8]) -> Result<(), CloseReason> {
    match decode_control(bytes) {
        Ok(Control::MirrorOutOfStep) => {
            session.request_snapshot("a remote agent's mirror is out of step");
            Ok(())
        }
        Ok(other) => session.agent_says(agent, other).map_err(|refused| {
            CloseReason::new(close::UNEXPECTED_MESSAGE, format!("an agent may not send {} after joining", refused.0))
        }),
        Err(error) => Err(CloseReason::new(close::MALFORMED_FRAME, error.to_string())),
    }
}
