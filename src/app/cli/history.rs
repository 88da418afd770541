//! `advisory-watch history`: the versions and changes of one source.

use std::io::Write;

use anyhow::bail;

use crate::present::listing;
use crate::present::listing::Plain;

use super::{Cli, Status, load_config, open_existing_store};

/// Runs the command, writing its output to `out`.
pub(super) async fn run(
    cli: &Cli,
    source: &str,
    format: &Plain,
    out: &mut (dyn Write + Send),
) -> anyhow::Result<Status> {
    let config = load_config(cli, false)?;
    let store = open_existing_store(cli, &config)?;
    let name = source.to_owned();
    let found = store
        .call(move |store| {
            let Some(id) = store.source_id(&name)? else {
                return Ok(None);
            };
            Ok(Some((
                store.snapshots(id)?,
                store.changes(Some(id))?,
                store.failures(id)?,
            )))
        })
        .await?;
    let Some((snapshots, changes, failures)) = found else {
        // Suggest `check` only for a source it can check.
        if config.select_sources(&[source.to_owned()]).is_ok() {
            bail!(
                "the database {} has no history of `{source}` yet; run `advisory-watch check {source}` first",
                store.path().display()
            );
        }
        bail!(
            "no source is named `{source}`, in the database {} or in {}; `advisory-watch sources` lists the sources with a history",
            store.path().display(),
            config.origin
        );
    };
    match format {
        Plain::Json => writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&listing::history_json(
                source, &snapshots, &changes, &failures
            ))?
        )?,
        _ => write!(
            out,
            "{}",
            listing::history_text(source, &snapshots, &changes, &failures)
        )?,
    }
    Ok(Status::Ok)
}
