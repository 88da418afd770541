//! `daemon --listen` (issue 21, item 2): `/healthz`, `/readyz` and `/metrics` of the real
//! binary, with a fixture server on 127.0.0.1; the metrics read with a strict parser of the
//! Prometheus text format.

mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::peers::{DaemonProcess, wait_until};
use common::{FixtureServer, Workspace};

/// One sample: its name, its labels and its value.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: HashMap<String, String>,
    value: f64,
}

/// Parses the text format strictly: `# HELP`, `# TYPE`, `# UNIT` and `# EOF` lines, and
/// samples `name{label="value",...} number`; anything else is an error.
fn parse(text: &str) -> Result<(HashMap<String, String>, Vec<Sample>), String> {
    let name_ok = |n: &str| {
        !n.is_empty()
            && n.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
            && !n.starts_with(|c: char| c.is_ascii_digit())
    };
    let mut types = HashMap::new();
    let mut samples = Vec::new();
    let mut ended = false;
    for line in text.lines() {
        if ended {
            return Err(format!("a line after # EOF: {line:?}"));
        }
        if line == "# EOF" {
            ended = true;
            continue;
        }
        if let Some(rest) = line.strip_prefix("# ") {
            let mut parts = rest.splitn(3, ' ');
            let (keyword, name) = (parts.next(), parts.next());
            let name = name.filter(|n| name_ok(n)).ok_or(format!("bad {line:?}"))?;
            match keyword {
                Some("TYPE") => {
                    let kind = parts.next().ok_or(format!("no type in {line:?}"))?;
                    if ![
                        "counter",
                        "gauge",
                        "histogram",
                        "summary",
                        "unknown",
                        "info",
                    ]
                    .contains(&kind)
                    {
                        return Err(format!("unknown type in {line:?}"));
                    }
                    types.insert(name.to_owned(), kind.to_owned());
                }
                Some("HELP") | Some("UNIT") => {}
                _ => return Err(format!("unknown comment {line:?}")),
            }
            continue;
        }
        let (series, value) = line.rsplit_once(' ').ok_or(format!("no value: {line:?}"))?;
        let value: f64 = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            v => v.parse().map_err(|_| format!("bad value in {line:?}"))?,
        };
        let (name, labels) = match series.split_once('{') {
            None => (series, HashMap::new()),
            Some((name, rest)) => {
                let body = rest
                    .strip_suffix('}')
                    .ok_or(format!("unclosed labels: {line:?}"))?;
                let mut labels = HashMap::new();
                let mut rest = body;
                while !rest.is_empty() {
                    let (key, after) = rest
                        .split_once("=\"")
                        .ok_or(format!("bad label in {line:?}"))?;
                    if !name_ok(key) {
                        return Err(format!("bad label name in {line:?}"));
                    }
                    let mut value = String::new();
                    let mut chars = after.char_indices();
                    let end = loop {
                        match chars.next() {
                            Some((_, '\\')) => match chars.next() {
                                Some((_, 'n')) => value.push('\n'),
                                Some((_, c)) => value.push(c),
                                None => return Err(format!("bad escape in {line:?}")),
                            },
                            Some((i, '"')) => break i,
                            Some((_, c)) => value.push(c),
                            None => return Err(format!("unclosed label value in {line:?}")),
                        }
                    };
                    labels.insert(key.to_owned(), value);
                    rest = &after[end + 1..];
                    rest = rest.strip_prefix(',').unwrap_or(rest);
                }
                (name, labels)
            }
        };
        if !name_ok(name) {
            return Err(format!("bad metric name in {line:?}"));
        }
        samples.push(Sample {
            name: name.to_owned(),
            labels,
            value,
        });
    }
    if !ended {
        return Err("no # EOF at the end".into());
    }
    Ok((types, samples))
}

/// `daemon --listen 127.0.0.1:0` on the workspace (with `flags` before the command), its
/// stderr logged to a file, and the address it says it serves.
fn start(ws: &Workspace, flags: &[&str]) -> (DaemonProcess, String) {
    let log = ws.dir.path().join("log");
    let stderr = std::fs::File::create(&log).expect("log file");
    let mut child = Command::new(env!("CARGO_BIN_EXE_advisory-watch"))
        .arg("--config")
        .arg(ws.config_path())
        .args(flags)
        .args(["daemon", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .expect("start the daemon");
    let stdout = child.stdout.take().expect("stdout");
    let daemon = DaemonProcess { child, log };
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("the daemon says where it listens");
    let address = line
        .strip_prefix("Health and metrics on http://")
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_else(|| panic!("no address in {line:?}:\n{}", daemon.log()))
        .to_owned();
    (daemon, address)
}

fn get(address: &str, path: &str) -> (u16, String) {
    let (status, _, body) = common::http_request(address, "GET", path);
    (status, body)
}

#[test]
fn the_daemon_serves_health_readiness_and_prometheus_metrics() {
    let server = FixtureServer::start();
    server.serve_fixture("/mali", "mali-2025.html");
    let ws = Workspace::new(&format!(
        "[fetch]\ntimeout = \"5s\"\nretries = 0\n\n\
         [schedule]\ncron = \"* * * * * *\"\nallow_fast = true\njitter = \"0s\"\n\n[daemon]\ngrace = \"1s\"\n\n\
         [[sources]]\nname = \"mali\"\ncountry = \"Mali\"\nurl = \"{}\"\n",
        server.url("/mali")
    ));
    let (mut daemon, address) = start(&ws, &["-v"]);

    assert!(
        wait_until(Duration::from_secs(10), || server.hits("/mali") >= 2),
        "{}",
        daemon.log()
    );
    assert_eq!(get(&address, "/healthz"), (200, "ok\n".to_owned()));
    let (status, body) = get(&address, "/readyz");
    assert_eq!(status, 200, "{body}");

    let mut samples = Vec::new();
    let checked = wait_until(Duration::from_secs(10), || {
        let (status, body) = get(&address, "/metrics");
        assert_eq!(status, 200, "{body}");
        let (types, parsed) = parse(&body).unwrap_or_else(|e| panic!("{e}:\n{body}"));
        for name in types.keys() {
            assert!(name.starts_with("advisory_watch_"), "{name}");
        }
        for (name, kind) in [
            ("advisory_watch_checks", "counter"),
            ("advisory_watch_fetch_duration_seconds", "histogram"),
            ("advisory_watch_deliveries", "gauge"),
            ("advisory_watch_outbox_depth", "gauge"),
            ("advisory_watch_outbox_oldest_pending_age_seconds", "gauge"),
            (
                "advisory_watch_source_last_success_timestamp_seconds",
                "gauge",
            ),
            ("advisory_watch_source_consecutive_failures", "gauge"),
            ("advisory_watch_database_size_bytes", "gauge"),
        ] {
            assert_eq!(types.get(name).map(String::as_str), Some(kind), "{name}");
        }
        // No change yet: the family has no sample, and so no lines.
        assert!(
            types
                .get("advisory_watch_changes")
                .is_none_or(|kind| kind == "counter")
        );
        samples = parsed;
        samples
            .iter()
            .filter(|s| s.name == "advisory_watch_checks_total")
            .map(|s| s.value)
            .sum::<f64>()
            >= 2.0
    });
    assert!(checked, "no checks counted:\n{samples:?}");
    let value = |name: &str, label: Option<(&str, &str)>| {
        samples
            .iter()
            .find(|s| {
                s.name == name
                    && label.is_none_or(|(k, v)| s.labels.get(k).map(String::as_str) == Some(v))
            })
            .map(|s| s.value)
            .unwrap_or_else(|| panic!("no {name} {label:?} in {samples:?}"))
    };
    assert!(value("advisory_watch_checks_total", Some(("outcome", "new"))) >= 1.0);
    assert!(
        value(
            "advisory_watch_checks_total",
            Some(("outcome", "unchanged"))
        ) >= 1.0
    );
    assert_eq!(
        value(
            "advisory_watch_source_consecutive_failures",
            Some(("source", "mali"))
        ),
        0.0
    );
    assert!(
        value(
            "advisory_watch_source_last_success_timestamp_seconds",
            Some(("source", "mali"))
        ) > 1.0e9
    );
    assert!(value("advisory_watch_fetch_duration_seconds_count", None) >= 2.0);
    assert!(value("advisory_watch_database_size_bytes", None) > 0.0);
    assert_eq!(value("advisory_watch_outbox_depth", None), 0.0);
    assert_eq!(
        value("advisory_watch_deliveries", Some(("state", "pending"))),
        0.0
    );

    assert_eq!(
        daemon.terminate(Duration::from_secs(10)),
        Some(0),
        "{}",
        daemon.log()
    );
}

#[test]
fn a_failing_source_counts_failures_and_stays_ready() {
    let server = FixtureServer::start();
    server.set("/gone", common::Reply::status(404));
    let ws = Workspace::new(&format!(
        "[fetch]\ntimeout = \"5s\"\nretries = 0\n\n\
         [schedule]\ncron = \"* * * * * *\"\nallow_fast = true\njitter = \"0s\"\n\n[daemon]\ngrace = \"1s\"\n\n\
         [[sources]]\nname = \"gone\"\ncountry = \"Mali\"\nurl = \"{}\"\n",
        server.url("/gone")
    ));
    let (mut daemon, address) = start(&ws, &[]);
    let failures = || {
        let (_, body) = get(&address, "/metrics");
        let (_, samples) = parse(&body).unwrap_or_else(|e| panic!("{e}:\n{body}"));
        samples
            .iter()
            .find(|s| {
                s.name == "advisory_watch_source_consecutive_failures"
                    && s.labels.get("source").map(String::as_str) == Some("gone")
            })
            .map_or(0.0, |s| s.value)
    };
    assert!(
        wait_until(Duration::from_secs(10), || failures() >= 2.0),
        "{}",
        daemon.log()
    );
    // A failing source is the checks' news, not the daemon's: it is still ready.
    assert_eq!(get(&address, "/readyz").0, 200);
    assert_eq!(
        daemon.terminate(Duration::from_secs(10)),
        Some(0),
        "{}",
        daemon.log()
    );
}

#[test]
fn the_parser_refuses_what_is_not_the_text_format() {
    assert!(parse("advisory_watch_x 1\n# EOF\n").is_ok());
    assert!(parse("advisory_watch_x 1\n").is_err(), "no # EOF");
    assert!(parse("advisory_watch_x{a=\"b\" 1\n# EOF\n").is_err());
    assert!(parse("advisory_watch_x one\n# EOF\n").is_err());
    assert!(parse("# TYPE advisory_watch_x bogus\n# EOF\n").is_err());
}
