//! The matrix and the region filter on real history: US and UK pages of `../shared/corpus`
//! imported, the State Department's real feed and Canada's real index checked once (so that
//! most countries have three governments and the US two readings), and the UK's Mali source
//! failing (a stale reading). Then `/matrix` against `/api/country` and the country pages, its
//! sorting, its watch-list and region filters, `/matrix.csv` and `/api/matrix`, and the region
//! filter of `report`, `/changes` and `/`. Which country lies where is read here from
//! `src/model/regions.tsv` itself, never from the program's answers.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use common::dashboard::Dashboard;
use common::{FixtureServer, Reply, Workspace};
use serde_json::Value;

fn corpus() -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    assert!(
        path.is_dir(),
        "../shared/corpus is missing at {}",
        path.display()
    );
    path
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The archives imported: (source, country, corpus folder, profile).
const ARCHIVES: [(&str, &str, &str, &str); 14] = [
    ("us-mali", "Mali", "us/mali", "state-dept-legacy-md"),
    ("uk-mali", "Mali", "uk/mali", "fcdo-page-md"),
    ("uk-niger", "Niger", "uk/niger", "fcdo-page-md"),
    (
        "us-nigeria",
        "Nigeria",
        "us/nigeria",
        "state-dept-legacy-md",
    ),
    ("us-egypt", "Egypt", "us/egypt", "state-dept-legacy-md"),
    ("uk-libya", "Libya", "uk/libya", "fcdo-page-md"),
    (
        "us-mozambique",
        "Mozambique",
        "us/mozambique",
        "state-dept-legacy-md",
    ),
    ("uk-tanzania", "Tanzania", "uk/tanzania", "fcdo-page-md"),
    (
        "us-colombia",
        "Colombia",
        "us/colombia",
        "state-dept-legacy-md",
    ),
    (
        "us-cambodia",
        "Cambodia",
        "us/cambodia",
        "state-dept-legacy-md",
    ),
    ("uk-cambodia", "Cambodia", "uk/cambodia", "fcdo-page-md"),
    ("uk-cuba", "Cuba", "uk/cuba", "fcdo-page-md"),
    ("us-haiti", "Haiti", "us/haiti", "state-dept-legacy-md"),
    ("uk-venezuela", "Venezuela", "uk/venezuela", "fcdo-page-md"),
];

/// A government whose name a spreadsheet would take for a formula, reading Mali.
const FORMULA: &str = "=Ministry (of Formulas)";

/// The sahel watch-list's countries, by code.
const SAHEL: [&str; 3] = ["ML", "NE", "BF"];

/// Each code of the region table with the names it lies in (region, sub-region,
/// intermediate region), read from the file itself.
fn region_table() -> HashMap<String, Vec<String>> {
    let text = read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src/model/regions.tsv"));
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            (
                fields[0].to_owned(),
                fields[2..5]
                    .iter()
                    .filter(|f| !f.is_empty())
                    .map(|f| (*f).to_owned())
                    .collect(),
            )
        })
        .collect()
}

fn lies_in(table: &HashMap<String, Vec<String>>, code: &str, region: &str) -> bool {
    table
        .get(code)
        .unwrap_or_else(|| panic!("{code} is not in regions.tsv"))
        .iter()
        .any(|n| n == region)
}

/// The workspace, its fixture server (kept alive for the test) and the dashboard on it.
fn world() -> (Workspace, FixtureServer) {
    let server = FixtureServer::start();
    let feed = {
        let mut reply = Reply::html(read(&corpus().join("us_rss/TAsTWs-2025-10-14.xml")));
        reply.content_type = "application/rss+xml; charset=utf-8".into();
        reply
    };
    server.set("/feed", feed);
    let index = {
        let mut reply = Reply::html(read(&corpus().join("other/ca-index-alpha-eng.json")));
        reply.content_type = "application/json".into();
        reply
    };
    server.set("/ca", index);
    server.set("/uk/mali", Reply::status(500));
    let mut config = String::from(
        "[fetch]\ntimeout = \"5s\"\nconcurrency = 3\nretry_initial = \"50ms\"\nretries = 0\n\n",
    );
    for (name, country, _, profile) in ARCHIVES {
        let url = if name == "uk-mali" {
            server.url("/uk/mali")
        } else {
            format!("http://127.0.0.1:9/{name}")
        };
        config.push_str(&format!(
            "[[sources]]\nname = \"{name}\"\ncountry = \"{country}\"\nurl = \"{url}\"\nprofile = \"{profile}\"\n\n"
        ));
    }
    config.push_str(&format!(
        "[[sources]]\nname = \"formula-mali\"\ncountry = \"Mali\"\nurl = \"http://127.0.0.1:9/formula-mali\"\nprofile = \"state-dept-legacy-md\"\ngovernment = \"{FORMULA}\"\n\n"
    ));
    config.push_str(&format!(
        "[[sources]]\nname = \"us-feed\"\ncountry = \"*\"\nkind = \"rss\"\nprofile = \"state-dept-rss\"\nurl = \"{}\"\n\n",
        server.url("/feed")
    ));
    config.push_str(&format!(
        "[[sources]]\nname = \"ca\"\ncountry = \"*\"\nkind = \"json\"\nprofile = \"canada\"\nurl = \"{}\"\n\n",
        server.url("/ca")
    ));
    config.push_str("[watchlists.sahel]\ncountries = [\"Mali\", \"Niger\", \"Burkina Faso\"]\n");
    let ws = Workspace::new(&config);
    let imports = ARCHIVES
        .iter()
        .map(|(name, _, folder, _)| (*name, *folder))
        .chain([("formula-mali", "us/mali")]);
    for (name, folder) in imports {
        let dir = corpus().join(folder);
        let run = ws.run(&[
            "--quiet",
            "import",
            "--source",
            name,
            dir.to_str().expect("utf-8"),
        ]);
        assert_eq!(run.code, 0, "import {name}: {}", run.stderr);
    }
    let run = ws.run(&["--quiet", "check", "us-feed", "ca", "uk-mali"]);
    assert_eq!(
        run.code, 2,
        "uk-mali fails, the rest read: {}\n{}",
        run.stdout, run.stderr
    );
    (ws, server)
}

/// One government's cell of a row, as its attributes say.
#[derive(Debug)]
struct Cell {
    government: String,
    level: Option<u8>,
    source: Option<String>,
    stale: Option<String>,
    areas_level: Option<u8>,
    withdrawn: bool,
    text: String,
    link: Option<String>,
}

#[derive(Debug)]
struct Row {
    code: String,
    country: String,
    country_link: String,
    cells: Vec<Cell>,
    highest: Option<u8>,
}

fn attr(element: &scraper::ElementRef<'_>, name: &str) -> Option<String> {
    element.value().attr(name).map(str::to_owned)
}

fn selector(text: &str) -> scraper::Selector {
    scraper::Selector::parse(text).expect("selector")
}

/// The rows of a `/matrix` page.
fn rows(html: &str) -> Vec<Row> {
    let document = scraper::Html::parse_document(html);
    document
        .select(&selector("table.matrix tbody tr"))
        .map(|tr| {
            let header = tr
                .select(&selector("th[scope=row] a"))
                .next()
                .expect("a row header with a link");
            Row {
                code: attr(&tr, "data-code").expect("data-code"),
                country: header.text().collect(),
                country_link: attr(&header, "href").expect("href"),
                cells: tr
                    .select(&selector("td[data-government]"))
                    .map(|td| Cell {
                        government: attr(&td, "data-government").expect("government"),
                        level: attr(&td, "data-level").map(|l| l.parse().expect("a level")),
                        source: attr(&td, "data-source"),
                        stale: attr(&td, "data-stale"),
                        areas_level: td
                            .select(&selector(".areas-higher"))
                            .next()
                            .and_then(|a| attr(&a, "data-areas-level"))
                            .map(|l| l.parse().expect("a level")),
                        withdrawn: attr(&td, "data-withdrawn").is_some(),
                        text: td.text().collect(),
                        link: td
                            .select(&selector("a"))
                            .next()
                            .and_then(|a| attr(&a, "href")),
                    })
                    .collect(),
                highest: tr
                    .select(&selector("td[data-highest]"))
                    .next()
                    .and_then(|td| attr(&td, "data-highest"))
                    .map(|l| l.parse().expect("a level")),
            }
        })
        .collect()
}

fn codes(rows: &[Row]) -> Vec<String> {
    rows.iter().map(|r| r.code.clone()).collect()
}

fn cell<'a>(row: &'a Row, government: &str) -> &'a Cell {
    row.cells
        .iter()
        .find(|c| c.government == government)
        .unwrap_or_else(|| panic!("{} has no {government} column", row.code))
}

/// The `aria-sort` of each column header that has one, by its text.
fn sorted_headers(html: &str) -> Vec<(String, String)> {
    let document = scraper::Html::parse_document(html);
    document
        .select(&selector("table.matrix thead th[aria-sort]"))
        .map(|th| {
            (
                th.select(&selector("a"))
                    .next()
                    .map(|a| a.text().collect())
                    .unwrap_or_default(),
                attr(&th, "aria-sort").expect("aria-sort"),
            )
        })
        .collect()
}

fn percent(text: &str) -> String {
    text.replace(' ', "%20")
}

#[test]
fn each_cell_is_the_reading_the_country_page_shows_with_its_stale_and_areas_marks() {
    let (ws, _server) = world();
    let dashboard = Dashboard::start(&ws);
    let html = dashboard.get("/matrix");
    assert!(
        html.contains("<a href=\"/matrix\">Matrix</a>"),
        "in the navigation"
    );
    assert!(html.contains("<caption>"), "the table has a caption");
    let all = rows(&html);
    assert!(
        all.len() > 150,
        "Canada's index alone names most countries: {}",
        all.len()
    );
    let governments: BTreeSet<&str> = all[0].cells.iter().map(|c| c.government.as_str()).collect();
    for id in ["us", "uk", "ca", "ministry"] {
        assert!(
            governments.contains(id),
            "{id} is a column: {governments:?}"
        );
    }
    let document = scraper::Html::parse_document(&html);
    assert_eq!(
        document.select(&selector("th[scope=row]")).count(),
        all.len(),
        "one row header per row"
    );
    assert_eq!(
        document.select(&selector("thead th[scope=col]")).count(),
        governments.len() + 3,
        "country, each government, highest, spread"
    );
    for td in document.select(&selector("tbody td")) {
        assert!(
            attr(&td, "data-label").is_some_and(|l| !l.is_empty()),
            "every cell names its column for a stacked layout"
        );
    }
    let by_code: BTreeMap<&str, &Row> = all.iter().map(|r| (r.code.as_str(), r)).collect();

    // The countries of the archives, and every tenth other row, against the country's JSON.
    let mut checked: Vec<&Row> = [
        "ML", "NE", "NG", "EG", "LY", "MZ", "TZ", "CO", "KH", "CU", "HT", "VE",
    ]
    .iter()
    .map(|code| {
        *by_code
            .get(code)
            .unwrap_or_else(|| panic!("{code} is a row"))
    })
    .collect();
    checked.extend(all.iter().step_by(10));
    let mut stale_seen = 0;
    let mut areas_seen = 0;
    for row in checked {
        let country = dashboard.json(&format!("/api/country/{}", row.code));
        assert_eq!(country["code"], row.code.as_str());
        assert_eq!(country["country"], row.country.as_str());
        let expected: BTreeMap<String, &Value> = country["governments"]
            .as_array()
            .expect("governments")
            .iter()
            .map(|g| (g["government"]["id"].as_str().expect("id").to_owned(), g))
            .collect();
        for c in &row.cells {
            let Some(reading) = expected.get(&c.government) else {
                assert!(
                    c.level.is_none() && c.source.is_none() && c.text.contains("no reading"),
                    "{} {}: no reading on the country page, none here: {c:?}",
                    row.code,
                    c.government
                );
                assert!(c.text.contains('–'));
                continue;
            };
            let what = format!("{} {}", row.code, c.government);
            assert_eq!(c.source.as_deref(), reading["source"].as_str(), "{what}");
            let withdrawn = reading["withdrawn"].as_bool().expect("withdrawn");
            assert_eq!(c.withdrawn, withdrawn, "{what}");
            let level = reading["level"].as_u64().map(|l| l as u8);
            assert_eq!(c.level, level.filter(|_| !withdrawn), "{what}");
            assert_eq!(c.stale.as_deref(), reading["stale"].as_str(), "{what}");
            stale_seen += usize::from(c.stale.is_some());
            let higher = reading["areas"]
                .as_array()
                .expect("areas")
                .iter()
                .filter_map(|a| a["level"].as_u64().map(|l| l as u8))
                .filter(|l| level.is_some_and(|level| *l > level) && !withdrawn)
                .max();
            assert_eq!(c.areas_level, higher, "{what}: areas rated higher");
            areas_seen += usize::from(higher.is_some());
            let source = reading["source"].as_str().expect("source");
            assert_eq!(
                c.link.as_deref(),
                Some(format!("/source?name={}", source.replace('/', "%2F")).as_str()),
                "{what}: the cell links to its source's page"
            );
        }
        let shown: Vec<u8> = row.cells.iter().filter_map(|c| c.level).collect();
        assert_eq!(row.highest, shown.iter().copied().max(), "{}", row.code);
    }
    assert!(stale_seen > 0, "the failing uk-mali is stale");
    assert!(
        areas_seen > 0,
        "some government rates areas higher somewhere"
    );

    // Mali: the UK's reading is stale, as its card on the country page says.
    let mali = by_code["ML"];
    assert_eq!(cell(mali, "uk").stale.as_deref(), Some("failing"));
    assert!(cell(mali, "uk").text.contains("stale"));
    let page = dashboard.get(&mali.country_link);
    let card = scraper::Html::parse_document(&page)
        .select(&selector("section.government[data-government=uk]"))
        .next()
        .map(|s| s.html())
        .expect("the UK's card");
    assert!(card.contains("Stale:"), "{card}");
    assert_eq!(mali.country_link, "/country/Mali");
    // A cell's link opens its source's page.
    let link = cell(mali, "us").link.clone().expect("a link");
    assert!(
        dashboard
            .get(&link)
            .contains(cell(mali, "us").source.as_deref().expect("source")),
        "{link}"
    );
    // The areas mark names the highest area level.
    let marked = scraper::Html::parse_document(&html)
        .select(&selector(".areas-higher[data-areas-level]"))
        .next()
        .map(|a| {
            (
                attr(&a, "data-areas-level").expect("level"),
                attr(&a, "title").expect("title"),
                a.text().collect::<String>(),
            )
        })
        .expect("an areas mark");
    assert!(
        marked.1.contains(&format!("level {}", marked.0)) && marked.2.contains("▲ areas"),
        "{marked:?}"
    );
}

#[test]
fn rows_sort_by_header_links_and_keep_to_a_watch_list_or_a_region_also_in_csv_and_json() {
    let (ws, _server) = world();
    let dashboard = Dashboard::start(&ws);
    let table = region_table();
    let all = rows(&dashboard.get("/matrix"));
    assert_eq!(
        sorted_headers(&dashboard.get("/matrix")),
        [("Country".to_owned(), "ascending".to_owned())]
    );
    let names: Vec<String> = all.iter().map(|r| r.country.to_lowercase()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names.len(), sorted.len());

    // By a government: its highest levels first, then the rows it does not read.
    let html = dashboard.get("/matrix?sort=uk");
    assert!(
        html.contains("href=\"/matrix?sort=uk\""),
        "the header is a link"
    );
    assert_eq!(
        sorted_headers(&html),
        [("United Kingdom".to_owned(), "descending".to_owned())]
    );
    let by_uk = rows(&html);
    assert_eq!(by_uk.len(), all.len());
    let levels: Vec<Option<u8>> = by_uk.iter().map(|r| cell(r, "uk").level).collect();
    let read = levels.iter().take_while(|l| l.is_some()).count();
    let uk_archives = ARCHIVES.iter().filter(|a| a.0.starts_with("uk-")).count();
    assert_eq!(
        read, uk_archives,
        "the UK reads the archives' countries: {levels:?}"
    );
    assert!(levels[read..].iter().all(Option::is_none), "{levels:?}");
    assert!(
        levels.windows(2).all(|w| w[0] >= w[1]),
        "highest first: {levels:?}"
    );
    assert_eq!(levels[0], Some(4), "Mali and Niger are at 4 for the UK");
    let highest: Vec<Option<u8>> = rows(&dashboard.get("/matrix?sort=highest"))
        .iter()
        .map(|r| r.highest)
        .collect();
    assert!(highest.windows(2).all(|w| w[0] >= w[1]), "{highest:?}");
    let (status, _, body) = dashboard.request("GET", "/matrix?sort=nonsense");
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("country, highest, spread"), "{body}");

    // A watch-list.
    let watched = rows(&dashboard.get("/matrix?watch=sahel"));
    assert_eq!(
        codes(&watched).into_iter().collect::<BTreeSet<_>>(),
        SAHEL
            .iter()
            .map(|c| (*c).to_owned())
            .collect::<BTreeSet<_>>()
    );
    assert_eq!(dashboard.request("GET", "/matrix?watch=nowhere").0, 400);

    // A region, and a sub-region in any case, and with a watch-list and a sort.
    for region in [
        "Africa",
        "western africa",
        "Latin America and the Caribbean",
    ] {
        let html = dashboard.get(&format!("/matrix?region={}", percent(region)));
        let kept = rows(&html);
        let canonical = table
            .values()
            .flatten()
            .find(|n| n.eq_ignore_ascii_case(region))
            .expect("a name of the table")
            .clone();
        let expected: Vec<String> = codes(&all)
            .into_iter()
            .filter(|c| lies_in(&table, c, &canonical))
            .collect();
        assert_eq!(codes(&kept), expected, "{region}");
        assert!(!expected.is_empty());
        let document = scraper::Html::parse_document(&html);
        let option = document
            .select(&selector("label select[name=region] option[selected]"))
            .next()
            .map(|o| attr(&o, "value").expect("value"))
            .expect("the region is selected in the labelled menu");
        assert_eq!(option, canonical);
    }
    let africa = rows(&dashboard.get("/matrix?region=Africa"));
    assert!(
        codes(&africa).contains(&"ML".to_owned()),
        "Mali is in Africa"
    );
    assert!(!codes(&africa).contains(&"KH".to_owned()));
    let both = rows(&dashboard.get("/matrix?region=Africa&watch=sahel&sort=ca"));
    assert_eq!(
        codes(&both).into_iter().collect::<BTreeSet<_>>(),
        SAHEL
            .iter()
            .map(|c| (*c).to_owned())
            .collect::<BTreeSet<_>>()
    );
    let (status, _, body) = dashboard.request("GET", "/matrix?region=Nowhere");
    assert_eq!(status, 400);
    for name in [
        "Africa",
        "Western Africa",
        "Latin America and the Caribbean",
    ] {
        assert!(body.contains(name), "the 400 lists {name}: {body}");
    }

    // The CSV: the same rows in the same order, a header of government names, levels as the
    // page shows them, and a cell a spreadsheet would take for a formula guarded.
    let csv_text = dashboard.get("/matrix.csv?region=Africa");
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("a header")
        .iter()
        .map(str::to_owned)
        .collect();
    let us_name = dashboard.json("/api/country/Mali")["governments"]
        .as_array()
        .expect("governments")
        .iter()
        .find(|g| g["government"]["id"] == "us")
        .map(|g| g["government"]["name"].as_str().expect("name").to_owned())
        .expect("the US reads Mali");
    assert!(header.contains(&us_name), "{header:?}");
    assert!(
        header.contains(&format!("'{FORMULA}")),
        "formula-safe: {header:?}"
    );
    assert!(!header.iter().any(|h| h.starts_with('=')), "{header:?}");
    let code_at = header.iter().position(|h| h == "code").expect("code");
    let us_at = header.iter().position(|h| *h == us_name).expect("us");
    let records: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a row")).collect();
    assert_eq!(
        records
            .iter()
            .map(|r| r[code_at].to_owned())
            .collect::<Vec<_>>(),
        codes(&africa)
    );
    for (record, row) in records.iter().zip(&africa) {
        let shown = cell(row, "us").level.map(|l| l.to_string());
        assert_eq!(
            (!record[us_at].is_empty() && &record[us_at] != "withdrawn")
                .then(|| record[us_at].to_owned()),
            shown,
            "{}",
            row.code
        );
    }

    // The JSON twin: the same rows, and the filter that applied.
    let json = dashboard.json("/api/matrix?region=africa&sort=uk");
    assert_eq!(json["region"], "Africa");
    assert_eq!(json["sort"], "uk");
    let json_codes: Vec<String> = json["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["code"].as_str().expect("code").to_owned())
        .collect();
    assert_eq!(
        json_codes,
        codes(&rows(&dashboard.get("/matrix?region=Africa&sort=uk")))
    );
    assert_eq!(
        dashboard.request("GET", "/api/matrix?region=Nowhere").0,
        400
    );
}

/// The ISO codes of a report's CSV rows (a source about several countries lists each).
fn csv_codes(text: &str) -> Vec<(String, String)> {
    common::csv_rows(text)
        .into_iter()
        .map(|row| (row["source"].clone(), row["country_code"].clone()))
        .collect()
}

#[test]
fn the_region_filter_keeps_reports_the_timeline_and_the_movers_to_its_countries() {
    let (ws, _server) = world();
    let table = region_table();

    // report --region, in JSON, CSV and text; with --watch; an unknown one fails.
    let run = ws.run(&[
        "report",
        "--since",
        "2020-01-01",
        "--region",
        "Western Africa",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json: Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(json["region"], "Western Africa");
    let sources: BTreeSet<String> = json["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| c["source"].as_str().expect("source").to_owned())
        .collect();
    for known in ["uk-mali", "uk-niger", "us-nigeria"] {
        assert!(
            sources.contains(known),
            "{known} is West African: {sources:?}"
        );
    }
    for elsewhere in ["uk-libya", "us-egypt", "us-cambodia", "uk-cuba"] {
        assert!(!sources.contains(elsewhere), "{elsewhere}: {sources:?}");
    }
    let run = ws.run(&[
        "report",
        "--since",
        "2020-01-01",
        "--region",
        "Western Africa",
        "--format",
        "csv",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let rows = csv_codes(&run.stdout);
    assert_eq!(
        rows.iter().map(|(s, _)| s.clone()).collect::<BTreeSet<_>>(),
        sources,
        "the same changes in CSV"
    );
    for (source, code) in &rows {
        assert!(
            code.split(';')
                .all(|c| lies_in(&table, c, "Western Africa")),
            "{source}: {code}"
        );
    }
    let all_codes = csv_codes(
        &ws.run(&["report", "--since", "2020-01-01", "--format", "csv"])
            .stdout,
    );
    let expected: BTreeSet<String> = all_codes
        .iter()
        .filter(|(_, code)| {
            code.split(';')
                .any(|c| lies_in(&table, c, "Western Africa"))
        })
        .map(|(s, _)| s.clone())
        .collect();
    assert_eq!(sources, expected, "every West African change, and no other");
    let text = ws.run(&[
        "report",
        "--since",
        "2020-01-01",
        "--region",
        "western africa",
    ]);
    assert_eq!(text.code, 0, "{}", text.stderr);
    assert!(text.stdout.contains("uk-mali") && !text.stdout.contains("uk-libya"));
    let watched = ws.run(&[
        "report",
        "--since",
        "2020-01-01",
        "--region",
        "Africa",
        "--watch",
        "sahel",
        "--format",
        "csv",
    ]);
    assert_eq!(watched.code, 0, "{}", watched.stderr);
    let watched = csv_codes(&watched.stdout);
    assert!(!watched.is_empty());
    assert!(
        watched.iter().all(|(_, c)| SAHEL.contains(&c.as_str())),
        "{watched:?}"
    );
    // Every format says which countries it kept: a reader of the text, Markdown, HTML or the
    // brief sees the region and the watch-list in its title, the JSON names both.
    let scoped = |format: &str, extra: &[&str]| {
        let mut args = vec![
            "report",
            "--since",
            "2020-01-01",
            "--region",
            "Africa",
            "--watch",
            "sahel",
            "--format",
            format,
        ];
        args.extend_from_slice(extra);
        let run = ws.run(&args);
        assert_eq!(run.code, 0, "{format} {extra:?}: {}", run.stderr);
        run.stdout
    };
    for (format, extra, title) in [
        (
            "text",
            &[][..],
            "Travel advisory changes in Africa on the sahel watch-list since 2020-01-01",
        ),
        (
            "markdown",
            &[][..],
            "## Travel advisory changes in Africa on the sahel watch-list since 2020-01-01",
        ),
        (
            "markdown",
            &["--full"][..],
            "## Travel advisory changes in Africa on the sahel watch-list since 2020-01-01",
        ),
        (
            "html",
            &[][..],
            "<h1>Travel advisory changes in Africa on the sahel watch-list since 2020-01-01",
        ),
        (
            "text",
            &["--brief"][..],
            "Travel advisory brief in Africa on the sahel watch-list since 2020-01-01",
        ),
        (
            "markdown",
            &["--brief"][..],
            "**Travel advisory brief in Africa on the sahel watch-list since 2020-01-01",
        ),
        (
            "html",
            &["--brief"][..],
            "<h1>Travel advisory brief in Africa on the sahel watch-list since 2020-01-01",
        ),
    ] {
        let out = scoped(format, extra);
        assert!(
            out.contains(title),
            "{format} {extra:?}: {title:?} in\n{out}"
        );
    }
    let json: Value = serde_json::from_str(&scoped("json", &[])).expect("json");
    assert_eq!(
        (&json["region"], &json["watch"]),
        (&"Africa".into(), &"sahel".into())
    );
    let unscoped = ws.run(&["report", "--since", "2020-01-01", "--format", "json"]);
    let unscoped: Value = serde_json::from_str(&unscoped.stdout).expect("json");
    assert!(unscoped["region"].is_null() && unscoped["watch"].is_null());
    let empty = ws.run(&["report", "--since", "2099-01-01", "--region", "Polynesia"]);
    assert!(
        empty
            .stdout
            .starts_with("No advisory changed in Polynesia since 2099-01-01"),
        "{}",
        empty.stdout
    );

    let nowhere = ws.run(&["report", "--region", "Nowhere", "--format", "json"]);
    assert_ne!(nowhere.code, 0);
    assert!(nowhere.stdout.is_empty(), "{}", nowhere.stdout);
    for name in [
        "no region is called `Nowhere`",
        "Africa",
        "Western Africa",
        "Latin America and the Caribbean",
        "Polynesia",
    ] {
        assert!(nowhere.stderr.contains(name), "{name}: {}", nowhere.stderr);
    }
    let help = ws.run(&["report", "--help"]);
    assert!(help.stdout.contains("--region <REGION>"), "{}", help.stdout);

    // /changes, its CSV and its JSON.
    let dashboard = Dashboard::start(&ws);
    let period = "since=2020-01-01";
    let api = dashboard.json(&format!("/api/changes?region=Africa&{period}"));
    assert_eq!(api["region"], "Africa");
    let api_sources: BTreeSet<String> = api["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| c["source"].as_str().expect("source").to_owned())
        .collect();
    let everywhere = csv_codes(&dashboard.get(&format!("/changes.csv?{period}")));
    let african: BTreeSet<String> = everywhere
        .iter()
        .filter(|(_, code)| code.split(';').any(|c| lies_in(&table, c, "Africa")))
        .map(|(s, _)| s.clone())
        .collect();
    assert_eq!(api_sources, african);
    assert!(african.contains("uk-mali") && african.contains("us-egypt"));
    let csv_rows = csv_codes(&dashboard.get(&format!("/changes.csv?region=Africa&{period}")));
    assert!(
        csv_rows
            .iter()
            .all(|(_, code)| code.split(';').all(|c| lies_in(&table, c, "Africa"))),
        "{csv_rows:?}"
    );
    let page = dashboard.get(&format!("/changes?region=Africa&{period}"));
    let document = scraper::Html::parse_document(&page);
    let cards: BTreeSet<String> = document
        .select(&selector(".card[data-source]"))
        .map(|c| attr(&c, "data-source").expect("source"))
        .collect();
    assert_eq!(cards, african, "the page shows the same changes");
    assert!(
        document
            .select(&selector(
                "label select[name=region] option[selected][value=Africa]"
            ))
            .next()
            .is_some(),
        "the menu keeps the region"
    );
    assert_eq!(dashboard.request("GET", "/changes?region=Nowhere").0, 400);
    assert_eq!(
        dashboard.request("GET", "/api/changes?region=Nowhere").0,
        400
    );

    // The movers board: the rows of African countries, and its counters keep the region.
    let movers = dashboard.json(&format!("/api/movers?{period}"));
    let mut code_of: HashMap<String, String> = HashMap::new();
    let mut expected: BTreeSet<String> = BTreeSet::new();
    for row in movers["rows"].as_array().expect("rows") {
        let country = row["country"].as_str().expect("country").to_owned();
        let code = code_of
            .entry(country.clone())
            .or_insert_with(|| {
                dashboard.json(&format!("/api/country/{}", percent(&country)))["code"]
                    .as_str()
                    .expect("code")
                    .to_owned()
            })
            .clone();
        if lies_in(&table, &code, "Africa") {
            expected.insert(row["source"].as_str().expect("source").to_owned());
        }
    }
    assert!(expected.contains("uk-mali"), "{expected:?}");
    let kept = dashboard.json(&format!("/api/movers?region=Africa&{period}"));
    assert_eq!(kept["region"], "Africa");
    let kept: BTreeSet<String> = kept["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["source"].as_str().expect("source").to_owned())
        .collect();
    assert_eq!(kept, expected);
    let board = dashboard.get(&format!("/?region=Africa&{period}"));
    let document = scraper::Html::parse_document(&board);
    let shown: BTreeSet<String> = document
        .select(&selector("tr.mover[data-source]"))
        .map(|r| attr(&r, "data-source").expect("source"))
        .collect();
    assert_eq!(shown, expected);
    assert!(
        board.contains("region=Africa"),
        "the counters' links keep the region"
    );
    assert!(
        document
            .select(&selector("label select[name=region]"))
            .next()
            .is_some()
    );
    assert_eq!(dashboard.request("GET", "/?region=Nowhere").0, 400);
}
