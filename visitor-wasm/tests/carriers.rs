//! Markup held as text (`carriers.rs`): a marker inside a string protects nothing by itself, so no
//! carrier of a masked value reaches a frame, at the snapshot or in a delta; markup that hides nothing is
//! still sent as it is.

mod common;

use cobrowse_protocol::{Decoder, Delta, Encoder, MaskingRules, Value};
use cobrowse_visitor::recorder::Recorder;
use cobrowse_visitor::tree::record::{self, Batch};
use common::*;
use wasm_bindgen_test::*;
use web_sys::Element;

wasm_bindgen_test_configure!(run_in_browser);

const SECRET: &str = "CARRIED-91b2c3";

const SVG: &str =
    "<svg xmlns='http://www.w3.org/2000/svg'><text data-cobrowse-mask='' y='9'>CARRIED-91b2c3</text></svg>";

/// [`SVG`] in base64.
const SVG_BASE64: &str = "PHN2ZyB4bWxucz0naHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmcnPjx0ZXh0IGRhdGEtY29icm93c2UtbWFzaz0nJyB5PSc5Jz5DQVJSSUVELTkxYjJjMzwvdGV4dD48L3N2Zz4=";

/// Every carrier, each holding the secret inside an element the rules mask.
fn page() -> String {
    [
        r#"<iframe id="doc" srcdoc="<p data-cobrowse-mask>CARRIED-91b2c3</p>"></iframe>"#.to_string(),
        r#"<a id="html-url" href="data:text/html,<p data-cobrowse-mask>CARRIED-91b2c3</p>">x</a>"#.into(),
        r#"<a id="js-url" href="javascript:void('<b data-cobrowse-mask>CARRIED-91b2c3</b>')">x</a>"#.into(),
        r#"<button id="handler" onclick="x='<b data-cobrowse-mask>CARRIED-91b2c3</b>'">b</button>"#.into(),
        format!(r#"<img id="svg-url" src="data:image/svg+xml,{SVG}">"#),
        // The same with no `<` in the value: a script URL, an image in base64 (and in a style's text below).
        r#"<a id="js-plain" href="javascript:alert(1)">x</a>"#.into(),
        format!(r#"<img id="svg-base64" src="data:image/svg+xml;base64,{SVG_BASE64}">"#),
        format!(r#"<div id="styled" style="background: url(&quot;data:image/svg+xml,{SVG}&quot;) red">s</div>"#),
        format!(r#"<style id="sheet">.never {{ background: url("data:image/svg+xml,{SVG}"); }}</style>"#),
        format!(r#"<style id="sheet-base64">.never {{ background: url("data:image/svg+xml;base64,{SVG_BASE64}"); }}</style>"#),
        r#"<div id="template" data-template="<input data-cobrowse-mask value='CARRIED-91b2c3'>">t</div>"#.into(),
        r#"<noscript id="noscript"><p data-cobrowse-mask>CARRIED-91b2c3</p></noscript>"#.into(),
        r#"<noembed><p data-cobrowse-mask>CARRIED-91b2c3</p></noembed>"#.into(),
        r#"<noframes><p data-cobrowse-mask>CARRIED-91b2c3</p></noframes>"#.into(),
        r#"<iframe id="raw"><p data-cobrowse-mask>CARRIED-91b2c3</p></iframe>"#.into(),
        r#"<xmp id="xmp"><b data-cobrowse-mask>CARRIED-91b2c3</b></xmp>"#.into(),
        r#"<svg><script>var s = "<b data-cobrowse-mask>CARRIED-91b2c3</b>";</script></svg>"#.into(),
        r#"<!-- <input data-cobrowse-mask value="CARRIED-91b2c3"> -->"#.into(),
        r#"<p id="plain" data-template="<b>public-markup</b>" title="1 < 2">public text</p>"#.into(),
        "<xmp id=\"plain-xmp\"><b>public-xmp</b></xmp>".into(),
        "<xmp id=\"escaped-xmp\">&lt;b&gt;shown&lt;/b&gt; <i>public-escaped</i></xmp>".into(),
        r#"<img id="plain-svg" src="data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg'><text>public-svg</text></svg>">"#.into(),
    ]
    .concat()
}

fn inflate(frame: &[u8]) -> Vec<u8> {
    Decoder::default().inflate(frame).unwrap().1
}

#[wasm_bindgen_test]
fn the_snapshot_carries_no_masked_value_held_as_text() {
    let page = Fixture::new(&page());
    let mut recorder = Recorder::default();
    let snapshot = take_snapshot(&mut recorder);
    let raw = inflate(&Encoder::new().snapshot(&snapshot));
    for public in ["public text", "public-markup", "public-xmp", "public-svg", "1 < 2"] {
        assert!(contains_bytes(&raw, public), "{public} is sent as it is (the check can see it)");
    }
    assert!(!contains_bytes(&raw, SECRET), "a masked value held as text reached the snapshot");

    let node =
        |selector: &str| element(find_dom(&snapshot.children, &recorder.ids, &page.get::<Element>(selector))).clone();
    assert_eq!(attribute(&node("#doc"), "srcdoc"), None, "srcdoc is not sent");
    assert_eq!(attribute(&node("#handler"), "onclick"), None, "handlers are not sent");
    assert_eq!(attribute(&node("#html-url"), "href"), Some(&Value::Plain("data:text/html,".into())));
    assert_eq!(attribute(&node("#js-url"), "href"), Some(&Value::Plain("javascript:".into())));
    assert_eq!(attribute(&node("#svg-url"), "src"), Some(&Value::Plain("data:,".into())));
    assert_eq!(attribute(&node("#js-plain"), "href"), Some(&Value::Plain("javascript:".into())));
    assert_eq!(attribute(&node("#svg-base64"), "src"), Some(&Value::Plain("data:,".into())));
    let emptied = Some(".never { background: url(\"data:,\"); }".to_string());
    assert_eq!(texts(&node("#sheet-base64").children), [emptied], "a style's text with no `<` is checked too");
    assert_eq!(attribute(&node("#styled"), "style"), Some(&Value::Plain("background: url(\"data:,\") red".into())));
    assert_eq!(attribute(&node("#template"), "data-template"), Some(&Value::Masked));
    assert!(node("#noscript").children.is_empty(), "noscript content is raw text the visitor never sees");
    assert!(node("#raw").children.is_empty(), "an iframe's own content is never shown");
    assert_eq!(texts(&node("#xmp").children), [None], "xmp text holding a marked element is masked");
    assert_eq!(texts(&node("#plain-xmp").children), [Some("<b>public-xmp</b>".to_string())]);
    let escaped = Some("&lt;b&gt;shown&lt;/b&gt; <i>public-escaped</i>".to_string());
    assert_eq!(texts(&node("#escaped-xmp").children), [escaped], "text that is only shown as text stays");
}

#[wasm_bindgen_test]
fn carriers_set_later_carry_no_masked_value() {
    let page = Fixture::new("<iframe id=\"later\"></iframe><div id=\"box\"></div><xmp id=\"x\">old</xmp>");
    let mut recorder = Recorder::default();
    observe(&mut recorder);
    let (mut encoder, mut decoder) = (Encoder::new(), Decoder::default());
    decoder.inflate(&encoder.snapshot(&take_snapshot(&mut recorder))).unwrap();
    let secret_markup = format!("<p data-cobrowse-mask>{SECRET}</p>");
    page.get::<Element>("#later").set_attribute("srcdoc", &secret_markup).unwrap();
    let box_ = page.get::<Element>("#box");
    box_.set_attribute("data-html", &secret_markup).unwrap();
    box_.set_attribute("onmouseover", &secret_markup).unwrap();
    box_.set_attribute("style", &format!("background:url('data:image/svg+xml,{SVG}')")).unwrap();
    box_.set_inner_html(&format!(
        "<noscript>{secret_markup}</noscript><a href=\"data:text/html,{secret_markup}\">a</a>"
    ));
    page.get::<Element>("#x").set_text_content(Some(&secret_markup));
    let Batch::Delta(delta) = record::batch(&recorder.take_records(), &mut recorder) else { panic!("a delta") };
    assert!(!delta.events.is_empty(), "the changes were recorded");
    let (_, raw) = decoder.inflate(&encoder.delta(&delta)).unwrap();
    assert!(!contains_bytes(&raw, SECRET), "a masked value held as text reached a delta: {delta:?}");
    assert!(contains_bytes(&raw, "data-html"), "the attribute event is sent, masked");
    let Delta { events } = delta;
    assert!(events.iter().all(|event| !format!("{event:?}").contains("srcdoc")), "srcdoc events are not sent");
}

#[wasm_bindgen_test]
fn site_rules_and_mask_all_text_reach_into_markup() {
    let mut recorder = recorder_with(MaskingRules {
        mask_selectors: vec![".ssn".into()],
        mask_all_text: true,
        ..MaskingRules::default()
    });
    let page = Fixture::new(&format!(
        r#"<div class="public" id="attr" data-x="<span class='ssn'>{SECRET}</span>"></div>
        <img id="icon" src="data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg'><path d='M0 0'/></svg>">
        <img id="texty" src="data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg'><text>{SECRET}</text></svg>">"#
    ));
    let snapshot = take_snapshot(&mut recorder);
    let raw = inflate(&Encoder::new().snapshot(&snapshot));
    assert!(!contains_bytes(&raw, SECRET));
    let node =
        |selector: &str| element(find_dom(&snapshot.children, &recorder.ids, &page.get::<Element>(selector))).clone();
    assert!(
        matches!(attribute(&node("#icon"), "src"), Some(Value::Plain(src)) if src.contains("path")),
        "an icon without text is sent"
    );
    assert_eq!(attribute(&node("#texty"), "src"), Some(&Value::Plain("data:,".into())));
}
