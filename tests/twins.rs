//! Twins: two daemons with separate databases watching the same sources send the same change
//! under the same `X-Advisory-Delivery` id, so that a receiver keeps one.

mod common;

use std::collections::HashSet;

use common::peers::WebhookReceiver;
use common::{FixtureServer, Workspace};

const SECRET: &str = "s3cret-for-tests-only";

fn config(server: &FixtureServer, hook: &WebhookReceiver) -> String {
    format!(
        "[fetch]\ntimeout = \"5s\"\nretry_initial = \"50ms\"\n\n\
         [notify]\nretry_initial = \"200ms\"\nretry_max = \"1s\"\ntimeout = \"5s\"\n\n\
         [[sources]]\nname = \"us-mali\"\ncountry = \"Mali\"\nurl = \"{}\"\n\n\
         [[notify.webhook]]\nname = \"ops-hook\"\nurl = \"{}\"\nsecret_env = \"ADVISORY_WEBHOOK_SECRET\"\n",
        server.url("/us-mali"),
        hook.url()
    )
}

fn check(ws: &Workspace) {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_advisory-watch"));
    command
        .arg("--config")
        .arg(ws.config_path())
        .arg("check")
        .env("ADVISORY_WEBHOOK_SECRET", SECRET);
    let run = common::Run::from(command.output().expect("run"));
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
}

#[test]
fn twins_with_separate_databases_send_a_change_under_one_delivery_id() {
    let server = FixtureServer::start();
    let hook = WebhookReceiver::start(SECRET);
    let active = Workspace::new(&config(&server, &hook));
    let standby = Workspace::new(&config(&server, &hook));
    assert_ne!(active.db_path(), standby.db_path());

    server.serve_fixture("/us-mali", "mali-2023-legacy.html");
    check(&active);
    check(&standby);
    server.serve_fixture("/us-mali", "mali-2025.html");
    check(&active);
    check(&standby);

    let received = hook.received();
    assert_eq!(received.len(), 2, "each twin sends the change once");
    assert!(received.iter().all(|r| r.signature_valid));
    assert_eq!(
        received[0].delivery_id, received[1].delivery_id,
        "both twins name the change alike"
    );
    assert!(received[0].delivery_id.ends_with(":ops-hook"));
    // A receiver that drops what it has seen by that id keeps one.
    let mut seen = HashSet::new();
    let kept: Vec<_> = received
        .iter()
        .filter(|r| seen.insert(r.delivery_id.clone()))
        .collect();
    assert_eq!(kept.len(), 1);
}

#[test]
fn a_source_going_back_and_forth_names_each_change_apart() {
    let server = FixtureServer::start();
    let hook = WebhookReceiver::start(SECRET);
    let ws = Workspace::new(&config(&server, &hook));
    for page in [
        "mali-2023-legacy.html",
        "mali-2025.html",
        "mali-2023-legacy.html",
        "mali-2025.html",
    ] {
        server.serve_fixture("/us-mali", page);
        check(&ws);
    }
    let ids: Vec<String> = hook
        .received()
        .iter()
        .map(|r| r.delivery_id.clone())
        .collect();
    assert_eq!(ids.len(), 3, "{ids:?}");
    let distinct: HashSet<&String> = ids.iter().collect();
    assert_eq!(distinct.len(), 3, "A→B twice takes two ids: {ids:?}");
}
