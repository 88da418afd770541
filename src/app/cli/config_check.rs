//! `advisory-watch config-check`: validate the configuration and list its sources and profiles.

use std::io::Write;

use super::{Cli, Status, config_check, load_config};

/// Runs the command, writing its output to `out`.
pub(super) async fn run(cli: &Cli, out: &mut (dyn Write + Send)) -> anyhow::Result<Status> {
    let config = load_config(cli, true)?;
    config_check(&config, out)?;
    Ok(Status::Ok)
}
