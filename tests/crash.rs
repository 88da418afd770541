//! The database after the worst an operator's machine does: SIGKILL at random moments, two
//! processes writing at once, a backup taken under load.

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

use common::peers::{DaemonProcess, WebhookReceiver, wait_until};
use common::{FixtureServer, Workspace};
use rusqlite::Connection;

const PAGES: [&str; 3] = [
    "mali-2023-legacy.html",
    "mali-2025.html",
    "mali-2025-health-removed.html",
];
const SOURCES: [&str; 4] = ["a", "b", "c", "d"];

/// A small deterministic pseudo-random sequence (no seed from the clock: a failure replays).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % below
    }
}

fn workspace(server: &FixtureServer, hook: &WebhookReceiver) -> Workspace {
    let mut config = String::from(
        "[fetch]\ntimeout = \"5s\"\nconcurrency = 4\nper_host = 4\nretry_initial = \"50ms\"\n\n",
    );
    config.push_str("[schedule]\ncron = \"* * * * * *\"\nallow_fast = true\njitter = \"0s\"\n\n[notify]\nretry_initial = \"100ms\"\nretry_max = \"1s\"\n\n");
    for name in SOURCES {
        config.push_str(&format!(
            "[[sources]]\nname = \"{name}\"\ncountry = \"Mali\"\nurl = \"{}\"\n\n",
            server.url(&format!("/{name}"))
        ));
    }
    config.push_str(&format!(
        "[[notify.webhook]]\nname = \"hook\"\nurl = \"{}\"\n",
        hook.url()
    ));
    Workspace::new(&config)
}

fn serve_round(server: &FixtureServer, round: usize) {
    for (j, name) in SOURCES.iter().enumerate() {
        server.serve_fixture(&format!("/{name}"), PAGES[(round + j) % PAGES.len()]);
    }
}

/// What must hold of any database advisory-watch leaves behind.
fn assert_consistent(db: &std::path::Path) -> i64 {
    let conn = Connection::open(db).expect("open");
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity");
    assert_eq!(integrity, "ok");
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).expect(sql) };
    assert_eq!(
        count(
            "SELECT COUNT(*) FROM snapshots a JOIN snapshots b ON a.source_id = b.source_id
             AND b.id = (SELECT MIN(id) FROM snapshots WHERE source_id = a.source_id AND id > a.id)
             WHERE a.fields_hash = b.fields_hash"
        ),
        0,
        "no version is stored twice in a row"
    );
    assert_eq!(
        count(
            "SELECT COUNT(*) FROM changes c WHERE c.from_snapshot !=
             (SELECT MAX(id) FROM snapshots WHERE source_id = c.source_id AND id < c.to_snapshot)"
        ),
        0,
        "every change links a version to the one before it"
    );
    assert_eq!(
        count(
            "SELECT COUNT(*) FROM (SELECT 1 FROM changes GROUP BY from_snapshot HAVING COUNT(*) > 1)"
        ),
        0,
        "no change is stored twice"
    );
    let changes = count("SELECT COUNT(*) FROM changes");
    assert_eq!(
        count("SELECT COUNT(*) FROM deliveries d JOIN changes c ON c.uid = d.event_id"),
        changes,
        "every change has exactly its delivery, written with it"
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM (SELECT 1 FROM deliveries GROUP BY key HAVING COUNT(*) > 1)"),
        0
    );
    changes
}

#[test]
fn sigkill_at_random_moments_across_many_cycles_loses_and_duplicates_nothing() {
    let server = FixtureServer::start();
    let hook = WebhookReceiver::start("unused");
    let ws = workspace(&server, &hook);
    let mut random = Lcg(0x5eed);
    let mut kills = 0;
    for round in 0..30 {
        serve_round(&server, round);
        let mut child = Command::new(env!("CARGO_BIN_EXE_advisory-watch"))
            .arg("--config")
            .arg(ws.config_path())
            .args(["-q", "check"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        std::thread::sleep(Duration::from_millis(random.next(120)));
        if let Ok(None) = child.try_wait() {
            kills += 1;
        }
        let _ = child.kill();
        let _ = child.wait();
    }
    println!("killed {kills} of 30 checks mid-way");
    assert!(kills >= 10, "most checks were killed mid-way ({kills})");
    assert_consistent(&ws.db_path());

    // One last undisturbed check: every source ends on the page it serves, and every change
    // that was stored is delivered.
    serve_round(&server, 30);
    let run = ws.run(&["check"]);
    assert!(run.code == 0, "{}", run.stderr);
    let changes = assert_consistent(&ws.db_path());
    let (report, _) = ws.check_json(&[]);
    assert_eq!(
        report["changes"],
        serde_json::json!([]),
        "the last pages are the stored versions"
    );
    assert!(wait_until(Duration::from_secs(10), || {
        let run = ws.run(&["daemon", "--once"]);
        run.code == 0 && hook.accepted().len() as i64 >= changes
    }));
    let conn = Connection::open(ws.db_path()).expect("open");
    let pending: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM deliveries WHERE status != 'sent'",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(pending, 0, "every stored change was delivered");
}

#[test]
fn a_check_while_the_daemon_runs_neither_corrupts_nor_duplicates() {
    let server = FixtureServer::start();
    let hook = WebhookReceiver::start("unused");
    let ws = workspace(&server, &hook);
    serve_round(&server, 0);
    let mut daemon = DaemonProcess::start(&ws.config_path(), &[], ws.dir.path().join("d.log"));
    for round in 1..6 {
        serve_round(&server, round);
        for _ in 0..2 {
            let run = ws.run(&["-q", "check"]);
            assert!(run.code == 0, "{}", run.stderr);
        }
        std::thread::sleep(Duration::from_millis(300));
    }
    assert_eq!(
        daemon.terminate(Duration::from_secs(10)),
        Some(0),
        "{}",
        daemon.log()
    );
    let changes = assert_consistent(&ws.db_path());
    assert!(
        changes >= 5 * SOURCES.len() as i64 - 4,
        "changes were found ({changes})"
    );
    let ids: std::collections::HashSet<String> = hook
        .received()
        .iter()
        .map(|r| r.delivery_id.clone())
        .collect();
    assert!(
        ids.len() as i64 <= changes,
        "no delivery under an id of its own beyond the changes"
    );
}

#[test]
fn backup_while_the_daemon_runs_is_a_consistent_copy() {
    let server = FixtureServer::start();
    let hook = WebhookReceiver::start("unused");
    let ws = workspace(&server, &hook);
    serve_round(&server, 0);
    let mut daemon = DaemonProcess::start(&ws.config_path(), &[], ws.dir.path().join("d.log"));
    assert!(wait_until(Duration::from_secs(10), || server.hits("/a") >= 2));
    serve_round(&server, 1);
    let target = ws.dir.path().join("copy.db");
    let run = ws.run(&["backup", target.to_str().expect("utf-8 path")]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("Wrote a consistent copy"),
        "{}",
        run.stdout
    );
    assert_consistent(&target);
    let copy = Connection::open(&target).expect("open copy");
    let versions: i64 = copy
        .query_row("SELECT COUNT(*) FROM snapshots", [], |r| r.get(0))
        .expect("count");
    assert!(versions >= SOURCES.len() as i64);

    let again = ws.run(&["backup", target.to_str().expect("utf-8 path")]);
    assert_eq!(again.code, 1);
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);
    assert_eq!(daemon.terminate(Duration::from_secs(10)), Some(0));
}
