//! What people read: reports in every format, the matrix of countries by governments, the HTML
//! pieces, the Atom feed, the read-only dashboard and the HTTP server it (and the daemon's
//! health listener) runs on, publishing a report to a file, and text made safe for a terminal.
//! Read-only views over the store; they take the current time as a parameter. May import
//! `store`, `config`, `read` and `model`.

pub mod atom;
pub mod brief;
pub mod briefing;
pub mod change;
pub mod chart;
pub mod dashboard;
pub mod html;
pub mod listing;
pub mod map;
pub mod matrix;
pub mod publish;
pub mod report;
pub mod server;
pub mod terminal;
pub mod words;
