//! Test harness: a real HTTP server on 127.0.0.1 serving fixtures, and the real binary.

#![allow(
    dead_code,
    reason = "each test file uses a different part of the harness"
)]

pub mod dashboard;
pub mod peers;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// A fixture file's text.
pub fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

/// The replay corpus of real advisory history: `ADVISORY_CORPUS`, else `../shared/corpus`
/// beside the project.
pub fn corpus() -> PathBuf {
    let path = std::env::var_os("ADVISORY_CORPUS").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"),
        PathBuf::from,
    );
    assert!(
        path.is_dir(),
        "the replay corpus is missing at {} (set ADVISORY_CORPUS)",
        path.display()
    );
    path
}

/// The corpus's US and UK archive folders, one per country: (source name such as
/// `us-cambodia`, country, folder, profile).
pub fn corpus_archives() -> Vec<(String, String, PathBuf, &'static str)> {
    let corpus = corpus();
    let mut out = Vec::new();
    for (government, profile) in [("us", "state-dept-legacy-md"), ("uk", "fcdo-page-md")] {
        let mut folders: Vec<PathBuf> = std::fs::read_dir(corpus.join(government))
            .expect("corpus folder")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.is_dir())
            .collect();
        folders.sort();
        for folder in folders {
            let slug = folder
                .file_name()
                .and_then(|n| n.to_str())
                .expect("utf-8")
                .to_owned();
            let country = slug
                .split('-')
                .map(|w| {
                    let mut c = w.chars();
                    c.next().map_or(String::new(), |f| {
                        f.to_uppercase().collect::<String>() + c.as_str()
                    })
                })
                .collect::<Vec<_>>()
                .join(" ");
            out.push((format!("{government}-{slug}"), country, folder, profile));
        }
    }
    out
}

/// The path of a fixture file.
pub fn fixture_path(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
        .display()
        .to_string()
}

/// How the server misbehaves, if it does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Answers normally.
    None,
    /// Closes the connection without answering.
    Reset,
    /// Announces the whole body, sends this many bytes of it, and closes.
    CutShort(usize),
    /// Streams a body of this many bytes.
    Huge(usize),
}

/// What the server answers on one path.
#[derive(Clone)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
    pub delay: Duration,
    pub headers: Vec<(String, String)>,
    pub fault: Fault,
}

impl Reply {
    pub fn html(body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status: 200,
            content_type: "text/html; charset=utf-8".into(),
            body: body.into(),
            delay: Duration::ZERO,
            headers: Vec::new(),
            fault: Fault::None,
        }
    }

    /// An answer with this status and an empty body.
    pub fn status(status: u16) -> Reply {
        Reply {
            status,
            ..Reply::html("")
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Sets a fault.
    pub fn fault(mut self, fault: Fault) -> Reply {
        self.fault = fault;
        self
    }

    /// Waits this long before answering.
    pub fn delayed(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self
    }
}

type Routes = Mutex<HashMap<String, Vec<Reply>>>;
type Counts = Mutex<HashMap<String, usize>>;
/// The header lines of the last request of each path.
type Heads = Mutex<HashMap<String, Vec<String>>>;

/// Requests being answered now, and the most there ever were at once.
#[derive(Default)]
struct InFlight {
    now: std::sync::atomic::AtomicUsize,
    peak: std::sync::atomic::AtomicUsize,
}

/// An HTTP/1.1 server on 127.0.0.1 whose answers the test sets per path, and which can
/// misbehave in the ways real servers do. It honours `If-None-Match` for replies with an
/// `ETag`, and stops when dropped.
pub struct FixtureServer {
    pub address: String,
    routes: Arc<Routes>,
    hits: Arc<Counts>,
    not_modified: Arc<Counts>,
    in_flight: Arc<InFlight>,
    heads: Arc<Heads>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl FixtureServer {
    pub fn start() -> FixtureServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let address = listener.local_addr().expect("address").to_string();
        let routes: Arc<Routes> = Arc::default();
        let hits: Arc<Counts> = Arc::default();
        let not_modified: Arc<Counts> = Arc::default();
        let in_flight: Arc<InFlight> = Arc::default();
        let heads: Arc<Heads> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (routes, hits, not_modified, in_flight, stop) = (
                Arc::clone(&routes),
                Arc::clone(&hits),
                Arc::clone(&not_modified),
                Arc::clone(&in_flight),
                Arc::clone(&stop),
            );
            let heads = Arc::clone(&heads);
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let (routes, hits, not_modified, in_flight) = (
                        Arc::clone(&routes),
                        Arc::clone(&hits),
                        Arc::clone(&not_modified),
                        Arc::clone(&in_flight),
                    );
                    let heads = Arc::clone(&heads);
                    std::thread::spawn(move || {
                        let counts = Tally {
                            hits: &hits,
                            not_modified: &not_modified,
                            heads: &heads,
                        };
                        serve(stream, &routes, counts, &in_flight);
                    });
                }
            })
        };
        FixtureServer {
            address,
            routes,
            hits,
            not_modified,
            in_flight,
            heads,
            stop,
            thread: Some(thread),
        }
    }

    /// The header lines (`Name: value`) of the last request for a path.
    pub fn last_request_headers(&self, path: &str) -> Vec<String> {
        self.heads
            .lock()
            .expect("heads")
            .get(path)
            .cloned()
            .unwrap_or_default()
    }

    /// The URL of a path on this server.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// Sets what a path answers.
    pub fn set(&self, path: &str, reply: Reply) {
        self.set_sequence(path, vec![reply]);
    }

    /// Sets the answers of a path in order; the last one is repeated.
    pub fn set_sequence(&self, path: &str, replies: Vec<Reply>) {
        assert!(!replies.is_empty());
        self.routes
            .lock()
            .expect("routes")
            .insert(path.to_owned(), replies);
    }

    /// Serves a fixture file on a path.
    pub fn serve_fixture(&self, path: &str, name: &str) {
        self.set(path, Reply::html(fixture(name)));
    }

    /// How many requests a path received.
    pub fn hits(&self, path: &str) -> usize {
        self.hits
            .lock()
            .expect("hits")
            .get(path)
            .copied()
            .unwrap_or(0)
    }

    /// The most requests this server was answering at once.
    pub fn peak_in_flight(&self) -> usize {
        self.in_flight.peak.load(Ordering::SeqCst)
    }

    /// How many requests of a path were answered 304 Not Modified.
    pub fn not_modified(&self, path: &str) -> usize {
        self.not_modified
            .lock()
            .expect("304s")
            .get(path)
            .copied()
            .unwrap_or(0)
    }
}

impl Drop for FixtureServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(&self.address);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// What the server counts and keeps of the requests it answers.
#[derive(Clone, Copy)]
struct Tally<'a> {
    hits: &'a Counts,
    not_modified: &'a Counts,
    heads: &'a Heads,
}

fn serve(stream: TcpStream, routes: &Routes, counts: Tally<'_>, in_flight: &InFlight) {
    // From the request's arrival to the end of its answer.
    let now = in_flight.now.fetch_add(1, Ordering::SeqCst) + 1;
    in_flight.peak.fetch_max(now, Ordering::SeqCst);
    answer(stream, routes, counts);
    in_flight.now.fetch_sub(1, Ordering::SeqCst);
}

fn answer(stream: TcpStream, routes: &Routes, counts: Tally<'_>) {
    let Tally {
        hits,
        not_modified,
        heads,
    } = counts;
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut reader = BufReader::new(match stream.try_clone() {
        Ok(s) => s,
        Err(_) => return,
    });
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let mut if_none_match = None;
    let mut head_lines = Vec::new();
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) if line == "\r\n" || line == "\n" => break,
            Ok(_) => {
                head_lines.push(line.trim_end().to_owned());
                if let Some((name, value)) = line.split_once(':')
                    && name.trim().eq_ignore_ascii_case("if-none-match")
                {
                    if_none_match = Some(value.trim().to_owned());
                }
            }
        }
    }
    let path = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .to_owned();
    *hits.lock().expect("hits").entry(path.clone()).or_default() += 1;
    heads
        .lock()
        .expect("heads")
        .insert(path.clone(), head_lines);
    let reply = {
        let mut routes = routes.lock().expect("routes");
        match routes.get_mut(&path) {
            Some(replies) if replies.len() > 1 => replies.remove(0),
            Some(replies) => replies[0].clone(),
            None => Reply {
                content_type: "text/plain".into(),
                body: b"not found".to_vec(),
                ..Reply::status(404)
            },
        }
    };
    if !reply.delay.is_zero() {
        std::thread::sleep(reply.delay);
    }
    let mut stream = stream;
    if reply.fault == Fault::Reset {
        let _ = stream.shutdown(std::net::Shutdown::Both);
        return;
    }
    let etag = reply
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("etag"))
        .map(|(_, v)| v.clone());
    if etag.is_some() && etag == if_none_match {
        *not_modified.lock().expect("304s").entry(path).or_default() += 1;
        let _ = write!(
            stream,
            "HTTP/1.1 304 Not Modified\r\nConnection: close\r\n\r\n"
        );
        return;
    }
    let length = match reply.fault {
        Fault::Huge(size) => size,
        _ => reply.body.len(),
    };
    let mut head = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n",
        reply.status,
        if reply.status == 200 { "OK" } else { "Status" },
        reply.content_type,
        length
    );
    for (name, value) in &reply.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes());
    match reply.fault {
        Fault::CutShort(sent) => {
            let _ = stream.write_all(&reply.body[..sent.min(reply.body.len())]);
        }
        Fault::Huge(size) => {
            let chunk = vec![b'a'; 64 * 1024];
            let mut written = 0;
            while written < size {
                if stream.write_all(&chunk).is_err() {
                    break;
                }
                written += chunk.len();
            }
        }
        _ => {
            let _ = stream.write_all(&reply.body);
        }
    }
    let _ = stream.flush();
}

/// One HTTP/1.1 request to a server of this test on `address`, answered and closed: its
/// status, its head (status line and headers) and its body.
pub fn http_request(address: &str, method: &str, path: &str) -> (u16, String, String) {
    http_request_as(address, method, path, address)
}

/// [`http_request`] with the Host header a client names (a rebound name, a proxy's).
pub fn http_request_as(
    address: &str,
    method: &str,
    path: &str,
    host: &str,
) -> (u16, String, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(address).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, head.to_owned(), body.to_owned())
}

/// A temporary folder with a config file and a database, and the binary to run in it.
pub struct Workspace {
    pub dir: tempfile::TempDir,
}

impl Workspace {
    /// A workspace whose config.toml has the given text.
    pub fn new(config: &str) -> Workspace {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("config.toml"), config).expect("write config");
        Workspace { dir }
    }

    /// A workspace watching the given (name, country, url, profile) sources.
    pub fn with_sources(sources: &[(&str, &str, &str, &str)], extra: &str) -> Workspace {
        let mut config = String::from(
            "[fetch]\ntimeout = \"5s\"\nconcurrency = 2\nretry_initial = \"50ms\"\n\n",
        );
        for (name, country, url, profile) in sources {
            config.push_str(&format!(
                "[[sources]]\nname = \"{name}\"\ncountry = \"{country}\"\nurl = \"{url}\"\nprofile = \"{profile}\"\n\n"
            ));
        }
        config.push_str(extra);
        Workspace::new(&config)
    }

    pub fn config_path(&self) -> PathBuf {
        self.dir.path().join("config.toml")
    }

    pub fn db_path(&self) -> PathBuf {
        self.dir.path().join("advisory-watch.db")
    }

    /// A folder of this workspace holding fixtures as an archive's dated files
    /// (`YYYY-MM-DD.html`), for `import`.
    pub fn archive(&self, name: &str, files: &[(&str, &str)]) -> PathBuf {
        let dir = self.dir.path().join(name);
        std::fs::create_dir_all(&dir).expect("dir");
        for (date, fixture_name) in files {
            std::fs::copy(fixture_path(fixture_name), dir.join(format!("{date}.html")))
                .expect("copy");
        }
        dir
    }

    /// Rewrites the config file.
    pub fn write_config(&self, text: &str) {
        std::fs::write(self.config_path(), text).expect("write config");
    }

    /// Runs the binary with `--config` set to this workspace's file.
    pub fn run(&self, args: &[&str]) -> Run {
        let mut command = Command::new(env!("CARGO_BIN_EXE_advisory-watch"));
        command.arg("--config").arg(self.config_path()).args(args);
        Run::from(command.output().expect("run the binary"))
    }

    /// `sources --format json`, parsed: one row per source, as the command prints them.
    pub fn sources_json(&self) -> Vec<serde_json::Value> {
        let run = self.run(&["sources", "--format", "json"]);
        match serde_json::from_str(&run.stdout) {
            Ok(serde_json::Value::Array(rows)) => rows,
            _ => panic!(
                "sources printed no JSON list:\n{}\n{}",
                run.stdout, run.stderr
            ),
        }
    }

    /// Runs `check --format json` and parses the output.
    pub fn check_json(&self, sources: &[&str]) -> (serde_json::Value, i32) {
        let mut args = vec!["check", "--format", "json"];
        args.extend_from_slice(sources);
        let run = self.run(&args);
        let value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| {
            panic!(
                "check printed no JSON ({e}):\n{}\n{}",
                run.stdout, run.stderr
            )
        });
        (value, run.code)
    }
}

/// What a run of the binary printed and returned.
pub struct Run {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

impl From<Output> for Run {
    fn from(output: Output) -> Run {
        Run {
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            code: output.status.code().unwrap_or(-1),
        }
    }
}

/// Runs the binary without a config file, in the given folder.
pub fn run_bare(dir: &Path, args: &[&str]) -> Run {
    Run::from(
        Command::new(env!("CARGO_BIN_EXE_advisory-watch"))
            .current_dir(dir)
            .env_remove("ADVISORY_WATCH_CONFIG")
            .args(args)
            .output()
            .expect("run the binary"),
    )
}

/// A CSV's rows as maps of column to value (`report --format csv`, `/changes.csv`).
pub fn csv_rows(text: &str) -> Vec<HashMap<String, String>> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().expect("a header").clone();
    reader
        .records()
        .map(|record| {
            let record = record.expect("a row");
            header
                .iter()
                .zip(record.iter())
                .map(|(h, c)| (h.to_owned(), c.to_owned()))
                .collect()
        })
        .collect()
}
