//! The world map on `/` and the level chart on `/country/{name}`, on real history: the US and
//! UK folders of `../shared/corpus` imported, the three real copies of the State Department's
//! feed, Canada's index and Nepal's pages checked, and the real samples of Germany, Hong Kong
//! and Finland, through the real binary against a loopback server. Each coloured country's
//! level is the one `/api/country/{name}` gives; the SVG is well-formed and runs nothing; in a
//! real headless Chromium (through `tests/browser/audit.mjs`) at 390, 820 and 1280 px the map
//! has its countries and fits, every line of Nepal's chart shows, and no text is smaller than
//! 11 px.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

use common::dashboard::Dashboard;
use common::{FixtureServer, Reply, Workspace, fixture};
use serde_json::{Value, json};

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn typed(body: String, content_type: &str) -> Reply {
    let mut reply = Reply::html(body);
    reply.content_type = content_type.into();
    reply
}

const FETCH: &str =
    "[fetch]\ntimeout = \"5s\"\nconcurrency = 4\nretry_initial = \"50ms\"\nretries = 0\n\n";

/// The live sources: (name, country, kind, profile, path on the fixture server). Nepal has
/// nine readings of seven governments first seen today, beside two archives of its history.
const LIVE: [(&str, &str, &str, &str, &str); 9] = [
    ("us-feed", "*", "rss", "state-dept-rss", "/feed"),
    ("us-nepal", "Nepal", "page", "state-dept", "/us/nepal"),
    ("uk-nepal", "Nepal", "json", "fcdo", "/uk/nepal"),
    ("ca", "*", "json", "canada", "/ca"),
    ("de", "*", "json", "auswaertiges-amt", "/de"),
    (
        "de-nepal",
        "Nepal",
        "json",
        "auswaertiges-amt-country",
        "/de/nepal",
    ),
    ("hk", "*", "json", "hong-kong-ota", "/hk"),
    ("fi-nepal", "Nepal", "page", "finland-um", "/fi/nepal"),
    ("fi-extra", "Nepal", "page", "finland-um", "/fi/extra"),
];

/// The US and UK archive folders (see `common::corpus_archives`), and Nepal's history, so that
/// the readings first seen today stand beside a year of lines.
fn archives() -> Vec<(String, String, PathBuf, &'static str)> {
    let corpus = common::corpus();
    let mut out = common::corpus_archives();
    for (name, folder, profile) in [
        ("us-archive-nepal", "us_more/nepal", "state-dept-legacy-md"),
        ("uk-archive-nepal", "uk_more/nepal", "fcdo-page-md"),
    ] {
        out.push((
            name.to_owned(),
            "Nepal".to_owned(),
            corpus.join(folder),
            profile,
        ));
    }
    out
}

fn serve_samples(server: &FixtureServer) {
    let corpus = common::corpus();
    let feeds: Vec<Reply> = [
        "TAsTWs-2025-10-07.xml",
        "TAsTWs-2025-10-08.xml",
        "TAsTWs-2025-10-14.xml",
    ]
    .iter()
    .map(|f| {
        typed(
            read(&corpus.join("us_rss").join(f)),
            "application/rss+xml; charset=utf-8",
        )
    })
    .collect();
    server.set_sequence("/feed", feeds);
    let json = |path: &Path| typed(read(path), "application/json");
    server.set(
        "/us/nepal",
        Reply::html(read(&corpus.join("other/us-tsg-2026layout-nepal.html"))),
    );
    server.set(
        "/uk/nepal",
        json(&corpus.join("other/uk-content-api-nepal.json")),
    );
    server.set("/ca", json(&corpus.join("other/ca-index-alpha-eng.json")));
    let official = |name: &str| typed(fixture(&format!("official/{name}")), "application/json");
    server.set("/de", official("germany/de-travelwarning-index.json"));
    server.set(
        "/de/nepal",
        official("germany/de-travelwarning-221216-nepal.json"),
    );
    server.set("/hk", official("hong_kong/hk-ota-index.json"));
    let finland = fixture("official/finland/fi-um-matkustustiedote-NP.html");
    server.set("/fi/nepal", Reply::html(finland.clone()));
    server.set("/fi/extra", Reply::html(finland));
}

/// The archives imported, then three checks of the live sources (one per copy of the feed).
fn world() -> (Workspace, FixtureServer) {
    let server = FixtureServer::start();
    serve_samples(&server);
    let mut config = FETCH.to_owned();
    for (name, country, _, profile) in archives() {
        config.push_str(&format!(
            "[[sources]]\nname = \"{name}\"\ncountry = \"{country}\"\nurl = \"http://127.0.0.1:9/{name}\"\nprofile = \"{profile}\"\n\n"
        ));
    }
    for (name, country, kind, profile, path) in LIVE {
        config.push_str(&format!(
            "[[sources]]\nname = \"{name}\"\ncountry = \"{country}\"\nkind = \"{kind}\"\nprofile = \"{profile}\"\nurl = \"{}\"\n\n",
            server.url(path)
        ));
    }
    let ws = Workspace::new(&config);
    for (name, _, folder, _) in archives() {
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
    }
    let mut check = vec!["--quiet", "check"];
    check.extend(LIVE.iter().map(|s| s.0));
    for round in 0..3 {
        let run = ws.run(&check);
        assert_eq!(run.code, 0, "check {round}: {}\n{}", run.stdout, run.stderr);
    }
    (ws, server)
}

const PERIOD: &str = "since=2025-01-01&until=2026-12-31";

/// The first `<svg class="{class}` of a page, whole.
fn svg<'a>(page: &'a str, class: &str) -> &'a str {
    let start = page
        .find(&format!("<svg class=\"{class}"))
        .unwrap_or_else(|| panic!("no svg.{class}"));
    let end = page[start..].find("</svg>").expect("closed") + start + "</svg>".len();
    &page[start..end]
}

/// Parses an SVG as XML, and asserts that nothing in it could run.
fn safe(svg: &str) -> roxmltree::Document<'_> {
    let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("not XML ({e})"));
    for node in doc.descendants().filter(|n| n.is_element()) {
        let tag = node.tag_name().name().to_lowercase();
        assert!(tag != "script" && tag != "foreignobject", "<{tag}>");
        for a in node.attributes() {
            assert!(!a.name().to_lowercase().starts_with("on"), "{}", a.name());
            assert!(
                !a.value().to_lowercase().contains("javascript:"),
                "{}",
                a.value()
            );
        }
    }
    doc
}

/// A country on the map: code, level and spread (if coloured) and its link.
#[derive(Debug)]
struct Drawn {
    code: String,
    level: Option<u8>,
    spread: Option<u8>,
    href: Option<String>,
    class: String,
    title: String,
    paths: usize,
    dots: usize,
}

fn drawn(svg: &str) -> Vec<Drawn> {
    let doc = safe(svg);
    let number = |n: roxmltree::Node<'_, '_>, name: &str| {
        n.attribute(name)
            .map(|v| v.parse::<u8>().expect("a number"))
    };
    doc.descendants()
        .filter(|n| n.attribute("data-code").is_some())
        .map(|n| Drawn {
            code: n.attribute("data-code").expect("code").to_owned(),
            level: number(n, "data-level"),
            spread: number(n, "data-spread"),
            href: n.attribute("href").map(str::to_owned),
            class: n.attribute("class").unwrap_or_default().to_owned(),
            title: n
                .children()
                .find(|c| c.has_tag_name("title"))
                .and_then(|t| t.text())
                .unwrap_or_default()
                .to_owned(),
            paths: n.children().filter(|c| c.has_tag_name("path")).count(),
            dots: n.children().filter(|c| c.has_tag_name("circle")).count(),
        })
        .collect()
}

/// A path segment: unreserved bytes as they are, the rest percent-encoded.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// `/api/country/{name}` for the country a map links to, asked once each.
struct Api<'a> {
    dashboard: &'a Dashboard,
    answers: HashMap<String, Value>,
}

impl Api<'_> {
    fn of(&mut self, href: &str) -> &Value {
        let path = href.replacen("/country/", "/api/country/", 1);
        self.answers
            .entry(path.clone())
            .or_insert_with(|| self.dashboard.json(&path))
    }
}

/// The fresh levels of each government in an API answer: (government id, level), stale and
/// withdrawn readings left out.
fn fresh(api: &Value) -> Vec<(String, u8)> {
    api["governments"]
        .as_array()
        .expect("governments")
        .iter()
        .filter(|g| g["stale"].is_null() && g["withdrawn"] == false)
        .filter_map(|g| {
            Some((
                g["government"]["id"].as_str()?.to_owned(),
                u8::try_from(g["level"].as_u64()?).ok()?,
            ))
        })
        .collect()
}

#[test]
fn each_country_is_coloured_by_the_reading_its_page_gives_and_the_svg_runs_nothing() {
    let (ws, _server) = world();
    let dashboard = Dashboard::start(&ws);
    let mut api = Api {
        dashboard: &dashboard,
        answers: HashMap::new(),
    };

    // Highest of all, the default.
    let board = dashboard.get(&format!("/?{PERIOD}"));
    let countries = drawn(svg(&board, "map"));
    assert_eq!(
        countries.len(),
        237,
        "every country of countries.tsv but AQ"
    );
    let outlines = countries.iter().filter(|c| c.paths > 0).count();
    assert!(outlines >= 150, "{outlines} outlines");
    assert!(
        countries
            .iter()
            .all(|c| c.paths + c.dots > 0 && !c.title.is_empty()),
        "each is drawn and titled"
    );
    let coloured: Vec<&Drawn> = countries.iter().filter(|c| c.level.is_some()).collect();
    assert!(coloured.len() >= 200, "{} coloured", coloured.len());
    for c in &countries {
        let Some(href) = &c.href else {
            assert!(c.level.is_none() && c.class.starts_with("none"), "{c:?}");
            assert!(c.title.ends_with(": no reading"), "{c:?}");
            continue;
        };
        let answer = api.of(href);
        assert_eq!(answer["code"], c.code.as_str(), "{href}");
        let highest = fresh(answer).iter().map(|(_, l)| *l).max();
        assert_eq!(c.level, highest, "{}: {}", c.code, c.title);
        if let Some(level) = highest {
            assert!(c.class.starts_with(&format!("l{level}")), "{c:?}");
        }
    }
    let mali = countries.iter().find(|c| c.code == "ML").expect("Mali");
    assert!(
        mali.title.starts_with("Mali: Level 4 (")
            && mali.title.contains("(United States)")
            && mali.title.contains("(United Kingdom)"),
        "{}",
        mali.title
    );
    for code in ["MC", "SG", "LU"] {
        let c = countries.iter().find(|c| c.code == code).expect(code);
        assert!(c.dots == 1, "{code} is a dot: {c:?}");
    }

    // Outlined: the countries whose level moved in the period, as the movers' API says.
    let movers = dashboard.json(&format!("/api/movers?{PERIOD}"));
    let mut moved: Vec<String> = Vec::new();
    for row in movers["rows"].as_array().expect("rows") {
        let level_move = row["moves"]
            .as_array()
            .expect("moves")
            .iter()
            .any(|m| m["from"].is_u64() && m["to"].is_u64() && m["from"] != m["to"]);
        if level_move {
            let name = row["country"].as_str().expect("country");
            let (status, _, body) =
                dashboard.request("GET", &format!("/api/country/{}", encode(name)));
            if status == 200 {
                let answer: Value = serde_json::from_str(&body).expect("json");
                moved.push(answer["code"].as_str().expect("code").to_owned());
            }
        }
    }
    moved.sort();
    moved.dedup();
    let mut outlined: Vec<String> = countries
        .iter()
        .filter(|c| c.class.ends_with(" moved"))
        .map(|c| c.code.clone())
        .collect();
    outlined.sort();
    assert!(!moved.is_empty());
    assert_eq!(outlined, moved);
    assert!(board.contains("Outlined: moved in this period <b>"));

    // The legend counts what the map colours, in HTML.
    let legend_count = |page: &str, shade: &str| -> usize {
        let start = page
            .find(&format!("<li data-shade=\"{shade}\">"))
            .unwrap_or_else(|| panic!("no legend row {shade}"));
        let rest = &page[start..];
        let b = rest.find("<b>").expect("count") + 3;
        rest[b..rest.find("</b>").expect("end")].parse().expect("n")
    };
    for level in 1..=4u8 {
        assert_eq!(
            legend_count(&board, &format!("l{level}")),
            coloured.iter().filter(|c| c.level == Some(level)).count()
        );
    }

    // The choices: links that keep the period, the current one marked.
    assert!(
        board.contains(
            "<a href=\"/?since=2025-01-01&amp;until=2026-12-31&amp;map=highest\" aria-current=\"true\">Highest of all</a>"
        ),
        "{}",
        &board[board.find("<nav class=\"map-choice\"").expect("nav")..][..800]
    );

    // One government: each coloured country at that government's current level.
    for government in ["us", "uk", "ca", "de"] {
        let page = dashboard.get(&format!("/?{PERIOD}&map={government}"));
        assert!(page.contains(&format!(
            "<a href=\"/?since=2025-01-01&amp;until=2026-12-31&amp;map={government}\" aria-current=\"true\">"
        )));
        assert!(page.contains(&format!(
            "<input type=\"hidden\" name=\"map\" value=\"{government}\">"
        )));
        let countries = drawn(svg(&page, "map"));
        let mut seen = 0;
        for c in &countries {
            let Some(href) = &c.href else { continue };
            let answer = api.of(href);
            let level = answer["governments"]
                .as_array()
                .expect("governments")
                .iter()
                .find(|g| g["government"]["id"] == government && g["withdrawn"] == false)
                .and_then(|g| g["level"].as_u64())
                .map(|l| l as u8);
            assert_eq!(c.level, level, "{government} on {}: {}", c.code, c.title);
            seen += usize::from(level.is_some());
        }
        assert!(seen >= 10, "{government}: {seen} countries");
    }

    // Where governments differ: the spread of the fresh levels.
    let page = dashboard.get(&format!("/?{PERIOD}&map=differ"));
    let mut differing = 0;
    for c in drawn(svg(&page, "map")) {
        let Some(href) = &c.href else { continue };
        let levels: Vec<u8> = fresh(api.of(href)).iter().map(|(_, l)| *l).collect();
        let spread = match (levels.iter().max(), levels.iter().min()) {
            (Some(high), Some(low)) if high > low => Some(high - low),
            _ => None,
        };
        assert_eq!(c.spread, spread, "{}: {}", c.code, c.title);
        if spread.is_some() {
            differing += 1;
            assert!(c.title.contains("governments differ by"), "{}", c.title);
        }
    }
    assert!(
        differing >= 10,
        "{differing} countries where governments differ"
    );

    let (status, _, body) = dashboard.request("GET", "/?map=nowhere");
    assert_eq!(status, 400);
    assert!(
        body.contains("use highest, differ or a government"),
        "{body}"
    );

    // Nepal's chart: eleven readings, every one drawn (a dot when first seen today), a legend
    // of government names, the points as a table.
    let nepal = dashboard.get("/country/Nepal");
    for class in ["chart wide", "chart narrow"] {
        let doc = safe(svg(&nepal, class));
        let root = doc.root_element();
        assert_eq!(root.attribute("role"), Some("img"));
        let label = root.attribute("aria-labelledby").expect("labelled");
        assert!(
            doc.descendants()
                .any(|n| n.has_tag_name("title") && n.attribute("id") == Some(label))
        );
        let series: Vec<_> = doc
            .descendants()
            .filter(|n| n.attribute("class") == Some("series"))
            .collect();
        let sources: Vec<_> = series
            .iter()
            .map(|s| (s.attribute("data-source"), s.attribute("data-readings")))
            .collect();
        assert_eq!(series.len(), 11, "{class}: {sources:?}");
        for s in &series {
            assert!(
                s.children()
                    .any(|n| n.has_tag_name("path") || n.has_tag_name("circle")),
                "{class}: {:?} draws nothing",
                s.attribute("data-source")
            );
        }
        let dots = series
            .iter()
            .filter(|s| !s.children().any(|n| n.has_tag_name("path")))
            .count();
        assert_eq!(dots, 9, "{class}: the readings first seen today are dots");
        let legend: Vec<&str> = doc
            .descendants()
            .filter(|n| n.attribute("class") == Some("legend-entry"))
            .filter_map(|n| n.children().find(|c| c.has_tag_name("text")))
            .filter_map(|t| t.text())
            .collect();
        assert!(
            legend.contains(&"United States, 3 sources") && legend.contains(&"Finland, 2 sources"),
            "{legend:?}"
        );
        assert!(
            legend
                .iter()
                .all(|l| !l.contains("us-") && !l.contains('/'))
        );
    }
    assert!(nepal.contains("<details class=\"chart-data\">"));
    assert!(nepal.contains("<td data-label=\"Source\">fi-extra</td>"));
}

/// `audit.mjs`'s modules, installed from the lock file on first use (CI installs them
/// beforehand, in `.ci/run`).
fn audit_harness() -> PathBuf {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    static INSTALL: Mutex<()> = Mutex::new(());
    let _guard = INSTALL.lock().expect("install lock");
    if !folder.join("node_modules/puppeteer-core").is_dir() {
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--prefix"])
            .arg(&folder)
            .stdout(Stdio::null())
            .status();
        assert!(
            status.is_ok_and(|s| s.success()),
            "the browser tests need Node.js 18+ and `npm ci --prefix tests/browser`, which failed"
        );
    }
    folder.join("audit.mjs")
}

/// Runs `audit.mjs` on a spec and returns its entries.
fn audit(spec: &Value) -> Vec<Value> {
    let script = audit_harness();
    let output = Command::new("node")
        .arg(&script)
        .arg(spec.to_string())
        .stderr(Stdio::piped())
        .output()
        .expect("node runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "audit.mjs: {stderr}");
    serde_json::from_slice::<Value>(&output.stdout)
        .unwrap_or_else(|e| panic!("audit.mjs printed no JSON ({e}): {stderr}"))
        .as_array()
        .expect("entries")
        .clone()
}

/// In the page: the map's size, its outlines, and each country drawn and painted in the
/// stylesheet's colour of its level (the few that are not, by code). Kept small: the harness
/// prints every value.
const MAP_COUNTRIES: &str = r#"(() => {
  const svg = document.querySelector('svg.map');
  if (!svg) return null;
  const levels = {};
  for (const n of [1, 2, 3, 4]) {
    const probe = document.createElement('span');
    probe.style.color = `var(--l${n})`;
    document.body.appendChild(probe);
    levels[n] = getComputedStyle(probe).color;
    probe.remove();
  }
  const box = svg.getBoundingClientRect();
  const countries = [...svg.querySelectorAll('[data-code]')];
  const undrawn = [], unpainted = [];
  let painted = 0;
  for (const e of countries) {
    const mark = e.querySelector('path, circle');
    const r = mark.getBoundingClientRect();
    if (!(r.width > 0 && r.height > 0)) undrawn.push(e.dataset.code);
    if (!e.dataset.level) continue;
    const fill = getComputedStyle(mark).fill;
    if (fill === levels[e.dataset.level]) painted++;
    else unpainted.push(`${e.dataset.code} L${e.dataset.level} ${fill}`);
  }
  const mine = [...document.querySelectorAll('section.world, section.world *')];
  const wide = mine.filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
    .map(e => e.tagName.toLowerCase() + [...e.classList].map(c => '.' + c).join('')).slice(0, 10);
  return {width: box.width, right: box.right, wide, paths: svg.querySelectorAll('[data-code] path').length,
          countries: countries.length, painted, undrawn: undrawn.slice(0, 10), unpainted: unpainted.slice(0, 10)};
})()"#;

/// In the page: the chart shown (wide or narrow), how many visible marks each series has, and
/// the smallest rendered text (its font size times the SVG's scale) and any text past its
/// edge.
const CHART: &str = r#"(() => {
  const shown = [...document.querySelectorAll('svg.chart')].filter(s => s.getBoundingClientRect().width > 0);
  const mine = [...document.querySelectorAll('.level-chart, .level-chart *')];
  const wide = mine.filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
    .map(e => e.tagName.toLowerCase() + [...e.classList].map(c => '.' + c).join('')).slice(0, 10);
  return shown.map(svg => {
    const box = svg.getBoundingClientRect();
    const scale = svg.getScreenCTM().a;
    const texts = [...svg.querySelectorAll('text')];
    return {
      name: svg.classList.contains('wide') ? 'wide' : 'narrow',
      width: box.width, wide,
      series: [...svg.querySelectorAll('g.series')].map(g => ({
        source: g.dataset.source,
        visible: [...g.querySelectorAll('path, circle')].filter(m => {
          const r = m.getBoundingClientRect();
          // A level line is flat (its box has no height), a dot is round; a path of no
          // length (a source first seen today, before) shows nothing.
          const shows = m.tagName === 'circle' ? r.width > 0 && r.height > 0 : m.getTotalLength() >= 1;
          return shows && r.left >= box.left - 1 && r.right <= box.right + 1 && r.top >= box.top - 1 && r.bottom <= box.bottom + 1;
        }).length,
      })),
      texts: texts.length,
      smallest: Math.min(...texts.map(t => parseFloat(getComputedStyle(t).fontSize) * scale)),
      outside: texts.filter(t => {
        const r = t.getBoundingClientRect();
        return r.left < box.left - 0.5 || r.right > box.right + 0.5 || r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5;
      }).map(t => t.textContent).slice(0, 5),
    };
  });
})()"#;

// Ignored, with its reason, when the build found no Chromium, no Node.js or not the audit's
// modules (see build.rs); under CI=true it always runs, and a missing one fails it.
#[test]
#[cfg_attr(
    any(chromium_missing, browser_audit_missing),
    ignore = "needs chromium (apt-get install chromium), Node.js 18+ and `npm ci --prefix tests/browser`"
)]
fn chromium_shows_every_country_and_every_line_with_text_of_11_px_at_390_820_and_1280() {
    let (ws, _server) = world();
    let dashboard = Dashboard::start(&ws);
    let board = dashboard.url(&format!("/?{PERIOD}"));
    let nepal = dashboard.url("/country/Nepal");
    let entries = audit(&json!({
        "urls": [board, nepal],
        // 820: the narrowest page that shows the wide chart.
        "viewports": [[390, 844], [820, 1000], [1280, 800]],
        "evaluate": {"map": MAP_COUNTRIES, "chart": CHART},
        "run_timeout_ms": 240000,
    }));
    assert_eq!(entries.len(), 6);
    let mut report: BTreeMap<String, String> = BTreeMap::new();
    for entry in &entries {
        let url = entry["url"].as_str().expect("url");
        let width = entry["viewport"][0].as_u64().expect("width");
        let at = format!("{url} at {width}");
        assert_eq!(entry["error"], Value::Null, "{at}");
        // The page as a whole fits at 1280; at 390 the map and the chart do (the rest of the
        // phone layout is not theirs).
        if width >= 1280 {
            assert!(
                entry["scrollWidth"].as_u64() <= entry["innerWidth"].as_u64(),
                "{at} overflows: {entry}"
            );
            assert_eq!(entry["overflowing"], json!([]), "{at}");
        }
        report.insert(
            format!(
                "page {} at {width}",
                if url == board { "/" } else { "/country/Nepal" }
            ),
            format!(
                "scrollWidth {} of {}",
                entry["scrollWidth"], entry["innerWidth"]
            ),
        );
        if url == board {
            let map = &entry["values"]["map"];
            assert!(map["paths"].as_u64() >= Some(150), "{at}: {map}");
            assert!(
                map["right"].as_f64() <= Some(width as f64),
                "{at}: the map fits"
            );
            assert_eq!(map["wide"], json!([]), "{at}: the map passes the edge");
            assert_eq!(map["countries"], 237, "{at}");
            assert_eq!(map["undrawn"], json!([]), "{at}: countries not drawn");
            assert_eq!(
                map["unpainted"],
                json!([]),
                "{at}: countries not in their level's colour"
            );
            let painted = map["painted"].as_u64().unwrap_or_default();
            assert!(painted >= 200, "{at}: {painted} painted");
            report.insert(
                format!("map at {width}"),
                format!(
                    "{} paths, {painted} coloured countries painted in their level's colour, map {:.0} px wide",
                    map["paths"],
                    map["width"].as_f64().unwrap_or_default()
                ),
            );
        } else {
            let charts = entry["values"]["chart"].as_array().expect("charts");
            assert_eq!(charts.len(), 1, "{at}: one chart shown: {charts:?}");
            let chart = &charts[0];
            let expected = if width < 820 { "narrow" } else { "wide" };
            assert_eq!(chart["name"], expected, "{at}");
            let series = chart["series"].as_array().expect("series");
            assert_eq!(series.len(), 11, "{at}: Nepal's eleven readings");
            for s in series {
                assert!(
                    s["visible"].as_u64() >= Some(1),
                    "{at}: {} has no visible mark",
                    s["source"]
                );
            }
            assert_eq!(chart["wide"], json!([]), "{at}: the chart passes the edge");
            assert!(chart["texts"].as_u64() >= Some(10), "{at}: {chart}");
            let smallest = chart["smallest"].as_f64().unwrap_or_default();
            assert!(smallest >= 11.0, "{at}: text at {smallest:.2} px");
            assert_eq!(
                chart["outside"],
                json!([]),
                "{at}: text past the chart's edge"
            );
            report.insert(
                format!("chart at {width}"),
                format!(
                    "{} chart {:.0} px wide, smallest text {smallest:.2} px",
                    chart["name"],
                    chart["width"].as_f64().unwrap_or_default()
                ),
            );
        }
    }
    // Screenshots, for a person to look at: target/tmp/screenshots/.
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&shots).expect("dir");
    for (name, url) in [("map", &board), ("chart", &nepal)] {
        for (width, height) in [(390, 2600), (1280, 1500)] {
            let file = shots.join(format!("{name}-{width}.png"));
            let profile = tempfile::tempdir().expect("profile");
            let status = Command::new("/usr/bin/chromium")
                .args([
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--no-first-run",
                    "--hide-scrollbars",
                ])
                .arg(format!("--user-data-dir={}", profile.path().display()))
                .arg(format!("--window-size={width},{height}"))
                .arg(format!("--screenshot={}", file.display()))
                .arg(url)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .expect("chromium runs");
            assert!(status.success() && file.exists(), "{}", file.display());
        }
    }
    // Measurements, for the record (`cargo test --test map -- --nocapture`).
    for (what, measured) in report {
        println!("{what}: {measured}");
    }
}

/// Canada, Western Sahara and Saint Helena are destinations too, though Canada's own list of
/// destinations (`countries.tsv`) leaves them out: the State Department's real advisory for
/// Canada and the FCDO's for the other two (`us_more`, `uk_more`) are on the map, in their
/// region's report with their codes, on their country pages and in the matrix.
#[test]
fn advisories_for_canada_western_sahara_and_saint_helena_are_in_every_view() {
    let places = [
        (
            "us-canada",
            "Canada",
            "us_more/canada",
            "state-dept-legacy-md",
            "Northern America",
            "CA",
        ),
        (
            "uk-western-sahara",
            "Western Sahara",
            "uk_more/western-sahara",
            "fcdo-page-md",
            "Northern Africa",
            "EH",
        ),
        (
            "uk-st-helena",
            "St Helena, Ascension and Tristan da Cunha",
            "uk_more/st-helena-ascension-and-tristan-da-cunha",
            "fcdo-page-md",
            "Western Africa",
            "SH",
        ),
    ];
    let mut config = String::new();
    for (name, country, folder, profile, _, _) in places {
        config.push_str(&format!(
            "[[sources]]\nname = \"{name}\"\ncountry = \"{country}\"\nurl = \"https://example.invalid/{folder}\"\nprofile = \"{profile}\"\n\n"
        ));
    }
    let ws = Workspace::new(&config);
    for (name, _, folder, _, _, _) in places {
        let folder = common::corpus().join(folder);
        let run = ws.run(&[
            "--quiet",
            "import",
            "--source",
            name,
            folder.to_str().expect("utf-8"),
        ]);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
    }
    let dashboard = Dashboard::start(&ws);
    let board = dashboard.get("/");
    let map = drawn(svg(&board, "map"));
    let matrix = dashboard.json("/api/matrix").to_string();
    // The board's counter of the one change of areas (Western Sahara's) reads as English.
    let period = dashboard.get("/?since=2020-01-01");
    assert!(
        period.contains("data-counter=\"details\"><b>1</b> indicator, reason or area change</a>"),
        "{period}"
    );
    let sources = ws.sources_json();
    for (name, country, _, _, region, code) in places {
        let run = ws.run(&[
            "report",
            "--since",
            "2020-01-01",
            "--region",
            region,
            "--format",
            "csv",
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let mut rows = common::csv_rows(&run.stdout);
        rows.retain(|r| r["source"] == name);
        assert!(
            !rows.is_empty(),
            "{name}: a change in {region}: {}",
            run.stdout
        );
        assert!(
            rows.iter().all(|r| r["country_code"] == code),
            "{name}: {rows:?}"
        );

        let level = level_where(&sources, "name", name);
        shown_everywhere(&dashboard, &map, &matrix, (code, country), level);
    }
}

/// The level of the source whose `field` is `value`, as `sources --format json` gives it.
fn level_where(sources: &[Value], field: &str, value: &str) -> u64 {
    sources
        .iter()
        .find(|s| s[field] == value)
        .and_then(|s| s["level"].as_u64())
        .unwrap_or_else(|| panic!("a level for {field} {value}: {sources:?}"))
}

/// Asserts that a country (its code and name) is drawn once on the map in the colour of
/// `level`, has a country page showing it, and a row in the matrix; returns the page.
fn shown_everywhere(
    dashboard: &Dashboard,
    map: &[Drawn],
    matrix: &str,
    (code, country): (&str, &str),
    level: u64,
) -> String {
    let places: Vec<&Drawn> = map.iter().filter(|c| c.code == code).collect();
    assert_eq!(places.len(), 1, "{code} is drawn once");
    assert_eq!(
        places[0].level.map(u64::from),
        Some(level),
        "{code}: coloured by level {level}"
    );
    let page = dashboard.get(&format!("/country/{}", encode(country)));
    assert!(
        page.contains(&format!("Level {level}")),
        "{country}: a card at level {level}"
    );
    assert!(
        matrix.contains(&format!("\"{code}\"")),
        "{code}: a row of the matrix"
    );
    page
}

/// The State Department's feed names two advisories that cover several countries without
/// listing them: "Kingdom of Denmark" (Denmark, Greenland, the Faroe Islands) and "French West
/// Indies" (Guadeloupe, Martinique, Saint-Barthélemy, Saint Martin). Each of those countries
/// takes the advisory's level on the map, its country page and the matrix.
#[test]
fn an_advisory_about_a_group_of_countries_colours_each_of_them() {
    let server = FixtureServer::start();
    let feed = read(&common::corpus().join("us_rss/TAsTWs-2025-10-14.xml"));
    server.set("/feed", typed(feed, "application/rss+xml; charset=utf-8"));
    let ws = Workspace::new(&format!(
        "{FETCH}[[sources]]\nname = \"us-feed\"\ncountry = \"*\"\nkind = \"rss\"\nprofile = \"state-dept-rss\"\nurl = \"{}\"\n",
        server.url("/feed")
    ));
    let run = ws.run(&["--quiet", "check"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let sources = ws.sources_json();
    let dashboard = Dashboard::start(&ws);
    let map = drawn(svg(&dashboard.get("/"), "map"));
    let matrix = dashboard.json("/api/matrix").to_string();
    for (group, members) in [
        (
            "Kingdom of Denmark",
            &[
                ("DK", "Denmark"),
                ("GL", "Greenland"),
                ("FO", "Faroe Islands"),
            ][..],
        ),
        (
            "French West Indies",
            &[
                ("GP", "Guadeloupe"),
                ("MQ", "Martinique"),
                ("BL", "Saint-Barthélemy"),
                ("MF", "Saint Martin"),
            ][..],
        ),
    ] {
        let level = level_where(&sources, "country", group);
        let key = format!("us-feed/{}", group.to_lowercase().replace(' ', "-"));
        for &(code, name) in members {
            let page = shown_everywhere(&dashboard, &map, &matrix, (code, name), level);
            assert!(page.contains(&key), "{name}: the card of {key}");
        }
    }
}
