//! One check cycle and its relatives: fetch each source, read it, compare with the latest
//! version, record the version, the change and its deliveries (`cycle`), the countries of a
//! feed or index as sources of their own (`items`); import an archive (`import`), backfill
//! from a history panel (`backfill`), reprocess stored pages (`reprocess`). May import every
//! layer below `app`.

mod backfill;
mod cycle;
mod import;
mod items;
mod reprocess;
mod steps;

pub use crate::store::cycle::{CycleReport, Reprocessed, SourceFailure};
pub use backfill::{Backfilled, backfill};
pub use cycle::{
    Checker, Prepared, check, check_in_batch, check_prepared, prepare, register_sources,
    retire_unconfigured,
};
pub use import::{Imported, import};
pub use reprocess::reprocess;
