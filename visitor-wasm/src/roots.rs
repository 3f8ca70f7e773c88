//! Roots below elements: open shadow roots and same-origin frame documents, watched like the document.
//!
//! The snapshot serializes such a root under its host (`Extras::shadow`, `Extras::frame`) with its own id,
//! and calls [`watch`] on it: the recorder's one MutationObserver then observes it too (an observer on the
//! document does not see inside shadow roots or frames), so its changes become `Children`, `Attribute` and
//! `Text` events naming the root's nodes, or the root itself. A watched document also gets a capture-phase
//! `load` listener, so a frame in it that loads a new document (added later, navigated, reloaded) is
//! reported as `changed("frame", iframe)` (see `frames.rs`). A frame document also gets capture-phase
//! `input`, `change` and `scroll` listeners (the session's own listen on the top document only), reported as
//! `changed("input", field)` and `changed("scroll", target)`; a shadow root gets a `scroll` listener (a
//! scroll inside it is not seen from the document).
//!
//! Masking crosses these boundaries: [`host_of`] gives the element a root hangs under, whose masking its
//! content inherits (see `mask::masking_of`).

use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, EventTarget, MutationObserver, MutationObserverInit, Node};

/// The recorder's observer and what watching a root needs.
struct Watcher {
    observer: MutationObserver,
    options: MutationObserverInit,
    /// One listener (`load`, and `input` / `change` in frame documents) for every watched document, so
    /// adding it twice to one document is a no-op.
    listener: Closure<dyn FnMut(web_sys::Event)>,
    documents: Vec<Document>,
    /// Shadow roots listened to for `scroll` (which does not leave a shadow root).
    shadow_roots: Vec<EventTarget>,
}

thread_local! {
    static WATCHER: RefCell<Option<Watcher>> = const { RefCell::new(None) };
}

/// From now on, [`watch`] observes roots with `observer` and `options` (the recorder calls this).
pub fn start_watching(observer: &MutationObserver, options: MutationObserverInit) {
    stop_watching();
    let listener = Closure::new(on_event);
    WATCHER.set(Some(Watcher {
        observer: observer.clone(),
        options,
        listener,
        documents: Vec::new(),
        shadow_roots: Vec::new(),
    }));
}

/// Stops reporting frame loads (the observer itself is disconnected by the recorder).
pub fn stop_watching() {
    let Some(watcher) = WATCHER.take() else { return };
    for document in &watcher.documents {
        for kind in EVENTS {
            let _ = document.remove_event_listener_with_callback_and_bool(
                kind,
                watcher.listener.as_ref().unchecked_ref(),
                true,
            );
        }
    }
    for root in &watcher.shadow_roots {
        let _ = root.remove_event_listener_with_callback_and_bool(
            "scroll",
            watcher.listener.as_ref().unchecked_ref(),
            true,
        );
    }
}

/// Observes `root` (the document, a shadow root or a frame document) if a recorder runs.
pub fn watch(root: &Node) -> Result<(), JsValue> {
    let Some(mut watcher) = WATCHER.take() else { return Ok(()) };
    let watched = watch_with(&mut watcher, root);
    WATCHER.set(Some(watcher));
    watched
}

fn watch_with(watcher: &mut Watcher, root: &Node) -> Result<(), JsValue> {
    watcher.observer.observe_with_options(root, &watcher.options)?;
    // A snapshot taken again watches the same documents again: listen to each once.
    if root.node_type() == Node::DOCUMENT_NODE
        && !watcher.documents.iter().any(|document| AsRef::<Node>::as_ref(document) == root)
    {
        let target: &EventTarget = root.unchecked_ref();
        let is_frame_document = host_of(root).is_some();
        for kind in EVENTS {
            if kind == "load" || is_frame_document {
                target.add_event_listener_with_callback_and_bool(
                    kind,
                    watcher.listener.as_ref().unchecked_ref(),
                    true,
                )?;
            }
        }
        watcher.documents.push(root.clone().unchecked_into());
    }
    if root.node_type() == Node::DOCUMENT_FRAGMENT_NODE
        && !watcher.shadow_roots.iter().any(|known| AsRef::<JsValue>::as_ref(known) == AsRef::<JsValue>::as_ref(root))
    {
        let target: &EventTarget = root.unchecked_ref();
        target.add_event_listener_with_callback_and_bool("scroll", watcher.listener.as_ref().unchecked_ref(), true)?;
        watcher.shadow_roots.push(target.clone());
    }
    Ok(())
}

/// The events a watched document is listened to for (`input`, `change` and `scroll` in frame documents
/// only; shadow roots get `scroll`).
const EVENTS: [&str; 4] = ["load", "input", "change", "scroll"];

/// An event in a watched document: a frame's `load` (its new document; other loads are not reported), or
/// typing in a frame document.
fn on_event(event: web_sys::Event) {
    let Some(target) = event.target() else { return };
    match event.type_().as_str() {
        "load" => {}
        "scroll" => return crate::changed("scroll".into(), target.into()),
        _ => return crate::changed("input".into(), target.into()),
    }
    let target: Node = target.unchecked_into();
    if target.node_type() == Node::ELEMENT_NODE && crate::frames::is_frame(target.unchecked_ref()) {
        crate::changed("frame".into(), target.into());
    }
}

/// The element `root` hangs under: a shadow root's host, a frame document's frame element; `None` for the
/// top document and for anything else.
pub fn host_of(root: &Node) -> Option<Element> {
    match root.node_type() {
        Node::DOCUMENT_FRAGMENT_NODE => {
            let host = js_sys::Reflect::get(root, &"host".into()).ok()?;
            host.is_object().then(|| host.unchecked_into())
        }
        Node::DOCUMENT_NODE => root.unchecked_ref::<Document>().default_view()?.frame_element().ok()?,
        _ => None,
    }
}
