//! SIGHUP reloads the daemon's configuration (issue 21, item 1), and the daemon tells systemd
//! how it is (item 7): the real binary, real signals, a fixture server on 127.0.0.1.

mod common;

use std::os::unix::net::UnixDatagram;
use std::process::Command;
use std::time::Duration;

use common::peers::{DaemonProcess, wait_until};
use common::{FixtureServer, Workspace};

/// A daemon configuration that checks `names` (served at `/<name>`) every second.
fn config(server: &FixtureServer, names: &[&str]) -> String {
    let mut config = String::from(
        "[fetch]\ntimeout = \"5s\"\nretries = 0\n\n\
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

fn hangup(daemon: &DaemonProcess) {
    let sent = Command::new("kill")
        .args(["-HUP", &daemon.child.id().to_string()])
        .status()
        .expect("kill");
    assert!(sent.success());
}

/// Waits until the daemon listens for SIGHUP (it logs its start after that).
fn wait_started(daemon: &DaemonProcess) {
    assert!(
        wait_until(Duration::from_secs(10), || daemon
            .log()
            .contains("daemon started")),
        "{}",
        daemon.log()
    );
}

fn lock_file(ws: &Workspace) -> std::path::PathBuf {
    let mut name = ws.db_path().into_os_string();
    name.push(".daemon-lock");
    name.into()
}

/// `args` run against the workspace's database, whatever state its configuration file is in.
fn run_on_db(ws: &Workspace, args: &[&str]) -> common::Run {
    let db = ws.db_path().display().to_string();
    let mut all = vec!["--db", db.as_str()];
    all.extend_from_slice(args);
    ws.run(&all)
}

#[test]
fn a_source_added_to_the_file_is_checked_after_sighup_and_systemd_hears_of_it() {
    let server = FixtureServer::start();
    server.serve_fixture("/first", "mali-2025.html");
    server.serve_fixture("/second", "mali-2025.html");
    let ws = Workspace::new(&config(&server, &["first"]));
    // systemd's side of `Type=notify`, with a watchdog of one second (pings every half).
    let socket_path = ws.dir.path().join("notify.sock");
    let systemd = UnixDatagram::bind(&socket_path).expect("notify socket");
    systemd
        .set_read_timeout(Some(Duration::from_millis(200)))
        .expect("timeout");
    let socket = socket_path.display().to_string();
    let mut daemon = DaemonProcess::start(
        &ws.config_path(),
        &[("NOTIFY_SOCKET", &socket), ("WATCHDOG_USEC", "1000000")],
        ws.dir.path().join("log"),
    );
    wait_started(&daemon);
    assert!(
        wait_until(Duration::from_secs(10), || server.hits("/first") >= 1),
        "{}",
        daemon.log()
    );
    assert_eq!(server.hits("/second"), 0);

    ws.write_config(&config(&server, &["first", "second"]));
    hangup(&daemon);
    assert!(
        wait_until(Duration::from_secs(10), || server.hits("/second") >= 1),
        "the added source was never checked:\n{}",
        daemon.log()
    );
    let log = daemon.log();
    assert!(
        log.lines()
            .any(|l| l.contains("configuration reloaded") && l.contains("added=second")),
        "{log}"
    );
    assert!(daemon.child.try_wait().expect("wait").is_none(), "{log}");
    let first = server.hits("/first");
    assert!(
        wait_until(Duration::from_secs(10), || server.hits("/first") > first),
        "the first source stopped being checked:\n{}",
        daemon.log()
    );

    assert_eq!(
        daemon.terminate(Duration::from_secs(10)),
        Some(0),
        "{}",
        daemon.log()
    );
    assert!(!lock_file(&ws).exists(), "the lock file is left behind");

    let mut heard = String::new();
    let mut buffer = [0u8; 4096];
    for _ in 0..200 {
        match systemd.recv(&mut buffer) {
            Ok(n) => heard.push_str(&String::from_utf8_lossy(&buffer[..n])),
            Err(_) => break,
        }
    }
    for state in [
        "READY=1",
        "RELOADING=1",
        "MONOTONIC_USEC=",
        "WATCHDOG=1",
        "STOPPING=1",
    ] {
        assert!(
            heard.contains(state),
            "systemd never heard {state}:\n{heard}"
        );
    }
    let ready = heard.find("READY=1").expect("ready");
    let reloading = heard.find("RELOADING=1").expect("reloading");
    assert!(ready < reloading, "{heard}");
    assert!(
        heard[reloading..].contains("READY=1"),
        "no READY=1 after the reload:\n{heard}"
    );
}

#[test]
fn a_broken_file_on_sighup_keeps_the_old_sources_running_and_status_says_so() {
    let server = FixtureServer::start();
    server.serve_fixture("/first", "mali-2025.html");
    let ws = Workspace::new(&config(&server, &["first"]));
    let mut daemon = DaemonProcess::start(&ws.config_path(), &[], ws.dir.path().join("log"));
    wait_started(&daemon);
    assert!(
        wait_until(Duration::from_secs(10), || server.hits("/first") >= 1),
        "{}",
        daemon.log()
    );

    for broken in [
        format!("{}\n[[sources]\nname = ", config(&server, &["first"])),
        format!("surprise = 1\n{}", config(&server, &["first"])),
    ] {
        ws.write_config(&broken);
        let before = daemon.log().matches("configuration reload failed").count();
        hangup(&daemon);
        assert!(
            wait_until(Duration::from_secs(10), || daemon
                .log()
                .matches("configuration reload failed")
                .count()
                > before),
            "{}",
            daemon.log()
        );
        let log = daemon.log();
        let line = log
            .lines()
            .rfind(|l| l.contains("configuration reload failed"))
            .expect("the error line");
        assert!(line.contains("ERROR"), "{line}");
        assert!(
            line.contains(&ws.config_path().display().to_string()),
            "the error names the file: {line}"
        );
        let first = server.hits("/first");
        assert!(
            wait_until(Duration::from_secs(10), || server.hits("/first") > first),
            "the old source stopped being checked:\n{}",
            daemon.log()
        );
        assert!(daemon.child.try_wait().expect("wait").is_none(), "{log}");

        let status = run_on_db(&ws, &["status"]);
        assert_eq!(status.code, 0, "{}{}", status.stdout, status.stderr);
        let said = status
            .stdout
            .lines()
            .find(|l| l.starts_with("configuration reload failed at "))
            .unwrap_or_else(|| panic!("status says nothing of it:\n{}", status.stdout));
        assert!(
            said.contains("; running the configuration loaded at "),
            "{said}"
        );
        assert!(said.contains("surprise") || said.contains("TOML") || said.contains("line"));
    }
    let unknown = run_on_db(&ws, &["status"]).stdout;
    assert!(
        unknown.contains("surprise"),
        "the unknown key is named: {unknown}"
    );

    // Mended: the failure is gone from `status`.
    ws.write_config(&config(&server, &["first"]));
    hangup(&daemon);
    assert!(
        wait_until(Duration::from_secs(10), || daemon
            .log()
            .contains("configuration reloaded")),
        "{}",
        daemon.log()
    );
    let status = ws.run(&["status"]);
    assert!(
        !status.stdout.contains("configuration reload failed"),
        "{}",
        status.stdout
    );
    assert_eq!(
        daemon.terminate(Duration::from_secs(10)),
        Some(0),
        "{}",
        daemon.log()
    );
    assert!(!lock_file(&ws).exists());
}

#[test]
fn a_source_removed_from_the_file_leaves_status_and_sources_but_keeps_its_history() {
    let server = FixtureServer::start();
    server.serve_fixture("/first", "mali-2025.html");
    server.serve_fixture("/second", "mali-2025.html");
    let ws = Workspace::new(&config(&server, &["first", "second"]));
    let mut daemon = DaemonProcess::start(&ws.config_path(), &[], ws.dir.path().join("log"));
    wait_started(&daemon);
    let versions = |name: &str| -> usize {
        let run = ws.run(&["history", name, "--format", "json"]);
        serde_json::from_str::<serde_json::Value>(&run.stdout)
            .ok()
            .and_then(|v| v["versions"].as_array().map(Vec::len))
            .unwrap_or(0)
    };
    assert!(
        wait_until(Duration::from_secs(15), || versions("second") >= 1
            && versions("first") >= 1),
        "{}",
        daemon.log()
    );

    ws.write_config(&config(&server, &["first"]));
    hangup(&daemon);
    assert!(
        wait_until(Duration::from_secs(10), || daemon.log().lines().any(|l| l
            .contains("configuration reloaded")
            && l.contains("removed=second"))),
        "{}",
        daemon.log()
    );
    for command in ["status", "sources"] {
        let run = ws.run(&[command]);
        assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
        assert!(run.stdout.contains("first"), "{}", run.stdout);
        assert!(
            !run.stdout.contains("second"),
            "`{command}` still lists the removed source:\n{}",
            run.stdout
        );
    }
    assert!(
        versions("second") >= 1,
        "the removed source's history is gone"
    );
    // No longer checked.
    std::thread::sleep(Duration::from_millis(300));
    let second = server.hits("/second");
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(server.hits("/second"), second, "{}", daemon.log());
    assert_eq!(
        daemon.terminate(Duration::from_secs(10)),
        Some(0),
        "{}",
        daemon.log()
    );
}
