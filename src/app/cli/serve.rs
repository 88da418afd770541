//! `advisory-watch serve`: serve a read-only dashboard of sources and changes; and the HTTP
//! options it shares with `daemon --listen`.

use std::io::Write;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;

use crate::app::daemon;
use crate::present::server::{self, Limits};

use super::{Cli, Status, load_config, open_existing_store};

/// What `serve` and `daemon --listen` answer, and for how long they wait on a client.
#[derive(Debug, clap::Args)]
pub struct HttpArgs {
    /// Also answer for this Host name (repeatable), e.g. the name a reverse proxy forwards; on
    /// 127.0.0.1 only localhost, 127.0.0.1 and [::1] are answered otherwise (421)
    #[arg(long = "allowed-host", value_name = "NAME", value_parser = server::host_name)]
    allowed_hosts: Vec<String>,
    /// How long a client has to send its request's head (and an idle keep-alive connection to
    /// start the next one) before it is closed; 10s unless given (for tests)
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration, hide = true)]
    header_timeout: Option<Duration>,
    /// How many connections are served at once; 512 unless given (for tests)
    #[arg(long, value_name = "N", hide = true)]
    max_connections: Option<usize>,
}

impl HttpArgs {
    /// The limits, the defaults where none was given.
    pub(super) fn limits(&self) -> Limits {
        let defaults = Limits::default();
        Limits {
            header_timeout: self.header_timeout.unwrap_or(defaults.header_timeout),
            max_connections: self.max_connections.unwrap_or(defaults.max_connections),
        }
    }

    /// The `--allowed-host` names.
    pub(super) fn allowed_hosts(&self) -> &[String] {
        &self.allowed_hosts
    }

    /// Warns on stderr, whatever the log level (`-q` included), when `listen` is reachable from
    /// other machines: `what` ("the dashboard") has no access control of its own.
    pub(super) fn warn_if_exposed(&self, listen: &SocketAddr, what: &str) {
        if listen.ip().is_loopback() {
            return;
        }
        let hosts = if self.allowed_hosts.is_empty() {
            "; any Host is answered (give --allowed-host NAME to answer only the names you serve it under)"
        } else {
            ""
        };
        eprintln!(
            "advisory-watch: warning: {listen} is reachable from other machines, and {what} has no access control of its own: put it behind a proxy that has, or listen on 127.0.0.1{hosts}"
        );
    }
}

/// Runs the command, writing its output to `out`.
pub(super) async fn run(
    cli: &Cli,
    listen: &SocketAddr,
    http: &HttpArgs,
    out: &mut (dyn Write + Send),
) -> anyhow::Result<Status> {
    let config = load_config(cli, false)?;
    let store = open_existing_store(cli, &config)?;
    let mut stop = daemon::shutdown_signal()?;
    http.warn_if_exposed(listen, "the dashboard");
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot serve the dashboard on {listen}"))?;
    let bound = listener
        .local_addr()
        .with_context(|| format!("cannot serve the dashboard on {listen}"))?;
    writeln!(out, "Dashboard on http://{bound}/ (Ctrl-C to stop)")?;
    out.flush()?;
    crate::present::dashboard::serve(
        store,
        config.watchlists.clone(),
        listener,
        http.allowed_hosts(),
        &http.limits(),
        async move {
            let _ = stop.changed().await;
        },
    )
    .await
    .with_context(|| format!("cannot serve the dashboard on {bound}"))?;
    Ok(Status::Ok)
}
