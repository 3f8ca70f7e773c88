//! A site's masking rules reach its visitor with the session key, before anything else.

mod common;

use cobrowse_protocol::{Control, MaskingRules};
use common::*;

#[tokio::test]
async fn a_site_s_masking_rules_arrive_in_session_started() {
    let relay = start(|_| {}).await;
    let mut visitor = connect_visitor(relay.addr, SHOP_SITE, Some(SHOP_ORIGIN)).await;
    let Control::SessionStarted { key, masking, .. } = next_control(&mut visitor).await else {
        panic!("the first message is SessionStarted")
    };
    assert!(!key.is_empty());
    assert_eq!(masking, shop_masking());
}

#[tokio::test]
async fn a_site_without_rules_sends_the_empty_rules() {
    let relay = start(|_| {}).await;
    let mut visitor = connect_visitor(relay.addr, "demo", None).await;
    let Control::SessionStarted { masking, .. } = next_control(&mut visitor).await else {
        panic!("the first message is SessionStarted")
    };
    assert_eq!(masking, MaskingRules::default());
}
