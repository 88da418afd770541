//! Issue 11, hardening and operations: what a hostile page, a stalled host and a real server
//! do to the real binary. Each test is named after what it guards against.

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

use common::peers::{DaemonProcess, WebhookReceiver, wait_until};
use common::{FixtureServer, Reply, Workspace};

fn binary() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_advisory-watch"));
    command.env_remove("ADVISORY_WATCH_CONFIG");
    command
}

fn mali(server: &FixtureServer, extra: &str) -> Workspace {
    Workspace::with_sources(
        &[("us-mali", "Mali", &server.url("/mali"), "state-dept")],
        extra,
    )
}

// Item 6: colour in logs.
#[test]
fn logs_to_a_pipe_have_no_colour_codes() {
    let server = FixtureServer::start();
    server.set("/mali", Reply::status(404));
    let ws = mali(&server, "");
    let run = ws.run(&["check"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("check failed"), "{}", run.stderr);
    assert!(
        !run.stderr.contains('\u{1b}'),
        "ANSI codes in a pipe: {:?}",
        run.stderr
    );
}

// Item 7: closed pipes.
#[test]
fn a_closed_stdout_ends_the_program_quietly() {
    let mut child = binary()
        .arg("demo")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run demo");
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("demo ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("Broken pipe"), "{stderr}");
}

fn time(text: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|e| panic!("{text}: {e}"))
        .to_utc()
}

/// A Mali source on `server` and one webhook channel, with `extra` settings; the page reads
/// the 2023 page first.
fn mali_with_hook(server: &FixtureServer, hook_url: &str, extra: &str) -> Workspace {
    server.serve_fixture("/mali", "mali-2023-legacy.html");
    mali(
        server,
        &format!("[[notify.webhook]]\nname = \"ops-hook\"\nurl = \"{hook_url}\"\n{extra}\n"),
    )
}

// Item 9: the delivery retry default.
#[test]
fn a_failed_delivery_waits_the_documented_30s_by_default() {
    let server = FixtureServer::start();
    let hook = WebhookReceiver::start("unused");
    hook.set_status(500);
    let ws = mali_with_hook(&server, &hook.url(), "");
    assert_eq!(ws.run(&["check"]).code, 0);
    server.serve_fixture("/mali", "mali-2025.html");
    let run = ws.run(&["check"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(hook.received().len(), 1);
    let listed = ws.run(&["deliveries", "--format", "json"]);
    let rows: serde_json::Value = serde_json::from_str(&listed.stdout).expect("json");
    let row = &rows[0];
    assert_eq!(row["status"], "pending", "{row}");
    let wait = time(row["next_attempt_at"].as_str().expect("next"))
        - time(row["created_at"].as_str().expect("created"));
    assert!(
        wait >= chrono::Duration::seconds(29) && wait <= chrono::Duration::seconds(40),
        "the first retry should come 30 s (plus jitter) later, not {wait}"
    );
}

// Item 21: the daemon lock file.
#[test]
fn the_daemon_lock_file_is_ignored_by_git_and_removed_on_a_clean_exit() {
    let ignore = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/.gitignore"))
        .expect(".gitignore");
    assert!(
        ignore.lines().any(|l| l.trim() == "*.daemon-lock"),
        "{ignore}"
    );
    let server = FixtureServer::start();
    server.serve_fixture("/mali", "mali-2025.html");
    let ws = mali(&server, "[schedule]\ncron = \"0 0 1 1 *\"\n");
    let lock = ws.dir.path().join("advisory-watch.db.daemon-lock");
    let mut daemon = DaemonProcess::start(&ws.config_path(), &[], ws.dir.path().join("log"));
    assert!(
        wait_until(Duration::from_secs(10), || lock.exists()),
        "the daemon takes its lock: {}",
        daemon.log()
    );
    assert!(
        wait_until(Duration::from_secs(5), || daemon
            .log()
            .contains("daemon started")),
        "{}",
        daemon.log()
    );
    assert_eq!(daemon.terminate(Duration::from_secs(10)), Some(0));
    assert!(!lock.exists(), "the lock file is left behind");
    // A crash leaves it; the next daemon takes it over.
    let mut daemon = DaemonProcess::start(&ws.config_path(), &[], ws.dir.path().join("log2"));
    assert!(wait_until(Duration::from_secs(10), || daemon
        .log()
        .contains("daemon started")));
    daemon.kill();
    assert!(lock.exists());
    let mut daemon = DaemonProcess::start(&ws.config_path(), &[], ws.dir.path().join("log3"));
    assert!(
        wait_until(Duration::from_secs(10), || daemon
            .log()
            .contains("daemon started")),
        "{}",
        daemon.log()
    );
    assert_eq!(daemon.terminate(Duration::from_secs(10)), Some(0));
    assert!(!lock.exists());
}

// Item 18: `serve`.
#[test]
fn serve_prints_the_address_it_bound_and_its_whole_warning() {
    let server = FixtureServer::start();
    server.serve_fixture("/mali", "mali-2025.html");
    let ws = mali(&server, "");
    assert_eq!(ws.run(&["check"]).code, 0);

    let mut child = binary()
        .arg("--config")
        .arg(ws.config_path())
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line);
        let _ = tx.send(line);
    });
    let line = rx.recv_timeout(Duration::from_secs(10)).unwrap_or_default();
    let address = line
        .strip_prefix("Dashboard on http://")
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_else(|| panic!("no address printed: {line:?}"))
        .to_owned();
    let reachable = std::net::TcpStream::connect(&address).is_ok();
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        !address.ends_with(":0"),
        "the requested port, not the bound one: {line}"
    );
    assert!(reachable, "nothing listens on {address}");

    // A non-loopback address (TEST-NET-1, which this machine does not have): the warning is
    // whole, and nothing claims to listen when binding fails.
    let run = ws.run(&["serve", "--listen", "192.0.2.1:0"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("has no access control of its own: put it behind a proxy that has, or listen on 127.0.0.1"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("cannot serve the dashboard on 192.0.2.1:0"),
        "{}",
        run.stderr
    );
    assert!(!run.stdout.contains("Dashboard on"), "{}", run.stdout);
}

// Item 13: source names that collide.
#[test]
fn a_page_source_named_like_a_feeds_country_is_refused() {
    let ws = Workspace::new(
        "[[sources]]\nname = \"feed\"\ncountry = \"*\"\nkind = \"rss\"\nurl = \"http://127.0.0.1:9/feed.xml\"\n\n\
         [[sources]]\nname = \"feed/freedonia\"\ncountry = \"Freedonia\"\nurl = \"http://127.0.0.1:9/freedonia\"\n",
    );
    let run = ws.run(&["config-check"]);
    assert_eq!(run.code, 3, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("`feed/freedonia`"), "{}", run.stderr);
    assert!(run.stderr.contains("`feed`"), "{}", run.stderr);
}
