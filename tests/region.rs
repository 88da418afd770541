//! A profile's region as a user sees it: `extract -v` says which region was used (given by the
//! profile or inferred from its selectors, and which) or why there is none, and a profile read
//! with the region it implies gives exactly the fields it gives on the whole page, on real
//! pages and on a generic layout no built-in profile knows.

mod common;

use common::{Workspace, fixture_path};

/// A generic advisory page: boilerplate around `<section id="advisory">`.
fn generic_page() -> String {
    let mut page = String::from(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Advice</title>\
         <script>var x = 1 < 2;</script></head><body><header><nav class=\"menu\"><ul>",
    );
    for k in 0..50 {
        page.push_str(&format!("<li><a href=\"/s/{k}\">Section {k}</a></li>"));
    }
    page.push_str(
        "</ul></nav></header><main><section id=\"advisory\"><h1>Freedonia</h1>\
         <p>Updated <time datetime=\"2026-09-01\">1 September 2026</time></p>\
         <div class=\"advisory-level\">Level 3: Reconsider Travel</div>\
         <ul class=\"risks\"><li class=\"active\" data-code=\"C\">Crime</li><li data-code=\"U\">Unrest</li></ul>\
         <p class=\"reason\">Reconsider travel due to crime.</p>\
         <div class=\"summary\"><p>Crime is common.</p><p>Demonstrations occur.</p></div>\
         </section></main><footer><p class=\"reason\">Not this one.</p></footer></body></html>",
    );
    page
}

const GENERIC: &str = r#"
[profiles.generic]
level = "section#advisory .advisory-level"
indicators = "section#advisory ul.risks li.active"
indicator_attr = "data-code"
reason = "section#advisory p.reason"
summary = "section#advisory div.summary"
issued = "section#advisory time"
"#;

/// The same profile with one selector outside the section (an alternative that matches
/// nothing on these pages): no region, the whole page parsed.
fn without_region(profile: &str) -> String {
    profile.replacen(
        "level = \"section#advisory .advisory-level\"",
        "level = \"section#advisory .advisory-level, h1.title\"",
        1,
    )
}

fn extract(ws: &Workspace, profile: &str, path: &str) -> (String, String) {
    let run = ws.run(&["-v", "extract", "--profile", profile, path]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    (run.stdout, run.stderr)
}

#[test]
fn extract_v_names_the_inferred_region_and_reads_the_same_fields_as_the_whole_page() {
    let ws = Workspace::new(GENERIC);
    let page = ws.dir.path().join("generic.html");
    std::fs::write(&page, generic_page()).expect("write");
    let page = page.to_str().expect("utf-8");
    let (fields, said) = extract(&ws, "generic", page);
    assert!(
        said.contains(
            "profile `generic`: region `section#advisory` (inferred: every selector starts with it)"
        ),
        "{said}"
    );
    assert!(said.contains("region used: parsed "), "{said}");
    let json: serde_json::Value = serde_json::from_str(&fields).expect("json");
    assert_eq!(json["level"], 3, "{fields}");
    assert_eq!(
        json["summary"], "Crime is common.\n\nDemonstrations occur.",
        "{fields}"
    );
    assert_eq!(json["indicators"], serde_json::json!(["crime"]), "{fields}");

    ws.write_config(&without_region(GENERIC));
    let (whole, said) = extract(&ws, "generic", page);
    assert!(
        said.contains(
            "profile `generic`: no region: selector `section#advisory .advisory-level, h1.title` is not inside a common element"
        ),
        "{said}"
    );
    assert!(
        said.contains("region not used: the whole page was parsed"),
        "{said}"
    );
    assert_eq!(
        fields, whole,
        "the region and the whole page read differently"
    );
}

#[test]
fn real_pages_read_the_same_with_the_region_their_user_profile_implies() {
    let ministry = r#"
[profiles.ministry]
level = "main#content h3.risk-level"
indicators = "main#content ul.risks li.active"
indicator_attr = "data-code"
reason = "main#content p.reason"
summary = "main#content div.summary"
issued = "main#content span.date"
"#;
    let legacy = r#"
[profiles.legacy]
level = ".tsg-rwd-main-copy-frame h3.tsg-rwd-emergency-alertheader-title"
indicators = ".tsg-rwd-main-copy-frame [id='container tooltipalert'] .showThreat"
alert = ".tsg-rwd-main-copy-frame .tsg-rwd-emergency-alert-text"
issued = ".tsg-rwd-main-copy-frame .tsg-rwd-emergency-alertheader-type-frame-typebox"
"#;
    for (profile, name, root, pages) in [
        (
            ministry,
            "ministry",
            "main#content",
            &["ministry-v1.html", "ministry-v2.html"][..],
        ),
        (
            legacy,
            "legacy",
            ".tsg-rwd-main-copy-frame",
            &["mali-2023-legacy.html", "mali-2025-legacy-layout.html"][..],
        ),
    ] {
        let first_selector = profile.lines().nth(2).expect("level").to_owned();
        let broken = first_selector
            .replacen("\"\n", "", 1)
            .trim_end_matches('"')
            .to_owned()
            + ", h1.title\"";
        for page in pages {
            let path = fixture_path(page);
            let path = path.as_str();
            let ws = Workspace::new(profile);
            let (fields, said) = extract(&ws, name, path);
            assert!(
                said.contains(&format!("region `{root}` (inferred")),
                "{page}: {said}"
            );
            assert!(said.contains("region used"), "{page}: {said}");
            ws.write_config(&profile.replacen(&first_selector, &broken, 1));
            let (whole, said) = extract(&ws, name, path);
            assert!(said.contains("no region: selector"), "{page}: {said}");
            assert_eq!(
                fields, whole,
                "{page}: the region and the whole page read differently"
            );
        }
    }
}

#[test]
fn extract_v_names_a_given_region_and_says_why_a_profile_has_none() {
    let ws = Workspace::new("");
    let legacy = fixture_path("mali-2023-legacy.html");
    let (_, said) = extract(&ws, "state-dept-legacy", &legacy);
    assert!(
        said.contains(
            "profile `state-dept-legacy`: region `div.tsg-rwd-main-copy-frame` (given by the profile's `region`)"
        ),
        "{said}"
    );
    assert!(said.contains("region used"), "{said}");
    let current = fixture_path("mali-2025.html");
    let (_, said) = extract(&ws, "state-dept-2025", &current);
    assert!(
        said.contains("profile `state-dept-2025`: no region: selector `"),
        "{said}"
    );
    assert!(said.contains("is not inside a common element"), "{said}");
    // Without -v, nothing of this.
    let run = ws.run(&["extract", "--profile", "state-dept-legacy", &legacy]);
    assert!(!run.stderr.contains("region"), "{}", run.stderr);
}

#[test]
fn a_region_naming_an_element_whose_cut_could_change_the_parse_is_a_configuration_error() {
    for (root, why) in [
        ("table.advisory", "foster parenting"),
        ("p.advisory", "closes it without its end tag"),
        ("template#advisory", "separate document fragment"),
        ("noscript.advisory", "reads its content as text"),
    ] {
        let ws = Workspace::new(&format!("{GENERIC}region = \"{root}\"\n"));
        let page = fixture_path("ministry-v1.html");
        let run = ws.run(&["extract", "--profile", "generic", &page]);
        assert_ne!(run.code, 0, "{root}");
        assert!(
            run.stderr.contains("region") && run.stderr.contains(root) && run.stderr.contains(why),
            "{root}: {}",
            run.stderr
        );
    }
}
