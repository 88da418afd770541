//! The scan against the parser: the same tree and the same fields with and without the cut,
//! and every case where it must give up.

use super::*;
use crate::model::profile::ProfileSet;
use crate::read::extract::extract;

fn legacy() -> (Vec<Arc<Profile>>, Vec<Arc<Profile>>) {
    let profile = ProfileSet::builtin()
        .resolve_names(&["state-dept-legacy".to_owned()], "test")
        .expect("built-in")
        .remove(0);
    assert!(
        profile.region.is_some(),
        "the legacy profile names its region"
    );
    let whole = Arc::new(Profile {
        region: None,
        ..(*profile).clone()
    });
    (vec![profile], vec![whole])
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join(name),
    )
    .expect("fixture")
}

/// Reads `page` both ways and says whether the region was used.
fn same_either_way(page: &str) -> bool {
    let (region, whole) = legacy();
    assert_eq!(
        extract(page, &region),
        extract(page, &whole),
        "reading the region differs from reading the page:\n{page}"
    );
    cut(page, &region).is_some()
}

#[test]
fn the_legacy_pages_read_the_same_from_their_region() {
    for name in [
        "mali-2023-legacy.html",
        "mali-2023-legacy-chart-v2.html",
        "mali-2025-legacy-layout.html",
    ] {
        let page = fixture(name);
        assert!(same_either_way(&page), "{name}: the region was not used");
        let (region, _) = legacy();
        let small = cut(&page, &region).expect("region");
        assert!(
            small.len() < page.len(),
            "{name}: {} of {}",
            small.len(),
            page.len()
        );
    }
}

#[test]
fn whatever_the_markup_around_it_the_region_reads_the_same_or_is_not_used() {
    let page = fixture("mali-2023-legacy.html");
    let frame = page
        .find("<div class=\"tsg-rwd-main-copy-frame\">")
        .expect("frame");
    let (before, after) = page.split_at(frame);
    let end = after.rfind("</body>").expect("body end");
    let (region_and_rest, tail) = after.split_at(end);
    // (markup put before the frame, markup put after it, whether the region is used)
    let cases: &[(&str, &str, bool)] = &[
        ("", "", true),
        ("<p>open paragraph", "", true),
        ("<b>bold never closed", "", false),
        ("<p><b>bold</p>", "", false),
        ("<div><i>x</div>", "", false),
        ("<ul><li>open item", "", false),
        ("<a href=x>open link", "", false),
        ("<form><input></form>", "", true),
        ("<form>", "", false),
        ("<table><tr><td>", "", false),
        (
            "<svg><style><h3 class=tsg-rwd-emergency-alertheader-title>L</style></svg>",
            "",
            false,
        ),
        ("<!-- <b> --!> <b>x", "", false),
        ("<!-- <div class=\"tsg-rwd-main-copy-frame\"> -->", "", true),
        ("<script>if (a<b) document.write('<b>')</script>", "", true),
        ("<script><!--<script>x</script>--></script>", "", false),
        ("<noscript><b></noscript>", "", true),
        ("<textarea><b></textarea>", "", true),
        // Outside any `[id='container tooltipalert']`, a badge cannot match the selector:
        // only the leading compound of each selector is kept out of the rest of the page.
        ("<span class=\"showThreat\">T</span>", "", true),
        ("", "<span class=\"SHOWTHREAT\">T</span>", true),
        (
            "",
            "<span id=\"container&#32;tooltipalert\">T</span>",
            false,
        ),
        ("", "<div id=\"CONTAINER TOOLTIPALERT\"></div>", false),
        (
            "",
            "<div id='container tooltipalert'><a class=showThreat>C</a></div>",
            false,
        ),
        ("", "<p class=tsg-rwd-emergency-alert-text>more</p>", false),
        ("<div id=\"container tooltipalert\">", "</div>", false),
        ("<button>", "", false),
        ("<h2 title='a>b'>x</h2>", "", true),
        ("<img alt=\"x\"/><br><hr>", "<footer><p>x</footer>", true),
    ];
    for (prefix, suffix, used) in cases {
        let variant = format!("{before}{prefix}{region_and_rest}{suffix}{tail}");
        assert_eq!(
            same_either_way(&variant),
            *used,
            "before: {prefix:?}, after: {suffix:?}"
        );
    }
    // Markup inside the frame that the scan does not follow: the whole page is read.
    for inside in [
        "<b>never closed",
        "<table><tr><td>x",
        "</span>",
        "<p><b>x</p>",
    ] {
        let variant = page.replacen(
            "<div class=\"tsg-rwd-main-copy-frame\">",
            &format!("<div class=\"tsg-rwd-main-copy-frame\">{inside}"),
            1,
        );
        assert!(!same_either_way(&variant), "{inside:?}");
    }
}
