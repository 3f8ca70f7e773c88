//! Masking: nothing masked reaches a frame, on any path (snapshot, new subtrees, attributes, text, forms).

mod common;

use cobrowse_protocol::{Child, Decoder, Delta, Encoder, Event, FormState, NodeKind, Value};
use cobrowse_visitor::page::forms::form_events;
use cobrowse_visitor::recorder::Recorder;
use cobrowse_visitor::tree::record::{self, Batch};
use common::*;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};

wasm_bindgen_test_configure!(run_in_browser);

/// Sentinels: each secret is unique, so finding its bytes anywhere in a frame is a leak.
const SECRETS: [&str; 12] = [
    "PWD-7f3a91",
    "MASKATTR-55c2e0",
    "MASKCLASS-d41d8c",
    "PLACEHOLDER-0b9e77",
    "TITLE-1e4f02",
    "ARIA-9a8b7c",
    "DATA-3c2d1e",
    "OPTION-8f8f00",
    "OPTVALUE-12ab34",
    "TEXTAREA-5e5e5e",
    "ALT-6d6d6d",
    "HIDDEN-4a4a4a",
];

const PAGE: &str = r#"
<form id="f">
  <input id="pw" type="password" value="PWD-7f3a91">
  <input id="masked-input" data-cobrowse-mask placeholder="PLACEHOLDER-0b9e77">
  <div id="masked-div" class="note cobrowse-mask" title="TITLE-1e4f02" aria-label="ARIA-9a8b7c" data-info="DATA-3c2d1e" data-cobrowse-x="kept">
    MASKCLASS-d41d8c <span>MASKCLASS-d41d8c</span><!-- MASKCLASS-d41d8c --><img alt="ALT-6d6d6d" src="x.png">
    <select id="masked-select"><option value="OPTVALUE-12ab34">OPTION-8f8f00</option></select>
    <textarea id="masked-area">TEXTAREA-5e5e5e</textarea>
  </div>
  <input id="hidden" type="hidden" value="HIDDEN-4a4a4a">
  <p id="visible" title="public title">public text</p>
</form>"#;

fn type_secrets(page: &Fixture) {
    page.get::<HtmlInputElement>("#pw").set_value("PWD-7f3a91");
    page.get::<HtmlInputElement>("#masked-input").set_value("MASKATTR-55c2e0");
    page.get::<HtmlTextAreaElement>("#masked-area").set_value("TEXTAREA-5e5e5e");
}

fn assert_no_secret(bytes: &[u8]) {
    for secret in SECRETS {
        assert!(!contains_bytes(bytes, secret), "{secret} leaked into a frame");
    }
}

#[wasm_bindgen_test]
fn snapshot_frame_carries_no_masked_value() {
    let page = Fixture::new(PAGE);
    type_secrets(&page);
    let mut recorder = Recorder::default();
    let snapshot = take_snapshot(&mut recorder);
    let frame = Encoder::new().snapshot(&snapshot);
    let (_, raw) = Decoder::default().inflate(&frame).unwrap();
    assert!(contains_bytes(&raw, "public text"), "the check can see plain text");
    assert_no_secret(&raw);

    let node = |selector: &str| element(find_dom(&snapshot.children, &recorder.ids, &page.get(selector))).clone();
    let masked = Some(Value::Masked);
    assert_eq!(node("#pw").form.unwrap().value, masked);
    assert_eq!(attribute(&node("#pw"), "value"), Some(&Value::Masked));
    assert_eq!(attribute(&node("#pw"), "type"), Some(&Value::Plain("password".into())));
    assert_eq!(node("#masked-input").form.unwrap().value, masked);
    assert_eq!(attribute(&node("#masked-input"), "placeholder"), Some(&Value::Masked));
    assert_eq!(node("#hidden").form.unwrap().value, masked);

    let div = node("#masked-div");
    assert_eq!(attribute(&div, "title"), Some(&Value::Masked));
    assert_eq!(attribute(&div, "aria-label"), Some(&Value::Masked));
    assert_eq!(attribute(&div, "data-info"), Some(&Value::Masked));
    assert_eq!(attribute(&div, "data-cobrowse-x"), Some(&Value::Plain("kept".into())));
    assert_eq!(attribute(&div, "class"), Some(&Value::Plain("note cobrowse-mask".into())));
    assert!(texts(&div.children).iter().all(Option::is_none), "every text under the div is masked");
    assert!(!texts(&div.children).is_empty());
    assert!(div.children.iter().any(|child| child.kind == NodeKind::Comment(String::new())));
    assert_eq!(attribute(&node("#masked-div img"), "alt"), Some(&Value::Masked));
    assert_eq!(attribute(&node("#masked-div img"), "src"), Some(&Value::Plain("x.png".into())));
    assert_eq!(node("#masked-select").form.unwrap().value, masked);
    assert_eq!(attribute(&node("#masked-select option"), "value"), Some(&Value::Masked));
    assert_eq!(node("#masked-area").form.unwrap().value, masked);

    let visible = node("#visible");
    assert_eq!(attribute(&visible, "title"), Some(&Value::Plain("public title".into())));
    assert_eq!(texts(&visible.children), [Some("public text".to_string())]);
}

/// A recorder on the page with a snapshot taken, and the encoder/decoder pair of one connection.
struct Recording {
    recorder: Recorder,
    encoder: Encoder,
    decoder: Decoder,
}

impl Recording {
    fn start() -> Self {
        let mut recorder = Recorder::default();
        observe(&mut recorder);
        let mut encoder = Encoder::new();
        let mut decoder = Decoder::default();
        decoder.inflate(&encoder.snapshot(&take_snapshot(&mut recorder))).unwrap();
        Self { recorder, encoder, decoder }
    }

    /// The delta for the records queued so far, checked to carry no secret once encoded.
    fn delta(&mut self) -> Delta {
        let Batch::Delta(delta) = record::batch(&self.recorder.take_records(), &mut self.recorder) else {
            panic!("expected a delta")
        };
        self.check(&delta);
        delta
    }

    fn check(&mut self, delta: &Delta) {
        let (_, raw) = self.decoder.inflate(&self.encoder.delta(delta)).unwrap();
        assert_no_secret(&raw);
    }
}

#[wasm_bindgen_test]
fn deltas_carry_no_masked_value() {
    let page = Fixture::new(PAGE);
    let mut recording = Recording::start();
    let masked_div: Element = page.get("#masked-div");
    let masked_div_id = recording.recorder.ids.get(&masked_div).unwrap();

    // A new subtree inside the masked div, with secrets in text and attributes.
    let added = document().create_element("p").unwrap();
    added.set_attribute("title", "TITLE-1e4f02").unwrap();
    added.set_inner_html("<em>MASKCLASS-d41d8c</em>");
    masked_div.append_child(&added).unwrap();
    // Attribute and text changes on masked nodes.
    masked_div.set_attribute("aria-label", "ARIA-9a8b7c").unwrap();
    masked_div.set_attribute("data-info", "DATA-3c2d1e").unwrap();
    let text = masked_div.first_child().unwrap();
    text.set_node_value(Some("MASKCLASS-d41d8c again"));
    page.get::<Element>("#pw").set_attribute("value", "PWD-7f3a91").unwrap();

    let delta = recording.delta();
    let children = children_of(&delta.events, masked_div_id).expect("children event for the masked div");
    let Some(Child::New(new_node)) = children.last() else { panic!("the new paragraph is new: {children:?}") };
    assert_eq!(attribute(element(new_node), "title"), Some(&Value::Masked));
    assert_eq!(texts(std::slice::from_ref(new_node)), [None]);
    let text_id = recording.recorder.ids.get(&text).unwrap();
    assert!(delta.events.contains(&Event::Text { node: text_id, text: Value::Masked }));
    let attribute_event = |name: &str| {
        delta.events.iter().find_map(|event| match event {
            Event::Attribute { name: n, value, .. } if n == name => Some(value.clone()),
            _ => None,
        })
    };
    assert_eq!(attribute_event("aria-label"), Some(Some(Value::Masked)));
    assert_eq!(attribute_event("data-info"), Some(Some(Value::Masked)));
    assert_eq!(attribute_event("value"), Some(Some(Value::Masked)));
}

#[wasm_bindgen_test]
fn form_events_on_masked_fields_say_masked() {
    let page = Fixture::new(PAGE);
    let mut recording = Recording::start();
    type_secrets(&page);
    let document = document();
    for selector in ["#pw", "#masked-input", "#masked-area"] {
        let target: Element = page.get(selector);
        let events = form_events(&target, &document, &recording.recorder);
        let id = recording.recorder.ids.get(&target).unwrap();
        assert_eq!(
            events,
            [Event::Form { node: id, state: FormState { value: Some(Value::Masked), ..Default::default() } }]
        );
        recording.check(&Delta { events });
    }
    let select: HtmlSelectElement = page.get("#masked-select");
    let events = form_events(&select, &document, &recording.recorder);
    assert!(matches!(&events[0], Event::Form { state: FormState { value: Some(Value::Masked), .. }, .. }));
    assert_eq!(events.len(), 2, "the select and its option");
    recording.check(&Delta { events });
}

#[wasm_bindgen_test]
fn masking_follows_the_type_and_class_of_elements() {
    let page = Fixture::new(r#"<input id="field" value="x"><p id="para">PARA-TEXT</p>"#);
    let mut recording = Recording::start();
    let field: HtmlInputElement = page.get("#field");
    let para: Element = page.get("#para");
    let parent_id = recording.recorder.ids.get(&page.root).unwrap();

    // A text field that becomes a password field is masked from then on, in a rebuilt node.
    field.set_type("password");
    field.set_value("PWD-7f3a91");
    para.class_list().add_1("cobrowse-mask").unwrap();
    let delta = recording.delta();
    let children = children_of(&delta.events, parent_id).expect("the parent lists rebuilt nodes");
    let rebuilt: Vec<_> = children
        .iter()
        .filter_map(|child| match child {
            Child::New(node) => Some(node.clone()),
            Child::Existing(_) => None,
        })
        .collect();
    assert_eq!(rebuilt.len(), 2, "{children:?}");
    assert_eq!(element(&rebuilt[0]).form.as_ref().unwrap().value, Some(Value::Masked));
    assert_eq!(texts(&rebuilt[1..]), [None]);
    assert_eq!(recording.recorder.ids.get(&field), Some(rebuilt[0].id));

    // Showing the password (type=text) keeps it masked: its value is still the password.
    field.set_type("text");
    recording.delta();
    let events = form_events(&field, &document(), &recording.recorder);
    assert!(matches!(&events[..], [Event::Form { state: FormState { value: Some(Value::Masked), .. }, .. }]));
    recording.check(&Delta { events });
}

#[wasm_bindgen_test]
fn a_node_moved_into_or_out_of_a_masked_subtree_is_sent_again_with_its_new_masking() {
    let page = Fixture::new(
        r#"<h2 id="heading" title="Heading title">Plain heading <span class="cobrowse-mask">MASKCLASS-d41d8c</span></h2>
        <p id="loose">Loose text</p>
        <div id="vault" data-cobrowse-mask><p>TITLE-1e4f02</p></div>"#,
    );
    let mut recording = Recording::start();
    let (heading, vault): (Element, Element) = (page.get("#heading"), page.get("#vault"));
    let loose_text = page.get::<Element>("#loose").first_child().unwrap();
    let (root_id, vault_id) =
        (recording.recorder.ids.get(&page.root).unwrap(), recording.recorder.ids.get(&vault).unwrap());
    let (heading_id, text_id) =
        (recording.recorder.ids.get(&heading).unwrap(), recording.recorder.ids.get(&loose_text).unwrap());

    // Into the masked div: the heading and a bare text node are sent again, masked, under new ids.
    vault.append_child(&heading).unwrap();
    vault.append_child(&loose_text).unwrap();
    let delta = recording.delta();
    let sent = format!("{delta:?}");
    assert!(
        !sent.contains("Plain heading") && !sent.contains("Heading title") && !sent.contains("Loose text"),
        "{sent}"
    );
    let children = children_of(&delta.events, vault_id).unwrap();
    let [Child::Existing(_), Child::New(masked_heading), Child::New(masked_text)] = &children[..] else {
        panic!("the vault's paragraph stays, the moved nodes are new: {children:?}")
    };
    assert!(masked_heading.id > heading_id && masked_text.id > text_id, "fresh ids");
    assert_eq!(recording.recorder.ids.get(&heading), Some(masked_heading.id));
    assert_eq!(texts(std::slice::from_ref(masked_heading)), [None, None]);
    assert_eq!(attribute(element(masked_heading), "title"), Some(&Value::Masked));
    assert_eq!(masked_text.kind, NodeKind::Text(Value::Masked));

    // Back out: sent again in plain, but the span that masks itself stays masked.
    page.root.append_child(&heading).unwrap();
    let delta = recording.delta();
    let children = children_of(&delta.events, root_id).unwrap();
    let Some(Child::New(plain_heading)) = children.last() else { panic!("the heading is new: {children:?}") };
    assert!(!children.contains(&Child::Existing(masked_heading.id)));
    assert_eq!(recording.recorder.ids.get(&heading), Some(plain_heading.id));
    assert_eq!(texts(std::slice::from_ref(plain_heading)), [Some("Plain heading ".to_string()), None]);
    assert_eq!(attribute(element(plain_heading), "title"), Some(&Value::Plain("Heading title".into())));
}

#[wasm_bindgen_test]
fn a_node_whose_masking_a_move_does_not_change_stays_existing() {
    let page = Fixture::new(
        r#"<div id="plain-a"><p id="para">text</p><input id="pw" type="password" value="PWD-7f3a91"></div>
        <div id="plain-b"></div>
        <div id="vault-a" data-cobrowse-mask><p id="secret">MASKATTR-55c2e0</p></div>
        <div id="vault-b" class="cobrowse-mask"><div id="self-masked" data-cobrowse-mask>MASKCLASS-d41d8c</div></div>"#,
    );
    let mut recording = Recording::start();
    let moves = [
        ("#para", "#plain-b"),        // plain to plain
        ("#pw", "#vault-a"),          // a password input: masked in both places
        ("#secret", "#vault-b"),      // masked to masked
        ("#self-masked", "#plain-a"), // masks itself wherever it is
    ];
    let known: Vec<u32> =
        moves.iter().map(|(node, _)| recording.recorder.ids.get(&page.get::<Element>(node)).unwrap()).collect();
    for (node, parent) in moves {
        page.get::<Element>(parent).append_child(&page.get::<Element>(node)).unwrap();
    }
    let delta = recording.delta();
    for ((_, parent), id) in moves.iter().zip(known) {
        let parent_id = recording.recorder.ids.get(&page.get::<Element>(parent)).unwrap();
        assert_eq!(children_of(&delta.events, parent_id).unwrap().last(), Some(&Child::Existing(id)), "{parent}");
    }
}
