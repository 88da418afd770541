//! `advisory-watch sources` and `advisory-watch status`: two views of every source's overview.
//! `sources` shows each source's last check, level, indicators and state; `status` its health:
//! last success, failures in a row, last error, and a failed reload of the running daemon's
//! configuration.

use std::io::Write;

use crate::present::listing;
use crate::present::listing::Plain;

use super::{Cli, Status, health, load_config, open_existing_store};

/// Which view of the overview a command prints.
pub(super) enum View {
    Sources,
    Status,
}

/// Runs the command, writing its output to `out`.
pub(super) async fn run(
    cli: &Cli,
    view: View,
    format: &Plain,
    out: &mut (dyn Write + Send),
) -> anyhow::Result<Status> {
    // The configuration only says where the database is: with `--db`, a broken file (one a
    // running daemon refused to reload) does not keep anyone from reading its state.
    let config = match load_config(cli, false) {
        Ok(config) => config,
        Err(e) if cli.db.is_some() => {
            tracing::warn!("{e}; reading the database given by --db");
            crate::config::Config::builtin(std::path::PathBuf::new())
        }
        Err(e) => return Err(e.into()),
    };
    let store = open_existing_store(cli, &config)?;
    let sources = store.call(|store| store.overview()).await?;
    match (format, view) {
        (Plain::Json, View::Sources) => json(out, &listing::sources_json(&sources))?,
        (Plain::Json, View::Status) => json(out, &listing::status_json(&sources))?,
        (_, View::Sources) => write!(out, "{}", listing::sources_text(&sources))?,
        (_, View::Status) => {
            write!(out, "{}", listing::status_text(&sources))?;
            // A daemon whose reload failed runs the configuration it had: say so.
            let load = store.call(|store| store.config_load()).await?;
            if let Some(line) = load.as_ref().and_then(listing::reload_text) {
                write!(out, "{line}")?;
            }
        }
    }
    Ok(health(&sources))
}

fn json(out: &mut (dyn Write + Send), value: &serde_json::Value) -> anyhow::Result<()> {
    writeln!(out, "{}", serde_json::to_string_pretty(value)?)?;
    Ok(())
}
