//! Issue 11, hardening and operations: what a hostile page, a stalled host and a real server
//! do to the real binary. Each test is named after what it guards against.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::peers::{DaemonProcess, WebhookReceiver, wait_until};
use common::{FixtureServer, Reply, Workspace, fixture};

fn binary() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_advisory-watch"));
    command.env_remove("ADVISORY_WATCH_CONFIG");
    command
}

fn mali(server: &FixtureServer, extra: &str) -> Workspace {
    Workspace::with_sources(
        &[("us-mali", "Mali", &server.url("/mali"), "state-dept")],
        extra,
    )
}

// Item 6: colour in logs.
#[test]
fn logs_to_a_pipe_have_no_colour_codes() {
    let server = FixtureServer::start();
    server.set("/mali", Reply::status(404));
    let ws = mali(&server, "");
    let run = ws.run(&["check"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("check failed"), "{}", run.stderr);
    assert!(
        !run.stderr.contains('\u{1b}'),
        "ANSI codes in a pipe: {:?}",
        run.stderr
    );
}

// Item 7: closed pipes.
#[test]
fn a_closed_stdout_ends_the_program_quietly() {
    let mut child = binary()
        .arg("demo")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run demo");
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("demo ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("Broken pipe"), "{stderr}");
}

fn time(text: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|e| panic!("{text}: {e}"))
        .to_utc()
}

/// A Mali source on `server` and one webhook channel, with `extra` settings; the page reads
/// the 2023 page first.
fn mali_with_hook(server: &FixtureServer, hook_url: &str, extra: &str) -> Workspace {
    server.serve_fixture("/mali", "mali-2023-legacy.html");
    mali(
        server,
        &format!("[[notify.webhook]]\nname = \"ops-hook\"\nurl = \"{hook_url}\"\n{extra}\n"),
    )
}

// Item 9: the delivery retry default.
#[test]
fn a_failed_delivery_waits_the_documented_30s_by_default() {
    let server = FixtureServer::start();
    let hook = WebhookReceiver::start("unused");
    hook.set_status(500);
    let ws = mali_with_hook(&server, &hook.url(), "");
    assert_eq!(ws.run(&["check"]).code, 0);
    server.serve_fixture("/mali", "mali-2025.html");
    let run = ws.run(&["check"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(hook.received().len(), 1);
    let listed = ws.run(&["deliveries", "--format", "json"]);
    let rows: serde_json::Value = serde_json::from_str(&listed.stdout).expect("json");
    let row = &rows[0];
    assert_eq!(row["status"], "pending", "{row}");
    let wait = time(row["next_attempt_at"].as_str().expect("next"))
        - time(row["created_at"].as_str().expect("created"));
    assert!(
        wait >= chrono::Duration::seconds(29) && wait <= chrono::Duration::seconds(40),
        "the first retry should come 30 s (plus jitter) later, not {wait}"
    );
}

// Item 21: the daemon lock file.
#[test]
fn the_daemon_lock_file_is_ignored_by_git_and_removed_on_a_clean_exit() {
    let ignore = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/.gitignore"))
        .expect(".gitignore");
    assert!(
        ignore.lines().any(|l| l.trim() == "*.daemon-lock"),
        "{ignore}"
    );
    let server = FixtureServer::start();
    server.serve_fixture("/mali", "mali-2025.html");
    let ws = mali(&server, "[schedule]\ncron = \"0 0 1 1 *\"\n");
    let lock = ws.dir.path().join("advisory-watch.db.daemon-lock");
    let mut daemon = DaemonProcess::start(&ws.config_path(), &[], ws.dir.path().join("log"));
    assert!(
        wait_until(Duration::from_secs(10), || lock.exists()),
        "the daemon takes its lock: {}",
        daemon.log()
    );
    assert!(
        wait_until(Duration::from_secs(5), || daemon
            .log()
            .contains("daemon started")),
        "{}",
        daemon.log()
    );
    assert_eq!(daemon.terminate(Duration::from_secs(10)), Some(0));
    assert!(!lock.exists(), "the lock file is left behind");
    // A crash leaves it; the next daemon takes it over.
    let mut daemon = DaemonProcess::start(&ws.config_path(), &[], ws.dir.path().join("log2"));
    assert!(wait_until(Duration::from_secs(10), || daemon
        .log()
        .contains("daemon started")));
    daemon.kill();
    assert!(lock.exists());
    let mut daemon = DaemonProcess::start(&ws.config_path(), &[], ws.dir.path().join("log3"));
    assert!(
        wait_until(Duration::from_secs(10), || daemon
            .log()
            .contains("daemon started")),
        "{}",
        daemon.log()
    );
    assert_eq!(daemon.terminate(Duration::from_secs(10)), Some(0));
    assert!(!lock.exists());
}

/// `serve --listen 127.0.0.1:0` as a child, and the first line it printed.
fn serve(ws: &Workspace) -> (std::process::Child, String) {
    let mut child = binary()
        .arg("--config")
        .arg(ws.config_path())
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line);
        let _ = tx.send(line);
    });
    let line = rx.recv_timeout(Duration::from_secs(10)).unwrap_or_default();
    (child, line)
}

/// A GET on the dashboard at `address`: status and body.
fn get(address: &str, path: &str) -> (u16, String) {
    let (status, _, body) = common::http_request(address, "GET", path);
    (status, body)
}

// Item 18: `serve`.
#[test]
fn serve_prints_the_address_it_bound_and_its_whole_warning() {
    let server = FixtureServer::start();
    server.serve_fixture("/mali", "mali-2025.html");
    let ws = mali(&server, "");
    assert_eq!(ws.run(&["check"]).code, 0);

    let (mut child, line) = serve(&ws);
    let address = line
        .strip_prefix("Dashboard on http://")
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_else(|| panic!("no address printed: {line:?}"))
        .to_owned();
    let reachable = std::net::TcpStream::connect(&address).is_ok();
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        !address.ends_with(":0"),
        "the requested port, not the bound one: {line}"
    );
    assert!(reachable, "nothing listens on {address}");

    // A non-loopback address (TEST-NET-1, which this machine does not have): the warning is
    // whole, and nothing claims to listen when binding fails.
    let run = ws.run(&["serve", "--listen", "192.0.2.1:0"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("has no access control of its own: put it behind a proxy that has, or listen on 127.0.0.1"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("cannot serve the dashboard on 192.0.2.1:0"),
        "{}",
        run.stderr
    );
    assert!(!run.stdout.contains("Dashboard on"), "{}", run.stdout);
}

// Item 13: source names that collide.
#[test]
fn a_page_source_named_like_a_feeds_country_is_refused() {
    let ws = Workspace::new(
        "[[sources]]\nname = \"feed\"\ncountry = \"*\"\nkind = \"rss\"\nurl = \"http://127.0.0.1:9/feed.xml\"\n\n\
         [[sources]]\nname = \"feed/freedonia\"\ncountry = \"Freedonia\"\nurl = \"http://127.0.0.1:9/freedonia\"\n",
    );
    let run = ws.run(&["config-check"]);
    assert_eq!(run.code, 3, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("`feed/freedonia`"), "{}", run.stderr);
    assert!(run.stderr.contains("`feed`"), "{}", run.stderr);
}

// Item 8: absurd durations and dates.
#[test]
fn absurd_spans_and_durations_are_clear_errors_not_panics() {
    let server = FixtureServer::start();
    server.serve_fixture("/mali", "mali-2025.html");
    let ws = mali(&server, "");
    assert_eq!(ws.run(&["check"]).code, 0);

    for span in ["99999999d", "99999999999999w"] {
        let run = ws.run(&["report", "--since", span]);
        assert_eq!(run.code, 1, "{span}: {}", run.stderr);
        assert!(run.stderr.contains(span), "{}", run.stderr);
        assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    }

    let (mut child, line) = serve(&ws);
    let address = line
        .strip_prefix("Dashboard on http://")
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_else(|| panic!("no address printed: {line:?}"))
        .to_owned();
    let (status, body) = get(&address, "/api/changes?since=99999999d");
    let (after, _) = get(&address, "/api/changes?since=7d");
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("99999999d"), "{body}");
    assert_eq!(after, 200, "the dashboard still answers");

    for (key, section) in [
        ("retry_initial", "notify"),
        ("retry_max", "notify"),
        ("timeout", "fetch"),
        ("grace", "daemon"),
    ] {
        ws.write_config(&format!(
            "[{section}]\n{key} = \"400000y\"\n\n[[sources]]\nname = \"us-mali\"\ncountry = \"Mali\"\nurl = \"{}\"\n",
            server.url("/mali")
        ));
        let run = ws.run(&["config-check"]);
        assert_eq!(run.code, 3, "{key}: {}", run.stderr);
        assert!(
            run.stderr.contains(&format!("{section}.{key}")),
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains("400000y"), "{}", run.stderr);
    }
}

/// An archive folder with the 2023 and 2025 Mali pages and the given extra files.
fn archive(extra: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("archive");
    std::fs::write(
        dir.path().join("2023-07-31.html"),
        fixture("mali-2023-legacy.html"),
    )
    .expect("write");
    std::fs::write(
        dir.path().join("2025-10-28.html"),
        fixture("mali-2025.html"),
    )
    .expect("write");
    for name in extra {
        std::fs::write(
            dir.path().join(name),
            fixture("mali-2025-health-removed.html"),
        )
        .expect("write");
    }
    dir
}

// Items 8 and 15: `import` of impossible and future dates.
#[test]
fn import_skips_impossible_and_future_dates_with_a_warning() {
    let server = FixtureServer::start();
    let ws = mali(&server, "");
    let dir = archive(&[
        "2025-01-08_4294967295.html",
        "2025-02-30.html",
        "2999-01-01.html",
    ]);
    let run = ws.run(&[
        "import",
        "--source",
        "us-mali",
        dir.path().to_str().expect("utf-8"),
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for name in [
        "2025-01-08_4294967295.html",
        "2025-02-30.html",
        "2999-01-01.html",
    ] {
        assert!(
            run.stderr.contains(name),
            "no warning for {name}: {}",
            run.stderr
        );
    }
    let history = ws.run(&["history", "us-mali", "--format", "json"]);
    let value: serde_json::Value = serde_json::from_str(&history.stdout).expect("json");
    let text = value.to_string();
    assert!(!text.contains("2161-"), "a version dated 2161: {text}");
    assert!(!text.contains("2999-"), "a version dated 2999: {text}");
    assert_eq!(
        value["versions"].as_array().map(Vec::len),
        Some(2),
        "{value}"
    );
}

// Item 15: `import` and symbolic links.
#[test]
fn import_does_not_follow_symbolic_links_out_of_the_folder() {
    let server = FixtureServer::start();
    let ws = mali(&server, "");
    let dir = archive(&[]);
    let outside = tempfile::tempdir().expect("outside");
    let secret = outside.path().join("secret.html");
    std::fs::write(&secret, fixture("mali-2025-health-removed.html")).expect("write");
    std::os::unix::fs::symlink(&secret, dir.path().join("2025-11-01.html")).expect("symlink");
    std::os::unix::fs::symlink(
        dir.path().join("2025-10-28.html"),
        dir.path().join("2025-10-29.html"),
    )
    .expect("symlink");
    let run = ws.run(&[
        "import",
        "--source",
        "us-mali",
        dir.path().to_str().expect("utf-8"),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("2025-11-01.html"), "{}", run.stderr);
    assert!(run.stderr.contains("outside the folder"), "{}", run.stderr);
    assert!(
        run.stdout.starts_with("Imported 3 files"),
        "a link inside the folder is read: {}",
        run.stdout
    );
}

// Item 12: terminal escapes.
#[test]
fn escape_sequences_in_page_text_never_reach_the_terminal() {
    let server = FixtureServer::start();
    server.serve_fixture("/mali", "mali-2025.html");
    let ws = mali(&server, "");
    assert_eq!(ws.run(&["check"]).code, 0);
    let hostile = fixture("mali-2025.html").replacen(
        "Do not travel to Mali for any reason.",
        "Do not travel to Mali for any reason. \u{1b}]8;;http://evil.example/\u{7}Details\u{1b}]8;;\u{7} here\u{1b}[2J\u{1b}]0;owned\u{7}\u{7} and \u{9b}31mred.",
        1,
    );
    server.set("/mali", Reply::html(hostile));
    let check = ws.run(&["check"]);
    assert_eq!(check.code, 0, "{}", check.stderr);
    let report = ws.run(&["report", "--format", "text"]);
    let history = ws.run(&["history", "us-mali"]);
    for (what, out) in [
        ("check", &check.stdout),
        ("report", &report.stdout),
        ("history", &history.stdout),
    ] {
        assert!(
            !out.contains(['\u{1b}', '\u{7}', '\u{9b}']),
            "{what} printed a control sequence: {out:?}"
        );
    }
    assert!(check.stdout.contains("Details"), "{}", check.stdout);
    assert!(report.stdout.contains("Details"), "{}", report.stdout);
}

/// A feed of two countries whose links are not http(s), at the given level.
fn hostile_feed(level: u8) -> Reply {
    let labels = [
        "",
        "Exercise Normal Precautions",
        "Exercise Increased Caution",
        "Reconsider Travel",
    ];
    let item = |country: &str, link: &str| {
        format!(
            "<item><title>{country} - Level {level}: {label}</title><link>{link}</link>\
             <pubDate>Thu, 09 Oct 2025</pubDate>\
             <description><![CDATA[<p>Exercise caution in {country} due to crime.</p><p>Country Summary: Crime happens.</p>]]></description>\
             <category domain=\"Threat-Level\">Level {level}: {label}</category></item>",
            label = labels[usize::from(level)]
        )
    };
    let feed = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>t</title>{}{}</channel></rss>",
        item("Freedonia", "javascript:alert(document.domain)"),
        item(
            "Sylvania",
            "https://example.org/a&lt;b&gt;x&lt;/b&gt;(\"q\")"
        ),
    );
    let mut reply = Reply::html(feed);
    reply.content_type = "application/rss+xml".into();
    reply
}

// Item 10: links from pages and feeds.
#[test]
fn only_http_links_from_a_feed_become_links() {
    let server = FixtureServer::start();
    server.set("/feed", hostile_feed(1));
    let ws = Workspace::new(&format!(
        "[[sources]]\nname = \"us-feed\"\ncountry = \"*\"\nkind = \"rss\"\nurl = \"{}\"\n",
        server.url("/feed")
    ));
    let first = ws.run(&["check"]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    server.set("/feed", hostile_feed(2));
    let second = ws.run(&["check"]);
    assert_eq!(second.code, 0, "{}", second.stderr);

    let html = ws.run(&["report", "--format", "html"]).stdout;
    assert!(html.contains("Freedonia"), "{html}");
    assert!(!html.contains("href=\"javascript:"), "{html}");
    assert!(
        html.contains("javascript:alert(document.domain)"),
        "shown as text: {html}"
    );
    assert!(!html.contains("<b>x"), "{html}");

    let markdown = ws.run(&["report", "--format", "markdown"]).stdout;
    assert!(!markdown.contains("](javascript:"), "{markdown}");
    assert!(
        !markdown.contains('<') || !markdown.contains("<b>"),
        "{markdown}"
    );
    assert!(
        markdown.contains("(https://example.org/a%3Cb%3Ex%3C/b%3E%28%22q%22%29)"),
        "{markdown}"
    );

    let atom = ws.run(&["report", "--format", "atom"]).stdout;
    let document = roxmltree::Document::parse(&atom).expect("well-formed Atom");
    for link in document.descendants().filter(|n| n.has_tag_name("link")) {
        let href = link.attribute("href").unwrap_or_default();
        assert!(href.starts_with("https://"), "a link to {href}");
    }
    let content: String = document
        .descendants()
        .filter(|n| n.has_tag_name("content"))
        .filter_map(|n| n.text())
        .collect();
    assert!(!content.contains("href=\"javascript:"), "{content}");

    let (mut child, line) = serve(&ws);
    let address = line
        .strip_prefix("Dashboard on http://")
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_default()
        .to_owned();
    let pages = [
        "/changes?since=30d",
        "/feed.atom",
        "/source?name=us-feed/freedonia",
    ]
    .map(|path| get(&address, path));
    let _ = child.kill();
    let _ = child.wait();
    for (status, body) in &pages {
        assert_eq!(*status, 200, "{body}");
        assert!(!body.contains("href=\"javascript:"), "{body}");
        assert!(!body.contains("href=&quot;javascript:"), "{body}");
    }
    assert!(pages[0].1.contains("Freedonia"), "{}", pages[0].1);
}

// Item 11: characters that XML forbids.
#[test]
fn characters_xml_forbids_in_a_page_leave_the_atom_feed_well_formed() {
    let server = FixtureServer::start();
    server.serve_fixture("/mali", "mali-2025.html");
    let ws = mali(&server, "");
    assert_eq!(ws.run(&["check"]).code, 0);
    let hostile = fixture("mali-2025.html").replacen(
        "Do not travel to Mali for any reason.",
        "Do not travel to Mali for any reason. Noncharacters \u{ffff}\u{fffe} and &#xFFFF; and \u{1}\u{8} control =1+1.",
        1,
    );
    server.set("/mali", Reply::html(hostile));
    assert_eq!(ws.run(&["check"]).code, 0);

    let atom = ws.run(&["report", "--format", "atom"]).stdout;
    let document = roxmltree::Document::parse(&atom)
        .unwrap_or_else(|e| panic!("the Atom feed is ill-formed ({e})"));
    let content: String = document
        .descendants()
        .filter(|n| n.has_tag_name("content"))
        .filter_map(|n| n.text())
        .collect();
    assert!(content.contains("Noncharacters"), "{content}");

    let (mut child, line) = serve(&ws);
    let address = line
        .strip_prefix("Dashboard on http://")
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_default()
        .to_owned();
    let (status, body) = get(&address, "/feed.atom");
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(status, 200);
    roxmltree::Document::parse(&body).expect("the dashboard's feed is well-formed");

    let csv = ws.run(&["report", "--format", "csv"]).stdout;
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let source = reader
        .headers()
        .expect("a header row")
        .iter()
        .position(|c| c == "source")
        .expect("a source column");
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a CSV row")).collect();
    assert_eq!(rows.len(), 1, "{csv}");
    assert_eq!(&rows[0][source], "us-mali");
}

/// Runs the binary on the workspace's configuration with these environment variables.
fn run_env(ws: &Workspace, args: &[&str], env: &[(&str, &str)]) -> common::Run {
    let mut command = binary();
    command.arg("--config").arg(ws.config_path()).args(args);
    for (key, value) in env {
        command.env(key, value);
    }
    common::Run::from(command.output().expect("run"))
}

const UNSET: &str = "AW_TEST_UNSET_SECRET";

// Item 3: an unset secret locks out only the commands that send.
#[test]
fn an_unset_secret_blocks_only_the_commands_that_send() {
    let server = FixtureServer::start();
    let hook = WebhookReceiver::start("the-secret");
    let ws = mali_with_hook(
        &server,
        &hook.url(),
        &format!(
            "secret_env = \"{UNSET}\"\n\n[[notify.email]]\nname = \"analysts\"\nsmtp_host = \"127.0.0.1\"\n\
             smtp_port = 9\ntls = \"none\"\nusername_env = \"{UNSET}_USER\"\npassword_env = \"{UNSET}_PASSWORD\"\n\
             from = \"alerts@example.org\"\nto = [\"desk@example.org\"]\n"
        ),
    );
    let first = ws.run(&["check"]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    server.serve_fixture("/mali", "mali-2025.html");
    let second = ws.run(&["check"]);
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert!(
        second.stdout.contains("Unrest and health indicators added"),
        "{}",
        second.stdout
    );
    assert_eq!(
        second
            .stderr
            .matches(&format!("{UNSET} (secret_env)"))
            .count(),
        1,
        "says once that the webhook's deliveries wait: {}",
        second.stderr
    );
    assert!(second.stderr.contains("wait for"), "{}", second.stderr);
    assert!(
        hook.received().is_empty(),
        "nothing sent without the secret"
    );
    let deliveries = ws.run(&["deliveries", "--format", "json"]);
    let rows: serde_json::Value = serde_json::from_str(&deliveries.stdout).expect("json");
    let rows = rows.as_array().expect("rows");
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(
        rows.iter()
            .all(|r| r["status"] == "pending" && r["attempts"] == 0),
        "{rows:?}"
    );

    // Commands that only read work, and do not mention the secret.
    let backup = ws.dir.path().join("copy.db");
    let mali_2023 = common::fixture_path("mali-2023-legacy.html");
    let mali_2025 = common::fixture_path("mali-2025.html");
    let backup_arg = backup.to_str().expect("utf-8");
    let reading: [&[&str]; 11] = [
        &["sources"],
        &["history", "us-mali"],
        &["report"],
        &["status"],
        &["compare", "Mali"],
        &["extract", &mali_2025],
        &["diff", &mali_2023, &mali_2025],
        &["backup", backup_arg],
        &["deliveries"],
        &["config-check"],
        &["reprocess"],
    ];
    for args in reading {
        let run = ws.run(args);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        assert!(
            !run.stderr.contains(UNSET),
            "{args:?} mentions it: {}",
            run.stderr
        );
    }
    let (mut child, line) = serve(&ws);
    let _ = child.kill();
    let _ = child.wait();
    assert!(line.starts_with("Dashboard on"), "{line}");

    // The commands that send refuse, naming the variable.
    for args in [
        &["daemon"][..],
        &["daemon", "--once"],
        &["notify", "test", "ops-hook"],
    ] {
        let run = ws.run(args);
        assert_eq!(run.code, 3, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(UNSET), "{args:?}: {}", run.stderr);
    }

    // Once it is set, the next check sends what waited.
    let third = run_env(&ws, &["check"], &[(UNSET, "the-secret")]);
    assert_eq!(third.code, 0, "{}", third.stderr);
    assert_eq!(hook.accepted().len(), 1, "{}", third.stderr);
    assert!(hook.accepted()[0].signature_valid);
}

// Item 4: credentials in a webhook URL.
#[test]
fn a_webhook_url_from_the_environment_is_never_shown_whole() {
    let server = FixtureServer::start();
    let hook = WebhookReceiver::start("unused");
    hook.set_status(500);
    let secret_url = format!(
        "http://hookuser:pa55word@{}/services/T000/B000/XXXXSECRETXXXX?token=QQTOKENQQ",
        hook.address
    );
    server.serve_fixture("/mali", "mali-2023-legacy.html");
    let ws = mali(
        &server,
        "[[notify.webhook]]\nname = \"chat\"\nurl_env = \"AW_TEST_HOOK_URL\"\nformat = \"slack\"\n",
    );
    let env = [("AW_TEST_HOOK_URL", secret_url.as_str())];
    let secrets = ["pa55word", "hookuser", "XXXXSECRET", "QQTOKEN", "T000/B000"];
    let mut seen = String::new();
    let first = run_env(&ws, &["-v", "check"], &env);
    assert_eq!(first.code, 0, "{}", first.stderr);
    server.serve_fixture("/mali", "mali-2025.html");
    let second = run_env(&ws, &["-vv", "check"], &env);
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert_eq!(
        hook.received().len(),
        1,
        "the URL from the environment is used"
    );
    seen.push_str(&second.stdout);
    seen.push_str(&second.stderr);
    for format in ["text", "json"] {
        let run = ws.run(&["deliveries", "--format", format]);
        seen.push_str(&run.stdout);
    }
    assert!(seen.contains("answered HTTP 500"), "{seen}");
    let test = run_env(&ws, &["notify", "test", "chat"], &env);
    assert_eq!(test.code, 2, "{}", test.stderr);
    assert!(test.stdout.contains("failed"), "{}", test.stdout);
    assert!(
        !test.stdout.contains("will retry"),
        "nothing is queued: {}",
        test.stdout
    );
    seen.push_str(&test.stdout);
    seen.push_str(&test.stderr);

    // A host that does not answer: reqwest's own message would carry the URL.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let closed_address = closed.local_addr().expect("address");
    drop(closed);
    let unreachable = format!(
        "http://hookuser:pa55word@{closed_address}/services/T000/B000/XXXXSECRETXXXX?token=QQTOKENQQ"
    );
    let test = run_env(
        &ws,
        &["-vv", "notify", "test", "chat"],
        &[("AW_TEST_HOOK_URL", &unreachable)],
    );
    assert_eq!(test.code, 2, "{}", test.stderr);
    assert!(test.stdout.contains("cannot reach"), "{}", test.stdout);
    seen.push_str(&test.stdout);
    seen.push_str(&test.stderr);

    for secret in secrets {
        assert!(!seen.contains(secret), "`{secret}` shown:\n{seen}");
    }
    for entry in std::fs::read_dir(ws.dir.path()).expect("dir").flatten() {
        let bytes = std::fs::read(entry.path()).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        if entry.file_name() == "config.toml" {
            continue;
        }
        for secret in ["pa55word", "XXXXSECRET", "QQTOKEN"] {
            assert!(
                !text.contains(secret),
                "`{secret}` stored in {}",
                entry.path().display()
            );
        }
    }
}

// Item 5: read-only databases.
#[test]
fn read_only_commands_work_on_a_database_they_cannot_write() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |path: &std::path::Path, mode: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
    };
    let server = FixtureServer::start();
    server.serve_fixture("/mali", "mali-2023-legacy.html");
    let ws = mali(&server, "");
    assert_eq!(ws.run(&["check"]).code, 0);
    server.serve_fixture("/mali", "mali-2025.html");
    assert_eq!(ws.run(&["check"]).code, 0);
    // A backup, as it would be mounted read-only: no -wal or -shm beside it.
    let mounted = tempfile::tempdir().expect("a folder for the backup");
    let copy = mounted.path().join("copy.db");
    assert_eq!(ws.run(&["backup", copy.to_str().expect("utf-8")]).code, 0);
    let out = tempfile::tempdir().expect("a folder for new backups");
    mode(out.path(), 0o777);
    // Read-only folders and files; as root, which may write anyway, run as `nobody` too.
    for (file, folder) in [
        (ws.db_path(), ws.dir.path()),
        (copy.clone(), mounted.path()),
    ] {
        mode(&file, 0o444);
        mode(folder, 0o555);
    }
    let as_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    let reader = |db: &std::path::Path, args: &[&str]| {
        let mut command = if as_root {
            let mut command = Command::new("setpriv");
            command.args(["--reuid=65534", "--regid=65534", "--clear-groups"]);
            command.arg(env!("CARGO_BIN_EXE_advisory-watch"));
            command
        } else {
            binary()
        };
        command
            .arg("--config")
            .arg(ws.config_path())
            .arg("--db")
            .arg(db)
            .args(args);
        common::Run::from(command.output().expect("run"))
    };
    let listing = |folder: &std::path::Path| {
        let mut names: Vec<String> = std::fs::read_dir(folder)
            .expect("dir")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let mut failures = Vec::new();
    for (n, db) in [ws.db_path(), copy.clone()].iter().enumerate() {
        let before = listing(db.parent().expect("folder"));
        let backup = out.path().join(format!("backup-{n}.db"));
        let backup_arg = backup.to_str().expect("utf-8");
        let commands: [&[&str]; 8] = [
            &["sources"],
            &["history", "us-mali"],
            &["report"],
            &["report", "--format", "json"],
            &["status"],
            &["compare", "Mali"],
            &["deliveries"],
            &["backup", backup_arg],
        ];
        for args in commands {
            let run = reader(db, args);
            if run.code != 0 {
                failures.push(format!(
                    "{}: {args:?}: exit {}: {}",
                    db.display(),
                    run.code,
                    run.stderr
                ));
            } else if args == ["report"]
                && !run.stdout.contains("Unrest and health indicators added")
            {
                failures.push(format!(
                    "{}: the report lacks the change: {}",
                    db.display(),
                    run.stdout
                ));
            }
        }
        assert_eq!(
            listing(db.parent().expect("folder")),
            before,
            "nothing created beside it"
        );
    }
    for folder in [ws.dir.path(), mounted.path()] {
        mode(folder, 0o755);
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

// Item 14: a charset that changes.
#[test]
fn a_declared_charset_that_changes_alone_is_no_change() {
    let server = FixtureServer::start();
    let page = fixture("mali-2025.html");
    let mut plain = Reply::html(page.clone());
    plain.content_type = "text/html".into();
    server.set("/mali", plain.clone());
    let ws = mali(&server, "");
    assert_eq!(ws.run(&["check"]).code, 0);
    for (content_type, meta) in [
        ("text/html", "<meta charset=\"iso-8859-1\"/>"),
        (
            "text/html; charset=windows-1252",
            "<meta charset=\"UTF-8\"/>",
        ),
        (
            "text/html; charset=utf-8",
            "<meta charset=\"windows-1252\"/>",
        ),
    ] {
        let mut reply = Reply::html(page.replacen("<meta charset=\"UTF-8\"/>", meta, 1));
        reply.content_type = content_type.into();
        server.set("/mali", reply);
        let (report, code) = ws.check_json(&[]);
        assert_eq!(code, 0, "{report}");
        assert_eq!(
            report["changes"],
            serde_json::json!([]),
            "{content_type} {meta}: {report}"
        );
    }
    let history = ws.run(&["history", "us-mali", "--format", "json"]);
    assert!(
        !history.stdout.contains("â€"),
        "mojibake stored: {}",
        history.stdout
    );
}

// Item 1: deep nesting.
#[test]
fn a_page_nested_100k_deep_is_refused_within_2_seconds() {
    let server = FixtureServer::start();
    let deep = format!(
        "<html><body>{}Level 4: Do Not Travel{}</body></html>",
        "<div>".repeat(100_000),
        "</div>".repeat(100_000)
    );
    server.set("/mali", Reply::html(deep));
    let ws = mali(&server, "");
    let start = Instant::now();
    let (report, code) = ws.check_json(&[]);
    let took = start.elapsed();
    assert_eq!(code, 2, "{report}");
    assert!(took < Duration::from_secs(2), "check took {took:?}");
    let failure = &report["failures"][0];
    assert_eq!(failure["kind"], "extraction", "{report}");
    assert!(
        failure["message"]
            .as_str()
            .is_some_and(|m| m.contains("nests elements more than 1000 deep")),
        "{report}"
    );
    let start = Instant::now();
    let extract = ws.run(&["extract", &server.url("/mali")]);
    assert_eq!(extract.code, 2, "{}", extract.stderr);
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "extract took {:?}",
        start.elapsed()
    );
}

fn daemon_config(server: &FixtureServer, names: &[&str]) -> String {
    let mut config = String::from(
        "[fetch]\ntimeout = \"20s\"\nretries = 0\nconcurrency = 4\nper_host = 4\n\n\
         [schedule]\ncron = \"* * * * * *\"\nallow_fast = true\njitter = \"0s\"\n\n[daemon]\ngrace = \"1s\"\n\n",
    );
    for name in names {
        config.push_str(&format!(
            "[[sources]]\nname = \"{name}\"\ncountry = \"Mali\"\nurl = \"{}\"\n\n",
            server.url(&format!("/{name}"))
        ));
    }
    config
}

// Item 2: one slow source holds back the rest.
#[test]
fn a_stalled_source_does_not_hold_back_a_fast_one() {
    let server = FixtureServer::start();
    server.serve_fixture("/fast", "mali-2025.html");
    server.set(
        "/slow",
        Reply::html(fixture("mali-2025.html")).delayed(Duration::from_secs(6)),
    );
    let ws = Workspace::new(&daemon_config(&server, &["fast", "slow"]));
    let mut daemon = DaemonProcess::start(&ws.config_path(), &[], ws.dir.path().join("log"));
    assert!(
        wait_until(Duration::from_secs(10), || server.hits("/slow") >= 1),
        "{}",
        daemon.log()
    );
    let start = Instant::now();
    let before = server.hits("/fast");
    while start.elapsed() < Duration::from_secs(8) {
        std::thread::sleep(Duration::from_millis(100));
    }
    let fast = server.hits("/fast") - before;
    let slow = server.hits("/slow");
    let started = Instant::now();
    let code = daemon.terminate(Duration::from_secs(10));
    assert_eq!(code, Some(0), "{}", daemon.log());
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "stopping took {:?}",
        started.elapsed()
    );
    assert!(
        fast >= 5,
        "the fast source was fetched {fast} times in 8 s (slow: {slow})\n{}",
        daemon.log()
    );
    assert!(
        slow <= 3,
        "the slow source is never checked twice at once: {slow}"
    );
}

// Item 2: SIGTERM during an extraction.
#[test]
fn sigterm_during_a_long_extraction_exits_within_the_grace() {
    let server = FixtureServer::start();
    // Within the page limits, but slow to parse: 300 blocks of 900 nested elements.
    let block = format!("{}x{}", "<div>".repeat(900), "</div>".repeat(900));
    server.set(
        "/heavy",
        Reply::html(format!("<html><body>{}</body></html>", block.repeat(300))),
    );
    let ws = Workspace::new(&daemon_config(&server, &["heavy"]));
    let mut daemon = DaemonProcess::start(&ws.config_path(), &[], ws.dir.path().join("log"));
    assert!(
        wait_until(Duration::from_secs(10), || server.hits("/heavy") >= 1),
        "{}",
        daemon.log()
    );
    std::thread::sleep(Duration::from_millis(1500));
    let started = Instant::now();
    let code = daemon.terminate(Duration::from_secs(30));
    let took = started.elapsed();
    assert_eq!(code, Some(0), "{}", daemon.log());
    assert!(
        took < Duration::from_secs(3),
        "exit took {took:?} with a grace of 1 s\n{}",
        daemon.log()
    );
    assert!(
        daemon.log().contains("abandoned after the grace time"),
        "{}",
        daemon.log()
    );
}

// Item 19: the systemd unit.
#[test]
fn the_systemd_unit_can_write_the_database_and_report_folders() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let unit = std::fs::read_to_string(root.join("contrib/advisory-watch.service")).expect("unit");
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README");
    let writable: Vec<&str> = unit
        .lines()
        .filter_map(|l| l.strip_prefix("ReadWritePaths="))
        .flat_map(|paths| paths.split_whitespace())
        .map(|p| p.trim_start_matches('-'))
        .chain(
            unit.lines()
                .filter_map(|l| l.strip_prefix("StateDirectory="))
                .map(|_| "/var/lib/advisory-watch"),
        )
        .collect();
    let report = readme
        .lines()
        .find_map(|l| l.trim().strip_prefix("path = \"/var/www/"))
        .map(|rest| format!("/var/www/{}", rest.split('"').next().unwrap_or_default()))
        .expect("the README documents a [report] path under /var/www");
    for needed in ["/var/lib/advisory-watch/advisory-watch.db", report.as_str()] {
        assert!(
            writable
                .iter()
                .any(|folder| needed.starts_with(&format!("{folder}/"))),
            "ProtectSystem=strict leaves {needed} read-only: ReadWritePaths {writable:?}"
        );
    }
    // The database folder is the unit's state directory (writable under ProtectSystem=strict,
    // and owned by the dynamic user) or named in ReadWritePaths.
    assert!(
        unit.lines().any(|l| l == "StateDirectory=advisory-watch"
            || (l.starts_with("ReadWritePaths=") && l.contains("/var/lib/advisory-watch"))),
        "the database folder is the state directory or named in ReadWritePaths"
    );
}

// Issue 21, items 1 and 7: the unit waits for READY=1, reloads with SIGHUP, watches the daemon.
#[test]
fn the_systemd_unit_is_notify_with_reload_and_watchdog() {
    let unit = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/contrib/advisory-watch.service"
    ))
    .expect("unit");
    for line in [
        "Type=notify",
        "ExecReload=/bin/kill -HUP $MAINPID",
        "DynamicUser=yes",
        "StateDirectory=advisory-watch",
        "UMask=0027",
        "SystemCallFilter=@system-service",
        "CapabilityBoundingSet=",
        "RestrictNamespaces=yes",
        "ProtectClock=yes",
        "LockPersonality=yes",
    ] {
        assert!(unit.lines().any(|l| l == line), "the unit lacks {line}");
    }
    assert!(
        unit.lines().any(|l| l.starts_with("WatchdogSec=")),
        "the unit sets no WatchdogSec"
    );
}

/// The path of systemd-analyze: a missing one fails the test (the build ignores it outside CI,
/// see build.rs).
fn systemd_analyze() -> &'static str {
    ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .expect("systemd-analyze is not installed; CI installs it (.ci/run)")
}

// Issue 21, item 7: the unit's exposure as systemd scores it. Ignored, with its reason, when
// the build found no systemd-analyze (see build.rs); under CI=true it always runs and fails
// without it.
#[test]
#[cfg_attr(
    systemd_analyze_missing,
    ignore = "systemd-analyze is not installed here (apt-get install systemd)"
)]
fn the_systemd_unit_has_an_exposure_of_at_most_3() {
    let output = Command::new(systemd_analyze())
        .args(["security", "--offline=true", "--no-pager"])
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/contrib/advisory-watch.service"
        ))
        .output()
        .expect("systemd-analyze");
    let stdout = String::from_utf8_lossy(&output.stdout);
    // "→ Overall exposure level for advisory-watch.service: 1.1 OK 🙂"
    let exposure: f64 = stdout
        .lines()
        .find_map(|l| l.split_once("Overall exposure level for advisory-watch.service:"))
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .and_then(|number| number.parse().ok())
        .unwrap_or_else(|| {
            panic!(
                "no exposure in systemd-analyze's output:\n{stdout}\n{}",
                String::from_utf8_lossy(&output.stderr)
            )
        });
    assert!(
        exposure <= 3.0,
        "exposure {exposure} is above 3.0:\n{stdout}"
    );
}

// Item 19: the systemd unit, as systemd reads it. Ignored, with its reason, when the build
// found no systemd-analyze (see build.rs); under CI=true it always runs.
#[test]
#[cfg_attr(
    systemd_analyze_missing,
    ignore = "systemd-analyze is not installed here (apt-get install systemd)"
)]
fn the_systemd_unit_passes_systemd_analyze_verify() {
    let analyze = systemd_analyze();
    let unit = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/contrib/advisory-watch.service"
    ))
    .expect("unit");
    // Verified as installed, with the binary this test built in place of /usr/local/bin.
    let dir = tempfile::tempdir().expect("dir");
    let copy = dir.path().join("advisory-watch.service");
    std::fs::write(
        &copy,
        unit.replace(
            "/usr/local/bin/advisory-watch",
            env!("CARGO_BIN_EXE_advisory-watch"),
        ),
    )
    .expect("write");
    let verify = Command::new(analyze)
        .arg("verify")
        .arg(&copy)
        .output()
        .expect("systemd-analyze");
    let stderr = String::from_utf8_lossy(&verify.stderr);
    assert!(verify.status.success(), "{stderr}");
    let complaints: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("advisory-watch.service"))
        .collect();
    assert!(complaints.is_empty(), "{stderr}");
}

// Items 16 and 17: CI on a stock Debian Python, and a browser test that cannot pass unseen.
#[test]
fn ci_uses_a_virtual_environment_and_counts_skipped_tests() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let ci = std::fs::read_to_string(root.join(".ci/run")).expect(".ci/run");
    assert!(
        !ci.lines()
            .any(|l| l.trim_start().starts_with("python3 -m pip install")),
        "a stock Debian Python refuses pip outside a virtual environment:\n{ci}"
    );
    assert!(
        ci.contains("python3 -m venv \"$venv\"") && ci.contains("venv=target/python-venv"),
        "{ci}"
    );
    let closing = ci.lines().last().unwrap_or_default();
    assert!(
        closing.contains("passed") && closing.contains("failed") && closing.contains("skipped"),
        "{closing}"
    );
    let browser = std::fs::read_to_string(root.join("tests/reports.rs")).expect("reports.rs");
    assert!(
        browser.contains("chromium_missing,\n    ignore = "),
        "a named ignored test"
    );
    assert!(!browser.contains("SKIPPED"), "no silent early return");
    // The summary line's arithmetic, on what cargo prints.
    let sample = "test result: ok. 3 passed; 0 failed; 1 ignored; 0 measured\ntest result: FAILED. 2 passed; 1 failed; 2 ignored; 0 measured\n";
    let script = ci
        .lines()
        .filter(|l| {
            l.starts_with("passed=") || l.starts_with("failed=") || l.starts_with("skipped=")
        })
        .collect::<Vec<_>>()
        .join("\n");
    let dir = tempfile::tempdir().expect("dir");
    let log = dir.path().join("log");
    std::fs::write(&log, sample).expect("write");
    let output = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "log={}\n{script}\necho \"$passed $failed $skipped\"",
            log.display()
        ))
        .output()
        .expect("bash");
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "5 1 3");
}

// Issue 23: the browser audit cannot pass unseen in CI either. CI installs Node.js when it is
// missing and the audit's modules before the tests; the test is ignored only where the build
// found no Chromium, Node.js or modules, which under CI=true it never does (build.rs).
#[test]
fn ci_installs_node_and_the_browser_audits_modules_before_the_tests() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let ci = std::fs::read_to_string(root.join(".ci/run")).expect(".ci/run");
    let at = |needle: &str| {
        ci.find(needle)
            .unwrap_or_else(|| panic!("`{needle}` is not in .ci/run:\n{ci}"))
    };
    assert!(at("if ! command -v node") < at("apt-get install -y -qq nodejs npm"));
    assert!(at("npm ci --prefix tests/browser") < at("cargo test --locked"));
    let build = std::fs::read_to_string(root.join("build.rs")).expect("build.rs");
    assert!(build.contains("if !ci && !audit_ready"), "{build}");
    let test = std::fs::read_to_string(root.join("tests/browser.rs")).expect("browser.rs");
    assert!(
        test.contains("any(chromium_missing, browser_audit_missing),\n    ignore = "),
        "a named ignored test"
    );
}

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README")
}

// Item 20: the README's top example is what the program prints.
#[test]
fn the_readme_example_is_the_real_mali_change() {
    let readme = readme();
    let example = readme
        .split("```text\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("the first text block");
    let dir = tempfile::tempdir().expect("dir");
    let old = common::fixture_path("mali-2023-legacy.html");
    let new = common::fixture_path("mali-2025.html");
    let diff = common::run_bare(dir.path(), &["diff", &old, &new]).stdout;
    let headline = example.lines().next().unwrap_or_default();
    assert_eq!(
        headline,
        format!(
            "Mali (us-mali): {}",
            diff.lines().next().unwrap_or_default()
        )
    );
    for line in example.lines().skip(1) {
        for piece in line.split("...").map(str::trim).filter(|p| !p.is_empty()) {
            assert!(
                diff.contains(piece),
                "the README shows `{piece}`, which the Mali diff does not print:\n{diff}"
            );
        }
    }
}

// Item 20: the built-in profiles table, the exit codes, and the security section.
#[test]
fn the_readme_tables_are_whole_and_the_security_section_names_real_tests() {
    let readme = readme();
    let table: Vec<&str> = readme
        .split("Built-in profiles")
        .nth(1)
        .expect("the profiles table")
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .collect();
    let dir = tempfile::tempdir().expect("dir");
    let check = common::run_bare(dir.path(), &["--config", "/dev/null", "config-check"]);
    let profiles: Vec<&str> = check
        .stdout
        .split("profiles:\n")
        .nth(1)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(profiles.len() >= 8, "{}", check.stdout);
    for profile in profiles {
        assert!(
            table
                .iter()
                .any(|row| row.starts_with(&format!("| `{profile}` |"))),
            "`{profile}` is missing from the README's one table of built-in profiles"
        );
    }

    let exit_codes = readme.split("### Exit codes").nth(1).expect("exit codes");
    let row = exit_codes
        .lines()
        .find(|l| l.starts_with("| 2 |"))
        .expect("code 2");
    for command in [
        "`check`",
        "`extract`",
        "`sources`",
        "`status`",
        "`notify test`",
    ] {
        assert!(
            row.contains(command),
            "exit code 2 does not mention {command}: {row}"
        );
    }

    let security = readme
        .split("## Security")
        .nth(1)
        .expect("a security section");
    let security = security.split("\n## ").next().unwrap_or_default();
    let mut sources = String::new();
    let mut folders: Vec<std::path::PathBuf> = ["tests", "src"]
        .iter()
        .map(|f| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(f))
        .collect();
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).expect("folder").flatten() {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
            } else {
                sources.push_str(&std::fs::read_to_string(&path).unwrap_or_default());
            }
        }
    }
    let named: Vec<&str> = security
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|name| name.contains("::"))
        .collect();
    assert!(named.len() >= 15, "{named:?}");
    for name in named {
        let function = name.rsplit("::").next().unwrap_or_default();
        assert!(
            function == "tests" || sources.contains(&format!("fn {function}(")),
            "the security section names `{name}`, which is not a test"
        );
    }
}

// Item 20: help, messages and formats that say what is true.
#[test]
fn commands_list_only_the_formats_they_print_and_say_each_error_once() {
    let server = FixtureServer::start();
    server.serve_fixture("/mali", "mali-2025.html");
    let ws = mali(&server, "");
    assert_eq!(ws.run(&["check"]).code, 0);
    for command in [
        "history",
        "sources",
        "status",
        "compare",
        "extract",
        "import",
        "discover",
        "deliveries",
    ] {
        let help = ws.run(&[command, "--help"]).stdout;
        assert!(
            !help.contains("markdown"),
            "`{command} --help` lists markdown:\n{help}"
        );
    }
    for command in ["check", "diff", "report"] {
        let help = ws.run(&[command, "--help"]).stdout;
        assert!(help.contains("markdown"), "`{command} --help`:\n{help}");
    }
    let markdown = ws.run(&["history", "us-mali", "--format", "markdown"]);
    assert_eq!(
        markdown.code, 2,
        "refused by the argument parser: {}",
        markdown.stdout
    );

    let nope = ws.run(&["history", "nope"]);
    assert_eq!(nope.code, 1);
    assert!(!nope.stderr.contains("check nope"), "{}", nope.stderr);
    assert!(
        nope.stderr.contains("advisory-watch sources"),
        "{}",
        nope.stderr
    );

    let dir = tempfile::tempdir().expect("dir");
    let missing = common::run_bare(
        dir.path(),
        &["--config", "/nonexistent/config.toml", "check"],
    );
    assert_eq!(missing.code, 3);
    assert_eq!(
        missing.stderr.matches("No such file or directory").count(),
        1,
        "{}",
        missing.stderr
    );
}

// Issue 22, item 6: security headers on every response, the ones no page handler wrote too.
#[test]
fn unknown_routes_wrong_methods_and_bad_queries_carry_the_security_headers() {
    let server = FixtureServer::start();
    server.serve_fixture("/mali", "mali-2025.html");
    let ws = mali(&server, "");
    assert_eq!(ws.run(&["check"]).code, 0);
    let dashboard = common::dashboard::Dashboard::start(&ws);
    for (method, path, status) in [
        ("GET", "/no-such-page", 404),
        ("POST", "/", 405),
        ("DELETE", "/api/sources", 405),
        ("GET", "/changes?level=9", 400),
        ("GET", "/api/changes?days=0", 400),
    ] {
        let (got, head, body) = dashboard.request(method, path);
        assert_eq!(got, status, "{method} {path}: {body}");
        let head = head.to_lowercase();
        for header in [
            "content-security-policy: default-src 'none'",
            "frame-ancestors 'none'",
            "x-content-type-options: nosniff",
            "referrer-policy: no-referrer",
        ] {
            assert!(
                head.contains(header),
                "{method} {path} lacks {header}:\n{head}"
            );
        }
    }
}

// ---- issue 22 part B: secrets, control characters, lengths, configuration ----

/// Every file of the workspace but its configuration (the database, its -wal and -shm, logs),
/// as text: what must never hold a secret.
fn stored_files(ws: &Workspace) -> Vec<(String, String)> {
    std::fs::read_dir(ws.dir.path())
        .expect("the workspace")
        .flatten()
        .filter(|entry| entry.file_name() != "config.toml" && entry.path().is_file())
        .map(|entry| {
            let bytes = std::fs::read(entry.path()).unwrap_or_default();
            (
                entry.path().display().to_string(),
                String::from_utf8_lossy(&bytes).into_owned(),
            )
        })
        .collect()
}

/// A raw email's subject, text and HTML, decoded.
fn decoded_email(raw: &[u8]) -> String {
    let message = mail_parser::MessageParser::default()
        .parse(raw)
        .expect("a parseable email");
    let mut text = message.subject().unwrap_or_default().to_owned();
    for index in 0..2 {
        text.push('\n');
        text.push_str(&message.body_text(index).unwrap_or_default());
        text.push('\n');
        text.push_str(&message.body_html(index).unwrap_or_default());
    }
    text
}

/// The channels of part B's tests: a webhook and an email channel that hear changes and
/// sources gone dark.
fn hook_and_mail(hook: &WebhookReceiver, smtp: &common::peers::SmtpServer) -> String {
    let on = "on = [\"level\", \"indicators\", \"summary\", \"source_failure\"]";
    format!(
        "[[notify.webhook]]\nname = \"ops-hook\"\nurl = \"{}\"\n{on}\n\n\
         [[notify.email]]\nname = \"analysts\"\nsmtp_host = \"127.0.0.1\"\nsmtp_port = {}\ntls = \"none\"\n\
         from = \"alerts@example.org\"\nto = [\"desk@example.org\"]\n{on}\n",
        hook.url(),
        smtp.port
    )
}

// Item 3: a password and a token in a source URL, a URL and headers from the environment.
#[test]
fn credentials_of_a_source_reach_no_output_log_notification_or_file() {
    let server = FixtureServer::start();
    let hook = WebhookReceiver::start("unused");
    let smtp = common::peers::SmtpServer::start();
    server.serve_fixture("/mali?token=abc123", "mali-2023-legacy.html");
    server.serve_fixture("/nepal?api_key=KEYxyz9", "nepal-2026.html");
    server.serve_fixture("/feeds/pathSECRET5/mali", "mali-2023-legacy.html");
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let closed_address = closed.local_addr().expect("address");
    drop(closed);
    let config = format!(
        "[fetch]\ntimeout = \"5s\"\nretries = 1\nretry_initial = \"50ms\"\n\
         headers_env = {{ X-Api-Key = \"AW_TEST_API_KEY\" }}\n\n\
         [notify]\nfailing_after = 1\n\n\
         [[sources]]\nname = \"us-mali\"\ncountry = \"Mali\"\nurl = \"http://user:s3cret@{address}/mali?token=abc123\"\n\n\
         [[sources]]\nname = \"us-nepal\"\ncountry = \"Nepal\"\nurl_env = \"AW_TEST_SOURCE_URL\"\n\
         headers_env = {{ Authorization = \"AW_TEST_SOURCE_TOKEN\" }}\n\n\
         [[sources]]\nname = \"us-mali-copy\"\ncountry = \"Mali\"\nurl = \"http://{address}/feeds/{{secret}}/mali\"\n\
         url_env = \"AW_TEST_PATH_SECRET\"\n\n\
         [[sources]]\nname = \"us-chad\"\ncountry = \"Chad\"\nurl = \"http://user:s3cret@{closed_address}/chad?token=abc123\"\n\n{}",
        hook_and_mail(&hook, &smtp),
        address = server.address,
    );
    let ws = Workspace::new(&config);
    let nepal_url = format!("http://{}/nepal?api_key=KEYxyz9", server.address);
    let env = [
        ("AW_TEST_SOURCE_URL", nepal_url.as_str()),
        ("AW_TEST_SOURCE_TOKEN", "Bearer tok3nSECRET"),
        ("AW_TEST_API_KEY", "apikeyVALUE7"),
        ("AW_TEST_PATH_SECRET", "pathSECRET5"),
    ];
    let secrets = [
        "s3cret",
        "abc123",
        "KEYxyz9",
        "tok3nSECRET",
        "apikeyVALUE7",
        "pathSECRET5",
    ];
    let mut seen: Vec<(String, String)> = Vec::new();
    let mut keep = |what: &str, run: &common::Run| {
        seen.push((format!("{what} (stdout)"), run.stdout.clone()));
        seen.push((format!("{what} (stderr)"), run.stderr.clone()));
    };

    let first = run_env(&ws, &["-vv", "check"], &env);
    assert_eq!(first.code, 2, "us-chad cannot be reached: {}", first.stderr);
    keep("first check", &first);
    // The headers went with the requests, the source's own and [fetch]'s.
    let heads = server
        .last_request_headers("/nepal?api_key=KEYxyz9")
        .join("\n")
        .to_lowercase();
    assert!(
        heads.contains("authorization: bearer tok3nsecret"),
        "{heads}"
    );
    assert!(heads.contains("x-api-key: apikeyvalue7"), "{heads}");
    let mali_heads = server
        .last_request_headers("/mali?token=abc123")
        .join("\n")
        .to_lowercase();
    assert!(
        mali_heads.contains("x-api-key: apikeyvalue7"),
        "{mali_heads}"
    );
    assert!(
        mali_heads.contains("authorization: basic"),
        "the URL's user name and password as Basic credentials: {mali_heads}"
    );

    server.serve_fixture("/mali?token=abc123", "mali-2025.html");
    server.serve_fixture("/nepal?api_key=KEYxyz9", "nepal-2026-level3.html");
    server.serve_fixture("/feeds/pathSECRET5/mali", "mali-2025.html");
    let second = run_env(&ws, &["-vv", "check"], &env);
    assert_eq!(second.code, 2, "{}", second.stderr);
    assert!(
        second.stdout.contains("Mali (us-mali)")
            && second.stdout.contains("Mali (us-mali-copy)")
            && second.stdout.contains("Nepal (us-nepal)"),
        "{}",
        second.stdout
    );
    keep("second check", &second);
    let once = run_env(&ws, &["-v", "daemon", "--once"], &env);
    assert_eq!(once.code, 2, "{}", once.stderr);
    keep("daemon --once", &once);

    let mut reading: Vec<Vec<&str>> = vec![
        vec!["status"],
        vec!["status", "--format", "json"],
        vec!["sources"],
        vec!["sources", "--format", "json"],
        vec!["config-check"],
        vec!["history", "us-mali"],
        vec!["history", "us-mali", "--format", "json"],
        vec!["history", "us-chad", "--format", "json"],
        vec!["deliveries"],
        vec!["deliveries", "--format", "json"],
        vec!["report", "--brief"],
        vec!["report", "--format", "markdown", "--full"],
    ];
    for format in ["text", "markdown", "html", "json", "csv", "atom"] {
        reading.push(vec!["report", "--format", format]);
    }
    for args in &reading {
        // Without the variables: reading needs none (`status` says 2: us-chad fails).
        let run = ws.run(args);
        assert!(run.code == 0 || run.code == 2, "{args:?}: {}", run.stderr);
        keep(&args.join(" "), &run);
    }
    let sources: serde_json::Value =
        serde_json::from_str(&ws.run(&["sources", "--format", "json"]).stdout).expect("json");
    let url_of = |name: &str| {
        sources
            .as_array()
            .and_then(|all| all.iter().find(|s| s["name"] == name))
            .map(|s| s["url"].as_str().unwrap_or_default().to_owned())
            .unwrap_or_default()
    };
    assert_eq!(
        url_of("us-mali"),
        format!("http://…@{}/mali?token=…", server.address)
    );
    assert_eq!(
        url_of("us-nepal"),
        format!("http://{}/nepal?api_key=…", server.address)
    );
    assert_eq!(
        url_of("us-mali-copy"),
        format!("http://{}/feeds/…/mali", server.address)
    );

    let dashboard = common::dashboard::Dashboard::start(&ws);
    for path in [
        "/",
        "/sources",
        "/api/sources",
        "/source?name=us-mali",
        "/source?name=us-nepal",
        "/source?name=us-chad",
        "/changes?since=30d",
        "/changes.csv?since=30d",
        "/api/changes",
        "/feed.atom",
        "/country/Mali",
        "/api/country/Mali",
        "/api/movers",
    ] {
        seen.push((format!("GET {path}"), dashboard.get(path)));
    }
    drop(dashboard);

    assert!(
        wait_until(Duration::from_secs(10), || smtp.messages().len() >= 3),
        "an email for us-chad going dark and one for each change: {}",
        smtp.messages().len()
    );
    let received = hook.received();
    assert!(received.len() >= 3, "{received:?}");
    assert!(
        received
            .iter()
            .any(|r| r.body["url"] == format!("http://…@{}/mali?token=…", server.address)),
        "{received:?}"
    );
    for call in &received {
        seen.push(("webhook".into(), call.body.to_string()));
    }
    for raw in smtp.messages() {
        seen.push((
            "email (raw)".into(),
            String::from_utf8_lossy(&raw).into_owned(),
        ));
        seen.push(("email (decoded)".into(), decoded_email(&raw)));
    }
    seen.extend(stored_files(&ws));
    assert!(
        seen.iter()
            .any(|(what, _)| what.ends_with("advisory-watch.db-wal")),
        "the write-ahead log is searched too: {:?}",
        seen.iter().map(|(what, _)| what).collect::<Vec<_>>()
    );
    for (what, text) in &seen {
        for secret in secrets {
            assert!(!text.contains(secret), "`{secret}` in {what}:\n{text}");
        }
    }
}

// Item 3: a variable a source needs, unset.
#[test]
fn an_unset_source_variable_stops_only_the_commands_that_fetch_that_source() {
    let server = FixtureServer::start();
    server.serve_fixture("/mali", "mali-2025.html");
    let ws = mali(
        &server,
        "[[sources]]\nname = \"api\"\ncountry = \"Nepal\"\nurl_env = \"AW_TEST_UNSET_SOURCE_URL\"\n\
         headers_env = { Authorization = \"AW_TEST_UNSET_SOURCE_TOKEN\" }\n",
    );
    for args in [&["check"][..], &["daemon", "--once"], &["daemon"]] {
        let run = ws.run(args);
        assert_eq!(run.code, 3, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains(
                "source `api` needs the environment variables AW_TEST_UNSET_SOURCE_URL (url_env), AW_TEST_UNSET_SOURCE_TOKEN (headers_env.Authorization), which is not set"
            ),
            "{args:?}: {}",
            run.stderr
        );
    }
    let mali_only = ws.run(&["check", "us-mali"]);
    assert_eq!(mali_only.code, 0, "{}", mali_only.stderr);
    let config_check = ws.run(&["config-check"]);
    assert_eq!(config_check.code, 0, "{}", config_check.stderr);
    assert!(
        config_check
            .stdout
            .contains("waits for AW_TEST_UNSET_SOURCE_URL (url_env)"),
        "{}",
        config_check.stdout
    );
    let sources = ws.run(&["sources"]);
    assert_eq!(sources.code, 0, "{}", sources.stderr);
}

// Item 3: a token header goes to the configured host only.
#[test]
fn headers_from_the_environment_never_follow_a_redirect_to_another_host() {
    let server = FixtureServer::start();
    let elsewhere = FixtureServer::start();
    elsewhere.serve_fixture("/mali", "mali-2025.html");
    server.set(
        "/mali",
        Reply::status(302).header("Location", &elsewhere.url("/mali")),
    );
    let ws = Workspace::new(&format!(
        "[fetch]\ntimeout = \"5s\"\nheaders_env = {{ X-Api-Key = \"AW_TEST_API_KEY\" }}\n\n\
         [[sources]]\nname = \"us-mali\"\ncountry = \"Mali\"\nurl = \"{}\"\n",
        server.url("/mali")
    ));
    let run = run_env(&ws, &["check"], &[("AW_TEST_API_KEY", "apikeyVALUE7")]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stdout.contains("refused a redirect to") && run.stdout.contains("headers_env"),
        "{}",
        run.stdout
    );
    assert_eq!(elsewhere.hits("/mali"), 0, "the other host was never asked");
    assert!(!run.stdout.contains("apikeyVALUE7") && !run.stderr.contains("apikeyVALUE7"));
    // Without headers from the environment, the same redirect is followed.
    let plain = Workspace::with_sources(
        &[("us-mali", "Mali", &server.url("/mali"), "state-dept")],
        "",
    );
    let run = plain.run(&["check"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(elsewhere.hits("/mali"), 1);
}

/// Global Affairs Canada's index (profile `canada`) with these (ISO key, name, advisory state
/// 0-3) entries.
fn canada_index(entries: &[(&str, &str, u8)]) -> Reply {
    let texts = [
        "Take normal security precautions",
        "Exercise a high degree of caution",
        "Avoid non-essential travel",
        "Avoid all travel",
    ];
    let data: serde_json::Map<String, serde_json::Value> = entries
        .iter()
        .map(|(iso, name, state)| {
            (
                (*iso).to_owned(),
                serde_json::json!({
                    "country-iso": iso,
                    "advisory-state": state,
                    "date-published": {"date": "2026-07-02 14:24:43"},
                    "eng": {
                        "name": name,
                        "advisory-text": texts[usize::from(*state)],
                        "recent-updates": "Editorial change"
                    }
                }),
            )
        })
        .collect();
    let mut reply = Reply::html(serde_json::json!({ "data": data }).to_string());
    reply.content_type = "application/json".into();
    reply
}

fn canada_workspace(server: &FixtureServer, extra: &str) -> Workspace {
    Workspace::new(&format!(
        "[fetch]\ntimeout = \"10s\"\nretry_initial = \"50ms\"\n\n\
         [[sources]]\nname = \"ca\"\ncountry = \"*\"\nkind = \"json\"\nprofile = \"canada\"\nurl = \"{}\"\n\n{extra}",
        server.url("/ca")
    ))
}

/// Whether an email's raw lines all fit RFC 5322's 998 characters, and its longest line.
fn longest_line(raw: &[u8]) -> usize {
    raw.split(|b| *b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line).len())
        .max()
        .unwrap_or(0)
}

// Item 7: control characters in a feed's text.
#[test]
fn a_line_feed_in_a_feeds_country_forges_no_line_and_no_mail_header() {
    let forged = "Mali (us-mali): Level lowered from 4 to 1";
    let hostile = format!("Freedonia\n{forged}\r\nSubject: forged\u{1b}[2J");
    let server = FixtureServer::start();
    let hook = WebhookReceiver::start("unused");
    let smtp = common::peers::SmtpServer::start();
    server.set(
        "/ca",
        canada_index(&[("XF", &hostile, 3), ("ML", "Mali", 3)]),
    );
    let ws = canada_workspace(&server, &hook_and_mail(&hook, &smtp));
    let first = ws.run(&["check"]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    server.set(
        "/ca",
        canada_index(&[("XF", &hostile, 2), ("ML", "Mali", 3)]),
    );
    let check = ws.run(&["check"]);
    assert_eq!(check.code, 0, "{}", check.stderr);
    assert!(
        check
            .stdout
            .contains("Freedonia Mali (us-mali): Level lowered from 4 to 1 Subject: forged"),
        "the name is one line: {}",
        check.stdout
    );
    let brief = ws.run(&["report", "--brief"]);
    let sources = ws.run(&["sources"]);
    let report = ws.run(&["report"]);
    for (what, out) in [
        ("check", &check.stdout),
        ("report --brief", &brief.stdout),
        ("report", &report.stdout),
        ("sources", &sources.stdout),
    ] {
        assert!(out.contains("Freedonia"), "{what}: {out}");
        for line in out.lines() {
            assert!(
                !line.trim_start().starts_with(forged) && !line.starts_with("Subject"),
                "{what} prints a forged line {line:?}:\n{out}"
            );
        }
    }
    // What is stored is one line too, so JSON readers get it so.
    let listed: serde_json::Value =
        serde_json::from_str(&ws.run(&["sources", "--format", "json"]).stdout).expect("json");
    let country = listed
        .as_array()
        .and_then(|all| all.iter().find(|s| s["name"] == "ca/xf"))
        .and_then(|s| s["country"].as_str())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(
        country,
        "Freedonia Mali (us-mali): Level lowered from 4 to 1 Subject: forged [2J"
    );
    assert!(wait_until(Duration::from_secs(10), || !smtp
        .messages()
        .is_empty()));
    let raw = smtp.messages().remove(0);
    let message = mail_parser::MessageParser::default()
        .parse(&raw)
        .expect("a parseable email");
    let subject = message.subject().unwrap_or_default();
    assert!(
        subject.starts_with("Freedonia Mali (us-mali)"),
        "{subject:?}"
    );
    assert!(!subject.contains(['\r', '\n', '\u{1b}']), "{subject:?}");
    let raw_text = String::from_utf8_lossy(&raw);
    assert!(
        !raw_text.lines().any(|l| l.starts_with("Subject: forged")),
        "{raw_text}"
    );
    let slack_like = hook.received();
    assert!(
        slack_like.iter().all(|r| !r.body["headline"]
            .as_str()
            .unwrap_or_default()
            .contains('\n')),
        "{slack_like:?}"
    );
}

// Item 8: lengths.
#[test]
fn a_megabyte_feed_title_makes_a_bounded_name_and_subject_and_is_kept_whole() {
    let huge = format!("Freedonia{}", "x".repeat(1 << 20));
    let server = FixtureServer::start();
    let hook = WebhookReceiver::start("unused");
    let smtp = common::peers::SmtpServer::start();
    server.set("/ca", canada_index(&[("XF", &huge, 3)]));
    let ws = canada_workspace(&server, &hook_and_mail(&hook, &smtp));
    let first = ws.run(&["check"]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    server.set("/ca", canada_index(&[("XF", &huge, 1)]));
    let check = ws.run(&["check"]);
    assert_eq!(check.code, 0, "{}", check.stderr);
    assert!(
        check.stdout.len() < 4_000,
        "check printed {} bytes",
        check.stdout.len()
    );

    let sources: serde_json::Value =
        serde_json::from_str(&ws.run(&["sources", "--format", "json"]).stdout).expect("json");
    let child = sources
        .as_array()
        .and_then(|all| all.iter().find(|s| s["name"] == "ca/xf"))
        .unwrap_or_else(|| panic!("ca/xf: {sources}"));
    let country = child["country"].as_str().expect("country");
    assert_eq!(country.chars().count(), 200, "{country}");
    assert!(country.starts_with("Freedonia") && country.ends_with('…'));

    let history: serde_json::Value =
        serde_json::from_str(&ws.run(&["history", "ca/xf", "--format", "json"]).stdout)
            .expect("json");
    assert_eq!(
        history["versions"][0]["full_name"].as_str().map(str::len),
        Some(huge.len()),
        "the whole name is kept in the advisory"
    );

    assert!(wait_until(Duration::from_secs(10), || !smtp
        .messages()
        .is_empty()));
    let raw = smtp.messages().remove(0);
    assert!(raw.len() < 100_000, "an email of {} bytes", raw.len());
    assert!(
        longest_line(&raw) <= 998,
        "a line of {} bytes",
        longest_line(&raw)
    );
    let message = mail_parser::MessageParser::default()
        .parse(&raw)
        .expect("a parseable email");
    let subject = message.subject().unwrap_or_default();
    assert!(subject.chars().count() <= 200, "{subject}");
    assert!(subject.starts_with("Freedonia"), "{subject}");
    let received = hook.received();
    assert!(
        received.iter().all(|r| r.body["country"]
            .as_str()
            .unwrap_or_default()
            .chars()
            .count()
            <= 200),
        "the webhook carries the bounded name"
    );
}

// Item 11: configuration rules.
#[test]
fn fast_schedules_and_unusable_source_names_are_refused_naming_the_rule() {
    let server = FixtureServer::start();
    let per_second = mali(&server, "[schedule]\ncron = \"* * * * * *\"\n");
    let refused = per_second.run(&["config-check"]);
    assert_eq!(refused.code, 3, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("key `schedule.cron`")
            && refused.stderr.contains("fires more than once a minute")
            && refused.stderr.contains("allow_fast = true"),
        "{}",
        refused.stderr
    );
    let allowed = mali(
        &server,
        "[schedule]\ncron = \"*/10 * * * * *\"\nallow_fast = true\n",
    );
    let run = allowed.run(&["config-check"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("fires more than once a minute"),
        "allowed, with a warning: {}",
        run.stderr
    );

    let long = "n".repeat(10_000);
    for (name, why) in [
        ("..", "holds `..`"),
        ("-rf", "starts with `-`"),
        (long.as_str(), "10000 characters"),
        ("a/b", "`/` is only for a feed's countries"),
    ] {
        let ws = Workspace::with_sources(&[(name, "Mali", &server.url("/mali"), "state-dept")], "");
        let run = ws.run(&["config-check"]);
        assert_eq!(run.code, 3, "{name:.20}: {}", run.stderr);
        assert!(
            run.stderr.contains("key `name`") && run.stderr.contains(why),
            "{}",
            run.stderr
        );
        assert!(
            run.stderr
                .contains("letters, digits, `-`, `_` and `.` only")
                && run.stderr.contains("at most 100 characters"),
            "the rule is named: {}",
            run.stderr
        );
        assert!(run.stderr.len() < 1_000, "{} bytes", run.stderr.len());
    }

    // A feed's keys become names by the same rule.
    server.set(
        "/ca",
        canada_index(&[
            ("../../etc/passwd", "Freedonia", 1),
            ("-rf", "Sylvania", 2),
            ("ML", "Mali", 3),
        ]),
    );
    let ws = canada_workspace(&server, "");
    let check = ws.run(&["check"]);
    assert_eq!(check.code, 0, "{}", check.stderr);
    let sources: serde_json::Value =
        serde_json::from_str(&ws.run(&["sources", "--format", "json"]).stdout).expect("json");
    let mut names: Vec<String> = sources
        .as_array()
        .expect("sources")
        .iter()
        .filter_map(|s| s["name"].as_str().map(str::to_owned))
        .collect();
    names.sort();
    assert_eq!(names, ["ca", "ca/etc-passwd", "ca/ml", "ca/rf"]);
}

// ---- issue 22 part C: dashboard clients, Host, one daemon per file ----

/// The binary with `args` (`serve ...` or `daemon --listen ...`), its stderr in `log`, and the
/// address its first line of output says it listens on (within 10 s); stopped when dropped.
fn listening(ws: &Workspace, args: &[&str], log: &str) -> (DaemonProcess, String) {
    let log = ws.dir.path().join(log);
    let stderr = std::fs::File::create(&log).expect("log file");
    let mut child = binary()
        .arg("--config")
        .arg(ws.config_path())
        .args(args)
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .expect("start the binary");
    let stdout = child.stdout.take().expect("stdout");
    let process = DaemonProcess { child, log };
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut reader = std::io::BufReader::new(stdout);
        let mut line = String::new();
        let _ = std::io::BufRead::read_line(&mut reader, &mut line);
        let _ = tx.send(line);
        // Whatever else it prints is read, so that it never writes into a closed pipe.
        let _ = std::io::copy(&mut reader, &mut std::io::sink());
    });
    let line = rx.recv_timeout(Duration::from_secs(10)).unwrap_or_default();
    let address = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_else(|| panic!("no address in {line:?}:\n{}", process.log()))
        .to_owned();
    (process, address)
}

/// One GET with the given Host header: status, head and body (read within 10 s).
fn get_as(address: &str, path: &str, host: &str) -> (u16, String, String) {
    common::http_request_as(address, "GET", path, host)
}

/// Whether the server closed `stream` by `deadline` (end of file or a reset, nothing else).
fn closed_by(mut stream: &std::net::TcpStream, deadline: Instant) -> bool {
    use std::io::Read;
    let mut buf = [0u8; 1024];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return false;
        }
        stream.set_read_timeout(Some(left)).expect("timeout");
        match stream.read(&mut buf) {
            Ok(0) => return true,
            // An answer (a 408, say) before the close is fine; read on.
            Ok(_) => continue,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return false;
            }
            Err(_) => return true,
        }
    }
}

/// The Mali page served, configured (with `extra` settings) and checked once.
fn checked_mali_with(extra: &str) -> (FixtureServer, Workspace) {
    let server = FixtureServer::start();
    server.serve_fixture("/mali", "mali-2025.html");
    let ws = mali(&server, extra);
    assert_eq!(ws.run(&["check"]).code, 0);
    (server, ws)
}

fn checked_mali() -> (FixtureServer, Workspace) {
    checked_mali_with("")
}

// Item 4: clients that never finish their headers, and idle keep-alive connections.
#[test]
fn three_hundred_half_sent_requests_are_closed_and_a_normal_request_is_served_at_once() {
    use std::io::Write;
    let (_server, ws) = checked_mali();
    // Long enough that holding 300 connections fits inside it on a loaded machine.
    let timeout = Duration::from_secs(5);
    let (dashboard, address) = listening(
        &ws,
        &["serve", "--listen", "127.0.0.1:0", "--header-timeout", "5s"],
        "serve.log",
    );
    let started = Instant::now();
    let held: Vec<std::net::TcpStream> = (0..300)
        .map(|_| {
            let mut stream = std::net::TcpStream::connect(&address).expect("connect");
            stream
                .write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                .expect("half a request");
            stream
        })
        .collect();
    // A keep-alive connection that was answered once and then says nothing.
    let mut idle = std::net::TcpStream::connect(&address).expect("connect");
    write!(idle, "GET /api/sources HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").expect("write");
    let mut answer = [0u8; 64];
    idle.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let n = std::io::Read::read(&mut idle, &mut answer).expect("an answer");
    assert!(
        answer[..n].starts_with(b"HTTP/1.1 200"),
        "{:?}",
        &answer[..n]
    );

    // While they are held, others are served.
    let asked = Instant::now();
    let (status, _, _) = common::http_request(&address, "GET", "/sources");
    assert_eq!(status, 200);
    assert!(
        asked.elapsed() < Duration::from_secs(2),
        "{:?}",
        asked.elapsed()
    );
    assert!(
        started.elapsed() < timeout,
        "the setup took the whole timeout; the test proves nothing"
    );

    // Each is closed by the server, within the timeout and a margin.
    let deadline = started + timeout + Duration::from_secs(8);
    let open = held
        .iter()
        .filter(|stream| !closed_by(stream, deadline))
        .count();
    assert_eq!(
        open,
        0,
        "connections still open after {:?}",
        started.elapsed()
    );
    assert!(
        closed_by(&idle, deadline),
        "the idle keep-alive connection is open"
    );
    drop(held);

    let asked = Instant::now();
    let (status, head, _) = common::http_request(&address, "GET", "/");
    assert_eq!(status, 200, "{head}");
    assert!(
        asked.elapsed() < Duration::from_secs(1),
        "{:?}",
        asked.elapsed()
    );
    assert!(
        wait_until(Duration::from_secs(5), || dashboard
            .log()
            .contains("did not send a whole request head within 5s")),
        "{}",
        dashboard.log()
    );
}

// Item 4: a cap on connections, never a silent hang.
#[test]
fn a_connection_over_the_cap_is_answered_503_at_once_and_logged() {
    use std::io::{Read, Write};
    let (_server, ws) = checked_mali();
    let (dashboard, address) = listening(
        &ws,
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--max-connections",
            "5",
            "--header-timeout",
            "30s",
        ],
        "serve.log",
    );
    let held: Vec<std::net::TcpStream> = (0..5)
        .map(|_| {
            let mut stream = std::net::TcpStream::connect(&address).expect("connect");
            stream.write_all(b"GET / HTTP/1.1\r\n").expect("write");
            stream
        })
        .collect();
    // The server has taken all five once one more request head of theirs would be answered:
    // give it a moment to accept them.
    std::thread::sleep(Duration::from_millis(300));
    let asked = Instant::now();
    let mut over = std::net::TcpStream::connect(&address).expect("connect");
    over.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let mut answer = String::new();
    let _ = over.read_to_string(&mut answer);
    assert!(
        answer.starts_with("HTTP/1.1 503"),
        "the sixth connection: {answer:?} after {:?}",
        asked.elapsed()
    );
    assert!(
        asked.elapsed() < Duration::from_secs(2),
        "{:?}",
        asked.elapsed()
    );
    assert!(
        wait_until(Duration::from_secs(5), || dashboard
            .log()
            .contains("5 connections are open, the most it serves at once")),
        "{}",
        dashboard.log()
    );
    // Once they close, new ones are served.
    drop(held);
    assert!(
        wait_until(Duration::from_secs(5), || {
            get_as(&address, "/api/sources", "127.0.0.1").0 == 200
        }),
        "{}",
        dashboard.log()
    );
}

// Item 5: the Host header on the dashboard and the metrics listener, and --allowed-host.
#[test]
fn a_foreign_host_gets_421_from_the_dashboard_and_the_metrics_and_allowed_hosts_are_answered() {
    let (_server, ws) = checked_mali();
    let (_dashboard, address) = listening(&ws, &["serve", "--listen", "127.0.0.1:0"], "serve.log");
    let port = address.rsplit(':').next().expect("a port");
    let (status, head, body) = get_as(&address, "/api/sources", "evil.example");
    assert_eq!(status, 421, "{head}\n{body}");
    let lower = head.to_lowercase();
    for header in [
        "content-security-policy: default-src 'none'",
        "x-content-type-options: nosniff",
        "referrer-policy: no-referrer",
    ] {
        assert!(lower.contains(header), "the 421 lacks {header}:\n{head}");
    }
    assert!(
        body.contains("evil.example") && body.contains("--allowed-host"),
        "{body}"
    );
    assert!(!body.contains("us-mali"), "{body}");
    for host in [
        "localhost".to_owned(),
        format!("localhost:{port}"),
        format!("127.0.0.1:{port}"),
        "[::1]".to_owned(),
    ] {
        let (status, _, body) = get_as(&address, "/api/sources", &host);
        assert_eq!(status, 200, "Host {host}: {body}");
    }
    let (status, _, _) = get_as(&address, "/api/sources", &format!("evil.example:{port}"));
    assert_eq!(status, 421);

    let (_proxied, address) = listening(
        &ws,
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--allowed-host",
            "dash.example",
        ],
        "proxied.log",
    );
    let (status, _, body) = get_as(&address, "/api/sources", "dash.example");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("us-mali"), "{body}");
    assert_eq!(get_as(&address, "/api/sources", "evil.example").0, 421);

    let (daemon, address) = listening(&ws, &["daemon", "--listen", "127.0.0.1:0"], "daemon.log");
    let (status, _, body) = get_as(&address, "/metrics", "evil.example");
    assert_eq!(status, 421, "{body}\n{}", daemon.log());
    assert!(!body.contains("us-mali"), "{body}");
    let (status, _, body) = get_as(&address, "/metrics", &address);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("us-mali"), "{body}");
}

// Item 5: the warning beyond loopback is not a log line that -q hides.
#[test]
fn quiet_serve_beyond_loopback_still_prints_the_warning() {
    let (_server, ws) = checked_mali();
    // TEST-NET-1, which this machine does not have: the bind fails after the warning.
    let run = ws.run(&["-q", "serve", "--listen", "192.0.2.1:0"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "192.0.2.1:0 is reachable from other machines, and the dashboard has no access control of its own"
        ),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--allowed-host"), "{}", run.stderr);
}

/// `daemon` on another name of the database, waited for at most 15 s.
fn daemon_on(ws: &Workspace, db: &std::path::Path) -> common::Run {
    let mut child = binary()
        .arg("--config")
        .arg(ws.config_path())
        .arg("--db")
        .arg(db)
        .arg("daemon")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the daemon");
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(15) {
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    if let Ok(None) = child.try_wait() {
        let _ = child.kill();
    }
    common::Run::from(child.wait_with_output().expect("the daemon ends"))
}

// Item 10: one daemon per database file, whatever name it is reached by.
#[test]
fn a_second_daemon_through_a_symlink_or_a_hard_link_to_the_database_is_refused() {
    let (_server, ws) = mali_with_schedule();
    let db = ws.db_path();
    let mut daemon = DaemonProcess::start(&ws.config_path(), &[], ws.dir.path().join("log"));
    assert!(
        wait_until(Duration::from_secs(10), || daemon
            .log()
            .contains("daemon started")),
        "{}",
        daemon.log()
    );
    let pid = format!("pid {}", daemon.child.id());

    let symlink = ws.dir.path().join("symlink.db");
    std::os::unix::fs::symlink(&db, &symlink).expect("symlink");
    let refused = daemon_on(&ws, &symlink);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(
        refused
            .stderr
            .contains("another advisory-watch daemon is already running on")
            && refused.stderr.contains(&pid)
            && refused.stderr.contains("advisory-watch.db"),
        "{}",
        refused.stderr
    );

    let hard_link = ws.dir.path().join("hard-link.db");
    std::fs::hard_link(&db, &hard_link).expect("hard link");
    let refused = daemon_on(&ws, &hard_link);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("hard-link.db")
            && refused.stderr.contains("a hard link")
            && refused.stderr.contains(&pid),
        "{}",
        refused.stderr
    );
    assert!(!ws.dir.path().join("hard-link.db.daemon-lock").exists());

    // The first runs on, holding its lock file; `check` on the database still works.
    assert!(ws.dir.path().join("advisory-watch.db.daemon-lock").exists());
    assert_eq!(ws.run(&["check"]).code, 0);
    assert_eq!(daemon.terminate(Duration::from_secs(10)), Some(0));
}

/// [`checked_mali`] with a schedule that never falls due while a test runs.
fn mali_with_schedule() -> (FixtureServer, Workspace) {
    checked_mali_with("[schedule]\ncron = \"0 0 1 1 *\"\n")
}

// Item 12: a feed or index is not a country.
#[test]
fn a_feed_row_on_sources_links_to_its_history_not_to_a_country_page() {
    let server = FixtureServer::start();
    let mut reply = Reply::html(fixture("official/hong_kong/hk-ota-index.json"));
    reply.content_type = "application/json".into();
    server.set("/hk", reply);
    let ws = Workspace::new(&format!(
        "[[sources]]\nname = \"hk\"\ncountry = \"*\"\nkind = \"json\"\nprofile = \"hong-kong-ota\"\nurl = \"{}\"\n",
        server.url("/hk")
    ));
    let run = ws.run(&["check"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // A database written before feeds were marked as such lists the feed itself.
    let conn = rusqlite::Connection::open(ws.db_path()).expect("open");
    conn.execute("UPDATE sources SET collection = 0 WHERE name = 'hk'", [])
        .expect("update");
    drop(conn);
    let dashboard = common::dashboard::Dashboard::start(&ws);
    let page = dashboard.get("/sources");
    // The country cell and the source cell both link to the feed's history.
    assert_eq!(
        page.matches("href=\"/source?name=hk\"").count(),
        2,
        "{page}"
    );
    assert!(!page.contains("/country/%2A"), "{page}");
}

// ---- issue 22 part A: odd bytes, import bounds, redirects ----

/// The most a command may take (peak resident memory) on any page up to `max_body`.
const PEAK_LIMIT_KB: u64 = 200 * 1024;

/// Runs the binary with `args` (in `ws`), killed after `limit`, and reads its peak resident
/// memory: exactly, from `/usr/bin/time` (`.ci/run` installs it), else as the last `VmHWM` seen
/// in `/proc` while it ran.
fn run_measured(ws: &Workspace, args: &[&str], limit: Duration) -> (common::Run, u64) {
    let report = ws.dir.path().join("peak-rss");
    let gnu_time = std::path::Path::new("/usr/bin/time");
    let mut command = if gnu_time.exists() {
        let mut command = Command::new(gnu_time);
        command
            .args(["-f", "%M", "-o"])
            .arg(&report)
            .arg(env!("CARGO_BIN_EXE_advisory-watch"));
        command
    } else {
        Command::new(env!("CARGO_BIN_EXE_advisory-watch"))
    };
    command
        .env_remove("ADVISORY_WATCH_CONFIG")
        .arg("--config")
        .arg(ws.config_path())
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("run the binary");
    // Read as they come, so that a full pipe never stops the child.
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let out = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut stdout, &mut text);
        text
    });
    let err = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut text);
        text
    });
    let started = Instant::now();
    let mut polled = 0;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("`{}` ran longer than {limit:?}", args.join(" "));
        }
        if let Ok(text) = std::fs::read_to_string(format!("/proc/{}/status", child.id())) {
            let hwm = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok());
            polled = hwm.unwrap_or(polled).max(polled);
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let peak = std::fs::read_to_string(&report)
        .ok()
        .and_then(|text| text.lines().last()?.trim().parse().ok())
        .unwrap_or(polled);
    let run = common::Run {
        stdout: out.join().expect("stdout"),
        stderr: err.join().expect("stderr"),
        code: status.code().unwrap_or(-1),
    };
    (run, peak)
}

/// Checks a page of a source `hostile` served over loopback, measured.
fn check_measured(body: Vec<u8>) -> (common::Run, u64) {
    let server = FixtureServer::start();
    server.set("/advice", Reply::html(body));
    let ws = Workspace::with_sources(
        &[("hostile", "Mali", &server.url("/advice"), "state-dept")],
        "",
    );
    run_measured(&ws, &["check"], Duration::from_secs(120))
}

/// About 9.9 MB of one piece repeated: under the default `max_body` of 10 MiB.
fn run_of(piece: &[u8]) -> Vec<u8> {
    piece.repeat(9_900_000 / piece.len())
}

#[test]
fn a_10_mb_page_of_nul_bytes_is_refused_naming_them_within_200_mb() {
    let (run, peak) = check_measured(vec![0u8; 9_900_000]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("hostile") && run.stderr.contains("of the page is control bytes"),
        "the failure names the source and the cause: {}",
        run.stderr
    );
    assert!(peak <= PEAK_LIMIT_KB, "peak {peak} KB");
}

#[test]
fn pages_of_lt_runs_and_unclosed_tags_are_read_within_200_mb() {
    for piece in [&b"< "[..], b"<a"] {
        let (run, peak) = check_measured(run_of(piece));
        let shown = String::from_utf8_lossy(piece);
        assert_eq!(run.code, 2, "{shown:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("hostile") && run.stderr.contains("matched nothing"),
            "{shown:?}: {}",
            run.stderr
        );
        assert!(peak <= PEAK_LIMIT_KB, "{shown:?}: peak {peak} KB");
    }
}

#[test]
fn markup_that_makes_the_parser_build_millions_of_nodes_is_refused_within_200_mb() {
    let formatting: String = [
        "a", "b", "em", "font", "i", "nobr", "s", "small", "strong", "u",
    ]
    .iter()
    .map(|t| format!("<{t}><{t}><{t}>"))
    .collect();
    let attributes: Vec<String> = (0..1_000_000).map(|i| format!("a{i}")).collect();
    for (page, cause) in [
        // 400 KB that html5ever turns into three million elements.
        (
            format!("<p>{formatting}{}", "<p>x".repeat(100_000)).into_bytes(),
            "parsing the page built more than 500000",
        ),
        (
            format!("<div {}>", attributes.join(" ")).into_bytes(),
            "carries more than 200 attributes",
        ),
        // Under the 500,000 elements of the scan, but with a text and a comment each.
        (
            "<br>x<!---->".repeat(400_000).into_bytes(),
            "parsing the page built more than",
        ),
        (
            [&b"# Mali\n## Level 4\n"[..], &run_of(b">")].concat(),
            "the Markdown holds more than 100000 lines and marks",
        ),
        (run_of(b"<b>"), "nests elements more than 1000 deep"),
    ] {
        let (run, peak) = check_measured(page);
        assert_eq!(run.code, 2, "{cause}: {}", run.stderr);
        assert!(run.stderr.contains(cause), "{cause}: {}", run.stderr);
        assert!(peak <= PEAK_LIMIT_KB, "{cause}: peak {peak} KB");
    }
}

#[test]
fn import_reads_only_regular_files_within_the_page_limit_and_imports_the_rest() {
    let server = FixtureServer::start();
    let ws = mali(&server, "");
    let dir = archive(&[]);
    let folder = dir.path();
    // 10 MB of NULs (under the limit), 11 MB (over it), a directory and a FIFO named like
    // dated files, and names that are nearly dated ones.
    std::fs::write(folder.join("2025-01-15.md"), vec![0u8; 10_000_000]).expect("write");
    std::fs::write(folder.join("2025-01-16.html"), vec![b'x'; 11_000_000]).expect("write");
    std::fs::create_dir(folder.join("2025-01-13.md")).expect("mkdir");
    let fifo = Command::new("mkfifo")
        .arg(folder.join("2025-01-14.md"))
        .status()
        .expect("mkfifo");
    assert!(fifo.success());
    let page = fixture("mali-2025-health-removed.html");
    for odd in [
        "2025-11-01.MD",
        "2025-11-02.md.md",
        " 2025-11-03.md",
        "2025-11-04.md\nx",
    ] {
        std::fs::write(folder.join(odd), &page).expect("write");
    }
    let (run, peak) = run_measured(
        &ws,
        &[
            "import",
            "--source",
            "us-mali",
            folder.to_str().expect("utf-8"),
        ],
        Duration::from_secs(60),
    );
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(peak <= PEAK_LIMIT_KB, "peak {peak} KB");
    assert!(
        run.stdout
            .starts_with("Imported 3 files into us-mali: 2 versions, 1 changes, 2 unreadable."),
        "{}",
        run.stdout
    );
    for (name, why) in [
        ("2025-01-15.md", "of the page is control bytes"),
        (
            "2025-01-16.html",
            "is 11000000 bytes, more than the page size limit of 10485760 bytes",
        ),
    ] {
        assert!(
            run.stdout
                .lines()
                .any(|l| l.contains("unreadable:") && l.contains(name) && l.contains(why)),
            "{name}: {}",
            run.stdout
        );
    }
    for (name, why) in [
        ("2025-01-13.md", "a directory, not a regular file"),
        ("2025-01-14.md", "a FIFO, not a regular file"),
        ("\"2025-11-01.MD\"", "`.MD` is not lower case"),
        ("\"2025-11-02.md.md\"", "named like a dated file"),
        ("\" 2025-11-03.md\"", "named like a dated file"),
        ("\"2025-11-04.md\\nx\"", "named like a dated file"),
    ] {
        assert!(
            run.stderr
                .lines()
                .any(|l| l.contains(name) && l.contains(why)),
            "no warning for {name}: {}",
            run.stderr
        );
    }
    let history = ws.run(&["history", "us-mali", "--format", "json"]);
    let value: serde_json::Value = serde_json::from_str(&history.stdout).expect("json");
    assert_eq!(
        value["versions"].as_array().map(Vec::len),
        Some(2),
        "{value}"
    );
}

/// An HTTP server on `ip` that answers every request with `body` and keeps each request's
/// head (request line and headers).
struct HeadRecorder {
    address: String,
    heads: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl HeadRecorder {
    fn start(ip: &str, body: String) -> HeadRecorder {
        use std::io::{BufRead, Write};
        let listener = std::net::TcpListener::bind((ip, 0)).expect("bind loopback");
        let address = listener.local_addr().expect("address").to_string();
        let heads = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let kept = std::sync::Arc::clone(&heads);
        std::thread::spawn(move || {
            for stream in listener.incoming().take(20) {
                let Ok(mut stream) = stream else { continue };
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                let mut reader = std::io::BufReader::new(stream.try_clone().expect("clone"));
                let mut head = String::new();
                loop {
                    let mut line = String::new();
                    match reader.read_line(&mut line) {
                        Ok(0) | Err(_) => break,
                        Ok(_) if line == "\r\n" => break,
                        Ok(_) => head.push_str(&line),
                    }
                }
                kept.lock().expect("heads").push(head);
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        HeadRecorder { address, heads }
    }

    fn heads(&self) -> Vec<String> {
        self.heads.lock().expect("heads").clone()
    }
}

#[test]
fn a_redirect_to_another_host_gets_no_referer() {
    // Another loopback address: another host.
    let target = HeadRecorder::start("127.0.0.2", fixture("mali-2025.html"));
    let server = FixtureServer::start();
    server.set(
        "/advice?token=s3cret",
        Reply::status(302).header("Location", &format!("http://{}/mali", target.address)),
    );
    let ws = Workspace::with_sources(
        &[(
            "us-mali",
            "Mali",
            &server.url("/advice?token=s3cret"),
            "state-dept",
        )],
        "",
    );
    let run = ws.run(&["check"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let heads = target.heads();
    assert_eq!(heads.len(), 1, "{heads:?}");
    assert!(heads[0].starts_with("GET /mali "), "{heads:?}");
    assert!(
        !heads[0].to_lowercase().contains("referer"),
        "the redirect target learned where it was sent from: {}",
        heads[0]
    );
    assert!(!heads[0].contains("s3cret"), "{}", heads[0]);
}

#[test]
fn a_malformed_location_is_reported_as_malformed_and_quoted() {
    let server = FixtureServer::start();
    server.set(
        "/mali",
        Reply::status(302).header("Location", "http://[::1/advice"),
    );
    let ws = mali(&server, "");
    let run = ws.run(&["check"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("302 Found with a malformed Location header \"http://[::1/advice\""),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("only http and https"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_database_path_that_is_a_directory_is_named_as_one_by_every_command() {
    let server = FixtureServer::start();
    let ws = mali(&server, "");
    let db = ws.dir.path().join("a-folder.db");
    std::fs::create_dir(&db).expect("mkdir");
    let dir = archive(&[]);
    let backup = ws.dir.path().join("copy.db");
    let db = db.to_str().expect("utf-8");
    for command in [
        &["check"][..],
        &["report"],
        &["status"],
        &["sources"],
        &["history", "us-mali"],
        &["deliveries"],
        &["reprocess"],
        &["migrate"],
        &["prune", "--dry-run"],
        &["backup", backup.to_str().expect("utf-8")],
        &[
            "import",
            "--source",
            "us-mali",
            dir.path().to_str().expect("utf-8"),
        ],
    ] {
        let mut args = vec!["--db", db];
        args.extend_from_slice(command);
        let run = ws.run(&args);
        assert_eq!(run.code, 1, "{command:?}: {}", run.stderr);
        assert!(
            run.stderr.contains(&format!(
                "database {db} is a directory, not a database file"
            )),
            "{command:?}: {}",
            run.stderr
        );
        assert!(
            !run.stderr.contains("disk I/O"),
            "{command:?}: {}",
            run.stderr
        );
    }
    assert!(!backup.exists());
}

#[test]
fn a_60_kb_country_name_is_a_quick_404_that_says_why() {
    let server = FixtureServer::start();
    server.serve_fixture("/mali", "mali-2025.html");
    let ws = mali(&server, "");
    assert_eq!(ws.run(&["check"]).code, 0);
    let dashboard = common::dashboard::Dashboard::start(&ws);
    let long = "Mali".repeat(15_000);
    let started = Instant::now();
    let (status, _, body) = dashboard.request("GET", &format!("/country/{long}"));
    let (api_status, _, api_body) = dashboard.request("GET", &format!("/api/country/{long}"));
    let (filter_status, _, filter_body) =
        dashboard.request("GET", &format!("/changes?country={long}"));
    let elapsed = started.elapsed();
    assert_eq!(status, 404, "{body}");
    assert!(
        body.contains("No country has a name of 60000 bytes: country names are at most 200 bytes"),
        "{body}"
    );
    assert_eq!(api_status, 404, "{api_body}");
    assert!(
        api_body.contains("(60000 bytes)") && api_body.len() < 300,
        "{api_body}"
    );
    assert_eq!(filter_status, 400);
    assert!(filter_body.contains("(60000 bytes)") && !filter_body.contains(&long[..400]));
    // Before, the nearest-name search took 0.66 s of CPU (a release build) per request.
    assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
}

// Item 2, for the files named on the command line: `extract FILE` and `diff OLD NEW` read them
// as `import` reads an archive's, a regular file only and at most the page size limit.
#[test]
fn extract_and_diff_refuse_a_fifo_a_directory_and_an_oversized_file_at_once() {
    let server = FixtureServer::start();
    let ws = mali(&server, "");
    let dir = tempfile::tempdir().expect("dir");
    let fifo = dir.path().join("pipe.html");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo")
            .success()
    );
    let folder = dir.path().join("folder.html");
    std::fs::create_dir(&folder).expect("mkdir");
    let big = dir.path().join("big.html");
    std::fs::write(&big, vec![b'x'; 11 * 1024 * 1024]).expect("write");
    let page = common::fixture_path("mali-2025.html");
    let path = |p: &std::path::Path| p.to_str().expect("utf-8").to_owned();
    for (args, expected) in [
        (
            vec!["extract".to_owned(), path(&fifo)],
            "it is a FIFO, not a regular file",
        ),
        (
            vec!["diff".to_owned(), page.clone(), path(&folder)],
            "it is a directory, not a regular file",
        ),
        (
            vec!["extract".to_owned(), path(&big)],
            "more than the page size limit of 10485760 bytes (fetch.max_body)",
        ),
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_advisory-watch"))
            .arg("--config")
            .arg(ws.config_path())
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run the binary");
        let started = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait") {
                break status;
            }
            if started.elapsed() > Duration::from_secs(10) {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{args:?} was still running after 10 s");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut stderr)
            .expect("read stderr");
        assert!(!status.success(), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn json_and_xml_floods_are_refused_before_parsing_naming_why_and_lose_nothing() {
    // Ten megabytes that a parser would turn into millions of values or nodes, served after a
    // real document of the same government.
    let json_flood = [&b"["[..], &run_of(b"0,"), b"0]"].concat();
    let xml_flood = [&b"<r>"[..], &run_of(b"<a/>"), b"</r>"].concat();
    for (kind, profile, country, content_type, real, flood, cause) in [
        (
            "json",
            "auswaertiges-amt-country",
            "Nepal",
            "application/json",
            "official/germany/de-travelwarning-221216-nepal.json",
            json_flood,
            "the JSON document could hold 4950001 values, more than the limit of 500000",
        ),
        (
            "xml",
            "nederland-wereldwijd",
            "Afghanistan",
            "application/xml",
            "official/netherlands/nl-opendata-traveladvice-AFG.xml",
            xml_flood,
            "the XML document could hold 2475002 nodes and attributes, more than the limit",
        ),
    ] {
        let server = FixtureServer::start();
        let ws = Workspace::new(&format!(
            "[fetch]\ntimeout = \"20s\"\nretry_initial = \"50ms\"\n\n[[sources]]\nname = \"flood\"\ncountry = \"{country}\"\nkind = \"{kind}\"\nprofile = \"{profile}\"\nurl = \"{}\"\n",
            server.url("/doc")
        ));
        let reply = |body: Vec<u8>| Reply {
            content_type: content_type.into(),
            ..Reply::html(body)
        };
        server.set("/doc", reply(fixture(real).into_bytes()));
        let first = ws.run(&["check"]);
        assert_eq!(first.code, 0, "{kind}: {}", first.stderr);
        // Each source `sources` lists (the document and the advisories it holds): its level
        // and last error.
        let rows_of = |ws: &Workspace| {
            ws.sources_json()
                .iter()
                .map(|r| {
                    let name = r["name"].as_str().expect("name").to_owned();
                    (name, (r["level"].clone(), r["last_error"].clone()))
                })
                .collect::<std::collections::BTreeMap<_, _>>()
        };
        let before = rows_of(&ws);
        assert!(
            before.values().any(|(level, _)| level.is_number()),
            "{kind}: a level read: {before:?}"
        );

        server.set("/doc", reply(flood));
        let (run, peak) = run_measured(&ws, &["check"], Duration::from_secs(60));
        assert_eq!(run.code, 2, "{kind}: {}", run.stderr);
        assert!(
            run.stderr.contains("flood") && run.stderr.contains(cause),
            "{kind}: the failure names the source and the cause: {}",
            run.stderr
        );
        // The body, its text and a little more; a parsed tree would be ten times the body.
        assert!(peak <= 80 * 1024, "{kind}: peak {peak} KB");
        let after = rows_of(&ws);
        let levels =
            |rows: &std::collections::BTreeMap<String, (serde_json::Value, serde_json::Value)>| {
                rows.iter()
                    .map(|(name, (level, _))| (name.clone(), level.clone()))
                    .collect::<Vec<_>>()
            };
        assert_eq!(
            levels(&after),
            levels(&before),
            "{kind}: the stored versions stay"
        );
        let error = &after["flood"].1;
        assert!(
            error.as_str().is_some_and(|e| e.contains(cause)),
            "{kind}: `sources` shows why: {error}"
        );
    }
}
