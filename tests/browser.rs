//! Every page as a visitor's browser shows it, on a phone and on a laptop. Real history from
//! `../shared/corpus` (every US and UK country of it) is imported with the real binary, the
//! dashboard serves it on loopback, and `tests/browser/audit.mjs` loads each page in Debian's
//! headless Chromium at 390×844 and at 1280×800, under the page's own Content-Security-Policy.
//! Each page must fit the width (nothing to scroll sideways), have no violation axe-core can
//! find, start with a skip link to its content, carry the period and the time it was made for
//! the printer, and the movers board must still show each row's level and date on a phone. The
//! 404 pages and the HTML reports are audited too: their bytes, served with the dashboard's
//! policy from a server of the test.

mod common;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::dashboard::Dashboard;
use common::peers::{SmtpServer, wait_until};
use common::{FixtureServer, Reply, Workspace};
use serde_json::{Value, json};

/// The sizes every page is measured at: a phone's and a laptop's.
const VIEWPORTS: [[u32; 2]; 2] = [[390, 844], [1280, 800]];

/// The whole audit's limit, passed to audit.mjs; the test kills it a little after.
const RUN_TIMEOUT: Duration = Duration::from_secs(300);

/// The long period every populated page is asked for.
const PERIOD: &str = "since=2025-01-01&until=2026-12-31";

/// (source name, country, corpus folder, profile): every US and UK country of the corpus.
const FOLDERS: [(&str, &str, &str, &str); 27] = [
    ("us-brazil", "Brazil", "us/brazil", US),
    ("us-burma-myanmar", "Burma", "us/burma-myanmar", US),
    ("us-cambodia", "Cambodia", "us/cambodia", US),
    ("us-colombia", "Colombia", "us/colombia", US),
    (
        "us-democratic-republic-of-the-congo",
        "Democratic Republic of the Congo",
        "us/democratic-republic-of-the-congo",
        US,
    ),
    ("us-egypt", "Egypt", "us/egypt", US),
    ("us-el-salvador", "El Salvador", "us/el-salvador", US),
    ("us-haiti", "Haiti", "us/haiti", US),
    ("us-jamaica", "Jamaica", "us/jamaica", US),
    ("us-mali", "Mali", "us/mali", US),
    ("us-mozambique", "Mozambique", "us/mozambique", US),
    ("us-nigeria", "Nigeria", "us/nigeria", US),
    (
        "us-north-korea-democratic-people-s-republic-of-korea",
        "North Korea",
        "us/north-korea-democratic-people-s-republic-of-korea",
        US,
    ),
    ("us-russia", "Russia", "us/russia", US),
    ("us-south-africa", "South Africa", "us/south-africa", US),
    ("us-thailand", "Thailand", "us/thailand", US),
    ("us-vanuatu", "Vanuatu", "us/vanuatu", US),
    ("uk-bangladesh", "Bangladesh", "uk/bangladesh", UK),
    ("uk-cambodia", "Cambodia", "uk/cambodia", UK),
    ("uk-cuba", "Cuba", "uk/cuba", UK),
    ("uk-libya", "Libya", "uk/libya", UK),
    ("uk-madagascar", "Madagascar", "uk/madagascar", UK),
    ("uk-mali", "Mali", "uk/mali", UK),
    ("uk-niger", "Niger", "uk/niger", UK),
    ("uk-qatar", "Qatar", "uk/qatar", UK),
    ("uk-tanzania", "Tanzania", "uk/tanzania", UK),
    ("uk-venezuela", "Venezuela", "uk/venezuela", UK),
];
const US: &str = "state-dept-legacy-md";
const UK: &str = "fcdo-page-md";

/// A workspace holding the corpus's real US and UK history.
fn real_history() -> Workspace {
    let mut config = String::new();
    for (name, country, folder, profile) in FOLDERS {
        config.push_str(&format!(
            "[[sources]]\nname = \"{name}\"\ncountry = \"{country}\"\nurl = \"https://example.invalid/{folder}\"\nprofile = \"{profile}\"\n\n"
        ));
    }
    let ws = Workspace::new(&config);
    let corpus = common::corpus();
    for (name, _, folder, _) in FOLDERS {
        let dir = corpus.join(folder);
        let run = ws.run(&[
            "--quiet",
            "import",
            "--source",
            name,
            dir.to_str().expect("utf-8"),
        ]);
        assert_eq!(run.code, 0, "import {name}: {}", run.stderr);
    }
    ws
}

/// What a page is and what it must show besides fitting and passing axe-core.
struct Page {
    /// What the failure messages call it: the dashboard's path, or the report's command.
    name: String,
    /// Where the browser loads it.
    url: String,
    /// A dashboard page: its first focusable element is the skip link.
    dashboard: bool,
    /// The page shows a period, which its printed line must carry.
    period: bool,
    /// The movers board: its rows' level and date must show at every size.
    movers: bool,
    /// An email's HTML part, as its reader's mail program shows it: no printed line.
    email: bool,
}

impl Page {
    fn dashboard(dashboard: &Dashboard, path: &str, period: bool) -> Page {
        Page {
            name: path.to_owned(),
            url: dashboard.url(path),
            dashboard: true,
            period,
            movers: false,
            email: false,
        }
    }
}

/// The HTML part of the email `check` sends for Mali's 2023 to 2025 change (indicators added,
/// the summary rewritten), as the SMTP server received it.
fn email_of_a_change() -> String {
    let server = FixtureServer::start();
    let smtp = SmtpServer::start();
    let ws = Workspace::new(&format!(
        "[fetch]\ntimeout = \"5s\"\n\n[[sources]]\nname = \"us-mali\"\ncountry = \"Mali\"\nurl = \"{}\"\n\n\
         [[notify.email]]\nname = \"analysts\"\nsmtp_host = \"127.0.0.1\"\nsmtp_port = {}\ntls = \"none\"\n\
         from = \"advisory-watch <alerts@example.org>\"\nto = [\"desk@example.org\"]\n",
        server.url("/us-mali"),
        smtp.port
    ));
    for page in ["mali-2023-legacy.html", "mali-2025.html"] {
        server.serve_fixture("/us-mali", page);
        let run = ws.run(&["check"]);
        assert_eq!(run.code, 0, "{page}: {}", run.stderr);
    }
    assert!(
        wait_until(Duration::from_secs(10), || !smtp.messages().is_empty()),
        "the change is emailed"
    );
    let raw = smtp.messages().last().cloned().expect("an email");
    let message = mail_parser::MessageParser::default()
        .parse(&raw)
        .expect("an email");
    let html = message.body_html(0).expect("a text/html part").into_owned();
    assert!(
        html.contains("Unrest and health indicators added"),
        "{html}"
    );
    html
}

/// The audit's folder, `tests/browser`.
fn audit_folder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser")
}

/// Chromium's path, once Node.js and the audit's modules are known to be here too: a missing
/// one fails the test with what to do (the build ignores the test outside CI, see build.rs).
fn audit_tools() -> PathBuf {
    let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .expect(
            "chromium is not installed; CI installs it (.ci/run), elsewhere the test is ignored",
        );
    let node = Command::new("node").arg("--version").output();
    assert!(
        node.is_ok_and(|o| o.status.success()),
        "node is not installed; CI installs it (.ci/run), elsewhere the test is ignored"
    );
    assert!(
        audit_folder().join("node_modules").is_dir(),
        "tests/browser/node_modules is missing: run `npm ci --prefix tests/browser` (CI does, in .ci/run)"
    );
    chromium
}

/// Runs `node tests/browser/audit.mjs` on the pages at both sizes, with the expressions, and
/// returns its JSON entries (URLs outer, sizes inner).
fn audit(chromium: &Path, urls: &[String], evaluate: &Value) -> Vec<Value> {
    let spec = json!({
        "chromium": chromium,
        "urls": urls,
        "viewports": VIEWPORTS,
        "evaluate": evaluate,
        "run_timeout_ms": RUN_TIMEOUT.as_millis() as u64,
    });
    let mut child = Command::new("node")
        .arg(audit_folder().join("audit.mjs"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(spec.to_string().as_bytes())
        .expect("write the spec");
    // The output is read on threads, so that a full pipe never stalls the audit.
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let out = std::thread::spawn(move || {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut text).map(|_| text)
    });
    let err = std::thread::spawn(move || {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut text).map(|_| text)
    });
    let deadline = Instant::now() + RUN_TIMEOUT + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the audit") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the audit ran past {RUN_TIMEOUT:?} and was stopped");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let stdout = out.join().expect("stdout thread").expect("stdout");
    let stderr = err.join().expect("stderr thread").expect("stderr");
    assert!(
        status.code() == Some(0),
        "audit.mjs ended with {status}:\n{stderr}\n{stdout}"
    );
    let entries: Vec<Value> = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("audit.mjs printed no JSON array ({e}):\n{stdout}"));
    assert_eq!(
        entries.len(),
        urls.len() * VIEWPORTS.len(),
        "one entry per page and size"
    );
    entries
}

/// Expressions evaluated in every page, after axe-core; what they return is asserted below.
fn expressions() -> Value {
    json!({
        // The first element Tab reaches, and where it leads.
        "first_focusable": "(() => {
            const all = document.querySelectorAll('a[href], button, input, select, textarea, summary, [tabindex]');
            const first = [...all].find(e => e.tabIndex >= 0 && !e.disabled && e.type !== 'hidden');
            if (!first) return null;
            const href = first.getAttribute('href') || '';
            const target = href.startsWith('#') ? document.getElementById(href.slice(1)) : null;
            return {href, text: first.textContent.trim(), target: target ? target.tagName.toLowerCase() : null};
        })()",
        // The skip link, focused: inside the viewport, with an outline.
        "skip_link_focused": "(() => {
            const link = document.querySelector('a[href=\"#main\"]');
            if (!link) return null;
            link.focus();
            const box = link.getBoundingClientRect();
            const style = getComputedStyle(link);
            const seen = box.width > 0 && box.height > 0 && box.top >= 0 && box.left >= 0 && box.right <= innerWidth;
            const result = {seen, focused: document.activeElement === link, outline: style.outlineStyle, outline_px: parseFloat(style.outlineWidth)};
            link.blur();
            return result;
        })()",
        // The movers board's first row: its level badge and its date are laid out on screen,
        // found by the column headings a reader sees.
        "movers_first_row": "(() => {
            const table = document.querySelector('table.movers');
            if (!table || !table.tBodies[0] || !table.tBodies[0].rows[0]) return null;
            const headings = [...table.tHead.rows[0].cells].map(c => c.textContent.trim());
            const row = table.tBodies[0].rows[0];
            const shown = e => {
                if (!e) return false;
                const box = e.getBoundingClientRect();
                return box.width > 0 && box.height > 0 && box.left >= 0 && box.right <= innerWidth + 0.5;
            };
            const level = row.cells[headings.indexOf('Level')];
            const when = row.cells[headings.indexOf('When')];
            return {
                level: shown(level && level.querySelector('.level')),
                date: shown(when) && /\\d{4}-\\d\\d-\\d\\d/.test(when.innerText),
            };
        })()",
        // Tables a screen reader cannot name.
        "unnamed_tables": "[...document.querySelectorAll('table')].filter(t => !t.caption && !t.getAttribute('aria-label') && !t.getAttribute('aria-labelledby')).length",
        // The line a printed page carries, and whether it shows on screen.
        "printed": "(() => {
            const line = document.querySelector('.printed');
            return line ? {text: line.textContent, display: getComputedStyle(line).display} : null;
        })()",
        // Whether the page's print styles show that line.
        "printed_in_print": "[...document.styleSheets].some(sheet => [...sheet.cssRules].some(rule =>
            rule.media && [...rule.media].includes('print') && [...rule.cssRules].some(inner =>
                inner.selectorText && inner.selectorText.split(',').some(s => s.trim() === '.printed')
                && inner.style.display && inner.style.display !== 'none')))",
    })
}

/// The first and the last of a source's versions, as `/compare` takes them.
fn first_and_last_versions(dashboard: &Dashboard, source: &str) -> (String, String) {
    let page = dashboard.get(&format!("/source?name={source}"));
    let ids: Vec<String> = regex::Regex::new(r#"<select name="from">(.*?)</select>"#)
        .expect("re")
        .captures(&page)
        .map(|c| {
            regex::Regex::new(r#"<option value="(\d+)""#)
                .expect("re")
                .captures_iter(&c[1])
                .map(|o| o[1].to_owned())
                .collect()
        })
        .unwrap_or_default();
    match ids.as_slice() {
        [first, .., last] => (first.clone(), last.clone()),
        _ => panic!("{source} has fewer than two versions to compare: {page}"),
    }
}

/// What is wrong with one page at one size, as sentences; empty when nothing is.
fn faults(page: &Page, entry: &Value) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(error) = entry.get("error") {
        out.push(format!("not measured: {error}"));
        return out;
    }
    if entry["status"] != 200 {
        out.push(format!("answered HTTP {}", entry["status"]));
    }
    let (scroll, inner) = (&entry["scrollWidth"], &entry["innerWidth"]);
    if scroll.as_u64() > inner.as_u64() {
        out.push(format!(
            "scrolls sideways: {scroll} px wide in {inner}; sticking out: {}",
            entry["overflowing"]
        ));
    } else if entry["overflowing"]
        .as_array()
        .is_some_and(|a| !a.is_empty())
    {
        out.push(format!(
            "elements stick out past the right edge: {}",
            entry["overflowing"]
        ));
    }
    for violation in entry["violations"].as_array().into_iter().flatten() {
        out.push(format!(
            "axe {} ({}): {} at {}",
            violation["id"].as_str().unwrap_or("?"),
            violation["impact"].as_str().unwrap_or("?"),
            violation["help"].as_str().unwrap_or("?"),
            violation["nodes"]
        ));
    }
    let values = &entry["values"];
    if page.dashboard {
        let first = &values["first_focusable"];
        if first["href"] != "#main"
            || first["text"] != "Skip to content"
            || first["target"] != "main"
        {
            out.push(format!(
                "the first focusable element is not a \"Skip to content\" link to <main id=\"main\">: {first}"
            ));
        }
        let skip = &values["skip_link_focused"];
        let ring =
            skip["outline"] != "none" && skip["outline_px"].as_f64().is_some_and(|px| px >= 2.0);
        if skip["seen"] != true || skip["focused"] != true || !ring {
            out.push(format!(
                "the skip link, focused, is not in view with a focus ring of 2 px or more: {skip}"
            ));
        }
    }
    if page.movers {
        let row = &values["movers_first_row"];
        if row["level"] != true || row["date"] != true {
            out.push(format!(
                "the movers board's first row does not show its level and date: {row}"
            ));
        }
    }
    if values["unnamed_tables"] != 0 {
        out.push(format!(
            "{} table(s) have neither a caption nor an aria-label",
            values["unnamed_tables"]
        ));
    }
    if page.email {
        return out;
    }
    let printed = &values["printed"];
    let made = regex::Regex::new(r"(?i)made \d{4}-\d\d-\d\d \d\d:\d\d UTC").expect("re");
    let text = printed["text"].as_str().unwrap_or_default();
    if !made.is_match(text) || (page.period && !text.contains("Period: ")) {
        out.push(format!(
            "no printed line with {}the time it was made: {printed}",
            if page.period { "the period and " } else { "" }
        ));
    }
    if printed["display"] != "none" || values["printed_in_print"] != true {
        out.push(format!(
            "the printed line must be hidden on screen and shown in print: {printed}, print rule: {}",
            values["printed_in_print"]
        ));
    }
    out
}

// Ignored, with its reason, when the build found no Chromium, Node.js or tests/browser's
// modules (see build.rs); under CI=true it always runs, and a missing one fails it.
#[test]
#[cfg_attr(
    any(chromium_missing, browser_audit_missing),
    ignore = "chromium, node or tests/browser/node_modules is missing here (apt-get install chromium nodejs npm; npm ci --prefix tests/browser)"
)]
fn every_page_fits_a_phone_and_a_laptop_and_axe_core_finds_nothing() {
    let chromium = audit_tools();
    let ws = real_history();
    let dashboard = Dashboard::start(&ws);
    let (from, to) = first_and_last_versions(&dashboard, "us-brazil");
    let mut pages = vec![
        Page::dashboard(&dashboard, "/", true),
        Page {
            movers: true,
            ..Page::dashboard(&dashboard, &format!("/?{PERIOD}"), true)
        },
        Page::dashboard(&dashboard, "/country/Cambodia", false),
        Page::dashboard(&dashboard, "/country/Brazil", false),
        Page::dashboard(&dashboard, "/changes", true),
        Page::dashboard(&dashboard, &format!("/changes?{PERIOD}"), true),
        Page::dashboard(&dashboard, &format!("/changes?{PERIOD}&view=full"), true),
        Page::dashboard(&dashboard, "/sources", false),
        Page::dashboard(&dashboard, "/source?name=uk-cuba", false),
        Page::dashboard(
            &dashboard,
            "/source?name=us-north-korea-democratic-people-s-republic-of-korea",
            false,
        ),
        Page::dashboard(
            &dashboard,
            &format!("/compare?name=us-brazil&from={from}&to={to}"),
            false,
        ),
    ];
    pages.push(Page::dashboard(&dashboard, "/matrix", false));
    pages.push(Page::dashboard(
        &dashboard,
        "/matrix?region=Africa&sort=highest",
        false,
    ));
    pages.push(Page::dashboard(&dashboard, "/?map=differ", false));

    // The 404 pages and the reports are served as they are by a server of the test, with the
    // dashboard's policy: audit.mjs measures pages that load with a 2xx.
    let copies = FixtureServer::start();
    let policy = advisory_watch::present::html::CONTENT_SECURITY_POLICY;
    for (path, copy) in [
        ("/no-such-page", "/404.html"),
        ("/country/Atlantis", "/404-country.html"),
    ] {
        let (status, head, body) = dashboard.request("GET", path);
        assert_eq!(status, 404, "GET {path}: {body}");
        assert!(
            head.to_lowercase().contains("content-security-policy"),
            "{head}"
        );
        copies.set(
            copy,
            Reply::html(body).header("Content-Security-Policy", policy),
        );
        pages.push(Page {
            name: format!("{path} (404)"),
            url: copies.url(copy),
            ..Page::dashboard(&dashboard, path, false)
        });
    }
    for (name, extra) in [("report.html", &[][..]), ("brief.html", &["--brief"][..])] {
        let file = ws.dir.path().join(name);
        let mut args = vec![
            "report",
            "--since",
            "2025-01-01",
            "--until",
            "2026-12-31",
            "--format",
            "html",
        ];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--output", file.to_str().expect("utf-8")]);
        let run = ws.run(&args);
        assert_eq!(run.code, 0, "{}", run.stderr);
        copies.set(
            &format!("/{name}"),
            Reply::html(std::fs::read(&file).expect("the report"))
                .header("Content-Security-Policy", policy),
        );
        pages.push(Page {
            name: format!("report {} --format html", extra.join(" ")),
            url: copies.url(&format!("/{name}")),
            dashboard: false,
            period: true,
            movers: false,
            email: false,
        });
    }

    // What an email's reader sees: the HTML part of a real delivery of a change with indicators
    // and a summary diff, taken from the SMTP server it went to.
    let html = email_of_a_change();
    copies.set(
        "/email.html",
        Reply::html(html).header("Content-Security-Policy", policy),
    );
    pages.push(Page {
        name: "the email of a change (its HTML part)".into(),
        url: copies.url("/email.html"),
        dashboard: false,
        period: false,
        movers: false,
        email: true,
    });

    let urls: Vec<String> = pages.iter().map(|p| p.url.clone()).collect();
    let entries = audit(&chromium, &urls, &expressions());
    // Kept for a person to read: what the browser measured, page by page.
    let kept = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser-audit.json");
    std::fs::write(&kept, serde_json::to_string_pretty(&entries).expect("json"))
        .expect("write the audit");
    let mut report = Vec::new();
    for (index, entry) in entries.iter().enumerate() {
        let page = &pages[index / VIEWPORTS.len()];
        let size = &entry["viewport"];
        for fault in faults(page, entry) {
            report.push(format!("{} at {}×{}: {fault}", page.name, size[0], size[1]));
        }
    }
    assert!(
        report.is_empty(),
        "{} fault(s) (the whole audit is in {}):\n{}",
        report.len(),
        kept.display(),
        report.join("\n")
    );
}
