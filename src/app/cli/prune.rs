//! `advisory-watch prune`: remove failures, sent and dead deliveries (and with `--versions`
//! old versions and their changes) older than a cutoff, and the page bodies nothing refers to
//! any more; `--dry-run` prints the same counts and removes nothing.

use std::io::Write;
use std::time::Duration;

use super::{Cli, Status, existing_store_path, load_config};
use crate::config::defaults;
use crate::store::StoreHandle;

/// Runs the command, writing its output to `out`.
pub(super) async fn run(
    cli: &Cli,
    older_than: Option<Duration>,
    versions: bool,
    dry_run: bool,
    out: &mut (dyn Write + Send),
) -> anyhow::Result<Status> {
    let config = load_config(cli, false)?;
    let older_than = older_than.or(config.storage_keep).unwrap_or(defaults::KEEP);
    let store = StoreHandle::open(&existing_store_path(cli, &config)?)?;
    let pruned = crate::app::retention::prune(&store, older_than, versions, dry_run).await?;
    let rows = [
        ("failures", pruned.failures),
        ("deliveries", pruned.deliveries),
        ("snapshots", pruned.versions),
        ("changes", pruned.changes),
        ("bodies", pruned.bodies),
    ];
    writeln!(
        out,
        "{} older than {}:",
        if dry_run { "Would remove" } else { "Removed" },
        humantime::format_duration(older_than)
    )?;
    for (table, count) in rows {
        writeln!(out, "  {table:<11} {count}")?;
    }
    if dry_run {
        writeln!(out, "Dry run: nothing was removed.")?;
    }
    Ok(Status::Ok)
}
