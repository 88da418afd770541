//! Accuracy on real history: the three real copies of the State Department's feed, 17 months of
//! US advisory pages and of UK travel advice, replayed and compared with what really happened
//! (`fixtures/accuracy/*-expected.json`, derived from the files themselves). Precision and
//! recall are printed; anything below 100% fails.

mod common;

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use common::{FixtureServer, Reply, Workspace};
use serde_json::Value;

fn accuracy_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/accuracy"))
}

fn expected(name: &str) -> Value {
    let text = std::fs::read_to_string(accuracy_dir().join(name)).expect("expectations");
    serde_json::from_str(&text).expect("json")
}

/// Counts and prints precision and recall, and fails below 100%.
struct Score {
    name: &'static str,
    true_positives: usize,
    false_positives: Vec<String>,
    false_negatives: Vec<String>,
}

impl Score {
    fn new(name: &'static str) -> Score {
        Score {
            name,
            true_positives: 0,
            false_positives: Vec::new(),
            false_negatives: Vec::new(),
        }
    }

    fn assert_perfect(&self) {
        let tp = self.true_positives;
        let (fp, fneg) = (self.false_positives.len(), self.false_negatives.len());
        let percent = |n: usize, d: usize| {
            if d == 0 {
                100.0
            } else {
                100.0 * n as f64 / d as f64
            }
        };
        println!(
            "accuracy {}: precision {:.1}% ({tp}/{}), recall {:.1}% ({tp}/{})",
            self.name,
            percent(tp, tp + fp),
            tp + fp,
            percent(tp, tp + fneg),
            tp + fneg
        );
        assert!(
            fp == 0 && fneg == 0,
            "{}: false changes {:?}; missed {:?}",
            self.name,
            self.false_positives,
            self.false_negatives
        );
    }
}

#[test]
fn the_three_real_feed_copies_give_exactly_the_changes_they_contain() {
    let expected = expected("rss-expected.json");
    let copies: Vec<String> = expected["copies"]
        .as_array()
        .expect("copies")
        .iter()
        .map(|c| c.as_str().expect("date").to_owned())
        .collect();
    let server = FixtureServer::start();
    let ws = Workspace::new(&format!(
        "[fetch]\ntimeout = \"10s\"\n\n[[sources]]\nname = \"us-feed\"\ncountry = \"*\"\nkind = \"rss\"\nurl = \"{}\"\n",
        server.url("/feed")
    ));
    let serve = |date: &str| {
        let xml =
            std::fs::read(accuracy_dir().join(format!("rss/TAsTWs-{date}.xml"))).expect("feed");
        let mut reply = Reply::html(xml);
        reply.content_type = "application/rss+xml; charset=utf-8".into();
        server.set("/feed", reply);
    };

    serve(&copies[0]);
    let (first, code) = ws.check_json(&[]);
    assert_eq!(code, 0, "{first}");
    assert_eq!(
        first["first_versions"].as_array().map(Vec::len),
        Some(211),
        "every country is a first version"
    );
    assert_eq!(first["changes"], serde_json::json!([]));

    let mut score = Score::new("rss");
    let slug = |country: &str| advisory_watch::feed::slug(country);
    for pair in copies.windows(2) {
        serve(&pair[1]);
        let (report, code) = ws.check_json(&[]);
        assert_eq!(code, 0, "{report}");
        let found: HashMap<String, &Value> = report["changes"]
            .as_array()
            .expect("changes")
            .iter()
            .map(|c| {
                (
                    c["source"]
                        .as_str()
                        .expect("source")
                        .trim_start_matches("us-feed/")
                        .to_owned(),
                    c,
                )
            })
            .collect();
        let wanted: Vec<&Value> = expected["changes"]
            .as_array()
            .expect("changes")
            .iter()
            .filter(|c| c["to"] == pair[1].as_str())
            .collect();
        for change in &wanted {
            let key = slug(change["country"].as_str().expect("country"));
            match found.get(&key) {
                None => score.false_negatives.push(format!("{} {key}", pair[1])),
                Some(ours) => {
                    let kinds = change["kind"].as_array().expect("kind");
                    let level_ok = !kinds.iter().any(|k| k == "level")
                        || (ours["level_from"] == change["level_from"]
                            && ours["level_to"] == change["level_to"]);
                    let note_ok = change["note"].is_null() || ours["change_note"] == change["note"];
                    if level_ok && note_ok {
                        score.true_positives += 1;
                    } else {
                        score
                            .false_negatives
                            .push(format!("{} {key}: {ours}", pair[1]));
                    }
                }
            }
        }
        let wanted_keys: BTreeSet<String> = wanted
            .iter()
            .map(|c| slug(c["country"].as_str().expect("country")))
            .collect();
        for (key, ours) in &found {
            if !wanted_keys.contains(key) {
                score
                    .false_positives
                    .push(format!("{} {key}: {}", pair[1], ours["headline"]));
            }
        }
    }
    score.assert_perfect();

    // The area the Croatia note announces is named.
    let history: Value = serde_json::from_str(
        &ws.run(&["history", "us-feed/croatia", "--format", "json"])
            .stdout,
    )
    .expect("json");
    let headline = history["changes"][0]["headline"]
        .as_str()
        .expect("headline");
    assert!(
        headline
            .starts_with("Area of increased risk added: Karlovac and Lika-Senj counties (Level 2)"),
        "{headline}"
    );
}

#[test]
fn countries_that_leave_or_join_the_feed_are_withdrawn_or_new() {
    let server = FixtureServer::start();
    let ws = Workspace::new(&format!(
        "[[sources]]\nname = \"us-feed\"\ncountry = \"*\"\nkind = \"rss\"\nurl = \"{}\"\n",
        server.url("/feed")
    ));
    let feed =
        std::fs::read_to_string(accuracy_dir().join("rss/TAsTWs-2025-10-14.xml")).expect("feed");
    let croatia_start = feed.find("<item>").expect("item");
    let croatia_end =
        feed[croatia_start..].find("</item>").expect("end") + croatia_start + "</item>".len();
    let croatia = feed[croatia_start..croatia_end].to_owned();
    let without_croatia = format!("{}{}", &feed[..croatia_start], &feed[croatia_end..]);

    server.set("/feed", Reply::html(without_croatia.clone()));
    ws.check_json(&[]);
    server.set("/feed", Reply::html(feed.clone()));
    let (report, _) = ws.check_json(&[]);
    assert_eq!(report["changes"].as_array().map(Vec::len), Some(1));
    assert_eq!(report["changes"][0]["source"], "us-feed/croatia");
    assert_eq!(
        report["changes"][0]["headline"],
        "New advisory: Level 1: Exercise Normal Precautions"
    );
    server.set("/feed", Reply::html(without_croatia));
    let (report, _) = ws.check_json(&[]);
    assert_eq!(report["changes"].as_array().map(Vec::len), Some(1));
    assert_eq!(report["changes"][0]["headline"], "Advisory withdrawn");
    let (report, _) = ws.check_json(&[]);
    assert_eq!(
        report["changes"],
        serde_json::json!([]),
        "withdrawn once, not every cycle"
    );
    assert!(croatia.contains("Croatia"));
}

/// Imports every country folder of a corpus, each as a source of its own, and returns the
/// changes by country folder and detection date.
fn import_corpus(
    corpus: &str,
    profile: &str,
    countries: &[Value],
) -> HashMap<(String, String), Vec<Value>> {
    let mut config = String::new();
    for country in countries {
        let dir = country["dir"].as_str().expect("dir");
        let name = dir.replace('/', "-");
        config.push_str(&format!(
            "[[sources]]\nname = \"{name}\"\ncountry = \"{}\"\nurl = \"http://127.0.0.1:9/{dir}\"\nprofile = \"{profile}\"\n\n",
            country["country"].as_str().expect("country")
        ));
    }
    let ws = Workspace::new(&config);
    let mut changes: HashMap<(String, String), Vec<Value>> = HashMap::new();
    for country in countries {
        let dir = country["dir"].as_str().expect("dir");
        let name = dir.replace('/', "-");
        let path = accuracy_dir().join(dir);
        let run = ws.run(&[
            "import",
            "--source",
            &name,
            path.to_str().expect("utf-8"),
            "--format",
            "json",
        ]);
        let report: Value = serde_json::from_str(&run.stdout)
            .unwrap_or_else(|e| panic!("{corpus} {dir}: {e}: {} {}", run.stdout, run.stderr));
        assert_eq!(
            report["failures"],
            serde_json::json!([]),
            "{corpus} {dir}: every file reads"
        );
        for change in report["changes"].as_array().expect("changes") {
            let date = change["detected_at"].as_str().expect("date")[..10].to_owned();
            changes
                .entry((dir.to_owned(), date))
                .or_default()
                .push(change.clone());
        }
    }
    changes
}

fn file_date(file: &str) -> String {
    let name = Path::new(file)
        .file_stem()
        .and_then(|s| s.to_str())
        .expect("name");
    name[..10].to_owned()
}

#[test]
fn us_history_level_and_reason_changes_are_found_and_cosmetic_ones_are_not() {
    let expected = expected("us-expected.json");
    let countries = expected["countries"].as_array().expect("countries");
    let changes = import_corpus("us", "state-dept-legacy-md", countries);
    let mut score = Score::new("us corpus");
    for country in countries {
        let dir = country["dir"].as_str().expect("dir");
        for pair in country["pairs"].as_array().expect("pairs") {
            let to = pair["to_file"].as_str().expect("to");
            let found = changes
                .get(&(dir.to_owned(), file_date(to)))
                .cloned()
                .unwrap_or_default();
            let level_change = found.iter().find(|c| c["level_from"] != c["level_to"]);
            let label = to;
            match pair["must_find"].as_str().expect("must_find") {
                "level_raised" | "level_lowered" => match level_change {
                    Some(c)
                        if c["level_from"] == pair["level_from"]
                            && c["level_to"] == pair["level_to"] =>
                    {
                        score.true_positives += 1;
                    }
                    _ => score.false_negatives.push(format!(
                        "{label}: level {} -> {}",
                        pair["level_from"], pair["level_to"]
                    )),
                },
                "reasons_changed" => {
                    let moved = found.iter().any(|c| {
                        [
                            "indicators_added",
                            "indicators_removed",
                            "reasons_added",
                            "reasons_removed",
                        ]
                        .iter()
                        .any(|k| c[*k].as_array().is_some_and(|a| !a.is_empty()))
                    });
                    if moved {
                        score.true_positives += 1;
                    } else {
                        score
                            .false_negatives
                            .push(format!("{label}: reasons changed"));
                    }
                }
                "no_change" => {
                    if !found.is_empty() {
                        score
                            .false_positives
                            .push(format!("{label}: {}", found[0]["headline"]));
                    }
                }
                _ => {
                    if let Some(c) = level_change
                        && pair["level_from"] == pair["level_to"]
                    {
                        score
                            .false_positives
                            .push(format!("{label}: {}", c["headline"]));
                    }
                }
            }
        }
    }
    score.assert_perfect();
}

#[test]
fn uk_history_moves_between_advice_classes_are_found() {
    let expected = expected("uk-expected.json");
    let countries = expected["countries"].as_array().expect("countries");
    let changes = import_corpus("uk", "fcdo-page-md", countries);
    let mut score = Score::new("uk corpus");
    for country in countries {
        let dir = country["dir"].as_str().expect("dir");
        for pair in country["pairs"].as_array().expect("pairs") {
            let to = pair["to_file"].as_str().expect("to");
            let found = changes
                .get(&(dir.to_owned(), file_date(to)))
                .cloned()
                .unwrap_or_default();
            let level_change = found.iter().find(|c| c["level_from"] != c["level_to"]);
            let moved = pair["literal_moved"].as_bool().expect("moved");
            match (moved, level_change) {
                (true, Some(_)) => score.true_positives += 1,
                (true, None) => score.false_negatives.push(format!(
                    "{to}: {} -> {}",
                    pair["literal_class_from"], pair["literal_class_to"]
                )),
                (false, Some(c)) => score
                    .false_positives
                    .push(format!("{to}: {}", c["headline"])),
                (false, None) => {}
            }
        }
    }
    score.assert_perfect();
}
