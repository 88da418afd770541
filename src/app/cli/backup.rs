//! `advisory-watch backup`: write a consistent copy of the database to FILE, also while the daemon
//! runs.

use std::io::Write;
use std::path::Path;

use anyhow::bail;

use super::{Cli, Status, load_config, open_existing_store};

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
    let store = open_existing_store(cli, &config)?;
    let target = file.to_path_buf();
    store.call(move |store| store.backup(&target)).await?;
    writeln!(
        out,
        "Wrote a consistent copy of {} to {}.",
        store.path().display(),
        file.display()
    )?;
    Ok(Status::Ok)
}
