//! `advisory-watch serve`: a read-only dashboard on the database.
//!
//! This module owns the HTTP routes (axum): the overview of every source, the timeline of
//! changes with filters, each source's history with any two versions compared, the Atom feed and
//! a JSON API mirroring the report schema. It only reads: every route is a GET, and the store is
//! reached through its own thread. Pages are made by `html` and `report`; every response
//! carries a Content-Security-Policy that allows no script.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::Utc;

use crate::diff;
use crate::html::{self, escape};
use crate::report::{self, Report, ReportFormat, ReportQuery};
use crate::store::{SnapshotId, StoreError, StoreHandle};

/// The dashboard's shared state.
#[derive(Clone)]
struct App {
    store: StoreHandle,
}

/// The dashboard's routes on a database.
pub fn router(store: StoreHandle) -> Router {
    Router::new()
        .route("/", get(overview))
        .route("/changes", get(timeline))
        .route("/source", get(source_history))
        .route("/compare", get(compare_versions))
        .route("/feed.atom", get(atom_feed))
        .route("/api/changes", get(api_changes))
        .route("/api/sources", get(api_sources))
        .with_state(Arc::new(App { store }))
}

/// Serves the dashboard on a bound `listener` until `shutdown` resolves.
pub async fn serve(
    store: StoreHandle,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    tracing::info!(address = %listener.local_addr()?, "dashboard listening");
    axum::serve(listener, router(store))
        .with_graceful_shutdown(shutdown)
        .await
}

fn with_headers(content_type: &'static str, body: String) -> Response {
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(html::CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

fn page(title: &str, body: &str) -> Response {
    with_headers("text/html; charset=utf-8", html::page(title, true, body))
}

fn problem(status: StatusCode, message: &str) -> Response {
    let mut response = page(
        "advisory-watch",
        &format!("<h1>{}</h1><p>{}</p>", status, escape(message)),
    );
    *response.status_mut() = status;
    response
}

fn store_failed(error: StoreError) -> Response {
    tracing::error!(%error, "dashboard could not read the database");
    problem(
        StatusCode::INTERNAL_SERVER_ERROR,
        "The database could not be read; see the log.",
    )
}

fn source_link(name: &str) -> String {
    let mut link = String::from("/source?name=");
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.') {
            link.push(byte as char);
        } else {
            let _ = write!(link, "%{byte:02X}");
        }
    }
    link
}

async fn overview(State(app): State<Arc<App>>) -> Response {
    let sources = match app.store.call(|s| s.overview()).await {
        Ok(sources) => sources,
        Err(e) => return store_failed(e),
    };
    let broken = sources
        .iter()
        .filter(|s| s.state == "broken" || s.state == "failing")
        .count();
    let mut body = String::from("<h1>Sources</h1>");
    let _ = write!(
        body,
        "<div class=\"summary\"><span><b>{}</b> sources</span><span><b>{broken}</b> not reading right</span></div>",
        sources.len()
    );
    body.push_str("<table><thead><tr><th>Country</th><th>Source</th><th>Level</th><th>Indicators</th><th>Last change</th><th>Last check</th></tr></thead><tbody>");
    for s in &sources {
        let flagged = s.state == "broken" || s.state == "failing";
        let level = match (s.withdrawn, s.level, &s.level_label) {
            (true, _, _) => "<span class=\"level\">withdrawn</span>".to_owned(),
            (false, Some(n), Some(label)) => html::level_badge(&crate::advisory::Level {
                number: n,
                label: label.clone(),
            }),
            _ => "<span class=\"muted\">none yet</span>".to_owned(),
        };
        let state = if flagged {
            format!(
                " <span class=\"flag\" title=\"{}\">{}</span>",
                escape(s.last_error.as_deref().unwrap_or("")),
                escape(&s.state)
            )
        } else {
            String::new()
        };
        let _ = write!(
            body,
            "<tr{}><td>{}</td><td class=\"nowrap\"><a href=\"{}\">{}</a>{state}</td><td>{level}</td><td>{}</td><td class=\"nowrap\">{}</td><td class=\"nowrap\">{}</td></tr>",
            if flagged { " class=\"broken\"" } else { "" },
            escape(&s.country),
            escape(&source_link(&s.name)),
            escape(&s.name),
            html::current_chips(&s.indicators),
            escape(
                &s.last_change
                    .as_deref()
                    .map_or("-".to_owned(), html::short_time)
            ),
            escape(
                &s.last_checked
                    .as_deref()
                    .map_or("never".to_owned(), html::short_time)
            )
        );
    }
    body.push_str("</tbody></table>");
    page("advisory-watch: sources", &body)
}

/// Filters from a query string, as the report takes them.
fn query_from(params: &HashMap<String, String>) -> Result<ReportQuery, String> {
    let now = Utc::now();
    let non_empty = |key: &str| params.get(key).map(|v| v.trim()).filter(|v| !v.is_empty());
    Ok(ReportQuery {
        since: non_empty("since")
            .map(|t| report::parse_when(t, now))
            .transpose()?,
        until: non_empty("until")
            .map(|t| report::parse_until(t, now))
            .transpose()?,
        sources: non_empty("source")
            .map(|s| vec![s.to_owned()])
            .unwrap_or_default(),
        countries: non_empty("country")
            .map(|c| vec![c.to_owned()])
            .unwrap_or_default(),
        min_level: non_empty("level")
            .or_else(|| non_empty("min_level"))
            .map(|l| {
                l.parse::<u8>()
                    .map_err(|_| format!("`{l}` is not a level 1-4"))
            })
            .transpose()?,
        kind: non_empty("kind").map(str::to_owned),
    })
}

async fn load_report(app: &App, query: ReportQuery) -> Result<Report, StoreError> {
    let (since, until) = (query.since, query.until);
    let changes = app
        .store
        .call(move |s| s.changes_in(None, since, until))
        .await?;
    Ok(Report::build(changes, &query, Utc::now()))
}

async fn timeline(
    State(app): State<Arc<App>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let query = match query_from(&params) {
        Ok(query) => query,
        Err(message) => return problem(StatusCode::BAD_REQUEST, &message),
    };
    let report = match load_report(&app, query).await {
        Ok(report) => report,
        Err(e) => return store_failed(e),
    };
    let value = |key: &str| escape(params.get(key).map(String::as_str).unwrap_or(""));
    let mut body = String::from("<h1>Changes</h1>");
    let selected = |key: &str, option: &str| {
        if params.get(key).map(String::as_str) == Some(option) {
            " selected"
        } else {
            ""
        }
    };
    let _ = write!(
        body,
        "<form class=\"filters\" method=\"get\" action=\"/changes\">\
         <label>Country<input name=\"country\" value=\"{}\"></label>\
         <label>Level at least<select name=\"level\"><option value=\"\">any</option>{}</select></label>\
         <label>Kind<select name=\"kind\"><option value=\"\">any</option>{}</select></label>\
         <label>Since<input name=\"since\" value=\"{}\" placeholder=\"7d or 2026-11-01\"></label>\
         <label>Until<input name=\"until\" value=\"{}\" placeholder=\"2026-11-25\"></label>\
         <button type=\"submit\">Show</button></form>",
        value("country"),
        (1..=4)
            .map(|n| format!(
                "<option value=\"{n}\"{}>{n}</option>",
                selected("level", &n.to_string())
            ))
            .collect::<String>(),
        [
            "level",
            "indicators",
            "summary",
            "areas",
            "publication",
            "reissue"
        ]
        .iter()
        .map(|k| format!("<option value=\"{k}\"{}>{k}</option>", selected("kind", k)))
        .collect::<String>(),
        value("since"),
        value("until"),
    );
    if report.changes.is_empty() {
        let _ = write!(
            body,
            "<p>No advisory changed {} with these filters.</p>",
            escape(&report.period())
        );
    }
    for change in &report.changes {
        body.push_str(&report::card(change, Some(source_link(&change.source))));
    }
    page("advisory-watch: changes", &body)
}

async fn source_history(
    State(app): State<Arc<App>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let Some(name) = params.get("name").cloned() else {
        return problem(
            StatusCode::BAD_REQUEST,
            "Say which source: /source?name=us-mali",
        );
    };
    let lookup = name.clone();
    let found = app
        .store
        .call(move |s| {
            let Some(id) = s.source_id(&lookup)? else {
                return Ok(None);
            };
            Ok(Some((
                s.snapshots(id)?,
                s.changes(Some(id))?,
                s.failures(id)?,
            )))
        })
        .await;
    let (snapshots, changes, failures) = match found {
        Ok(Some(found)) => found,
        Ok(None) => {
            return problem(
                StatusCode::NOT_FOUND,
                &format!("No source is named {name}."),
            );
        }
        Err(e) => return store_failed(e),
    };
    let mut body = format!("<h1>{}</h1>", escape(&name));
    let _ = write!(
        body,
        "<p class=\"muted\">{} versions, {} changes, {} failures</p>",
        snapshots.len(),
        changes.len(),
        failures.len()
    );
    if snapshots.len() >= 2 {
        let options = |pick: usize| {
            snapshots
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    format!(
                        "<option value=\"{}\"{}>{} &middot; Level {}</option>",
                        s.id.0,
                        if i == pick { " selected" } else { "" },
                        escape(&s.first_seen_at),
                        s.advisory.level.number
                    )
                })
                .collect::<String>()
        };
        let _ = write!(
            body,
            "<form class=\"filters\" method=\"get\" action=\"/compare\"><input type=\"hidden\" name=\"name\" value=\"{}\">\
             <label>Compare<select name=\"from\">{}</select></label><label>with<select name=\"to\">{}</select></label>\
             <button type=\"submit\">Compare</button></form>",
            escape(&name),
            options(0),
            options(snapshots.len() - 1)
        );
    }
    body.push_str("<h2>Changes</h2>");
    if changes.is_empty() {
        body.push_str("<p>No change yet.</p>");
    }
    for change in changes.iter().rev() {
        body.push_str(&report::card(change, None));
    }
    body.push_str("<h2>Versions</h2><table><thead><tr><th>First seen</th><th>Last seen</th><th>Level</th><th>Indicators</th><th>Read by</th></tr></thead><tbody>");
    for s in snapshots.iter().rev() {
        let ids = s.advisory.sorted_indicator_ids();
        let _ = write!(
            body,
            "<tr><td class=\"nowrap\">{}</td><td class=\"nowrap\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&html::short_time(&s.first_seen_at)),
            escape(&html::short_time(&s.last_seen_at)),
            html::level_badge(&s.advisory.level),
            html::current_chips(&ids),
            escape(&s.profile)
        );
    }
    body.push_str("</tbody></table>");
    if !failures.is_empty() {
        body.push_str("<h2>Failures</h2><table><thead><tr><th>When</th><th>Kind</th><th>Message</th></tr></thead><tbody>");
        for f in failures.iter().rev().take(50) {
            let _ = write!(
                body,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&f.at),
                f.kind.as_str(),
                escape(&f.message)
            );
        }
        body.push_str("</tbody></table>");
    }
    page(&format!("advisory-watch: {name}"), &body)
}

async fn compare_versions(
    State(app): State<Arc<App>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let parse = |key: &str| {
        params
            .get(key)
            .and_then(|v| v.parse::<i64>().ok())
            .map(SnapshotId)
    };
    let (Some(name), Some(from), Some(to)) =
        (params.get("name").cloned(), parse("from"), parse("to"))
    else {
        return problem(
            StatusCode::BAD_REQUEST,
            "Say which versions: /compare?name=us-mali&from=1&to=2",
        );
    };
    let lookup = name.clone();
    let snapshots = match app
        .store
        .call(move |s| match s.source_id(&lookup)? {
            Some(id) => s.snapshots(id),
            None => Ok(Vec::new()),
        })
        .await
    {
        Ok(snapshots) => snapshots,
        Err(e) => return store_failed(e),
    };
    let find = |id: SnapshotId| snapshots.iter().find(|s| s.id == id);
    let (Some(old), Some(new)) = (find(from), find(to)) else {
        return problem(
            StatusCode::NOT_FOUND,
            &format!("{name} has no such versions."),
        );
    };
    let mut body = format!(
        "<h1>{}</h1><p class=\"muted\">{} compared with {}</p>",
        escape(&name),
        escape(&old.first_seen_at),
        escape(&new.first_seen_at)
    );
    match diff::compare(&old.advisory, &new.advisory) {
        None => body.push_str("<p>No change between these versions.</p>"),
        Some(change) => {
            let diff = change
                .summary_changed
                .then(|| diff::word_diff(&old.advisory.summary, &new.advisory.summary));
            body.push_str(&html::change_card(
                &html::CardContext {
                    country: "",
                    source: &name,
                    url: "",
                    detected_at: &new.first_seen_at,
                    source_link: Some(source_link(&name)),
                },
                &change,
                diff.as_ref(),
            ));
        }
    }
    page(&format!("advisory-watch: {name}"), &body)
}

async fn atom_feed(State(app): State<Arc<App>>) -> Response {
    let since = Utc::now() - chrono::Duration::days(90);
    let changes = match app
        .store
        .call(move |s| s.changes_in(None, Some(since), None))
        .await
    {
        Ok(changes) => changes,
        Err(e) => return store_failed(e),
    };
    let mut newest_first = changes;
    newest_first.reverse();
    newest_first.truncate(200);
    let body = crate::atom::feed(
        &newest_first,
        &crate::store::format_time(Utc::now()),
        Some("/feed.atom"),
    );
    with_headers("application/atom+xml; charset=utf-8", body)
}

async fn api_changes(
    State(app): State<Arc<App>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let query = match query_from(&params) {
        Ok(query) => query,
        Err(message) => {
            let body = serde_json::json!({ "error": message }).to_string();
            let mut response = with_headers("application/json", body);
            *response.status_mut() = StatusCode::BAD_REQUEST;
            return response;
        }
    };
    match load_report(&app, query).await {
        Ok(report) => with_headers("application/json", report.render(ReportFormat::Json)),
        Err(e) => store_failed(e),
    }
}

async fn api_sources(State(app): State<Arc<App>>) -> Response {
    match app.store.call(|s| s.overview()).await {
        Ok(sources) => with_headers(
            "application/json",
            serde_json::to_string_pretty(&report::sources_json(&sources)).expect("json serializes"),
        ),
        Err(e) => store_failed(e),
    }
}
