//! The agent's viewer (work in progress).
