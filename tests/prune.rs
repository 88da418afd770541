//! `prune` through the real binary on a real database: a dry run that removes nothing, a prune
//! that keeps everything a version refers to, and the cap on a broken page's bodies.

mod common;

use common::{FixtureServer, Reply, Workspace};
use rusqlite::Connection;

fn count(conn: &Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0)).expect("count")
}

/// A database with a version, an old failure with its own body, an old sent delivery and an
/// orphan body.
fn aged_workspace(server: &FixtureServer) -> Workspace {
    let ws = Workspace::with_sources(
        &[("us-mali", "Mali", &server.url("/mali"), "state-dept")],
        "",
    );
    server.serve_fixture("/mali", "mali-2023-legacy.html");
    assert_eq!(ws.run(&["check"]).code, 0);
    let conn = Connection::open(ws.db_path()).expect("open db");
    conn.execute_batch(
        "INSERT INTO bodies (hash, size, packed, codec) VALUES ('old-failure', 1, x'00', 'lz4');
         INSERT INTO bodies (hash, size, packed, codec) VALUES ('orphan', 1, x'00', 'lz4');
         INSERT INTO failures (source_id, at, kind, message, http_status, body_hash)
           VALUES (1, '2020-01-01T00:00:00.000Z', 'extraction', 'old', 200, 'old-failure');
         INSERT INTO deliveries (key, channel, event_id, event, batch, status, next_attempt_at,
                                 created_at, sent_at)
           VALUES ('k', 'hook', 'e', '{}', 'b', 'sent', '2020-01-01T00:00:00.000Z',
                   '2020-01-01T00:00:00.000Z', '2020-01-01T00:00:01.000Z');",
    )
    .expect("age the database");
    ws
}

#[test]
fn a_dry_run_prints_the_counts_and_removes_nothing() {
    let server = FixtureServer::start();
    let ws = aged_workspace(&server);
    let run = ws.run(&["prune", "--dry-run"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for line in [
        "failures    1",
        "deliveries  1",
        "snapshots   0",
        "bodies      2",
    ] {
        assert!(run.stdout.contains(line), "no `{line}` in\n{}", run.stdout);
    }
    assert!(run.stdout.contains("nothing was removed"), "{}", run.stdout);
    let conn = Connection::open(ws.db_path()).expect("open db");
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM failures"), 1);
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM deliveries"), 1);
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM bodies"), 3);
}

#[test]
fn prune_keeps_everything_a_version_refers_to() {
    let server = FixtureServer::start();
    let ws = aged_workspace(&server);
    let run = ws.run(&["prune", "--older-than", "400d"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.starts_with("Removed"), "{}", run.stdout);
    let conn = Connection::open(ws.db_path()).expect("open db");
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM failures"), 0);
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM deliveries"), 0);
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM snapshots"), 1);
    assert_eq!(
        count(
            &conn,
            "SELECT COUNT(*) FROM snapshots s LEFT JOIN bodies b ON b.hash = s.body_hash
             WHERE s.body_hash IS NOT NULL AND b.hash IS NULL"
        ),
        0
    );
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM bodies"), 1);
}

#[test]
fn a_broken_page_with_changing_bytes_stores_at_most_three_bodies() {
    let server = FixtureServer::start();
    let ws = Workspace::with_sources(
        &[("broken", "Mali", &server.url("/broken"), "state-dept")],
        "",
    );
    for n in 0..5 {
        server.set(
            "/broken",
            Reply::html(format!(
                "<html><body><p>Maintenance, request {n}</p></body></html>"
            )),
        );
        ws.run(&["check"]);
    }
    let conn = Connection::open(ws.db_path()).expect("open db");
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM failures"), 5);
    assert!(count(&conn, "SELECT COUNT(*) FROM bodies") <= 3);
    // The newest failure keeps its body, for `reprocess`.
    assert_eq!(
        count(
            &conn,
            "SELECT COUNT(*) FROM failures WHERE body_hash IS NOT NULL
             AND id = (SELECT MAX(id) FROM failures)"
        ),
        1
    );
}

#[test]
fn storage_keep_is_checked_when_the_configuration_loads() {
    let short = Workspace::new("[storage]\nkeep = \"12h\"\n");
    let run = short.run(&["config-check"]);
    assert_eq!(run.code, 3, "a bad configuration: {}", run.stderr);
    assert!(
        run.stderr.contains("keep") && run.stderr.contains("less than a day"),
        "{}",
        run.stderr
    );
    let fine = Workspace::new("[storage]\nkeep = \"30d\"\n");
    let run = fine.run(&["config-check"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}
