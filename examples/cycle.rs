//! The cycle benchmark: `cargo run --release --example cycle -- --pages N`.
//!
//! Generates N realistic advisory pages (legacy travel.state.gov layout, 40-70 KB each, most of
//! it navigation and boilerplate, nine indicator badges, a summary), serves them from a separate
//! process on 127.0.0.1 (so that only the checker is measured), and times three full checks
//! into a fresh database:
//! - cold: the first check of every page;
//! - warm: 10% of the pages changed semantically, 5% in markup only, all in boilerplate;
//! - unchanged: nothing changed, and the server answers 304 to conditional requests.
//!
//! For each it prints wall time, CPU time, peak RSS, the database's size and the changes found,
//! which must be exactly the semantic ones.
//!
//! `--write-pages DIR [--next] [--generic]` writes the pages (first or next version; of the
//! legacy layout, or of the generic one of `--versus`'s second case) and `--serve DIR` serves a
//! folder of them, so that another tool can be measured on the same pages.
//!
//! `--versus [--pages N] [--urlwatch PATH] [--case legacy|generic]` measures advisory-watch and
//! urlwatch side by side in one run, each as the whole command a user runs (start-up included),
//! in two cases: the built-in `state-dept-legacy` profile (which names its `region`) on legacy
//! pages, and a user's profile (five selectors under `section#advisory`, no `region` key, so
//! the region is inferred) on generic pages of about 50 KB that no built-in profile knows. With
//! them it times the floor: `--floor URLS`, a bare fetch of the same pages with the same client
//! settings and concurrency (reqwest, 8 at a time, each body read, nothing parsed or stored),
//! also as a whole process, and prints advisory-watch / floor. Both run against the same web
//! server: nginx from Debian when it is installed (a generated configuration bound to
//! 127.0.0.1, stopped at the end), else this example's own server, and says which. Three
//! cycles: cold, 10% of the pages changed (new bytes and a new mtime, so nginx's mtime-size
//! ETag moves), and unchanged (every answer a 304). urlwatch comes from PyPI into
//! `target/bench-venv` on first use. It prints the wall times, the peak memory of each process
//! and the ratios, and fails unless the changes advisory-watch finds are exactly the semantic
//! ones.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use advisory_watch::check::{self as run, Checker};
use advisory_watch::config::Config;
use advisory_watch::config::channels::NotifySettings;
use advisory_watch::net::fetch::Fetcher;
use advisory_watch::store::StoreHandle;

const BADGES: [(&str, &str); 9] = [
    ("O", "Other"),
    ("D", "Wrongful Detention"),
    ("K", "Kidnap and Hostage"),
    ("E", "Event"),
    ("N", "Disaster"),
    ("H", "Health"),
    ("U", "Civil Unrest"),
    ("T", "Terrorism"),
    ("C", "Crimes"),
];

const WORDS: [&str; 24] = [
    "travel",
    "security",
    "embassy",
    "regions",
    "border",
    "violent",
    "crime",
    "demonstrations",
    "services",
    "government",
    "citizens",
    "emergency",
    "roads",
    "kidnapping",
    "terrorist",
    "attacks",
    "warning",
    "local",
    "authorities",
    "health",
    "facilities",
    "limited",
    "airport",
    "province",
];

/// How a page differs from its first version.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Variant {
    First,
    /// The boilerplate moved (build id, dates, a banner); for some pages also the markup of
    /// the advisory, or what it says.
    Next {
        semantic: bool,
        markup: bool,
    },
}

fn sentence(seed: usize, n: usize) -> String {
    let mut out = String::new();
    for k in 0..n {
        if k > 0 {
            out.push(' ');
        }
        out.push_str(WORDS[(seed * 7 + k * 13 + k * k) % WORDS.len()]);
    }
    let mut chars = out.chars();
    let first = chars.next().map(|c| c.to_ascii_uppercase()).unwrap_or('X');
    format!("{first}{}.", chars.as_str())
}

/// One page, 40-70 KB: a long site header and menus, the advisory frame, a long footer.
fn page(index: usize, variant: Variant) -> String {
    let (semantic, markup, build) = match variant {
        Variant::First => (false, false, "b1"),
        Variant::Next { semantic, markup } => (semantic, markup, "b2"),
    };
    let level = (index % 4) + 1 + usize::from(semantic && index % 4 < 3);
    let labels = [
        "Exercise Normal Precautions",
        "Exercise Increased Caution",
        "Reconsider Travel",
        "Do Not Travel",
    ];
    let mut html = String::with_capacity(64 * 1024);
    html.push_str("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">");
    html.push_str(&format!("<title>Country {index} Travel Advisory</title>"));
    for s in 0..6 {
        html.push_str(&format!(
            "<script src=\"/etc/designs/tsg-rwd/js/lib{s}.min.js?build={build}\"></script>\
             <link rel=\"stylesheet\" href=\"/etc/designs/tsg-rwd/css/site{s}.css?build={build}\">"
        ));
    }
    html.push_str("<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments);}gtag('js',new Date());</script>");
    html.push_str("</head><body><header class=\"tsg-rwd-header\"><nav class=\"tsg-rwd-nav\">");
    // Boilerplate: menus with many links (most of each page's bytes).
    let menu_items = 18 + index % 22;
    for m in 0..8 {
        html.push_str(&format!(
            "<div class=\"tsg-rwd-menu\" id=\"menu-{m}\"><h4>Section {m}</h4><ul>"
        ));
        for k in 0..menu_items {
            html.push_str(&format!(
                "<li class=\"tsg-rwd-menu-item\"><a href=\"/content/travel/en/section-{m}/page-{k}.html\" \
                 data-analytics=\"nav-{m}-{k}\" title=\"{}\">{}</a></li>",
                sentence(m * 31 + k, 3),
                sentence(m + k, 4)
            ));
        }
        html.push_str("</ul></div>");
    }
    if build == "b2" {
        html.push_str(
            "<div class=\"tsg-rwd-alert-banner\">Scheduled maintenance this weekend.</div>",
        );
    }
    html.push_str("</nav></header><main><div class=\"tsg-rwd-main-copy-frame\">");
    html.push_str(&format!(
        "<div class=\"tsg-rwd-emergency-alertheader-type-frame-typebox alerttype\">Travel Advisory July {}, 2025</div>",
        1 + index % 28
    ));
    html.push_str(&format!(
        "<h3 class=\"tsg-rwd-emergency-alertheader-title\">Country {index} - Level {level}: {}</h3>",
        labels[level - 1]
    ));
    html.push_str("<div id=\"container tooltipalert\">");
    let active: Vec<usize> = (0..9)
        .filter(|b| (index >> (b % 6)) & 1 == 1 || *b == index % 9)
        .collect();
    for (b, (letter, title)) in BADGES.iter().enumerate() {
        let on = active.contains(&b) || (semantic && b == 6);
        html.push_str(&format!(
            "<a href=\"javascript:void(0);\" title=\"Tool Tip: {title}\" data-tooltip=\"{title}: {}\" class=\"{}\">{letter}</a>",
            sentence(b, 12),
            if on { "showThreat" } else { "hideThreat" }
        ));
    }
    html.push_str("</div><div class=\"tsg-rwd-emergency-alert-text\">");
    html.push_str("<p><b><i>Reissued after periodic review with minor edits.</i></b></p>");
    html.push_str(&format!(
        "<p>Exercise caution in Country {index} due to <b>crime</b> and <b>civil unrest</b>.</p>"
    ));
    if markup {
        html.push_str("<div class=\"summary-wrapper v2\">");
    }
    html.push_str(&format!(
        "<p><b>Country Summary:</b> {}</p>",
        sentence(index, 40)
    ));
    for p in 0..8 {
        let words = if semantic && p == 3 { 31 } else { 30 };
        if markup {
            html.push_str(&format!(
                "<p class=\"body-regular\" data-p=\"{p}\">\n  {}\n</p>",
                sentence(index + p, words)
            ));
        } else {
            html.push_str(&format!("<p>{}</p>", sentence(index + p, words)));
        }
    }
    if markup {
        html.push_str("</div>");
    }
    html.push_str("<p>If you decide to travel:</p><ul>");
    for k in 0..12 {
        html.push_str(&format!("<li>{}</li>", sentence(index * 3 + k, 14)));
    }
    html.push_str("</ul></div></div></main><footer class=\"tsg-rwd-footer\">");
    for k in 0..60 {
        html.push_str(&format!(
            "<a class=\"footer-link\" href=\"/footer/{k}.html\">{}</a> ",
            sentence(k, 2)
        ));
    }
    html.push_str(&format!(
        "<p class=\"last-updated\">Last Updated: {}</p></footer></body></html>",
        if build == "b2" {
            "November 25, 2026"
        } else {
            "November 1, 2026"
        }
    ));
    html
}

/// The profile of the second case: written by a user for a site no built-in profile knows,
/// five selectors all under `section#advisory`, and no `region` key.
const GENERIC_PROFILE: &str = r#"[profiles.ministry]
level = "section#advisory .advice-level"
indicators = "section#advisory ul.risk-indicators li.is-active"
indicator_attr = "data-code"
reason = "section#advisory p.advice-reason"
summary = "section#advisory div.advice-summary"
issued = "section#advisory time"
"#;

/// A generic government page of about 50 KB (the second case): meta tags, stylesheets and
/// scripts, a mega-menu, a breadcrumb, the advisory in `<section id="advisory">`, related links,
/// a long footer, a cookie banner and trailing scripts.
fn generic_page(index: usize, semantic: bool) -> String {
    let build = if semantic { "r2" } else { "r1" };
    let level = (index % 4) + 1 + usize::from(semantic && index % 4 < 3);
    let labels = [
        "Exercise Normal Precautions",
        "Exercise Increased Caution",
        "Reconsider Travel",
        "Do Not Travel",
    ];
    let mut html = String::with_capacity(56 * 1024);
    html.push_str("<!DOCTYPE html>\n<html lang=\"en\" class=\"no-js\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    html.push_str(&format!(
        "<title>Country {index} - Travel advice - Ministry of Foreign Affairs</title>\n\
         <meta name=\"description\" content=\"Official travel advice for Country {index}: safety and security, entry requirements, health.\">\n\
         <link rel=\"canonical\" href=\"https://www.mfa.example/en/travel/country-{index}\">\n"
    ));
    for s in 0..5 {
        html.push_str(&format!(
            "<link rel=\"stylesheet\" href=\"/assets/css/bundle-{s}.css?v={build}\">\n<script defer src=\"/assets/js/chunk-{s}.js?v={build}\"></script>\n"
        ));
    }
    html.push_str("<script type=\"application/ld+json\">{\"@context\":\"https://schema.org\",\"@type\":\"WebPage\",\"publisher\":{\"@type\":\"GovernmentOrganization\",\"name\":\"Ministry of Foreign Affairs\"}}</script>\n");
    html.push_str("<script>document.documentElement.className=document.documentElement.className.replace('no-js','js');window.__CONFIG__={locale:'en',features:['search','cookies','feedback']};</script>\n");
    html.push_str("<style>.skip-link{position:absolute;left:-9999px}.skip-link:focus{left:0}.mega-menu__panel{display:none}</style>\n</head>\n");
    html.push_str("<body class=\"page page--travel-advice\">\n<a class=\"skip-link\" href=\"#advisory\">Skip to the advice</a>\n");
    html.push_str("<div class=\"cookie-banner\" id=\"cookie-banner\" role=\"region\" aria-label=\"Cookies\"><p>We use cookies to improve this website.</p><button type=\"button\" class=\"cookie-banner__accept\">Accept</button><button type=\"button\" class=\"cookie-banner__reject\">Reject</button></div>\n");
    html.push_str("<header class=\"site-header\"><div class=\"site-header__brand\"><a href=\"/en\"><img src=\"/assets/img/emblem.svg\" alt=\"Ministry of Foreign Affairs\" width=\"160\" height=\"48\"></a></div>\n<nav class=\"mega-menu\" aria-label=\"Main\"><ul class=\"mega-menu__list\">\n");
    let items = 24 + index % 16;
    for m in 0..9 {
        html.push_str(&format!(
            "<li class=\"mega-menu__item\"><button type=\"button\" class=\"mega-menu__toggle\" aria-expanded=\"false\" aria-controls=\"panel-{m}\">Topic {m}</button>\n<div class=\"mega-menu__panel\" id=\"panel-{m}\"><ul>"
        ));
        for k in 0..items {
            html.push_str(&format!(
                "<li><a href=\"/en/topic-{m}/item-{k}\" data-track=\"menu-{m}-{k}\" title=\"{}\">{}</a></li>",
                sentence(m * 17 + k, 3),
                sentence(m + k * 3, 3)
            ));
        }
        html.push_str("</ul></div></li>\n");
    }
    html.push_str("</ul></nav>\n<form class=\"site-search\" action=\"/en/search\" role=\"search\"><label for=\"q\">Search</label><input id=\"q\" name=\"q\" type=\"search\"><button type=\"submit\">Search</button></form>\n</header>\n");
    html.push_str(&format!(
        "<main id=\"main\" class=\"layout\">\n<nav class=\"breadcrumb\" aria-label=\"Breadcrumb\"><ol><li><a href=\"/en\">Home</a></li><li><a href=\"/en/travel\">Travel advice</a></li><li aria-current=\"page\">Country {index}</li></ol></nav>\n"
    ));
    html.push_str(&format!(
        "<section id=\"advisory\" class=\"advice\" aria-labelledby=\"advice-title\">\n<h1 id=\"advice-title\">Travel advice: Country {index}</h1>\n\
         <p class=\"advice-meta\">Last updated <time datetime=\"2025-07-{:02}\">July {}, 2025</time></p>\n\
         <div class=\"advice-level level-{level}\"><img src=\"/assets/img/level-{level}.png\" alt=\"\"> Level {level}: {}</div>\n\
         <h2>Main risks</h2>\n<ul class=\"risk-indicators\">",
        1 + index % 28,
        1 + index % 28,
        labels[level - 1]
    ));
    for (b, (letter, title)) in BADGES.iter().enumerate() {
        let on = (index >> (b % 6)) & 1 == 1 || b == index % 9 || (semantic && b == 6);
        html.push_str(&format!(
            "<li class=\"indicator{}\" data-code=\"{letter}\"><span class=\"indicator__name\">{title}</span></li>",
            if on { " is-active" } else { "" }
        ));
    }
    html.push_str(&format!(
        "</ul>\n<p class=\"advice-reason\">Exercise caution in Country {index} due to crime and civil unrest.</p>\n<div class=\"advice-summary\">\n<h2>Summary</h2>\n<p>{}</p>\n",
        sentence(index, 40)
    ));
    for p in 0..8 {
        let words = if semantic && p == 3 { 31 } else { 30 };
        html.push_str(&format!("<p>{}</p>\n", sentence(index + p, words)));
    }
    html.push_str("<h3>If you decide to travel</h3>\n<ul>");
    for k in 0..10 {
        html.push_str(&format!("<li>{}</li>", sentence(index * 3 + k, 14)));
    }
    html.push_str("</ul>\n</div>\n</section>\n<aside class=\"related\" aria-label=\"Related\"><h2>Related</h2><ul>");
    for k in 0..12 {
        html.push_str(&format!(
            "<li><a href=\"/en/travel/related-{k}\">{}</a></li>",
            sentence(k * 5, 4)
        ));
    }
    html.push_str("</ul></aside>\n</main>\n<footer class=\"site-footer\">\n");
    for c in 0..4 {
        html.push_str(&format!(
            "<div class=\"site-footer__column\"><h2>Column {c}</h2><ul>"
        ));
        for k in 0..16 {
            html.push_str(&format!(
                "<li><a href=\"/en/footer/{c}/{k}\">{}</a></li>",
                sentence(c * 11 + k, 3)
            ));
        }
        html.push_str("</ul></div>\n");
    }
    html.push_str(&format!(
        "<p class=\"site-footer__legal\">Build {build}. Content available under an open licence.</p>\n</footer>\n\
         <script src=\"/assets/js/analytics.js?v={build}\"></script>\n<script>window.analytics&&window.analytics.page({{id:{index}}});</script>\n</body>\n</html>\n"
    ));
    html
}

// ---------------------------------------------------------------------------------------------
// The server: a separate process serving the pages with ETags, keep-alive and 304s.

/// Pages with their ETags, as the server holds them.
type Pages = RwLock<Vec<(String, Vec<u8>)>>;

fn load(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut loaded = Vec::new();
    for i in 0.. {
        let Ok(body) = std::fs::read(dir.join(format!("{i}.html"))) else {
            break;
        };
        let etag = format!("\"{:016x}\"", xxhash_rust::xxh3::xxh3_64(&body));
        loaded.push((etag, body));
    }
    loaded
}

fn serve(dir: &Path) {
    let pages: Arc<Pages> = Arc::new(RwLock::new(load(dir)));
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    println!("{}", listener.local_addr().expect("addr").port());
    std::io::stdout().flush().expect("flush");
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let (pages, dir) = (Arc::clone(&pages), dir.to_owned());
        std::thread::spawn(move || {
            let _ = stream.set_nodelay(true);
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut stream = stream;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                let path = line.split_whitespace().nth(1).unwrap_or("/").to_owned();
                let mut if_none_match = None;
                loop {
                    let mut header = String::new();
                    if reader.read_line(&mut header).unwrap_or(0) == 0 {
                        return;
                    }
                    if header == "\r\n" {
                        break;
                    }
                    if let Some((name, value)) = header.split_once(':')
                        && name.eq_ignore_ascii_case("if-none-match")
                    {
                        if_none_match = Some(value.trim().to_owned());
                    }
                }
                if path == "/__reload" {
                    *pages.write().expect("pages") = load(&dir);
                    let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                    continue;
                }
                let index: Option<usize> = path.trim_start_matches("/page/").parse().ok();
                let pages = pages.read().expect("pages");
                match index.and_then(|i| pages.get(i)) {
                    Some((etag, _)) if if_none_match.as_deref() == Some(etag.as_str()) => {
                        let _ = write!(stream, "HTTP/1.1 304 Not Modified\r\nETag: {etag}\r\n\r\n");
                    }
                    Some((etag, body)) => {
                        let _ = write!(
                            stream,
                            "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nETag: {etag}\r\nContent-Length: {}\r\n\r\n",
                            body.len()
                        );
                        let _ = stream.write_all(body);
                    }
                    None => {
                        let _ = stream
                            .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
                    }
                }
            }
        });
    }
}

// ---------------------------------------------------------------------------------------------
// Measurements of this process.

fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the command name.
    (ticks(11) + ticks(12)) / 100.0
}

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn db_bytes(path: &Path) -> u64 {
    ["", "-wal"]
        .iter()
        .map(|suffix| {
            let mut name = path.as_os_str().to_owned();
            name.push(suffix);
            std::fs::metadata(PathBuf::from(name)).map_or(0, |m| m.len())
        })
        .sum()
}

// ---------------------------------------------------------------------------------------------
// Side by side with urlwatch, as whole commands, against nginx.

/// A web server serving `site`: nginx when it is installed, else this example's own.
struct Server {
    child: std::process::Child,
    port: u16,
    name: &'static str,
}

impl Server {
    fn start(site: &Path, work: &Path) -> anyhow::Result<Server> {
        let nginx = ["/usr/sbin/nginx", "/usr/bin/nginx"]
            .into_iter()
            .map(Path::new)
            .find(|p| p.exists());
        let Some(nginx) = nginx else {
            let mut child = Command::new(std::env::current_exe()?)
                .args(["--serve", site.to_str().expect("utf-8 path")])
                .stdout(Stdio::piped())
                .spawn()?;
            let mut port = String::new();
            BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut port)?;
            return Ok(Server {
                child,
                port: port.trim().parse()?,
                name: "the example's own server (nginx is not installed)",
            });
        };
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let conf = work.join("nginx.conf");
        let dir = work.display();
        std::fs::write(
            &conf,
            format!(
                "daemon off;\nmaster_process off;\nworker_processes 1;\npid {dir}/nginx.pid;\nerror_log {dir}/nginx-error.log;\n\
                 events {{ worker_connections 1024; }}\n\
                 http {{\n  access_log off;\n  client_body_temp_path {dir}/nginx-body;\n  proxy_temp_path {dir}/nginx-proxy;\n  fastcgi_temp_path {dir}/nginx-fastcgi;\n  uwsgi_temp_path {dir}/nginx-uwsgi;\n  scgi_temp_path {dir}/nginx-scgi;\n  default_type text/html;\n  keepalive_requests 100000;\n\
                 server {{\n    listen 127.0.0.1:{port};\n    root {};\n    location /page/ {{ rewrite ^/page/([0-9]+)$ /$1.html break; }}\n  }}\n}}\n",
                site.display()
            ),
        )?;
        let child = Command::new(nginx)
            .args([
                "-c",
                conf.to_str().expect("utf-8 path"),
                "-p",
                &dir.to_string(),
            ])
            .stderr(Stdio::null())
            .spawn()?;
        // Up within five seconds, or not at all.
        let deadline = Instant::now() + Duration::from_secs(5);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            anyhow::ensure!(
                Instant::now() < deadline,
                "nginx did not start on port {port}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(Server {
            child,
            port,
            name: "nginx",
        })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs a command under `/usr/bin/time` when there is one: wall seconds, peak RSS in MB (0 when
/// unknown), and what it printed.
fn timed(program: &Path, args: &[&str], dir: &Path) -> anyhow::Result<(f64, f64, String)> {
    let gnu_time = Path::new("/usr/bin/time");
    let report = dir.join("time.txt");
    let mut command = if gnu_time.exists() {
        let mut c = Command::new(gnu_time);
        c.args(["-f", "%M", "-o", report.to_str().expect("utf-8 path")])
            .arg(program);
        c
    } else {
        Command::new(program)
    };
    let start = Instant::now();
    let output = command
        .args(args)
        .current_dir(dir)
        .stderr(Stdio::null())
        .output()?;
    let wall = start.elapsed().as_secs_f64();
    let peak = std::fs::read_to_string(&report)
        .ok()
        .and_then(|t| t.lines().last().and_then(|l| l.trim().parse::<f64>().ok()))
        .map_or(0.0, |kb| kb / 1024.0);
    Ok((
        wall,
        peak,
        String::from_utf8_lossy(&output.stdout).into_owned(),
    ))
}

/// urlwatch 2.29 in `target/bench-venv`, installed from PyPI on first use.
fn urlwatch(args: &[String]) -> anyhow::Result<PathBuf> {
    if let Some(i) = args.iter().position(|a| a == "--urlwatch") {
        return Ok(PathBuf::from(&args[i + 1]));
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-venv");
    let bin = venv.join("bin/urlwatch");
    if !bin.exists() {
        let ok = Command::new("python3")
            .args(["-m", "venv", venv.to_str().expect("utf-8 path")])
            .status()?
            .success()
            && Command::new(venv.join("bin/pip"))
                .args(["install", "--quiet", "urlwatch==2.29"])
                .status()?
                .success();
        anyhow::ensure!(ok, "could not install urlwatch into {}", venv.display());
    }
    Ok(bin)
}

/// The two cases of `--versus`.
#[derive(Clone, Copy)]
enum Case {
    /// The built-in `state-dept-legacy` profile (it names its `region`) on legacy pages.
    Legacy,
    /// A user's profile of five selectors under `section#advisory`, no `region` key, on a
    /// generic layout no built-in profile knows.
    Generic,
}

impl Case {
    fn name(self) -> &'static str {
        match self {
            Case::Legacy => "built-in profile state-dept-legacy (region given), legacy pages",
            Case::Generic => {
                "user profile, five selectors under section#advisory, no region key, generic pages"
            }
        }
    }

    fn page(self, index: usize, semantic: bool) -> String {
        match self {
            Case::Legacy if semantic => page(
                index,
                Variant::Next {
                    semantic: true,
                    markup: false,
                },
            ),
            Case::Legacy => page(index, Variant::First),
            Case::Generic => generic_page(index, semantic),
        }
    }

    fn profile(self) -> (&'static str, &'static str) {
        match self {
            Case::Legacy => ("state-dept-legacy", ""),
            Case::Generic => ("ministry", GENERIC_PROFILE),
        }
    }
}

fn versus(args: &[String], pages: usize) -> anyhow::Result<()> {
    let me = std::env::current_exe()?;
    let checker = me
        .parent()
        .and_then(Path::parent)
        .map(|release| release.join("advisory-watch"))
        .filter(|p| p.exists())
        .ok_or_else(|| anyhow::anyhow!("build the binary first: cargo build --release"))?;
    let urlwatch = urlwatch(args)?;
    let cases: Vec<Case> = match args
        .iter()
        .position(|a| a == "--case")
        .and_then(|i| args.get(i + 1))
        .map(String::as_str)
    {
        Some("legacy") => vec![Case::Legacy],
        Some("generic") => vec![Case::Generic],
        _ => vec![Case::Legacy, Case::Generic],
    };
    for case in cases {
        versus_case(case, &me, &checker, &urlwatch, pages)?;
    }
    Ok(())
}

/// The check advisory-watch is timed with, as a cron job would run it.
const CHECK: [&str; 6] = [
    "--config",
    "config.toml",
    "--quiet",
    "check",
    "--format",
    "json",
];

/// One case side by side: urlwatch, advisory-watch and the floor (a bare fetch of the same
/// pages by this example's `--floor`), each as a whole process, for each of three cycles.
fn versus_case(
    case: Case,
    me: &Path,
    checker: &Path,
    urlwatch: &Path,
    pages: usize,
) -> anyhow::Result<()> {
    let work = tempfile::tempdir()?;
    let site = work.path().join("site");
    std::fs::create_dir_all(&site)?;
    let start_time = std::time::SystemTime::now() - Duration::from_secs(3600);
    let mut total = 0;
    for i in 0..pages {
        let path = site.join(format!("{i}.html"));
        let body = case.page(i, false);
        total += body.len();
        std::fs::write(&path, body)?;
        std::fs::File::options()
            .write(true)
            .open(&path)?
            .set_modified(start_time)?;
    }
    let server = Server::start(&site, work.path())?;
    let port = server.port;

    // advisory-watch: a configuration of N sources and a database.
    let (profile, profiles) = case.profile();
    let aw = work.path().join("aw");
    std::fs::create_dir_all(&aw)?;
    let mut config = format!(
        "[storage]\npath = \"aw.db\"\n\n[fetch]\ntimeout = \"30s\"\nconcurrency = 8\nper_host = 8\nretries = 0\n\n{profiles}\n"
    );
    // urlwatch: the same N jobs; the floor: the same N URLs.
    let uw = work.path().join("uw");
    std::fs::create_dir_all(&uw)?;
    let mut jobs = String::new();
    let mut urls = String::new();
    for i in 0..pages {
        let url = format!("http://127.0.0.1:{port}/page/{i}");
        config.push_str(&format!(
            "[[sources]]\nname = \"page-{i}\"\ncountry = \"Country {i}\"\nurl = \"{url}\"\nprofile = \"{profile}\"\n\n"
        ));
        if i > 0 {
            jobs.push_str("---\n");
        }
        jobs.push_str(&format!("name: page-{i}\nurl: {url}\n"));
        urls.push_str(&url);
        urls.push('\n');
    }
    std::fs::write(aw.join("config.toml"), config)?;
    std::fs::write(uw.join("jobs.yaml"), jobs)?;
    std::fs::write(work.path().join("urls.txt"), urls)?;
    std::fs::write(
        uw.join("urlwatch.yaml"),
        "display:\n  new: true\n  error: true\n  unchanged: false\nreport:\n  text:\n    details: true\n    footer: false\n  stdout:\n    enabled: true\n    color: false\n",
    )?;
    let uw_args = [
        "--urls",
        "jobs.yaml",
        "--config",
        "urlwatch.yaml",
        "--cache",
        "cache.db",
    ];
    let urls_path = work.path().join("urls.txt");
    let floor_args = [
        "--floor",
        urls_path.to_str().expect("utf-8 path"),
        "--concurrency",
        "8",
    ];

    println!(
        "{}\n{pages} pages ({:.1} KB on average) served by {} on 127.0.0.1; each tool timed as the whole command",
        case.name(),
        total as f64 / pages as f64 / 1024.0,
        server.name
    );
    println!(
        "{:<12} {:>10} {:>10} {:>8} {:>8} {:>9} {:>7} {:>7} {:>7} {:>8}",
        "cycle",
        "urlwatch s",
        "aw s",
        "floor s",
        "vs uw",
        "vs floor",
        "uw MB",
        "aw MB",
        "fl MB",
        "changes"
    );
    let run = |name: &str, semantic: &BTreeSet<String>| -> anyhow::Result<()> {
        let (uw_wall, uw_peak, _) = timed(urlwatch, &uw_args, &uw)?;
        let (aw_wall, aw_peak, out) = timed(checker, &CHECK, &aw)?;
        let (fl_wall, fl_peak, fetched) = timed(me, &floor_args, work.path())?;
        anyhow::ensure!(
            fetched.trim() == format!("{pages} pages, {total} bytes").as_str() || name != "cold",
            "the floor fetched {fetched:?}"
        );
        let report: serde_json::Value = serde_json::from_str(&out)?;
        let found: BTreeSet<String> = report["changes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c["source"].as_str().map(str::to_owned))
            .collect();
        anyhow::ensure!(
            report["failures"].as_array().is_none_or(Vec::is_empty),
            "{name}: failures: {}",
            report["failures"]
        );
        anyhow::ensure!(
            &found == semantic,
            "{name}: advisory-watch found {} changes, not the {} semantic ones",
            found.len(),
            semantic.len()
        );
        println!(
            "{name:<12} {uw_wall:>10.3} {aw_wall:>10.3} {fl_wall:>8.3} {:>7.1}x {:>8.2}x {uw_peak:>7.1} {aw_peak:>7.1} {fl_peak:>7.1} {:>8}",
            uw_wall / aw_wall,
            aw_wall / fl_wall,
            found.len()
        );
        Ok(())
    };
    run("cold", &BTreeSet::new())?;
    startup(
        checker,
        me,
        &aw,
        &floor_args,
        work.path(),
        profile,
        profiles,
        port,
    )?;
    // 10% of the pages say something new; their mtimes move so that nginx's ETag does.
    let mut semantic = BTreeSet::new();
    for i in (0..pages).filter(|i| i % 10 == 0) {
        semantic.insert(format!("page-{i}"));
        let path = site.join(format!("{i}.html"));
        std::fs::write(&path, case.page(i, true))?;
        std::fs::File::options()
            .write(true)
            .open(&path)?
            .set_modified(start_time + Duration::from_secs(60))?;
    }
    if server.name != "nginx" {
        let mut reload = TcpStream::connect(("127.0.0.1", port))?;
        reload.write_all(b"GET /__reload HTTP/1.1\r\nHost: x\r\n\r\n")?;
        let mut answer = [0u8; 64];
        let _ = reload.read(&mut answer)?;
    }
    run("10% changed", &semantic)?;
    run("unchanged", &BTreeSet::new())?;
    drop(server);
    println!();
    Ok(())
}

/// What a cold check costs before its pages: advisory-watch checking one page on a new
/// database (start-up, configuration, schema, client, one page read and stored), beside the
/// floor's whole cycle; the median of five of each.
#[expect(
    clippy::too_many_arguments,
    reason = "the case's paths, settings and server, as versus_case holds them"
)]
fn startup(
    checker: &Path,
    me: &Path,
    aw: &Path,
    floor_args: &[&str],
    work: &Path,
    profile: &str,
    profiles: &str,
    port: u16,
) -> anyhow::Result<()> {
    let one = aw.join("one");
    std::fs::create_dir_all(&one)?;
    std::fs::write(
        one.join("config.toml"),
        format!(
            "[storage]\npath = \"one.db\"\n\n[fetch]\ntimeout = \"30s\"\nconcurrency = 8\nper_host = 8\nretries = 0\n\n{profiles}\n\
             [[sources]]\nname = \"page-0\"\ncountry = \"Country 0\"\nurl = \"http://127.0.0.1:{port}/page/0\"\nprofile = \"{profile}\"\n"
        ),
    )?;
    let median = |mut times: Vec<f64>| {
        times.sort_by(f64::total_cmp);
        times[times.len() / 2]
    };
    let mut checks = Vec::new();
    let mut floors = Vec::new();
    for _ in 0..5 {
        for name in ["one.db", "one.db-wal", "one.db-shm"] {
            let _ = std::fs::remove_file(one.join(name));
        }
        checks.push(timed(checker, &CHECK, &one)?.0);
        floors.push(timed(me, floor_args, work)?.0);
    }
    let (check, floor) = (median(checks), median(floors));
    println!(
        "{:<12} {:>10} {check:>10.3} {floor:>8.3} {:>8} {:>8.2}x   (one page on a new database: the start-up of a cold check)",
        "start-up",
        "",
        "",
        check / floor
    );
    Ok(())
}

/// `--floor URLS [--concurrency N]`: the floor of a cycle, a bare fetch of every URL of the
/// file (one a line) with the client settings a check uses (reqwest on rustls, the same
/// User-Agent, timeouts and referer policy, the same runtime), N at a time, each body read
/// whole and dropped: nothing parsed or stored. Prints the pages and bytes fetched.
fn floor(urls: &Path, concurrency: usize) -> anyhow::Result<()> {
    let urls: Vec<String> = std::fs::read_to_string(urls)?
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    let settings = advisory_watch::config::FetchSettings {
        timeout: Duration::from_secs(30),
        ..Default::default()
    };
    let runtime = advisory_watch::app::runtime()?;
    advisory_watch::net::fetch::install_crypto();
    let client = reqwest::Client::builder()
        .user_agent(settings.user_agent.clone())
        .timeout(settings.timeout)
        .connect_timeout(settings.timeout.min(Duration::from_secs(10)))
        .referer(false)
        .build()?;
    let urls = Arc::new(urls);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (pages, bytes) = runtime.block_on(async {
        let mut workers = Vec::new();
        for _ in 0..concurrency {
            let (client, urls, next) = (client.clone(), Arc::clone(&urls), Arc::clone(&next));
            workers.push(tokio::spawn(async move {
                let (mut pages, mut bytes) = (0usize, 0usize);
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(url) = urls.get(i) else { break };
                    let body = client.get(url).send().await?.bytes().await?;
                    pages += 1;
                    bytes += body.len();
                }
                anyhow::Ok((pages, bytes))
            }));
        }
        let (mut pages, mut bytes) = (0, 0);
        for worker in workers {
            let (p, b) = worker.await??;
            pages += p;
            bytes += b;
        }
        anyhow::Ok((pages, bytes))
    })?;
    println!("{pages} pages, {bytes} bytes");
    Ok(())
}

/// `--retention DAYS`: the database's size after DAYS simulated days of `pages` sources
/// checked every hour, one of them a broken page (300 KB whose bytes change at every check)
/// and two real changes a day, then after `prune` of everything the days left behind.
fn retention(pages: usize, days: usize) -> anyhow::Result<()> {
    let work = tempfile::tempdir()?;
    let site = work.path().join("site");
    std::fs::create_dir_all(&site)?;
    for i in 0..pages {
        std::fs::write(site.join(format!("{i}.html")), page(i, Variant::First))?;
    }
    let broken = |check: usize| -> String {
        // A 300 KB page of no advisory, different at every check (a session id, a timestamp).
        let mut text =
            format!("<html><body><p>Service temporarily unavailable, request {check}</p>");
        while text.len() < 300 * 1024 {
            text.push_str(&format!("<div>{}</div>", sentence(check + text.len(), 12)));
        }
        text + "</body></html>"
    };
    std::fs::write(site.join("0.html"), broken(0))?;
    let mut server = Command::new(std::env::current_exe()?)
        .args(["--serve", site.to_str().expect("utf-8 path")])
        .stdout(Stdio::piped())
        .spawn()?;
    let mut port = String::new();
    BufReader::new(server.stdout.take().expect("stdout")).read_line(&mut port)?;
    let port: u16 = port.trim().parse()?;
    let mut config_text =
        String::from("[fetch]\ntimeout = \"30s\"\nconcurrency = 8\nper_host = 8\nretries = 0\n\n");
    for i in 0..pages {
        config_text.push_str(&format!(
            "[[sources]]\nname = \"page-{i}\"\ncountry = \"Country {i}\"\nurl = \"http://127.0.0.1:{port}/page/{i}\"\nprofile = \"state-dept-legacy\"\n\n"
        ));
    }
    let db = work.path().join("retention.db");
    let config = Config::parse(&config_text, "benchmark", work.path())?;
    let runtime = advisory_watch::app::runtime()?;
    let checker = Checker {
        fetcher: Fetcher::new(&config.fetch)?,
        store: StoreHandle::open(&db)?,
        concurrency: 8,
        notify: Arc::new(NotifySettings::default()),
    };
    let reload = || -> anyhow::Result<()> {
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", port))?;
        write!(stream, "GET /__reload HTTP/1.1\r\nHost: x\r\n\r\n")?;
        let mut answer = [0u8; 64];
        let _ = std::io::Read::read(&mut stream, &mut answer)?;
        Ok(())
    };
    let (mut changes, mut failures) = (0usize, 0usize);
    for check in 0..days * 24 {
        std::fs::write(site.join("0.html"), broken(check))?;
        // Two real changes a day: a page moves to its next version, or back.
        if check % 12 == 6 {
            let index = 1 + (check / 12) % (pages - 1);
            let variant = if (check / 12 / (pages - 1)).is_multiple_of(2) {
                Variant::Next {
                    semantic: true,
                    markup: false,
                }
            } else {
                Variant::First
            };
            std::fs::write(site.join(format!("{index}.html")), page(index, variant))?;
        }
        reload()?;
        let report = runtime.block_on(run::check(&config.sources, &checker))?;
        changes += report.changes.len();
        failures += report.failures.len();
    }
    runtime.block_on(checker.store.call(|s| s.checkpoint()))?;
    let before = db_bytes(&db);
    let pruned = runtime.block_on(checker.store.call(|s| {
        s.prune(
            chrono::Utc::now() + chrono::Duration::seconds(1),
            false,
            false,
        )
    }))?;
    runtime.block_on(checker.store.call(|s| s.checkpoint()))?;
    let after = db_bytes(&db);
    println!(
        "{days} days of {pages} sources checked hourly ({} checks), 1 broken 300 KB page changing at every check, 2 changes a day: {changes} changes, {failures} failures recorded",
        days * 24 * pages
    );
    println!(
        "database: {:.1} MB; after prune of everything older than now ({pruned:?}): {:.1} MB",
        before as f64 / 1e6,
        after as f64 / 1e6
    );
    let _ = server.kill();
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--serve") {
        serve(Path::new(&args[i + 1]));
        return Ok(());
    }
    let pages: usize = args
        .iter()
        .position(|a| a == "--pages")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(250);
    let concurrency: usize = args
        .iter()
        .position(|a| a == "--concurrency")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(8);
    if let Some(i) = args.iter().position(|a| a == "--floor") {
        return floor(Path::new(&args[i + 1]), concurrency);
    }
    if args.iter().any(|a| a == "--versus") {
        return versus(&args, pages);
    }
    if let Some(i) = args.iter().position(|a| a == "--retention") {
        let days: usize = args.get(i + 1).and_then(|n| n.parse().ok()).unwrap_or(30);
        return retention(pages, days);
    }
    // For measuring another tool on the same pages: write them (first or next version), serve
    // them with `--serve DIR`, and reload the server with GET /__reload.
    if let Some(i) = args.iter().position(|a| a == "--write-pages") {
        let dir = PathBuf::from(&args[i + 1]);
        std::fs::create_dir_all(&dir)?;
        let next = args.iter().any(|a| a == "--next");
        for index in 0..pages {
            if args.iter().any(|a| a == "--generic") {
                let body = generic_page(index, next && index % 10 == 0);
                std::fs::write(dir.join(format!("{index}.html")), body)?;
                continue;
            }
            let variant = if next {
                Variant::Next {
                    semantic: index % 10 == 0,
                    markup: index % 20 == 5,
                }
            } else {
                Variant::First
            };
            std::fs::write(dir.join(format!("{index}.html")), page(index, variant))?;
        }
        return Ok(());
    }

    let work = tempfile::tempdir()?;
    let site = work.path().join("site");
    std::fs::create_dir_all(&site)?;
    let mut total = 0usize;
    for i in 0..pages {
        let body = page(i, Variant::First);
        total += body.len();
        std::fs::write(site.join(format!("{i}.html")), body)?;
    }
    let mut server = Command::new(std::env::current_exe()?)
        .args(["--serve", site.to_str().expect("utf-8 path")])
        .stdout(Stdio::piped())
        .spawn()?;
    let mut port = String::new();
    BufReader::new(server.stdout.take().expect("stdout")).read_line(&mut port)?;
    let port: u16 = port.trim().parse()?;

    let mut config_text = format!(
        "[fetch]\ntimeout = \"30s\"\nconcurrency = {concurrency}\nper_host = {concurrency}\nretries = 0\n\n"
    );
    for i in 0..pages {
        config_text.push_str(&format!(
            "[[sources]]\nname = \"page-{i}\"\ncountry = \"Country {i}\"\nurl = \"http://127.0.0.1:{port}/page/{i}\"\nprofile = \"state-dept-legacy\"\n\n"
        ));
    }
    let db = work.path().join("bench.db");
    let config = Config::parse(&config_text, "benchmark", work.path())?;
    let runtime = advisory_watch::app::runtime()?;
    let checker = Checker {
        fetcher: Fetcher::new(&config.fetch)?,
        store: StoreHandle::open(&db)?,
        concurrency,
        notify: Arc::new(NotifySettings::default()),
    };

    println!(
        "{pages} pages, {:.1} KB on average, concurrency {concurrency}, on {} cores",
        total as f64 / pages as f64 / 1024.0,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!(
        "{:<10} {:>9} {:>9} {:>10} {:>10} {:>9} {:>8}",
        "cycle", "wall s", "cpu s", "peak MB", "db KB", "growth", "changes"
    );
    let mut last_db = 0u64;
    let mut measure = |name: &str| -> anyhow::Result<Vec<String>> {
        let (cpu0, t0) = (cpu_seconds(), Instant::now());
        let report = runtime.block_on(run::check(&config.sources, &checker))?;
        let wall = t0.elapsed();
        let cpu = cpu_seconds() - cpu0;
        runtime.block_on(checker.store.call(|s| s.checkpoint()))?;
        let size = db_bytes(&db);
        println!(
            "{name:<10} {:>9.3} {:>9.2} {:>10.1} {:>10.0} {:>8.0}K {:>8}",
            wall.as_secs_f64(),
            cpu,
            peak_rss_mb(),
            size as f64 / 1024.0,
            (size as f64 - last_db as f64) / 1024.0,
            report.changes.len()
        );
        anyhow::ensure!(
            report.failures.is_empty(),
            "failures: {:?}",
            report.failures
        );
        last_db = size;
        Ok(report.changes.iter().map(|c| c.source.clone()).collect())
    };

    measure("cold")?;
    // 10% semantic, 5% markup only, all boilerplate.
    let mut semantic = BTreeSet::new();
    for i in 0..pages {
        let is_semantic = i % 10 == 0;
        let is_markup = i % 20 == 5;
        if is_semantic {
            semantic.insert(format!("page-{i}"));
        }
        let body = page(
            i,
            Variant::Next {
                semantic: is_semantic,
                markup: is_markup,
            },
        );
        std::fs::write(site.join(format!("{i}.html")), body)?;
    }
    let mut reload = TcpStream::connect(("127.0.0.1", port))?;
    reload.write_all(b"GET /__reload HTTP/1.1\r\nHost: x\r\n\r\n")?;
    let mut answer = [0u8; 64];
    let _ = reload.read(&mut answer)?;
    let found: BTreeSet<String> = measure("warm")?.into_iter().collect();
    anyhow::ensure!(
        found == semantic,
        "changes found {} differ from the {} semantic ones",
        found.len(),
        semantic.len()
    );
    let unchanged = measure("unchanged")?;
    anyhow::ensure!(unchanged.is_empty(), "an unchanged cycle found changes");
    println!(
        "changes found are exactly the {} semantic ones; the unchanged cycle found none",
        semantic.len()
    );

    let _ = server.kill();
    let _ = server.wait();
    std::thread::sleep(Duration::from_millis(10));
    Ok(())
}
