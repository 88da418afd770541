//! How the dashboard (`serve`) and the daemon's health listener (`daemon --listen`) serve HTTP.
//!
//! This module owns the accept loop under both routers (hyper's HTTP/1 connections, one task
//! each) and what it refuses: a client that has not sent a whole request head within the header
//! timeout is closed, and so is a keep-alive connection that waits that long for its next
//! request (hyper starts the same timer again after each answer); at most `max_connections` are
//! open at once, and one more is answered 503 and closed at once, never left waiting; a request
//! whose Host is not one the server answers for is a 421 (DNS rebinding). Each is logged when it
//! happens, at most once a minute with a count. It raises the process's soft limit on open files
//! to the hard one, since every connection is a file. What the routes answer is the routers'
//! (`dashboard`, `app::health`).

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

/// How long a client has to send a request's head (and a keep-alive connection to start its
/// next request) before its connection is closed.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// How many connections are served at once; the open-file limit may lower it.
pub const MAX_CONNECTIONS: usize = 512;

/// Open files kept for everything else than connections (the database and its journal, the
/// log, the daemon's fetches and sockets).
const RESERVED_FILES: u64 = 128;

/// How often a refusal of one kind is logged at most (with the count since the last line).
const LOG_EVERY: Duration = Duration::from_secs(60);

/// How long the connections still open at shutdown are given to finish the request they are
/// on (a half-sent one would otherwise hold the shutdown for the header timeout).
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// What a server allows its clients.
#[derive(Clone, Debug)]
pub struct Limits {
    /// See [`HEADER_TIMEOUT`].
    pub header_timeout: Duration,
    /// See [`MAX_CONNECTIONS`].
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            header_timeout: HEADER_TIMEOUT,
            max_connections: MAX_CONNECTIONS,
        }
    }
}

/// An event logged at most once per [`LOG_EVERY`], with how often it happened since.
#[derive(Debug, Default)]
struct Tally {
    count: AtomicU64,
    logged: Mutex<Option<Instant>>,
}

impl Tally {
    /// Counts one; the count since the last line when it is time to log one.
    fn hit(&self) -> Option<u64> {
        self.count.fetch_add(1, Ordering::Relaxed);
        let mut logged = self.logged.lock().unwrap_or_else(PoisonError::into_inner);
        if logged.is_none_or(|at| at.elapsed() >= LOG_EVERY) {
            *logged = Some(Instant::now());
            Some(self.count.swap(0, Ordering::Relaxed))
        } else {
            None
        }
    }

    /// What was counted and not yet logged.
    fn rest(&self) -> u64 {
        self.count.swap(0, Ordering::Relaxed)
    }
}

/// The Host names a server answers for: on a loopback address only `localhost`, `127.0.0.1`,
/// `[::1]` and the address itself (with any port or none), so that a page whose name was made to
/// resolve to 127.0.0.1 (DNS rebinding) cannot read it; and the names given with
/// `--allowed-host`. On another address with no `--allowed-host`, any Host.
#[derive(Clone, Debug)]
pub struct Hosts {
    /// The names, lowercase and without port; `None`: any.
    names: Option<Arc<[String]>>,
    refused: Arc<Tally>,
}

impl Hosts {
    /// The names a server listening on `address` answers for, `allowed` included.
    pub fn for_listener(address: SocketAddr, allowed: &[String]) -> Hosts {
        let restricted = address.ip().is_loopback() || !allowed.is_empty();
        let names = restricted.then(|| {
            let mut names: Vec<String> = ["localhost", "127.0.0.1", "[::1]"]
                .into_iter()
                .map(str::to_owned)
                .collect();
            if !address.ip().is_unspecified() {
                names.push(match address.ip() {
                    IpAddr::V4(ip) => ip.to_string(),
                    IpAddr::V6(ip) => format!("[{ip}]"),
                });
            }
            names.extend(allowed.iter().map(|name| name_of(name)));
            names.sort();
            names.dedup();
            names.into()
        });
        Hosts {
            names,
            refused: Arc::default(),
        }
    }

    /// Whether any Host is answered.
    pub fn any(&self) -> bool {
        self.names.is_none()
    }

    /// Whether a request with this Host (or absolute URI authority) is answered.
    pub fn admits(&self, host: &str) -> bool {
        self.names
            .as_ref()
            .is_none_or(|names| names.iter().any(|n| *n == name_of(host)))
    }

    /// "localhost, 127.0.0.1, [::1]", or "any".
    fn words(&self) -> String {
        self.names
            .as_ref()
            .map_or("any".to_owned(), |names| names.join(", "))
    }
}

/// A Host's name: lowercase, without its port or a final dot.
fn name_of(host: &str) -> String {
    let host = host.trim();
    let name = match host.strip_prefix('[') {
        // `[::1]:8080`: the brackets are the name's.
        Some(rest) => rest
            .split_once(']')
            .map_or(host.to_owned(), |(ip, _)| format!("[{ip}]")),
        None => match host.rsplit_once(':') {
            Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name.to_owned(),
            _ => host.to_owned(),
        },
    };
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// An `--allowed-host` value: a DNS name or an address, with or without a port.
pub fn host_name(text: &str) -> Result<String, String> {
    let text = text.trim();
    let fine = |b: u8| b.is_ascii_alphanumeric() || b"-._:[]".contains(&b);
    if text.is_empty() || !text.bytes().all(fine) {
        return Err(format!(
            "`{text}` is not a host name (letters, digits, `-`, `.`, an address, and an optional `:PORT`)"
        ));
    }
    Ok(name_of(text))
}

/// Answers a request only when its Host is one `hosts` admits; otherwise a 421 that names the
/// Host and `--allowed-host`. A request without a Host (HTTP/1.0) is answered: every browser
/// sends one.
pub async fn refuse_other_hosts(
    State(hosts): State<Hosts>,
    request: Request,
    next: Next,
) -> Response {
    if hosts.any() {
        return next.run(request).await;
    }
    let named = request
        .headers()
        .get_all(header::HOST)
        .iter()
        .map(|value| value.to_str().unwrap_or("(not ASCII)"));
    let authority = request.uri().authority().map(|a| a.as_str());
    if let Some(host) = named.chain(authority).find(|host| !hosts.admits(host)) {
        return misdirected(&hosts, host);
    }
    next.run(request).await
}

fn misdirected(hosts: &Hosts, host: &str) -> Response {
    let host: String = host.chars().take(100).collect();
    if let Some(count) = hosts.refused.hit() {
        tracing::warn!(
            "refused a request for the Host `{host}` with a 421: it answers only for {}; behind a reverse proxy, start it with --allowed-host NAME ({count} since the last line like this)",
            hosts.words()
        );
    }
    let body = format!(
        "421 Misdirected Request: this server does not answer for the Host `{host}`; it answers for {}.\nBehind a reverse proxy, start it with --allowed-host NAME (repeatable) for each name it forwards.\n",
        hosts.words()
    );
    let mut response = (StatusCode::MISDIRECTED_REQUEST, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// Raises this process's soft limit on open files to its hard limit, and returns the soft limit
/// in force (`None`: unlimited).
pub fn raise_file_limit() -> Option<u64> {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    match (limit.current, limit.maximum) {
        (Some(soft), Some(hard)) if soft < hard => {
            let raised = Rlimit {
                current: Some(hard),
                maximum: Some(hard),
            };
            match setrlimit(Resource::Nofile, raised) {
                Ok(()) => {
                    tracing::debug!(from = soft, to = hard, "raised the open-file limit");
                    Some(hard)
                }
                Err(error) => {
                    tracing::debug!(soft, hard, %error, "cannot raise the open-file limit");
                    Some(soft)
                }
            }
        }
        (soft, _) => soft,
    }
}

/// What the server counts and logs.
#[derive(Debug, Default)]
struct Tallies {
    /// Connections answered 503 because `max_connections` were open.
    over_cap: Tally,
    /// Connections closed by the header timeout with part of a request unanswered.
    stalled: Tally,
    /// Failures to accept (out of files, say).
    accept_failed: Tally,
}

/// Serves `router` on `listener` within `limits` until `shutdown` completes; then the open
/// connections finish the request they are on (idle ones close at once) within 3 s, and the
/// rest are closed. `what` names the server in the log
/// ("dashboard").
pub async fn serve(
    what: &'static str,
    router: Router,
    listener: TcpListener,
    limits: &Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let files = raise_file_limit();
    let mut cap = limits.max_connections.max(1);
    if let Some(files) = files {
        let room = usize::try_from(files.saturating_sub(RESERVED_FILES).max(1)).unwrap_or(cap);
        if room < cap {
            tracing::info!(
                open_file_limit = files,
                connections = room,
                "at most {room} connections at once: the open-file limit allows no more"
            );
            cap = room;
        }
    }
    tracing::info!(address = %listener.local_addr()?, connections = cap, header_timeout = ?limits.header_timeout, "{what} listening");
    let open = Arc::new(Semaphore::new(cap));
    let tallies = Arc::new(Tallies::default());
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true);
    let (stop, stopping) = watch::channel(false);
    let mut connections = JoinSet::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    Err(error) => {
                        if let Some(count) = tallies.accept_failed.hit() {
                            tracing::warn!("{what} cannot accept a connection: {error} ({count} since the last line like this)");
                        }
                        // Out of files, most likely: some close soon.
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let Ok(permit) = Arc::clone(&open).try_acquire_owned() else {
                    if let Some(count) = tallies.over_cap.hit() {
                        tracing::warn!(
                            "{what}: {cap} connections are open, the most it serves at once; new ones are answered 503 until some close ({count} since the last line like this)"
                        );
                    }
                    refuse_busy(stream);
                    continue;
                };
                let unanswered = Arc::new(AtomicBool::new(false));
                let io = TokioIo::new(Tracked { stream, unanswered: Arc::clone(&unanswered) });
                let connection = http.serve_connection(io, TowerToHyperService::new(router.clone()));
                let (mut stopping, tallies) = (stopping.clone(), Arc::clone(&tallies));
                let header_timeout = limits.header_timeout;
                connections.spawn(async move {
                    let mut connection = std::pin::pin!(connection);
                    let result = tokio::select! {
                        result = connection.as_mut() => result,
                        () = async { let _ = stopping.wait_for(|stop| *stop).await; } => {
                            connection.as_mut().graceful_shutdown();
                            connection.as_mut().await
                        }
                    };
                    match result {
                        Err(error) if error.is_timeout() && unanswered.load(Ordering::Relaxed) => {
                            if let Some(count) = tallies.stalled.hit() {
                                tracing::warn!(
                                    "{what}: closed a connection that did not send a whole request head within {}s ({count} since the last line like this)",
                                    header_timeout.as_secs_f64()
                                );
                            }
                        }
                        // An idle keep-alive connection, or a client that went away.
                        Err(error) => tracing::debug!(%error, "{what}: connection closed"),
                        Ok(()) => {}
                    }
                    drop(permit);
                });
            }
        }
    }
    let _ = stop.send(true);
    let finished = tokio::time::timeout(SHUTDOWN_GRACE, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if finished.is_err() {
        tracing::debug!(
            open = connections.len(),
            "{what}: closing connections still open at shutdown"
        );
    }
    for (count, words) in [
        (tallies.over_cap.rest(), "refused over the connection cap"),
        (tallies.stalled.rest(), "closed by the header timeout"),
    ] {
        if count > 0 {
            tracing::warn!(count, "{what}: {count} more connections {words}");
        }
    }
    Ok(())
}

/// Answers a connection over the cap with a 503 and closes it, without waiting on the client.
fn refuse_busy(stream: TcpStream) {
    let body = "503 Service Unavailable: too many open connections; try again shortly\n";
    let answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\nRetry-After: 5\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    // Whatever the client already sent is read first, so that closing does not reset the
    // connection before it reads the answer; a new socket's buffer takes the answer at once.
    let _ = stream.try_read(&mut [0; 4096]);
    let _ = stream.try_write(answer.as_bytes());
}

/// A connection's stream, noting whether bytes came in that no answer has followed yet (so a
/// header timeout on a half-sent request is told from one on an idle keep-alive connection).
struct Tracked {
    stream: TcpStream,
    unanswered: Arc<AtomicBool>,
}

impl AsyncRead for Tracked {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.stream).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.unanswered.store(true, Ordering::Relaxed);
        }
        polled
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.stream).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.unanswered.store(false, Ordering::Relaxed);
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.stream).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.unanswered.store(false, Ordering::Relaxed);
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loopback() -> Hosts {
        Hosts::for_listener("127.0.0.1:8080".parse().expect("address"), &[])
    }

    #[test]
    fn a_loopback_server_answers_only_for_local_names_with_any_port() {
        let hosts = loopback();
        for host in [
            "localhost",
            "localhost:8080",
            "LocalHost:1",
            "localhost.",
            "127.0.0.1",
            "127.0.0.1:8080",
            "[::1]",
            "[::1]:8080",
        ] {
            assert!(hosts.admits(host), "{host}");
        }
        for host in [
            "evil.example",
            "evil.example:8080",
            "localhost.evil.example",
            "127.0.0.1.nip.io",
            "[::2]",
            "user@localhost",
            "",
        ] {
            assert!(!hosts.admits(host), "{host}");
        }
    }

    #[test]
    fn allowed_hosts_are_answered_too_and_elsewhere_any_host_is() {
        let allowed = vec![host_name("Dash.Example:443").expect("a name")];
        let hosts = Hosts::for_listener("127.0.0.1:8080".parse().expect("address"), &allowed);
        assert!(hosts.admits("dash.example"));
        assert!(hosts.admits("localhost:8080"));
        assert!(!hosts.admits("evil.example"));
        let open = Hosts::for_listener("0.0.0.0:8080".parse().expect("address"), &[]);
        assert!(open.any() && open.admits("evil.example"));
        let proxied = Hosts::for_listener("0.0.0.0:8080".parse().expect("address"), &allowed);
        assert!(proxied.admits("dash.example") && !proxied.admits("evil.example"));
        assert!(host_name("a b").is_err() && host_name("a/b").is_err() && host_name("").is_err());
    }

    #[test]
    fn a_tally_logs_the_first_hit_then_counts_quietly() {
        let tally = Tally::default();
        assert_eq!(tally.hit(), Some(1));
        assert_eq!(tally.hit(), None);
        assert_eq!(tally.hit(), None);
        assert_eq!(tally.rest(), 2);
    }
}
