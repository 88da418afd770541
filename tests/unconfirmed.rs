//! Title and text disagree about a level (issue 20, class 4): a feed item's title and
//! `Threat-Level` move to a new level while its description still states the old one. Driven
//! through the binary against a loopback feed built from the real Sweden and Italy items of
//! `../shared/corpus/us_rss/TAsTWs-2025-10-14.xml`, with a real webhook receiver taking
//! `level` changes, the dashboard and `report --brief`.

mod common;

use std::path::Path;

use common::dashboard::Dashboard;
use common::peers::WebhookReceiver;
use common::{FixtureServer, Reply, Workspace};
use serde_json::Value;

const SECRET: &str = "s3cret-for-tests-only";

/// The real copy of the feed the items come from.
fn real_feed() -> String {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/us_rss/TAsTWs-2025-10-14.xml");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The real `<item>` whose title starts with `country`, verbatim.
fn real_item(feed: &str, country: &str) -> String {
    let at = feed
        .find(&format!("<title>{country} - Level"))
        .unwrap_or_else(|| panic!("no {country} item"));
    let start = feed[..at].rfind("<item>").expect("<item>");
    let end = at + feed[at..].find("</item>").expect("</item>") + "</item>".len();
    feed[start..end].to_owned()
}

/// The real feed's head (up to its first item) with these items.
fn feed_of(real: &str, items: &[String]) -> Reply {
    let head = &real[..real.find("<item>").expect("an item")];
    let mut reply = Reply::html(format!("{head}{}</channel></rss>", items.concat()));
    reply.content_type = "application/rss+xml; charset=utf-8".into();
    reply
}

/// Sweden's item with its title and `Threat-Level` moved to level 3, the text as it was.
fn title_moved_to_3(sweden: &str) -> String {
    let moved = sweden.replace(
        "Level 2: Exercise Increased Caution",
        "Level 3: Reconsider Travel",
    );
    assert_eq!(
        moved.matches("Level 3: Reconsider Travel").count(),
        2,
        "the title and the Threat-Level category"
    );
    assert!(moved.contains("Exercise increased caution in Sweden"));
    moved
}

/// Sweden's item once its text says level 3 too, with a note telling of the move.
fn text_caught_up(sweden: &str) -> String {
    let caught_up = title_moved_to_3(sweden)
        .replace(
            "Exercise increased caution in Sweden due to",
            "Reconsider travel to Sweden due to",
        )
        .replace(
            "Reissued after periodic review without changes",
            "The advisory level was increased to 3.",
        );
    assert!(caught_up.contains("Reconsider travel to Sweden"));
    caught_up
}

fn run_with_secret(ws: &Workspace, args: &[&str]) -> common::Run {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_advisory-watch"));
    command
        .arg("--config")
        .arg(ws.config_path())
        .args(args)
        .env("ADVISORY_WEBHOOK_SECRET", SECRET);
    common::Run::from(command.output().expect("run"))
}

fn check(ws: &Workspace) -> (Value, i32) {
    let run = run_with_secret(ws, &["check", "--format", "json"]);
    let value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("no JSON ({e}): {}\n{}", run.stdout, run.stderr));
    (value, run.code)
}

fn setup(server: &FixtureServer, hook: &WebhookReceiver) -> Workspace {
    Workspace::new(&format!(
        "[fetch]\ntimeout = \"5s\"\nretry_initial = \"50ms\"\nretries = 0\n\n\
         [[sources]]\nname = \"us-feed\"\ncountry = \"*\"\nkind = \"rss\"\nurl = \"{}\"\n\n\
         [[notify.webhook]]\nname = \"levels\"\nurl = \"{}\"\nsecret_env = \"ADVISORY_WEBHOOK_SECRET\"\non = [\"level\"]\n",
        server.url("/feed"),
        hook.url()
    ))
}

/// The board's rows of movers for one source.
fn board_rows<'a>(board: &'a str, source: &str) -> Vec<&'a str> {
    board
        .split("<tr class=\"mover\"")
        .skip(1)
        .filter(|row| row.contains(&format!("data-source=\"{source}\"")))
        .map(|row| &row[..row.find("</tr>").unwrap_or(row.len())])
        .collect()
}

#[test]
fn a_title_ahead_of_its_text_is_one_unconfirmed_move_and_the_text_catching_up_no_second_one() {
    let real = real_feed();
    let sweden = real_item(&real, "Sweden");
    let italy = real_item(&real, "Italy");
    let server = FixtureServer::start();
    let hook = WebhookReceiver::start(SECRET);
    let ws = setup(&server, &hook);

    server.set("/feed", feed_of(&real, &[sweden.clone(), italy.clone()]));
    let (first, code) = check(&ws);
    assert_eq!(code, 0, "{first}");

    // Sweden's title moves to level 3, its text still says level 2; Italy's item becomes a
    // placeholder with a level 4 title.
    let placeholder = italy
        .replace(
            "Level 2: Exercise Increased Caution",
            "Level 4: Do Not Travel",
        )
        .replacen(
            &italy[italy.find("<![CDATA[").expect("CDATA")..italy.find("]]>").expect("]]>")],
            "<![CDATA[<p>Summary not available</p>",
            1,
        );
    assert!(placeholder.contains("Summary not available") && !placeholder.contains("terrorism"));
    server.set(
        "/feed",
        feed_of(&real, &[title_moved_to_3(&sweden), placeholder]),
    );
    let (moved, code) = check(&ws);
    let changes = moved["changes"].as_array().expect("changes");
    assert_eq!(changes.len(), 1, "{moved}");
    let change = &changes[0];
    assert_eq!(change["source"], "us-feed/sweden");
    assert_eq!(change["kind"], "unconfirmed");
    assert_eq!(
        (change["level_from"].as_u64(), change["level_to"].as_u64()),
        (Some(2), Some(3))
    );
    assert_eq!(change["text_level"], 2);
    assert_eq!(
        change["headline"],
        "Level raised from 2 to 3 (unconfirmed: title says Level 3; text still says Level 2)"
    );
    // The placeholder is a failure of its country, its level 4 no change.
    assert_eq!(code, 2, "{moved}");
    let failures = moved["failures"].as_array().expect("failures");
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert_eq!(failures[0]["source"], "us-feed/italy");
    assert!(
        failures[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("placeholder")),
        "{failures:?}"
    );

    let calls = hook.received();
    assert_eq!(calls.len(), 1, "one call to the level channel: {calls:?}");
    let body = &calls[0].body;
    assert!(calls[0].signature_valid);
    assert_eq!(body["source"], "us-feed/sweden");
    assert_eq!(body["unconfirmed"], true);
    assert_eq!(body["level_from"]["number"], 2);
    assert_eq!(body["level_to"]["number"], 3);
    assert_eq!(body["classes"], serde_json::json!(["level_raised"]));
    assert_eq!(body["headline"], change["headline"]);

    let brief = run_with_secret(&ws, &["report", "--brief"]);
    assert_eq!(brief.code, 0, "{}", brief.stderr);
    assert!(
        brief.stdout.contains("2 → 3 unconfirmed"),
        "{}",
        brief.stdout
    );
    {
        let dashboard = Dashboard::start(&ws);
        let board = dashboard.get("/");
        let rows = board_rows(&board, "us-feed/sweden");
        assert_eq!(rows.len(), 1, "{board}");
        assert!(rows[0].contains("unconfirmed"), "{}", rows[0]);
        assert!(board_rows(&board, "us-feed/italy").is_empty(), "{board}");
    }

    // The text catches up: a version is stored, the move is not made again.
    server.set(
        "/feed",
        feed_of(&real, &[text_caught_up(&sweden), italy.clone()]),
    );
    let (confirmed, _) = check(&ws);
    let sweden_changes: Vec<&Value> = confirmed["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter(|c| c["source"] == "us-feed/sweden")
        .collect();
    // Its new note makes it a reissue that says it confirms the move (the note telling of the
    // move does not disagree with it); no level move.
    assert_eq!(sweden_changes.len(), 1, "{confirmed}");
    let confirmation = sweden_changes[0];
    assert_eq!(confirmation["kind"], "changed");
    assert_eq!(confirmation["level_from"], confirmation["level_to"]);
    assert_eq!(
        confirmation["headline"],
        "Publisher's change note updated; level 3 now confirmed by the text"
    );
    assert_eq!(confirmation["note_disagrees"], false);
    let history = run_with_secret(&ws, &["history", "us-feed/sweden", "--format", "json"]);
    let history: Value = serde_json::from_str(&history.stdout).expect("history");
    assert_eq!(
        history["versions"].as_array().map(Vec::len),
        Some(3),
        "the confirming version is stored: {history}"
    );
    assert_eq!(
        hook.received().len(),
        1,
        "no second call to the level channel"
    );
    let dashboard = Dashboard::start(&ws);
    let board = dashboard.get("/");
    let rows = board_rows(&board, "us-feed/sweden");
    assert_eq!(rows.len(), 1, "{board}");
    assert!(!rows[0].contains("net"), "one move, not two: {}", rows[0]);
    let movers = dashboard.json("/api/movers");
    let sweden_rows: Vec<&Value> = movers["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter(|r| r["source"] == "us-feed/sweden")
        .collect();
    assert_eq!(sweden_rows.len(), 1, "{movers}");
    assert_eq!(sweden_rows[0]["moves"].as_array().map(Vec::len), Some(1));
    assert_eq!(sweden_rows[0]["moves"][0]["kind"], "unconfirmed");
    assert_eq!(movers["raised"], 1);
}
