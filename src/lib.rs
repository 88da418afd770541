//! advisory-watch: watches government travel advisories and says what changed.
//!
//! The library holds the whole program; `main.rs` only parses arguments, starts logging and
//! maps the outcome to an exit code. The data flows config -> run -> fetch -> extract -> store
//! -> diff -> report. See ARCHITECTURE.md for the code map and the invariants.

pub mod advisory;
pub mod alert;
pub mod archive;
pub mod atom;
pub mod cli;
pub mod config;
pub mod country;
pub mod daemon;
pub mod dashboard;
pub mod demo;
pub mod diff;
pub mod extract;
pub mod fcdo;
pub mod feed;
pub mod fetch;
pub mod html;
pub mod json_profile;
pub mod notify;
pub mod ota;
pub mod page_limits;
pub mod page_region;
pub mod profile;
pub mod publish;
pub mod report;
pub mod run;
pub mod scale;
pub mod schedule;
pub mod store;
pub mod terminal;
pub mod xml_profile;
