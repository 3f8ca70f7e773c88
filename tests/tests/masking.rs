//! Masked secrets typed with real keystrokes never reach the relay, nor the agent's mirror.
//!
//! Every frame the relay receives is recorded from its tap (subscribed before the session starts), then
//! each is inflated and decoded per sender connection and searched for the secrets. So the search cannot
//! pass by finding nothing at all, the plain text typed into unmasked fields must be found.

use cobrowse_e2e::frames::{Audit, FrameRecorder};
use cobrowse_e2e::mirror::{assert_mirrors, MIRROR_TIMEOUT};
use cobrowse_e2e::relay::AGENT_NAMES;
use cobrowse_e2e::{agent, step, visitor, Browser, Result, Stage};
use cobrowse_protocol::MASK_TEXT;
use serde::Deserialize;
use serde_json::{json, Value};
use std::time::Duration;

/// `(field, secret)`: masked fields and what the visitor types into them.
const SECRETS: [(&str, &str); 3] =
    [("#card-number", "4929778133550172"), ("#card-cvv", "9173"), ("#account-password", "Tr0ub4dor&3-zebra!")];
/// Masked text already on the demo page (`<span class="cobrowse-mask">`).
const PAGE_SECRET: &str = "Visa ending 4417";
/// `(field, text)`: unmasked fields and what the visitor types into them; these must reach the agent.
const PLAIN: [(&str, &str); 2] = [("#full-name", "Grace Hopper"), ("#delivery-notes", "Blue door behind the bakery")];
/// Elements the mirror must mark `data-cobrowse-masked`.
const MASKED_IDS: [&str; 4] = ["card-number", "card-cvv", "account-password", "saved-card"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn masked_secrets_never_reach_the_relay_or_the_agent() -> Result<()> {
    let stage = Stage::start().await?;
    let recorder = FrameRecorder::start(stage.relay.subscribe_frames());
    let visitor = stage.browser("visitor").await?;
    let ana = stage.browser("agent ana").await?;

    visitor::open(&visitor, &stage.site.demo_url()).await?;
    let key = visitor::start_session(&visitor).await?;
    agent::join(&ana, &stage.relay.agent_url(), AGENT_NAMES[0], &key).await?;
    assert_mirrors(&visitor, &ana, MIRROR_TIMEOUT).await.map_err(step("the first mirror"))?;

    for (field, text) in PLAIN.iter().chain(&SECRETS) {
        visitor.type_into(field, text).await?;
    }
    check_fields_took_the_keys(&visitor).await?;
    let agreed = assert_mirrors(&visitor, &ana, MIRROR_TIMEOUT).await.map_err(step("the mirror after typing"))?;
    stage.log(&format!("typed; mirror equal after {:?}", agreed.after));
    check_mirror_hides_secrets(&ana).await?;

    // Let any last frame arrive, then look at everything the relay received.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let recording = recorder.finish().await?;
    assert_eq!(recording.lagged, 0, "the frame recorder fell behind and lost {} frames", recording.lagged);
    let audit = Audit::of(&recording);
    stage.log(&format!(
        "{} frames recorded, {} page frames from the visitor, {} masked values",
        recording.frames.len(),
        audit.visitor_page_frames(),
        audit.masked_values()
    ));
    assert!(audit.errors.is_empty(), "frames that would not decode:\n{}", audit.errors.join("\n"));
    assert!(audit.visitor_page_frames() >= 2, "expected a snapshot and deltas from the visitor");
    for (field, secret) in SECRETS.iter().chain(&[("saved card text", PAGE_SECRET)]) {
        let places = audit.find(secret);
        assert!(places.is_empty(), "the secret typed into {field} reached the relay:\n{}", places.join("\n"));
    }
    for (field, text) in PLAIN {
        assert!(
            !audit.find(text).is_empty(),
            "the plain text typed into {field} ({text:?}) is in no frame: the search cannot be trusted"
        );
    }
    assert!(audit.masked_values() > 0, "no frame carries a masked value, yet masked fields were typed into");

    // An element moved into a masked element is masked from then on; moved back out, it shows again.
    visitor.execute::<Value>(MOVE_HEADING, vec![json!("saved-card")]).await?;
    assert_mirrors(&visitor, &ana, MIRROR_TIMEOUT)
        .await
        .map_err(step("a heading moved into the masked #saved-card"))?;
    visitor.execute::<Value>(MOVE_HEADING, vec![json!("contact-heading-home")]).await?;
    assert_mirrors(&visitor, &ana, MIRROR_TIMEOUT).await.map_err(step("the heading moved back out of the mask"))?;

    visitor.close().await?;
    ana.close().await?;
    stage.shutdown().await;
    Ok(())
}

/// Moves the "Contact" heading into the element with id `arguments[0]`; `contact-heading-home` is the
/// section it came from (given that id on the first call).
const MOVE_HEADING: &str = r#"
    var heading = document.getElementById('contact-heading');
    if (!document.getElementById('contact-heading-home')) heading.parentElement.id = 'contact-heading-home';
    var target = document.getElementById(arguments[0]);
    target.insertBefore(heading, target.firstChild);
"#;

/// The visitor's fields hold what was typed (else the test would prove nothing).
async fn check_fields_took_the_keys(visitor: &Browser) -> Result<()> {
    for (field, text) in PLAIN.iter().chain(&SECRETS) {
        let value: String =
            visitor.execute("return document.querySelector(arguments[0]).value;", vec![json!(field)]).await?;
        assert_eq!(&value, text, "the visitor's {field} did not take the keystrokes");
    }
    Ok(())
}

#[derive(Deserialize)]
struct MirrorView {
    html: String,
    values: Vec<String>,
    masked: Vec<bool>,
    card_value: Option<String>,
}

/// The mirror's HTML and its fields' values hold no secret; masked fields show the mask and are marked.
async fn check_mirror_hides_secrets(agent: &Browser) -> Result<()> {
    let script = r#"
        var d = document.getElementById('cobrowse-mirror').contentDocument;
        var fields = d.querySelectorAll('input, textarea, select');
        var card = d.getElementById('card-number');
        return {
            html: d.documentElement.outerHTML,
            values: Array.prototype.map.call(fields, function (f) { return f.value; }),
            masked: arguments[0].map(function (id) {
                var e = d.getElementById(id);
                return !!e && e.hasAttribute('data-cobrowse-masked');
            }),
            card_value: card ? card.value : null
        };
    "#;
    let view: MirrorView = agent.execute(script, vec![json!(MASKED_IDS)]).await?;
    for (field, secret) in SECRETS.iter().chain(&[("saved card text", PAGE_SECRET)]) {
        assert!(!view.html.contains(secret), "the mirror's HTML shows the secret from {field}");
        assert!(
            !view.values.iter().any(|v| v.contains(secret)),
            "a mirrored field's value holds the secret from {field}"
        );
    }
    assert_eq!(view.card_value.as_deref(), Some(MASK_TEXT), "the mirror's card number should show the mask");
    let unmarked: Vec<_> =
        MASKED_IDS.iter().zip(&view.masked).filter(|(_, marked)| !**marked).map(|(id, _)| id).collect();
    assert!(unmarked.is_empty(), "masked elements without data-cobrowse-masked in the mirror: {unmarked:?}");
    Ok(())
}
