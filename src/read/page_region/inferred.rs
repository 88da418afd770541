//! The fast path for a profile that names no region: the region its selectors imply, on
//! generated pages of a layout no built-in profile knows and on real pages, with profiles
//! written as a user would.

use std::collections::BTreeMap;

use super::*;
use crate::model::profile::{ProfileSet, RawProfile};
use crate::model::region::Origin;
use crate::read::extract::extract;

/// A profile as compiled, and the same profile without a region.
type Pair = (Vec<Arc<Profile>>, Vec<Arc<Profile>>);

/// A user profile from its TOML table, and the same profile without a region.
fn user(name: &str, toml_text: &str) -> Pair {
    let raw: BTreeMap<String, RawProfile> =
        toml::from_str(&format!("[{name}]\n{toml_text}")).expect("a profile");
    let profile = ProfileSet::with_user_profiles(&raw)
        .expect("compiles")
        .resolve_names(&[name.to_owned()], "test")
        .expect("an html profile")
        .remove(0);
    let whole = Arc::new(Profile {
        region: None,
        ..(*profile).clone()
    });
    (vec![profile], vec![whole])
}

const GENERIC: &str = r#"
level = "section#advisory .advisory-level"
indicators = "section#advisory ul.risks li.active"
indicator_attr = "data-code"
reason = "section#advisory p.reason"
summary = "section#advisory div.summary"
issued = "section#advisory time"
"#;

/// A generic advisory page: scripts, navigation, a sidebar and a footer around
/// `<section id="advisory">`, with `before`, `inside` and `after` put around its content.
pub(super) fn generic(index: usize, before: &str, inside: &str, after: &str) -> String {
    let mut page = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>Advice</title>\
         <script>var site={a:1<2};</script><style>.advisory-level{color:red}</style></head>\n\
         <body class=\"site\">\n<header class=\"site-header\"><nav class=\"menu\"><ul>",
    );
    for k in 0..20 {
        page.push_str(&format!(
            "<li class=\"menu-item\"><a href=\"/s/{k}\">Section {k}</a></li>"
        ));
    }
    page.push_str("</ul></nav></header><div class=\"layout\"><main id=\"main\">");
    page.push_str(before);
    page.push_str(&format!(
        "<section id=\"advisory\" class=\"advisory\">{inside}<h1>Country {index}</h1>\
         <p>Updated <time datetime=\"2025-07-0{}\">July {}, 2025</time></p>\
         <div class=\"advisory-level\">Level {}: Reconsider Travel</div>\
         <ul class=\"risks\"><li class=\"active\" data-code=\"C\">Crime</li><li data-code=\"U\">Unrest</li>\
         <li class=\"{}\" data-code=\"T\">Terrorism</li></ul>\
         <p class=\"reason\">Reconsider travel due to crime.</p>\
         <div class=\"summary\"><p>Crime is common in country {index}.</p><p>Demonstrations occur.</p></div>\
         </section>",
        1 + index % 9,
        1 + index % 9,
        1 + index % 4,
        if index.is_multiple_of(2) {
            "active"
        } else {
            "idle"
        }
    ));
    page.push_str(after);
    page.push_str(
        "</main><aside class=\"sidebar\"><p>Related</p></aside></div>\
         <footer class=\"site-footer\"><p>Footer</p></footer><script>track()</script></body></html>",
    );
    page
}

/// Reads `page` both ways and says whether the region was used.
fn same_either_way(page: &str, profiles: &Pair) -> bool {
    let (region, whole) = profiles;
    assert_eq!(
        extract(page, region),
        extract(page, whole),
        "reading the inferred region differs from reading the page:\n{page}"
    );
    cut(page, region).is_some()
}

#[test]
fn a_profile_whose_selectors_share_a_leading_element_reads_only_it() {
    let profiles = user("generic", GENERIC);
    let region = profiles.0[0].region.as_ref().expect("inferred");
    assert_eq!(region.origin, Origin::Inferred);
    assert_eq!(region.root_text(), "section#advisory");
    let page = generic(3, "", "", "");
    assert!(extract(&page, &profiles.0).is_ok());
    assert!(same_either_way(&page, &profiles));
    assert!(cut(&page, &profiles.0).expect("cut").len() * 2 < page.len());
}

/// Markup put before the section, at its start, or after it; (before, inside, after,
/// whether the region is used). Each is read both ways and must read the same.
const AROUND: &[(&str, &str, &str, bool)] = &[
    ("", "", "", true),
    ("<p>an open paragraph", "", "", true),
    ("<p class=x>closed</p>", "", "", true),
    ("<b>bold never closed", "", "", false),
    ("<ul><li>open item", "", "", false),
    ("<a href=x>open link", "", "", false),
    ("<form>", "", "", false),
    ("<table><tr><td>", "", "", false),
    ("<select><option>", "", "", false),
    (
        "<template><section id=advisory></section></template>",
        "",
        "",
        false,
    ),
    ("<svg><title>x</title></svg>", "", "", false),
    ("<math><mi>x</mi></math>", "", "", false),
    ("<noscript><section id=advisory></noscript>", "", "", true),
    ("<script>document.write('<b>')</script>", "", "", true),
    ("<textarea><section id=advisory></textarea>", "", "", true),
    ("<!-- <section id=advisory> -->", "", "", true),
    ("<section id=advisory-nav>other</section>", "", "", false),
    ("<div class=advisory-level>Level 1: x</div>", "", "", true),
    (
        "",
        "",
        "<section id=\"advisory\"><div class=advisory-level>Level 1</div></section>",
        false,
    ),
    ("", "", "<section id=\"ADVISORY\">again</section>", false),
    // Another element with the id cannot match `section#advisory`.
    ("", "", "<div id=\"advisory\">a div</div>", true),
    (
        "",
        "",
        "<section class=x id=\"advisory\">a third</section>",
        false,
    ),
    ("", "", "<p class=reason>outside</p>", true),
    ("", "<table><tr><td>x</td></tr></table>", "", false),
    ("", "<b>never closed", "", false),
    ("", "<p><b>x</p>", "", false),
    ("", "</span>", "", false),
    ("", "<img src=x><br><hr>", "", true),
    ("", "<h2>Heading</h2><ul><li>a<li>b</ul>", "", true),
    ("<h2>", "", "", false),
    ("<button>", "", "", false),
    ("<div><i>x</div>", "", "", false),
];

#[test]
fn whatever_the_markup_around_the_inferred_region_it_reads_the_same_or_is_not_used() {
    let profiles = user("generic", GENERIC);
    for (before, inside, after, used) in AROUND {
        let page = generic(1, before, inside, after);
        assert_eq!(
            same_either_way(&page, &profiles),
            *used,
            "before: {before:?}, inside: {inside:?}, after: {after:?}"
        );
    }
}

#[test]
fn generated_pages_read_the_same_with_and_without_the_inferred_region() {
    // Pseudo-random pages: pieces of `AROUND` and plain markup put together in every
    // place, a thousand times; every one reads the same either way.
    let profiles = user("generic", GENERIC);
    let pieces: Vec<&str> = AROUND
        .iter()
        .flat_map(|(b, i, a, _)| [*b, *i, *a])
        .chain([
            "<div class=\"banner\">Maintenance</div>",
            "<p>text<p>more",
            "</p>",
            "</div>",
            "<li>stray",
            "<section class=other><h2>x</h2></section>",
            "<span class=\"advisory\">x</span>",
            "&amp;",
            "<pre>\nx</pre>",
        ])
        .collect();
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut pick = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        pieces[(state % pieces.len() as u64) as usize]
    };
    let mut used = 0;
    for index in 0..1000 {
        let (a, b, c) = (pick(), pick(), pick());
        let page = generic(index, &format!("{a}{b}"), c, pick());
        used += usize::from(same_either_way(&page, &profiles));
    }
    assert!(used > 100, "the region was used on {used} of 1000 pages");
}

fn fixture(path: &str) -> String {
    std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path))
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn real_pages_read_the_same_with_and_without_the_region_their_profile_implies() {
    // Profiles a user would write for real pages, every selector under one element.
    let legacy = user(
        "legacy-frame",
        r#"
level = ".tsg-rwd-main-copy-frame h3.tsg-rwd-emergency-alertheader-title"
indicators = ".tsg-rwd-main-copy-frame [id='container tooltipalert'] .showThreat"
alert = ".tsg-rwd-main-copy-frame .tsg-rwd-emergency-alert-text"
issued = ".tsg-rwd-main-copy-frame .tsg-rwd-emergency-alertheader-type-frame-typebox"
"#,
    );
    let current = user(
        "current-advisory",
        r#"
level = ".cmp-traveladvisory .cmp-traveladvisory__header h3.travel-level"
indicators = ".cmp-traveladvisory ul.pill-list > li.tsg-utility-risk-pill"
reason = ".cmp-traveladvisory .cmp-traveladvisory__body-container-guidance"
summary = ".cmp-traveladvisory .cmp-traveladvisory__body-container-advisory .summary-text"
issued = ".cmp-traveladvisory span.date-issued"
"#,
    );
    let ministry = user(
        "ministry-main",
        r#"
level = "main#content h3.risk-level"
indicators = "main#content ul.risks li.active"
indicator_attr = "data-code"
reason = "main#content p.reason"
summary = "main#content div.summary"
issued = "main#content span.date"
"#,
    );
    for profiles in [&legacy, &current, &ministry] {
        assert_eq!(
            profiles.0[0].region.as_ref().map(|r| r.origin),
            Some(Origin::Inferred),
            "{}",
            profiles.0[0].name
        );
    }
    // (page, profile, whether it reads and the region is used)
    let cases: &[(&str, &Pair, bool)] = &[
        ("fixtures/mali-2023-legacy.html", &legacy, true),
        ("fixtures/mali-2023-legacy-chart-v2.html", &legacy, true),
        ("fixtures/mali-2025-legacy-layout.html", &legacy, true),
        ("fixtures/mali-2025.html", &current, false),
        ("fixtures/mali-2025-health-removed.html", &current, false),
        ("fixtures/mali-2025-markup-only.html", &current, false),
        ("fixtures/nepal-2026.html", &current, false),
        ("fixtures/nepal-2026-level3.html", &current, false),
        (
            "../shared/corpus/other/us-tsg-2026layout-nepal.html",
            &current,
            false,
        ),
        ("fixtures/ministry-v1.html", &ministry, true),
        ("fixtures/ministry-v2.html", &ministry, true),
    ];
    for (path, profiles, used) in cases {
        let page = fixture(path);
        assert!(extract(&page, &profiles.0).is_ok(), "{path}");
        assert_eq!(same_either_way(&page, profiles), *used, "{path}");
    }
}
