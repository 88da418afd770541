//! `advisory-watch daemon`: run checks on the configured schedules and deliver notifications until
//! SIGTERM; SIGHUP reloads the configuration; `--listen` serves health and metrics.

use std::io::Write;

use anyhow::{Context, bail};

use crate::app::daemon::{self, Daemon, InstanceLock};
use crate::app::health;
use crate::present::listing;

use super::{Cli, Status, config_file, load_config, storage_path};

/// Runs the command, writing its output to `out`.
pub(super) async fn run(
    cli: &Cli,
    once: &bool,
    listen: &Option<std::net::SocketAddr>,
    http: &super::serve::HttpArgs,
    out: &mut (dyn Write + Send),
) -> anyhow::Result<Status> {
    if listen.is_none() && !http.allowed_hosts().is_empty() {
        bail!(
            "--allowed-host names a Host for the health and metrics listener; give --listen ADDR too"
        );
    }
    let config = load_config(cli, true)?;
    if config.sources.is_empty() {
        bail!(
            "{} configures no [[sources]]; add one (see the README)",
            config.origin
        );
    }
    config.require_secrets(None)?;
    config.require_fetch_secrets(&config.sources)?;
    let db = storage_path(cli, &config);
    let _lock = InstanceLock::acquire(&db)?;
    let mut daemon = Daemon::new(config, &db, &config_file(cli))?;
    if *once {
        let report = daemon.once().await?;
        write!(out, "{}", listing::cycle_text(&report))?;
        return Ok(if report.failures.is_empty() {
            Status::Ok
        } else {
            Status::SourceFailed
        });
    }
    if let Some(listen) = listen {
        http.warn_if_exposed(listen, "the health and metrics listener");
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot serve health and metrics on {listen}"))?;
        let bound = listener
            .local_addr()
            .with_context(|| format!("cannot serve health and metrics on {listen}"))?;
        writeln!(out, "Health and metrics on http://{bound}/")?;
        out.flush()?;
        daemon.serve_health(health::Listening {
            listener,
            allowed_hosts: http.allowed_hosts().to_vec(),
            limits: http.limits(),
        });
    }
    // SIGHUP reloads from here on (its default would end the process).
    let reload = daemon::reload_signal()?;
    daemon.run(daemon::shutdown_signal()?, reload).await?;
    Ok(Status::Ok)
}
