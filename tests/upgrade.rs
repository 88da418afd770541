//! Upgrades and restores as an operator sees them: a database of every earlier schema version,
//! holding real rows, refused by read-only commands, upgraded by `migrate` with a copy of the
//! old file kept; `restore` refused while a daemon runs, refusing a damaged copy, keeping the
//! file it replaces.

mod common;

use std::time::Duration;

use common::peers::{DaemonProcess, wait_until};
use common::{FixtureServer, Workspace};
use rusqlite::{Connection, params};

fn config(server: &FixtureServer) -> String {
    format!(
        "[fetch]\ntimeout = \"5s\"\nretry_initial = \"50ms\"\n\n\
         [schedule]\ncron = \"0 0 0 1 1 *\"\njitter = \"0s\"\n\n\
         [[sources]]\nname = \"us-mali\"\ncountry = \"Mali\"\nurl = \"{}\"\n",
        server.url("/us-mali")
    )
}

/// A version's row as the current release stores it.
struct VersionRow {
    profile: String,
    fields_hash: String,
    level: i64,
    advisory: String,
}

/// The two versions and the change a real check stores for Mali's page moving.
fn real_rows() -> (Vec<VersionRow>, String, String) {
    let server = FixtureServer::start();
    let ws = Workspace::new(&config(&server));
    server.serve_fixture("/us-mali", "mali-2023-legacy.html");
    assert_eq!(ws.run(&["check"]).code, 0);
    server.serve_fixture("/us-mali", "mali-2025.html");
    assert_eq!(ws.run(&["check"]).code, 0);
    let conn = Connection::open(ws.db_path()).expect("open");
    let versions = conn
        .prepare("SELECT profile, fields_hash, level, advisory FROM snapshots ORDER BY id")
        .and_then(|mut s| {
            s.query_map([], |r| {
                Ok(VersionRow {
                    profile: r.get(0)?,
                    fields_hash: r.get(1)?,
                    level: r.get(2)?,
                    advisory: r.get(3)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()
        })
        .expect("versions");
    assert_eq!(versions.len(), 2);
    let (headline, change) = conn
        .query_row("SELECT headline, change FROM changes", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .expect("change");
    (versions, headline, change)
}

/// A database as the release with schema `version` left it, holding a source, its two
/// versions and the change between them.
fn old_database(path: &std::path::Path, version: usize, rows: &(Vec<VersionRow>, String, String)) {
    let conn = Connection::open(path).expect("open");
    for sql in &advisory_watch::store::migrations()[..version] {
        conn.execute_batch(sql).expect("old migration");
    }
    conn.pragma_update(None, "user_version", version as i64)
        .expect("version");
    conn.execute(
        "INSERT INTO sources (id, name, country, url) VALUES (1, 'us-mali', 'Mali', 'http://127.0.0.1:9/us-mali')",
        [],
    )
    .expect("source");
    let (versions, headline, change) = rows;
    for (i, v) in versions.iter().enumerate() {
        let at = format!("2026-01-0{}T00:00:00.000Z", i + 1);
        conn.execute(
            "INSERT INTO snapshots (id, source_id, first_seen_at, last_seen_at, http_status, profile, fields_hash, level, advisory)
             VALUES (?1, 1, ?2, ?2, 200, ?3, ?4, ?5, ?6)",
            params![i as i64 + 1, at, v.profile, v.fields_hash, v.level, v.advisory],
        )
        .expect("version");
    }
    conn.execute(
        "INSERT INTO changes (source_id, from_snapshot, to_snapshot, detected_at, headline, change)
         VALUES (1, 1, 2, '2026-01-02T00:00:00.000Z', ?1, ?2)",
        params![headline, change],
    )
    .expect("change");
}

fn user_version(path: &std::path::Path) -> i64 {
    Connection::open(path)
        .and_then(|c| c.query_row("PRAGMA user_version", [], |r| r.get(0)))
        .expect("version")
}

#[test]
fn migrate_upgrades_a_database_of_every_earlier_schema_keeping_its_rows_and_a_copy() {
    let rows = real_rows();
    let current = advisory_watch::store::migrations().len();
    let server = FixtureServer::start();
    for version in 1..current {
        let ws = Workspace::new(&config(&server));
        let db = ws.db_path();
        old_database(&db, version, &rows);

        // A read-only command leaves the file alone and says what to do.
        let refused = ws.run(&["history", "us-mali"]);
        assert_eq!(refused.code, 1, "schema {version}: {}", refused.stderr);
        let expected = format!(
            "the database at {} has schema version {version}; run `advisory-watch migrate` to upgrade it to {current}",
            db.display()
        );
        assert!(
            refused.stderr.contains(&expected),
            "schema {version}: {}",
            refused.stderr
        );
        assert_eq!(user_version(&db), version as i64, "not migrated");
        // `backup` copies it as it is.
        let copy = ws.dir.path().join("before.db");
        let backup = ws.run(&["backup", copy.to_str().expect("a UTF-8 path")]);
        assert_eq!(backup.code, 0, "schema {version}: {}", backup.stderr);
        assert_eq!(user_version(&copy), version as i64);
        assert_eq!(user_version(&db), version as i64, "not migrated");

        let migrated = ws.run(&["migrate"]);
        assert_eq!(migrated.code, 0, "schema {version}: {}", migrated.stderr);
        let backup = db.with_file_name(format!("advisory-watch.db.v{version}.bak"));
        assert!(migrated.stdout.contains(&backup.display().to_string()));
        assert!(backup.exists(), "schema {version}: the old file is kept");
        assert_eq!(user_version(&backup), version as i64);
        assert_eq!(user_version(&db), current as i64);

        let history = ws.run(&["history", "us-mali"]);
        assert_eq!(history.code, 0, "schema {version}: {}", history.stderr);
        assert!(
            history.stdout.contains(&rows.1),
            "schema {version}: the change reads back:\n{}",
            history.stdout
        );
        assert!(history.stdout.contains("2026-01-01"), "{}", history.stdout);

        let again = ws.run(&["migrate"]);
        assert_eq!(again.code, 0);
        assert!(again.stdout.contains("nothing to do"), "{}", again.stdout);
    }
}

#[test]
fn check_keeps_a_copy_before_it_upgrades() {
    let rows = real_rows();
    let server = FixtureServer::start();
    server.serve_fixture("/us-mali", "mali-2025.html");
    let ws = Workspace::new(&config(&server));
    old_database(&ws.db_path(), 8, &rows);
    let run = ws.run(&["check"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(ws.dir.path().join("advisory-watch.db.v8.bak").exists());
}

#[test]
fn restore_checks_the_copy_keeps_the_replaced_file_and_waits_for_no_daemon() {
    let server = FixtureServer::start();
    server.serve_fixture("/us-mali", "mali-2023-legacy.html");
    let ws = Workspace::new(&config(&server));
    assert_eq!(ws.run(&["check"]).code, 0);
    let copy = ws.dir.path().join("copy.db");
    assert_eq!(
        ws.run(&["backup", copy.to_str().expect("a UTF-8 path")])
            .code,
        0
    );
    server.serve_fixture("/us-mali", "mali-2025.html");
    assert_eq!(ws.run(&["check"]).code, 0);
    let versions = |path: &std::path::Path| -> i64 {
        Connection::open(path)
            .and_then(|c| c.query_row("SELECT COUNT(*) FROM snapshots", [], |r| r.get(0)))
            .expect("count")
    };
    assert_eq!(versions(&ws.db_path()), 2);

    // A damaged copy is refused.
    let damaged = ws.dir.path().join("damaged.db");
    let mut bytes = std::fs::read(&copy).expect("read");
    let half = bytes.len() / 2;
    bytes[half..].iter_mut().for_each(|b| *b = 0x5a);
    std::fs::write(&damaged, bytes).expect("write");
    let refused = ws.run(&["restore", damaged.to_str().expect("a UTF-8 path")]);
    assert_eq!(refused.code, 1, "{}", refused.stdout);
    assert!(
        refused.stderr.contains("nothing was replaced"),
        "{}",
        refused.stderr
    );
    assert_eq!(versions(&ws.db_path()), 2);

    // Refused while a daemon runs on the database.
    let mut daemon = DaemonProcess::start(&ws.config_path(), &[], ws.dir.path().join("d.log"));
    let lock = ws.dir.path().join("advisory-watch.db.daemon-lock");
    assert!(
        wait_until(Duration::from_secs(15), || lock.exists()),
        "{}",
        daemon.log()
    );
    std::thread::sleep(Duration::from_millis(300));
    let busy = ws.run(&["restore", copy.to_str().expect("a UTF-8 path")]);
    assert_eq!(busy.code, 1);
    assert!(
        busy.stderr
            .contains("restore refused while a daemon uses the database"),
        "{}",
        busy.stderr
    );
    assert_eq!(daemon.terminate(Duration::from_secs(15)), Some(0));

    let restored = ws.run(&["restore", copy.to_str().expect("a UTF-8 path")]);
    assert_eq!(restored.code, 0, "{}", restored.stderr);
    assert_eq!(versions(&ws.db_path()), 1, "the copy is in place");
    let replaced: Vec<_> = std::fs::read_dir(ws.dir.path())
        .expect("dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("advisory-watch.db.replaced-"))
        })
        .collect();
    assert_eq!(replaced.len(), 1, "{}", restored.stdout);
    assert_eq!(versions(&replaced[0]), 2, "the replaced database is kept");
    assert!(restored.stdout.contains(&replaced[0].display().to_string()));
}
