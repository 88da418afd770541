//! Log lines through the real binary: `--log-format json`, journald's `<N>` priorities, and
//! each change logged once, naming its source.

mod common;

use std::process::Command;

use common::{FixtureServer, Reply, Run, Workspace};

fn mali(server: &FixtureServer) -> Workspace {
    Workspace::with_sources(
        &[("us-mali", "Mali", &server.url("/mali"), "state-dept")],
        "",
    )
}

/// `daemon --once` at info level, with the given extra environment and arguments.
fn once(ws: &Workspace, env: &[(&str, &str)], args: &[&str]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_advisory-watch"));
    command
        .arg("--config")
        .arg(ws.config_path())
        .args(args)
        .args(["daemon", "--once"])
        .env("ADVISORY_WATCH_LOG", "advisory_watch=info")
        .env_remove("JOURNAL_STREAM")
        .env_remove("ADVISORY_WATCH_LOG_FORMAT");
    for (name, value) in env {
        command.env(name, value);
    }
    Run::from(command.output().expect("run the binary"))
}

#[test]
fn json_lines_parse_with_level_and_fields_and_a_change_is_logged_once() {
    let server = FixtureServer::start();
    let ws = mali(&server);
    server.serve_fixture("/mali", "mali-2023-legacy.html");
    once(&ws, &[], &["--log-format", "json"]);
    server.serve_fixture("/mali", "mali-2025.html");
    let run = once(&ws, &[], &["--log-format", "json"]);

    let lines: Vec<serde_json::Value> = run
        .stderr
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect();
    assert!(!lines.is_empty(), "no log lines");
    for line in &lines {
        assert!(line["level"].is_string(), "no level: {line}");
        assert!(line["fields"].is_object(), "no fields: {line}");
    }
    let changes: Vec<_> = lines
        .iter()
        .filter(|l| l["fields"]["headline"].is_string())
        .collect();
    assert_eq!(changes.len(), 1, "{}", run.stderr);
    assert_eq!(changes[0]["fields"]["source"], "us-mali");
    let headline = changes[0]["fields"]["headline"].as_str().expect("headline");
    let mentions = run.stderr.lines().filter(|l| l.contains(headline)).count();
    assert_eq!(mentions, 1, "{}", run.stderr);
}

#[test]
fn the_environment_chooses_json_too() {
    let server = FixtureServer::start();
    let ws = mali(&server);
    server.serve_fixture("/mali", "mali-2023-legacy.html");
    let run = once(&ws, &[("ADVISORY_WATCH_LOG_FORMAT", "json")], &[]);
    let first = run.stderr.lines().next().expect("a log line");
    serde_json::from_str::<serde_json::Value>(first).expect("JSON");
}

#[test]
fn under_journald_lines_carry_a_priority_and_no_timestamp() {
    let server = FixtureServer::start();
    let ws = Workspace::with_sources(
        &[
            ("us-mali", "Mali", &server.url("/mali"), "state-dept"),
            ("gone", "Mali", &server.url("/gone"), "state-dept"),
        ],
        "",
    );
    server.serve_fixture("/mali", "mali-2023-legacy.html");
    server.set("/gone", Reply::status(404));
    let run = once(&ws, &[("JOURNAL_STREAM", "1:1")], &[]);
    let timestamp = regex::Regex::new(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}").expect("regex");
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert!(lines.iter().any(|l| l.starts_with("<6>")), "{}", run.stderr);
    assert!(lines.iter().any(|l| l.starts_with("<4>")), "{}", run.stderr);
    for line in lines {
        assert!(
            ["<3>", "<4>", "<6>", "<7>"]
                .iter()
                .any(|p| line.starts_with(p)),
            "no priority: {line}"
        );
        assert!(!timestamp.is_match(line), "a timestamp: {line}");
    }
}
