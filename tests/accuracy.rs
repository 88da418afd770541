//! Accuracy on every field of every real version: the replay corpus (`../shared/corpus`: US and
//! UK advisory history, 91 more US countries, three copies of the State Department's feed, and
//! other governments' samples) read by the real binary the way a user would (`import` of each
//! country's dated files, `check` of the feed from a loopback server, `extract` of single
//! documents), compared field by field with the expected records that
//! `fixtures/accuracy/derive.py` derives from the files themselves, independently of `src/`.
//!
//! Prints agreement, precision and recall per source and per field, writes every disagreement
//! to `target/accuracy/disagreements.md`, and fails below the targets of the accuracy section
//! of the README.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use common::{FixtureServer, Reply, Workspace};
use serde_json::Value;

/// The corpus: `ADVISORY_CORPUS`, else `../shared/corpus` beside the project.
fn corpus() -> PathBuf {
    let path = std::env::var_os("ADVISORY_CORPUS").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"),
        PathBuf::from,
    );
    assert!(
        path.join("README.md").exists(),
        "the replay corpus is missing at {} (set ADVISORY_CORPUS); the accuracy test cannot run without it",
        path.display()
    );
    path
}

fn expected(source: &str) -> Vec<Value> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/accuracy/expected")
        .join(format!("{source}.json"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; run fixtures/accuracy/derive.py", path.display()));
    let value: Value = serde_json::from_str(&text).expect("expected records are JSON");
    value["records"].as_array().expect("records").clone()
}

/// What the tool read for one version: `None` where it reported an extraction failure.
#[derive(Debug, Clone, Default)]
struct Read {
    level: Option<u64>,
    indicators: BTreeSet<String>,
    reasons: BTreeSet<String>,
    issued: Option<String>,
    note: Option<String>,
}

/// A change the tool reported between two consecutive versions.
#[derive(Debug, Clone, Default)]
struct Found {
    level_from: Option<u64>,
    level_to: Option<u64>,
    summary_changed: bool,
    headline: String,
}

/// Agreement counts for one field.
#[derive(Debug, Default, Clone)]
struct Tally {
    agree: usize,
    total: usize,
    /// Set fields: true positives, false positives, false negatives.
    tp: usize,
    fp: usize,
    fneg: usize,
}

impl Tally {
    fn percent(n: usize, d: usize) -> f64 {
        if d == 0 {
            100.0
        } else {
            100.0 * n as f64 / d as f64
        }
    }

    fn agreement(&self) -> f64 {
        Tally::percent(self.agree, self.total)
    }
}

#[derive(Default)]
struct Score {
    fields: BTreeMap<(String, &'static str), Tally>,
    disagreements: Vec<String>,
    false_level_changes: Vec<String>,
    presentation_changes: Vec<String>,
    failures_expected_but_read: Vec<String>,
}

impl Score {
    fn tally(&mut self, source: &str, field: &'static str) -> &mut Tally {
        self.fields.entry((source.to_owned(), field)).or_default()
    }

    fn compare_value(
        &mut self,
        source: &str,
        field: &'static str,
        at: &str,
        want: &Value,
        got: Option<String>,
    ) {
        let want = want
            .as_str()
            .map(normal)
            .or_else(|| want.as_u64().map(|n| n.to_string()));
        let got = got.map(|g| normal(&g));
        let tally = self.tally(source, field);
        tally.total += 1;
        if want == got {
            tally.agree += 1;
        } else {
            self.disagreements.push(format!(
                "- `{at}` **{field}**: expected {want:?}, read {got:?}"
            ));
        }
    }

    fn compare_set(
        &mut self,
        source: &str,
        field: &'static str,
        at: &str,
        want: &Value,
        got: &BTreeSet<String>,
    ) {
        let want: BTreeSet<String> = want
            .as_array()
            .map(|a| a.iter().filter_map(|v| v.as_str()).map(normal).collect())
            .unwrap_or_default();
        let got: BTreeSet<String> = got.iter().map(|g| normal(g)).collect();
        let tally = self.tally(source, field);
        tally.total += 1;
        tally.tp += want.intersection(&got).count();
        tally.fp += got.difference(&want).count();
        tally.fneg += want.difference(&got).count();
        if want == got {
            tally.agree += 1;
        } else {
            self.disagreements.push(format!(
                "- `{at}` **{field}**: expected {want:?}, read {got:?}"
            ));
        }
    }

    /// Compares one expected record with what was read.
    fn record(&mut self, source: &str, record: &Value, read: Option<&Read>) {
        let at = record["file"].as_str().unwrap_or("?").to_owned();
        let at = match record["country"].as_str() {
            Some(country) if source == "rss" || source == "other" => format!("{at} {country}"),
            _ => at,
        };
        let status = record["status"].as_str().unwrap_or("ok");
        if status != "ok" {
            let tally = self.tally(source, "failure reported");
            tally.total += 1;
            match read {
                None => tally.agree += 1,
                Some(read) => self.failures_expected_but_read.push(format!(
                    "- `{at}`: a {status} item was read as level {:?}",
                    read.level
                )),
            }
            return;
        }
        let Some(read) = read else {
            self.disagreements
                .push(format!("- `{at}`: the tool reported an extraction failure"));
            for field in ["level", "indicators", "issued", "change note"] {
                self.tally(source, field).total += 1;
            }
            return;
        };
        self.compare_value(
            source,
            "level",
            &at,
            &record["level"],
            read.level.map(|l| l.to_string()),
        );
        self.compare_set(
            source,
            "indicators",
            &at,
            &record["indicators"],
            &read.indicators,
        );
        self.compare_set(source, "reasons", &at, &record["reasons"], &read.reasons);
        self.compare_value(
            source,
            "issued",
            &at,
            &record["issued"],
            read.issued.clone(),
        );
        self.compare_value(
            source,
            "change note",
            &at,
            &record["note"],
            read.note.clone(),
        );
    }

    /// Compares what was found between a record and the one before it.
    fn pair(&mut self, source: &str, previous: &Value, record: &Value, found: Option<&Found>) {
        if previous["status"] != "ok" || record["status"] != "ok" {
            return;
        }
        let at = format!(
            "{} -> {}",
            previous["file"].as_str().unwrap_or("?"),
            record["version"].as_str().unwrap_or("?")
        );
        let at = match record["country"].as_str() {
            Some(country) if source == "rss" => format!("{at} {country}"),
            _ => at,
        };
        let (from, to) = (previous["level"].as_u64(), record["level"].as_u64());
        let found_move =
            found.and_then(|f| (f.level_from != f.level_to).then_some((f.level_from, f.level_to)));
        let tally = self.tally(source, "level moves");
        tally.total += 1;
        match (from != to, found_move) {
            (false, None) => tally.agree += 1,
            (true, Some(moved)) if moved == (from, to) => {
                tally.agree += 1;
                tally.tp += 1;
            }
            (true, Some(moved)) => {
                tally.fp += 1;
                tally.fneg += 1;
                self.false_level_changes.push(format!(
                    "- `{at}`: expected {from:?} -> {to:?}, reported {moved:?}"
                ));
            }
            (true, None) => {
                tally.fneg += 1;
                self.disagreements
                    .push(format!("- `{at}` **level move** {from:?} -> {to:?} missed"));
            }
            (false, Some(moved)) => {
                tally.fp += 1;
                self.false_level_changes.push(format!(
                    "- `{at}`: level {from:?} unchanged, reported {moved:?}"
                ));
            }
        }
        if record["presentation_only"] == Value::Bool(true)
            && let Some(found) = found
        {
            self.presentation_changes.push(format!(
                "- `{at}`: only presentation differs, reported \"{}\"",
                found.headline
            ));
        }
        if let Some(expected) = record["summary_changed"].as_bool() {
            let got = found.is_some_and(|f| f.summary_changed);
            let tally = self.tally(source, "summary changed");
            tally.total += 1;
            if expected == got {
                tally.agree += 1;
            } else {
                self.disagreements.push(format!(
                    "- `{at}` **summary changed**: expected {expected}, reported {got}"
                ));
            }
        }
    }
}

/// Text as compared: whitespace collapsed, typography folded, case and a final full stop
/// ignored.
fn normal(text: &str) -> String {
    let folded: String = text
        .chars()
        .map(|c| match c {
            '\u{2018}' | '\u{2019}' => '\'',
            '\u{201c}' | '\u{201d}' => '"',
            '\u{2013}' | '\u{2014}' => '-',
            '\u{a0}' => ' ',
            other => other,
        })
        .collect();
    folded
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .trim_end_matches('.')
        .trim()
        .to_lowercase()
}

fn strings(value: &Value) -> BTreeSet<String> {
    value
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn read_of(fields: &Value) -> Read {
    Read {
        level: fields["level"].as_u64(),
        indicators: strings(&fields["indicators"]),
        reasons: strings(&fields["reasons"]),
        issued: fields["issued"].as_str().map(str::to_owned),
        note: fields["change_note"].as_str().map(str::to_owned),
    }
}

/// Imports each country folder of a corpus directory into a source of its own and compares
/// every version and every consecutive pair.
fn replay_pages(score: &mut Score, source: &str, profile: &str) {
    let records = expected(source);
    let mut by_country: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for record in records {
        by_country
            .entry(record["country"].as_str().expect("country").to_owned())
            .or_default()
            .push(record);
    }
    let mut config = String::new();
    for country in by_country.keys() {
        writeln!(
            config,
            "[[sources]]\nname = \"{source}-{country}\"\ncountry = \"{country}\"\nurl = \"https://example.invalid/{source}/{country}\"\nprofile = \"{profile}\"\n"
        )
        .expect("write");
    }
    let ws = Workspace::new(&config);
    let corpus = corpus();
    for (country, records) in &by_country {
        let name = format!("{source}-{country}");
        let folder = corpus.join(
            Path::new(records[0]["file"].as_str().expect("file"))
                .parent()
                .expect("a folder"),
        );
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
        let history = ws.run(&["history", &name, "--format", "json"]);
        assert_eq!(history.code, 0, "history {name}: {}", history.stderr);
        let history: Value = serde_json::from_str(&history.stdout).expect("history JSON");
        let versions = history["versions"].as_array().cloned().unwrap_or_default();
        let changes = history["changes"].as_array().cloned().unwrap_or_default();
        let failures = history["failures"].as_array().cloned().unwrap_or_default();
        let mut previous: Option<&Value> = None;
        for (order, record) in records.iter().enumerate() {
            let stamp = observed(record, order, records);
            let failed = failures.iter().any(|f| {
                f["at"]
                    .as_str()
                    .or(f["checked_at"].as_str())
                    .is_some_and(|t| t.starts_with(&stamp))
            });
            let version = versions.iter().find(|v| {
                let first = v["first_seen"].as_str().unwrap_or("");
                let last = v["last_seen"].as_str().unwrap_or("");
                first <= stamp.as_str() && stamp.as_str() <= last
                    || first.starts_with(&stamp)
                    || last.starts_with(&stamp)
            });
            let read = if failed { None } else { version.map(read_of) };
            score.record(source, record, read.as_ref());
            if let Some(previous) = previous {
                let found = changes
                    .iter()
                    .find(|c| {
                        c["detected_at"]
                            .as_str()
                            .is_some_and(|t| t.starts_with(&stamp))
                    })
                    .map(|c| Found {
                        level_from: c["level_from"].as_u64(),
                        level_to: c["level_to"].as_u64(),
                        summary_changed: c["summary_changed"].as_bool().unwrap_or(false),
                        headline: c["headline"].as_str().unwrap_or("").to_owned(),
                    });
                score.pair(source, previous, record, found.as_ref());
            }
            previous = Some(record);
        }
    }
}

/// When `import` dates a file: noon UTC of its date, plus a second per later version that day.
fn observed(record: &Value, _order: usize, _all: &[Value]) -> String {
    let version = record["version"].as_str().expect("version");
    let (date, n) = match version.split_once('_') {
        Some((date, n)) => (date, n.parse::<u32>().expect("a number")),
        None => (version, 0),
    };
    format!("{date}T12:00:{n:02}")
}

/// The feed: each copy's items read with `extract`, and the changes between copies found by
/// `check` against a loopback server serving the copies in turn.
fn replay_feed(score: &mut Score) {
    let records = expected("rss");
    let mut copies: Vec<String> = records
        .iter()
        .filter_map(|r| r["file"].as_str().map(str::to_owned))
        .collect();
    copies.sort();
    copies.dedup();
    let corpus = corpus();
    let server = FixtureServer::start();
    let ws = Workspace::new(&format!(
        "[fetch]\ntimeout = \"10s\"\n\n[[sources]]\nname = \"feed\"\ncountry = \"*\"\nkind = \"rss\"\nurl = \"{}\"\n",
        server.url("/feed")
    ));
    let mut reads: BTreeMap<(String, String), Option<Read>> = BTreeMap::new();
    let mut found: BTreeMap<(String, String), Found> = BTreeMap::new();
    for copy in &copies {
        let path = corpus.join(copy);
        let run = ws.run(&[
            "extract",
            "--profile",
            "state-dept-rss",
            "--format",
            "json",
            path.to_str().expect("utf-8"),
        ]);
        assert_eq!(run.code, 0, "extract {copy}: {}", run.stderr);
        let document: Value = serde_json::from_str(&run.stdout).expect("extract JSON");
        for item in document["items"].as_array().expect("items") {
            let key = item["key"].as_str().expect("key").to_owned();
            let read = item["fields"]["missing"]
                .as_array()
                .is_none_or(Vec::is_empty)
                .then(|| read_of(&item["fields"]))
                .filter(|_| item["error"].is_null());
            reads.insert((copy.clone(), key), read);
        }
        let mut reply = Reply::html(std::fs::read(&path).expect("feed copy"));
        reply.content_type = "application/rss+xml; charset=utf-8".into();
        server.set("/feed", reply);
        let (report, _) = ws.check_json(&[]);
        for change in report["changes"].as_array().into_iter().flatten() {
            let key = change["source"]
                .as_str()
                .unwrap_or("")
                .trim_start_matches("feed/")
                .to_owned();
            found.insert(
                (copy.clone(), key),
                Found {
                    level_from: change["level_from"].as_u64(),
                    level_to: change["level_to"].as_u64(),
                    summary_changed: change["summary_changed"].as_bool().unwrap_or(false),
                    headline: change["headline"].as_str().unwrap_or("").to_owned(),
                },
            );
        }
    }
    let mut previous: BTreeMap<String, Value> = BTreeMap::new();
    for record in &records {
        let copy = record["file"].as_str().expect("file").to_owned();
        let key = feed_key(record["country"].as_str().expect("country"));
        let read = reads.get(&(copy.clone(), key.clone())).cloned().flatten();
        score.record("rss", record, read.as_ref());
        if let Some(before) = previous.get(&key) {
            score.pair(
                "rss",
                before,
                record,
                found.get(&(copy.clone(), key.clone())),
            );
        }
        previous.insert(key, record.clone());
    }
}

/// The key the feed reader gives a title's country ("Mexico Travel Advisory" is "mexico").
fn feed_key(country: &str) -> String {
    let mut name = country.trim();
    for tail in [" - See Summaries", " Travel Advisory"] {
        name = name.strip_suffix(tail).unwrap_or(name);
    }
    advisory_watch::read::feed::slug(name)
}

/// Single documents of other kinds, each read with `extract`.
fn replay_other(score: &mut Score) {
    let corpus = corpus();
    let ws = Workspace::new("");
    for record in expected("other") {
        let file = record["file"].as_str().expect("file");
        let profile = if file.ends_with(".html") {
            "state-dept"
        } else if file.contains("uk-content-api") {
            "fcdo"
        } else {
            "canada"
        };
        let path = corpus.join(file);
        let run = ws.run(&[
            "extract",
            "--profile",
            profile,
            "--format",
            "json",
            path.to_str().expect("utf-8"),
        ]);
        let value: Value = serde_json::from_str(&run.stdout).unwrap_or(Value::Null);
        let read = match value.get("items") {
            Some(items) => items
                .as_array()
                .and_then(|items| {
                    items.iter().find(|i| {
                        i["key"].as_str().is_some_and(|k| {
                            record["country"]
                                .as_str()
                                .is_some_and(|c| c.eq_ignore_ascii_case(k))
                        })
                    })
                })
                .map(|i| read_of(&i["fields"])),
            None => (run.code == 0).then(|| read_of(&value)),
        };
        score.record("other", &record, read.as_ref());
    }
}

#[test]
fn every_field_of_every_real_version_is_read_right() {
    let mut score = Score::default();
    replay_pages(&mut score, "us", "state-dept-legacy-md");
    replay_pages(&mut score, "us_more", "state-dept-legacy-md");
    replay_pages(&mut score, "uk", "fcdo-page-md");
    replay_pages(&mut score, "uk_more", "fcdo-page-md");
    replay_feed(&mut score);
    replay_other(&mut score);

    // The table the README shows.
    let mut table = String::from(
        "| source | field | agreement | precision | recall | versions |\n|---|---|---:|---:|---:|---:|\n",
    );
    for ((source, field), tally) in &score.fields {
        let (precision, recall) = if tally.tp + tally.fp + tally.fneg > 0 {
            (
                format!("{:.1}%", Tally::percent(tally.tp, tally.tp + tally.fp)),
                format!("{:.1}%", Tally::percent(tally.tp, tally.tp + tally.fneg)),
            )
        } else {
            ("".to_owned(), "".to_owned())
        };
        writeln!(
            table,
            "| {source} | {field} | {:.1}% ({}/{}) | {precision} | {recall} | {} |",
            tally.agreement(),
            tally.agree,
            tally.total,
            tally.total
        )
        .expect("write");
    }
    writeln!(
        table,
        "\nfalse level changes: {}; changes between pages that differ only in presentation: {}; placeholder, hollow or contradictory items read as advisories: {}",
        score.false_level_changes.len(),
        score.presentation_changes.len(),
        score.failures_expected_but_read.len()
    )
    .expect("write");
    println!("{table}");
    println!("{}", causes_table());

    let mut report = format!("# Accuracy disagreements\n\n{table}\n");
    for (title, list) in [
        ("False level changes", &score.false_level_changes),
        (
            "Changes between pages that differ only in presentation",
            &score.presentation_changes,
        ),
        (
            "Failures expected, advisories read",
            &score.failures_expected_but_read,
        ),
        ("Field disagreements", &score.disagreements),
    ] {
        writeln!(report, "## {title} ({})\n", list.len()).expect("write");
        for line in list {
            writeln!(report, "{line}").expect("write");
        }
        report.push('\n');
    }
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/accuracy");
    std::fs::create_dir_all(&out).expect("target/accuracy");
    std::fs::write(out.join("disagreements.md"), &report).expect("write the disagreements");

    let mut below = Vec::new();
    for ((source, field), tally) in &score.fields {
        let target = match *field {
            "level" | "level moves" | "failure reported" => 100.0,
            "indicators" | "issued" | "change note" => 98.0,
            _ => continue,
        };
        if tally.agreement() < target {
            below.push(format!(
                "{source} {field}: {:.1}% < {target}%",
                tally.agreement()
            ));
        }
    }
    assert!(
        below.is_empty()
            && score.false_level_changes.is_empty()
            && score.presentation_changes.is_empty()
            && score.failures_expected_but_read.is_empty(),
        "below target: {below:?}; false level changes: {:?}; presentation-only changes: {:?}; failures read: {:?}; see target/accuracy/disagreements.md",
        score.false_level_changes,
        score.presentation_changes,
        score.failures_expected_but_read
    );
}

/// The cause phrases of the independent derivation (`fixtures/accuracy/causes.tsv`: phrase,
/// indicator, example file) and how the reader maps each; a cause the vocabulary does not know
/// is Other. Printed with the accuracy table, and every phrase must map as derived.
fn causes_table() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/accuracy/causes.tsv");
    let text = std::fs::read_to_string(&path).expect("fixtures/accuracy/causes.tsv");
    let mut table =
        String::from("| cause phrase | derived | read | example |\n|---|---|---|---|\n");
    let mut differ = Vec::new();
    for line in text.lines().skip(1) {
        let mut cells = line.split('\t');
        let (Some(phrase), Some(derived), example) = (cells.next(), cells.next(), cells.next())
        else {
            continue;
        };
        let read = advisory_watch::model::advisory::Indicator::from_cause(phrase)
            .map_or("other", |i| i.id());
        writeln!(
            table,
            "| {phrase} | {derived} | {read}{} | {} |",
            if read == derived { "" } else { " ≠" },
            example.unwrap_or("-")
        )
        .expect("write");
        if read != derived {
            differ.push(format!("{phrase}: derived {derived}, read {read}"));
        }
    }
    writeln!(
        table,
        "\n{} phrases map otherwise than derived",
        differ.len()
    )
    .expect("write");
    table
}
