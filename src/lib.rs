//! advisory-watch: watches government travel advisories and says what changed.
//!
//! The library holds the whole program; `main.rs` only parses arguments, starts logging and
//! maps the outcome to an exit code. The data flows config -> run -> fetch -> extract -> store
//! -> diff -> report. See ARCHITECTURE.md for the code map and the invariants.

pub mod app;
pub mod check;
pub mod config;
pub mod model;
pub mod net;
pub mod notify;
pub mod present;
pub mod read;
pub mod store;
