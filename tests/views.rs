//! What the analyst reads is what the store knows. On the real history of `../shared/corpus`
//! (every US and UK folder imported), the three real copies of the State Department's feed
//! checked one after the other, and one check of every government's real sample, every stored
//! change shows, with the same class, on the movers board, on `/changes`, in the brief and in
//! the JSON, CSV and Atom reports; every count on `/` equals the rows its link opens; every
//! government is named; one card per government; stale readings and retired sources.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use common::dashboard::Dashboard;
use common::{FixtureServer, Reply, Workspace, fixture};
use serde_json::Value;

fn typed(body: String, content_type: &str) -> Reply {
    let mut reply = Reply::html(body);
    reply.content_type = content_type.into();
    reply
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

const FETCH: &str =
    "[fetch]\ntimeout = \"5s\"\nconcurrency = 4\nretry_initial = \"50ms\"\nretries = 0\n\n";

/// The live sources: (name, country, kind, profile, path on the fixture server).
const LIVE: [(&str, &str, &str, &str, &str); 11] = [
    ("us-feed", "*", "rss", "state-dept-rss", "/feed"),
    ("us-nepal", "Nepal", "page", "state-dept", "/us/nepal"),
    ("uk-nepal", "Nepal", "json", "fcdo", "/uk/nepal"),
    ("ca", "*", "json", "canada", "/ca"),
    (
        "ca-tt",
        "Trinidad and Tobago",
        "json",
        "canada-country",
        "/ca/tt",
    ),
    ("de", "*", "json", "auswaertiges-amt", "/de"),
    (
        "de-nepal",
        "Nepal",
        "json",
        "auswaertiges-amt-country",
        "/de/nepal",
    ),
    ("hk", "*", "json", "hong-kong-ota", "/hk"),
    (
        "nl-afg",
        "Afghanistan",
        "xml",
        "nederland-wereldwijd",
        "/nl/afg",
    ),
    ("fi-nepal", "Nepal", "page", "finland-um", "/fi/nepal"),
    ("fi-extra", "Nepal", "page", "finland-um", "/fi/extra"),
];

fn live_source(name: &str, country: &str, kind: &str, profile: &str, url: &str) -> String {
    format!(
        "[[sources]]\nname = \"{name}\"\ncountry = \"{country}\"\nkind = \"{kind}\"\nprofile = \"{profile}\"\nurl = \"{url}\"\n\n"
    )
}

fn config(server: &FixtureServer, live: &[(&str, &str, &str, &str, &str)]) -> String {
    let mut config = FETCH.to_owned();
    for (name, country, _, profile) in common::corpus_archives() {
        config.push_str(&format!(
            "[[sources]]\nname = \"{name}\"\ncountry = \"{country}\"\nurl = \"http://127.0.0.1:9/{name}\"\nprofile = \"{profile}\"\n\n"
        ));
    }
    for (name, country, kind, profile, path) in live {
        config.push_str(&live_source(
            name,
            country,
            kind,
            profile,
            &server.url(path),
        ));
    }
    config
}

fn serve_samples(server: &FixtureServer) {
    let corpus = common::corpus();
    let feeds: Vec<Reply> = [
        "TAsTWs-2025-10-07.xml",
        "TAsTWs-2025-10-08.xml",
        "TAsTWs-2025-10-14.xml",
    ]
    .iter()
    .map(|f| {
        typed(
            read(&corpus.join("us_rss").join(f)),
            "application/rss+xml; charset=utf-8",
        )
    })
    .collect();
    server.set_sequence("/feed", feeds);
    server.set(
        "/us/nepal",
        Reply::html(read(&corpus.join("other/us-tsg-2026layout-nepal.html"))),
    );
    server.set(
        "/uk/nepal",
        typed(
            read(&corpus.join("other/uk-content-api-nepal.json")),
            "application/json",
        ),
    );
    server.set(
        "/ca",
        typed(
            read(&corpus.join("other/ca-index-alpha-eng.json")),
            "application/json",
        ),
    );
    let official = |name: &str| fixture(&format!("official/{name}"));
    server.set(
        "/ca/tt",
        typed(official("canada/ca-cta-cap-tt.json"), "application/json"),
    );
    server.set(
        "/de",
        typed(
            official("germany/de-travelwarning-index.json"),
            "application/json",
        ),
    );
    server.set(
        "/de/nepal",
        typed(
            official("germany/de-travelwarning-221216-nepal.json"),
            "application/json",
        ),
    );
    server.set(
        "/hk",
        typed(official("hong_kong/hk-ota-index.json"), "application/json"),
    );
    server.set(
        "/nl/afg",
        typed(
            official("netherlands/nl-opendata-traveladvice-AFG.xml"),
            "application/xml; charset=utf-8",
        ),
    );
    let finland = official("finland/fi-um-matkustustiedote-NP.html");
    server.set("/fi/nepal", Reply::html(finland.clone()));
    server.set("/fi/extra", Reply::html(finland));
}

/// The whole world: the archives imported, then three checks (one per copy of the feed).
fn world() -> (Workspace, FixtureServer) {
    let server = FixtureServer::start();
    serve_samples(&server);
    let ws = Workspace::new(&config(&server, &LIVE));
    for (name, _, folder, _) in common::corpus_archives() {
        let run = ws.run(&[
            "--quiet",
            "import",
            "--source",
            &name,
            folder.to_str().expect("utf-8"),
        ]);
        assert!(
            run.code == 0 || run.code == 2,
            "import {name}: {}",
            run.stderr
        );
    }
    // Only the live sources are checked: the archives are history, never fetched.
    let mut check = vec!["--quiet", "check"];
    check.extend(LIVE.iter().map(|s| s.0));
    for round in 0..3 {
        let run = ws.run(&check);
        assert_eq!(run.code, 0, "check {round}: {}\n{}", run.stdout, run.stderr);
    }
    (ws, server)
}

/// Every stored change, as the JSON report gives it (the store, ordered by importance).
fn stored(ws: &Workspace, period: &[&str]) -> Vec<Value> {
    let mut args = vec!["report", "--format", "json"];
    args.extend_from_slice(period);
    let run = ws.run(&args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json: Value = serde_json::from_str(&run.stdout).expect("json");
    json["changes"].as_array().expect("changes").clone()
}

fn classes(change: &Value) -> BTreeSet<String> {
    change["classes"]
        .as_array()
        .expect("classes")
        .iter()
        .map(|c| c.as_str().expect("class").to_owned())
        .collect()
}

fn has_level(change: &Value) -> bool {
    classes(change).iter().any(|c| {
        [
            "level_raised",
            "level_lowered",
            "new",
            "withdrawn",
            "reinstated",
        ]
        .contains(&c.as_str())
    })
}

fn has_details(change: &Value) -> bool {
    classes(change).iter().any(|c| {
        c.starts_with("indicators_") || c.starts_with("reasons_") || c.starts_with("areas_")
    })
}

/// The `data-classes` of every card on a `/changes` page, by source.
fn cards(page: &str) -> Vec<(String, BTreeSet<String>)> {
    let re =
        regex::Regex::new(r#"class="card [^"]*" data-source="([^"]*)" data-classes="([^"]*)""#)
            .expect("re");
    re.captures_iter(page)
        .map(|c| {
            (
                c[1].replace("&#x2F;", "/").replace("&#47;", "/"),
                c[2].split_whitespace().map(str::to_owned).collect(),
            )
        })
        .collect()
}

#[test]
fn every_stored_change_shows_with_its_class_in_every_view_and_every_count_opens_its_rows() {
    let (ws, _server) = world();
    let dashboard = Dashboard::start(&ws);
    let all = stored(&ws, &["--since", "2000-01-01"]);
    assert!(
        all.len() > 100,
        "the corpus holds many changes: {}",
        all.len()
    );
    let from_feed = all
        .iter()
        .filter(|c| {
            c["source"]
                .as_str()
                .is_some_and(|s| s.starts_with("us-feed/"))
        })
        .count();
    assert!(from_feed > 0, "the three copies of the feed differ");

    // Every class the store knows, counted independently of the views.
    let mut by_class: BTreeMap<String, usize> = BTreeMap::new();
    for c in &all {
        for class in classes(c) {
            *by_class.entry(class).or_default() += 1;
        }
    }
    let level_moves = all.iter().filter(|c| has_level(c)).count();
    let details = all.iter().filter(|c| has_details(c)).count();
    let both = all
        .iter()
        .filter(|c| has_level(c) && has_details(c))
        .count();
    assert!(both > 0, "some level moves came with indicator changes");
    let reasons_or_areas = all
        .iter()
        .filter(|c| {
            classes(c)
                .iter()
                .any(|k| k.starts_with("reasons_") || k.starts_with("areas_"))
        })
        .count();
    assert!(reasons_or_areas > 0, "the corpus changes reasons and areas");
    for c in &all {
        let k = classes(c);
        if k.iter()
            .any(|c| c.starts_with("reasons_") || c.starts_with("areas_"))
        {
            assert!(
                !k.contains("summary_only"),
                "a change of reasons or areas is never summary only: {c}"
            );
        }
    }

    // The board's JSON twin: every level move is a row's move, every change of details a row
    // of the indicator table (also those with a level move), and the rest counted.
    let movers = dashboard.json("/api/movers?since=2000-01-01");
    let moves: usize = movers["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["moves"].as_array().expect("moves").len())
        .sum();
    assert_eq!(moves, level_moves, "every level move is on the board");
    assert_eq!(
        movers["indicator_changes"].as_array().map(Vec::len),
        Some(details),
        "every indicator, reason or area change is in the table"
    );
    assert_eq!(
        movers["summary_only"].as_u64(),
        Some(*by_class.get("summary_only").unwrap_or(&0) as u64)
    );
    assert_eq!(
        movers["reissued"].as_u64(),
        Some(*by_class.get("reissued").unwrap_or(&0) as u64)
    );
    assert_eq!(
        movers["raised"].as_u64(),
        Some(*by_class.get("level_raised").unwrap_or(&0) as u64)
    );

    // `/changes` shows every change once, with the same classes as the store.
    let timeline = dashboard.get("/changes?since=2000-01-01");
    let shown = cards(&timeline);
    assert_eq!(shown.len(), all.len(), "every change is a card");
    let mut expected: Vec<(String, BTreeSet<String>)> = all
        .iter()
        .map(|c| (c["source"].as_str().expect("source").to_owned(), classes(c)))
        .collect();
    let mut got = shown.clone();
    expected.sort();
    got.sort();
    assert_eq!(
        got, expected,
        "the same classes on /changes as in the store"
    );
    // Each kind filter shows exactly the changes of that kind.
    for (kind, test) in [
        ("level", has_level as fn(&Value) -> bool),
        ("details", has_details),
        ("summary", |c: &Value| classes(c).contains("summary_only")),
        ("reissue", |c: &Value| classes(c).contains("reissued")),
    ] {
        let page = dashboard.get(&format!("/changes?since=2000-01-01&kind={kind}"));
        assert_eq!(
            cards(&page).len(),
            all.iter().filter(|c| test(c)).count(),
            "kind={kind}"
        );
    }

    // The CSV and the Atom report: one row, one entry per change.
    let csv = ws.run(&["report", "--format", "csv", "--since", "2000-01-01"]);
    let mut reader = csv::Reader::from_reader(csv.stdout.as_bytes());
    assert_eq!(
        reader.records().count(),
        all.len(),
        "one CSV row per change"
    );
    let atom = ws.run(&["report", "--format", "atom", "--since", "2000-01-01"]);
    assert_eq!(
        atom.stdout.matches("<entry>").count(),
        all.len(),
        "one Atom entry per change"
    );

    // The brief: a line for every country whose level, indicators, reasons or areas moved.
    let brief = ws.run(&["report", "--brief", "--since", "2000-01-01"]);
    assert_eq!(brief.code, 0, "{}", brief.stderr);
    let countries: BTreeSet<String> = all
        .iter()
        .filter(|c| has_level(c) || has_details(c))
        .map(|c| c["country"].as_str().expect("country").to_owned())
        .collect();
    let lines: Vec<&str> = brief.stdout.lines().skip(1).collect();
    for country in &countries {
        let name = advisory_name(country);
        assert!(
            lines.iter().any(|l| l.starts_with(&format!("{name}: "))),
            "{country} ({name}) has a line in the brief:\n{}",
            brief.stdout
        );
    }
    let summary_only = by_class.get("summary_only").copied().unwrap_or(0);
    if summary_only > 0 {
        assert!(
            brief
                .stdout
                .contains(&format!("{summary_only} summary-only update")),
            "{}",
            brief.stdout
        );
    }
    assert!(
        !brief.stdout.contains("Other"),
        "every government by name:\n{}",
        brief.stdout
    );

    // Every count on `/` opens exactly the rows it counts, for the default period and since
    // 2025-01-01.
    let counter = regex::Regex::new(
        r#"<a (?:class="counter" )?href="([^"]+)" data-counter="([a-z-]+)"><b>(\d+)</b>"#,
    )
    .expect("re");
    for query in ["", "?since=2025-01-01"] {
        let board = dashboard.get(&format!("/{query}"));
        let mut seen = 0;
        for c in counter.captures_iter(&board) {
            let link = c[1].replace("&amp;", "&");
            let n: usize = c[3].parse().expect("count");
            let page = dashboard.get(&link);
            assert_eq!(
                cards(&page).len(),
                n,
                "`{}` on /{query} says {n}: {link}",
                &c[2]
            );
            seen += 1;
        }
        assert_eq!(seen, 6, "six counts on /{query}:\n{board}");
    }
}

/// The name a brief line starts with: the country table's name for the configured country.
fn advisory_name(country: &str) -> String {
    advisory_watch::present::brief::country_name(country)
}

#[test]
fn every_government_is_named_with_one_card_each_and_feeds_are_never_readings() {
    let (ws, _server) = world();
    let dashboard = Dashboard::start(&ws);
    let nepal = dashboard.get("/country/Nepal");
    assert!(!nepal.contains("Other publisher"), "{nepal}");
    for government in [
        "United States (State Department)",
        "United Kingdom (FCDO)",
        "Canada (Global Affairs Canada)",
        "Germany (Auswärtiges Amt)",
        "Finland (Ministry for Foreign Affairs)",
    ] {
        assert_eq!(
            nepal.matches(&format!("<h2>{government}</h2>")).count(),
            1,
            "one card for {government}"
        );
    }
    let api = dashboard.json("/api/country/Nepal");
    let governments = api["governments"].as_array().expect("governments");
    let ids: BTreeSet<&str> = governments
        .iter()
        .map(|g| g["government"]["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids.len(), governments.len(), "one card per government");
    assert_eq!(
        nepal.matches("<section class=\"government\"").count(),
        governments.len()
    );
    // The US reads Nepal from its page and from the feed: one card, the other folded.
    let us = governments
        .iter()
        .find(|g| g["government"]["id"] == "us")
        .expect("US");
    assert_eq!(us["others"].as_array().map(Vec::len), Some(1), "{us}");
    // Germany's index item and its per-country file are one card too.
    let de = governments
        .iter()
        .find(|g| g["government"]["id"] == "de")
        .expect("Germany");
    assert_eq!(
        de["source"], "de-nepal/np",
        "the most specific source, the per-country file: {de}"
    );
    for g in governments {
        let name = g["government"]["name"].as_str().expect("name");
        assert!(!name.is_empty() && !name.contains("Other"), "{g}");
    }
    // The banner names governments and dates, never source ids; it counts fresh readings.
    let fresh: Vec<(u64, &str, String)> = governments
        .iter()
        .filter(|g| g["stale"].is_null() && g["withdrawn"] == false)
        .map(|g| {
            (
                g["level"].as_u64().expect("level"),
                g["government"]["short"].as_str().expect("short"),
                g["issued"]
                    .as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| g["first_seen"].as_str().expect("seen")[..10].to_owned()),
            )
        })
        .collect();
    let high = fresh.iter().map(|f| f.0).max().expect("levels");
    let low = fresh.iter().map(|f| f.0).min().expect("levels");
    if high - low >= 2 {
        let words = api["disagreement"].as_str().expect("a banner");
        for (level, short, day) in fresh.iter().filter(|f| f.0 == high || f.0 == low).take(1) {
            let said = format!("{short} says {level} (as of {day})");
            assert!(
                words.contains(&said)
                    || fresh
                        .iter()
                        .any(|f| f.0 == *level && words.contains(&format!("{} says {level}", f.1))),
                "{words}: {said}"
            );
        }
        assert!(nepal.contains(&format!("Governments differ by {} levels", high - low)));
        assert!(!words.contains("us-") && !words.contains("uk-") && !words.contains("de-"));
    } else {
        assert!(api["disagreement"].is_null());
    }

    // A feed or index is never a card, and never a row of `/sources`.
    let sources = dashboard.get("/sources");
    for feed in ["us-feed", "ca", "de", "hk"] {
        assert!(
            !sources.contains(&format!("/source?name={feed}\"")),
            "{feed} is not a row of /sources"
        );
        assert!(!nepal.contains(&format!("data-source=\"{feed}\"")));
    }
    let listed = dashboard.json("/api/sources");
    assert!(
        listed
            .as_array()
            .expect("sources")
            .iter()
            .all(|s| !["us-feed", "ca", "de", "hk"].contains(&s["name"].as_str().unwrap_or(""))),
        "{listed}"
    );
}

#[test]
fn a_failing_reading_is_stale_and_a_retired_source_leaves_the_overview_but_not_history() {
    let server = FixtureServer::start();
    serve_samples(&server);
    let live = [LIVE[1], LIVE[6], LIVE[9], LIVE[10]];
    let ws = Workspace::new(FETCH);
    let mut text = FETCH.to_owned();
    for (name, country, kind, profile, path) in live {
        text.push_str(&live_source(
            name,
            country,
            kind,
            profile,
            &server.url(path),
        ));
    }
    ws.write_config(&text);
    let run = ws.run(&["--quiet", "check"]);
    assert_eq!(run.code, 0, "{}", run.stderr);

    // Finland's second page fails: its reading is stale, and the card says so.
    server.set("/fi/extra", Reply::status(500));
    server.set("/us/nepal", Reply::status(500));
    let run = ws.run(&["--quiet", "check"]);
    assert_eq!(run.code, 2, "a source failed: {}", run.stderr);
    let dashboard = Dashboard::start(&ws);
    let api = dashboard.json("/api/country/Nepal");
    let us = api["governments"]
        .as_array()
        .expect("governments")
        .iter()
        .find(|g| g["government"]["id"] == "us")
        .expect("US")
        .clone();
    assert_eq!(us["stale"], "failing", "{us}");
    let page = dashboard.get("/country/Nepal");
    assert!(page.contains("Stale: its source is failing."), "{page}");
    if let Some(words) = api["disagreement"].as_str() {
        assert!(
            !words.contains("United States"),
            "a stale reading never feeds the banner: {words}"
        );
    }
    let finland = api["governments"]
        .as_array()
        .expect("governments")
        .iter()
        .find(|g| g["government"]["id"] == "fi")
        .expect("Finland")
        .clone();
    assert_eq!(
        finland["source"], "fi-nepal",
        "the fresh reading is the card: {finland}"
    );
    assert_eq!(finland["others"][0]["stale"], "failing");
    drop(dashboard);

    // fi-extra leaves the configuration: it leaves the overview and `sources`, not history.
    let kept: String = text
        .split("[[sources]]")
        .filter(|s| !s.contains("fi-extra"))
        .collect::<Vec<_>>()
        .join("[[sources]]");
    ws.write_config(&kept);
    server.set(
        "/us/nepal",
        Reply::html(read(
            &common::corpus().join("other/us-tsg-2026layout-nepal.html"),
        )),
    );
    let run = ws.run(&["--quiet", "check"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let listed = ws.run(&["sources", "--format", "json"]);
    assert!(!listed.stdout.contains("fi-extra"), "{}", listed.stdout);
    let dashboard = Dashboard::start(&ws);
    assert!(!dashboard.get("/sources").contains("fi-extra"));
    assert!(!dashboard.get("/country/Nepal").contains("fi-extra"));
    let history = ws.run(&["history", "fi-extra", "--format", "json"]);
    assert_eq!(history.code, 0, "its history stays: {}", history.stderr);
}
