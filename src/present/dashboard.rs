//! `advisory-watch serve`: a read-only dashboard on the database.
//!
//! This module owns the HTTP routes (axum): the movers board of a period, one page per country
//! with every government side by side and a chart of level over time, the overview of every
//! source, the timeline of changes with filters (and its CSV), each source's history with any
//! two versions compared, the Atom feed and a JSON API mirroring the report schema. It only
//! reads: every route is a GET, and the store is reached through its own thread. Views come
//! from `brief`, pictures from `chart`, pieces from `html` and `report`; every response carries
//! a Content-Security-Policy that allows no script.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Utc};

use crate::model::diff;
use crate::present::brief::{self, Government, Movers};
use crate::present::chart;
use crate::present::html::{self, escape};
use crate::present::listing;
use crate::present::report::{self, Report, ReportFormat, ReportQuery};
use crate::store::{LevelPoint, SnapshotId, SourceOverview, StoreError, StoreHandle};

/// The dashboard's shared state.
#[derive(Clone)]
struct App {
    store: StoreHandle,
}

/// The dashboard's routes on a database.
pub fn router(store: StoreHandle) -> Router {
    Router::new()
        .route("/", get(movers_board))
        .route("/sources", get(overview))
        .route("/country/{name}", get(country_page))
        .route("/changes", get(timeline))
        .route("/changes.csv", get(timeline_csv))
        .route("/source", get(source_history))
        .route("/compare", get(compare_versions))
        .route("/feed.atom", get(atom_feed))
        .route("/api/changes", get(api_changes))
        .route("/api/sources", get(api_sources))
        .route("/api/movers", get(api_movers))
        .route("/api/country/{name}", get(api_country))
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

/// A period: its start (inclusive) and end (exclusive), either open.
type Period = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// A source's versions as chart points: when each began, and its level (`None`: withdrawn).
type Points = Vec<(DateTime<Utc>, Option<u8>)>;

/// Text for a query string or a path segment: unreserved bytes as they are, the rest
/// percent-encoded.
fn encode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

fn country_link(name: &str) -> String {
    format!("/country/{}", encode(name))
}

/// The period of a page: `days=N` back from now, or `since` and `until` (a date until is
/// included), by default the last `default_days`.
fn period_from(
    params: &HashMap<String, String>,
    now: DateTime<Utc>,
    default_days: i64,
) -> Result<Period, String> {
    let non_empty = |key: &str| params.get(key).map(|v| v.trim()).filter(|v| !v.is_empty());
    if let Some(days) = non_empty("days") {
        let days: i64 = days
            .parse()
            .ok()
            .filter(|d| (1..=36_500).contains(d))
            .ok_or_else(|| format!("`{days}` is not a number of days from 1 to 36500"))?;
        return Ok((Some(now - chrono::Duration::days(days)), None));
    }
    let since = non_empty("since")
        .map(|t| report::parse_when(t, now))
        .transpose()?;
    let until = non_empty("until")
        .map(|t| report::parse_until(t, now))
        .transpose()?;
    if since.is_none() && until.is_none() {
        return Ok((Some(now - chrono::Duration::days(default_days)), None));
    }
    Ok((since, until))
}

fn bad_request_json(message: &str) -> Response {
    let body = serde_json::json!({ "error": message }).to_string();
    let mut response = with_headers("application/json", body);
    *response.status_mut() = StatusCode::BAD_REQUEST;
    response
}

fn move_cell(m: &brief::Move) -> String {
    let badge = |n: u8| {
        format!(
            "<span class=\"level short l{n}\">L{n}</span>",
            n = n.clamp(1, 4)
        )
    };
    match (m.from, m.to) {
        (Some(from), Some(to)) => {
            let (arrow, class) = if to > from {
                ("&#9650;", "up")
            } else {
                ("&#9660;", "down")
            };
            format!(
                "{} <span class=\"{class}\" title=\"{}\">{arrow}</span> {}",
                badge(from),
                if to > from { "raised" } else { "lowered" },
                badge(to)
            )
        }
        (None, Some(to)) => format!("<span class=\"muted\">new</span> {}", badge(to)),
        (Some(from), None) => format!("{} <span class=\"muted\">withdrawn</span>", badge(from)),
        (None, None) => "<span class=\"muted\">withdrawn</span>".to_owned(),
    }
}

fn when_cell(at: &str, archived: bool) -> String {
    if archived {
        format!(
            "{} <span class=\"muted\">(archived, first seen)</span>",
            escape(brief::day(at))
        )
    } else {
        escape(&html::short_time(at))
    }
}

fn period_form(action: &str, params: &HashMap<String, String>) -> String {
    let value = |key: &str| escape(params.get(key).map(String::as_str).unwrap_or(""));
    format!(
        "<form class=\"filters\" method=\"get\" action=\"{action}\">\
         <label>Last days<input name=\"days\" value=\"{}\" placeholder=\"7\" size=\"5\"></label>\
         <label>Since<input name=\"since\" value=\"{}\" placeholder=\"2026-02-01\"></label>\
         <label>Until (included)<input name=\"until\" value=\"{}\" placeholder=\"2026-02-12\"></label>\
         <button type=\"submit\">Show</button></form>",
        value("days"),
        value("since"),
        value("until")
    )
}

async fn load_movers(
    app: &App,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
) -> Result<Movers, StoreError> {
    let changes = app
        .store
        .call(move |s| s.changes_in(None, since, until))
        .await?;
    Ok(Movers::of(&changes))
}

async fn movers_board(
    State(app): State<Arc<App>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let now = Utc::now();
    let (since, until) = match period_from(&params, now, 7) {
        Ok(period) => period,
        Err(message) => return problem(StatusCode::BAD_REQUEST, &message),
    };
    let movers = match load_movers(&app, since, until).await {
        Ok(movers) => movers,
        Err(e) => return store_failed(e),
    };
    let period = report::period_words(since, until);
    let mut body = format!("<h1>Movers {}</h1>", escape(&period));
    body.push_str(&period_form("/", &params));
    let _ = write!(
        body,
        "<div class=\"summary\"><span class=\"counter\" data-counter=\"raised\"><b>{}</b> raised</span>\
         <span class=\"counter\" data-counter=\"lowered\"><b>{}</b> lowered</span>\
         <span class=\"counter\" data-counter=\"new-or-withdrawn\"><b>{}</b> new or withdrawn</span></div>",
        movers.raised, movers.lowered, movers.new_or_withdrawn
    );
    if movers.rows.is_empty() {
        let _ = write!(
            body,
            "<p class=\"empty\">No level changed {}.</p>",
            escape(&period)
        );
    } else {
        body.push_str("<table class=\"movers\"><thead><tr><th>Country</th><th>Government</th><th>Source</th><th>Level</th><th>When</th></tr></thead><tbody>");
        for row in &movers.rows {
            let (moves, when) = if let [one] = row.moves.as_slice() {
                (move_cell(one), when_cell(&one.at, one.archived))
            } else {
                let net = row.net_steps();
                let net_words = match net {
                    n if n > 0 => format!("<span class=\"up\">net +{n}</span>"),
                    n if n < 0 => format!("<span class=\"down\">net {n}</span>"),
                    _ => "<b>net 0</b>".to_owned(),
                };
                (
                    format!(
                        "{net_words}: {}",
                        row.moves
                            .iter()
                            .map(move_cell)
                            .collect::<Vec<_>>()
                            .join(" <span class=\"muted\">then</span> ")
                    ),
                    row.moves
                        .iter()
                        .map(|m| when_cell(&m.at, m.archived))
                        .collect::<Vec<_>>()
                        .join("<br>"),
                )
            };
            let _ = write!(
                body,
                "<tr class=\"mover\" data-source=\"{}\"><td class=\"name\"><a href=\"{}\">{}</a></td><td>{}</td><td class=\"name\"><a href=\"{}\">{}</a></td><td>{moves}</td><td>{when}</td></tr>",
                escape(&row.source),
                escape(&country_link(&row.country)),
                escape(&row.country),
                row.government.short(),
                escape(&source_link(&row.source)),
                escape(&row.source),
            );
        }
        body.push_str("</tbody></table>");
    }
    body.push_str("<h2 style=\"margin-top:22px\">Indicator changes</h2>");
    if movers.indicator_changes.is_empty() {
        body.push_str("<p class=\"muted\">No indicator changed without a level move.</p>");
    } else {
        body.push_str("<table class=\"indicators\"><thead><tr><th>Country</th><th>Source</th><th>Indicators</th><th>Headline</th><th>When</th></tr></thead><tbody>");
        for c in &movers.indicator_changes {
            let _ = write!(
                body,
                "<tr><td class=\"name\"><a href=\"{}\">{}</a></td><td class=\"name\"><a href=\"{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&country_link(&c.country)),
                escape(&c.country),
                escape(&source_link(&c.source)),
                escape(&c.source),
                html::chips(&c.added, &c.removed),
                escape(&c.headline),
                when_cell(&c.at, c.archived)
            );
        }
        body.push_str("</tbody></table>");
    }
    let mut link = String::from("/changes?kind=summary");
    for key in ["days", "since", "until"] {
        if let Some(v) = params.get(key).filter(|v| !v.trim().is_empty()) {
            let _ = write!(link, "&{key}={}", encode(v));
        }
    }
    if !params
        .keys()
        .any(|k| ["days", "since", "until"].contains(&k.as_str()))
    {
        link.push_str("&days=7");
    }
    let _ = write!(
        body,
        "<p class=\"summary-only\"><a href=\"{}\">{} advisor{} updated {} summary only</a>.</p>",
        escape(&link),
        movers.summary_only,
        if movers.summary_only == 1 { "y" } else { "ies" },
        if movers.summary_only == 1 {
            "its"
        } else {
            "their"
        },
    );
    page("advisory-watch: movers", &body)
}

async fn api_movers(
    State(app): State<Arc<App>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let now = Utc::now();
    let (since, until) = match period_from(&params, now, 7) {
        Ok(period) => period,
        Err(message) => return bad_request_json(&message),
    };
    match load_movers(&app, since, until).await {
        Ok(movers) => {
            let mut value = serde_json::to_value(&movers).expect("json serializes");
            value["since"] = serde_json::json!(since.map(crate::store::format_time));
            value["until"] = serde_json::json!(until.map(crate::store::format_time));
            with_headers(
                "application/json",
                serde_json::to_string_pretty(&value).expect("json serializes"),
            )
        }
        Err(e) => store_failed(e),
    }
}

/// Each source's versions as chart points, by source name.
fn series_by_source(points: Vec<LevelPoint>) -> HashMap<String, Points> {
    let mut out: HashMap<String, Points> = HashMap::new();
    for p in points {
        let Ok(at) = DateTime::parse_from_rfc3339(&p.first_seen_at) else {
            continue;
        };
        out.entry(p.source)
            .or_default()
            .push((at.with_timezone(&Utc), (!p.withdrawn).then_some(p.level)));
    }
    out
}

/// The level before the current one, and when the current one began.
fn previous_level(points: &[(DateTime<Utc>, Option<u8>)]) -> (Option<u8>, Option<DateTime<Utc>>) {
    let Some((_, current)) = points.last() else {
        return (None, None);
    };
    for index in (1..points.len()).rev() {
        if points[index - 1].1 != *current {
            // The current level began at the first version after the last different one.
            return (points[index - 1].1, Some(points[index].0));
        }
    }
    (None, None)
}

/// "L2, parts L4": the level, and the levels of areas that have their own.
fn areas_words(level: Option<u8>, areas: &[crate::model::advisory::Area]) -> String {
    let mut levels: Vec<u8> = areas
        .iter()
        .map(|a| a.level)
        .filter(|l| Some(*l) != level)
        .collect();
    levels.sort_unstable_by(|a, b| b.cmp(a));
    levels.dedup();
    let base = level.map_or("-".to_owned(), |l| format!("L{l}"));
    if levels.is_empty() {
        base
    } else {
        format!(
            "{base}, parts {}",
            levels
                .iter()
                .map(|l| format!("L{l}"))
                .collect::<Vec<_>>()
                .join("/")
        )
    }
}

async fn overview(
    State(app): State<Arc<App>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let found = app
        .store
        .call(|s| Ok((s.overview()?, s.level_points()?)))
        .await;
    let (sources, points) = match found {
        Ok(found) => found,
        Err(e) => return store_failed(e),
    };
    let now = Utc::now();
    let series = series_by_source(points);
    let start = series
        .values()
        .filter_map(|points| points.first().map(|p| p.0))
        .min()
        .unwrap_or(now);
    struct Row<'a> {
        source: &'a SourceOverview,
        previous: Option<u8>,
        changed_on: Option<DateTime<Utc>>,
    }
    let mut rows: Vec<Row<'_>> = sources
        .iter()
        .map(|s| {
            let (previous, changed_on) =
                previous_level(series.get(&s.name).map_or(&[][..], Vec::as_slice));
            Row {
                source: s,
                previous,
                changed_on,
            }
        })
        .collect();
    let sort = params.get("sort").map(String::as_str).unwrap_or("name");
    let current = |r: &Row<'_>| (!r.source.withdrawn).then_some(r.source.level).flatten();
    match sort {
        "level" => rows.sort_by_key(|r| std::cmp::Reverse(current(r))),
        "previous" => rows.sort_by_key(|r| std::cmp::Reverse(r.previous)),
        "changed" => rows.sort_by_key(|r| std::cmp::Reverse(r.changed_on)),
        _ => {}
    }
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
    let header = |key: &str, words: &str| {
        if sort == key {
            format!("<th aria-sort=\"descending\">{words} &#9662;</th>")
        } else {
            format!("<th><a href=\"/sources?sort={key}\">{words}</a></th>")
        }
    };
    let _ = write!(
        body,
        "<table class=\"sources\"><thead><tr>{}<th>Source</th>{}{}{}<th>Trend</th><th>Areas</th><th>Indicators</th><th>Last check</th></tr></thead><tbody>",
        header("name", "Country"),
        header("level", "Level"),
        header("previous", "Previous"),
        header("changed", "Level changed on"),
    );
    for row in &rows {
        let s = row.source;
        let flagged = s.state == "broken" || s.state == "failing";
        let level = match (s.withdrawn, s.level, &s.level_label) {
            (true, _, _) => "<span class=\"level\">withdrawn</span>".to_owned(),
            (false, Some(n), Some(label)) => html::level_chip(&crate::model::advisory::Level {
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
        let points = series.get(&s.name).map_or(&[][..], Vec::as_slice);
        let words = format!(
            "{}: {}",
            s.name,
            points
                .iter()
                .map(|(_, l)| l.map_or("withdrawn".to_owned(), |l| format!("L{l}")))
                .collect::<Vec<_>>()
                .join(" → ")
        );
        let _ = write!(
            body,
            "<tr{}><td class=\"name\"><a href=\"{}\">{}</a></td><td class=\"name\"><a href=\"{}\">{}</a>{state}</td><td>{level}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            if flagged { " class=\"broken\"" } else { "" },
            escape(&country_link(&brief::country_name(&s.country))),
            escape(&s.country),
            escape(&source_link(&s.name)),
            escape(&s.name),
            row.previous.map_or("-".to_owned(), |l| format!("L{l}")),
            row.changed_on
                .map_or("-".to_owned(), |t| t.format("%Y-%m-%d").to_string()),
            chart::sparkline(points, start, now, &words),
            escape(&areas_words(s.level, &s.areas)),
            html::current_chips(&s.indicators),
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

/// The sources about the country a name, alias or ISO code stands for, or a 404 that suggests
/// one.
async fn country_sources(
    app: &App,
    name: &str,
) -> Result<
    (
        &'static crate::model::country::Country,
        Vec<SourceOverview>,
        Vec<LevelPoint>,
    ),
    Response,
> {
    let Some(country) =
        crate::model::country::resolve(name).or_else(|| match crate::model::country::countries_of(
            name,
        )
        .as_slice()
        {
            [one] => Some(*one),
            _ => None,
        })
    else {
        let hint = crate::model::country::suggest(name)
            .map(|c| {
                format!(
                    " Did you mean <a href=\"{}\">{}</a>?",
                    escape(&country_link(c.name)),
                    escape(c.name)
                )
            })
            .unwrap_or_default();
        let mut response = page(
            "advisory-watch: no such country",
            &format!(
                "<h1>404 Not Found</h1><p>No country is called {}.{hint}</p>",
                escape(name)
            ),
        );
        *response.status_mut() = StatusCode::NOT_FOUND;
        return Err(response);
    };
    let found = app
        .store
        .call(|s| Ok((s.overview()?, s.level_points()?)))
        .await;
    let (sources, points) = found.map_err(store_failed)?;
    let sources: Vec<SourceOverview> = sources
        .into_iter()
        .filter(|s| {
            crate::model::country::countries_of(&s.country)
                .iter()
                .any(|c| c.code == country.code)
        })
        .collect();
    if sources.is_empty() {
        return Err(problem(
            StatusCode::NOT_FOUND,
            &format!(
                "No source in this database is about {} ({}).",
                country.name, country.code
            ),
        ));
    }
    let points = points
        .into_iter()
        .filter(|p| sources.iter().any(|s| s.name == p.source))
        .collect();
    Ok((country, sources, points))
}

/// The widest gap between two governments' current levels, with the two sources.
fn disagreement(sources: &[SourceOverview]) -> Option<(u8, &SourceOverview, &SourceOverview)> {
    let current: Vec<(&SourceOverview, u8)> = sources
        .iter()
        .filter(|s| !s.withdrawn)
        .filter_map(|s| s.level.map(|l| (s, l)))
        .collect();
    let high = current.iter().max_by_key(|(_, l)| *l)?;
    let low = current.iter().min_by_key(|(_, l)| *l)?;
    let gap = high.1 - low.1;
    (gap >= 2).then_some((gap, high.0, low.0))
}

async fn country_page(State(app): State<Arc<App>>, Path(name): Path<String>) -> Response {
    let (country, sources, points) = match country_sources(&app, &name).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let now = Utc::now();
    let mut body = format!(
        "<h1>{} <span class=\"muted\">({})</span></h1>",
        escape(country.name),
        country.code
    );
    let _ = write!(
        body,
        "<p class=\"muted\">{} source{} &middot; <a href=\"/changes?country={}&amp;since=3650d\">every change</a></p>",
        sources.len(),
        if sources.len() == 1 { "" } else { "s" },
        encode(country.name)
    );
    if let Some((gap, high, low)) = disagreement(&sources) {
        let _ = write!(
            body,
            "<p class=\"disagree flag\">Governments differ by {gap} levels: {} says L{}, {} says L{}.</p>",
            escape(&high.name),
            high.level.unwrap_or(0),
            escape(&low.name),
            low.level.unwrap_or(0)
        );
    }
    body.push_str("<div class=\"grid\">");
    for s in &sources {
        let government = Government::of(&s.name, s.profile.as_deref());
        let level = match (s.withdrawn, s.level, &s.level_label) {
            (true, _, _) => "<span class=\"level\">withdrawn</span>".to_owned(),
            (false, Some(n), Some(label)) => html::level_chip(&crate::model::advisory::Level {
                number: n,
                label: label.clone(),
            }),
            _ => "<span class=\"muted\">none yet</span>".to_owned(),
        };
        let as_of = match (s.issued, &s.version_seen) {
            (Some(issued), _) => format!("issued {issued}"),
            (None, Some(seen)) => format!("first seen {}", brief::day(seen)),
            _ => "-".to_owned(),
        };
        let _ = write!(
            body,
            "<section class=\"government\" data-source=\"{}\"><h2>{}</h2><p class=\"meta\"><a href=\"{}\">{}</a> &middot; as of {}</p><p>{level}</p>",
            escape(&s.name),
            government.name(),
            escape(&source_link(&s.name)),
            escape(&s.name),
            escape(&as_of)
        );
        if let Some(label) = s.level_label.as_deref().filter(|_| !s.withdrawn) {
            let _ = write!(body, "<blockquote>{}</blockquote>", escape(label));
        }
        if !s.indicators.is_empty() {
            let _ = write!(body, "<p>{}</p>", html::current_chips(&s.indicators));
        }
        if !s.areas.is_empty() {
            body.push_str("<ul class=\"areas\">");
            for area in &s.areas {
                let _ = write!(
                    body,
                    "<li><span class=\"level short l{n}\">L{n}</span> {}{}</li>",
                    escape(&area.name),
                    if area.reasons.is_empty() {
                        String::new()
                    } else {
                        format!(
                            " <span class=\"muted\">({})</span>",
                            escape(&area.reasons.join(", "))
                        )
                    },
                    n = area.level.clamp(1, 4)
                );
            }
            body.push_str("</ul>");
        }
        body.push_str("</section>");
    }
    body.push_str("</div><h2>Level over time</h2>");
    let series = series_by_source(points);
    let start = series
        .values()
        .filter_map(|p| p.first().map(|p| p.0))
        .min()
        .unwrap_or(now);
    let lines: Vec<chart::Series> = sources
        .iter()
        .filter_map(|s| {
            series.get(&s.name).map(|points| chart::Series {
                label: s.name.clone(),
                points: points.clone(),
            })
        })
        .collect();
    body.push_str(&chart::step_chart(&lines, start, now));
    body.push_str("<h2 style=\"margin-top:18px\">How each government's scale maps onto levels 1-4</h2><table class=\"legend\"><thead><tr><th>Level</th>");
    let mut governments: Vec<Government> = sources
        .iter()
        .map(|s| Government::of(&s.name, s.profile.as_deref()))
        .collect();
    governments.sort();
    governments.dedup();
    for g in &governments {
        let _ = write!(body, "<th>{}</th>", g.name());
    }
    body.push_str("</tr></thead><tbody>");
    for level in 1..=4u8 {
        let _ = write!(
            body,
            "<tr><td><span class=\"level short l{level}\">L{level}</span></td>"
        );
        for g in &governments {
            let _ = write!(
                body,
                "<td>{}</td>",
                escape(g.scale()[usize::from(level - 1)])
            );
        }
        body.push_str("</tr>");
    }
    body.push_str("</tbody></table>");
    page(&format!("advisory-watch: {}", country.name), &body)
}

async fn api_country(State(app): State<Arc<App>>, Path(name): Path<String>) -> Response {
    let (country, sources, points) = match country_sources(&app, &name).await {
        Ok(found) => found,
        Err(response) => {
            let status = response.status();
            let suggestion = crate::model::country::suggest(&name).map(|c| c.name);
            let body = serde_json::json!({
                "error": format!("no source is about `{name}`"),
                "suggestion": suggestion,
            })
            .to_string();
            let mut response = with_headers("application/json", body);
            *response.status_mut() = status;
            return response;
        }
    };
    let series = series_by_source(points);
    let value = serde_json::json!({
        "country": country.name,
        "code": country.code,
        "levels_differ_by": disagreement(&sources).map_or(0, |(gap, _, _)| gap),
        "sources": sources.iter().map(|s| serde_json::json!({
            "source": s.name,
            "government": Government::of(&s.name, s.profile.as_deref()),
            "level": s.level,
            "level_label": s.level_label,
            "issued": s.issued,
            "first_seen": s.version_seen,
            "indicators": s.indicators,
            "areas": s.areas,
            "withdrawn": s.withdrawn,
            "history": series.get(&s.name).map(|points| points.iter().map(|(at, level)| serde_json::json!({
                "from": crate::store::format_time(*at),
                "level": level,
            })).collect::<Vec<_>>()).unwrap_or_default(),
        })).collect::<Vec<_>>(),
    });
    with_headers(
        "application/json",
        serde_json::to_string_pretty(&value).expect("json serializes"),
    )
}

/// Filters from a query string, as the report takes them. The period is the last 30 days
/// unless `days`, `since` or `until` say otherwise.
fn query_from(params: &HashMap<String, String>) -> Result<ReportQuery, String> {
    let now = Utc::now();
    let non_empty = |key: &str| params.get(key).map(|v| v.trim()).filter(|v| !v.is_empty());
    let (since, until) = period_from(params, now, 30)?;
    Ok(ReportQuery {
        since,
        until,
        sources: Vec::new(),
        source_prefix: non_empty("source").map(str::to_owned),
        countries: non_empty("country")
            .map(|c| vec![c.to_owned()])
            .unwrap_or_default(),
        min_level: non_empty("level")
            .or_else(|| non_empty("min_level"))
            .map(|l| {
                l.parse::<u8>()
                    .ok()
                    .filter(|n| (1..=4).contains(n))
                    .ok_or_else(|| format!("`{l}` is not a level 1-4"))
            })
            .transpose()?,
        kind: non_empty("kind").map(str::to_owned),
        direction: non_empty("direction")
            .map(|d| {
                report::Direction::parse(d)
                    .ok_or_else(|| format!("`{d}` is not a direction; use raised or lowered"))
            })
            .transpose()?,
        text: non_empty("q").map(str::to_owned),
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

/// The filters of a query string again, for a link to the same rows in another form.
fn same_filters(params: &HashMap<String, String>) -> String {
    let mut keys: Vec<&String> = params.keys().filter(|k| k.as_str() != "view").collect();
    keys.sort();
    keys.iter()
        .map(|k| format!("{}={}", encode(k), encode(&params[*k])))
        .collect::<Vec<_>>()
        .join("&")
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
    let searched = params
        .get("country")
        .map(|c| c.trim())
        .filter(|c| !c.is_empty());
    let heading = match searched {
        Some(search) => match crate::model::country::resolve(search) {
            Some(country) => format!("Changes: {}", country.name),
            None => format!("Changes: countries matching \u{201c}{search}\u{201d}"),
        },
        None => "Changes".to_owned(),
    };
    let mut body = format!("<h1>{}</h1>", escape(&heading));
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
         <label>Country<input name=\"country\" value=\"{}\" placeholder=\"Camb, Myanmar, MM\"></label>\
         <label>Government or source<input name=\"source\" value=\"{}\" placeholder=\"us, uk-mali\" size=\"10\"></label>\
         <label>Direction<select name=\"direction\"><option value=\"\">any</option><option value=\"raised\"{}>raised</option><option value=\"lowered\"{}>lowered</option></select></label>\
         <label>Level at least<select name=\"level\"><option value=\"\">any</option>{}</select></label>\
         <label>Kind<select name=\"kind\"><option value=\"\">any</option>{}</select></label>\
         <label>Text<input name=\"q\" value=\"{}\" placeholder=\"words in headline or summary\"></label>\
         <label>Since<input name=\"since\" value=\"{}\" placeholder=\"30d or 2026-01-01\" size=\"11\"></label>\
         <label>Until (included)<input name=\"until\" value=\"{}\" placeholder=\"2026-02-12\" size=\"11\"></label>\
         <label>Show<select name=\"view\"><option value=\"\">headlines</option><option value=\"full\"{}>everything</option></select></label>\
         <button type=\"submit\">Show</button></form>",
        value("country"),
        value("source"),
        selected("direction", "raised"),
        selected("direction", "lowered"),
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
        value("q"),
        value("since"),
        value("until"),
        selected("view", "full"),
    );
    let _ = write!(
        body,
        "<p class=\"muted\"><span class=\"count\">{} change{}</span> {} &middot; <a href=\"/changes.csv?{}\" download>CSV of these rows</a></p>",
        report.changes.len(),
        if report.changes.len() == 1 { "" } else { "s" },
        escape(&report.period()),
        escape(&same_filters(&params))
    );
    if report.changes.is_empty() {
        let _ = write!(
            body,
            "<p>No advisory changed {} with these filters.</p>",
            escape(&report.period())
        );
    }
    let compact = params.get("view").map(String::as_str) != Some("full");
    for change in &report.changes {
        let mut shown = change.clone();
        shown.country = brief::country_name(&change.country);
        body.push_str(&report::card(
            &shown,
            Some(source_link(&change.source)),
            compact,
        ));
    }
    page(&format!("advisory-watch: {heading}"), &body)
}

async fn timeline_csv(
    State(app): State<Arc<App>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let query = match query_from(&params) {
        Ok(query) => query,
        Err(message) => return problem(StatusCode::BAD_REQUEST, &message),
    };
    match load_report(&app, query).await {
        Ok(report) => {
            let mut response =
                with_headers("text/csv; charset=utf-8", report.render(ReportFormat::Csv));
            response.headers_mut().insert(
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment; filename=\"changes.csv\""),
            );
            response
        }
        Err(e) => store_failed(e),
    }
}

/// A version's date for people: "2026-02-12 08:15 UTC", or "archived, first seen 2026-02-12".
fn version_date(first_seen_at: &str, archived: bool) -> String {
    report::when_words(first_seen_at, archived)
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
    let count =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let _ = write!(
        body,
        "<p class=\"muted\">{}, {}, {}</p>",
        count(snapshots.len(), "version", "versions"),
        count(changes.len(), "change", "changes"),
        count(failures.len(), "failure", "failures")
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
                        escape(&version_date(&s.first_seen_at, s.archived)),
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
        body.push_str(&report::card(change, None, true));
    }
    body.push_str("<h2>Versions</h2><table><thead><tr><th>First seen</th><th>Last seen</th><th>Level</th><th>Indicators</th><th>Read by</th></tr></thead><tbody>");
    for s in snapshots.iter().rev() {
        let ids = s.advisory.sorted_indicator_ids();
        let _ = write!(
            body,
            "<tr><td class=\"nowrap\">{}</td><td class=\"nowrap\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&version_date(&s.first_seen_at, s.archived)),
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
        "<h1>{}</h1><p class=\"muted\">The version of {} compared with the version of {}</p>",
        escape(&name),
        escape(&version_date(&old.first_seen_at, old.archived)),
        escape(&version_date(&new.first_seen_at, new.archived))
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
                    archived: new.archived,
                    source_link: Some(source_link(&name)),
                    compact: false,
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
    let body = crate::present::atom::feed(
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
            serde_json::to_string_pretty(&listing::sources_json(&sources))
                .expect("json serializes"),
        ),
        Err(e) => store_failed(e),
    }
}
