//! `advisory-watch backup`: write a consistent copy of the database to FILE, also while the daemon
//! runs.

use std::io::Write;
use std::path::Path;

use anyhow::bail;

use super::{Cli, Status, existing_store_path, load_config};
use crate::store::{Store, StoreError, StoreHandle};

/// Runs the command, writing its output to `out`.
pub(super) async fn run(
    cli: &Cli,
    file: &Path,
    out: &mut (dyn Write + Send),
) -> anyhow::Result<Status> {
    let config = load_config(cli, false)?;
    if file.exists() {
        bail!(
            "{} already exists; give a new file name (nothing was written)",
            file.display()
        );
    }
    let path = existing_store_path(cli, &config)?;
    let target = file.to_path_buf();
    match StoreHandle::open_read_only(&path) {
        Ok(store) => store.call(move |store| store.backup(&target)).await?,
        // An older schema is copied as it is: a copy before upgrading is what one wants.
        Err(StoreError::NeedsMigration { .. }) => {
            let from = path.clone();
            tokio::task::spawn_blocking(move || Store::copy_file(&from, &target)).await??;
        }
        Err(e) => return Err(e.into()),
    }
    writeln!(
        out,
        "Wrote a consistent copy of {} to {}.",
        path.display(),
        file.display()
    )?;
    Ok(Status::Ok)
}
