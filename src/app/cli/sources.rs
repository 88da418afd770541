//! `advisory-watch sources`: each source with its last check, level, indicators and state.

use std::io::Write;

use crate::present::listing;
use crate::present::listing::Plain;

use super::{Cli, Status, health, load_config, open_existing_store};

/// Runs the command, writing its output to `out`.
pub(super) async fn run(
    cli: &Cli,
    format: &Plain,
    out: &mut (dyn Write + Send),
) -> anyhow::Result<Status> {
    let config = load_config(cli, false)?;
    let store = open_existing_store(cli, &config)?;
    let sources = store.call(|store| store.overview()).await?;
    match format {
        Plain::Json => writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&listing::sources_json(&sources))?
        )?,
        _ => write!(out, "{}", listing::sources_text(&sources))?,
    }
    Ok(health(&sources))
}
