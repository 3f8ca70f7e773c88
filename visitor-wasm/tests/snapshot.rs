//! The snapshot: structure, attributes, form state, ids, and what is left out.

mod common;

use cobrowse_protocol::{FormState, Namespace, NodeKind, Value};
use cobrowse_visitor::recorder::Recorder;
use cobrowse_visitor::tree::mask::Masking;
use cobrowse_visitor::tree::snapshot::new_subtree;
use common::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;
use web_sys::{HtmlInputElement, HtmlOptionElement, HtmlSelectElement, HtmlTextAreaElement};

wasm_bindgen_test_configure!(run_in_browser);

const PAGE: &str = r#"<section id="s" class="box" data-kind="demo">Hello <b>world</b><!-- a note --><svg id="pic" viewBox="0 0 10 10"><circle cx="5" cy="5" r="4"></circle></svg><math id="formula"><mi>x</mi></math><input id="name" value="initial"><input id="agree" type="checkbox"><input id="r1" type="radio" name="r" checked><textarea id="bio">default</textarea><select id="pick"><option value="a">A</option><option value="b">B</option></select></section>"#;

#[wasm_bindgen_test]
fn snapshot_has_elements_text_comments_and_attributes() {
    let page = Fixture::new(PAGE);
    let mut recorder = Recorder::default();
    let snapshot = take_snapshot(&mut recorder);

    let section = element(find_dom(&snapshot.children, &recorder.ids, &page.get("#s")));
    assert_eq!(section.tag, "section");
    assert_eq!(section.namespace, Namespace::Html);
    assert_eq!(attribute(section, "id"), Some(&Value::Plain("s".into())));
    assert_eq!(attribute(section, "class"), Some(&Value::Plain("box".into())));
    assert_eq!(attribute(section, "data-kind"), Some(&Value::Plain("demo".into())));
    assert_eq!(section.form, None);

    let kinds: Vec<String> = section
        .children
        .iter()
        .map(|child| match &child.kind {
            NodeKind::Text(Value::Plain(text)) => format!("text:{text}"),
            NodeKind::Comment(text) => format!("comment:{text}"),
            NodeKind::Element(element) => format!("element:{}", element.tag),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "text:Hello ",
            "element:b",
            "comment:",
            "element:svg",
            "element:math",
            "element:input",
            "element:input",
            "element:input",
            "element:textarea",
            "element:select"
        ]
    );
    assert_eq!(texts(&section.children[1..2]), [Some("world".to_string())]);

    let svg = element(find_dom(&snapshot.children, &recorder.ids, &page.get("#pic")));
    assert_eq!((svg.tag.as_str(), &svg.namespace), ("svg", &Namespace::Svg));
    assert_eq!(attribute(svg, "viewBox"), Some(&Value::Plain("0 0 10 10".into())));
    let circle = element(&svg.children[0]);
    assert_eq!((circle.tag.as_str(), &circle.namespace), ("circle", &Namespace::Svg));
    let math = element(find_dom(&snapshot.children, &recorder.ids, &page.get("#formula")));
    assert_eq!(math.namespace, Namespace::MathMl);
}

#[wasm_bindgen_test]
fn snapshot_reads_live_form_state() {
    let page = Fixture::new(PAGE);
    page.get::<HtmlInputElement>("#name").set_value("typed by the visitor");
    page.get::<HtmlInputElement>("#agree").set_checked(true);
    page.get::<HtmlTextAreaElement>("#bio").set_value("new bio");
    page.get::<HtmlSelectElement>("#pick").set_value("b");
    let mut recorder = Recorder::default();
    let snapshot = take_snapshot(&mut recorder);
    let form = |selector: &str| element(find_dom(&snapshot.children, &recorder.ids, &page.get(selector))).form.clone();

    let plain = |text: &str| Some(Value::Plain(text.into()));
    assert_eq!(form("#name"), Some(FormState { value: plain("typed by the visitor"), checked: None, selected: None }));
    assert_eq!(form("#agree"), Some(FormState { value: plain("on"), checked: Some(true), selected: None }));
    assert_eq!(form("#r1").and_then(|state| state.checked), Some(true));
    assert_eq!(form("#bio").and_then(|state| state.value), plain("new bio"));
    assert_eq!(form("#pick").and_then(|state| state.value), plain("b"));
    assert_eq!(form("option[value=a]").and_then(|state| state.selected), Some(false));
    assert_eq!(form("option[value=b]").and_then(|state| state.selected), Some(true));
    // The value attribute keeps what the page's HTML said.
    let name = element(find_dom(&snapshot.children, &recorder.ids, &page.get("#name")));
    assert_eq!(attribute(name, "value"), Some(&Value::Plain("initial".into())));
    let _: HtmlOptionElement = page.get("option[value=b]");
}

#[wasm_bindgen_test]
fn snapshot_covers_the_document_url_viewport_and_doctype() {
    let document = document();
    let added_doctype = match document.doctype() {
        Some(_) => None,
        None => {
            let doctype =
                document.implementation().unwrap().create_document_type("html", "-//W3C//DTD X//EN", "x.dtd").unwrap();
            document.insert_before(&doctype, document.document_element().as_ref().map(|e| e.as_ref())).unwrap();
            Some(doctype)
        }
    };
    let mut recorder = Recorder::default();
    let snapshot = take_snapshot(&mut recorder);
    assert_eq!(snapshot.url, window().location().href().unwrap());
    assert_eq!(snapshot.viewport.width, window().inner_width().unwrap().as_f64().unwrap() as u32);
    assert_eq!(snapshot.viewport.height, window().inner_height().unwrap().as_f64().unwrap() as u32);
    assert!(snapshot.viewport.width > 0);

    let doctype = document.doctype().unwrap();
    let NodeKind::Doctype { name, public_id, system_id } = &snapshot.children[0].kind else {
        panic!("the first child is not the doctype: {:?}", snapshot.children[0]);
    };
    assert_eq!((name, public_id, system_id), (&doctype.name(), &doctype.public_id(), &doctype.system_id()));
    assert_eq!(recorder.ids.get(&doctype), Some(snapshot.children[0].id));
    let root = element(snapshot.children.last().unwrap());
    assert_eq!(root.tag, "html");
    let body = root.children.iter().find(|child| matches!(&child.kind, NodeKind::Element(e) if e.tag == "body"));
    assert_eq!(body.map(|body| body.id), recorder.ids.get(&document.body().unwrap()));
    if let Some(doctype) = added_doctype {
        doctype.remove();
    }
}

#[wasm_bindgen_test]
fn ids_are_unique_from_one_and_every_snapshot_gives_fresh_ones() {
    let page = Fixture::new(PAGE);
    let mut recorder = Recorder::default();
    let first = take_snapshot(&mut recorder);
    let mut numbers = all_ids(&first.children);
    assert_eq!(numbers.iter().min(), Some(&1));
    let count = numbers.len();
    numbers.sort_unstable();
    numbers.dedup();
    assert_eq!(numbers.len(), count, "ids are unique");

    // A snapshot rebuilds the whole mirror: every node gets a new id, above every id given before, so no
    // id of the mirror's old page is named again.
    let second = take_snapshot(&mut recorder);
    let second_ids = all_ids(&second.children);
    assert_eq!(second_ids.len(), count);
    assert!(second_ids.iter().all(|id| *id > numbers[count - 1]), "fresh ids: {second_ids:?}");
    let section = page.get::<web_sys::Node>("#s");
    let section_id = find_dom(&second.children, &recorder.ids, &section).id;
    assert!(!all_ids(&first.children).contains(&section_id), "the section's id is new");
}

#[wasm_bindgen_test]
fn ignored_elements_and_script_text_are_left_out() {
    let page = Fixture::new(
        r#"<p id="kept">kept</p><div id="widget" data-cobrowse-ignore><span>SECRET-WIDGET</span></div><link rel="stylesheet" href="x.css" data-cobrowse-ignore>"#,
    );
    let script = document().create_element("script").unwrap();
    script.set_attribute("type", "text/x-template").unwrap();
    script.set_attribute("data-x", "1").unwrap();
    script.set_text_content(Some("var SCRIPT_CODE = 1;"));
    page.root.append_child(&script).unwrap();

    let mut recorder = Recorder::default();
    let snapshot = take_snapshot(&mut recorder);
    let container = element(find_dom(&snapshot.children, &recorder.ids, &page.root));
    let tags: Vec<&str> = container.children.iter().map(|child| element(child).tag.as_str()).collect();
    assert_eq!(tags, ["p", "script"]);
    let script_node = element(&container.children[1]);
    assert!(script_node.children.is_empty(), "script text is not serialized");
    assert_eq!(attribute(script_node, "data-x"), Some(&Value::Plain("1".into())));
    assert_eq!(recorder.ids.get(&page.get::<web_sys::Node>("#widget")), None);

    let debug = format!("{snapshot:?}");
    assert!(!debug.contains("SECRET-WIDGET"));
    assert!(!debug.contains("SCRIPT_CODE"));
}

#[wasm_bindgen_test]
fn html_tags_are_lower_case() {
    let page = Fixture::new("");
    let odd = document().create_element_ns(Some("http://www.w3.org/1999/xhtml"), "DIV").unwrap();
    page.root.append_child(&odd).unwrap();
    let mut recorder = Recorder::default();
    let snapshot = take_snapshot(&mut recorder);
    assert_eq!(element(find_dom(&snapshot.children, &recorder.ids, &odd)).tag, "div");
    let _ = odd.dyn_ref::<web_sys::Element>();
}

#[wasm_bindgen_test]
fn a_large_page_round_trips_through_a_frame() {
    let rows: String =
        (0..1000).map(|i| format!("<tr><td class=\"c{i}\">row {i}</td><td>{}</td></tr>", "x".repeat(i % 50))).collect();
    let page = Fixture::new(&format!("<table><tbody>{rows}</tbody></table>"));
    let mut encoder = cobrowse_protocol::Encoder::new();
    let mut decoder = cobrowse_protocol::Decoder::default();
    let mut recorder = Recorder::default();
    for _ in 0..2 {
        let snapshot = take_snapshot(&mut recorder);
        let frame = encoder.snapshot(&snapshot);
        assert_eq!(decoder.decode(&frame).unwrap(), cobrowse_protocol::Message::Snapshot(snapshot.clone()));
        let table = element(find_dom(&snapshot.children, &recorder.ids, &page.get("tbody")));
        assert_eq!(table.children.len(), 1000);
        assert_eq!(texts(&table.children[999..]), [Some("row 999".to_string()), Some("x".repeat(999 % 50))]);
    }
}

#[wasm_bindgen_test]
fn a_page_nested_past_the_depth_limit_is_cut_at_it_with_a_blocked_box() {
    use cobrowse_protocol::{Decoder, Encoder, Message, Node, MAX_DEPTH};
    let page = Fixture::new(r#"<div id="top"></div>"#);
    let mut parent: web_sys::Element = page.get("#top");
    for _ in 0..600 {
        let div = document().create_element("div").unwrap();
        parent.append_child(&div).unwrap();
        parent = div;
    }
    parent.set_text_content(Some("far down"));
    let mut recorder = Recorder::default();
    let snapshot = take_snapshot(&mut recorder);

    let (mut deepest, mut blocked_at) = (0, Vec::new());
    let mut pending: Vec<(&Node, usize)> = snapshot.children.iter().map(|node| (node, 1)).collect();
    while let Some((node, level)) = pending.pop() {
        deepest = deepest.max(level);
        match &node.kind {
            NodeKind::Element(element) => pending.extend(element.children.iter().map(|child| (child, level + 1))),
            NodeKind::Blocked { tag, .. } => blocked_at.push((level, tag.clone())),
            _ => {}
        }
    }
    assert_eq!(deepest, MAX_DEPTH);
    assert_eq!(blocked_at, [(MAX_DEPTH, "div".to_string())], "the one element at the limit, as a box");
    let decoded = Decoder::default().decode(&Encoder::new().snapshot(&snapshot));
    assert!(matches!(decoded, Ok(Message::Snapshot(_))), "the agent's decoder takes it: {decoded:?}");
}

/// What `describe.js` reads in one call must equal what the element holds, on its edge cases: an attribute
/// value holding a NUL (read one by one then), values with entities and non-ASCII text, text beside them,
/// and a subtree of a document parsed apart.
#[wasm_bindgen_test]
fn attributes_and_text_read_in_one_call_equal_the_dom() {
    let page = Fixture::new(
        r#"<p id="plain" title="naïve “quoted” ✓" data-x="a=b&amp;c" aria-hidden="true">text ✓ <i>x</i></p><p id="nul"></p>"#,
    );
    page.get::<web_sys::Element>("#nul").set_attribute("data-v", "before\0after").unwrap();
    page.get::<web_sys::Element>("#nul").set_attribute("lang", "en").unwrap();
    let mut recorder = Recorder::default();
    let snapshot = take_snapshot(&mut recorder);

    let plain = element(find_dom(&snapshot.children, &recorder.ids, &page.get("#plain")));
    let names: Vec<&str> = plain.attributes.iter().map(|attribute| attribute.name.as_str()).collect();
    assert_eq!(names, ["id", "title", "data-x", "aria-hidden"], "every attribute, in the DOM's order");
    assert_eq!(attribute(plain, "title"), Some(&Value::Plain("naïve “quoted” ✓".into())));
    assert_eq!(attribute(plain, "data-x"), Some(&Value::Plain("a=b&c".into())));
    assert_eq!(texts(&plain.children[..1]), [Some("text ✓ ".to_string())]);

    let nul = element(find_dom(&snapshot.children, &recorder.ids, &page.get("#nul")));
    assert_eq!(attribute(nul, "data-v"), Some(&Value::Plain("before\0after".into())));
    assert_eq!(attribute(nul, "lang"), Some(&Value::Plain("en".into())));
    assert_eq!(nul.attributes.len(), 3);

    let other_realm = web_sys::DomParser::new()
        .unwrap()
        .parse_from_string(r#"<!doctype html><div id="far" class="c">far</div>"#, web_sys::SupportedType::TextHtml)
        .unwrap();
    let far = other_realm.get_element_by_id("far").unwrap();
    let node = new_subtree(&far, Masking::Plain, 1, &mut recorder).unwrap();
    let far = element(&node);
    assert_eq!((far.tag.as_str(), &far.namespace), ("div", &Namespace::Html));
    assert_eq!(attribute(far, "class"), Some(&Value::Plain("c".into())));
    assert_eq!(texts(&far.children), [Some("far".to_string())]);
}

/// An HTML element's attribute whose name has capitals (only `setAttributeNS` makes one) is one that
/// `getAttribute` cannot find by that name (it lower-cases it): the snapshot still carries it, with the
/// element's other attributes, in the DOM's order.
#[wasm_bindgen_test]
fn an_attribute_name_with_capitals_on_an_html_element_is_carried() {
    let page = Fixture::new(r#"<p id="camel" class="c"></p>"#);
    page.get::<web_sys::Element>("#camel").set_attribute_ns(None, "dataFoo", "x").unwrap();
    let mut recorder = Recorder::default();
    let snapshot = take_snapshot(&mut recorder);

    let camel = element(find_dom(&snapshot.children, &recorder.ids, &page.get("#camel")));
    let names: Vec<&str> = camel.attributes.iter().map(|attribute| attribute.name.as_str()).collect();
    assert_eq!(names, ["id", "class", "dataFoo"]);
    assert_eq!(attribute(camel, "dataFoo"), Some(&Value::Plain("x".into())));
}

/// The attributes `describe` leaves to the wasm (a form field's, a flagged element's) are read in one call
/// once the element's masking is known to mask nothing, and equal the DOM's; a secret field's and a masked
/// element's content-carrying values stay masked (read one by one, never the masked values).
#[wasm_bindgen_test]
fn attributes_left_out_by_describe_are_read_in_one_call_unless_masked() {
    let page = Fixture::new(
        r#"<input id="qty" type="number" name="q" value="3" min="0" data-x="✓ a"><select id="pick" name="p" data-y="b"><option>A</option></select><textarea id="note" placeholder="say"></textarea><input id="pin" type="password" value="hunter2" placeholder="pin" name="pw"><p id="marked" data-cobrowse-mask title="secret title" class="m">x</p>"#,
    );
    // Each masked element notes the names it is asked for by `getAttribute`: the one-call read asks for all.
    let spy = js_sys::Function::new_with_args(
        "element",
        "element.asked = []; element.getAttribute = function (name) { this.asked.push(name); \
         return Element.prototype.getAttribute.call(this, name); };",
    );
    for masked in ["#pin", "#marked"] {
        spy.call1(&JsValue::NULL, &page.get::<web_sys::Element>(masked)).unwrap();
    }
    let mut recorder = Recorder::default();
    let snapshot = take_snapshot(&mut recorder);
    for masked in ["#pin", "#marked"] {
        let asked = js_sys::Reflect::get(&page.get::<web_sys::Element>(masked), &"asked".into()).unwrap();
        let asked: Vec<String> = js_sys::Array::from(&asked).iter().filter_map(|name| name.as_string()).collect();
        assert!(asked.is_empty(), "{masked}: no value is read in one call from a masked element: {asked:?}");
    }
    let names = |element: &cobrowse_protocol::Element| -> Vec<String> {
        element.attributes.iter().map(|attribute| attribute.name.clone()).collect()
    };

    let qty = element(find_dom(&snapshot.children, &recorder.ids, &page.get("#qty")));
    assert_eq!(names(qty), ["id", "type", "name", "value", "min", "data-x"], "every attribute, in the DOM's order");
    assert_eq!(attribute(qty, "value"), Some(&Value::Plain("3".into())));
    assert_eq!(attribute(qty, "data-x"), Some(&Value::Plain("✓ a".into())));
    let pick = element(find_dom(&snapshot.children, &recorder.ids, &page.get("#pick")));
    assert_eq!(attribute(pick, "data-y"), Some(&Value::Plain("b".into())));
    let note = element(find_dom(&snapshot.children, &recorder.ids, &page.get("#note")));
    assert_eq!(attribute(note, "placeholder"), Some(&Value::Plain("say".into())));

    let pin = element(find_dom(&snapshot.children, &recorder.ids, &page.get("#pin")));
    assert_eq!(names(pin), ["id", "type", "value", "placeholder", "name"]);
    assert_eq!(attribute(pin, "value"), Some(&Value::Masked));
    assert_eq!(attribute(pin, "placeholder"), Some(&Value::Masked));
    assert_eq!(attribute(pin, "name"), Some(&Value::Plain("pw".into())));
    let marked = element(find_dom(&snapshot.children, &recorder.ids, &page.get("#marked")));
    assert_eq!(attribute(marked, "title"), Some(&Value::Masked));
    assert_eq!(attribute(marked, "class"), Some(&Value::Plain("m".into())));
}
