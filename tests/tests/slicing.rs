//! A snapshot sliced across tasks (issue 13, target 2), end to end: on a page large enough that the visitor
//! serializes it over many tasks, while the page keeps changing under it, the agent's mirror ends equal to
//! the page — for a snapshot taken at the session's start (the agent joins later and gets the kept state:
//! the snapshot, its parts and the deltas), and for a fresh one taken while the agent watches.
//!
//! The visitor's page counts the frames it sends by kind (a wrapper of `WebSocket.prototype.send`), so the
//! test knows the snapshot really was sliced (kind 5, snapshot parts) and is not passing on a page small
//! enough to go in one task.

use cobrowse_e2e::mirror::assert_mirrors;
use cobrowse_e2e::relay::AGENT_NAMES;
use cobrowse_e2e::{agent, step, visitor, Browser, Result, Stage};
use serde_json::Value;
use std::time::Duration;

/// The mirror of a large page, churned for a while, gets this long to catch up.
const LARGE_MIRROR_TIMEOUT: Duration = Duration::from_secs(30);
/// Cards added to the demo page, six elements each.
const CARDS: u32 = 2_500;
/// How long the page changes itself after each snapshot starts, in milliseconds.
const CHURN_MS: u32 = 1_500;

/// Adds `CARDS` cards in `<section id="big">`, counts the frames sent by kind, and defines
/// `window.churn(ms)`: every 3 ms for `ms` ms, one change in the section (insert, remove, move, attribute,
/// text), deep or shallow, from a fixed seed.
const SET_UP: &str = r#"
    var cards = arguments[0];
    var big = document.createElement('section');
    big.id = 'big';
    var html = '';
    for (var i = 0; i < cards; i++) {
        html += '<article class="card" data-i="' + i + '"><h3>Card ' + i + '</h3><p>Text of card <b>' + i +
            '</b> with <a href="/item/' + i + '">a link</a></p><ul><li>one</li></ul></article>';
    }
    big.innerHTML = html;
    document.body.appendChild(big);
    window.sentKinds = {};
    var send = WebSocket.prototype.send;
    WebSocket.prototype.send = function (data) {
        if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) {
            var kind = new Uint8Array(data.buffer || data, data.byteOffset || 0)[1];
            window.sentKinds[kind] = (window.sentKinds[kind] || 0) + 1;
        }
        return send.apply(this, arguments);
    };
    var seed = 7;
    function random(n) { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; }
    window.churn = function (ms) {
        var until = Date.now() + ms;
        var timer = setInterval(function () {
            if (Date.now() > until) { clearInterval(timer); return; }
            var items = big.children;
            var card = items[random(items.length)];
            switch (random(6)) {
                case 0: {
                    var added = document.createElement('article');
                    added.className = 'card added';
                    added.innerHTML = '<h3>Added</h3><p>new <i>card</i></p>';
                    big.insertBefore(added, items[random(items.length + 1)] || null);
                    break;
                }
                case 1: card.remove(); break;
                case 2: big.insertBefore(card, items[random(items.length)] || null); break;
                case 3: card.setAttribute('data-seen', String(random(1000))); break;
                case 4: {
                    var text = card.querySelector('b') || card;
                    text.textContent = 'changed ' + random(1000);
                    break;
                }
                default: {
                    var list = card.querySelector('ul');
                    if (list) list.appendChild(document.createElement('li')).textContent = 'more';
                }
            }
        }, 3);
    };
    return document.getElementsByTagName('*').length;
"#;

/// Snapshot parts the visitor has sent so far (frame kind 5).
async fn snapshot_parts_sent(visitor: &Browser) -> Result<u64> {
    let sent: Value = visitor.execute("return window.sentKinds[5] || 0;", vec![]).await?;
    Ok(sent.as_u64().unwrap_or(0))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sliced_snapshot_of_a_changing_page_ends_equal_to_it() -> Result<()> {
    let stage = Stage::start().await?;
    let visitor = stage.browser("visitor").await?;
    let ana = stage.browser("agent ana").await?;

    visitor::open(&visitor, &stage.site.demo_url()).await?;
    visitor::set_demo_timers(&visitor, false).await?;
    let elements: Value = visitor.execute(SET_UP, vec![CARDS.into()]).await?;
    stage.log(&format!("the page has {elements} elements"));

    // 1. The session starts while the page changes; ana joins afterwards and gets the kept state.
    let key = visitor::start_session(&visitor).await.map_err(step("1: Cobrowse.start()"))?;
    visitor.execute::<Value>(&format!("window.churn({CHURN_MS});"), vec![]).await?;
    agent::join(&ana, &stage.relay.agent_url(), AGENT_NAMES[0], &key).await.map_err(step("1: ana joins"))?;
    tokio::time::sleep(Duration::from_millis(u64::from(CHURN_MS))).await;
    let agreed = assert_mirrors(&visitor, &ana, LARGE_MIRROR_TIMEOUT)
        .await
        .map_err(step("1: the snapshot taken at the start, sliced, with the page changing"))?;
    let parts = snapshot_parts_sent(&visitor).await?;
    stage.log(&format!(
        "1: mirror equal ({} elements) after {:?}; {parts} snapshot parts",
        agreed.elements, agreed.after
    ));
    assert!(parts >= 2, "the snapshot of a page of {elements} elements must go in slices; {parts} parts were sent");

    // 2. A fresh snapshot while ana watches (a new node among the document's own children asks for one).
    visitor
        .execute::<Value>(
            &format!("document.appendChild(document.createComment('again')); window.churn({CHURN_MS});"),
            vec![],
        )
        .await?;
    tokio::time::sleep(Duration::from_millis(u64::from(CHURN_MS))).await;
    let agreed = assert_mirrors(&visitor, &ana, LARGE_MIRROR_TIMEOUT)
        .await
        .map_err(step("2: a fresh snapshot, sliced while the agent watches, with the page changing"))?;
    let more_parts = snapshot_parts_sent(&visitor).await? - parts;
    stage.log(&format!("2: mirror equal after {:?}; {more_parts} more snapshot parts", agreed.after));
    assert!(more_parts >= 1, "the fresh snapshot must go in slices too; {more_parts} parts were sent");

    let counters = agent::viewer_counters(&ana).await?;
    let out_of_step = counters.get("outOfStep").and_then(Value::as_u64).unwrap_or(0);
    assert_eq!(out_of_step, 0, "ana's viewer could not apply {out_of_step} frames: {counters}");

    for browser in [visitor, ana] {
        browser.close().await?;
    }
    stage.shutdown().await;
    Ok(())
}
