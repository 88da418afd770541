//! The other commands, run as a user would: extract, diff, config-check, demo, --help.

mod common;

use common::{Workspace, fixture_path, run_bare};
use serde_json::{Value, json};

struct Expected {
    fixture: &'static str,
    profile: &'static str,
    read_by: &'static str,
    level: u8,
    indicators: &'static [&'static str],
    issued: Option<&'static str>,
    note_contains: Option<&'static str>,
    summary_starts: &'static str,
}

const EXPECTED: &[Expected] = &[
    Expected {
        fixture: "mali-2023-legacy.html",
        profile: "state-dept",
        read_by: "state-dept-legacy",
        level: 4,
        indicators: &["crime", "kidnapping", "terrorism"],
        issued: Some("2023-07-31"),
        note_contains: Some("Reissued with obsolete COVID-19 page links removed."),
        summary_starts: "Violent crime, such as kidnapping",
    },
    Expected {
        fixture: "mali-2025.html",
        profile: "state-dept",
        read_by: "state-dept-2025",
        level: 4,
        indicators: &["crime", "health", "kidnapping", "terrorism", "unrest"],
        issued: Some("2025-10-28"),
        note_contains: Some("The “unrest” and “health” risk indicators were added."),
        summary_starts: "On October 24, 2025, the Department of State authorized",
    },
    Expected {
        fixture: "nepal-2026.html",
        profile: "state-dept",
        read_by: "state-dept-2025",
        level: 2,
        indicators: &["unrest"],
        issued: Some("2026-03-31"),
        note_contains: Some("The advisory level decreased to 2."),
        summary_starts: "The nationwide demonstrations that began in September 2025 have stopped",
    },
    Expected {
        fixture: "mali-2013-aggregator.html",
        profile: "aggregator",
        read_by: "aggregator",
        level: 4,
        indicators: &[],
        issued: None,
        note_contains: None,
        summary_starts: "Continued insecurity exists in Mali.",
    },
];

#[test]
fn extract_reads_every_page_kind() {
    let dir = tempfile::tempdir().expect("temp dir");
    for expected in EXPECTED {
        let run = run_bare(
            dir.path(),
            &[
                "extract",
                "--profile",
                expected.profile,
                &fixture_path(expected.fixture),
            ],
        );
        assert_eq!(run.code, 0, "{}: {}", expected.fixture, run.stderr);
        let fields: Value = serde_json::from_str(&run.stdout).expect("json");
        let name = expected.fixture;
        assert_eq!(fields["profile"], expected.read_by, "{name}");
        assert_eq!(fields["level"], expected.level, "{name}");
        assert_eq!(fields["indicators"], json!(expected.indicators), "{name}");
        assert_eq!(fields["issued"], json!(expected.issued), "{name}");
        assert_eq!(fields["missing"], json!([]), "{name}");
        match expected.note_contains {
            Some(note) => assert!(
                fields["change_note"]
                    .as_str()
                    .is_some_and(|n| n.contains(note)),
                "{name}: {}",
                fields["change_note"]
            ),
            None => assert_eq!(fields["change_note"], Value::Null, "{name}"),
        }
        let summary = fields["summary"].as_str().expect("summary");
        assert!(
            summary.starts_with(expected.summary_starts),
            "{name}: {summary:.120}"
        );
        assert!(
            !summary.contains("If you decide to travel"),
            "{name}: advice list is not summary"
        );
        assert!(!summary.contains("<"), "{name}: no markup in the summary");
    }
}

#[test]
fn extract_on_a_broken_page_names_the_selector_that_matched_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let run = run_bare(
        dir.path(),
        &["extract", &fixture_path("mali-2025-redesigned.html")],
    );
    assert_eq!(run.code, 2);
    let fields: Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(fields["level"], Value::Null);
    assert_eq!(fields["missing"], json!(["level", "summary"]));
    assert!(
        run.stderr.contains("selector `.cmp-traveladvisory__header h3.travel-level` (level) in profile `state-dept-2025` matched nothing"),
        "{}",
        run.stderr
    );
    let text = run_bare(
        dir.path(),
        &[
            "extract",
            "--format",
            "text",
            &fixture_path("error-page-200.html"),
        ],
    );
    assert_eq!(text.code, 2);
    assert!(
        text.stdout.contains("the page layout may have changed"),
        "{}",
        text.stdout
    );
}

#[test]
fn diff_of_the_seed_pages_reads_like_an_analysts_note() {
    let dir = tempfile::tempdir().expect("temp dir");
    let old = fixture_path("mali-2023-legacy.html");
    let new = fixture_path("mali-2025.html");
    let text = run_bare(dir.path(), &["diff", "--profile", "state-dept", &old, &new]);
    assert_eq!(text.code, 0, "{}", text.stderr);
    insta::assert_snapshot!("diff_mali_text", text.stdout);
    let markdown = run_bare(dir.path(), &["diff", &old, &new, "--format", "markdown"]);
    insta::assert_snapshot!("diff_mali_markdown", markdown.stdout);
    let json: Value = serde_json::from_str(
        &run_bare(dir.path(), &["diff", &old, &new, "--format", "json"]).stdout,
    )
    .expect("json");
    assert_eq!(
        json["headline"],
        "Unrest and health indicators added; summary updated"
    );
}

#[test]
fn diff_of_a_markup_only_change_says_no_change() {
    let dir = tempfile::tempdir().expect("temp dir");
    let run = run_bare(
        dir.path(),
        &[
            "diff",
            &fixture_path("mali-2025.html"),
            &fixture_path("mali-2025-markup-only.html"),
        ],
    );
    assert_eq!(run.code, 0);
    assert!(run.stdout.starts_with("No change"), "{}", run.stdout);
}

#[test]
fn diff_of_a_word_edit_marks_the_words() {
    let dir = tempfile::tempdir().expect("temp dir");
    let run = run_bare(
        dir.path(),
        &[
            "diff",
            &fixture_path("nepal-2026.html"),
            &fixture_path("nepal-2026-level3.html"),
        ],
    );
    assert!(
        run.stdout
            .starts_with("Level raised from 2 to 3; crime indicator added; summary updated\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("[-The nationwide-]{+Nationwide+} demonstrations [-that began-]{+resumed+} in [-September 2025 have stopped,-]{+November 2026+} and"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("unchanged paragraph"),
        "unchanged paragraphs are folded: {}",
        run.stdout
    );
}

#[test]
fn config_errors_exit_3_and_name_the_source_and_key() {
    let ws = Workspace::new(
        "[[sources]]\nname = \"us-mali\"\ncountry = \"Mali\"\nurl = \"https://x.org/\"\nprofile = \"state-dept-2030\"\n",
    );
    let run = ws.run(&["config-check"]);
    assert_eq!(run.code, 3);
    assert!(
        run.stderr
            .contains("source `us-mali`: key `profile`: profile `state-dept-2030` is not defined"),
        "{}",
        run.stderr
    );
    let run = ws.run(&["check"]);
    assert_eq!(run.code, 3, "check refuses a bad configuration too");

    let ws = Workspace::new("[storage]\npath = \"x.db\"\nretention = 3\n");
    let run = ws.run(&["config-check"]);
    assert_eq!(run.code, 3);
    assert!(
        run.stderr.contains("unknown field `retention`"),
        "{}",
        run.stderr
    );
}

#[test]
fn shipped_config_passes_config_check() {
    let config = concat!(env!("CARGO_MANIFEST_DIR"), "/config.toml");
    let dir = tempfile::tempdir().expect("temp dir");
    let run = run_bare(dir.path(), &["--config", config, "config-check"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("us-mali"), "{}", run.stdout);
    assert!(run.stdout.contains("state-dept-legacy"), "{}", run.stdout);
}

#[test]
fn demo_shows_the_canonical_change() {
    let dir = tempfile::tempdir().expect("temp dir");
    let run = run_bare(dir.path(), &["demo"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("First version stored for us-mali"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("Mali (us-mali): Unrest and health indicators added; summary updated"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("level:      Level 4: Do not travel (unchanged)"),
        "{}",
        run.stdout
    );
    assert!(
        std::fs::read_dir(dir.path()).expect("dir").next().is_none(),
        "demo leaves no files behind"
    );
}

#[test]
fn readme_usage_matches_help() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Trailing spaces are not part of what a reader sees, and editors strip them.
    let trim = |text: &str| {
        text.lines()
            .map(str::trim_end)
            .collect::<Vec<_>>()
            .join("\n")
            + "\n"
    };
    let help = trim(&run_bare(dir.path(), &["--help"]).stdout);
    let readme = trim(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
            .expect("README"),
    );
    assert!(
        readme.contains(&format!("```text\n{help}```")),
        "README.md's usage block must equal `advisory-watch --help`:\n{help}"
    );
}
