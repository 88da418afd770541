//! `check` against a real HTTP server on 127.0.0.1 with a real SQLite file: what an analyst
//! sees after each cycle, and what stays in the database.

mod common;

use common::{FixtureServer, Workspace};
use serde_json::{Value, json};

fn headlines(report: &Value) -> Vec<String> {
    report["changes"]
        .as_array()
        .expect("changes array")
        .iter()
        .map(|c| c["headline"].as_str().expect("headline").to_owned())
        .collect()
}

fn mali_workspace(server: &FixtureServer) -> Workspace {
    Workspace::with_sources(
        &[("us-mali", "Mali", &server.url("/mali"), "state-dept")],
        "",
    )
}

#[test]
fn mali_legacy_to_current_page_reports_unrest_and_health_added() {
    let server = FixtureServer::start();
    let ws = mali_workspace(&server);

    server.serve_fixture("/mali", "mali-2023-legacy.html");
    let (first, code) = ws.check_json(&[]);
    assert_eq!(code, 0);
    assert_eq!(first["changes"], json!([]));
    assert_eq!(first["first_versions"], json!(["us-mali"]));

    server.serve_fixture("/mali", "mali-2025.html");
    let (second, code) = ws.check_json(&[]);
    assert_eq!(code, 0);
    let change = &second["changes"][0];
    assert_eq!(
        change["headline"],
        "Unrest and health indicators added; summary updated"
    );
    assert_eq!(change["source"], "us-mali");
    assert_eq!(change["country"], "Mali");
    assert_eq!(change["level_from"], 4);
    assert_eq!(change["level_to"], 4);
    assert_eq!(change["indicators_added"], json!(["unrest", "health"]));
    assert_eq!(change["indicators_removed"], json!([]));
    assert_eq!(change["summary_changed"], true);
    assert_eq!(change["issued_from"], "2023-07-31");
    assert_eq!(change["issued_to"], "2025-10-28");
    assert!(
        change["change_note"]
            .as_str()
            .expect("note")
            .contains("risk indicators were added"),
        "{change}"
    );
    assert!(
        change["detected_at"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z'))
    );
    assert_eq!(second["failures"], json!([]));
    assert_eq!(second["checked"], 1);

    // The text an analyst reads at a terminal.
    server.serve_fixture("/mali", "mali-2023-legacy.html");
    let text = ws.run(&["check"]);
    assert!(
        text.stdout
            .contains("Mali (us-mali): Unrest and health indicators removed; summary updated"),
        "{}",
        text.stdout
    );

    // The history keeps all three versions and both changes.
    let history = ws.run(&["history", "us-mali", "--format", "json"]);
    let history: Value = serde_json::from_str(&history.stdout).expect("history json");
    assert_eq!(history["versions"].as_array().map(Vec::len), Some(3));
    assert_eq!(history["changes"].as_array().map(Vec::len), Some(2));
    assert_eq!(history["versions"][0]["profile"], "state-dept-legacy");
    assert_eq!(history["versions"][1]["profile"], "state-dept-2025");
}

#[test]
fn identical_refetch_is_no_change_and_no_new_version() {
    let server = FixtureServer::start();
    let ws = mali_workspace(&server);
    server.serve_fixture("/mali", "mali-2025.html");
    ws.check_json(&[]);
    for _ in 0..2 {
        let (report, code) = ws.check_json(&[]);
        assert_eq!(code, 0);
        assert_eq!(report["changes"], json!([]));
        assert_eq!(report["first_versions"], json!([]));
    }
    let history: Value =
        serde_json::from_str(&ws.run(&["history", "us-mali", "--format", "json"]).stdout)
            .expect("json");
    assert_eq!(history["versions"].as_array().map(Vec::len), Some(1));
    assert_eq!(server.hits("/mali"), 3);
}

#[test]
fn markup_only_and_boilerplate_churn_is_no_change() {
    let server = FixtureServer::start();
    let ws = Workspace::with_sources(
        &[
            ("us-mali", "Mali", &server.url("/mali"), "state-dept"),
            (
                "us-mali-legacy",
                "Mali",
                &server.url("/legacy"),
                "state-dept",
            ),
        ],
        "",
    );
    server.serve_fixture("/mali", "mali-2025.html");
    server.serve_fixture("/legacy", "mali-2023-legacy.html");
    ws.check_json(&[]);

    server.serve_fixture("/mali", "mali-2025-markup-only.html");
    // The real 2025-06-13 change: only the level chart image and boilerplate moved.
    server.serve_fixture("/legacy", "mali-2023-legacy-chart-v2.html");
    let (report, code) = ws.check_json(&[]);
    assert_eq!(code, 0);
    assert_eq!(headlines(&report), Vec::<String>::new());
    assert_eq!(report["failures"], json!([]));
}

#[test]
fn broken_layout_is_a_failure_without_a_change_and_recovery_diffs_against_the_last_good_version() {
    let server = FixtureServer::start();
    let ws = mali_workspace(&server);
    server.serve_fixture("/mali", "mali-2025.html");
    ws.check_json(&[]);

    for broken in ["mali-2025-redesigned.html", "error-page-200.html"] {
        server.serve_fixture("/mali", broken);
        let (report, code) = ws.check_json(&[]);
        assert_eq!(code, 2, "a failed source exits 2");
        assert_eq!(
            report["changes"],
            json!([]),
            "{broken}: no change from a broken page"
        );
        let failure = &report["failures"][0];
        assert_eq!(failure["source"], "us-mali");
        assert_eq!(failure["kind"], "extraction");
        let message = failure["message"].as_str().expect("message");
        assert!(
            message.contains("selector `.cmp-traveladvisory__header h3.travel-level` (level) in profile `state-dept-2025` matched nothing"),
            "{message}"
        );
    }

    let sources: Value =
        serde_json::from_str(&ws.run(&["sources", "--format", "json"]).stdout).expect("json");
    assert_eq!(sources[0]["state"], "broken");
    assert_eq!(
        sources[0]["level"], 4,
        "the last good version is still the current one"
    );
    assert!(
        sources[0]["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("matched nothing"))
    );

    // The page reads again, one indicator fewer: exactly that change, nothing about the outage.
    server.serve_fixture("/mali", "mali-2025-health-removed.html");
    let (report, code) = ws.check_json(&[]);
    assert_eq!(code, 0);
    assert_eq!(headlines(&report), ["Health indicator removed"]);
    assert_eq!(
        report["changes"][0]["indicators_removed"],
        json!(["health"])
    );
    assert_eq!(report["changes"][0]["summary_changed"], false);

    let sources: Value =
        serde_json::from_str(&ws.run(&["sources", "--format", "json"]).stdout).expect("json");
    assert_eq!(sources[0]["state"], "ok");
    assert_eq!(
        sources[0]["indicators"],
        json!(["crime", "kidnapping", "terrorism", "unrest"])
    );
}

#[test]
fn unreachable_and_erroring_sources_fail_alone() {
    let server = FixtureServer::start();
    let ws = Workspace::with_sources(
        &[
            ("us-mali", "Mali", &server.url("/mali"), "state-dept"),
            ("gone", "Nowhere", &server.url("/missing"), "state-dept"),
            (
                "closed",
                "Nowhere",
                "http://127.0.0.1:9/closed",
                "state-dept",
            ),
        ],
        "",
    );
    server.serve_fixture("/mali", "mali-2025.html");
    let (report, code) = ws.check_json(&[]);
    assert_eq!(code, 2);
    assert_eq!(report["first_versions"], json!(["us-mali"]));
    let failures = report["failures"].as_array().expect("failures");
    assert_eq!(failures.len(), 2);
    assert_eq!(failures[0]["source"], "gone");
    assert_eq!(failures[0]["kind"], "http");
    assert!(failures[0]["message"].as_str().expect("m").contains("404"));
    assert_eq!(failures[1]["source"], "closed");
    assert_eq!(failures[1]["kind"], "fetch");
    assert!(
        failures[1]["message"]
            .as_str()
            .expect("m")
            .contains("127.0.0.1:9")
    );

    // Checking a single source by name leaves the others alone.
    let (report, code) = ws.check_json(&["us-mali"]);
    assert_eq!((code, report["checked"].as_u64()), (0, Some(1)));
}

#[test]
fn nepal_level_raised_with_crime_added() {
    let server = FixtureServer::start();
    let ws = Workspace::with_sources(
        &[("us-nepal", "Nepal", &server.url("/nepal"), "state-dept")],
        "",
    );
    server.serve_fixture("/nepal", "nepal-2026.html");
    ws.check_json(&[]);
    server.serve_fixture("/nepal", "nepal-2026-level3.html");
    let (report, _) = ws.check_json(&[]);
    assert_eq!(
        headlines(&report),
        ["Level raised from 2 to 3; crime indicator added; summary updated"]
    );
    assert_eq!(report["changes"][0]["level_to_label"], "Reconsider travel");
}

const MINISTRY_PROFILE: &str = r#"
[profiles.norland]
level = "h3.risk-level"
indicators = "ul.risks li.active"
indicator_attr = "data-code"
reason = "p.reason"
summary = "div.summary"
issued = "span.date"
"#;

#[test]
fn user_defined_profile_reads_a_layout_of_its_own() {
    let server = FixtureServer::start();
    let ws = Workspace::with_sources(
        &[(
            "norland-freedonia",
            "Freedonia",
            &server.url("/advice"),
            "norland",
        )],
        MINISTRY_PROFILE,
    );
    server.serve_fixture("/advice", "ministry-v1.html");
    ws.check_json(&[]);
    server.serve_fixture("/advice", "ministry-v2.html");
    let (report, code) = ws.check_json(&[]);
    assert_eq!(code, 0);
    assert_eq!(
        headlines(&report),
        ["Level raised from 2 to 3; unrest indicator added; summary updated"]
    );
    assert_eq!(report["changes"][0]["issued_to"], "2026-11-20");
}

#[test]
fn reprocess_recovers_versions_after_a_profile_is_fixed() {
    let server = FixtureServer::start();
    let wrong = MINISTRY_PROFILE.replace("div.summary", "div.summary-text");
    let ws = Workspace::with_sources(
        &[(
            "norland-freedonia",
            "Freedonia",
            &server.url("/advice"),
            "norland",
        )],
        &wrong,
    );
    server.serve_fixture("/advice", "ministry-v1.html");
    let (report, code) = ws.check_json(&[]);
    assert_eq!(code, 2);
    assert_eq!(report["failures"][0]["kind"], "extraction");
    server.serve_fixture("/advice", "ministry-v2.html");
    ws.check_json(&[]);

    // Fix the profile, re-read what was stored, without fetching.
    let config = std::fs::read_to_string(ws.config_path()).expect("config");
    ws.write_config(&config.replace("div.summary-text", "div.summary"));
    let hits = server.hits("/advice");
    let run = ws.run(&["reprocess"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("norland-freedonia: re-read 2 stored pages; versions 0 -> 2"),
        "{}",
        run.stdout
    );
    assert_eq!(server.hits("/advice"), hits, "reprocess fetches nothing");

    let history: Value = serde_json::from_str(
        &ws.run(&["history", "norland-freedonia", "--format", "json"])
            .stdout,
    )
    .expect("json");
    assert_eq!(
        history["changes"][0]["headline"],
        "Level raised from 2 to 3; unrest indicator added; summary updated"
    );
    let sources: Value =
        serde_json::from_str(&ws.run(&["sources", "--format", "json"]).stdout).expect("json");
    assert_eq!(sources[0]["state"], "ok");
    assert_eq!(sources[0]["level"], 3);
}

#[test]
fn database_keeps_one_row_per_version_after_many_unchanged_checks() {
    let server = FixtureServer::start();
    let ws = mali_workspace(&server);
    server.serve_fixture("/mali", "mali-2025.html");
    for _ in 0..3 {
        ws.check_json(&[]);
    }
    let conn = rusqlite::Connection::open(ws.db_path()).expect("open db");
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).expect(sql) };
    assert_eq!(count("SELECT COUNT(*) FROM snapshots"), 1);
    assert_eq!(count("SELECT COUNT(*) FROM bodies"), 1);
    assert_eq!(count("SELECT COUNT(*) FROM changes"), 0);
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("pragma");
    assert_eq!(integrity, "ok");
}

#[test]
fn layout_move_with_the_same_advisory_is_no_change() {
    let server = FixtureServer::start();
    let ws = mali_workspace(&server);
    // The same advisory, first in the legacy layout, then in the 2025 one.
    server.serve_fixture("/mali", "mali-2025-legacy-layout.html");
    ws.check_json(&[]);
    server.serve_fixture("/mali", "mali-2025.html");
    let (report, code) = ws.check_json(&[]);
    assert_eq!(code, 0);
    assert_eq!(
        report["changes"],
        json!([]),
        "a redesign alone is no change"
    );
    assert_eq!(report["failures"], json!([]));

    // The version records which profile read it.
    let history: Value =
        serde_json::from_str(&ws.run(&["history", "us-mali", "--format", "json"]).stdout)
            .expect("json");
    let profiles: Vec<&str> = history["versions"]
        .as_array()
        .expect("versions")
        .iter()
        .map(|v| v["profile"].as_str().expect("profile"))
        .collect();
    assert_eq!(profiles, ["state-dept-legacy", "state-dept-2025"]);
    assert_eq!(history["changes"], json!([]));
}

/// What a release before the reader's last change stored: the same page read differently.
fn as_if_read_by_an_older_release(ws: &Workspace) {
    let conn = rusqlite::Connection::open(ws.db_path()).expect("open db");
    conn.execute_batch(
        "UPDATE snapshots SET reader = 1, fields_hash = 'older reader',
             advisory = json_set(advisory, '$.summary', 'What the older reader took for the summary.',
                                 '$.indicators', json('[\"crime\"]'))",
    )
    .expect("rewrite the stored version");
}

#[test]
fn an_upgrade_that_reads_a_page_differently_is_no_change_but_a_level_move_still_is() {
    let server = FixtureServer::start();
    let ws = mali_workspace(&server);
    server.serve_fixture("/mali", "mali-2025.html");
    ws.check_json(&[]);
    as_if_read_by_an_older_release(&ws);
    // The page's bytes change (markup only): the new reader's reading is stored, no change.
    server.serve_fixture("/mali", "mali-2025-markup-only.html");
    let (reread, code) = ws.check_json(&[]);
    assert_eq!(code, 0, "{reread}");
    assert_eq!(headlines(&reread), Vec::<String>::new());
    let conn = rusqlite::Connection::open(ws.db_path()).expect("open db");
    let readers: Vec<u32> = conn
        .prepare("SELECT reader FROM snapshots ORDER BY id")
        .expect("query")
        .query_map([], |r| r.get(0))
        .expect("rows")
        .map(|r| r.expect("row"))
        .collect();
    assert_eq!(readers, [1, advisory_watch::read::extract::READER_VERSION]);

    // The same upgrade on a version whose level then moves: the move is reported.
    let server = FixtureServer::start();
    let ws = mali_workspace(&server);
    server.serve_fixture("/mali", "mali-2023-legacy.html");
    ws.check_json(&[]);
    as_if_read_by_an_older_release(&ws);
    server.serve_fixture("/mali", "nepal-2026-level3.html");
    let (moved, _) = ws.check_json(&[]);
    let headlines = headlines(&moved);
    assert_eq!(headlines.len(), 1, "{moved}");
    assert!(
        headlines[0].starts_with("Level lowered from 4 to 3"),
        "{headlines:?}"
    );
}

/// Makes the stored latest version look as an older release read it: another level, another
/// fields hash, reader 1 (what an upgrade finds in the database).
fn as_an_older_release_read_it(ws: &Workspace, level: u8) {
    let conn = rusqlite::Connection::open(ws.db_path()).expect("open the database");
    conn.execute(
        "UPDATE snapshots SET reader = 1, fields_hash = 'older', level = ?1,
                advisory = json_set(advisory, '$.level.number', ?1)
         WHERE id = (SELECT MAX(id) FROM snapshots)",
        [level],
    )
    .expect("update");
    // A new release's reader has another fingerprint: the page is read again, not skipped.
    conn.execute("UPDATE sources SET last_content_hash = NULL", [])
        .expect("update");
}

#[test]
fn an_upgrade_never_reports_its_own_rereading_of_a_level_as_a_move() {
    let server = FixtureServer::start();
    let ws = Workspace::with_sources(
        &[("us-nepal", "Nepal", &server.url("/nepal"), "state-dept")],
        "",
    );
    server.serve_fixture("/nepal", "nepal-2026.html");
    let (_, code) = ws.check_json(&[]);
    assert_eq!(code, 0);
    let level = |ws: &Workspace| -> Value {
        let run = ws.run(&["history", "us-nepal", "--format", "json"]);
        let history: Value = serde_json::from_str(&run.stdout).expect("json");
        history["versions"]
            .as_array()
            .and_then(|v| v.last())
            .map(|v| v["level"].clone())
            .expect("a version")
    };
    let read = level(&ws).as_u64().expect("level") as u8;

    // An older release misread the same page one level higher: this release reads the stored
    // body again, so the same bytes are no move.
    as_an_older_release_read_it(&ws, read + 1);
    let (report, code) = ws.check_json(&[]);
    assert_eq!(code, 0);
    assert_eq!(
        report["changes"],
        json!([]),
        "no false level change: {report}"
    );

    // And a real move after an upgrade is told from what this release reads on both pages.
    as_an_older_release_read_it(&ws, read + 1);
    server.serve_fixture("/nepal", "nepal-2026-level3.html");
    let (report, code) = ws.check_json(&[]);
    assert_eq!(code, 0);
    assert_eq!(report["changes"][0]["level_from"], read, "{report}");
    assert_eq!(report["changes"][0]["level_to"], 3, "{report}");
}

/// When an operator moves a source to a new URL, the first check of it asks for the whole page:
/// the old URL's validators say nothing of the new one. A static server gives two files of the
/// same size and time the same ETag (nginx's is both in hex), so sending the old one would get a
/// 304 and hide the change.
#[test]
fn a_source_moved_to_a_new_url_is_fetched_whole_and_its_change_reported() {
    let server = FixtureServer::start();
    let etag = "\"6543a1b2-f000\"";
    server.set(
        "/old",
        common::Reply::html(common::fixture("mali-2023-legacy.html")).header("ETag", etag),
    );
    server.set(
        "/new",
        common::Reply::html(common::fixture("mali-2025.html")).header("ETag", etag),
    );
    let config = |path: &str| {
        format!(
            "[fetch]\ntimeout = \"5s\"\nretry_initial = \"50ms\"\n\n[[sources]]\nname = \"us-mali\"\ncountry = \"Mali\"\nurl = \"{}\"\n",
            server.url(path)
        )
    };
    let ws = Workspace::new(&config("/old"));
    let (first, code) = ws.check_json(&[]);
    assert_eq!(code, 0, "{first}");
    // The same page again: a conditional request, answered 304.
    let (again, code) = ws.check_json(&[]);
    assert_eq!(code, 0, "{again}");
    assert_eq!(server.not_modified("/old"), 1, "the validators are used");

    ws.write_config(&config("/new"));
    let (moved, code) = ws.check_json(&[]);
    assert_eq!(code, 0, "{moved}");
    assert!(
        !server
            .last_request_headers("/new")
            .iter()
            .any(|h| h.to_ascii_lowercase().starts_with("if-none-match")),
        "no validator of the old URL: {:?}",
        server.last_request_headers("/new")
    );
    assert_eq!(server.not_modified("/new"), 0);
    assert_eq!(
        moved["changes"][0]["headline"], "Unrest and health indicators added; summary updated",
        "{moved}"
    );
    // From then on, the new URL's own validators.
    let (again, code) = ws.check_json(&[]);
    assert_eq!(code, 0, "{again}");
    assert_eq!(server.not_modified("/new"), 1);
}
