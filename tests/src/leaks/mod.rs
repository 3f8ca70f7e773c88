//! The masking leak suite's harness (`tests/tests/leak_suite.rs`): sentinel secrets and how they are
//! searched for, the frames, engine messages and logs searched, the scenarios, and the masking rules they
//! run under.

pub mod capture;
pub mod engine;
pub mod rules;
pub mod scenarios;
pub mod search;
