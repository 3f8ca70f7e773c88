//! The masking model beyond the basic markers: `glance_masked`, fields masked by default, the site's
//! selectors, the mask-all modes with their allow-list, and attribute changes that make a selector match.

mod common;

use cobrowse_protocol::{Child, Decoder, Delta, Encoder, Event, FormState, MaskingRules, Node, Snapshot, Value};
use cobrowse_visitor::page::forms::form_events;
use cobrowse_visitor::recorder::Recorder;
use cobrowse_visitor::tree::record::{self, Batch};
use common::*;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlInputElement, HtmlTextAreaElement};

wasm_bindgen_test_configure!(run_in_browser);

fn strings(selectors: &[&str]) -> Vec<String> {
    selectors.iter().map(|selector| selector.to_string()).collect()
}

/// The snapshot's node for the fixture element matching `selector`.
fn node<'a>(snapshot: &'a Snapshot, recorder: &Recorder, page: &Fixture, selector: &str) -> &'a Node {
    find_dom(&snapshot.children, &recorder.ids, &page.get::<web_sys::Node>(selector))
}

fn form_value(node: &Node) -> Option<Value> {
    element(node).form.as_ref().and_then(|form| form.value.clone())
}

fn frame_contains(snapshot: &Snapshot, secret: &str) -> bool {
    let (_, raw) = Decoder::default().inflate(&Encoder::new().snapshot(snapshot)).unwrap();
    contains_bytes(&raw, secret)
}

#[wasm_bindgen_test]
fn glance_markers_and_card_fields_are_masked_by_default() {
    let page = Fixture::new(
        r#"<div id="glance" glance_masked="true" title="GLANCE-TITLE">GLANCE-TEXT</div>
        <div id="not-glance" glance_masked="false">visible text</div>
        <input id="card" autocomplete="cc-number" value="4111111111111111" placeholder="CARD-PLACEHOLDER">
        <input id="csc" autocomplete="section-pay cc-csc" value="CSC-123">
        <input id="exp" autocomplete="cc-exp-month" value="EXP-12">
        <input id="name" autocomplete="cc-name" value="CARD-NAME">
        <textarea id="otp" autocomplete="one-time-code">OTP-654321</textarea>
        <input id="email" autocomplete="email" value="visible@example.com">"#,
    );
    let mut recorder = Recorder::default();
    let snapshot = take_snapshot(&mut recorder);
    for secret in [
        "GLANCE-TITLE",
        "GLANCE-TEXT",
        "4111111111111111",
        "CARD-PLACEHOLDER",
        "CSC-123",
        "EXP-12",
        "CARD-NAME",
        "OTP-654321",
    ] {
        assert!(!frame_contains(&snapshot, secret), "{secret} leaked");
    }
    assert!(frame_contains(&snapshot, "visible text") && frame_contains(&snapshot, "visible@example.com"));
    for field in ["#card", "#csc", "#exp", "#name", "#otp"] {
        assert_eq!(form_value(node(&snapshot, &recorder, &page, field)), Some(Value::Masked), "{field}");
    }
    assert_eq!(texts(std::slice::from_ref(node(&snapshot, &recorder, &page, "#glance"))), [None]);
}

#[wasm_bindgen_test]
fn a_card_field_stays_masked_when_its_autocomplete_goes() {
    let page = Fixture::new(r#"<input id="card" autocomplete="cc-number">"#);
    let mut recorder = Recorder::default();
    take_snapshot(&mut recorder);
    let card: HtmlInputElement = page.get("#card");
    card.remove_attribute("autocomplete").unwrap();
    card.set_value("4111111111111111");
    let events = form_events(&card, &document(), &recorder);
    assert!(
        matches!(&events[..], [Event::Form { state: FormState { value: Some(Value::Masked), .. }, .. }]),
        "{events:?}"
    );
}

#[wasm_bindgen_test]
fn the_site_s_mask_selectors_mask_whole_subtrees() {
    let mut recorder =
        recorder_with(MaskingRules { mask_selectors: strings(&[".balance", "#account p"]), ..Default::default() });
    let page = Fixture::new(
        r#"<span class="balance" data-amount="BAL-AMOUNT">BAL-1234</span>
        <div id="account"><p aria-label="ACC-LABEL"><b>ACC-5678</b></p><h3>Account</h3></div>
        <ul><li><input type="radio" name="r" value="RADIO-VALUE" class="balance"></li></ul>"#,
    );
    let snapshot = take_snapshot(&mut recorder);
    for secret in ["BAL-AMOUNT", "BAL-1234", "ACC-LABEL", "ACC-5678", "RADIO-VALUE"] {
        assert!(!frame_contains(&snapshot, secret), "{secret} leaked");
    }
    assert!(frame_contains(&snapshot, "Account"));
    assert_eq!(attribute(element(node(&snapshot, &recorder, &page, "input")), "value"), Some(&Value::Masked));
}

#[wasm_bindgen_test]
fn an_invalid_selector_is_refused_by_name_and_changes_nothing() {
    let mut recorder = Recorder::default();
    let error = recorder
        .set_rules(&document(), &MaskingRules { mask_selectors: strings(&[".ok", "div[[bad"]), ..Default::default() })
        .unwrap_err();
    assert!(error.contains("div[[bad"), "{error}");
    let error =
        recorder.set_rules(&document(), &MaskingRules { unmask_selectors: strings(&[""]), ..Default::default() });
    assert!(error.is_err());
    let page = Fixture::new(r#"<p class="ok">still visible</p>"#);
    let snapshot = take_snapshot(&mut recorder);
    assert!(frame_contains(&snapshot, "still visible"), "the rules in force did not change");
    drop(page);
}

#[wasm_bindgen_test]
fn mask_all_inputs_spares_only_the_allow_list() {
    let mut recorder = recorder_with(MaskingRules {
        mask_all_inputs: true,
        unmask_selectors: strings(&[".public"]),
        ..Default::default()
    });
    let page = Fixture::new(
        r#"<input id="any" value="ANY-INPUT"><textarea id="area">ANY-AREA</textarea>
        <select id="pick"><option value="OPT-VALUE">OPT-TEXT</option></select>
        <form class="public"><input id="search" value="search terms">
          <input id="pw" type="password" value="PWD-SECRET"><input id="marked" data-cobrowse-mask value="MARKED-SECRET"></form>
        <p>page text stays</p>"#,
    );
    let snapshot = take_snapshot(&mut recorder);
    for secret in ["ANY-INPUT", "ANY-AREA", "OPT-VALUE", "OPT-TEXT", "PWD-SECRET", "MARKED-SECRET"] {
        assert!(!frame_contains(&snapshot, secret), "{secret} leaked");
    }
    assert!(frame_contains(&snapshot, "page text stays"));
    assert_eq!(form_value(node(&snapshot, &recorder, &page, "#search")), Some(Value::Plain("search terms".into())));
    for field in ["#any", "#area", "#pick", "#pw", "#marked"] {
        assert_eq!(form_value(node(&snapshot, &recorder, &page, field)), Some(Value::Masked), "{field}");
    }
    // Typing follows the same rules.
    page.get::<HtmlTextAreaElement>("#area").set_value("TYPED-SECRET");
    let events = form_events(&page.get::<Element>("#area"), &document(), &recorder);
    assert!(matches!(&events[..], [Event::Form { state: FormState { value: Some(Value::Masked), .. }, .. }]));
}

#[wasm_bindgen_test]
fn mask_all_text_spares_only_the_allow_list() {
    let mut recorder =
        recorder_with(MaskingRules { mask_all_text: true, unmask_selectors: strings(&["nav"]), ..Default::default() });
    let page = Fixture::new(
        r#"<p id="para" title="PARA-TITLE">PARA-TEXT</p>
        <nav id="menu" title="Menu title">Home <a href="/x">Products</a> <span class="cobrowse-mask">NAV-SECRET</span></nav>"#,
    );
    let snapshot = take_snapshot(&mut recorder);
    for secret in ["PARA-TITLE", "PARA-TEXT", "NAV-SECRET"] {
        assert!(!frame_contains(&snapshot, secret), "{secret} leaked");
    }
    assert!(frame_contains(&snapshot, "Products") && frame_contains(&snapshot, "Menu title"));

    // Text changes follow the same rules.
    observe(&mut recorder);
    let para_text = page.get::<Element>("#para").first_child().unwrap();
    para_text.set_node_value(Some("PARA-CHANGED"));
    let Batch::Delta(delta) = record::batch(&recorder.take_records(), &mut recorder) else { panic!("a delta") };
    let id = recorder.ids.get(&para_text).unwrap();
    assert_eq!(delta.events, [Event::Text { node: id, text: Value::Masked }]);
}

/// Starts observing, then runs `change` and returns the delta it makes.
fn delta_after(recorder: &mut Recorder, change: impl FnOnce()) -> Delta {
    observe(recorder);
    change();
    let Batch::Delta(delta) = record::batch(&recorder.take_records(), recorder) else { panic!("a delta") };
    delta
}

/// The nodes a Children event of `parent` lists as new.
fn new_children(delta: &Delta, parent: u32) -> Vec<Node> {
    let children = children_of(&delta.events, parent).unwrap_or_else(|| panic!("no Children event: {delta:?}"));
    children.iter().filter_map(|child| if let Child::New(node) = child { Some(node.clone()) } else { None }).collect()
}

#[wasm_bindgen_test]
fn a_class_that_makes_a_selector_match_re_sends_the_element_masked() {
    let mut recorder = recorder_with(MaskingRules { mask_selectors: strings(&[".private"]), ..Default::default() });
    let page = Fixture::new(r#"<p id="para" title="a title">SOON-PRIVATE</p>"#);
    let para: Element = page.get("#para");
    take_snapshot(&mut recorder);
    let parent = recorder.ids.get(&page.root).unwrap();

    let delta = delta_after(&mut recorder, || para.class_list().add_1("private").unwrap());
    assert!(!format!("{delta:?}").contains("SOON-PRIVATE"), "{delta:?}");
    let rebuilt = new_children(&delta, parent);
    assert_eq!(texts(&rebuilt), [None]);
    assert_eq!(attribute(element(&rebuilt[0]), "title"), Some(&Value::Masked));

    let delta = delta_after(&mut recorder, || para.class_list().remove_1("private").unwrap());
    assert_eq!(texts(&new_children(&delta, parent)), [Some("SOON-PRIVATE".to_string())]);

    // An attribute change that does not change the match is a plain attribute event.
    let delta = delta_after(&mut recorder, || para.set_attribute("lang", "en").unwrap());
    assert!(children_of(&delta.events, parent).is_none(), "{delta:?}");
}

#[wasm_bindgen_test]
fn an_element_entering_the_allow_list_is_re_sent_unmasked() {
    let mut recorder = recorder_with(MaskingRules {
        mask_all_text: true,
        unmask_selectors: strings(&["[data-public]"]),
        ..Default::default()
    });
    let page = Fixture::new(r#"<p id="para">LATER-PUBLIC</p>"#);
    let para: Element = page.get("#para");
    let snapshot = take_snapshot(&mut recorder);
    assert!(!frame_contains(&snapshot, "LATER-PUBLIC"));
    let parent = recorder.ids.get(&page.root).unwrap();
    let delta = delta_after(&mut recorder, || para.set_attribute("data-public", "").unwrap());
    assert_eq!(texts(&new_children(&delta, parent)), [Some("LATER-PUBLIC".to_string())]);
}

#[wasm_bindgen_test]
fn contenteditable_and_checkable_values_are_masked_on_every_path() {
    let page = Fixture::new(
        r#"<div class="cobrowse-mask"><div id="editor" contenteditable>EDIT-OLD</div>
        <input id="check" type="checkbox" value="CHECK-VALUE"></div>"#,
    );
    let mut recorder = Recorder::default();
    let snapshot = take_snapshot(&mut recorder);
    assert!(!frame_contains(&snapshot, "CHECK-VALUE") && !frame_contains(&snapshot, "EDIT-OLD"));
    let editor: Element = page.get("#editor");
    let check: Element = page.get("#check");
    let delta = delta_after(&mut recorder, || {
        editor.first_child().unwrap().set_node_value(Some("EDIT-TYPED"));
        editor.append_child(&document().create_text_node("EDIT-MORE")).unwrap();
        check.set_attribute("value", "CHECK-NEW").unwrap();
    });
    let sent = format!("{delta:?}");
    assert!(!sent.contains("EDIT-") && !sent.contains("CHECK-"), "{sent}");
}

#[wasm_bindgen_test]
fn a_field_seen_secret_stays_masked_for_a_later_recorder_that_remembers_it() {
    let page = Fixture::new(r#"<input id="pw" type="password" value="SHOWN-PASSWORD">"#);
    let seen = js_sys::WeakSet::new_typed();
    let mut first = Recorder::remembering(&wasm_bindgen::JsValue::UNDEFINED, seen.clone());
    take_snapshot(&mut first);
    drop(first); // the first session ends
    page.get::<HtmlInputElement>("#pw").set_type("text"); // "show password"
    let mut later = Recorder::remembering(&wasm_bindgen::JsValue::UNDEFINED, seen);
    let snapshot = take_snapshot(&mut later);
    assert!(!frame_contains(&snapshot, "SHOWN-PASSWORD"), "a field once secret stays masked");
    assert_eq!(form_value(node(&snapshot, &later, &page, "#pw")), Some(Value::Masked));
    let unseen = take_snapshot(&mut Recorder::default());
    assert!(frame_contains(&unseen, "SHOWN-PASSWORD"), "the check can see it: a recorder that never saw it sends it");
}

#[wasm_bindgen_test]
fn a_selector_that_starts_matching_through_an_ancestor_masks_later_changes_below_it() {
    let mut recorder =
        recorder_with(MaskingRules { mask_selectors: strings(&[".private .box"]), ..Default::default() });
    let page = Fixture::new(r#"<div id="outer"><div class="box"><p id="para" title="a title">BEFORE</p></div></div>"#);
    let (outer, para): (Element, Element) = (page.get("#outer"), page.get("#para"));
    take_snapshot(&mut recorder);
    let text = para.first_child().unwrap();
    let (para_id, text_id) = (recorder.ids.get(&para).unwrap(), recorder.ids.get(&text).unwrap());

    // Before the ancestor's class, changes below the box are sent as they are.
    let delta = delta_after(&mut recorder, || {
        text.set_node_value(Some("STILL-PUBLIC"));
        para.set_attribute("title", "PUBLIC-TITLE").unwrap();
    });
    assert_eq!(
        delta.events,
        [
            Event::Attribute { node: para_id, name: "title".into(), value: Some(Value::Plain("PUBLIC-TITLE".into())) },
            Event::Text { node: text_id, text: Value::Plain("STILL-PUBLIC".into()) },
        ]
    );

    // The class on the outer element makes `.private .box` match the box, which no change of its own said.
    delta_after(&mut recorder, || outer.class_list().add_1("private").unwrap());
    let delta = delta_after(&mut recorder, || {
        text.set_node_value(Some("NOW-PRIVATE"));
        para.set_attribute("title", "PRIVATE-TITLE").unwrap();
    });
    assert!(!format!("{delta:?}").contains("PRIVATE"), "{delta:?}");
    assert!(delta.events.contains(&Event::Text { node: text_id, text: Value::Masked }), "{delta:?}");
    assert!(delta.events.contains(&Event::Attribute {
        node: para_id,
        name: "title".into(),
        value: Some(Value::Masked)
    }));
}

/// The selectors whose match only the element's own markup decides: then a change's masking is the one its
/// node was sent with (see `a_change_keeps_the_masking_it_was_sent_with_…` in record.rs). Anything else,
/// and anything the check does not know, has each change matched again.
#[wasm_bindgen_test]
fn only_compound_selectors_decide_on_the_element_s_own_markup() {
    use cobrowse_visitor::tree::rules::on_own_markup;
    for own in [
        "input",
        "*",
        "#ssn",
        ".card.number",
        "input[type=password]",
        "[data-secret]",
        r#"[title="a b, c > d:e\" ]"]"#,
        "[glance_masked='true' i]",
        "[lang|=en]",
        ".a, .b ,#c,input",
    ] {
        assert!(on_own_markup(own), "{own} decides on the element's own markup");
    }
    for not_own in [
        ".private .box",
        "h2.secret + p",
        "div > p",
        "h2 ~ p",
        "p:first-child",
        ":is(.a)",
        "input:checked",
        ".a, .b .c",
        "svg|a",
        r".a\:b",
        r"[data-x\]y]",
        "p::before",
    ] {
        assert!(!on_own_markup(not_own), "{not_own} does not");
    }
    let sibling = MaskingRules { mask_selectors: strings(&["h2.secret + p"]), ..Default::default() };
    let mut recorder = Recorder::default();
    assert!(recorder.mask.sent_masking_holds(), "the built-in markers alone");
    recorder.mask.set_rules(&web_sys::window().unwrap().document().unwrap(), &sibling).unwrap();
    assert!(!recorder.mask.sent_masking_holds());
}
