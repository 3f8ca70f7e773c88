//! Building: the visitor's serialized nodes become mirror DOM nodes.
//!
//! `snapshot.rs` rebuilds the whole page; `builder.rs` walks a serialized subtree (for a snapshot, a
//! `Children` event, a shadow root or a nested document), `node.rs` creates each node, `attributes.rs`
//! sets its attributes; `shadow.rs` and `nested_document.rs` build what hangs below an element;
//! `fresh_document.rs` resets a document, `injected.rs` adds the viewer's own nodes, `blocked.rs` draws
//! blocked elements, `view_only.rs` keeps every built document from navigating and `listeners.rs` gives
//! it the agent's gesture listeners (`surface/`).

pub mod attributes;
pub mod blocked;
pub mod builder;
pub mod fresh_document;
pub mod injected;
pub mod listeners;
pub mod nested_document;
pub mod node;
pub mod shadow;
pub mod snapshot;
pub mod view_only;
