//! Lookups never hide anything: a country that is no country, a government by any of its
//! names, a period that ends before it starts, and watch-lists, in `report` and on the
//! dashboard, as a user sees them (exit codes, stderr, pages).

mod common;

use common::dashboard::Dashboard;
use common::{Workspace, fixture_path};
use serde_json::Value;

const WATCHLISTS: &str = "[watchlists.sahel]\ncountries = [\"Mali\", \"Niger\"]\n\n\
                          [watchlists.himalaya]\ncountries = [\"NP\", \"Bhutan\"]\n";

/// A database with Mali read by the United States (two changes) and by the United Kingdom (the
/// same pages, one change less), and Nepal (one change, level 2 to 3), imported from dated
/// files; two watch-lists.
fn history() -> Workspace {
    let ws = Workspace::new(&format!(
        "[[sources]]\nname = \"us-mali\"\ncountry = \"Mali\"\nurl = \"http://127.0.0.1:9/mali.html\"\n\n\
         [[sources]]\nname = \"uk-mali\"\ncountry = \"Mali\"\nurl = \"http://127.0.0.1:9/uk-mali.html\"\n\
         government = \"United Kingdom (FCDO)\"\n\n\
         [[sources]]\nname = \"us-nepal\"\ncountry = \"Nepal\"\nurl = \"http://127.0.0.1:9/nepal.html\"\n\n\
         {WATCHLISTS}"
    ));
    let archive = |name: &str, files: &[(&str, &str)]| ws.archive(name, files);
    let mali = archive(
        "mali",
        &[
            ("2025-11-01", "mali-2023-legacy.html"),
            ("2025-11-10", "mali-2025.html"),
            ("2025-11-20", "mali-2025-health-removed.html"),
        ],
    );
    let uk_mali = archive(
        "uk-mali",
        &[
            ("2025-11-02", "mali-2025.html"),
            ("2025-11-21", "mali-2025-health-removed.html"),
        ],
    );
    let nepal = archive(
        "nepal",
        &[
            ("2025-11-01", "nepal-2026.html"),
            ("2025-11-15", "nepal-2026-level3.html"),
        ],
    );
    for (source, dir) in [("us-mali", mali), ("uk-mali", uk_mali), ("us-nepal", nepal)] {
        let run = ws.run(&["import", "--source", source, dir.to_str().expect("utf-8")]);
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    ws
}

const PERIOD: [&str; 4] = ["--since", "2025-10-01", "--until", "2025-12-01"];

/// `report --format json` over the whole history with these filters: the sources of its rows.
fn report_sources(ws: &Workspace, extra: &[&str]) -> Vec<String> {
    let mut args = vec!["report", "--format", "json"];
    args.extend_from_slice(&PERIOD);
    args.extend_from_slice(extra);
    let run = ws.run(&args);
    assert_eq!(run.code, 0, "{extra:?}: {}", run.stderr);
    let json: Value = serde_json::from_str(&run.stdout).expect("json");
    let mut sources: Vec<String> = json["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| c["source"].as_str().expect("source").to_owned())
        .collect();
    sources.sort();
    sources
}

#[test]
fn report_with_a_misspelt_country_exits_1_naming_the_nearest() {
    let ws = history();
    let mut args = vec!["report"];
    args.extend_from_slice(&PERIOD);
    args.extend_from_slice(&["--country", "Nepal", "--country", "Mlai"]);
    let run = ws.run(&args);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.is_empty(), "no report: {}", run.stdout);
    assert!(
        run.stderr
            .contains("--country `Mlai` is not a country; did you mean Mali?"),
        "{}",
        run.stderr
    );
    // A real country with nothing in the period is the ordinary empty report.
    let quiet = ws.run(&[
        "report",
        "--since",
        "2024-01-01",
        "--until",
        "2024-02-01",
        "--country",
        "Mali",
    ]);
    assert_eq!(quiet.code, 0, "{}", quiet.stderr);
    assert_eq!(
        quiet.stdout,
        "No advisory changed from 2024-01-01 to 2024-02-01.\n"
    );
    // Parts of names still search.
    assert_eq!(report_sources(&ws, &["--country", "nep"]), ["us-nepal"]);
}

#[test]
fn report_country_takes_a_configured_countrys_name_the_table_does_not_know() {
    let ws = Workspace::new(
        "[[sources]]\nname = \"atlantis\"\ncountry = \"Atlantis\"\nurl = \"http://127.0.0.1:9/a.html\"\n",
    );
    let dir = ws.dir.path().join("atlantis");
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::copy(
        fixture_path("mali-2023-legacy.html"),
        dir.join("2025-11-01.html"),
    )
    .expect("copy");
    std::fs::copy(fixture_path("mali-2025.html"), dir.join("2025-11-10.html")).expect("copy");
    let run = ws.run(&[
        "import",
        "--source",
        "atlantis",
        dir.to_str().expect("utf-8"),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        report_sources(&ws, &["--country", "Atlantis"]),
        ["atlantis"]
    );
}

#[test]
fn report_government_takes_any_of_its_names() {
    let ws = history();
    for name in ["United Kingdom", "FCDO", "UK", "uk-"] {
        assert_eq!(
            report_sources(&ws, &["--government", name]),
            ["uk-mali"],
            "--government {name}"
        );
    }
    assert_eq!(
        report_sources(&ws, &["--government", "United States"]),
        ["us-mali", "us-mali", "us-nepal"]
    );
}

#[test]
fn report_until_before_since_exits_1_naming_both_dates() {
    let ws = history();
    let run = ws.run(&["report", "--since", "2025-12-01", "--until", "2025-10-01"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("`2025-10-01`") && run.stderr.contains("`2025-12-01`"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty());
}

#[test]
fn report_watch_shows_only_the_lists_countries() {
    let ws = history();
    assert_eq!(
        report_sources(&ws, &["--watch", "sahel"]),
        ["uk-mali", "us-mali", "us-mali"]
    );
    assert_eq!(report_sources(&ws, &["--watch", "himalaya"]), ["us-nepal"]);
    assert_eq!(
        report_sources(&ws, &["--watch", "sahel", "--government", "UK"]),
        ["uk-mali"],
        "filters combine"
    );
    let unknown = ws.run(&["report", "--watch", "andes"]);
    assert_eq!(unknown.code, 1, "{}", unknown.stderr);
    assert!(
        unknown
            .stderr
            .contains("no watch-list is called `andes`; the configured ones are himalaya, sahel"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn config_check_refuses_a_watch_list_with_a_misspelt_country() {
    let ws = Workspace::new("[watchlists.sahel]\ncountries = [\"Mali\", \"Mlai\"]\n");
    let run = ws.run(&["config-check"]);
    assert_eq!(run.code, 3, "a configuration error: {}", run.stderr);
    assert!(
        run.stderr.contains("config.toml")
            && run.stderr.contains("key `watchlists.sahel.countries`")
            && run
                .stderr
                .contains("watch-list `sahel`: `Mlai` is not a country; did you mean Mali?"),
        "{}",
        run.stderr
    );
    // Every load checks it, not only config-check.
    let report = ws.run(&["report"]);
    assert_eq!(report.code, 3, "{}", report.stderr);
    assert!(
        report.stderr.contains("did you mean Mali?"),
        "{}",
        report.stderr
    );

    let channel = Workspace::new(&format!(
        "{WATCHLISTS}[[notify.webhook]]\nname = \"desk\"\nurl = \"https://hooks.example.org/x\"\nwatch = \"andes\"\n"
    ));
    let run = channel.run(&["config-check"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "notification channel `desk`: key `watch`: no watch-list is called `andes`; the configured ones are himalaya, sahel"
        ),
        "{}",
        run.stderr
    );
}

/// A page's text without its tags.
fn text_of(html: &str) -> String {
    regex::Regex::new(r"<[^>]*>")
        .expect("re")
        .replace_all(html, "")
        .into_owned()
}

#[test]
fn dashboard_country_page_for_a_misspelt_name_is_a_404_suggesting_the_country() {
    let ws = history();
    let dashboard = Dashboard::start(&ws);
    let (status, _, body) = dashboard.request("GET", "/country/Mlai");
    assert_eq!(status, 404, "{body}");
    assert!(text_of(&body).contains("Did you mean Mali?"), "{body}");
    assert!(
        body.contains("Did you mean <a href=\"/country/Mali\">Mali</a>?"),
        "Mali is linked: {body}"
    );
    // The link leads to the country.
    assert!(dashboard.get("/country/Mali").contains("<h1>Mali"));
}

#[test]
fn dashboard_changes_for_a_misspelt_country_is_an_error_naming_the_country() {
    let ws = history();
    let dashboard = Dashboard::start(&ws);
    let (status, _, body) = dashboard.request("GET", "/changes?country=Mlai&since=2025-10-01");
    assert_eq!(status, 400, "{body}");
    assert!(text_of(&body).contains("did you mean Mali?"), "{body}");
    assert!(
        !body.contains("No advisory changed"),
        "not an empty list: {body}"
    );
    let (status, _, body) = dashboard.request("GET", "/api/changes?country=Mlai");
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("Mali"), "{body}");
}

/// The sources of the change cards a `/changes` page shows.
fn card_sources(page: &str) -> Vec<String> {
    let mut sources: Vec<String> = regex::Regex::new(r#"href="/source\?name=([a-z-]+)""#)
        .expect("re")
        .captures_iter(page)
        .map(|c| c[1].to_owned())
        .collect();
    sources.sort();
    sources
}

#[test]
fn dashboard_government_filter_takes_any_of_its_names() {
    let ws = history();
    let dashboard = Dashboard::start(&ws);
    for name in ["United%20Kingdom", "FCDO", "UK"] {
        let page = dashboard.get(&format!("/changes?government={name}&since=2025-10-01"));
        assert_eq!(card_sources(&page), ["uk-mali"], "government={name}");
        assert!(
            page.contains("<span class=\"count\">1 change</span>"),
            "{page}"
        );
        // The old parameter still works.
        let old = dashboard.get(&format!("/changes?source={name}&since=2025-10-01"));
        assert_eq!(card_sources(&old), ["uk-mali"], "source={name}");
    }
}

#[test]
fn dashboard_until_before_since_is_a_400_page() {
    let ws = history();
    let dashboard = Dashboard::start(&ws);
    for path in [
        "/changes?since=2025-12-01&until=2025-10-01",
        "/?since=2025-12-01&until=2025-10-01",
    ] {
        let (status, _, body) = dashboard.request("GET", path);
        assert_eq!(status, 400, "{path}: {body}");
        assert!(
            body.contains("2025-10-01") && body.contains("2025-12-01"),
            "{path}: {body}"
        );
    }
}

#[test]
fn dashboard_watch_shows_only_the_lists_rows() {
    let ws = history();
    let dashboard = Dashboard::start(&ws);

    let changes = dashboard.get("/changes?watch=sahel&since=2025-10-01");
    assert_eq!(card_sources(&changes), ["uk-mali", "us-mali", "us-mali"]);
    assert!(!changes.contains("Nepal:"), "{changes}");
    let nepal = dashboard.get("/changes?watch=himalaya&since=2025-10-01");
    assert_eq!(card_sources(&nepal), ["us-nepal"]);

    let board = |path: &str| {
        let page = dashboard.get(path);
        let rows: Vec<String> = regex::Regex::new(r#"<tr class="mover" data-source="([^"]+)""#)
            .expect("re")
            .captures_iter(&page)
            .map(|c| c[1].to_owned())
            .collect();
        (rows, page)
    };
    let (rows, page) = board("/?watch=himalaya&since=2025-10-01");
    assert_eq!(rows, ["us-nepal"], "{page}");
    assert!(
        page.contains("watch=himalaya"),
        "counts link to the same list: {page}"
    );
    let (rows, page) = board("/?watch=sahel&since=2025-10-01");
    assert!(rows.is_empty(), "Mali's level did not move: {page}");
    assert!(
        page.contains("Unrest and health indicators added"),
        "{page}"
    );
    assert!(!page.contains("us-nepal"), "{page}");

    let sources = dashboard.get("/sources?watch=sahel");
    assert!(
        sources.contains("us-mali") && sources.contains("uk-mali") && !sources.contains("us-nepal"),
        "{sources}"
    );
    let every = dashboard.get("/sources");
    assert!(every.contains("us-nepal"));

    for path in [
        "/?watch=andes",
        "/changes?watch=andes",
        "/sources?watch=andes",
    ] {
        let (status, _, body) = dashboard.request("GET", path);
        assert_eq!(status, 400, "{path}: {body}");
        assert!(
            body.contains("himalaya, sahel"),
            "{path} names the lists: {body}"
        );
    }
}

#[test]
fn a_country_written_with_an_ampersand_is_that_country() {
    let ws = Workspace::new(
        "[[sources]]\nname = \"uk-trinidad\"\ncountry = \"Trinidad & Tobago\"\nurl = \"https://example.invalid/tt\"\n\n\
         [watchlists.caribbean]\ncountries = [\"St Pierre & Miquelon\", \"Turks & Caicos Islands\", \"Trinidad and Tobago\"]\n",
    );
    // The watch-list's names are countries: the configuration loads (before, "`St Pierre &
    // Miquelon` is not a country").
    let run = ws.run(&["config-check"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}
