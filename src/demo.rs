//! `advisory-watch demo`: the main job on bundled pages, with no network and no setup.
//!
//! This module owns the demonstration: it serves the two bundled Mali pages (the 2023 legacy
//! page, then the late-2025 page) from an HTTP server on 127.0.0.1 inside the process, runs two
//! real check cycles into a temporary SQLite database, and prints what an analyst would read.
//! Everything it uses is the ordinary pipeline (`run`, `fetch`, `extract`, `store`, `diff`,
//! `report`); only the configuration is built here instead of read from a file.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::Context;
use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

use crate::config::{Config, FetchSettings, Source};
use crate::fetch::Fetcher;
use crate::report;
use crate::run;
use crate::store::{Store, StoreHandle};

/// The legacy travel.state.gov page for Mali, July 2023 (reconstructed from seed 000).
pub const MALI_2023: &str = include_str!("../fixtures/mali-2023-legacy.html");
/// The late-2025 travel.state.gov page for Mali (reconstructed from seed 003).
pub const MALI_2025: &str = include_str!("../fixtures/mali-2025.html");

async fn page(State(current): State<Arc<AtomicUsize>>) -> impl IntoResponse {
    let body = if current.load(Ordering::SeqCst) == 0 {
        MALI_2023
    } else {
        MALI_2025
    };
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body)
}

/// Runs the demonstration, printing to `out`.
pub async fn run(out: &mut (dyn Write + Send)) -> anyhow::Result<()> {
    let current = Arc::new(AtomicUsize::new(0));
    let app = Router::new()
        .route("/mali", get(page))
        .with_state(Arc::clone(&current));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .context("cannot open a loopback port for the demo server")?;
    let address = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
    });

    let dir =
        tempfile::tempdir().context("cannot create a temporary folder for the demo database")?;
    let db = dir.path().join("demo.db");
    let mut config = Config::builtin(db.clone());
    config.fetch = FetchSettings::default();
    let url = reqwest::Url::parse(&format!("http://{address}/mali"))?;
    let profiles = config
        .profiles
        .resolve_names(&["state-dept".to_owned()], "demo")?;
    config.sources.push(Arc::new(Source {
        name: "us-mali".into(),
        country: "Mali".into(),
        url,
        profile_names: vec!["state-dept".into()],
        profiles,
    }));

    let store = StoreHandle::open(&db)?;
    let fetcher = Fetcher::new(&config.fetch)?;
    writeln!(
        out,
        "advisory-watch demo: the Mali advisory, served from http://{address}/mali"
    )?;
    writeln!(out, "database: {} (temporary)\n", db.display())?;

    writeln!(
        out,
        "Check 1: the page as published on July 31, 2023 (legacy layout)"
    )?;
    let first = run::check(&config.sources, &fetcher, &store, 1).await?;
    write!(out, "{}", indent(&report::cycle_text(&first)))?;
    let store_path = db.clone();
    let snapshot = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
        let store = Store::open(&store_path)?;
        Ok(store.overview()?)
    })
    .await??;
    if let Some(mali) = snapshot.first() {
        writeln!(
            out,
            "  stored: Level {} ({}); indicators: {}\n",
            mali.level.unwrap_or_default(),
            mali.level_label.as_deref().unwrap_or("?"),
            mali.indicators.join(", ")
        )?;
    }

    current.store(1, Ordering::SeqCst);
    writeln!(
        out,
        "Check 2: the page as published in late 2025 (current layout)"
    )?;
    let second = run::check(&config.sources, &fetcher, &store, 1).await?;
    write!(out, "{}", indent(&report::cycle_text(&second)))?;

    let _ = stop.send(());
    server.await.context("the demo server task failed")??;
    Ok(())
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| {
            if l.is_empty() {
                "\n".to_owned()
            } else {
                format!("  {l}\n")
            }
        })
        .collect()
}
