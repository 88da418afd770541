//! Issue 11, hardening and operations: what a hostile page, a stalled host and a real server
//! do to the real binary. Each test is named after what it guards against.

mod common;

use std::process::{Command, Stdio};

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
