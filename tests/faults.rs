//! The real web misbehaves: a fault-injection server on 127.0.0.1 answers each source with one
//! fault, and the user must see the right number of attempts, no change, no notification, a
//! clear failure, and the history intact.

mod common;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use common::peers::WebhookReceiver;
use common::{Fault, FixtureServer, Reply, Workspace, fixture};
use serde_json::{Value, json};

const SECRET: &str = "fault-tests";

struct Case {
    name: &'static str,
    replies: Vec<Reply>,
    attempts: usize,
    /// `None`: the check succeeds with no change.
    kind: Option<&'static str>,
    message: &'static str,
}

fn page() -> String {
    fixture("mali-2025.html")
}

fn cases(server: &FixtureServer) -> Vec<Case> {
    let redirect = |to: &str| Reply::status(302).header("Location", to);
    vec![
        Case {
            name: "error-500",
            replies: vec![Reply::status(500)],
            attempts: 3,
            kind: Some("http"),
            message: "answered HTTP 500 Internal Server Error (gave up after 3 attempts)",
        },
        Case {
            name: "unavailable-then-ok",
            replies: vec![Reply::status(503), Reply::html(page())],
            attempts: 2,
            kind: None,
            message: "",
        },
        Case {
            name: "too-many-requests",
            replies: vec![
                Reply::status(429).header("Retry-After", "1"),
                Reply::html(page()),
            ],
            attempts: 2,
            kind: None,
            message: "",
        },
        Case {
            name: "wait-an-hour",
            replies: vec![Reply::status(429).header("Retry-After", "3600")],
            attempts: 1,
            kind: Some("http"),
            message: "asked to wait 3600s (Retry-After), longer than fetch.max_retry_after",
        },
        Case {
            name: "stall",
            replies: vec![Reply::html(page()).delayed(Duration::from_secs(3))],
            attempts: 3,
            kind: Some("fetch"),
            message: "did not answer within 1s (gave up after 3 attempts)",
        },
        Case {
            name: "reset",
            replies: vec![Reply::html(page()).fault(Fault::Reset)],
            attempts: 3,
            kind: Some("fetch"),
            message: "(gave up after 3 attempts)",
        },
        Case {
            name: "cut-short",
            replies: vec![Reply::html(page()).fault(Fault::CutShort(1000))],
            attempts: 3,
            kind: Some("fetch"),
            message: "the answer was cut short",
        },
        Case {
            name: "empty-200",
            replies: vec![Reply::html("")],
            attempts: 1,
            kind: Some("extraction"),
            message: "matched nothing",
        },
        Case {
            name: "fifty-megabytes",
            replies: vec![Reply::html("").fault(Fault::Huge(50 * 1024 * 1024))],
            attempts: 1,
            kind: Some("fetch"),
            message: "larger than the limit of 10485760 bytes (fetch.max_body)",
        },
        Case {
            name: "error-page-200",
            replies: vec![Reply::html(fixture("error-page-200.html"))],
            attempts: 1,
            kind: Some("extraction"),
            message: "the page layout may have changed",
        },
        Case {
            name: "redesigned",
            replies: vec![Reply::html(fixture("mali-2025-redesigned.html"))],
            attempts: 1,
            kind: Some("extraction"),
            message: "selector `.cmp-traveladvisory__header h3.travel-level` (level) in profile `state-dept-2025` matched nothing",
        },
        Case {
            name: "redirect-loop",
            replies: vec![redirect(&server.url("/redirect-loop"))],
            attempts: 11,
            kind: Some("fetch"),
            message: "more than 10 redirects",
        },
        Case {
            name: "redirect-to-file",
            replies: vec![redirect("file:///etc/passwd")],
            attempts: 1,
            kind: Some("fetch"),
            message: "refused a redirect to file:///etc/passwd: only http and https are fetched",
        },
    ]
}

#[test]
fn every_fault_is_a_clear_failure_with_no_change_and_no_notification() {
    let server = FixtureServer::start();
    let hook = WebhookReceiver::start(SECRET);
    let cases = cases(&server);
    let mut config = String::from(
        "[fetch]\ntimeout = \"1s\"\nconcurrency = 16\nper_host = 16\nretries = 2\nretry_initial = \"50ms\"\n\n",
    );
    for case in &cases {
        config.push_str(&format!(
            "[[sources]]\nname = \"{}\"\ncountry = \"Mali\"\nurl = \"{}\"\n\n",
            case.name,
            server.url(&format!("/{}", case.name))
        ));
    }
    config.push_str(&format!(
        "[notify]\nfailing_after = 1\n\n[[notify.webhook]]\nname = \"analysts\"\nurl = \"{}\"\n\n[[notify.webhook]]\nname = \"ops\"\nurl = \"{}\"\non = [\"extraction_failure\"]\n",
        hook.url(),
        hook.url()
    ));
    let ws = Workspace::new(&config);

    // A good first version everywhere.
    for case in &cases {
        server.serve_fixture(&format!("/{}", case.name), "mali-2025.html");
    }
    let (first, code) = ws.check_json(&[]);
    assert_eq!(
        (code, first["first_versions"].as_array().map(Vec::len)),
        (0, Some(cases.len()))
    );

    // Then each source misbehaves in its own way.
    for case in &cases {
        server.set_sequence(&format!("/{}", case.name), case.replies.clone());
    }
    let hits_before: Vec<usize> = cases
        .iter()
        .map(|c| server.hits(&format!("/{}", c.name)))
        .collect();
    let started = Instant::now();
    let (report, code) = ws.check_json(&[]);
    let elapsed = started.elapsed();
    assert_eq!(code, 2, "some sources failed");
    assert_eq!(report["changes"], json!([]), "no fault is a change");
    let failures = report["failures"].as_array().expect("failures");
    for (case, before) in cases.iter().zip(hits_before) {
        let attempts = server.hits(&format!("/{}", case.name)) - before;
        assert_eq!(attempts, case.attempts, "{}: attempts", case.name);
        let failure = failures.iter().find(|f| f["source"] == case.name);
        match case.kind {
            None => assert!(failure.is_none(), "{}: {failure:?}", case.name),
            Some(kind) => {
                let failure =
                    failure.unwrap_or_else(|| panic!("{}: no failure reported", case.name));
                assert_eq!(failure["kind"], kind, "{}", case.name);
                let message = failure["message"].as_str().expect("message");
                assert!(message.contains(case.message), "{}: {message}", case.name);
                assert!(
                    message.contains(&format!("/{}", case.name)) || kind == "extraction",
                    "{}: the message names the URL: {message}",
                    case.name
                );
            }
        }
    }
    assert!(elapsed < Duration::from_secs(20), "bounded: {elapsed:?}");

    // Every failure is on record, and the last good version is still the current one.
    let sources: Value =
        serde_json::from_str(&ws.run(&["sources", "--format", "json"]).stdout).expect("json");
    for case in &cases {
        let source = sources
            .as_array()
            .expect("list")
            .iter()
            .find(|s| s["name"] == case.name)
            .expect("source");
        assert_eq!(source["level"], 4, "{}: history intact", case.name);
        let expected_state = match case.kind {
            None => "ok",
            Some("extraction") => "broken",
            Some(_) => "failing",
        };
        assert_eq!(source["state"], expected_state, "{}", case.name);
    }
    let status = ws.run(&["status"]);
    assert_eq!(status.code, 2);
    assert!(
        status.stdout.contains("failing (fetch or HTTP errors)"),
        "{}",
        status.stdout
    );
    assert!(
        status.stdout.contains("error-500") && status.stdout.contains("HTTP 500"),
        "{}",
        status.stdout
    );

    // The pages come back as they were: still no change, for anyone.
    for case in &cases {
        server.serve_fixture(&format!("/{}", case.name), "mali-2025.html");
    }
    let (report, code) = ws.check_json(&[]);
    assert_eq!((code, &report["changes"]), (0, &json!([])));
    let history: Value = serde_json::from_str(
        &ws.run(&["history", "redesigned", "--format", "json"])
            .stdout,
    )
    .expect("json");
    assert_eq!(history["versions"].as_array().map(Vec::len), Some(1));
    assert_eq!(history["failures"].as_array().map(Vec::len), Some(1));

    // Analysts heard nothing; operators (`failing_after = 1`) heard of each failing source
    // once, whatever the fault, and of its recovery.
    let received = hook.received();
    assert!(
        received.iter().all(|r| r.delivery_id.ends_with(":ops")),
        "no analyst notification"
    );
    let failing: HashSet<&str> = cases
        .iter()
        .filter(|c| c.kind.is_some())
        .map(|c| c.name)
        .collect();
    let heard = |kind: &str| -> Vec<&str> {
        received
            .iter()
            .filter(|r| r.body["type"] == kind)
            .filter_map(|r| r.body["source"].as_str())
            .collect()
    };
    for kind in ["source_failure", "source_recovered"] {
        let sources = heard(kind);
        assert_eq!(sources.len(), failing.len(), "{kind}: {sources:?}");
        assert_eq!(
            sources.into_iter().collect::<HashSet<_>>(),
            failing,
            "{kind}"
        );
    }
}

#[test]
fn an_unchanged_page_costs_a_304_and_no_download() {
    let server = FixtureServer::start();
    let ws = Workspace::with_sources(
        &[("us-mali", "Mali", &server.url("/mali"), "state-dept")],
        "",
    );
    let tagged = |body: String, tag: &str| Reply::html(body).header("ETag", tag);
    server.set("/mali", tagged(page(), "\"v1\""));
    ws.check_json(&[]);
    let (report, code) = ws.check_json(&[]);
    assert_eq!((code, &report["changes"]), (0, &json!([])));
    assert_eq!(
        server.not_modified("/mali"),
        1,
        "the second check was conditional"
    );
    let status: Value =
        serde_json::from_str(&ws.run(&["status", "--format", "json"]).stdout).expect("json");
    assert_eq!(status[0]["state"], "ok");

    // A new version with a new tag is downloaded and compared as usual.
    server.set(
        "/mali",
        tagged(fixture("mali-2025-health-removed.html"), "\"v2\""),
    );
    let (report, _) = ws.check_json(&[]);
    assert_eq!(report["changes"][0]["headline"], "Health indicator removed");
    assert_eq!(server.not_modified("/mali"), 1);
}

#[test]
fn a_page_that_suddenly_lost_most_of_its_content_is_broken_not_changed() {
    let server = FixtureServer::start();
    let ws = Workspace::with_sources(
        &[("us-mali", "Mali", &server.url("/mali"), "state-dept")],
        "",
    );
    server.serve_fixture("/mali", "mali-2025.html");
    ws.check_json(&[]);

    // Same level block, but the pills are gone and the summary holds one line: a template
    // that renders half a page.
    let full = page();
    let start = full.find("<ul class=\"pill-list\">").expect("pills");
    let end = full[start..].find("</ul>").expect("end") + start + 5;
    let mut hollow = format!("{}{}", &full[..start], &full[end..]);
    let summary = hollow
        .find("<div class=\"summary-text usa-prose\">")
        .expect("summary");
    let close = hollow[summary..].find("</div>").expect("close") + summary;
    hollow.replace_range(
        summary..close,
        "<div class=\"summary-text usa-prose\"><p>Loading…</p>",
    );
    let reason = hollow
        .find("<span class=\"cmp-traveladvisory__inline\">")
        .expect("reason");
    let reason_end = hollow[reason..].find("</span>").expect("end") + reason;
    hollow.replace_range(
        reason..reason_end,
        "<span class=\"cmp-traveladvisory__inline\">",
    );
    server.set("/mali", Reply::html(hollow));
    let (report, code) = ws.check_json(&[]);
    assert_eq!(code, 2);
    assert_eq!(
        report["changes"],
        json!([]),
        "not \"5 indicators removed; summary updated\""
    );
    assert_eq!(report["failures"][0]["kind"], "extraction");
    assert!(
        report["failures"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("all 5 indicators gone")),
        "{}",
        report["failures"][0]
    );

    server.serve_fixture("/mali", "mali-2025.html");
    let (report, code) = ws.check_json(&[]);
    assert_eq!(
        (code, &report["changes"]),
        (0, &json!([])),
        "compared with the last good version"
    );
}

#[test]
fn a_windows_1252_page_reads_the_same_as_its_utf8_twin() {
    let server = FixtureServer::start();
    let profile = "[profiles.norland]\nlevel = \"h3.risk-level\"\nindicators = \"ul.risks li.active\"\nindicator_attr = \"data-code\"\nreason = \"p.reason\"\nsummary = \"div.summary\"\nissued = \"span.date\"\n";
    let ws = Workspace::with_sources(
        &[("freedonia", "Freedonia", &server.url("/advice"), "norland")],
        profile,
    );
    let text = fixture("ministry-v1.html").replacen(
        "<div class=\"summary\">",
        "<div class=\"summary\"><p>Travellers from Côte d’Ivoire should read the “regional” notes — café owners close early.</p>",
        1,
    );
    server.set("/advice", Reply::html(text.clone()));
    ws.check_json(&[]);

    let (encoded, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&text);
    assert!(!unmappable);
    assert!(
        encoded.contains(&0x92),
        "the apostrophe is byte 0x92 in windows-1252"
    );
    let mut reply = Reply::html(encoded.into_owned());
    reply.content_type = "text/html; charset=windows-1252".into();
    server.set("/advice", reply);
    let (report, code) = ws.check_json(&[]);
    assert_eq!(code, 0);
    assert_eq!(
        report["changes"],
        json!([]),
        "decoded with its charset, the text is the same"
    );
}

#[test]
fn no_more_than_fetch_concurrency_requests_are_ever_under_way() {
    let server = FixtureServer::start();
    // per_host allows more, so that only fetch.concurrency holds the checks back.
    let mut config = String::from("[fetch]\ntimeout = \"5s\"\nconcurrency = 3\nper_host = 8\n\n");
    for i in 0..10 {
        // Slow answers: a check that did not wait for its turn would overlap the others.
        server.set(
            &format!("/mali/{i}"),
            Reply::html(page()).delayed(Duration::from_millis(150)),
        );
        config.push_str(&format!(
            "[[sources]]\nname = \"us-mali-{i}\"\ncountry = \"Mali\"\nurl = \"{}\"\nprofile = \"state-dept\"\n\n",
            server.url(&format!("/mali/{i}"))
        ));
    }
    let ws = Workspace::new(&config);
    let (report, code) = ws.check_json(&[]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["first_versions"].as_array().map(Vec::len), Some(10));
    assert_eq!(
        server.peak_in_flight(),
        3,
        "fetch.concurrency = 3: three requests at once, never more"
    );
}
