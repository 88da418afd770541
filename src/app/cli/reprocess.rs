//! `advisory-watch reprocess`: re-extract stored pages with the current profiles, without fetching.

use std::io::Write;

use crate::check;
use crate::present::listing;

use super::{Cli, Status, load_config, open_store};

/// Runs the command, writing its output to `out`.
pub(super) async fn run(
    cli: &Cli,
    sources: &[String],
    out: &mut (dyn Write + Send),
) -> anyhow::Result<Status> {
    let config = load_config(cli, true)?;
    let selected = config.select_sources(sources).map_err(anyhow::Error::msg)?;
    let store = open_store(cli, &config)?;
    let mut results = Vec::new();
    for source in &selected {
        results.push(check::reprocess(source, &store).await?);
    }
    write!(out, "{}", listing::reprocessed_text(&results))?;
    Ok(Status::Ok)
}
