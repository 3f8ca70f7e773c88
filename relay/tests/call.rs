//! The support call over real sockets: the visitor's consent before any page content reaches an agent
//! (checked on the relay's tap of what it sends), who watches, and remote control — asked, granted, used,
//! taken back — with only the controlling agent's inputs reaching the page.

mod common;

use cobrowse_protocol::call::NOBODY;
use cobrowse_protocol::frame::{self, FrameKind};
use cobrowse_protocol::message::decode_control;
use cobrowse_protocol::{close, AgentInfo, Control, Point, RemoteInput};
use cobrowse_relay::Peer;
use common::*;
use std::net::SocketAddr;
use std::time::Duration;

/// A visitor of the site that asks consent, with its session key.
async fn start_asking_session(addr: SocketAddr) -> (Socket, String) {
    let mut socket = connect_visitor(addr, ASKING_SITE, None).await;
    match next_control(&mut socket).await {
        Control::SessionStarted { key, .. } => (socket, key),
        other => panic!("expected SessionStarted, got {other:?}"),
    }
}

/// An agent that signed in and waits for consent; returns its socket and the number the visitor was
/// asked about.
async fn ask(addr: SocketAddr, visitor: &mut Socket, name: &str, password: &str, key: &str) -> (Socket, u32) {
    let mut agent = connect_agent(addr).await;
    send_join(&mut agent, name, password, key).await;
    assert_eq!(next_control(&mut agent).await, Control::AwaitingConsent);
    match next_control(visitor).await {
        Control::ConsentAsked { agent: number, name: asked } => {
            assert_eq!(asked, name);
            (agent, number)
        }
        other => panic!("expected ConsentAsked, got {other:?}"),
    }
}

fn click() -> RemoteInput {
    RemoteInput::Click { node: 12, at: Point { x: 40, y: 900 } }
}

#[tokio::test]
async fn no_page_frame_reaches_an_agent_before_the_visitor_allows_it() {
    let relay = start(|_| {}).await;
    let mut sent = relay.handle.subscribe_frames();
    let (mut visitor, key) = start_asking_session(relay.addr).await;
    send(&mut visitor, snapshot("secret page")).await;
    let (mut agent, number) = ask(relay.addr, &mut visitor, AGENT, PASSWORD, &key).await;
    send(&mut visitor, delta("more of the page")).await;
    tokio::time::sleep(Duration::from_millis(200)).await;

    let mut before_allow = Vec::new();
    while let Ok(frame) = sent.try_recv() {
        if frame.from == (Peer::ToAgent { name: AGENT.into() }) {
            before_allow.push(frame::parse(&frame.bytes).unwrap().0);
        }
    }
    assert_eq!(before_allow, [FrameKind::Control], "only AwaitingConsent went to the waiting agent");

    send(&mut visitor, control(&Control::ConsentAnswer { agent: number, allow: true })).await;
    assert!(matches!(next_control(&mut agent).await, Control::Joined { agent, .. } if agent == number));
    assert!(matches!(next_control(&mut agent).await, Control::VisitorTab { .. }));
    assert_eq!(next_binary(&mut agent).await, snapshot("secret page"));
    assert_eq!(next_binary(&mut agent).await, delta("more of the page"));
    wait_for_control(&mut visitor, &Control::AgentJoined { name: AGENT.into(), agents: 1 }).await;
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn a_declined_agent_is_let_go_and_not_asked_again() {
    let relay = start(|_| {}).await;
    let (mut visitor, key) = start_asking_session(relay.addr).await;
    send(&mut visitor, snapshot("page")).await;
    let (mut agent, number) = ask(relay.addr, &mut visitor, AGENT, PASSWORD, &key).await;
    send(&mut visitor, control(&Control::ConsentAnswer { agent: number, allow: false })).await;
    assert_eq!(next_control(&mut agent).await, Control::ConsentDeclined);
    let (code, reason) = expect_close(&mut agent).await;
    assert_eq!(code, close::CONSENT_DECLINED, "{reason}");
    assert!(reason.contains("declined"), "{reason}");

    let mut again = connect_agent(relay.addr).await;
    send_join(&mut again, AGENT, PASSWORD, &key).await;
    assert_eq!(next_control(&mut again).await, Control::ConsentDeclined);
    assert_eq!(expect_close(&mut again).await.0, close::CONSENT_DECLINED);

    // Another account is still asked.
    let (_other, _) = ask(relay.addr, &mut visitor, OTHER_AGENT, OTHER_PASSWORD, &key).await;
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn an_agent_that_stops_waiting_withdraws_its_prompt() {
    let relay = start(|_| {}).await;
    let (mut visitor, key) = start_asking_session(relay.addr).await;
    let (mut agent, number) = ask(relay.addr, &mut visitor, AGENT, PASSWORD, &key).await;
    agent.close(None).await.unwrap();
    wait_for_control(&mut visitor, &Control::Withdrawn { agent: number }).await;
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn both_sides_learn_who_watches() {
    let relay = start(|_| {}).await;
    let (mut visitor, key) = start_session(relay.addr).await;
    let mut ana = join(relay.addr, AGENT, PASSWORD, &key).await;
    let ana_info = AgentInfo { agent: 1, name: AGENT.into() };
    assert_eq!(next_control_any(&mut ana).await, Control::Agents { agents: vec![ana_info.clone()] });
    let _bo = join(relay.addr, OTHER_AGENT, OTHER_PASSWORD, &key).await;
    let both = Control::Agents { agents: vec![ana_info, AgentInfo { agent: 2, name: OTHER_AGENT.into() }] };
    assert_eq!(next_control_any(&mut ana).await, both);
    let mut lists = Vec::new();
    while lists.last() != Some(&both) {
        if let control @ Control::Agents { .. } = next_control_any(&mut visitor).await {
            lists.push(control);
        }
    }
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn control_is_asked_granted_used_and_taken_back() {
    let relay = start(|_| {}).await;
    let (mut visitor, key) = start_session(relay.addr).await;
    let mut ana = join(relay.addr, AGENT, PASSWORD, &key).await;
    let mut bo = join(relay.addr, OTHER_AGENT, OTHER_PASSWORD, &key).await;

    send(&mut ana, control(&Control::Input { agent: NOBODY, input: click() })).await;
    assert!(matches!(next_control(&mut ana).await, Control::ControlRefused { reason, .. } if reason.contains("ask")));

    send(&mut ana, control(&Control::ControlRequest { agent: NOBODY, name: String::new() })).await;
    wait_for_control(&mut visitor, &Control::ControlRequest { agent: 1, name: AGENT.into() }).await;
    send(&mut visitor, control(&Control::ControlAnswer { agent: 1, allow: true })).await;
    wait_for_control(&mut ana, &Control::ControlHolder { agent: 1 }).await;
    wait_for_control(&mut bo, &Control::ControlHolder { agent: 1 }).await;
    wait_for_control(&mut visitor, &Control::ControlHolder { agent: 1 }).await;

    // bo pretends to be ana: the relay names the real sender, and bo does not control.
    send(&mut bo, control(&Control::Input { agent: 1, input: click() })).await;
    assert!(matches!(next_control(&mut bo).await, Control::ControlRefused { agent: 2, .. }));
    send(&mut ana, control(&Control::Input { agent: 7, input: click() })).await;
    assert_eq!(next_control(&mut visitor).await, Control::Input { agent: 1, input: click() });

    send(&mut visitor, control(&Control::ControlRelease)).await;
    wait_for_control(&mut ana, &Control::ControlHolder { agent: NOBODY }).await;
    assert!(
        matches!(next_control(&mut ana).await, Control::ControlRefused { reason, .. } if reason.contains("took control back"))
    );
    send(&mut ana, control(&Control::Input { agent: NOBODY, input: click() })).await;
    assert!(matches!(next_control(&mut ana).await, Control::ControlRefused { .. }));
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn a_site_without_remote_control_refuses_requests_and_a_visitor_may_not_point() {
    let relay = start(|config| config.sites[0].remote_control = cobrowse_relay::ControlPolicy::Never).await;
    let (mut visitor, key) = start_session(relay.addr).await;
    let mut ana = join(relay.addr, AGENT, PASSWORD, &key).await;
    send(&mut ana, control(&Control::ControlRequest { agent: NOBODY, name: String::new() })).await;
    assert!(matches!(next_control(&mut ana).await, Control::ControlRefused { reason, .. } if reason.contains("off")));

    send(&mut ana, control(&Control::Pointer { agent: NOBODY, at: Some(Point { x: 5, y: 6 }) })).await;
    wait_for_control(&mut visitor, &Control::Pointer { agent: 1, at: Some(Point { x: 5, y: 6 }) }).await;

    send(&mut visitor, control(&Control::Pointer { agent: 1, at: None })).await;
    let (code, reason) = expect_close_after(&mut visitor, |_| {}).await;
    assert_eq!(code, close::UNEXPECTED_MESSAGE, "{reason}");
    assert!(reason.contains("Pointer"), "{reason}");
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn an_unanswered_consent_and_control_are_carried_to_the_visitor_s_next_page() {
    let relay = start(|_| {}).await;
    let mut first_page = connect_path(relay.addr, &format!("/ws/visitor?site={ASKING_SITE}&tab=t"), None).await;
    let Control::SessionStarted { key, secret, .. } = next_control(&mut first_page).await else {
        panic!("expected SessionStarted")
    };
    let (mut ana, ana_number) = ask(relay.addr, &mut first_page, AGENT, PASSWORD, &key).await;
    send(&mut first_page, control(&Control::ConsentAnswer { agent: ana_number, allow: true })).await;
    assert!(matches!(next_control(&mut ana).await, Control::Joined { .. }));
    send(&mut ana, control(&Control::ControlRequest { agent: NOBODY, name: String::new() })).await;
    wait_for_control(&mut first_page, &Control::ControlRequest { agent: ana_number, name: AGENT.into() }).await;
    send(&mut first_page, control(&Control::ControlAnswer { agent: ana_number, allow: true })).await;
    wait_for_control(&mut first_page, &Control::ControlHolder { agent: ana_number }).await;
    let (_bo, bo_number) = ask(relay.addr, &mut first_page, OTHER_AGENT, OTHER_PASSWORD, &key).await;
    drop(first_page);

    let path = format!("/ws/visitor?site={ASKING_SITE}&tab=t&resume=1");
    let mut second_page = connect_path(relay.addr, &path, None).await;
    send(&mut second_page, control(&Control::Resume { key: key.clone(), secret })).await;
    assert!(matches!(next_control(&mut second_page).await, Control::SessionStarted { .. }));
    let ana_info = AgentInfo { agent: ana_number, name: AGENT.into() };
    assert_eq!(next_control_any(&mut second_page).await, Control::Agents { agents: vec![ana_info] });
    assert_eq!(next_control(&mut second_page).await, Control::ControlHolder { agent: ana_number });
    assert_eq!(
        next_control(&mut second_page).await,
        Control::ConsentAsked { agent: bo_number, name: OTHER_AGENT.into() }
    );

    // ana, allowed once, rejoins without being asked again.
    drop(ana);
    let mut ana_again = connect_agent(relay.addr).await;
    send_join(&mut ana_again, AGENT, PASSWORD, &key).await;
    assert!(matches!(next_control(&mut ana_again).await, Control::Joined { .. }));
    relay.handle.shutdown().await;
}

/// Allows the agent the visitor was asked about; returns its socket once it has joined.
async fn allowed(addr: SocketAddr, visitor: &mut Socket, name: &str, password: &str, key: &str) -> (Socket, u32) {
    let (mut agent, number) = ask(addr, visitor, name, password, key).await;
    send(visitor, control(&Control::ConsentAnswer { agent: number, allow: true })).await;
    assert!(matches!(next_control(&mut agent).await, Control::Joined { .. }));
    while !matches!(next_control(visitor).await, Control::AgentJoined { name: joined, .. } if joined == name) {}
    (agent, number)
}

/// Reads an agent's frames (page frames too) until the control `wanted`.
async fn agent_waits_for(agent: &mut Socket, wanted: &Control) {
    while decode_control(&next_binary_any(agent).await).ok().as_ref() != Some(wanted) {}
}

#[tokio::test]
async fn the_visitor_stops_sharing_with_one_agent_and_the_other_watches_on() {
    let relay = start(|_| {}).await;
    let mut sent = relay.handle.subscribe_frames();
    let (mut visitor, key) = start_asking_session(relay.addr).await;
    send(&mut visitor, snapshot("page")).await;
    let (mut ana, ana_number) = allowed(relay.addr, &mut visitor, AGENT, PASSWORD, &key).await;
    let (mut bo, bo_number) = allowed(relay.addr, &mut visitor, OTHER_AGENT, OTHER_PASSWORD, &key).await;
    send(&mut ana, control(&Control::ControlRequest { agent: NOBODY, name: String::new() })).await;
    wait_for_control(&mut visitor, &Control::ControlRequest { agent: ana_number, name: AGENT.into() }).await;
    send(&mut visitor, control(&Control::ControlAnswer { agent: ana_number, allow: true })).await;
    agent_waits_for(&mut bo, &Control::ControlHolder { agent: ana_number }).await;

    send(&mut visitor, control(&Control::Dismiss { agent: ana_number })).await;
    let (code, reason) = expect_close_after(&mut ana, |_| {}).await;
    assert_eq!((code, reason.as_str()), (close::CONSENT_DECLINED, close::STOPPED_SHARING));
    let bo_only = Control::Agents { agents: vec![AgentInfo { agent: bo_number, name: OTHER_AGENT.into() }] };
    agent_waits_for(&mut bo, &Control::ControlHolder { agent: NOBODY }).await;
    assert_eq!(next_control_any(&mut bo).await, bo_only, "bo learns who watches now");
    let mut visitor_heard = Vec::new();
    while !visitor_heard.contains(&bo_only) {
        visitor_heard.push(next_control_any(&mut visitor).await);
    }
    assert!(visitor_heard.contains(&Control::AgentLeft { name: AGENT.into(), agents: 1 }), "{visitor_heard:?}");
    assert!(visitor_heard.contains(&Control::ControlHolder { agent: NOBODY }), "{visitor_heard:?}");

    send(&mut visitor, delta("after the dismissal")).await;
    assert_eq!(next_binary(&mut bo).await, delta("after the dismissal"), "bo watches on");
    let mut to_ana = Vec::new();
    while let Ok(frame) = sent.try_recv() {
        if frame.from == (Peer::ToAgent { name: AGENT.into() }) {
            to_ana.push(decode_control(&frame.bytes).ok());
        }
    }
    let declined_at = to_ana.iter().position(|control| control == &Some(Control::ConsentDeclined));
    assert_eq!(declined_at, Some(to_ana.len() - 1), "ConsentDeclined was the last frame to ana: {to_ana:?}");

    // ana's account is declined for the rest of the session: a rejoin is refused without asking.
    let mut again = connect_agent(relay.addr).await;
    send_join(&mut again, AGENT, PASSWORD, &key).await;
    assert_eq!(next_control(&mut again).await, Control::ConsentDeclined);
    assert_eq!(expect_close(&mut again).await.0, close::CONSENT_DECLINED);
    send(&mut bo, control(&Control::Pointer { agent: NOBODY, at: None })).await;
    assert_eq!(next_control(&mut visitor).await, Control::Pointer { agent: bo_number, at: None }, "nothing asked");
    relay.handle.shutdown().await;
}
