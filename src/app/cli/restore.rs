//! `advisory-watch restore FILE`: replace the database with a copy (from `backup`, an upgrade's
//! `.bak`, Litestream), refused while a daemon runs on it, after SQLite's integrity check of the
//! copy; the database it replaces is kept beside it (`DB.replaced-YYYYMMDDTHHMMSS`).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use super::{Cli, Status, load_config, storage_path};
use crate::app::daemon::InstanceLock;
use crate::store::Store;

/// Runs the command, writing its output to `out`.
pub(super) async fn run(
    cli: &Cli,
    file: &Path,
    out: &mut (dyn Write + Send),
) -> anyhow::Result<Status> {
    let config = load_config(cli, false)?;
    let db = storage_path(cli, &config);
    if !file.is_file() {
        bail!("{} is not a file; nothing was replaced", file.display());
    }
    if let Some(parent) = db.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    // Held until the copy is in place, so no daemon starts on the database meanwhile.
    let _lock = InstanceLock::acquire_for_replacing(&db)
        .context("restore refused while a daemon uses the database; nothing was replaced")?;
    if let Err(findings) = Store::integrity_check(file)? {
        bail!(
            "{} fails SQLite's integrity check ({findings}); nothing was replaced",
            file.display()
        );
    }
    let (found, supported) = Store::schema_version(file)?;
    if found > supported {
        bail!(
            "{} has schema version {found}, newer than this program's {supported}; upgrade advisory-watch (nothing was replaced)",
            file.display()
        );
    }
    let keep = db.exists().then(|| replaced_path(&db));
    let (target, from, kept) = (db.clone(), file.to_owned(), keep.clone());
    tokio::task::spawn_blocking(move || Store::restore(&target, &from, kept.as_deref())).await??;
    writeln!(
        out,
        "Restored {} from {} (schema version {found}).",
        db.display(),
        file.display()
    )?;
    if let Some(keep) = keep {
        writeln!(
            out,
            "The database it replaced is kept as {}.",
            keep.display()
        )?;
    }
    if found < supported {
        writeln!(
            out,
            "Run `advisory-watch migrate` to upgrade it to schema version {supported}."
        )?;
    }
    Ok(Status::Ok)
}

/// `DB.replaced-YYYYMMDDTHHMMSS`, now (UTC), with `-2`, `-3`... when taken.
fn replaced_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(format!(
        ".replaced-{}",
        chrono::Utc::now().format("%Y%m%dT%H%M%S")
    ));
    let mut path = PathBuf::from(&name);
    let mut n = 2;
    while path.exists() {
        let mut other = name.clone();
        other.push(format!("-{n}"));
        path = PathBuf::from(other);
        n += 1;
    }
    path
}
