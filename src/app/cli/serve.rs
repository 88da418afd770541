//! `advisory-watch serve`: serve a read-only dashboard of sources and changes.

use std::io::Write;

use anyhow::Context;

use crate::app::daemon;

use super::{Cli, Status, load_config, open_existing_store};

/// Runs the command, writing its output to `out`.
pub(super) async fn run(
    cli: &Cli,
    listen: &std::net::SocketAddr,
    out: &mut (dyn Write + Send),
) -> anyhow::Result<Status> {
    let config = load_config(cli, false)?;
    let store = open_existing_store(cli, &config)?;
    let mut stop = daemon::shutdown_signal()?;
    if !listen.ip().is_loopback() {
        tracing::warn!(
            "{listen} is reachable from other machines, and the dashboard has no access control of its own: put it behind a proxy that has, or listen on 127.0.0.1"
        );
    }
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot serve the dashboard on {listen}"))?;
    let bound = listener
        .local_addr()
        .with_context(|| format!("cannot serve the dashboard on {listen}"))?;
    writeln!(out, "Dashboard on http://{bound}/ (Ctrl-C to stop)")?;
    out.flush()?;
    crate::present::dashboard::serve(store, config.watchlists.clone(), listener, async move {
        let _ = stop.changed().await;
    })
    .await
    .with_context(|| format!("cannot serve the dashboard on {bound}"))?;
    Ok(Status::Ok)
}
