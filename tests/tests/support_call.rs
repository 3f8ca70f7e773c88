//! The support call (issue 11), end to end in real headless Chromium against the real relay, on a page
//! served with a strict Content-Security-Policy (`/strict/call/`): consent, who watches, the agent's
//! pointer and highlight, remote control, and no CSP violation throughout.

use cobrowse_e2e::call::Call;
use cobrowse_e2e::Result;
use cobrowse_protocol::FrameKind;
use cobrowse_relay::ConsentPolicy;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_runs_under_a_strict_csp_with_no_violation() -> Result<()> {
    let mut call = Call::start(ConsentPolicy::Never).await?;
    call.agent_joins().await?;
    call.wait_for_mirror_text("#page-name", "Order form").await?;
    assert!(call.frames_sent_to(cobrowse_e2e::relay::AGENT_NAMES[0]).contains(&FrameKind::Snapshot));
    call.visitor.type_into("#name", "Ada").await?;
    call.expect_no_violation("while the session runs").await?;
    call.finish().await
}
