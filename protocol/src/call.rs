//! The support call: who watches, the agents' pointer and drawing, and remote control — the values the
//! call's control messages carry (see the `Control` variants from `ConsentAsked` on).
//!
//! Coordinates are the visitor's *document* coordinates (CSS pixels from the top left corner of the page,
//! not of the viewport), so a pointer or a stroke stays on what it points at while either side scrolls.
//! The mirror lays the page out at the visitor's viewport size, so a point in the mirror's document is
//! the same point in the visitor's.
//!
//! Agents are told apart by a number the relay gives each agent connection of a session (`AgentId`, from
//! 1; 0 means "nobody" or, in what an agent sends, "me": the relay fills in the sender).

use crate::page::{NodeId, Point};
use serde::{Deserialize, Serialize};

/// An agent connection's number within a session, given by the relay (from 1). 0: nobody.
pub type AgentId = u32;

/// No agent (no one controls the page; in what an agent sends, the relay fills in the sender).
pub const NOBODY: AgentId = 0;

/// An agent who watches the session now (after the visitor's consent, where the site asks for it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentInfo {
    pub agent: AgentId,
    /// The agent's display name, as the visitor sees it.
    pub name: String,
}

/// What an agent in control does on the visitor's page. The visitor acts it out as the visitor would:
/// the events the page's own handlers see, on what the visitor could reach with the mouse and keyboard.
/// An input that names an element also names the point `at` (document coordinates) where the agent saw
/// it: the visitor finds the element by what its own page shows there (the element at that point or one
/// of its ancestors with that id), never by its id alone, so nothing hidden or covered can be reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RemoteInput {
    /// A click (press, release, click) at `at`, on the element shown there. `node` is the element the
    /// agent's mirror had there; the visitor takes it only if it is what its own page shows at `at`.
    Click { node: NodeId, at: Point },
    /// A key pressed and released on the focused element: `key` as `KeyboardEvent.key` has it ("a",
    /// "Enter", "Tab", "Backspace", "ArrowDown", ...), `modifiers` a set of [`modifiers`] bits. A printable
    /// key types its character; Tab moves the focus; Enter submits a form's field or activates a button.
    Key { key: String, modifiers: u8 },
    /// Text typed (or pasted) at once into the focused field.
    Text { text: String },
    /// The window scrolled to `to` (a document offset).
    Scroll { to: Point },
    /// The element `node`, shown at `at`, scrolled to `to` (its own scroll offset).
    ScrollElement { node: NodeId, at: Point, to: Point },
    /// The option at `index` chosen in the `<select>` element `node`, shown at `at`.
    Select { node: NodeId, at: Point, index: u32 },
}

/// The bits of [`RemoteInput::Key`]'s `modifiers`.
pub mod modifiers {
    pub const SHIFT: u8 = 1;
    pub const CTRL: u8 = 2;
    pub const ALT: u8 = 4;
    pub const META: u8 = 8;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_are_small_on_the_wire() {
        let click = RemoteInput::Click { node: 300, at: Point { x: 20, y: -3 } };
        assert_eq!(postcard::to_allocvec(&click).unwrap(), vec![0, 0xac, 0x02, 40, 5]);
        let key = RemoteInput::Key { key: "a".into(), modifiers: modifiers::SHIFT };
        assert_eq!(postcard::to_allocvec(&key).unwrap(), vec![1, 1, b'a', 1]);
    }
}
