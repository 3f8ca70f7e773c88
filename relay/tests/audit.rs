//! The audit log over real sockets: a session's life (start, an agent joining, a refusal, a resumed page,
//! control granted and taken back, the agent leaving, the end) and the visitor's consent decisions become
//! JSON lines with an RFC 3339 time, the site, a session reference that is not the key, and the agent's
//! name; no key, password or secret is ever written; the file is opened again after it was moved away.

mod common;

use cobrowse_protocol::call::NOBODY;
use cobrowse_protocol::{close, Control};
use cobrowse_relay::AuditConfig;
use common::*;
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;

/// A relay writing its audit log to `audit.jsonl` in its temporary folder.
async fn start_audited() -> (TestRelay, PathBuf) {
    let relay = start(|config| {
        let path = config.www_dir.parent().unwrap().join("audit.jsonl");
        config.audit = Some(AuditConfig { path, max_bytes: 0, keep: 1 });
    })
    .await;
    let path = relay.dir.path().join("audit.jsonl");
    (relay, path)
}

/// The log's lines as JSON, each checked for a valid time, once `done` holds (failing after [`PATIENCE`]).
async fn wait_for_lines(path: &Path, done: impl Fn(&[Value]) -> bool) -> (Vec<Value>, String) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let lines: Vec<Value> = text
            .lines()
            .map(|line| serde_json::from_str(line).unwrap_or_else(|error| panic!("{line:?} is not JSON: {error}")))
            .collect();
        if done(&lines) {
            for line in &lines {
                let time = line["time"].as_str().expect("every event has a time");
                humantime::parse_rfc3339(time).unwrap_or_else(|error| panic!("{time:?} is not RFC 3339: {error}"));
            }
            return (lines, text);
        }
        assert!(tokio::time::Instant::now() < deadline, "the audit log never got there:\n{text}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

fn has_event(lines: &[Value], event: &str) -> bool {
    lines.iter().any(|line| line["event"] == event)
}

fn events(lines: &[Value]) -> Vec<&str> {
    lines.iter().map(|line| line["event"].as_str().unwrap()).collect()
}

/// Closes like a browser leaving its page (1001), reading to the end of the closing handshake.
async fn leave_page(mut socket: Socket) {
    let frame = CloseFrame { code: CloseCode::Away, reason: "navigating".into() };
    socket.send(Message::Close(Some(frame))).await.expect("the close is sent");
    let _ = tokio::time::timeout(PATIENCE, async { while socket.next().await.is_some() {} }).await;
}

#[tokio::test]
async fn a_session_s_life_is_written_as_json_lines_without_its_key_or_secrets() {
    let (relay, path) = start_audited().await;
    let shop_page = |resume: &str| format!("/ws/visitor?site={SHOP_SITE}&tab=t1{resume}");
    let mut page = connect_path(relay.addr, &shop_page(""), Some(SHOP_ORIGIN)).await;
    let Control::SessionStarted { key, secret, .. } = next_control(&mut page).await else {
        panic!("no SessionStarted")
    };
    let mut ana = join(relay.addr, AGENT, PASSWORD, &key).await;
    let mut wrong = connect_agent(relay.addr).await;
    send_join(&mut wrong, OTHER_AGENT, "a wrong password", &key).await;
    assert_eq!(expect_close(&mut wrong).await.0, close::AUTH_FAILED);

    leave_page(page).await;
    let mut page = connect_path(relay.addr, &shop_page("&resume=1"), Some(SHOP_ORIGIN)).await;
    send(&mut page, control(&Control::Resume { key: key.clone(), secret: secret.clone() })).await;
    assert!(matches!(next_control(&mut page).await, Control::SessionStarted { .. }));

    send(&mut ana, control(&Control::ControlRequest { agent: NOBODY, name: String::new() })).await;
    wait_for_control(&mut page, &Control::ControlRequest { agent: 1, name: AGENT.into() }).await;
    send(&mut page, control(&Control::ControlAnswer { agent: 1, allow: true })).await;
    wait_for_control(&mut ana, &Control::ControlHolder { agent: 1 }).await;
    send(&mut page, control(&Control::ControlRelease)).await;
    wait_for_control(&mut ana, &Control::ControlHolder { agent: NOBODY }).await;
    ana.close(None).await.unwrap();
    wait_for_control(&mut page, &Control::AgentLeft { name: AGENT.into(), agents: 0 }).await;
    send(&mut page, control(&Control::EndSession)).await;
    assert_eq!(expect_close(&mut page).await.0, close::NORMAL);

    let (lines, text) = wait_for_lines(&path, |lines| has_event(lines, "session_ended")).await;
    assert_eq!(
        events(&lines),
        [
            "session_started",
            "agent_joined",
            "agent_refused",
            "session_resumed",
            "control_decided",
            "control_taken_back",
            "agent_left",
            "session_ended"
        ],
        "{text}"
    );
    let session = lines[0]["session"].as_str().unwrap();
    assert_eq!(session.len(), 16);
    for line in &lines {
        if line["event"] != "agent_refused" {
            assert_eq!((line["site"].as_str(), line["session"].as_str()), (Some(SHOP_SITE), Some(session)), "{line}");
        }
    }
    let masking = postcard::to_allocvec(&shop_masking()).unwrap();
    let masking_sha256: String = Sha256::digest(&masking).iter().map(|byte| format!("{byte:02x}")).collect();
    assert_eq!(lines[0]["masking_sha256"], masking_sha256.as_str());
    assert_eq!(lines[3]["masking_sha256"], masking_sha256.as_str());
    assert_eq!(lines[1]["agent"], AGENT);
    assert_eq!((&lines[2]["agent"], &lines[2]["reason"]), (&OTHER_AGENT.into(), &"wrong name or password".into()));
    assert_eq!((&lines[4]["agent"], &lines[4]["granted"]), (&AGENT.into(), &true.into()));
    assert_eq!(lines[6]["agent"], AGENT);
    assert_eq!(lines[7]["code"], close::SESSION_ENDED);
    assert_eq!(lines[7]["reason"], "the visitor ended the session");
    for secret in [key.as_str(), secret.as_str(), PASSWORD, "a wrong password"] {
        assert!(!text.contains(secret), "{secret:?} is in the audit log:\n{text}");
    }
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn the_visitor_s_consent_decisions_and_withdrawals_are_written_with_the_agent_s_name() {
    let (relay, path) = start_audited().await;
    let mut visitor = connect_visitor(relay.addr, ASKING_SITE, None).await;
    let Control::SessionStarted { key, .. } = next_control(&mut visitor).await else { panic!("no SessionStarted") };
    let mut agents = Vec::new();
    for (name, password, allow) in [(AGENT, PASSWORD, true), (OTHER_AGENT, OTHER_PASSWORD, false)] {
        let mut agent = connect_agent(relay.addr).await;
        send_join(&mut agent, name, password, &key).await;
        assert_eq!(next_control(&mut agent).await, Control::AwaitingConsent);
        let number = loop {
            if let Control::ConsentAsked { agent, .. } = next_control(&mut visitor).await {
                break agent;
            }
        };
        send(&mut visitor, control(&Control::ConsentAnswer { agent: number, allow })).await;
        let answer = next_control(&mut agent).await;
        assert_eq!(matches!(answer, Control::Joined { .. }), allow, "{answer:?}");
        if !allow {
            assert_eq!(expect_close(&mut agent).await.0, close::CONSENT_DECLINED);
        }
        agents.push((agent, number)); // the allowed agent watches until the visitor stops sharing
    }
    let decided = |lines: &[Value]| lines.iter().filter(|line| line["event"] == "consent_decided").count() == 2;
    let (lines, _) = wait_for_lines(&path, decided).await;
    let decisions: Vec<(&str, bool)> = lines
        .iter()
        .filter(|line| line["event"] == "consent_decided")
        .map(|line| (line["agent"].as_str().unwrap(), line["allowed"].as_bool().unwrap()))
        .collect();
    assert_eq!(decisions, [(AGENT, true), (OTHER_AGENT, false)]);
    assert!(has_event(&lines, "agent_joined"));

    // The visitor stops sharing with the agent it allowed.
    let (_, allowed) = agents[0];
    send(&mut visitor, control(&Control::Dismiss { agent: allowed })).await;
    let withdrawn = |lines: &[Value]| has_event(lines, "consent_withdrawn");
    let (lines, _) = wait_for_lines(&path, withdrawn).await;
    let line = lines.iter().find(|line| line["event"] == "consent_withdrawn").unwrap();
    assert_eq!(line["agent"], AGENT);
    drop((visitor, agents));
    relay.handle.shutdown().await;
}

#[tokio::test]
async fn after_the_file_is_moved_away_reopening_starts_a_new_one() {
    let (relay, path) = start_audited().await;
    let (first, _) = start_session(relay.addr).await;
    wait_for_lines(&path, |lines| has_event(lines, "session_started")).await;
    let moved = relay.dir.path().join("audit.jsonl.old");
    std::fs::rename(&path, &moved).unwrap();
    relay.handle.reopen_audit_log();
    let (second, _) = start_session(relay.addr).await;
    let (lines, _) = wait_for_lines(&path, |lines| has_event(lines, "session_started")).await;
    assert_eq!(events(&lines), ["session_started"], "the new file holds only what came after");
    let old = std::fs::read_to_string(&moved).unwrap();
    assert_eq!(old.lines().count(), 1, "{old}");
    drop((first, second));
    relay.handle.shutdown().await;
}
