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

use crate::check::{self as run, Checker};
use crate::config::{Config, FetchSettings, Source};
use crate::net::fetch::Fetcher;
use crate::present::listing;
use crate::store::StoreHandle;

/// The legacy travel.state.gov page for Mali, July 2023 (reconstructed from seed 000).
pub const MALI_2023: &str = include_str!("../../fixtures/mali-2023-legacy.html");
/// The late-2025 travel.state.gov page for Mali (reconstructed from seed 003).
pub const MALI_2025: &str = include_str!("../../fixtures/mali-2025.html");

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
    let reader = config.profiles.reader(&["state-dept".to_owned()], "demo")?;
    config.sources.push(Arc::new(Source {
        name: "us-mali".into(),
        country: "Mali".into(),
        url: crate::config::source_url::SourceUrl::new(url),
        headers: Vec::new(),
        missing: Vec::new(),
        government: config.profiles.government("state-dept").map(str::to_owned),
        profile_names: vec!["state-dept".into()],
        reader_key: reader.fingerprint(),
        reader,
        schedule: None,
    }));

    let checker = Checker {
        fetcher: Fetcher::new(&config.fetch)?,
        store: StoreHandle::open(&db)?,
        concurrency: 1,
        notify: Arc::new(config.notify.clone()),
    };
    writeln!(
        out,
        "advisory-watch demo: the Mali advisory, served from http://{address}/mali"
    )?;
    writeln!(out, "database: {} (temporary)\n", db.display())?;

    writeln!(
        out,
        "Check 1: the page as published on July 31, 2023 (legacy layout)"
    )?;
    let first = run::check(&config.sources, &checker).await?;
    write!(out, "{}", indent(&listing::cycle_text(&first)))?;
    let snapshot = checker.store.call(|store| store.overview()).await?;
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
    let second = run::check(&config.sources, &checker).await?;
    write!(out, "{}", indent(&listing::cycle_text(&second)))?;

    let _ = stop.send(());
    server.await.context("the demo server task failed")??;
    Ok(())
}

/// The event `notify test` sends: the bundled Mali change, marked as a test.
pub fn sample_event() -> anyhow::Result<crate::notify::Event> {
    let profiles = crate::model::profile::ProfileSet::builtin()
        .resolve_names(&["state-dept".to_owned()], "sample")?;
    let old = crate::read::extract::extract(MALI_2023, &profiles)
        .map_err(|e| anyhow::anyhow!("bundled 2023 page: {e}"))?
        .advisory;
    let new = crate::read::extract::extract(MALI_2025, &profiles)
        .map_err(|e| anyhow::anyhow!("bundled 2025 page: {e}"))?
        .advisory;
    let change = crate::model::diff::compare(&old, &new).context("the bundled pages differ")?;
    let mut event = crate::notify::Event::for_change(
        crate::notify::Event::new_id(),
        crate::store::event::About {
            source: "us-mali",
            country: "Mali",
            url: "https://travel.state.gov/content/travel/en/traveladvisories/traveladvisories/mali-travel-advisory.html",
            government: Some("United States (State Department)"),
        },
        chrono::Utc::now(),
        &change,
        &old.summary,
        &new.summary,
    );
    event.kind = crate::notify::EventType::Test;
    event.headline = format!("[test] {}", event.headline);
    Ok(event)
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
