//! The recorder: DOM changes become the right events, and the forget rule keeps ids in step with the mirror.

mod common;

use cobrowse_protocol::{Child, Event, MaskingRules, NodeKind, Value};
use cobrowse_visitor::recorder::Recorder;
use cobrowse_visitor::tree::record::{self, Batch};
use common::*;
use wasm_bindgen_test::*;
use web_sys::{Element, Node};

wasm_bindgen_test_configure!(run_in_browser);

/// A recorder with a snapshot taken: ids as the mirror has them.
struct Recording {
    recorder: Recorder,
}

impl Recording {
    fn start() -> Self {
        let mut recorder = Recorder::default();
        observe(&mut recorder);
        take_snapshot(&mut recorder);
        Self { recorder }
    }

    fn events(&mut self) -> Vec<Event> {
        match record::batch(&self.recorder.take_records(), &mut self.recorder) {
            Batch::Delta(delta) => delta.events,
            Batch::Snapshot => panic!("expected a delta"),
        }
    }

    fn id(&self, node: &Node) -> u32 {
        self.recorder.ids.get(node).expect("node has an id")
    }
}

fn children_events(events: &[Event]) -> usize {
    events.iter().filter(|event| matches!(event, Event::Children { .. })).count()
}

#[wasm_bindgen_test]
fn append_remove_and_move_list_the_current_children() {
    let page = Fixture::new(r#"<ul id="a"><li id="one">1</li><li id="two">2</li></ul><ul id="b"></ul>"#);
    let mut recording = Recording::start();
    let (a, b): (Element, Element) = (page.get("#a"), page.get("#b"));
    let (one, two): (Element, Element) = (page.get("#one"), page.get("#two"));
    let (a_id, b_id, one_id, two_id) = (recording.id(&a), recording.id(&b), recording.id(&one), recording.id(&two));

    let three = document().create_element("li").unwrap();
    three.set_text_content(Some("3"));
    a.append_child(&three).unwrap(); // append
    b.append_child(&one).unwrap(); // move
    two.remove(); // remove
    let events = recording.events();

    let a_children = children_of(&events, a_id).expect("a's children changed");
    let [Child::New(new_three)] = &a_children[..] else { panic!("a has only the new li: {a_children:?}") };
    assert_eq!(element(new_three).tag, "li");
    assert_eq!(texts(std::slice::from_ref(new_three)), [Some("3".to_string())]);
    assert_eq!(recording.recorder.ids.get(&three), Some(new_three.id));
    assert_eq!(children_of(&events, b_id), Some(&vec![Child::Existing(one_id)]));
    assert_eq!(children_events(&events), 2);
    // The forget rule: the removed li and its text lose their ids; the moved one keeps its id.
    assert_eq!(recording.recorder.ids.get(&two), None);
    assert_eq!(recording.recorder.ids.get(&two.first_child().unwrap()), None);
    assert_eq!(recording.recorder.ids.get(&one), Some(one_id));
    assert!(new_three.id > two_id);

    // A removed node that comes back is new, with new ids.
    a.append_child(&two).unwrap();
    let events = recording.events();
    let a_children = children_of(&events, a_id).unwrap();
    assert!(matches!(&a_children[..], [Child::Existing(id), Child::New(_)] if *id == new_three.id));
    assert_ne!(recording.recorder.ids.get(&two), Some(two_id));
}

#[wasm_bindgen_test]
fn attributes_and_text_changes() {
    let page = Fixture::new(r#"<p id="p" title="old">hello</p>"#);
    let mut recording = Recording::start();
    let p: Element = page.get("#p");
    let text = p.first_child().unwrap();
    let (p_id, text_id) = (recording.id(&p), recording.id(&text));

    p.set_attribute("title", "first").unwrap();
    p.set_attribute("title", "second").unwrap();
    p.set_attribute("data-state", "open").unwrap();
    p.remove_attribute("id").unwrap();
    text.set_node_value(Some("hello again"));
    text.set_node_value(Some("hello, world"));
    let events = recording.events();
    assert_eq!(
        events,
        [
            Event::Attribute { node: p_id, name: "title".into(), value: Some(Value::Plain("second".into())) },
            Event::Attribute { node: p_id, name: "data-state".into(), value: Some(Value::Plain("open".into())) },
            Event::Attribute { node: p_id, name: "id".into(), value: None },
            Event::Text { node: text_id, text: Value::Plain("hello, world".into()) },
        ]
    );
    assert_eq!(recording.events(), [], "records were taken");
}

#[wasm_bindgen_test]
fn records_of_every_type_interleaved_in_one_batch_each_make_their_event() {
    let page = Fixture::new(r#"<ul id="list"><li id="one">one</li></ul>"#);
    let mut recording = Recording::start();
    let (list, one): (Element, Element) = (page.get("#list"), page.get("#one"));
    let text = one.first_child().unwrap();
    let (list_id, one_id, text_id) = (recording.id(&list), recording.id(&one), recording.id(&text));

    text.set_node_value(Some("first"));
    let two = document().create_element("li").unwrap();
    list.append_child(&two).unwrap();
    one.set_attribute("class", "done").unwrap();
    text.set_node_value(Some("first!"));
    list.set_attribute("class", "todo").unwrap();
    one.set_attribute("class", "done again").unwrap();
    let events = recording.events();

    let children = children_of(&events, list_id).expect("the list's children changed");
    assert!(matches!(&children[..], [Child::Existing(id), Child::New(_)] if *id == one_id), "{children:?}");
    let attributes: Vec<&Event> = events.iter().filter(|event| matches!(event, Event::Attribute { .. })).collect();
    assert_eq!(
        attributes,
        [
            &Event::Attribute { node: one_id, name: "class".into(), value: Some(Value::Plain("done again".into())) },
            &Event::Attribute { node: list_id, name: "class".into(), value: Some(Value::Plain("todo".into())) },
        ]
    );
    let texts: Vec<&Event> = events.iter().filter(|event| matches!(event, Event::Text { .. })).collect();
    assert_eq!(texts, [&Event::Text { node: text_id, text: Value::Plain("first!".into()) }]);
    assert_eq!(events.len(), 4, "{events:?}");
}

#[wasm_bindgen_test]
fn a_storm_of_attribute_changes_makes_one_event_per_element_and_attribute() {
    let page =
        Fixture::new(r#"<div id="a"></div><div id="b"></div><svg id="icon"><a id="link" href="/plain"></a></svg>"#);
    let mut recording = Recording::start();
    let (a, b, link): (Element, Element, Element) = (page.get("#a"), page.get("#b"), page.get("#link"));
    let (a_id, b_id, link_id) = (recording.id(&a), recording.id(&b), recording.id(&link));

    for step in 0..3 {
        for element in [&a, &b] {
            element.set_attribute("data-step", &step.to_string()).unwrap();
            element.set_attribute("class", &format!("step-{step}")).unwrap();
        }
        // The same local name in another namespace is another attribute.
        let xlink = Some("http://www.w3.org/1999/xlink");
        link.set_attribute_ns(xlink, "xlink:href", &format!("/linked-{step}")).unwrap();
        link.set_attribute("href", &format!("/plain-{step}")).unwrap();
    }
    let events = recording.events();
    let plain = |value: &str| Some(Value::Plain(value.into()));
    assert_eq!(
        events,
        [
            Event::Attribute { node: a_id, name: "data-step".into(), value: plain("2") },
            Event::Attribute { node: a_id, name: "class".into(), value: plain("step-2") },
            Event::Attribute { node: b_id, name: "data-step".into(), value: plain("2") },
            Event::Attribute { node: b_id, name: "class".into(), value: plain("step-2") },
            Event::Attribute { node: link_id, name: "xlink:href".into(), value: plain("/linked-2") },
            Event::Attribute { node: link_id, name: "href".into(), value: plain("/plain-2") },
        ]
    );
}

#[wasm_bindgen_test]
fn an_attribute_in_a_namespace_named_null_is_not_taken_for_one_in_none() {
    let page = Fixture::new(r#"<div id="a"></div>"#);
    let mut recording = Recording::start();
    let a: Element = page.get("#a");
    let a_id = recording.id(&a);

    a.set_attribute("title", "plain").unwrap();
    a.set_attribute_ns(Some("null"), "n:title", "namespaced").unwrap();
    let plain = |value: &str| Some(Value::Plain(value.into()));
    assert_eq!(
        recording.events(),
        [
            Event::Attribute { node: a_id, name: "title".into(), value: plain("plain") },
            Event::Attribute { node: a_id, name: "n:title".into(), value: plain("namespaced") },
        ]
    );
}

#[wasm_bindgen_test]
fn a_node_new_in_this_batch_gets_no_events_of_its_own() {
    let page = Fixture::new(r#"<div id="host"></div>"#);
    let mut recording = Recording::start();
    let host: Element = page.get("#host");
    let host_id = recording.id(&host);

    let card = document().create_element("div").unwrap();
    host.append_child(&card).unwrap();
    // Changes inside the new node after it was added: its serialization already shows them.
    let title = document().create_element("h2").unwrap();
    title.set_text_content(Some("Card"));
    card.append_child(&title).unwrap();
    card.set_attribute("class", "card").unwrap();
    title.first_child().unwrap().set_node_value(Some("Card title"));
    let events = recording.events();

    assert_eq!(events.len(), 1, "only the host's children: {events:?}");
    let [Child::New(card_node)] = &children_of(&events, host_id).unwrap()[..] else { panic!() };
    assert_eq!(attribute(element(card_node), "class"), Some(&Value::Plain("card".into())));
    assert_eq!(texts(std::slice::from_ref(card_node)), [Some("Card title".to_string())]);
}

#[wasm_bindgen_test]
fn a_known_node_moved_into_a_new_one_is_rebuilt_with_a_new_id() {
    let page = Fixture::new(r#"<p id="moved">text</p><div id="target"></div>"#);
    let mut recording = Recording::start();
    let moved: Element = page.get("#moved");
    let old_id = recording.id(&moved);
    let wrapper = document().create_element("section").unwrap();
    wrapper.append_child(&moved).unwrap();
    page.get::<Element>("#target").append_child(&wrapper).unwrap();
    let events = recording.events();

    let root_children = children_of(&events, recording.id(&page.root)).unwrap();
    assert!(!root_children.contains(&Child::Existing(old_id)));
    let target_children = children_of(&events, recording.id(&page.get::<Node>("#target"))).unwrap();
    let [Child::New(section)] = &target_children[..] else { panic!("{target_children:?}") };
    let rebuilt = &element(section).children[0];
    assert_ne!(rebuilt.id, old_id);
    assert_eq!(recording.recorder.ids.get(&moved), Some(rebuilt.id));
}

/// A node serialized again in the batch (moved into a new element) has a new id by the time the attribute
/// and text events are made: its changes are in its new serialization, and no event may name its old id,
/// which the mirror drops. (Its id as the records first named it would be the old one.)
#[wasm_bindgen_test]
fn changes_to_a_node_serialized_again_in_the_batch_name_no_old_id() {
    let page = Fixture::new(r#"<p id="moved" class="a">text</p><div id="target"></div><i id="still">x</i>"#);
    let mut recording = Recording::start();
    let moved: Element = page.get("#moved");
    let (moved_id, text_id) = (recording.id(&moved), recording.id(&moved.first_child().unwrap()));
    let still: Element = page.get("#still");
    let still_id = recording.id(&still);
    moved.set_attribute("class", "b").unwrap();
    moved.first_child().unwrap().set_node_value(Some("changed"));
    let wrapper = document().create_element("section").unwrap();
    wrapper.append_child(&moved).unwrap();
    page.get::<Element>("#target").append_child(&wrapper).unwrap();
    still.set_attribute("title", "kept").unwrap();
    let events = recording.events();

    let named_old = |event: &Event| match event {
        Event::Attribute { node, .. } | Event::Text { node, .. } => *node == moved_id || *node == text_id,
        _ => false,
    };
    assert!(!events.iter().any(named_old), "an event names a node the mirror dropped: {events:?}");
    let target_children = children_of(&events, recording.id(&page.get::<Node>("#target"))).unwrap();
    let [Child::New(section)] = &target_children[..] else { panic!("{target_children:?}") };
    let rebuilt = element(&element(section).children[0]);
    let class = cobrowse_protocol::Attribute { name: "class".into(), value: Value::Plain("b".into()) };
    assert!(rebuilt.attributes.contains(&class), "{:?}", rebuilt.attributes);
    assert_eq!(texts(&rebuilt.children), [Some("changed".to_string())]);
    // A node untouched by the rebuild still gets its event, under its id.
    let title = Event::Attribute { node: still_id, name: "title".into(), value: Some(Value::Plain("kept".into())) };
    assert!(events.contains(&title), "{events:?}");
}

#[wasm_bindgen_test]
fn a_comment_s_text_change_makes_no_event() {
    let page = Fixture::new("<div id=\"host\"><!--before--><b>bold</b></div>");
    let mut recording = Recording::start();
    let host: Element = page.get("#host");
    host.first_child().unwrap().set_node_value(Some("after"));
    host.last_child().unwrap().first_child().unwrap().set_node_value(Some("bolder"));
    let events = recording.events();
    let bold_text = recording.id(&host.last_child().unwrap().first_child().unwrap());
    assert_eq!(events, [Event::Text { node: bold_text, text: Value::Plain("bolder".into()) }]);
}

#[wasm_bindgen_test]
fn each_text_change_is_masked_as_the_page_is_now() {
    let page = Fixture::new(
        r#"<h2 id="title">Title</h2><p id="p">PLAIN-1</p>
        <textarea id="area" autocomplete="cc-number">CARD-1</textarea><b id="b">B-1</b>"#,
    );
    // A site rule that a sibling decides: the text's own parent never changes.
    let rules = MaskingRules { mask_selectors: vec!["h2.secret + p".into()], ..Default::default() };
    let mut recording = Recording { recorder: recorder_with(rules) };
    observe(&mut recording.recorder);
    take_snapshot(&mut recording.recorder);
    let text_of = |selector: &str| page.get::<Element>(selector).first_child().unwrap();
    let (p_text, area_text, b_text) = (text_of("#p"), text_of("#area"), text_of("#b"));
    let (p_id, area_id, b_id) = (recording.id(&p_text), recording.id(&area_text), recording.id(&b_text));

    p_text.set_node_value(Some("PLAIN-2"));
    area_text.set_node_value(Some("CARD-2")); // a card field's text: the wasm decides it, masked
    b_text.set_node_value(Some("B-2"));
    b_text.set_node_value(Some("B-3")); // twice in one batch: one event, the current text
    let fresh = document().create_text_node("NEW-1");
    page.get::<Element>("#b").append_child(&fresh).unwrap();
    fresh.set_node_value(Some("NEW-2")); // new in this batch: sent whole in its parent's list
    let events = recording.events();
    let texts: Vec<&Event> = events.iter().filter(|event| matches!(event, Event::Text { .. })).collect();
    assert_eq!(
        texts,
        [
            &Event::Text { node: p_id, text: Value::Plain("PLAIN-2".into()) },
            &Event::Text { node: area_id, text: Value::Masked },
            &Event::Text { node: b_id, text: Value::Plain("B-3".into()) },
        ]
    );
    assert!(format!("{events:?}").contains("NEW-2"), "{events:?}");

    page.get::<Element>("#title").set_attribute("class", "secret").unwrap();
    p_text.set_node_value(Some("PLAIN-3"));
    let events = recording.events();
    assert!(events.contains(&Event::Text { node: p_id, text: Value::Masked }), "{events:?}");
    assert!(!format!("{events:?}").contains("PLAIN-3"), "{events:?}");
}

/// While every mask selector decides on the element's own markup, a changed text or attribute keeps the
/// masking its node was sent with (nothing is matched again), and a change that alters a masking rebuilds
/// the element first, in the same batch: nothing masked is sent in clear either way.
#[wasm_bindgen_test]
fn a_change_keeps_the_masking_it_was_sent_with_while_the_selectors_decide_on_own_markup() {
    let page = Fixture::new(
        r#"<div id="outer"><p id="marked" class="cobrowse-mask" title="M-T1">M-1</p>
        <p id="card">C-1</p><p id="plain" title="P-T1">P-1</p></div>"#,
    );
    let rules = MaskingRules { mask_selectors: vec!["p.card , [data-secret]".into()], ..Default::default() };
    let mut recording = Recording { recorder: recorder_with(rules) };
    assert!(recording.recorder.mask.sent_masking_holds());
    observe(&mut recording.recorder);
    take_snapshot(&mut recording.recorder);
    let (marked, card, plain): (Element, Element, Element) =
        (page.get("#marked"), page.get("#card"), page.get("#plain"));
    let text_of = |element: &Element| element.first_child().unwrap();
    let (marked_text, plain_text) = (text_of(&marked), text_of(&plain));
    let (marked_id, marked_text_id) = (recording.id(&marked), recording.id(&marked_text));
    let (plain_id, plain_text_id) = (recording.id(&plain), recording.id(&plain_text));

    marked_text.set_node_value(Some("M-2"));
    marked.set_attribute("title", "M-T2").unwrap();
    plain_text.set_node_value(Some("P-2"));
    plain.set_attribute("title", "P-T2").unwrap();
    let events = recording.events();
    for event in [
        Event::Text { node: marked_text_id, text: Value::Masked },
        Event::Attribute { node: marked_id, name: "title".into(), value: Some(Value::Masked) },
        Event::Text { node: plain_text_id, text: Value::Plain("P-2".into()) },
        Event::Attribute { node: plain_id, name: "title".into(), value: Some(Value::Plain("P-T2".into())) },
    ] {
        assert!(events.contains(&event), "{event:?} missing from {events:?}");
    }
    assert!(!format!("{events:?}").contains("M-"), "{events:?}");

    // The site's selector matches now, and the text changes in the same batch: rebuilt, masked.
    card.set_attribute("class", "card").unwrap();
    text_of(&card).set_node_value(Some("C-2"));
    // A marker on an ancestor, with changes beneath it in the same batch.
    page.get::<Element>("#outer").set_attribute("data-cobrowse-mask", "").unwrap();
    plain_text.set_node_value(Some("P-3"));
    plain.set_attribute("title", "P-T3").unwrap();
    let events = format!("{:?}", recording.events());
    for secret in ["C-2", "P-3", "P-T3"] {
        assert!(!events.contains(secret), "{secret} leaked: {events}");
    }
}

/// The texts of a batch cross in one string, each ended by a NUL: an empty one keeps its place, and one
/// that holds a NUL itself makes them all be read one by one.
#[wasm_bindgen_test]
fn a_batch_s_texts_each_keep_their_own_value_empty_or_holding_a_nul() {
    let page = Fixture::new(r#"<p id="a">A</p><p id="b">B</p><p id="c">C</p>"#);
    let mut recording = Recording::start();
    let texts = ["#a", "#b", "#c"].map(|selector| page.get::<Element>(selector).first_child().unwrap());
    let ids = texts.each_ref().map(|text| recording.id(text));
    let text_events = |events: Vec<Event>| -> Vec<Event> {
        events.into_iter().filter(|event| matches!(event, Event::Text { .. })).collect()
    };
    for values in [["A-2", "", "C-2"], ["A\0NUL", "B-3", ""]] {
        for (text, value) in texts.iter().zip(values) {
            text.set_node_value(Some(value));
        }
        let expected: Vec<Event> = ids
            .iter()
            .zip(values)
            .map(|(&node, value)| Event::Text { node, text: Value::Plain(value.into()) })
            .collect();
        assert_eq!(text_events(recording.events()), expected);
    }
}

#[wasm_bindgen_test]
fn each_attribute_change_is_masked_as_the_page_is_now() {
    let page = Fixture::new(
        r#"<h2 id="title">Title</h2><div id="box"><p id="p" title="PLAIN-1">p</p></div>
        <input id="card" autocomplete="cc-number" data-hint="CARD-1"><b id="b" class="x" title="B-T">b</b>"#,
    );
    // A site rule that a sibling of an ancestor decides: neither the element nor its parent changes.
    let rules = MaskingRules { mask_selectors: vec!["h2.secret + div".into()], ..Default::default() };
    let mut recording = Recording { recorder: recorder_with(rules) };
    observe(&mut recording.recorder);
    take_snapshot(&mut recording.recorder);
    let (p, card, b): (Element, Element, Element) = (page.get("#p"), page.get("#card"), page.get("#b"));
    let (p_id, card_id, b_id) = (recording.id(&p), recording.id(&card), recording.id(&b));
    let plain = |value: &str| Some(Value::Plain(value.into()));

    p.set_attribute("title", "PLAIN-2").unwrap();
    card.set_attribute("data-hint", "CARD-2").unwrap(); // a card field: the wasm decides it, masked
    b.set_attribute("class", "y").unwrap(); // no content: no masking asked
    b.remove_attribute("title").unwrap(); // removed: an event with no value
    assert_eq!(
        recording.events(),
        [
            Event::Attribute { node: p_id, name: "title".into(), value: plain("PLAIN-2") },
            Event::Attribute { node: card_id, name: "data-hint".into(), value: Some(Value::Masked) },
            Event::Attribute { node: b_id, name: "class".into(), value: plain("y") },
            Event::Attribute { node: b_id, name: "title".into(), value: None },
        ]
    );

    page.get::<Element>("#title").set_attribute("class", "secret").unwrap();
    let events = recording.events();
    assert!(!events.iter().any(|event| matches!(event, Event::Children { .. })), "nothing rebuilt: {events:?}");
    p.set_attribute("title", "PLAIN-3").unwrap();
    p.set_attribute("class", "CLASS-3").unwrap();
    let events = recording.events();
    assert_eq!(
        events,
        [
            Event::Attribute { node: p_id, name: "title".into(), value: Some(Value::Masked) },
            Event::Attribute { node: p_id, name: "class".into(), value: plain("CLASS-3") },
        ]
    );
}

/// The values of a batch's changed attributes cross in one string, each ended by a NUL: an empty one keeps
/// its place, an attribute never sent takes none, and a value holding a NUL makes them be read one by one.
#[wasm_bindgen_test]
fn a_batch_s_attribute_values_each_keep_their_own_empty_or_holding_a_nul() {
    let page = Fixture::new(r#"<p id="a" title="A">a</p><p id="b">b</p>"#);
    let mut recording = Recording::start();
    let (a, b): (Element, Element) = (page.get("#a"), page.get("#b"));
    let (a_id, b_id) = (recording.id(&a), recording.id(&b));
    for [title, data, class] in [["A-2", "", "C-2"], ["A\0NUL", "B-3", ""]] {
        a.set_attribute("title", title).unwrap();
        a.set_attribute("onclick", "steal()").unwrap(); // never sent: no event, no value read
        b.set_attribute("data-x", data).unwrap();
        b.set_attribute("class", class).unwrap();
        let plain = |value: &str| Some(Value::Plain(value.into()));
        assert_eq!(
            recording.events(),
            [
                Event::Attribute { node: a_id, name: "title".into(), value: plain(title) },
                Event::Attribute { node: b_id, name: "data-x".into(), value: plain(data) },
                Event::Attribute { node: b_id, name: "class".into(), value: plain(class) },
            ]
        );
    }
}

#[wasm_bindgen_test]
fn an_attribute_change_that_changes_the_masking_rebuilds_the_element() {
    let page = Fixture::new(r#"<div id="box"><p id="p" title="T-1">p</p><input id="field" value="V-1"></div>"#);
    let mut recording = Recording::start();
    let (boxed, p, field): (Element, Element, Element) = (page.get("#box"), page.get("#p"), page.get("#field"));
    let (box_id, p_id, field_id) = (recording.id(&boxed), recording.id(&p), recording.id(&field));

    p.set_attribute("class", "cobrowse-mask").unwrap(); // flagged: masked by a marker
    field.set_attribute("type", "password").unwrap(); // a form field: a secret one now
    let events = recording.events();
    let children = children_of(&events, box_id).expect("the box lists both again");
    assert!(matches!(&children[..], [Child::New(_), Child::New(_)]), "{children:?}");
    assert!(!events.iter().any(|event| matches!(event, Event::Attribute { .. })), "{events:?}");
    assert_ne!(recording.recorder.ids.get(&p), Some(p_id));
    assert_ne!(recording.recorder.ids.get(&field), Some(field_id));
    assert!(!format!("{events:?}").contains("T-1"), "{events:?}");

    // Masked by its parent's marker now: a change inside no longer changes its masking.
    let new_p_id = recording.id(&p);
    p.set_attribute("class", "cobrowse-mask still").unwrap();
    p.set_attribute("title", "T-2").unwrap();
    let events = recording.events();
    assert_eq!(
        events,
        [
            Event::Attribute {
                node: new_p_id,
                name: "class".into(),
                value: Some(Value::Plain("cobrowse-mask still".into()))
            },
            Event::Attribute { node: new_p_id, name: "title".into(), value: Some(Value::Masked) },
        ]
    );
}

#[wasm_bindgen_test]
fn a_text_whose_page_hides_its_parent_does_not_stop_the_batch() {
    let page = Fixture::new(r#"<p id="hidden">H-1</p><p id="plain">P-1</p>"#);
    let mut recording = Recording::start();
    let (hidden, plain) =
        (page.get::<Element>("#hidden").first_child().unwrap(), page.get::<Element>("#plain").first_child().unwrap());
    let plain_id = recording.id(&plain);
    // A page's own getter on the node, as a hijacking script may set one: a connected text with no parent.
    let getter = js_sys::Function::new_no_args("return null");
    let descriptor = js_sys::Object::new();
    js_sys::Reflect::set(&descriptor, &"get".into(), &getter).unwrap();
    js_sys::Object::define_property(&hidden, &"parentNode".into(), &descriptor);
    hidden.set_node_value(Some("H-2"));
    plain.set_node_value(Some("P-2"));
    let events = recording.events();
    assert!(events.contains(&Event::Text { node: plain_id, text: Value::Plain("P-2".into()) }), "{events:?}");
}

#[wasm_bindgen_test]
fn removed_subtrees_are_forgotten_whole() {
    let page = Fixture::new(r#"<div id="outer"><div id="inner"><span id="leaf">x</span></div></div>"#);
    let mut recording = Recording::start();
    let (outer, inner, leaf): (Element, Element, Element) = (page.get("#outer"), page.get("#inner"), page.get("#leaf"));
    assert!(recording.recorder.ids.get(&leaf).is_some());
    outer.remove();
    let events = recording.events();
    assert_eq!(children_of(&events, recording.id(&page.root)), Some(&vec![]));
    for node in [outer.as_ref() as &Node, inner.as_ref(), leaf.as_ref(), &leaf.first_child().unwrap()] {
        assert_eq!(recording.recorder.ids.get(node), None);
    }
    // Changes to a forgotten node send nothing.
    leaf.set_attribute("title", "ghost").unwrap();
    assert_eq!(recording.events(), []);
}

#[wasm_bindgen_test]
fn ignored_elements_stay_out_of_the_events() {
    let page = Fixture::new(r#"<div id="widget" data-cobrowse-ignore><b id="count">0</b></div><p id="p">p</p>"#);
    let mut recording = Recording::start();
    let widget: Element = page.get("#widget");
    // Changes inside the ignored widget: no events.
    page.get::<Element>("#count").set_text_content(Some("1"));
    widget.set_attribute("class", "open").unwrap();
    assert_eq!(recording.events(), []);

    // A sibling change lists the children without the widget.
    let added = document().create_element("i").unwrap();
    page.root.append_child(&added).unwrap();
    let events = recording.events();
    let children = children_of(&events, recording.id(&page.root)).unwrap();
    assert_eq!(children.len(), 2, "{children:?}");
    assert_eq!(children[0], Child::Existing(recording.id(&page.get::<Node>("#p"))));

    // An element that becomes ignored leaves the mirror; one that stops being ignored enters it.
    let p: Element = page.get("#p");
    p.set_attribute("data-cobrowse-ignore", "").unwrap();
    widget.remove_attribute("data-cobrowse-ignore").unwrap();
    let events = recording.events();
    let children = children_of(&events, recording.id(&page.root)).unwrap();
    assert!(
        matches!(&children[..], [Child::New(node), Child::Existing(_)] if texts(std::slice::from_ref(node)) == [Some("1".to_string())]),
        "{children:?}"
    );
    assert_eq!(recording.recorder.ids.get(&p), None);
}

#[wasm_bindgen_test]
fn script_text_changes_are_not_recorded() {
    let page = Fixture::new("");
    let script = document().create_element("script").unwrap();
    script.set_attribute("type", "text/plain").unwrap();
    page.root.append_child(&script).unwrap();
    let mut recording = Recording::start();
    script.set_text_content(Some("SCRIPT_CODE()"));
    let events = recording.events();
    assert_eq!(events, []);
}

#[wasm_bindgen_test]
fn masked_text_changes_are_masked() {
    let page = Fixture::new(r#"<p data-cobrowse-mask>card <b>1234</b></p>"#);
    let mut recording = Recording::start();
    let bold = page.get::<Element>("b").first_child().unwrap();
    bold.set_node_value(Some("5678"));
    let comment = document().create_comment("note 5678");
    page.get::<Element>("p").append_child(&comment).unwrap();
    let events = recording.events();
    assert!(events.contains(&Event::Text { node: recording.id(&bold), text: Value::Masked }));
    let p_id = recording.id(&page.get::<Node>("p"));
    let children = children_of(&events, p_id).unwrap();
    let Some(Child::New(node)) = children.last() else { panic!() };
    assert_eq!(node.kind, NodeKind::Comment(String::new()));
    assert!(!format!("{events:?}").contains("5678"));
}

#[wasm_bindgen_test]
fn a_new_root_element_asks_for_a_snapshot() {
    let page = Fixture::new("");
    let mut recording = Recording::start();
    let comment = document().create_comment("top-level");
    document().append_child(&comment).unwrap();
    let batch = record::batch(&recording.recorder.take_records(), &mut recording.recorder);
    comment.remove();
    let after_removal = record::batch(&recording.recorder.take_records(), &mut recording.recorder);
    assert_eq!(batch, Batch::Snapshot);
    assert_eq!(after_removal, Batch::Snapshot);
    drop(page);
}
