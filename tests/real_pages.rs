//! Every class of error seen on real advisories, each guarded by an excerpt of a real page or
//! feed item (short excerpts of `../shared/corpus` and of the seeds, quoted here), read by the
//! real binary the way a user would: `extract` and `diff` on saved files, `check` of a feed
//! served from 127.0.0.1.

mod common;

use common::{FixtureServer, Reply, Workspace};
use serde_json::Value;

/// Writes an excerpt to a file in the workspace and reads it with `extract` (no profile named:
/// chosen from the content).
fn extract(ws: &Workspace, name: &str, text: &str) -> Value {
    let path = ws.config_path().with_file_name(name);
    std::fs::write(&path, text).expect("write the excerpt");
    let run = ws.run(&["extract", "--format", "json", path.to_str().expect("utf-8")]);
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| {
        panic!(
            "extract printed no JSON ({e}): {}\n{}",
            run.stdout, run.stderr
        )
    })
}

fn ids(value: &Value) -> Vec<String> {
    let mut ids: Vec<String> = value
        .as_array()
        .expect("an array")
        .iter()
        .map(|v| v.as_str().expect("a string").to_owned())
        .collect();
    ids.sort();
    ids
}

/// The legacy travel.state.gov page as the archives hold it (Markdown), around an alert text.
fn legacy_page(country: &str, date: &str, level_line: &str, alert: &str) -> String {
    format!(
        "# {country} Travel Advisory\n\n### Travel Advisory {date}\n\n### {country} - {level_line}\n\n\
         [O](javascript:void(0); \"Tool Tip: Other\")\n[D](javascript:void(0); \"Tool Tip: Wrongful Detention\")\n\
         [K](javascript:void(0); \"Tool Tip: Kidnap and Hostage\")\n[C](javascript:void(0); \"Tool Tip: Crimes\")\n\n\
         {alert}\n\nIf you decide to travel to {country}:\n\n* Stay aware of your surroundings.\n"
    )
}

#[test]
fn markup_glued_to_words_is_read_as_the_words() {
    let ws = Workspace::new("");
    // Costa Rica and Algeria, 2025-03-26: `due to**crime**.`, `**terrorism**and**kidnapping**`.
    let costa_rica = extract(
        &ws,
        "costa-rica.md",
        &legacy_page(
            "Costa Rica",
            "July 24, 2024",
            "Level 2: Exercise Increased Caution",
            "**Reissued after periodic review with minor edits.**\n\nExercise increased caution in Costa Rica due to**crime**.\n\n**Country Summary:**Property crime is common.",
        ),
    );
    assert_eq!(ids(&costa_rica["indicators"]), ["crime"]);
    assert_eq!(costa_rica["summary"], "Property crime is common.");
    let algeria = extract(
        &ws,
        "algeria.md",
        &legacy_page(
            "Algeria",
            "July 29, 2024",
            "Level 2: Exercise Increased Caution",
            "Exercise increased caution in Algeria due to **terrorism**and**kidnapping**.\n\n**Country Summary:** Terrorist groups remain active.",
        ),
    );
    assert_eq!(ids(&algeria["indicators"]), ["kidnapping", "terrorism"]);
}

#[test]
fn qualified_causes_map_onto_their_indicator_and_keep_the_publishers_words() {
    let ws = Workspace::new("");
    // Burma, 2025-05-13.
    let burma = extract(
        &ws,
        "burma.md",
        &legacy_page(
            "Burma",
            "May 12, 2025",
            "Level 4: Do Not Travel",
            "**Updated to reflect changes to risk indicators.**\n\nDo not travel to Burma due to **armed conflict, the potential for civil unrest, arbitrary enforcement of local laws, poor health infrastructure, land mines and unexploded ordnance, crime, and** **wrongful detentions**.\n\n**Country Summary:** The military regime deposed elected leaders.",
        ),
    );
    // Armed conflict is unrest; the arbitrary enforcement of local laws, land mines and
    // unexploded ordnance are no named indicator: Other, kept in the publisher's words.
    assert_eq!(
        ids(&burma["indicators"]),
        ["crime", "health", "other", "unrest", "wrongful_detention"]
    );
    let reasons = ids(&burma["reasons"]);
    assert!(
        reasons.contains(&"arbitrary enforcement of local laws".to_owned())
            && !reasons.contains(&"armed conflict".to_owned()),
        "{reasons:?}"
    );
    // Thailand, 2025-07-26: "due to risk of unrest"; Tajikistan: "the risk of terrorism".
    let thailand = extract(
        &ws,
        "thailand.md",
        &legacy_page(
            "Thailand",
            "July 25, 2025",
            "Level 2: Exercise Increased Caution",
            "Exercise increased caution in Thailand due to risk of **unrest**. Some areas have increased risk.  Read the entire Travel Advisory.\n\n**Country Summary:** Demonstrations occur.",
        ),
    );
    assert_eq!(ids(&thailand["indicators"]), ["unrest"]);
}

#[test]
fn a_typo_in_the_statement_is_still_a_statement() {
    let ws = Workspace::new("");
    // Comoros, 2025-03-26.
    let comoros = extract(
        &ws,
        "comoros.md",
        &legacy_page(
            "Comoros",
            "April 9, 2024",
            "Level 2: Exercise Increased Caution",
            "Exercise increase caution in Comoros due to **crime and civil unrest.**\n\n**Country Summary:** Petty crime occurs.",
        ),
    );
    assert_eq!(ids(&comoros["indicators"]), ["crime", "unrest"]);
}

#[test]
fn areas_with_their_own_level_never_feed_the_country_wide_indicators() {
    let ws = Workspace::new("");
    // Colombia, 2025-04-18: the country's statement, then areas at level 4.
    let colombia = extract(
        &ws,
        "colombia.md",
        &legacy_page(
            "Colombia",
            "April 17, 2025",
            "Level 3: Reconsider Travel",
            "***Updated information on civil unrest and kidnapping.***\n\nReconsider travel to Colombia due to **crime, terrorism,** **civil unrest,** and **kidnapping**. Some areas have an increased risk. Read the entire Travel Advisory.\n\n**Do Not Travel to:**\n\n* **Arauca, Cauca (excluding Popayán), and Norte de Santander departments** due to **crime** and **terrorism**.\n* **The Colombia-Venezuela border region** due to **crime**, **kidnapping**, **conflict between armed groups**, and **the risk of detention**.\n\n**Country Summary:** Violent crime is widespread.",
        ),
    );
    assert_eq!(
        ids(&colombia["indicators"]),
        ["crime", "kidnapping", "terrorism", "unrest"]
    );
    assert!(colombia["reasons"].as_array().expect("reasons").is_empty());
    // Paraguay (feed, 2025-10): "Exercise increased caution due to crime in these departments:".
    let paraguay = extract(
        &ws,
        "paraguay.md",
        &legacy_page(
            "Paraguay",
            "June 2, 2025",
            "Level 1: Exercise Normal Precautions",
            "Exercise normal precautions in Paraguay. Some areas have increased crime risk. Read the entire Travel Advisory.\n\nExercise increased caution due to **crime** in these departments:\n\n* Alto Paraná\n* Amambay\n\n**Country Summary:** Crime occurs.",
        ),
    );
    assert!(
        paraguay["indicators"]
            .as_array()
            .expect("indicators")
            .is_empty(),
        "{paraguay}"
    );
    assert_eq!(paraguay["level"], 1);
}

#[test]
fn a_note_that_names_indicators_the_text_lacks_is_marked_and_gives_no_reason() {
    let ws = Workspace::new("");
    // Cambodia, 2025-06-13 and 2025-07-26: the note says unrest was added, the sentence names
    // crime and landmines.
    let before = legacy_page(
        "Cambodia",
        "June 12, 2025",
        "Level 1: Exercise Normal Precautions",
        "***Reissued with obsolete COVID-19 page links removed.***\n\nExercise normal precautions in Cambodia. Some areas have increased risks. Read the entire Travel Advisory.\n\n**Country Summary:** Crime occurs in Phnom Penh.",
    );
    let after = legacy_page(
        "Cambodia",
        "July 25, 2025",
        "Level 2: Exercise Increased Caution",
        "***The advisory level was increased to 2. The “unrest” risk indicator was added. An area of increased risk was added. The advisory summary was updated.***\n\nExercise increased caution in Cambodia due to **crime** and **landmines**. Some areas have increased risks. Read the entire Travel Advisory.\n\n**Country Summary:** Armed conflict broke out along the Thai border.",
    );
    let dir = ws.config_path().with_file_name("");
    std::fs::write(dir.join("before.md"), &before).expect("write");
    std::fs::write(dir.join("after.md"), &after).expect("write");
    let run = ws.run(&[
        "diff",
        "--format",
        "json",
        dir.join("before.md").to_str().expect("utf-8"),
        dir.join("after.md").to_str().expect("utf-8"),
    ]);
    let change: Value = serde_json::from_str(&run.stdout).expect("diff JSON");
    let change = if change["change"].is_object() {
        &change["change"]
    } else {
        &change
    };
    assert_eq!(change["note_disagrees"], true, "{change}");
    // Landmines are no named indicator: the Other indicator, the word kept as a reason.
    assert_eq!(ids(&change["indicators_added"]), ["crime", "other"]);
    assert_eq!(ids(&change["reasons_added"]), ["landmines"]);
    let headline = change["headline"].as_str().expect("headline");
    assert!(
        headline.starts_with("Level raised from 1 to 2") && headline.contains("note disagrees"),
        "{headline}"
    );
}

#[test]
fn a_version_where_only_the_date_moved_is_a_reissue_not_a_summary_update() {
    let ws = Workspace::new("");
    // Brazil, 2025-08-09: the summary label glued to its text, then with a space.
    let dir = ws.config_path().with_file_name("");
    let alert = |summary_label: &str| {
        format!(
            "**Updated to add risk indicator for kidnapping**.\n\nExercise increased caution in Brazil due to crime and kidnapping.\n\n{summary_label}Violent crime can occur in urban areas."
        )
    };
    std::fs::write(
        dir.join("a.md"),
        legacy_page(
            "Brazil",
            "May 29, 2025",
            "Level 2: Exercise Increased Caution",
            &alert("**Country Summary:**"),
        ),
    )
    .expect("write");
    std::fs::write(
        dir.join("b.md"),
        legacy_page(
            "Brazil",
            "August 8, 2025",
            "Level 2: Exercise Increased Caution",
            &alert("**Country Summary:** "),
        ),
    )
    .expect("write");
    let run = ws.run(&[
        "diff",
        dir.join("a.md").to_str().expect("utf-8"),
        dir.join("b.md").to_str().expect("utf-8"),
    ]);
    assert!(
        run.stdout
            .starts_with("Advisory reissued on August 8, 2025"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("ummary updated"), "{}", run.stdout);
}

/// The GOV.UK "Warnings and insurance" page as the archives hold it.
fn uk_page(updated: &str, latest_update: &str, body: &str) -> String {
    format!(
        "# Warnings and insurance\n\nStill current at:\n:   4 March 2026\n\nUpdated:\n:   {updated}\n\nLatest update:\n:   {latest_update}\n\n\
         Your travel insurance could be invalidated if you travel against advice from the Foreign, Commonwealth & Development Office (FCDO).\n\n{body}\n\n## About FCDO travel advice\n\nFCDO provides advice.\n"
    )
}

#[test]
fn uk_advice_comes_from_the_current_advice_never_from_the_latest_update() {
    let ws = Workspace::new("");
    // Venezuela, 2026-03-04: the latest update quotes the advice it replaced; the remaining
    // areas are under a level-3 heading.
    let venezuela = extract(
        &ws,
        "venezuela.md",
        &uk_page(
            "3 March 2026",
            "FCDO no longer advises against all travel to the whole of Venezuela. FCDO continues to advise against all travel to some regions, and all but essential travel to the rest of Venezuela ('Warnings and insurance' page).",
            "## Areas where FCDO advises against all travel\n\n### Zulia\n\nFCDO advises against all travel to Zulia state.\n\n### The FCDO advises against all but essential travel to the remaining areas of Venezuela\n\nIf you are a British national already living in Venezuela, you should be prepared to change your plans.",
        ),
    );
    assert_eq!(venezuela["level"], 3, "{venezuela}");
    assert_eq!(venezuela["issued"], "2026-03-03");
    assert!(
        venezuela["change_note"]
            .as_str()
            .is_some_and(|n| n.starts_with("FCDO no longer advises")),
        "{venezuela}"
    );
    // Mali, 2025-10-25: all travel to most of the country, all but essential to Bamako.
    let mali = extract(
        &ws,
        "mali.md",
        &uk_page(
            "24 October 2025",
            "Updated information about blockades and risk of kidnapping in Mali.",
            "## Areas where FCDO advises against travel\n\nFCDO advises against all travel to Mali, except for within 15km of the Tower of Africa located in Bamako.\n\nFCDO also advises against all but essential travel  to the area within 15km of the Tower of Africa located in Bamako.",
        ),
    );
    assert_eq!(mali["level"], 3, "{mali}");
    // Qatar, 2026-03-04: the publisher's own typo.
    let qatar = extract(
        &ws,
        "qatar.md",
        &uk_page(
            "3 March 2026",
            "Updated information about regional escalation.",
            "## FCDO advices against all but essential travel to Qatar\n\nRegister your presence.",
        ),
    );
    assert_eq!(qatar["level"], 3, "{qatar}");
}

/// A State Department feed with the given items: (title, pubDate, description).
fn feed(items: &[(&str, &str, &str)]) -> Reply {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss xmlns:dc=\"http://purl.org/dc/elements/1.1/\" version=\"2.0\"><channel><title>travel.state.gov: Travel Advisories</title><dc:date>2025-10-14T00:00:00Z</dc:date>",
    );
    for (title, pub_date, description) in items {
        let level = title
            .find("Level ")
            .map(|at| &title[at..])
            .unwrap_or("See Summaries");
        let title = title.replace('&', "&amp;");
        xml.push_str(&format!(
            "<item><title>{title}</title><link>https://travel.state.gov/x.html</link><pubDate>{pub_date}</pubDate><description><![CDATA[{description}]]></description><category domain=\"Threat-Level\">{level}</category></item>"
        ));
    }
    xml.push_str("</channel></rss>");
    let mut reply = Reply::html(xml);
    reply.content_type = "application/rss+xml; charset=utf-8".into();
    reply
}

// Real items of the feed of 2025-10-14, shortened.
const MALI: (&str, &str, &str) = (
    "Mali - Level 4: Do Not Travel",
    "Thu, 31 Jul 2025",
    "<p><b><i>Reissued with obsolete COVID-19 page links removed.</i></b></p><p>Do not travel to Mali due to <b>crime, terrorism,</b> and <b>kidnapping</b>.</p><p><b>Country Summary:</b> Violent crime, such as kidnapping and armed robbery, is common in Mali.</p>",
);
const PAPUA: (&str, &str, &str) = (
    "Papua New Guinea - Level 3: Reconsider Travel",
    "Tue, 29 Apr 2025",
    "<p><b>Reissued after periodic review with minor edits.</b></p><p>Reconsider travel to Papua New Guinea due to&#8239;<b>crime, civil unrest,</b>&#8239;and&#8239;<b>piracy</b>. Exercise increased caution due to&#8239;<b>kidnapping, unexploded ordnance (UXO), inconsistent availability of healthcare services, and potential for natural disasters. </b>&#8239;Some areas have increased risk.</p><p><b>Country Summary:</b>&#8239;<b>Violent crime</b> is common.</p>",
);

fn watching(server: &FixtureServer) -> Workspace {
    Workspace::new(&format!(
        "[fetch]\ntimeout = \"10s\"\n\n[[sources]]\nname = \"feed\"\ncountry = \"*\"\nkind = \"rss\"\nurl = \"{}\"\n",
        server.url("/feed")
    ))
}

fn headlines(report: &Value) -> Vec<String> {
    report["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| {
            format!(
                "{}: {}",
                c["source"].as_str().unwrap_or(""),
                c["headline"].as_str().unwrap_or("")
            )
        })
        .collect()
}

#[test]
fn a_placeholder_day_in_the_feed_is_a_failure_never_a_level_change() {
    let server = FixtureServer::start();
    let ws = watching(&server);
    server.set("/feed", feed(&[MALI, PAPUA]));
    let (first, _) = ws.check_json(&[]);
    assert_eq!(first["changes"], serde_json::json!([]));
    // For one day the feed shows a level-1 placeholder for Mali.
    server.set(
        "/feed",
        feed(&[
            (
                "Mali - Level 1: Exercise Normal Precautions",
                "Wed, 15 Oct 2025",
                "<p>Summary not available</p>",
            ),
            PAPUA,
        ]),
    );
    let (placeholder, code) = ws.check_json(&[]);
    assert_eq!(headlines(&placeholder), Vec::<String>::new());
    assert_eq!(code, 2, "the placeholder is reported as a failure");
    let failures = placeholder["failures"].to_string();
    assert!(
        failures.contains("feed/mali") && failures.contains("placeholder"),
        "{failures}"
    );
    // The next day it is back: no "raised from 1 to 4" either.
    server.set("/feed", feed(&[MALI, PAPUA]));
    let (back, _) = ws.check_json(&[]);
    assert_eq!(headlines(&back), Vec::<String>::new());
}

#[test]
fn feed_oddities_are_read_as_the_publisher_meant() {
    let server = FixtureServer::start();
    let ws = watching(&server);
    let mexico = (
        "Mexico Travel Advisory - Level 2: Exercise Increased Caution",
        "Tue, 12 Aug 2025",
        "Exercise increased caution<p>in <b>Mexico </b>due to<b> terrorism, crime, </b>and <b>kidnapping.</b></p><ul><li>Many violent crimes take place in Mexico.</li></ul>",
    );
    let china = (
        "Mainland China, Hong Kong & Macau - See Summaries - Level 2: Exercise Increased Caution",
        "Wed, 27 Nov 2024",
        "<p><b><i>Updated to reflect a shift to Level 2 &#8220;Exercise increased caution&#8221; for Mainland China.</i></b></p><p><b>Summary: </b>Exercise increased caution when traveling to Mainland China due to <b>arbitrary enforcement of local laws, including in relation to exit bans.</b></p>",
    );
    // Two items for Mali with different dates and texts, in either order.
    let older_mali = (
        "Mali - Level 4: Do Not Travel",
        "Mon, 31 Jul 2023",
        "<p>Do not travel to Mali due to <b>crime</b> and <b>terrorism</b>.</p><p><b>Country Summary:</b> Older text.</p>",
    );
    server.set("/feed", feed(&[mexico, china, MALI, older_mali, PAPUA]));
    let (first, code) = ws.check_json(&[]);
    assert_eq!(code, 0, "{first}");
    let names: Vec<&str> = first["first_versions"]
        .as_array()
        .expect("first versions")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(names.contains(&"feed/mexico"), "{names:?}");
    assert!(
        names.contains(&"feed/mainland-china-hong-kong-macau"),
        "{names:?}"
    );
    assert_eq!(
        names.iter().filter(|n| n.starts_with("feed/mali")).count(),
        1
    );
    let history = ws.run(&["history", "feed/mali", "--format", "json"]);
    let history: Value = serde_json::from_str(&history.stdout).expect("history");
    assert_eq!(
        history["versions"][0]["indicators"],
        serde_json::json!(["crime", "kidnapping", "terrorism"])
    );
    // The same items in the other order, an impossible date for Papua New Guinea, and the
    // reasons keep their parentheses.
    let papua_2052 = (PAPUA.0, "Sat, 29 Apr 2052", PAPUA.2);
    server.set("/feed", feed(&[older_mali, PAPUA, MALI, china, mexico]));
    let (swapped, _) = ws.check_json(&[]);
    assert_eq!(headlines(&swapped), Vec::<String>::new());
    server.set(
        "/feed",
        feed(&[older_mali, papua_2052, MALI, china, mexico]),
    );
    let (future, _) = ws.check_json(&[]);
    assert_eq!(
        headlines(&future),
        Vec::<String>::new(),
        "2052 is no reissue"
    );
    let papua = ws.run(&["history", "feed/papua-new-guinea", "--format", "json"]);
    let papua: Value = serde_json::from_str(&papua.stdout).expect("history");
    assert!(
        papua["versions"][0]["reasons"]
            .as_array()
            .expect("reasons")
            .iter()
            .any(|r| r == "unexploded ordnance (UXO)" || r == "unexploded ordnance (uxo)"),
        "{papua}"
    );
}

#[test]
fn a_level_change_without_a_new_date_is_reported_and_a_title_ahead_of_its_text_is_unconfirmed() {
    let server = FixtureServer::start();
    let ws = watching(&server);
    server.set("/feed", feed(&[MALI, PAPUA]));
    ws.check_json(&[]);
    // Papua New Guinea moves to level 4 while its pubDate stays the same.
    let raised = (
        "Papua New Guinea - Level 4: Do Not Travel",
        PAPUA.1,
        "<p>Do not travel to Papua New Guinea due to <b>crime</b> and <b>civil unrest</b>.</p><p><b>Country Summary:</b> Violent crime is common.</p>",
    );
    // Mali's title says level 2 while its statement still says "Do not travel": the title's
    // move, unconfirmed, never the text's level taken as the title's or a failure.
    let ahead = ("Mali - Level 2: Exercise Increased Caution", MALI.1, MALI.2);
    server.set("/feed", feed(&[ahead, raised]));
    let (report, code) = ws.check_json(&[]);
    let mut headlines = headlines(&report);
    headlines.sort();
    assert_eq!(headlines.len(), 2, "{headlines:?}");
    assert_eq!(
        headlines[0],
        "feed/mali: Level lowered from 4 to 2 (unconfirmed: title says Level 2; text still says Level 4)"
    );
    assert!(
        headlines[1].starts_with("feed/papua-new-guinea: Level raised from 3 to 4"),
        "{headlines:?}"
    );
    assert_eq!(report["changes"][0]["kind"], "unconfirmed", "{report}");
    assert_eq!(code, 0, "{report}");
}

#[test]
fn a_day_of_empty_descriptions_fails_the_feed_once_and_changes_nothing() {
    let server = FixtureServer::start();
    let ws = watching(&server);
    server.set("/feed", feed(&[MALI, PAPUA]));
    ws.check_json(&[]);
    server.set(
        "/feed",
        feed(&[
            (MALI.0, "Wed, 15 Oct 2025", ""),
            (PAPUA.0, "Wed, 15 Oct 2025", ""),
        ]),
    );
    let (empty, code) = ws.check_json(&[]);
    assert_eq!(code, 2);
    assert_eq!(headlines(&empty), Vec::<String>::new());
    let failures = empty["failures"].as_array().expect("failures");
    assert_eq!(failures.len(), 1, "{failures:?}");
    server.set("/feed", feed(&[MALI, PAPUA]));
    let (back, _) = ws.check_json(&[]);
    assert_eq!(headlines(&back), Vec::<String>::new());
}

#[test]
fn check_json_says_what_kind_each_change_is() {
    let server = FixtureServer::start();
    let ws = watching(&server);
    server.set("/feed", feed(&[MALI]));
    ws.check_json(&[]);
    server.set("/feed", feed(&[MALI, PAPUA]));
    let (added, _) = ws.check_json(&[]);
    let change = &added["changes"][0];
    assert_eq!(change["kind"], "new", "{change}");
    assert_eq!(change["level_from"], Value::Null);
    assert_eq!(change["level_to"], 3);
    server.set("/feed", feed(&[MALI]));
    let (gone, _) = ws.check_json(&[]);
    assert_eq!(gone["changes"][0]["kind"], "withdrawn");
    server.set("/feed", feed(&[MALI, PAPUA]));
    let (back, _) = ws.check_json(&[]);
    assert_eq!(back["changes"][0]["kind"], "reinstated");
    let raised = (
        "Mali - Level 3: Reconsider Travel",
        MALI.1,
        "<p>Reconsider travel to Mali due to <b>crime</b>.</p><p><b>Country Summary:</b> Crime.</p>",
    );
    server.set("/feed", feed(&[raised, PAPUA]));
    let (changed, _) = ws.check_json(&[]);
    assert_eq!(changed["changes"][0]["kind"], "changed");
    assert_eq!(changed["changes"][0]["level_from"], 4);
}

#[test]
fn the_seeds_are_read_as_they_are_and_their_change_is_the_analysts() {
    let seeds = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/seeds");
    assert!(
        seeds.join("README.md").exists(),
        "the seeds are missing at {}",
        seeds.display()
    );
    let seed = |prefix: &str| {
        std::fs::read_dir(&seeds)
            .expect("seeds")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(prefix))
            })
            .expect("the seed")
    };
    // No configuration and no profile named.
    let dir = tempfile::tempdir().expect("temp dir");
    for (prefix, level, indicators) in [
        ("000", 4, vec!["crime", "kidnapping", "terrorism"]),
        ("001", 4, vec![]),
        (
            "003",
            4,
            vec!["crime", "health", "kidnapping", "terrorism", "unrest"],
        ),
    ] {
        let run = common::run_bare(
            dir.path(),
            &[
                "extract",
                "--format",
                "json",
                seed(prefix).to_str().expect("utf-8"),
            ],
        );
        assert_eq!(run.code, 0, "{prefix}: {}", run.stderr);
        let value: Value = serde_json::from_str(&run.stdout).expect("JSON");
        assert_eq!(value["level"], level, "{prefix}: {value}");
        assert_eq!(ids(&value["indicators"]), indicators, "{prefix}");
        assert!(
            !value["summary"].as_str().unwrap_or("").is_empty(),
            "{prefix}"
        );
    }
    let run = common::run_bare(
        dir.path(),
        &[
            "diff",
            seed("000").to_str().expect("utf-8"),
            seed("003").to_str().expect("utf-8"),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout.lines().next(),
        Some("Unrest and health indicators added; summary updated")
    );
}
