//! `advisory-watch backfill`: store the versions a page's advisory-history panel lists, before the
//! first check.

use std::io::Write;

use anyhow::bail;

use crate::check;
use crate::net::fetch::{self, Fetcher};

use super::{Cli, Status, load_config, open_store};

/// Runs the command, writing its output to `out`.
pub(super) async fn run(
    cli: &Cli,
    source: &str,
    out: &mut (dyn Write + Send),
) -> anyhow::Result<Status> {
    let config = load_config(cli, true)?;
    let selected = config
        .select_sources(&[source.to_owned()])
        .map_err(anyhow::Error::msg)?;
    config.require_fetch_secrets(&selected)?;
    let source = &selected[0];
    let fetcher = Fetcher::new(&config.fetch)?;
    let page = match fetcher.get_source(source, None).await? {
        fetch::Fetched::Page(page) => page,
        fetch::Fetched::NotModified => {
            bail!("{} answered 304 to a plain request", source.url)
        }
    };
    let store = open_store(cli, &config)?;
    let done = check::backfill(source, &store, page)
        .await?
        .map_err(anyhow::Error::msg)?;
    writeln!(
        out,
        "Stored {} earlier version{} of {} from its history panel, then the current page.",
        done.from_history,
        if done.from_history == 1 { "" } else { "s" },
        source.name
    )?;
    for change in &done.changes {
        writeln!(
            out,
            "  {}  {}",
            &change.detected_at[..10],
            change.change.headline
        )?;
    }
    Ok(Status::Ok)
}
