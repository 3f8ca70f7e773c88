//! The `Children` event: a parent's children become exactly the list the visitor sent, in order; and
//! `Append`, the rest of a list a sliced walk left unfinished: new nodes after the parent's last child.
//!
//! Listed nodes the mirror knows are moved, new ones are built (see `build/builder.rs`), and the parent's
//! children are reordered in as few moves as one pass allows (see `reorder.rs`). The builder finishes
//! after the new nodes are in place (form state, nested documents need that). The document's own
//! children never change in a delta: the visitor sends a snapshot instead.

use crate::apply::reorder;
use crate::build::builder::Builder;
use crate::mirror::Mirror;
use cobrowse_protocol::Node as NodeData;
use cobrowse_protocol::{Child, NodeId};
use web_sys::{Document, Node};

impl Mirror {
    /// Makes `parent`'s children exactly `children`, in order: existing nodes move, new ones are built.
    pub(crate) fn apply_children(
        &mut self,
        document: &Document,
        parent: NodeId,
        children: &[Child],
        removed: &mut Vec<Node>,
    ) {
        let Some(holder) = self.ids.children_holder(parent) else {
            self.counts.out_of_step += 1;
            return;
        };
        let mut builder = Builder::new(document, self);
        let mut unknown = 0;
        let wanted: Vec<Node> = children
            .iter()
            .filter_map(|child| match child {
                Child::Existing(id) => builder.known(*id).or_else(|| {
                    unknown += 1;
                    None
                }),
                Child::New(data) => builder.build(data),
            })
            .collect();
        let refused = reorder::reorder(&holder, &wanted, builder.mirror().injected.as_ref(), removed);
        builder.finish();
        self.counts.out_of_step += unknown + refused;
    }

    /// Builds `children` and adds them after `parent`'s last child (the viewer's own nodes stay where they
    /// are: after them is as good as anywhere).
    pub(crate) fn apply_append(&mut self, document: &Document, parent: NodeId, children: &[NodeData]) {
        let Some(holder) = self.ids.children_holder(parent) else {
            self.counts.out_of_step += 1;
            return;
        };
        let mut builder = Builder::new(document, self);
        let mut refused = 0;
        for data in children {
            if let Some(node) = builder.build(data) {
                refused += u32::from(holder.append_child(&node).is_err());
            }
        }
        builder.finish();
        self.counts.out_of_step += refused;
    }
}
