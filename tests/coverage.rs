//! Every official channel: other governments' JSON, a single country of a feed, discovery,
//! history backfill and the cross-source view.

mod common;

use common::{FixtureServer, Reply, Workspace, fixture, fixture_path, run_bare};
use serde_json::{Value, json};

fn other(name: &str) -> String {
    fixture(&format!("other/{name}"))
}

fn json_reply(body: String) -> Reply {
    let mut reply = Reply::html(body);
    reply.content_type = "application/json".into();
    reply
}

#[test]
fn uk_and_canada_advisories_map_onto_levels_and_keep_their_own_words() {
    let server = FixtureServer::start();
    let ws = Workspace::new(&format!(
        "[[sources]]\nname = \"uk-nepal\"\ncountry = \"Nepal\"\nkind = \"json\"\nprofile = \"fcdo\"\nurl = \"{}\"\n\n\
         [[sources]]\nname = \"ca\"\ncountry = \"*\"\nkind = \"json\"\nprofile = \"canada\"\nurl = \"{}\"\n",
        server.url("/uk/nepal"),
        server.url("/ca/index")
    ));
    let uk = other("uk-content-api-nepal.json");
    let canada = other("ca-index-alpha-eng.json");
    server.set("/uk/nepal", json_reply(uk.clone()));
    server.set("/ca/index", json_reply(canada.clone()));
    let (first, code) = ws.check_json(&[]);
    assert_eq!(code, 0, "{first}");
    assert_eq!(
        first["first_versions"].as_array().map(Vec::len),
        Some(1 + 230)
    );

    let sources: Value =
        serde_json::from_str(&ws.run(&["sources", "--format", "json"]).stdout).expect("json");
    let find = |name: &str| {
        sources
            .as_array()
            .expect("list")
            .iter()
            .find(|s| s["name"] == name)
            .unwrap_or_else(|| panic!("{name}"))
            .clone()
    };
    let nepal = find("uk-nepal");
    assert_eq!(
        nepal["level"], 1,
        "no alert_status: no advice against travel"
    );
    assert_eq!(nepal["level_label"], "No FCDO advice against travel");
    let afghanistan = find("ca/af");
    assert_eq!(afghanistan["level"], 4);
    assert_eq!(
        afghanistan["level_label"], "Avoid all travel",
        "Canada's own words"
    );
    assert_eq!(afghanistan["country"], "Afghanistan");

    // The UK raises its advice for Nepal; Canada lowers Afghanistan by one step.
    let uk_raised = uk.replacen(
        "\"alert_status\":[]",
        "\"alert_status\":[\"avoid_all_but_essential_travel_to_parts\"]",
        1,
    );
    assert_ne!(uk_raised, uk, "the sample has an empty alert_status");
    server.set("/uk/nepal", json_reply(uk_raised));
    let mut index: Value = serde_json::from_str(&canada).expect("json");
    index["data"]["AF"]["advisory-state"] = json!(2);
    index["data"]["AF"]["eng"]["advisory-text"] = json!("Avoid non-essential travel");
    server.set("/ca/index", json_reply(index.to_string()));
    let (report, _) = ws.check_json(&[]);
    let headlines: Vec<(String, String)> = report["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| {
            (
                c["source"].as_str().unwrap_or("").to_owned(),
                c["headline"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        headlines,
        [
            ("uk-nepal".to_owned(), "Level raised from 1 to 2".to_owned()),
            ("ca/af".to_owned(), "Level lowered from 4 to 3".to_owned()),
        ]
    );
    assert_eq!(
        report["changes"][0]["level_to_label"],
        "FCDO advises against all but essential travel to parts of the country"
    );
}

#[test]
fn a_feed_source_can_watch_one_country_and_compare_shows_every_government() {
    let server = FixtureServer::start();
    let feed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/accuracy/rss/TAsTWs-2025-10-14.xml"
    ))
    .expect("feed");
    let mut reply = Reply::html(feed);
    reply.content_type = "application/rss+xml".into();
    server.set("/feed", reply);
    server.set("/ca/index", json_reply(other("ca-index-alpha-eng.json")));
    server.serve_fixture("/mali", "mali-2025.html");
    let ws = Workspace::new(&format!(
        "[[sources]]\nname = \"us-feed-mali\"\ncountry = \"Mali\"\nkind = \"rss\"\nurl = \"{}\"\n\n\
         [[sources]]\nname = \"us-mali\"\ncountry = \"Mali\"\nurl = \"{}\"\n\n\
         [[sources]]\nname = \"ca\"\ncountry = \"*\"\nkind = \"json\"\nprofile = \"canada\"\nurl = \"{}\"\n",
        server.url("/feed"),
        server.url("/mali"),
        server.url("/ca/index")
    ));
    let (report, code) = ws.check_json(&[]);
    assert_eq!(code, 0, "{report}");
    let firsts: Vec<&str> = report["first_versions"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(Value::as_str)
        .filter(|n| !n.starts_with("ca/"))
        .collect();
    assert_eq!(
        firsts,
        ["us-feed-mali/mali", "us-mali"],
        "one country of the feed"
    );

    let run = ws.run(&["compare", "mali"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for expected in [
        "What each source says about Mali",
        "us-feed-mali/mali",
        "us-mali",
        "ca/ml",
        "Avoid all travel",
    ] {
        assert!(run.stdout.contains(expected), "{expected}: {}", run.stdout);
    }
    let compared: Value =
        serde_json::from_str(&ws.run(&["compare", "Mali", "--format", "json"]).stdout)
            .expect("json");
    let levels: Vec<u64> = compared["sources"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|s| s["level"].as_u64())
        .collect();
    assert_eq!(levels, [4, 4, 4], "all three say level 4 for Mali");
    assert_eq!(ws.run(&["compare", "Atlantis"]).code, 1);
}

#[test]
fn discover_lists_the_feed_and_writes_sources_that_load() {
    let dir = tempfile::tempdir().expect("temp dir");
    let feed = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/accuracy/rss/TAsTWs-2025-10-14.xml"
    );
    let written = dir.path().join("discovered.toml");
    let run = run_bare(
        dir.path(),
        &[
            "discover",
            "--url",
            feed,
            "--write",
            written.to_str().expect("utf-8"),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("211 countries."), "{}", run.stdout);
    assert!(
        run.stdout.contains("Wrote 211 [[sources]] entries"),
        "{}",
        run.stdout
    );
    let check = run_bare(
        dir.path(),
        &["--config", written.to_str().expect("utf-8"), "config-check"],
    );
    assert_eq!(check.code, 0, "the written sources load: {}", check.stderr);
    assert!(check.stdout.contains("211 sources"), "{}", check.stdout);
    let again = run_bare(
        dir.path(),
        &[
            "discover",
            "--url",
            feed,
            "--write",
            written.to_str().expect("utf-8"),
        ],
    );
    assert_eq!(again.code, 1, "never overwrites");
}

#[test]
fn backfill_starts_a_new_source_with_the_history_panel() {
    let server = FixtureServer::start();
    server.serve_fixture("/mali", "mali-2025.html");
    let ws = Workspace::with_sources(
        &[("us-mali", "Mali", &server.url("/mali"), "state-dept")],
        "",
    );
    let run = ws.run(&["backfill", "us-mali"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("Stored 1 earlier version of us-mali"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("Unrest and health indicators added"),
        "{}",
        run.stdout
    );
    let history: Value =
        serde_json::from_str(&ws.run(&["history", "us-mali", "--format", "json"]).stdout)
            .expect("json");
    let versions = history["versions"].as_array().expect("versions");
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0]["issued"], "2023-07-31");
    assert_eq!(
        versions[0]["first_seen"].as_str().map(|t| &t[..10]),
        Some("2023-07-31")
    );
    assert_eq!(
        history["changes"][0]["headline"], "Unrest and health indicators added",
        "no summary to compare"
    );

    // The first check after it finds nothing new; a second backfill is refused.
    let (report, _) = ws.check_json(&[]);
    assert_eq!(report["changes"], json!([]));
    let again = ws.run(&["backfill", "us-mali"]);
    assert_eq!(again.code, 1);
    assert!(
        again.stderr.contains("already has versions"),
        "{}",
        again.stderr
    );
}

#[test]
fn import_reads_an_archive_in_date_order() {
    let ws = Workspace::with_sources(
        &[("us-mali", "Mali", "http://127.0.0.1:9/mali", "state-dept")],
        "",
    );
    let archive = tempfile::tempdir().expect("archive");
    std::fs::copy(
        fixture_path("mali-2023-legacy.html"),
        archive.path().join("2023-08-01.html"),
    )
    .expect("copy");
    std::fs::copy(
        fixture_path("mali-2025.html"),
        archive.path().join("2025-10-29.html"),
    )
    .expect("copy");
    std::fs::copy(
        fixture_path("mali-2025-health-removed.html"),
        archive.path().join("2025-10-29_2.html"),
    )
    .expect("copy");
    std::fs::write(archive.path().join("notes.txt"), "not a version").expect("write");
    let run = ws.run(&[
        "import",
        "--source",
        "us-mali",
        archive.path().to_str().expect("utf-8"),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("Imported 3 files into us-mali: 3 versions, 2 changes, 0 unreadable."),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("2025-10-29  us-mali: Unrest and health indicators added; summary updated"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("2025-10-29  us-mali: Health indicator removed"),
        "{}",
        run.stdout
    );
    let empty = tempfile::tempdir().expect("empty");
    let none = ws.run(&[
        "import",
        "--source",
        "us-mali",
        empty.path().to_str().expect("utf-8"),
    ]);
    assert_eq!(none.code, 1);
    assert!(
        none.stderr.contains("holds no dated files"),
        "{}",
        none.stderr
    );
}

#[test]
fn extract_reads_json_and_feed_profiles_too() {
    let dir = tempfile::tempdir().expect("temp dir");
    let uk = fixture_path("other/uk-content-api-nepal.json");
    let run = run_bare(dir.path(), &["extract", "--profile", "fcdo", &uk]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let fields: Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(fields["level"], 1);
    assert_eq!(fields["profile"], "fcdo");

    let canada = fixture_path("other/ca-index-alpha-eng.json");
    let run = run_bare(dir.path(), &["extract", "--profile", "canada", &canada]);
    let index: Value = serde_json::from_str(&run.stdout).expect("json");
    let items = index["items"].as_array().expect("items");
    assert_eq!(items.len(), 230);
    let afghanistan = items.iter().find(|i| i["key"] == "af").expect("af");
    assert_eq!(afghanistan["fields"]["level"], 4);

    let feed = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/accuracy/rss/TAsTWs-2025-10-14.xml"
    );
    let text = run_bare(
        dir.path(),
        &[
            "extract",
            "--profile",
            "state-dept-rss",
            "--format",
            "text",
            feed,
        ],
    );
    assert!(
        text.stdout
            .contains("Croatia (croatia): Level 1: Exercise Normal Precautions"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.ends_with("211 advisories.\n"),
        "{}",
        text.stdout
    );
}
