//! Session tokens and the agents list: a token signs its agent in only while the account exists with the
//! password hash it signed in with; reloading the agents list (`RelayHandle::reload_agents`, which the
//! command runs on SIGHUP: `tests/cli.rs`) with a new password or without the account ends its tokens at
//! once, and the agent signs in again with its (new) password.

mod common;

use cobrowse_protocol::message::decode_control;
use cobrowse_protocol::{close, Control};
use cobrowse_relay::AgentAccount;
use common::*;
use futures_util::StreamExt;
use tokio_tungstenite::tungstenite::Message;

/// Signs `name` in with its password (joining `key`); its token.
async fn sign_in(relay: &TestRelay, name: &str, password: &str, key: &str) -> String {
    let mut agent = connect_agent(relay.addr).await;
    send_join(&mut agent, name, password, key).await;
    let Control::SignedIn { token, .. } = next_control_any(&mut agent).await else { panic!("SignedIn first") };
    token
}

/// A join of `key` with `token`: `Ok` once joined, or the close code and reason.
async fn join_with_token(relay: &TestRelay, token: &str, key: &str) -> Result<(), (u16, String)> {
    let mut agent = connect_agent(relay.addr).await;
    send(&mut agent, control(&Control::JoinWithToken { token: token.into(), key: key.into() })).await;
    loop {
        let message = tokio::time::timeout(PATIENCE, agent.next()).await.expect("an answer in time");
        match message {
            Some(Ok(Message::Binary(bytes))) if matches!(decode_control(&bytes), Ok(Control::Joined { .. })) => {
                return Ok(())
            }
            Some(Ok(Message::Close(Some(frame)))) => return Err((u16::from(frame.code), frame.reason.to_string())),
            Some(Ok(_)) => continue,
            other => panic!("the socket ended without Joined or a close: {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_new_password_or_a_removed_account_ends_its_tokens() {
    let mut agents = Vec::new();
    let relay = start(|config| agents = config.agents.clone()).await;
    let (visitor, key) = start_session(relay.addr).await;
    let ana_token = sign_in(&relay, AGENT, PASSWORD, &key).await;
    let bo_token = sign_in(&relay, OTHER_AGENT, OTHER_PASSWORD, &key).await;
    assert_eq!(join_with_token(&relay, &ana_token, &key).await, Ok(()));

    // The same list again (a SIGHUP with the file unchanged): every token still works.
    relay.handle.reload_agents(&agents).unwrap();
    assert_eq!(join_with_token(&relay, &ana_token, &key).await, Ok(()));

    let new_password = "a brand new password";
    let changed = [
        AgentAccount::with_cheap_password_hash(AGENT, new_password),
        AgentAccount::with_cheap_password_hash(OTHER_AGENT, OTHER_PASSWORD),
    ];
    relay.handle.reload_agents(&changed).unwrap();
    let (code, reason) = join_with_token(&relay, &ana_token, &key).await.expect_err("ana's password changed");
    assert_eq!(code, close::AUTH_FAILED);
    assert!(reason.contains("password changed") && reason.contains("sign in again"), "{reason}");
    let fresh = sign_in(&relay, AGENT, new_password, &key).await;
    assert_eq!(join_with_token(&relay, &fresh, &key).await, Ok(()), "a token of the new password works");

    relay.handle.reload_agents(&changed[..1]).unwrap();
    let (code, _) = join_with_token(&relay, &bo_token, &key).await.expect_err("bo was removed");
    assert_eq!(code, close::AUTH_FAILED);
    assert_eq!(join_with_token(&relay, &fresh, &key).await, Ok(()), "ana's account is unchanged");
    drop(visitor);
    relay.handle.shutdown().await;
}
