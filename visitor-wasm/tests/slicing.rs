//! A snapshot sliced across tasks: the first slice and the waiting parents' later events rebuild the page
//! exactly, even when the page changes between slices; and a large mutation batch is sliced the same way.
//!
//! Each test gives every task a slice that is spent at once (`start_task(-1.0, 0)`), so the walk defers as
//! much as it can: every element's children wait, every waiting list sends one new child at a time. A
//! small model of the mirror (`Model`) applies the frames as the viewer does, with its forget rule, and
//! fails on any event that names a node it does not have; the page it ends with is compared with an
//! unsliced snapshot taken by a fresh recorder.

mod common;

use cobrowse_protocol::{Child, Event, Node, NodeId, NodeKind, Value};
use cobrowse_visitor::recorder::Recorder;
use cobrowse_visitor::tree::record::{self, Batch};
use common::*;
use std::collections::HashMap;
use wasm_bindgen_test::*;
use web_sys::Element;

wasm_bindgen_test_configure!(run_in_browser);

/// A slice that is spent at once.
const NO_TIME: f64 = -1.0;

/// The mirror, reduced to what the tests compare: each node's label (tag and attributes, or text) and its
/// children's ids.
#[derive(Default)]
struct Model {
    nodes: HashMap<NodeId, (String, Vec<NodeId>)>,
    top: Vec<NodeId>,
    events: usize,
    appends: usize,
}

impl Model {
    fn from_snapshot(children: &[Node]) -> Self {
        let mut model = Model::default();
        model.top = children.iter().map(|node| model.add(node)).collect();
        model
    }

    fn add(&mut self, node: &Node) -> NodeId {
        let (label, children) = match &node.kind {
            NodeKind::Element(element) => {
                let mut label = element.tag.clone();
                for attribute in &element.attributes {
                    label += &format!(" {}={}", attribute.name, value(&attribute.value));
                }
                (label, element.children.iter().map(|child| self.add(child)).collect())
            }
            NodeKind::Text(text) => (format!("#{}", value(text)), Vec::new()),
            NodeKind::Comment(_) => ("#comment".into(), Vec::new()),
            NodeKind::Doctype { name, .. } => (format!("!{name}"), Vec::new()),
            NodeKind::Blocked { tag, .. } => (format!("blocked {tag}"), Vec::new()),
        };
        self.nodes.insert(node.id, (label, children));
        node.id
    }

    fn node(&mut self, id: NodeId) -> &mut (String, Vec<NodeId>) {
        self.nodes.get_mut(&id).unwrap_or_else(|| panic!("an event names node {id}, which the mirror does not have"))
    }

    /// Applies a delta's events in order, then the forget rule.
    fn apply(&mut self, events: &[Event]) {
        for event in events {
            self.events += 1;
            match event {
                Event::Children { parent, children } => {
                    self.node(*parent);
                    let ids = children
                        .iter()
                        .map(|child| match child {
                            Child::Existing(id) => {
                                self.node(*id);
                                *id
                            }
                            Child::New(node) => self.add(node),
                        })
                        .collect();
                    self.node(*parent).1 = ids;
                }
                Event::Append { parent, children } => {
                    self.appends += 1;
                    let ids: Vec<NodeId> = children.iter().map(|node| self.add(node)).collect();
                    self.node(*parent).1.extend(ids);
                }
                Event::Attribute { node, name, value: new } => {
                    let label = &mut self.node(*node).0;
                    let mut parts: Vec<String> = label.split(' ').map(String::from).collect();
                    parts.retain(|part| !part.starts_with(&format!("{name}=")));
                    parts.extend(new.as_ref().map(|new| format!("{name}={}", value(new))));
                    parts[1..].sort();
                    *label = parts.join(" ");
                }
                Event::Text { node, text } => self.node(*node).0 = format!("#{}", value(text)),
                _ => {}
            }
        }
        self.forget_unreachable();
    }

    fn forget_unreachable(&mut self) {
        let mut reachable = std::collections::HashSet::new();
        let mut pending = self.top.clone();
        while let Some(id) = pending.pop() {
            if reachable.insert(id) {
                pending.extend(self.nodes[&id].1.iter().copied());
            }
        }
        self.nodes.retain(|id, _| reachable.contains(id));
    }

    fn render(&self) -> String {
        let mut out = String::new();
        for id in &self.top {
            self.render_node(*id, &mut out);
        }
        out
    }

    fn render_node(&self, id: NodeId, out: &mut String) {
        let (label, children) = &self.nodes[&id];
        out.push('(');
        out.push_str(label);
        for child in children {
            self.render_node(*child, out);
        }
        out.push(')');
    }
}

fn value(value: &Value) -> String {
    match value {
        Value::Plain(text) => text.clone(),
        Value::Masked => "***".into(),
    }
}

/// The model of an unsliced snapshot of the page as it is now, attributes sorted as the model keeps them
/// after an attribute event.
fn page_now() -> String {
    let snapshot = take_snapshot(&mut Recorder::default());
    sorted_attributes(&Model::from_snapshot(&snapshot.children).render())
}

fn sorted_attributes(rendered: &str) -> String {
    rendered
        .split('(')
        .map(|part| {
            let (label, rest) = part.split_at(part.find(')').unwrap_or(part.len()));
            let mut parts: Vec<&str> = label.split(' ').collect();
            if parts.len() > 2 {
                parts[1..].sort();
            }
            [parts.join(" ").as_str(), rest].concat()
        })
        .collect::<Vec<_>>()
        .join("(")
}

/// A page with nesting, a long list and a table.
const PAGE: &str = r#"<header id="top"><h1>Shop</h1><nav><a href="/a">A</a><a href="/b">B</a></nav></header>
<ul id="list">LIST</ul><table><tbody id="rows">ROWS</tbody></table><p id="tail">tail <b>bold</b> text</p>"#;

fn page_html() -> String {
    let items: String = (0..40).map(|i| format!(r#"<li class="item" data-i="{i}">item <em>{i}</em></li>"#)).collect();
    let rows: String = (0..15).map(|i| format!("<tr><td>{i}</td><td><span>cell {i}</span></td></tr>")).collect();
    PAGE.replace("LIST", &items).replace("ROWS", &rows)
}

/// Runs the slices until nothing waits, calling `between` before each; the model after each.
fn run_slices(recorder: &mut Recorder, model: &mut Model, mut between: impl FnMut(usize, &mut Recorder, &mut Model)) {
    let mut slices = 0;
    while !recorder.backlog.is_empty() {
        between(slices, recorder, model);
        recorder.backlog.start_task(NO_TIME, 0);
        let events = record::waiting_children(recorder);
        model.apply(&events);
        slices += 1;
        assert!(slices < 10_000, "the backlog never empties");
    }
}

/// The page's changes since the last look, as the session sends them (the observer's records as a delta).
fn send_changes(recorder: &mut Recorder, model: &mut Model) {
    recorder.backlog.start_task(NO_TIME, 0);
    match record::batch(&recorder.take_records(), recorder) {
        Batch::Delta(delta) => model.apply(&delta.events),
        Batch::Snapshot => panic!("no change to the document's own children here"),
    }
}

#[wasm_bindgen_test]
fn a_sliced_snapshot_and_its_parts_rebuild_the_page() {
    let _page = Fixture::new(&page_html());
    let mut recorder = Recorder::default();
    recorder.backlog.start_task(NO_TIME, 0);
    let snapshot = take_snapshot(&mut recorder);
    let mut model = Model::from_snapshot(&snapshot.children);
    assert!(!recorder.backlog.is_empty(), "a spent slice leaves parents waiting");
    assert!(model.nodes.len() < 10, "the first slice holds only the top of the page: {}", model.render());

    run_slices(&mut recorder, &mut model, |_, _, _| {});

    assert_eq!(sorted_attributes(&model.render()), page_now());
    assert!(model.appends > 30, "the rest of long lists is appended, not listed again: {}", model.appends);
}

#[wasm_bindgen_test]
fn changes_made_between_slices_are_not_lost() {
    let page = Fixture::new(&page_html());
    let mut recorder = Recorder::default();
    observe(&mut recorder);
    recorder.backlog.start_task(NO_TIME, 0);
    let snapshot = take_snapshot(&mut recorder);
    let mut model = Model::from_snapshot(&snapshot.children);
    let list: Element = page.get("#list");
    let rows: Element = page.get("#rows");
    let tail: Element = page.get("#tail");

    run_slices(&mut recorder, &mut model, |slice, recorder, model| {
        let document = document();
        match slice % 7 {
            // Into a list still being sent, at its start, middle and end.
            0 => {
                let li = document.create_element("li").unwrap();
                li.set_text_content(Some(&format!("new {slice}")));
                let at = list.children().item(slice as u32 % (list.child_element_count() + 1));
                list.insert_before(&li, at.as_ref().map(|at| at.as_ref())).unwrap();
            }
            // Out of a list: sent and not yet sent alike.
            1 => {
                if let Some(row) = rows.children().item((slice as u32 * 3) % rows.child_element_count().max(1)) {
                    row.remove();
                }
            }
            // Moved between lists.
            2 => {
                if let Some(item) = list.last_element_child() {
                    rows.prepend_with_node_1(&item).unwrap();
                }
            }
            3 => tail.set_attribute("data-slice", &slice.to_string()).unwrap(),
            4 => {
                if let Some(item) = list.children().item(slice as u32 % list.child_element_count().max(1)) {
                    item.set_text_content(Some(&format!("changed {slice}")));
                }
            }
            5 => {
                if let Some(first) = list.first_element_child() {
                    list.append_with_node_1(&first).unwrap();
                }
            }
            _ => {
                let text = tail.first_child().unwrap();
                text.set_node_value(Some(&format!("tail {slice} ")));
            }
        }
        send_changes(recorder, model);
    });
    send_changes(&mut recorder, &mut model);

    assert_eq!(sorted_attributes(&model.render()), page_now());
}

#[wasm_bindgen_test]
fn a_large_mutation_batch_is_sliced_too() {
    let page = Fixture::new(r#"<table><tbody id="rows"></tbody></table>"#);
    let mut recorder = Recorder::default();
    observe(&mut recorder);
    let snapshot = take_snapshot(&mut recorder);
    let mut model = Model::from_snapshot(&snapshot.children);
    let rows: Element = page.get("#rows");
    let html: String = (0..30).map(|i| format!("<tr><td>{i}</td><td><i>row {i}</i></td></tr>")).collect();
    rows.set_inner_html(&html);

    send_changes(&mut recorder, &mut model);
    assert!(!recorder.backlog.is_empty(), "a spent slice leaves rows waiting");
    let events_before = model.events;
    run_slices(&mut recorder, &mut model, |slice, recorder, model| {
        if slice == 5 {
            // The page re-renders the table while its rows are still being sent.
            rows.set_inner_html(&html.replace("row", "again"));
            send_changes(recorder, model);
        }
    });

    assert!(model.events > events_before, "the waiting rows were sent in later slices");
    assert_eq!(sorted_attributes(&model.render()), page_now());
}

#[wasm_bindgen_test]
fn a_slice_serializes_its_floor_of_nodes_however_late_it_is() {
    let _page = Fixture::new(&page_html());
    let mut spent = Recorder::default();
    spent.backlog.start_task(NO_TIME, 0);
    let spent_nodes = Model::from_snapshot(&take_snapshot(&mut spent).children).nodes.len();
    let mut floored = Recorder::default();
    floored.backlog.start_task(NO_TIME, 200);
    let mut model = Model::from_snapshot(&take_snapshot(&mut floored).children);
    let floored_nodes = model.nodes.len();
    assert!(floored_nodes >= spent_nodes + 150, "200 nodes at least: {floored_nodes} against {spent_nodes}");
    assert!(!floored.backlog.is_empty(), "then the spent slice defers the rest");
    run_slices(&mut floored, &mut model, |_, _, _| {});
    assert_eq!(sorted_attributes(&model.render()), page_now());
}
