//! Recording: each batch of the observer's mutation records (see `observer.rs`) turned into one [`Delta`]
//! the mirror can apply.
//!
//! The recorder does not replay the records one by one (their intermediate states are gone by the time
//! the callback runs); it reads the *current* state of what they touched:
//! 1. every connected parent with an id whose children changed gets an [`Event::Children`] with its
//!    current children: known nodes as [`Child::Existing`], others serialized as [`Child::New`] (fresh
//!    ids). A node serialized in this batch gets no event of its own: its serialization is current.
//! 2. attribute changes become [`Event::Attribute`] (current value, `None` if removed), once per node and
//!    name; text changes become [`Event::Text`]. A batch's repeated changes of one attribute are dropped in
//!    JS before the wasm reads a record (`js/records.js`): a storm of 10,000 changes to 1,000 elements costs
//!    the wasm 1,000 records, not 10,000 records' calls across the boundary.
//! 3. the forget rule: removed nodes that are no longer connected (or now sit where the mirror cannot
//!    see them) lose their ids with their subtrees.
//!
//! An element whose masking, blocking or ignoring changes is rebuilt: its subtree forgets its ids and its
//! parent lists it as new, so what the mirror shows follows the new rule. Any attribute change may do it
//! (a class that makes a site's selector match, an input's `type`, `data-cobrowse-mask`), so after each
//! one the element's masking is decided again and compared with the one it was serialized with. So is a
//! known node that moved into or out of a masked subtree (its masking now differs from the one it was
//! serialized with); a node that moved with its masking unchanged stays [`Child::Existing`]. Nothing
//! beneath a blocked element has an id, and the mirror has no children for it, so changes there produce
//! no events. A change to the document's own children (a new root element) cannot be expressed as a
//! delta: the batch then asks for a full snapshot.
//!
//! Slicing (see `backlog.rs`): once the task's slice is spent, a children list serializes no more new
//! children (at least one, so every call makes progress): they are left out, and the parent waits in the
//! backlog. [`waiting_children`] sends the waiting parents' children in later tasks.

use crate::dom;
use crate::dom::IGNORE_ATTRIBUTE;
use crate::recorder::Recorder;
use crate::tree::backlog::Waiting;
use crate::tree::carriers;
use crate::tree::ids::{IdSet, Ids};
use crate::tree::joined::Joined;
use crate::tree::mask::{self, Masking};
use crate::tree::snapshot;
use cobrowse_protocol::{Child, Delta, Event, NodeId};
use js_sys::{Array, Float64Array};
use std::cell::Cell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, MutationRecord, Node};

#[wasm_bindgen(module = "/js/records.js")]
extern "C" {
    /// The childList records; the text records' nodes pushed onto `texts`, and each attribute's first
    /// attributes record in the batch onto `attributes`.
    fn distinct(records: &Array, texts: &Array, attributes: &Array) -> Array;
    /// What the mirror needs to know of each of `texts` before its text is read (see `records.js`): -1 or
    /// NaN to skip it, else its id map's value times 4 plus 1 (masked), 2 (plain) or 0 (ask the node).
    #[wasm_bindgen(js_name = textChanges)]
    fn text_changes(texts: &Array, ids: &JsValue, masked: &JsValue) -> Float64Array;
    /// The text of each of `texts` at the indices `wanted`, each followed by a NUL; `None` if one holds a
    /// NUL itself.
    #[wasm_bindgen(js_name = textValues)]
    fn text_values(texts: &Array, wanted: &[u32]) -> Option<String>;
    /// What decides whether each change of `attributes` changed its element's masking: for each, a number,
    /// a space, the attribute's qualified name and a NUL (see `records.js` and [`Change::parse`]).
    #[wasm_bindgen(js_name = attributeChanges)]
    fn attribute_changes(attributes: &Array, ids: &JsValue, flagged: &JsValue) -> String;
    /// What the mirror needs to know of each changed attribute before its value is read (see `records.js`;
    /// `kinds`: [`LEFT_OUT`], 1 for a content-carrying one, else 0): -1 or NaN to skip it, else its
    /// element's id map's value times 8, plus 4 if the attribute is present, plus 1 (masked), 2 (plain) or 0
    /// (ask the element).
    #[wasm_bindgen(js_name = attributeStates)]
    fn attribute_states(attributes: &Array, ids: &JsValue, masked: &JsValue, kinds: &[u8]) -> Float64Array;
    /// The values of the changed attributes at the indices `wanted`, each followed by a NUL; `None` if one
    /// holds a NUL itself.
    #[wasm_bindgen(js_name = attributeValues)]
    fn attribute_values(attributes: &Array, wanted: &[u32]) -> Option<String>;
    /// The current value of the changed attribute `attributes[index]`.
    #[wasm_bindgen(js_name = attributeValue)]
    fn attribute_value(attributes: &Array, index: f64) -> Option<String>;
}

/// What one batch of mutation records means for the mirror.
#[derive(Debug, PartialEq)]
pub enum Batch {
    /// These changes (possibly none).
    Delta(Delta),
    /// The document's own children changed: only a full snapshot can say it.
    Snapshot,
}

/// Turns one batch of mutation records into the changes to send, updating the recorder's ids (see the
/// module doc).
pub fn batch(records: &Array, recorder: &mut Recorder) -> Batch {
    let Touched { mut parents, removed, attribute_records, attributes, texts, rebuilt } =
        Touched::collect(records, recorder);
    let first_new = recorder.ids.next();
    for element in &rebuilt {
        recorder.ids.forget_subtree(element);
        parents.extend(element.parent_node());
    }
    if parents.iter().any(|parent| parent.node_type() == Node::DOCUMENT_NODE) {
        forget_detached(&removed, recorder);
        return Batch::Snapshot;
    }
    let mut events = children_events(&parents, first_new, recorder);
    events.extend(attribute_events(&attribute_records, attributes, first_new, recorder));
    events.extend(text_events(&texts, first_new, recorder));
    forget_detached(&removed, recorder);
    Batch::Delta(Delta { events })
}

/// What a batch of records touched, in the order the records name them.
#[derive(Default)]
struct Touched {
    parents: Vec<Node>,
    removed: Vec<Node>,
    /// The attributes records, each attribute's first in the batch, as `distinct` put them.
    attribute_records: Array,
    /// The (qualified) name of the attribute of each of `attribute_records`, in the same order.
    attributes: Vec<String>,
    /// The text nodes (or comments) the text records name, in JS, as `distinct` put them (a node changed
    /// twice is there twice).
    texts: Array,
    rebuilt: Vec<Element>,
}

impl Touched {
    fn collect(records: &Array, recorder: &Recorder) -> Self {
        let mut touched = Touched::default();
        for record in distinct(records, &touched.texts, &touched.attribute_records).iter() {
            let record = record.unchecked_into::<MutationRecord>();
            let Some(target) = dom::target_of::<Node>(&record) else { continue };
            touched.removed.extend(dom::items::<Node>(&record.removed_nodes()));
            touched.parents.push(target);
        }
        let (ids, flagged) = (recorder.ids.map(), recorder.mask.flagged().as_ref());
        let answers = attribute_changes(&touched.attribute_records, ids, flagged);
        for (index, answer) in (0..).zip(answers.split_terminator('\0')) {
            let change = Change::parse(answer);
            let record = || touched.attribute_records.get(index).unchecked_into::<MutationRecord>();
            touched.rebuilt.extend(change.rebuilds(&record, recorder));
            touched.attributes.push(change.name);
        }
        touched
    }
}

/// What `attributeChanges` (`records.js`) answers of one attribute change.
struct Change {
    /// The element's id map value (its id and the masking it was sent with), if it has one.
    value: Option<u64>,
    /// The code of its parent's masking as the mirror has it (see [`Ids::masking_of_code`]; 7: ask the
    /// parent).
    parent: u64,
    /// It matches the selector of elements with a masking of their own (or the match threw).
    flagged: bool,
    /// It is an input, textarea or select.
    form_field: bool,
    /// The attribute's qualified name.
    name: String,
}

impl Change {
    /// Reads the answer: a number (NaN for an element with no id), a space, the name.
    fn parse(answer: &str) -> Self {
        let (number, name) = answer.split_once(' ').unwrap_or_default();
        // Digits alone (not `parse`, whose generic code costs download size); NaN has none.
        let code = number
            .bytes()
            .try_fold(0, |code: u64, byte| byte.is_ascii_digit().then(|| code * 10 + u64::from(byte - b'0')));
        let bits = code.unwrap_or_default();
        Change {
            value: code.map(|code| code / 64),
            parent: bits / 8 % 8,
            flagged: bits & 1 != 0,
            form_field: bits & 2 != 0,
            name: name.into(),
        }
    }

    /// The element, if the change changed how it is serialized: ignored or not, or its masking (given its
    /// parent's as the mirror has it) differs from the one it was serialized with. `record` is the change's
    /// record, asked for only where the answer needs the element.
    fn rebuilds(&self, record: &dyn Fn() -> MutationRecord, recorder: &Recorder) -> Option<Element> {
        let element = || dom::target_of::<Element>(&record());
        if self.name == IGNORE_ATTRIBUTE {
            let element = element()?;
            return (record().old_value().is_some() != element.has_attribute(IGNORE_ATTRIBUTE)).then_some(element);
        }
        let sent = Ids::masking_of_value(self.value?);
        let mask = &recorder.mask;
        let parent = match self.parent {
            7 => element()?.parent_node().map_or(Masking::Plain, |parent| mask.masking_of(&parent)),
            code => Ids::masking_of_code(code),
        };
        let masking = match mask.masking_unasked(parent, self.flagged, self.form_field) {
            Some(masking) => masking,
            None => {
                let element = element()?;
                mask.element_masking_flagged(&element, &element.local_name(), parent, self.flagged)
            }
        };
        (masking != sent).then(element).flatten()
    }
}

/// The id and masking of a node the mirror knew before this batch and that is still in the document.
fn known_connected(node: &Node, first_new: NodeId, recorder: &Recorder) -> Option<(NodeId, Masking)> {
    recorder.ids.get_with_masking(node).filter(|&(id, _)| id < first_new && node.is_connected())
}

/// Whether the mirror has `parent`'s children: not a `<script>`'s, nothing beneath a blocked element.
/// (A shadow root or child document lists its children.)
fn mirrors_children(parent: &Node, masking: Masking) -> bool {
    masking != Masking::Blocked
        && (parent.node_type() != Node::ELEMENT_NODE || snapshot::lists_children(parent.unchecked_ref()))
}

fn children_events(parents: &[Node], first_new: NodeId, recorder: &mut Recorder) -> Vec<Event> {
    let mut done = IdSet::default();
    let mut events = Vec::new();
    // The page's document, asked for only where the set is complete and a parent may need it (a batch of
    // texts or attributes alone has no parent).
    let wanted = recorder.hooks.scrolled().is_object() && !parents.is_empty();
    let page = wanted.then(dom::page_window).flatten().and_then(|window| window.document());
    for parent in parents {
        let Some((id, masking)) = known_connected(parent, first_new, recorder) else { continue };
        if !done.insert(id) || !mirrors_children(parent, masking) {
            continue;
        }
        recorder.scroll_watch = scroll_watch_under(parent, page.as_ref(), recorder);
        events.push(Event::Children { parent: id, children: current_children(parent, 1, recorder) });
    }
    events
}

/// Whose scroll offsets the new children of `parent` have read. In the page's document, the elements in the
/// shim's set alone, once it is complete: a node inserted comes in at its origin (a removed element loses
/// its offset), one scrolled since, in the task that inserted it, has its scroll event still to come, which
/// sends its offset (`motion.rs`) a frame later, and one that keeps its offset (moved by `moveBefore`,
/// rebuilt in place for a masking change) is in the set if it ever scrolled. Elsewhere (a shadow root, a
/// child document: the shim's listener does not hear their scrolls), or without a complete set, every
/// element's. `page` is the page's document where the set is complete, else `None`.
fn scroll_watch_under(parent: &Node, page: Option<&Document>, recorder: &Recorder) -> JsValue {
    match page {
        Some(page) if top_of(parent) == *page.as_ref() => recorder.hooks.scrolled(),
        _ => JsValue::UNDEFINED,
    }
}

/// The top of `node`'s tree (its document, or a shadow root), reached by `parentNode`: pages hijack
/// `contains` and `getRootNode` (see `pristine.rs`).
fn top_of(node: &Node) -> Node {
    let mut top = node.clone();
    while let Some(parent) = top.parent_node() {
        top = parent;
    }
    top
}

/// `parent`'s children as the mirror should now have them, new ones serialized at `level`; once the slice
/// is spent, new children after the first are left out and `parent` waits in the backlog.
fn current_children(parent: &Node, level: usize, recorder: &mut Recorder) -> Vec<Child> {
    let parent_masking = recorder.mask.masking_of(parent);
    let mut children = Vec::new();
    let (mut serialized_one, mut left_out, mut known_after_left_out) = (false, false, false);
    let (mut child, mut last_listed) = (parent.first_child(), None);
    while let Some(node) = child {
        let known = recorder.ids.get_with_masking(&node);
        let listed = match known {
            Some((id, was)) if was == recorder.mask.node_masking(&node, parent_masking) => {
                known_after_left_out |= left_out;
                children.push(Child::Existing(id));
                true
            }
            _ => {
                if known.is_some() {
                    // Moved into or out of a masked subtree (or now ignored): the mirror's copy is outdated.
                    recorder.ids.forget_subtree(&node);
                }
                left_out |= serialized_one && recorder.backlog.is_spent();
                serialized_one = true;
                let new = (!left_out).then(|| snapshot::new_subtree(&node, parent_masking, level, recorder));
                new.flatten().map(|new| children.push(Child::New(new))).is_some()
            }
        };
        child = node.next_sibling();
        if listed {
            last_listed = Some(node);
        }
    }
    if left_out {
        let after = last_listed.filter(|_| !known_after_left_out);
        recorder.backlog.defer(Waiting {
            parent: parent.clone(),
            level,
            after,
            scrolled: recorder.scroll_watch.clone(),
        });
    }
    children
}

/// The children of the parents waiting in the backlog (see `backlog.rs`), one event for each parent the
/// mirror still shows, until the task's slice is spent (at least one parent, so every call makes progress).
pub fn waiting_children(recorder: &mut Recorder) -> Vec<Event> {
    let mut events = Vec::new();
    while let Some(waiting) = recorder.backlog.take_next() {
        events.extend(waiting_event(waiting, recorder));
        if recorder.backlog.is_spent() {
            break;
        }
    }
    events
}

/// The rest of a waiting parent's children: appended after the last one sent if nothing after it has an
/// id, else its whole list; `None` if the mirror no longer shows its children.
fn waiting_event(Waiting { parent, level, after, scrolled }: Waiting, recorder: &mut Recorder) -> Option<Event> {
    recorder.scroll_watch = scrolled; // as when the parent was deferred
    let (id, masking) = known_connected(&parent, recorder.ids.next(), recorder)?;
    if !mirrors_children(&parent, masking) {
        return None;
    }
    let after =
        after.filter(|after| after.parent_node().as_ref() == Some(&parent) && recorder.ids.get(after).is_some());
    if let Some(children) = after.and_then(|after| appended(&parent, &after, level, recorder)) {
        return (!children.is_empty()).then_some(Event::Append { parent: id, children });
    }
    Some(Event::Children { parent: id, children: current_children(&parent, level, recorder) })
}

/// The new children after `after` (the last child the mirror has), serialized at `level` until the slice is
/// spent, `parent` waiting again for the rest; `None` if the child right after `after` has an id, so the
/// whole list must be sent. A known child met later ends the list there, and `parent` waits for a whole
/// list: the mirror has put what was appended after that child.
fn appended(
    parent: &Node,
    after: &Node,
    level: usize,
    recorder: &mut Recorder,
) -> Option<Vec<cobrowse_protocol::Node>> {
    let masking = recorder.mask.masking_of(parent);
    let mut children = Vec::new();
    let (mut child, mut last) = (after.next_sibling(), None);
    while let Some(node) = child {
        let known = recorder.ids.get(&node).is_some();
        if known || (last.is_some() && recorder.backlog.is_spent()) {
            last.as_ref()?; // the very next child is known: the whole list must go
            let after = if known { None } else { last };
            recorder.backlog.defer(Waiting {
                parent: parent.clone(),
                level,
                after,
                scrolled: recorder.scroll_watch.clone(),
            });
            break;
        }
        let new = snapshot::new_subtree(&node, masking, level, recorder);
        child = node.next_sibling();
        if let Some(new) = new {
            children.push(new);
            last = Some(node);
        }
    }
    Some(children)
}

/// The kind `attributeStates` is told of an attribute never sent (see [`carriers::is_left_out`]).
const LEFT_OUT: u8 = 2;

/// Each attribute's event, read in JS (`records.js`) in one call for the whole batch, and the values in one
/// more, only where they may be sent. The element's masking is the one it was sent with where that still
/// holds ([`Mask::sent_masking_holds`](crate::tree::mask::Mask::sent_masking_holds)). Else it is decided
/// again, as the page is now, only for an attribute whose value the masking decides (a content-carrying
/// one, a `title` or a `data-*`, or a value holding markup): while one match decides, the JS matches the
/// element against the [deciding selector](crate::tree::mask::Mask::deciding_selector) for a
/// content-carrying attribute, and otherwise the wasm walks up the tree.
fn attribute_events(records: &Array, names: Vec<String>, first_new: NodeId, recorder: &Recorder) -> Vec<Event> {
    let (ids, mask) = (&recorder.ids, &recorder.mask);
    let sent_holds = mask.sent_masking_holds();
    let undefined = JsValue::UNDEFINED;
    let deciding = mask.deciding_selector().map_or(&undefined, AsRef::as_ref);
    let kinds: Vec<u8> = names
        .iter()
        .map(|name| if carriers::is_left_out(name) { LEFT_OUT } else { u8::from(mask::carries_content(name)) })
        .collect();
    // The masking of a changed attribute's element, walking up the tree.
    let masking_of =
        |index: u32| dom::target_of::<Node>(&records.get(index)).map_or(Masking::Masked, |node| mask.masking_of(&node));
    let (mut changed, mut wanted) = (Vec::new(), Vec::new());
    let states = attribute_states(records, ids.map(), deciding, &kinds).to_vec();
    for ((index, name), answer) in (0..).zip(names).zip(states) {
        let kind = kinds[index as usize];
        if answer.is_nan() || answer < 0.0 || kind == LEFT_OUT {
            continue; // -1 or NaN, or never sent: nothing for the mirror
        }
        let (element_value, present, how) = (answer as u64 / 8, answer as u64 & 4 != 0, answer as u64 % 4);
        let node = Ids::id_of_value(element_value);
        // A node new in this batch was serialized as it is now; nothing beneath a blocked one is sent.
        if node >= first_new || Ids::masking_of_value(element_value) == Masking::Blocked {
            continue;
        }
        // Decided now where it decides whether the value is read (as `carriers::attribute` asks), else
        // only if the value holds markup.
        let masking = match how {
            1 => Some(Masking::Masked),
            2 => Some(Masking::Plain),
            _ if sent_holds => Some(Ids::masking_of_value(element_value)),
            _ => (present && kind == 1).then(|| masking_of(index)),
        };
        let reads = present && !masking.is_some_and(|masking| masking.masks());
        if reads {
            wanted.push(index);
        }
        changed.push((index, node, name, present, reads, masking));
    }
    let mut values = Joined::new(if wanted.is_empty() { None } else { attribute_values(records, &wanted) });
    let mut events = Vec::with_capacity(changed.len());
    for (index, node, name, present, reads, masking) in changed {
        // The values come in the order of `wanted`: each attribute read takes the next.
        let value = Cell::new(if reads { values.next_value() } else { None });
        let read = || value.take().unwrap_or_else(|| attribute_value(records, f64::from(index)).unwrap_or_default());
        let masking = || masking.unwrap_or_else(|| masking_of(index));
        let value = present.then(|| carriers::attribute(mask, &name, &masking, &read)).flatten();
        events.push(Event::Attribute { node, name, value });
    }
    events
}

/// Each changed text's event. What a node is to the mirror is read in one call into JS for the whole batch
/// (`records.js`). Its masking is the one it was sent with where that still holds
/// ([`Mask::sent_masking_holds`](crate::tree::mask::Mask::sent_masking_holds)); else the JS matches each
/// parent against the [deciding selector](crate::tree::mask::Mask::deciding_selector) while one match
/// decides, and the masking of the nodes it leaves to the wasm is decided here, walking up the tree. The
/// texts that may be sent are then read in one more call.
fn text_events(texts: &Array, first_new: NodeId, recorder: &Recorder) -> Vec<Event> {
    let (ids, mask) = (&recorder.ids, &recorder.mask);
    let sent_holds = mask.sent_masking_holds();
    let undefined = JsValue::UNDEFINED;
    let deciding = mask.deciding_selector().map_or(&undefined, AsRef::as_ref);
    let node = |index: u32| texts.get(index).unchecked_into::<Node>();
    let (mut done, mut changed, mut wanted) = (IdSet::default(), Vec::new(), Vec::new());
    for (index, answer) in (0..).zip(text_changes(texts, ids.map(), deciding).to_vec()) {
        if answer.is_nan() || answer < 0.0 {
            continue; // -1 or NaN: nothing for the mirror
        }
        let (id, how) = (Ids::id_of_value(answer as u64 / 4), answer as u64 % 4);
        // A node new in this batch was serialized as it is now.
        if id >= first_new || !done.insert(id) {
            continue;
        }
        let masking = match how {
            1 => Masking::Masked,
            2 => Masking::Plain,
            _ if sent_holds => Ids::masking_of_value(answer as u64 / 4),
            _ => mask.masking_of(&node(index)),
        };
        if !masking.masks() {
            wanted.push(index);
        }
        changed.push((index, id, masking));
    }
    let mut values = Joined::new(if wanted.is_empty() { None } else { text_values(texts, &wanted) });
    let mut events = Vec::with_capacity(changed.len());
    for (index, id, masking) in changed {
        // The texts come in the order of `wanted`: each node not masked takes the next.
        let value = Cell::new(if masking.masks() { None } else { values.next_value() });
        let read = || value.take().unwrap_or_else(|| node(index).node_value().unwrap_or_default());
        events.push(Event::Text { node: id, text: carriers::text(mask, &|| node(index), masking, &read) });
    }
    events
}

/// The forget rule: removed nodes the mirror no longer shows lose their ids, with their subtrees.
fn forget_detached(removed: &[Node], recorder: &Recorder) {
    for node in removed {
        if !is_visible_to_mirror(node, recorder) {
            recorder.ids.forget_subtree(node);
        }
    }
}

/// Whether a node sits where the mirror has it: connected, under a parent whose children it lists.
fn is_visible_to_mirror(node: &Node, recorder: &Recorder) -> bool {
    if !node.is_connected() {
        return false;
    }
    match node.parent_node() {
        None => false,
        Some(parent) if parent.node_type() == Node::DOCUMENT_NODE => true,
        Some(parent) => {
            recorder.ids.get_with_masking(&parent).is_some_and(|(_, masking)| mirrors_children(&parent, masking))
        }
    }
}
