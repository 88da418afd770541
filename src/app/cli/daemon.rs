//! `advisory-watch daemon`: run checks on the configured schedules and deliver notifications until
//! SIGTERM; SIGHUP reloads the configuration.

use std::io::Write;

use anyhow::bail;

use crate::app::daemon::{self, Daemon, InstanceLock};
use crate::present::listing;

use super::{Cli, Status, config_file, load_config, storage_path};

/// Runs the command, writing its output to `out`.
pub(super) async fn run(
    cli: &Cli,
    once: &bool,
    out: &mut (dyn Write + Send),
) -> anyhow::Result<Status> {
    let config = load_config(cli, true)?;
    if config.sources.is_empty() {
        bail!(
            "{} configures no [[sources]]; add one (see the README)",
            config.origin
        );
    }
    config.require_secrets(None)?;
    let db = storage_path(cli, &config);
    let _lock = InstanceLock::acquire(&db)?;
    let daemon = Daemon::new(config, &db, &config_file(cli))?;
    if *once {
        let report = daemon.once().await?;
        write!(out, "{}", listing::cycle_text(&report))?;
        return Ok(if report.failures.is_empty() {
            Status::Ok
        } else {
            Status::SourceFailed
        });
    }
    // SIGHUP reloads from here on (its default would end the process).
    let reload = daemon::reload_signal()?;
    daemon.run(daemon::shutdown_signal()?, reload).await?;
    Ok(Status::Ok)
}
