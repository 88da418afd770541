//! One check cycle and its relatives: fetch each source, read it, compare with the latest
//! version, record the version, the change and its deliveries; import an archive, backfill
//! from a history panel, reprocess stored pages. May import every layer below `app`.

pub mod run;
