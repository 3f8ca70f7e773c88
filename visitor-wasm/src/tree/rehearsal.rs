//! Rehearsal: a mutation batch's path (records read, masked, written and deflated as a delta) run once on
//! a document of its own soon after a session starts, so that the page's first real changes do not pay
//! for compiling that path.
//!
//! Why: the browser compiles a wasm function the first time it is called (V8 compiles lazily, on the main
//! thread, in the task that calls it), and the JS glue the same way. The snapshot's functions are compiled
//! while the session starts, but the record path was compiled inside the page's first mutation batch: on
//! the bench's storm of 1,000 text changes, that was about a third of what our recorder added to the
//! storm (`BENCHMARKS.md`, eighth session).
//!
//! How: once the page is sent, a task of its own (`session.rs`) has `js/records.js` make a small
//! document with `createHTMLDocument` (inert: no script runs and nothing loads in it, and it is not the
//! page's, so the page's own observers never see it); a recorder of its own gives its nodes ids, the JS
//! makes the changes a page makes most (a text changed, attributes set, an element removed and one added)
//! under an observer made by the shim's pristine constructor, and the records go through `record::batch`
//! and an encoder of its own. What they made is thrown away: nothing is sent, and the session's ids, masking
//! state and deflate context are untouched. It takes 1 to 1.5 ms, once a page. Where
//! the browser makes no document or no records, nothing is rehearsed: the first batch compiles the path as
//! before.

use crate::recorder::Recorder;
use crate::tree::mask::Masking;
use crate::tree::record::{self, Batch};
use crate::tree::snapshot;
use cobrowse_protocol::message::Encoder;
use cobrowse_protocol::Delta;
use js_sys::Array;
use wasm_bindgen::prelude::*;
use web_sys::Document;

#[wasm_bindgen(module = "/js/records.js")]
extern "C" {
    /// A document of the rehearsal's own, inert, its body holding a text and an element; `None` if the
    /// browser makes none.
    #[wasm_bindgen(js_name = rehearsalPage)]
    fn rehearsal_page() -> Option<Document>;
    /// The mutation records of the changes a page makes most, made to that document's body and observed
    /// as the recorder observes, by the pristine constructor in `hooks`; `None` if the browser refuses.
    #[wasm_bindgen(js_name = rehearsalRecords)]
    fn rehearsal_records(page: &Document, hooks: &JsValue) -> Option<Array>;
}

/// Runs the rehearsal with the shim's `hooks`; the delta the changes made, for tests, or `None` if the
/// browser made no document or no records.
pub fn rehearse(hooks: &JsValue) -> Option<Delta> {
    let page = rehearsal_page()?;
    let mut recorder = Recorder::new(hooks);
    // What the session's snapshot compiled already: here it only gives the nodes their ids.
    snapshot::new_subtree(&page.body()?.into(), Masking::Plain, 1, &mut recorder)?;
    let Batch::Delta(delta) = record::batch(&rehearsal_records(&page, hooks)?, &mut recorder) else { return None };
    Encoder::new().delta(&delta);
    Some(delta)
}
