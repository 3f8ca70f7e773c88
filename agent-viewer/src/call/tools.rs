//! The agent's tools over the mirror: a pointer the visitor sees, "look here" highlights, and freehand
//! drawing. At most one is active; pressing the active tool's button puts it down.

/// A tool of the toolbar (`#tool-pointer`, `#tool-highlight`, `#tool-draw`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    /// Mouse moves over the mirror show the agent's pointer on the visitor's page.
    Pointer,
    /// A click on the mirror highlights the element under the mouse for the visitor.
    Highlight,
    /// Press and drag draws a stroke that fades on both sides.
    Draw,
}

impl Tool {
    pub const ALL: [Tool; 3] = [Tool::Pointer, Tool::Highlight, Tool::Draw];

    /// The tool's name, as `selectTool` takes it and `window.cobrowseViewer.tool` shows it.
    pub fn as_str(self) -> &'static str {
        match self {
            Tool::Pointer => "pointer",
            Tool::Highlight => "highlight",
            Tool::Draw => "draw",
        }
    }

    /// The tool called `name`, if any.
    pub fn parse(name: &str) -> Option<Tool> {
        Tool::ALL.into_iter().find(|tool| tool.as_str() == name)
    }
}

/// The tool held after the agent pressed `pressed`'s button while holding `current`: the pressed tool,
/// or none if it was the one held.
pub fn press(current: Option<Tool>, pressed: Tool) -> Option<Tool> {
    match current == Some(pressed) {
        true => None,
        false => Some(pressed),
    }
}
