//! `advisory-watch check`: fetch now (all sources when none is named), store, compare, print the
//! changes.

use std::io::Write;
use std::sync::Arc;

use anyhow::bail;

use crate::check::{self as run, Checker};
use crate::net::fetch::Fetcher;
use crate::notify::{self, Sender};
use crate::present::listing;
use crate::present::listing::Format;

use super::{Cli, Status, load_config, open_store};

/// Runs the command, writing its output to `out`.
pub(super) async fn run(
    cli: &Cli,
    sources: &[String],
    format: &Format,
    out: &mut (dyn Write + Send),
) -> anyhow::Result<Status> {
    let config = load_config(cli, true)?;
    let selected = config.select_sources(sources).map_err(anyhow::Error::msg)?;
    if selected.is_empty() {
        bail!(
            "{} configures no [[sources]]; add one (see the README)",
            config.origin
        );
    }
    config.require_fetch_secrets(&selected)?;
    // The client loads the system's certificates while the database opens and the sources'
    // latest state is read.
    let settings = config.fetch.clone();
    let fetcher = std::thread::spawn(move || Fetcher::new(&settings));
    let store = open_store(cli, &config)?;
    let prepared = run::prepare(&selected, &store).await?;
    run::retire_unconfigured(&store, &config.sources).await?;
    let checker = Checker {
        fetcher: fetcher
            .join()
            .map_err(|_| anyhow::anyhow!("building the HTTP client panicked"))??,
        store,
        concurrency: config.fetch.concurrency,
        notify: Arc::new(config.notify.clone()),
    };
    let report = run::check_prepared(&selected, prepared, &checker).await?;
    if !config.notify.channels.is_empty() {
        // One attempt now, through the channels whose secrets are set; the daemon
        // retries what fails, and sends what waits for a secret once it is set.
        let sendable = config.sendable_notify();
        let sender = Sender::new(&config.fetch.user_agent, config.notify_timeout)?;
        notify::deliver_due(&checker.store, &sender, &sendable).await?;
    }
    match format {
        Format::Json => writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&listing::cycle_json(&report))?
        )?,
        Format::Markdown => write!(out, "{}", listing::cycle_markdown(&report))?,
        Format::Text => write!(out, "{}", listing::cycle_text(&report))?,
    }
    Ok(if report.failures.is_empty() {
        Status::Ok
    } else {
        Status::SourceFailed
    })
}
