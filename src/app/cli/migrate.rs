//! `advisory-watch migrate`: upgrade the database to this release's schema, keeping the file as
//! it was beside it (`DB.vN.bak`), the one step that read-only commands ask for when they find
//! an older schema.

use std::io::Write;

use super::{Cli, Status, existing_store_path, load_config};
use crate::store::{Store, backup_path};

/// Runs the command, writing its output to `out`.
pub(super) async fn run(cli: &Cli, out: &mut (dyn Write + Send)) -> anyhow::Result<Status> {
    let config = load_config(cli, false)?;
    let path = existing_store_path(cli, &config)?;
    let (found, supported) = Store::schema_version(&path)?;
    if found == supported {
        writeln!(
            out,
            "{} has schema version {supported} already; nothing to do.",
            path.display()
        )?;
        return Ok(Status::Ok);
    }
    let opened = path.clone();
    // Opening for writing applies the migrations, after the copy.
    tokio::task::spawn_blocking(move || Store::open(&opened).map(drop)).await??;
    writeln!(
        out,
        "Upgraded {} from schema version {found} to {supported}; the file as it was is kept as {}.",
        path.display(),
        backup_path(&path, found).display()
    )?;
    Ok(Status::Ok)
}
