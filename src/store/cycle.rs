//! What a cycle stored, as the program reports it: the changes, the failures and the first
//! versions of one `check`, and what `reprocess` rebuilt. Plain records that `check` fills and
//! `present` renders.

use serde::Serialize;

use crate::store::{FailureKind, StoredChange};

/// A source whose check failed.
#[derive(Debug, Clone, Serialize)]
pub struct SourceFailure {
    /// The source's name.
    pub source: String,
    /// fetch, http or extraction.
    pub kind: FailureKind,
    /// What went wrong, with the URL or selector.
    pub message: String,
}

/// What one cycle found.
#[derive(Debug, Clone, Default)]
pub struct CycleReport {
    /// Sources checked.
    pub checked: usize,
    /// Changes, in configuration order.
    pub changes: Vec<StoredChange>,
    /// Failures, in configuration order.
    pub failures: Vec<SourceFailure>,
    /// Sources whose first version was stored (no change to report yet).
    pub first_versions: Vec<String>,
    /// Sources checked without a change.
    pub unchanged: usize,
}

/// What `reprocess` did to one source.
#[derive(Debug, Clone, Serialize)]
pub struct Reprocessed {
    /// The source.
    pub source: String,
    /// Stored bodies re-read.
    pub pages: usize,
    /// Versions before.
    pub versions_before: usize,
    /// Versions after.
    pub versions_after: usize,
    /// Pages that still do not read.
    pub failures: usize,
}
