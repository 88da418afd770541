//! Notifications as their receivers see them: a real SMTP server (aiosmtpd) and a real HTTP
//! receiver on 127.0.0.1 that checks signatures, driven by `check` and by the daemon.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::peers::{DaemonProcess, SmtpServer, WebhookReceiver, wait_until};
use common::{FixtureServer, Reply, Workspace, fixture};
use mail_parser::MessageParser;
use serde_json::Value;

const SECRET: &str = "s3cret-for-tests-only";
const SECRET_ENV: (&str, &str) = ("ADVISORY_WEBHOOK_SECRET", SECRET);

struct Setup {
    server: FixtureServer,
    hook: WebhookReceiver,
    ws: Workspace,
}

fn config(server: &FixtureServer, sources: &[&str], channels: &str, extra: &str) -> String {
    let mut text = String::from(
        "[fetch]\ntimeout = \"5s\"\nretry_initial = \"50ms\"\n\n[schedule]\ncron = \"* * * * * *\"\nallow_fast = true\njitter = \"0s\"\n\n\
         [daemon]\ngrace = \"3s\"\n\n\
         [notify]\nretry_initial = \"200ms\"\nretry_max = \"1s\"\nmax_attempts = 100\ntimeout = \"5s\"\n\n",
    );
    for name in sources {
        text.push_str(&format!(
            "[[sources]]\nname = \"{name}\"\ncountry = \"Mali\"\nurl = \"{}\"\n\n",
            server.url(&format!("/{name}"))
        ));
    }
    text.push_str(channels);
    text.push_str(extra);
    text
}

fn webhook(hook: &WebhookReceiver, extra: &str) -> String {
    format!(
        "[[notify.webhook]]\nname = \"ops-hook\"\nurl = \"{}\"\nsecret_env = \"ADVISORY_WEBHOOK_SECRET\"\n{extra}\n",
        hook.url()
    )
}

fn email(smtp: &SmtpServer, extra: &str) -> String {
    format!(
        "[[notify.email]]\nname = \"analysts\"\nsmtp_host = \"127.0.0.1\"\nsmtp_port = {}\ntls = \"none\"\n\
         from = \"advisory-watch <alerts@example.org>\"\nto = [\"desk@example.org\"]\n{extra}\n",
        smtp.port
    )
}

fn run_with_secret(ws: &Workspace, args: &[&str]) -> common::Run {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_advisory-watch"));
    command
        .arg("--config")
        .arg(ws.config_path())
        .args(args)
        .env(SECRET_ENV.0, SECRET_ENV.1);
    common::Run::from(command.output().expect("run"))
}

fn webhook_setup(sources: &[&str], extra_channel: &str) -> Setup {
    let server = FixtureServer::start();
    let hook = WebhookReceiver::start(SECRET);
    let ws = Workspace::new(&config(
        &server,
        sources,
        &webhook(&hook, extra_channel),
        "",
    ));
    Setup { server, hook, ws }
}

fn distinct_ids(received: &[common::peers::Received]) -> HashSet<String> {
    received.iter().map(|r| r.delivery_id.clone()).collect()
}

#[test]
fn daemon_sends_exactly_one_webhook_and_one_email_per_change() {
    let server = FixtureServer::start();
    let hook = WebhookReceiver::start(SECRET);
    let smtp = SmtpServer::start();
    let channels = webhook(&hook, "") + &email(&smtp, "");
    let ws = Workspace::new(&config(&server, &["us-mali"], &channels, ""));
    server.serve_fixture("/us-mali", "mali-2023-legacy.html");

    let mut daemon = DaemonProcess::start(
        &ws.config_path(),
        &[SECRET_ENV],
        ws.dir.path().join("daemon.log"),
    );
    assert!(
        wait_until(Duration::from_secs(15), || server.hits("/us-mali") >= 2),
        "the daemon checks every second: {}",
        daemon.log()
    );
    server.serve_fixture("/us-mali", "mali-2025.html");
    assert!(
        wait_until(Duration::from_secs(15), || !hook.accepted().is_empty()
            && !smtp.messages().is_empty()),
        "the change is delivered: {}",
        daemon.log()
    );
    // Several more cycles of the unchanged page add nothing.
    let hits = server.hits("/us-mali");
    assert!(wait_until(Duration::from_secs(15), || server
        .hits("/us-mali")
        >= hits + 3));
    assert_eq!(hook.received().len(), 1, "exactly one webhook call");
    assert_eq!(smtp.messages().len(), 1, "exactly one email");

    let call = &hook.received()[0];
    assert!(
        call.signature_valid,
        "X-Advisory-Signature is the HMAC-SHA256 of the body"
    );
    assert_eq!(
        call.body["headline"],
        "Unrest and health indicators added; summary updated"
    );
    assert_eq!(call.body["type"], "advisory_change");
    assert_eq!(call.body["source"], "us-mali");
    // The one classification of the change, and whose advice it is, by name.
    assert_eq!(
        call.body["classes"],
        serde_json::json!(["indicators_added"])
    );
    assert_eq!(
        call.body["government"]["name"],
        "United States (State Department)"
    );
    assert_eq!(call.body["level_from"]["number"], 4);
    assert_eq!(call.body["level_to"]["label"], "Do not travel");
    assert_eq!(
        call.body["indicators_added"],
        serde_json::json!(["unrest", "health"])
    );
    assert!(
        call.body["summary_diff"]
            .as_str()
            .is_some_and(|d| d.starts_with("--- summary before"))
    );
    assert!(
        call.body["change_note"]
            .as_str()
            .is_some_and(|n| n.contains("risk indicators were added"))
    );
    assert_eq!(
        call.body["delivery_id"].as_str(),
        Some(call.delivery_id.as_str())
    );
    assert!(
        call.delivery_id.ends_with(":ops-hook"),
        "{}",
        call.delivery_id
    );

    let raw = &smtp.messages()[0];
    let message = MessageParser::default()
        .parse(raw)
        .expect("a parseable email");
    assert_eq!(
        message.subject(),
        Some("Mali: Unrest and health indicators added; summary updated")
    );

    assert_eq!(
        daemon.terminate(Duration::from_secs(6)),
        Some(0),
        "SIGTERM ends the daemon with 0"
    );
    let log = daemon.log();
    assert!(log.contains("cycle finished"), "{log}");
    assert!(!log.contains(SECRET), "the secret never reaches the log");
}

#[test]
fn receiver_down_then_back_gets_every_change_once_per_id_across_a_restart() {
    let Setup { server, hook, ws } = webhook_setup(&["us-mali"], "");
    hook.set_status(503);
    server.serve_fixture("/us-mali", "mali-2023-legacy.html");
    let log = ws.dir.path().join("first.log");
    let mut first = DaemonProcess::start(&ws.config_path(), &[SECRET_ENV], log);
    assert!(wait_until(Duration::from_secs(15), || server
        .hits("/us-mali")
        >= 2));
    server.serve_fixture("/us-mali", "mali-2025.html");
    assert!(
        wait_until(Duration::from_secs(15), || hook.received().len() >= 2),
        "the failed delivery is retried: {}",
        first.log()
    );
    server.serve_fixture("/us-mali", "mali-2025-health-removed.html");
    let changes_stored = || {
        rusqlite::Connection::open(ws.db_path())
            .and_then(|c| c.query_row("SELECT COUNT(*) FROM changes", [], |r| r.get::<_, i64>(0)))
            .unwrap_or(0)
    };
    assert!(
        wait_until(Duration::from_secs(15), || changes_stored() == 2),
        "the second change is stored: {}",
        first.log()
    );
    // Deliveries keep their order per channel: the second waits behind the first.
    assert_eq!(distinct_ids(&hook.received()).len(), 1);
    assert_eq!(first.terminate(Duration::from_secs(6)), Some(0));
    assert!(hook.accepted().is_empty());

    // The receiver comes back while the daemon is down; a new daemon delivers everything.
    hook.set_status(200);
    let mut second = DaemonProcess::start(
        &ws.config_path(),
        &[SECRET_ENV],
        ws.dir.path().join("second.log"),
    );
    assert!(
        wait_until(Duration::from_secs(15), || distinct_ids(&hook.accepted())
            .len()
            == 2),
        "both changes delivered after the restart: {}",
        second.log()
    );
    assert_eq!(second.terminate(Duration::from_secs(6)), Some(0));
    let accepted = hook.accepted();
    assert_eq!(accepted.len(), 2, "each change accepted exactly once");
    assert_eq!(
        distinct_ids(&hook.received()).len(),
        2,
        "retries reuse the delivery id"
    );
    let headlines: Vec<&str> = accepted
        .iter()
        .map(|r| r.body["headline"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        headlines,
        [
            "Unrest and health indicators added; summary updated",
            "Health indicator removed"
        ]
    );

    let deliveries: Value =
        serde_json::from_str(&run_with_secret(&ws, &["deliveries", "--format", "json"]).stdout)
            .expect("json");
    assert!(
        deliveries
            .as_array()
            .expect("list")
            .iter()
            .all(|d| d["status"] == "sent")
    );
}

#[test]
fn sigkill_in_the_middle_of_deliveries_loses_nothing_and_keeps_ids() {
    let sources = ["us-mali", "us-mali-2", "us-mali-3"];
    let Setup { server, hook, ws } = webhook_setup(&sources, "");
    for source in sources {
        server.serve_fixture(&format!("/{source}"), "mali-2023-legacy.html");
    }
    hook.set_delay(Duration::from_millis(1500));
    let mut daemon = DaemonProcess::start(
        &ws.config_path(),
        &[SECRET_ENV],
        ws.dir.path().join("a.log"),
    );
    assert!(wait_until(Duration::from_secs(15), || sources
        .iter()
        .all(|s| server.hits(&format!("/{s}")) >= 2)));
    for source in sources {
        server.serve_fixture(&format!("/{source}"), "mali-2025.html");
    }
    assert!(
        wait_until(Duration::from_secs(15), || !hook.received().is_empty()),
        "{}",
        daemon.log()
    );
    daemon.kill();

    hook.set_delay(Duration::ZERO);
    let mut restarted = DaemonProcess::start(
        &ws.config_path(),
        &[SECRET_ENV],
        ws.dir.path().join("b.log"),
    );
    assert!(
        wait_until(Duration::from_secs(20), || distinct_ids(&hook.accepted())
            .len()
            == 3),
        "every change delivered after the crash: {}",
        restarted.log()
    );
    assert_eq!(restarted.terminate(Duration::from_secs(6)), Some(0));
    assert_eq!(
        distinct_ids(&hook.received()).len(),
        3,
        "a re-sent delivery keeps its id"
    );
    let sources_seen: HashSet<String> = hook
        .accepted()
        .iter()
        .map(|r| r.body["source"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(sources_seen.len(), 3);

    let conn = rusqlite::Connection::open(ws.db_path()).expect("db");
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("pragma");
    assert_eq!(integrity, "ok");
    let changes: i64 = conn
        .query_row("SELECT COUNT(*) FROM changes", [], |r| r.get(0))
        .expect("count");
    assert_eq!(changes, 3, "no change stored twice");
}

#[test]
fn sigterm_with_a_check_in_flight_exits_0_within_the_grace_time() {
    let server = FixtureServer::start();
    let ws = Workspace::new(
        &config(&server, &["slow"], "", "").replace("grace = \"3s\"", "grace = \"1s\""),
    );
    let mut reply = Reply::html(fixture("mali-2025.html"));
    reply.delay = Duration::from_secs(20);
    server.set("/slow", reply);
    let mut daemon = DaemonProcess::start(&ws.config_path(), &[], ws.dir.path().join("d.log"));
    assert!(wait_until(Duration::from_secs(10), || server.hits("/slow") >= 1));
    let started = std::time::Instant::now();
    assert_eq!(
        daemon.terminate(Duration::from_secs(5)),
        Some(0),
        "{}",
        daemon.log()
    );
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "stopped within the grace time"
    );
    assert!(
        daemon.log().contains("abandoned after the grace time"),
        "{}",
        daemon.log()
    );
}

#[test]
fn a_slow_check_is_not_started_again_while_it_runs() {
    let server = FixtureServer::start();
    let ws = Workspace::new(&config(&server, &["slow"], "", ""));
    let mut reply = Reply::html(fixture("mali-2025.html"));
    reply.delay = Duration::from_millis(2500);
    server.set("/slow", reply);
    let mut daemon = DaemonProcess::start(&ws.config_path(), &[], ws.dir.path().join("d.log"));
    std::thread::sleep(Duration::from_secs(6));
    let hits = server.hits("/slow");
    assert!(
        (1..=3).contains(&hits),
        "a 2.5 s check on a 1 s schedule ran {hits} times in 6 s"
    );
    assert_eq!(daemon.terminate(Duration::from_secs(6)), Some(0));
}

#[test]
fn email_has_both_parts_and_escapes_page_text() {
    let server = FixtureServer::start();
    let smtp = SmtpServer::start();
    let ws = Workspace::new(&config(&server, &["us-mali"], &email(&smtp, ""), ""));
    let page = fixture("mali-2025.html");
    server.serve_fixture("/us-mali", "mali-2025.html");
    ws.check_json(&[]);
    // A hostile summary: markup as text, which must arrive as text.
    let hostile = page.replacen(
        "Do not travel to Mali for any reason.",
        "Do not travel to Mali. &lt;script&gt;alert('x')&lt;/script&gt; &lt;img src=x onerror=alert(1)&gt;",
        1,
    );
    assert_ne!(hostile, page);
    server.set("/us-mali", Reply::html(hostile));
    let (report, code) = ws.check_json(&[]);
    assert_eq!(code, 0);
    assert_eq!(report["changes"][0]["headline"], "Summary updated");
    assert!(wait_until(Duration::from_secs(10), || smtp
        .messages()
        .len()
        == 1));

    let raw = &smtp.messages()[0];
    let message = MessageParser::default().parse(raw).expect("email");
    assert_eq!(message.subject(), Some("Mali: Summary updated"));
    let text = message.body_text(0).expect("a text/plain part");
    let html = message.body_html(0).expect("a text/html part");
    assert!(text.contains("Mali: Summary updated"), "{text}");
    assert!(
        text.contains("Level: Level 4: Do not travel (unchanged)"),
        "{text}"
    );
    assert!(
        text.contains("{+") && text.contains("<script>alert('x')</script>"),
        "plain text shows the words: {text}"
    );
    assert!(
        html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"),
        "{html}"
    );
    assert!(!html.contains("<script"), "no live script in the HTML part");
    assert!(!html.contains("<img"), "no live image in the HTML part");
    assert!(
        html.contains("<ins"),
        "the word diff marks inserted words: {html}"
    );
    let from = message
        .from()
        .and_then(|f| f.first())
        .and_then(|a| a.address())
        .unwrap_or_default();
    assert_eq!(from, "alerts@example.org");
    let delivery = message
        .header_raw("X-Advisory-Delivery")
        .unwrap_or_default();
    assert!(delivery.trim().ends_with(":analysts"), "{delivery}");
    let expected = format!("{}@advisory-watch", delivery.trim().replace(':', "."));
    assert_eq!(message.message_id(), Some(expected.as_str()));
    assert!(message.date().is_some(), "a Date header");
}

#[test]
fn digest_sends_one_email_per_cycle() {
    let server = FixtureServer::start();
    let smtp = SmtpServer::start();
    let ws = Workspace::new(&config(
        &server,
        &["us-mali", "us-nepal"],
        &email(&smtp, "digest = true"),
        "",
    ));
    server.serve_fixture("/us-mali", "mali-2023-legacy.html");
    server.serve_fixture("/us-nepal", "nepal-2026.html");
    ws.check_json(&[]);
    server.serve_fixture("/us-mali", "mali-2025.html");
    server.serve_fixture("/us-nepal", "nepal-2026-level3.html");
    let (report, _) = ws.check_json(&[]);
    assert_eq!(report["changes"].as_array().map(Vec::len), Some(2));
    assert!(wait_until(Duration::from_secs(10), || !smtp
        .messages()
        .is_empty()));
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(smtp.messages().len(), 1, "one message for the cycle");
    let raw = smtp.messages().remove(0);
    let message = MessageParser::default().parse(&raw).expect("email");
    assert_eq!(
        message.subject(),
        Some("advisory-watch: 2 advisory updates")
    );
    let text = message.body_text(0).expect("text");
    assert!(
        text.contains("Unrest and health indicators added"),
        "{text}"
    );
    assert!(text.contains("Level raised from 2 to 3"), "{text}");
}

#[test]
fn a_refused_delivery_is_dead_until_retried_with_the_same_id() {
    let Setup { server, hook, ws } = webhook_setup(&["us-mali"], "");
    hook.set_status(400);
    server.serve_fixture("/us-mali", "mali-2023-legacy.html");
    run_with_secret(&ws, &["check"]);
    server.serve_fixture("/us-mali", "mali-2025.html");
    run_with_secret(&ws, &["check"]);
    assert_eq!(hook.received().len(), 1, "a 400 is not retried");

    let dead: Value = serde_json::from_str(
        &run_with_secret(&ws, &["deliveries", "--status", "dead", "--format", "json"]).stdout,
    )
    .expect("json");
    let row = &dead[0];
    assert_eq!(row["status"], "dead");
    assert!(
        row["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("400")),
        "{row}"
    );
    let id = row["id"].as_i64().expect("id").to_string();
    let text = run_with_secret(&ws, &["deliveries"]).stdout;
    assert!(
        text.contains("dead") && text.contains("Mali: Unrest and health indicators added"),
        "{text}"
    );

    hook.set_status(200);
    let run = run_with_secret(&ws, &["deliveries", "retry", &id]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run_with_secret(&ws, &["check"]);
    let accepted = hook.accepted();
    assert_eq!(accepted.len(), 1);
    assert_eq!(
        accepted[0].delivery_id,
        hook.received()[0].delivery_id,
        "the same delivery id"
    );
    let missing = run_with_secret(&ws, &["deliveries", "retry", "9999"]);
    assert_eq!(missing.code, 1);
    assert!(
        missing.stderr.contains("no delivery number 9999"),
        "{}",
        missing.stderr
    );
}

#[test]
fn operators_hear_once_when_a_source_breaks_and_once_when_it_recovers() {
    let server = FixtureServer::start();
    let hook = WebhookReceiver::start(SECRET);
    let text = config(
        &server,
        &["us-mali"],
        &webhook(&hook, "on = [\"extraction_failure\"]"),
        "",
    );
    let ws = Workspace::new(&with_notify(&text, "failing_after = 1"));
    server.serve_fixture("/us-mali", "mali-2025.html");
    run_with_secret(&ws, &["check"]);
    server.serve_fixture("/us-mali", "mali-2025-redesigned.html");
    run_with_secret(&ws, &["check"]);
    run_with_secret(&ws, &["check"]);
    server.serve_fixture("/us-mali", "mali-2025-health-removed.html");
    run_with_secret(&ws, &["check"]);
    let types: Vec<String> = hook
        .accepted()
        .iter()
        .map(|r| r.body["type"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(
        types,
        ["source_failure", "source_recovered"],
        "no advisory change goes to this channel"
    );
    assert!(
        hook.accepted()[0].body["headline"]
            .as_str()
            .is_some_and(|h| h.contains("matched nothing"))
    );
}

#[test]
fn filters_keep_changes_from_channels_that_did_not_ask() {
    let Setup { server, hook, ws } =
        webhook_setup(&["us-mali"], "min_level = 4\ncountries = [\"Niger\"]");
    server.serve_fixture("/us-mali", "mali-2023-legacy.html");
    run_with_secret(&ws, &["check"]);
    server.serve_fixture("/us-mali", "mali-2025.html");
    run_with_secret(&ws, &["check"]);
    assert!(hook.received().is_empty(), "Mali is not Niger");
}

#[test]
fn notify_test_sends_a_signed_sample_through_one_channel() {
    let Setup { hook, ws, .. } = webhook_setup(&["us-mali"], "");
    let run = run_with_secret(&ws, &["notify", "test", "ops-hook"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("Sent a test notification through `ops-hook`"),
        "{}",
        run.stdout
    );
    let call = &hook.received()[0];
    assert!(call.signature_valid);
    assert_eq!(call.body["type"], "test");
    assert!(
        call.body["headline"]
            .as_str()
            .is_some_and(|h| h.starts_with("[test] Unrest and health indicators added"))
    );

    // A chat channel gets the {"text": ...} body that Slack and compatible tools accept.
    let chat = format!(
        "[[notify.webhook]]\nname = \"chat\"\nurl = \"{}\"\nformat = \"slack\"\n",
        hook.url()
    );
    let config = std::fs::read_to_string(ws.config_path()).expect("config");
    ws.write_config(&format!("{config}\n{chat}"));
    let run = run_with_secret(&ws, &["notify", "test", "chat"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let body = &hook.received()[1].body;
    let object = body.as_object().expect("an object");
    assert_eq!(object.keys().collect::<Vec<_>>(), ["text"]);
    assert!(
        body["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("*Mali*: [test] Unrest and health")),
        "{body}"
    );

    let unknown = run_with_secret(&ws, &["notify", "test", "nope"]);
    assert_eq!(unknown.code, 1);
    assert!(
        unknown.stderr.contains("configured: ops-hook, chat"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn a_missing_secret_stops_the_daemon_and_config_check_names_the_variable() {
    let Setup { ws, .. } = webhook_setup(&["us-mali"], "");
    let run = ws.run(&["config-check"]);
    assert_eq!(
        run.code, 0,
        "only the commands that send need it: {}",
        run.stderr
    );
    assert!(
        run.stdout
            .contains("waits for the environment variable ADVISORY_WEBHOOK_SECRET (secret_env)"),
        "{}",
        run.stdout
    );
    let daemon = ws.run(&["daemon", "--once"]);
    assert_eq!(daemon.code, 3);
    assert!(
        daemon.stderr.contains("channel `ops-hook` needs the environment variable ADVISORY_WEBHOOK_SECRET (secret_env), which is not set"),
        "{}",
        daemon.stderr
    );
    let ok = run_with_secret(&ws, &["-vv", "config-check"]);
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    assert!(!ok.stdout.contains("waits for"), "{}", ok.stdout);
    assert!(
        !ok.stdout.contains(SECRET) && !ok.stderr.contains(SECRET),
        "secrets are never printed"
    );
}

#[test]
fn a_second_daemon_on_the_same_database_is_refused() {
    let Setup { server, ws, .. } = webhook_setup(&["us-mali"], "");
    server.serve_fixture("/us-mali", "mali-2025.html");
    let mut daemon = DaemonProcess::start(
        &ws.config_path(),
        &[SECRET_ENV],
        ws.dir.path().join("d.log"),
    );
    assert!(wait_until(Duration::from_secs(10), || server
        .hits("/us-mali")
        >= 1));
    let second = run_with_secret(&ws, &["daemon"]);
    assert_eq!(second.code, 1);
    assert!(
        second
            .stderr
            .contains("another advisory-watch daemon is already running"),
        "{}",
        second.stderr
    );
    assert_eq!(daemon.terminate(Duration::from_secs(6)), Some(0));
}

#[test]
fn daemon_once_runs_one_cycle_and_exits() {
    let Setup { server, hook, ws } = webhook_setup(&["us-mali"], "");
    server.serve_fixture("/us-mali", "mali-2023-legacy.html");
    let first = run_with_secret(&ws, &["daemon", "--once"]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    server.serve_fixture("/us-mali", "mali-2025.html");
    let second = run_with_secret(&ws, &["daemon", "--once"]);
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert!(
        second.stdout.contains("Unrest and health indicators added"),
        "{}",
        second.stdout
    );
    assert_eq!(hook.accepted().len(), 1);
    assert_eq!(server.hits("/us-mali"), 2);
}

#[test]
fn a_channel_watching_a_list_receives_only_the_listed_countries_changes() {
    let server = FixtureServer::start();
    let hook = WebhookReceiver::start(SECRET);
    let mut text = config(
        &server,
        &["us-mali"],
        &webhook(&hook, "watch = \"sahel\""),
        "",
    );
    text.push_str(&format!(
        "[[sources]]\nname = \"us-nepal\"\ncountry = \"Nepal\"\nurl = \"{}\"\n\n\
         [watchlists.sahel]\ncountries = [\"Mali\", \"Niger\", \"Burkina Faso\"]\n",
        server.url("/us-nepal")
    ));
    let ws = Workspace::new(&text);
    server.serve_fixture("/us-mali", "mali-2023-legacy.html");
    server.serve_fixture("/us-nepal", "nepal-2026.html");
    let first = run_with_secret(&ws, &["check"]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    server.serve_fixture("/us-mali", "mali-2025.html");
    server.serve_fixture("/us-nepal", "nepal-2026-level3.html");
    let second = run_with_secret(&ws, &["check"]);
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert!(
        second.stdout.contains("Nepal"),
        "Nepal changed too: {}",
        second.stdout
    );
    let countries: Vec<String> = hook
        .accepted()
        .iter()
        .map(|r| r.body["country"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(countries, ["Mali"], "only the watched country's change");
}

/// `text` with `keys` added to its `[notify]` table.
fn with_notify(text: &str, keys: &str) -> String {
    text.replacen("[notify]\n", &format!("[notify]\n{keys}\n"), 1)
}

fn types(received: &[common::peers::Received]) -> Vec<String> {
    received
        .iter()
        .map(|r| r.body["type"].as_str().unwrap_or("").to_owned())
        .collect()
}

#[test]
fn a_source_answering_404_alerts_once_reminds_and_recovers_once() {
    let server = FixtureServer::start();
    let hook = WebhookReceiver::start(SECRET);
    let text = config(
        &server,
        &["us-mali"],
        &webhook(&hook, "on = [\"source_failure\"]"),
        "",
    );
    let ws = Workspace::new(&with_notify(
        &text,
        "failing_after = 3\nfailing_for = \"1h\"\nfailing_reminder = \"1h\"",
    ));
    server.serve_fixture("/us-mali", "mali-2025.html");
    assert_eq!(run_with_secret(&ws, &["check"]).code, 0);
    let last_success: Value =
        serde_json::from_str(&run_with_secret(&ws, &["sources", "--format", "json"]).stdout)
            .expect("json");
    let last_success = last_success[0]["last_success"].clone();

    server.set("/us-mali", Reply::status(404));
    for round in 1..=2 {
        let run = run_with_secret(&ws, &["check"]);
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert_eq!(
            run.stderr.matches("check failed").count(),
            1,
            "one warning per failed check: {}",
            run.stderr
        );
        assert!(!run.stderr.contains("gone dark"), "{}", run.stderr);
        assert!(hook.received().is_empty(), "nothing after {round} failures");
    }
    let third = run_with_secret(&ws, &["check"]);
    assert_eq!(third.code, 2);
    let alert_lines: Vec<&str> = third
        .stderr
        .lines()
        .filter(|l| l.contains("gone dark"))
        .collect();
    assert_eq!(alert_lines.len(), 1, "{}", third.stderr);
    assert!(
        alert_lines[0].contains("ERROR") && alert_lines[0].contains("us-mali"),
        "{}",
        alert_lines[0]
    );
    let received = hook.accepted();
    assert_eq!(types(&received), ["source_failure"]);
    let alert = &received[0].body;
    assert_eq!(alert["source"], "us-mali");
    assert_eq!(alert["outage"]["http_status"], 404);
    assert_eq!(alert["outage"]["error_kind"], "http");
    assert_eq!(alert["outage"]["failed_checks"], 3);
    assert_eq!(alert["outage"]["reminder"], false);
    assert!(last_success.is_string(), "{last_success}");
    assert_eq!(alert["outage"]["last_success_at"], last_success);
    let headline = alert["headline"].as_str().expect("headline");
    assert!(
        headline.contains("us-mali") && headline.contains("404"),
        "{headline}"
    );

    // Still dark: nothing more, until the reminder interval, which a restart does not reset.
    for _ in 0..2 {
        run_with_secret(&ws, &["check"]);
    }
    assert_eq!(hook.accepted().len(), 1, "no second alert");
    ws.write_config(&with_notify(
        &text,
        "failing_after = 3\nfailing_for = \"1h\"\nfailing_reminder = \"1s\"",
    ));
    std::thread::sleep(Duration::from_millis(1100));
    run_with_secret(&ws, &["check"]);
    let received = hook.accepted();
    assert_eq!(types(&received), ["source_failure", "source_failure"]);
    assert_eq!(received[1].body["outage"]["reminder"], true);
    assert_eq!(received[1].body["outage"]["failed_checks"], 6);

    // Back: one recovery, then quiet.
    server.serve_fixture("/us-mali", "mali-2025.html");
    for _ in 0..2 {
        assert_eq!(run_with_secret(&ws, &["check"]).code, 0);
    }
    let received = hook.accepted();
    assert_eq!(
        types(&received),
        ["source_failure", "source_failure", "source_recovered"]
    );
    assert_eq!(received[2].body["source"], "us-mali");
    assert_eq!(received[2].body["outage"]["failed_checks"], 6);
    assert!(received.iter().all(|r| r.signature_valid));
}

#[test]
fn a_source_nobody_answers_alerts_and_an_extraction_failure_channel_hears_it() {
    let server = FixtureServer::start();
    let hook = WebhookReceiver::start(SECRET);
    // A port nobody listens on: bound, then given back.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port");
    let text = config(
        &server,
        &[],
        &webhook(&hook, "on = [\"extraction_failure\"]"),
        "",
    )
    .replacen(
        "[notify]",
        &format!("[[sources]]\nname = \"nowhere\"\ncountry = \"Mali\"\nurl = \"http://{closed}/mali\"\n\n[notify]"),
        1,
    );
    let ws = Workspace::new(&with_notify(&text, "failing_after = 2"));
    let first = run_with_secret(&ws, &["check"]);
    assert_eq!(first.code, 2, "{}", first.stderr);
    assert!(hook.received().is_empty());
    let second = run_with_secret(&ws, &["check"]);
    assert_eq!(second.code, 2, "{}", second.stderr);
    let received = hook.accepted();
    assert_eq!(types(&received), ["source_failure"], "{}", second.stderr);
    let alert = &received[0].body;
    assert_eq!(alert["source"], "nowhere");
    assert_eq!(alert["outage"]["error_kind"], "fetch");
    assert_eq!(alert["outage"]["last_success_at"], Value::Null);
    let headline = alert["headline"].as_str().expect("headline");
    assert!(headline.contains("last read right: never"), "{headline}");
    assert!(
        alert["outage"]["error"]
            .as_str()
            .is_some_and(|e| e.contains(&closed.to_string())),
        "{alert}"
    );
}

#[test]
fn a_failing_delivery_holds_back_only_its_own_source() {
    let server = FixtureServer::start();
    let hook = WebhookReceiver::start(SECRET);
    let ws = Workspace::new(&config(
        &server,
        &["a-mali", "b-mali"],
        &webhook(&hook, ""),
        "",
    ));
    for page in ["/a-mali", "/b-mali"] {
        server.serve_fixture(page, "mali-2025.html");
    }
    run_with_secret(&ws, &["check"]);
    hook.set_status_for("a-mali", 500);

    let about = |source: &str| -> Vec<String> {
        hook.received()
            .iter()
            .filter(|r| r.body["source"] == source)
            .map(|r| r.delivery_id.clone())
            .collect()
    };
    let mut b_sent = 0;
    for page in ["mali-2025-health-removed.html", "mali-2025.html"] {
        for path in ["/a-mali", "/b-mali"] {
            server.serve_fixture(path, page);
        }
        let run = run_with_secret(&ws, &["check"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        b_sent += 1;
        let b: Vec<String> = hook
            .accepted()
            .iter()
            .filter(|r| r.body["source"] == "b-mali")
            .map(|r| r.delivery_id.clone())
            .collect();
        assert_eq!(b.len(), b_sent, "B's delivery is not held back by A's");
    }
    let a_tried: HashSet<String> = about("a-mali").into_iter().collect();
    assert_eq!(
        a_tried.len(),
        1,
        "A's second delivery waits behind its first: {a_tried:?}"
    );

    // The receiver takes A's again: both go, in order.
    hook.set_status_for("a-mali", 0);
    std::thread::sleep(Duration::from_millis(1500));
    run_with_secret(&ws, &["check"]);
    let a_accepted: Vec<Value> = hook
        .accepted()
        .iter()
        .filter(|r| r.body["source"] == "a-mali")
        .map(|r| r.body.clone())
        .collect();
    let headlines: Vec<&str> = a_accepted
        .iter()
        .map(|b| b["headline"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(headlines.len(), 2, "{headlines:?}");
    assert!(
        headlines[0].contains("removed") && headlines[1].contains("added"),
        "in the order they were queued: {headlines:?}"
    );
}

#[test]
fn dead_deliveries_exit_2_and_retry_dead_sends_them_on_the_next_pass() {
    let Setup { server, hook, ws } = webhook_setup(&["us-mali"], "");
    hook.set_status(400);
    server.serve_fixture("/us-mali", "mali-2023-legacy.html");
    run_with_secret(&ws, &["check"]);
    let none = run_with_secret(&ws, &["deliveries", "--status", "dead"]);
    assert_eq!(none.code, 0, "nothing dead yet: {}", none.stderr);
    server.serve_fixture("/us-mali", "mali-2025.html");
    run_with_secret(&ws, &["check"]);
    let dead = run_with_secret(&ws, &["deliveries", "--status", "dead"]);
    assert_eq!(dead.code, 2, "{}", dead.stderr);
    assert_eq!(
        run_with_secret(&ws, &["deliveries"]).code,
        0,
        "only --status dead"
    );

    hook.set_status(200);
    let retry = run_with_secret(&ws, &["deliveries", "retry", "--dead"]);
    assert_eq!(retry.code, 0, "{}", retry.stderr);
    assert!(
        retry.stdout.contains("queued again") && retry.stdout.contains("no daemon runs"),
        "{}",
        retry.stdout
    );
    let pending: Value = serde_json::from_str(
        &run_with_secret(
            &ws,
            &["deliveries", "--status", "pending", "--format", "json"],
        )
        .stdout,
    )
    .expect("json");
    assert_eq!(pending.as_array().map(Vec::len), Some(1), "{pending}");
    assert_eq!(
        run_with_secret(&ws, &["deliveries", "--status", "dead"]).code,
        0
    );
    run_with_secret(&ws, &["check"]);
    assert_eq!(hook.accepted().len(), 1);
}

#[test]
fn retry_dead_wakes_a_running_daemon() {
    let Setup { server, hook, ws } = webhook_setup(&["us-mali"], "");
    hook.set_status(400);
    server.serve_fixture("/us-mali", "mali-2023-legacy.html");
    run_with_secret(&ws, &["check"]);
    server.serve_fixture("/us-mali", "mali-2025.html");
    run_with_secret(&ws, &["check"]);
    assert_eq!(hook.received().len(), 1);
    hook.set_status(200);
    // A schedule that does not come round during the test: only the wake-up call sends.
    let text = std::fs::read_to_string(ws.config_path()).expect("config");
    ws.write_config(&text.replace("cron = \"* * * * * *\"", "cron = \"0 0 0 1 1 *\""));
    let mut daemon = DaemonProcess::start(
        &ws.config_path(),
        &[SECRET_ENV],
        ws.dir.path().join("d.log"),
    );
    let socket = {
        let mut name = ws.db_path().into_os_string();
        name.push(".daemon-wake");
        std::path::PathBuf::from(name)
    };
    assert!(
        wait_until(Duration::from_secs(10), || socket.exists()),
        "{}",
        daemon.log()
    );
    std::thread::sleep(Duration::from_millis(500));
    let retry = run_with_secret(&ws, &["deliveries", "retry", "--dead"]);
    assert!(
        retry.stdout.contains("the daemon is sending now"),
        "{}",
        retry.stdout
    );
    assert!(
        wait_until(Duration::from_secs(10), || hook.accepted().len() == 1),
        "sent at once, not at the worker's next look in 30 s: {}",
        daemon.log()
    );
    assert_eq!(daemon.terminate(Duration::from_secs(6)), Some(0));
    assert!(!socket.exists(), "the socket goes with the daemon");
}
