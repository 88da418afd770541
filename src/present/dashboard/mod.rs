//! `advisory-watch serve`: a read-only dashboard on the database.
//!
//! This module owns the HTTP routes (axum): the movers board of a period, one page per country
//! with every government side by side and a chart of level over time, the overview of every
//! source, the timeline of changes with filters (and its CSV), the matrix of countries by
//! governments (and its CSV), each source's history with any two versions compared, the Atom
//! feed and a JSON API mirroring the report schema; pages take `?watch=` and `?region=`. It only
//! reads: every route is a GET, and the store is reached through its own thread. Views come
//! from `brief`, pictures from `chart` and `map`, pieces from `html` and `report`; every response carries
//! a Content-Security-Policy that allows no script. Connections, timeouts and which Host names
//! are answered are `server`'s.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Utc};

use crate::config::{WatchList, WatchLists};
use crate::model::diff;
use crate::model::geography::{Tier, WorldRegion};
use crate::model::government::Government;
use crate::present::brief::{self, Movers};
use crate::present::chart;
use crate::present::html::{self, escape};
use crate::present::listing;
use crate::present::map;
use crate::present::report::{self, Report, ReportFormat, ReportQuery};
use crate::present::server::{self, Hosts, Limits};
use crate::store::{LevelPoint, SnapshotId, SourceOverview, StoreError, StoreHandle};

// One file per page (and its JSON twin).
mod changes;
mod country;
mod history;
mod matrix;
mod movers;
mod sources;

use changes::*;
use country::*;
use history::*;
use matrix::*;
use movers::*;
use sources::*;

/// The dashboard's shared state.
#[derive(Clone)]
struct App {
    store: StoreHandle,
    /// The configured watch-lists, for `?watch=NAME`.
    watchlists: WatchLists,
}

impl App {
    /// The watch-list a page's `watch` names, if it names one.
    fn watch_from(&self, params: &HashMap<String, String>) -> Result<Option<&WatchList>, String> {
        params
            .get("watch")
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .map(|name| self.watchlists.get(name))
            .transpose()
    }
}

/// The region or sub-region a page's `region` names, if it names one; an unknown one is an
/// error listing the valid names.
fn region_from(params: &HashMap<String, String>) -> Result<Option<WorldRegion>, String> {
    params
        .get("region")
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .map(|name| WorldRegion::named(name).map_err(|e| e.to_string()))
        .transpose()
}

/// The dashboard's routes on a database, with the configuration's watch-lists, for the Host
/// names in `hosts` (any other is a 421).
pub fn router(store: StoreHandle, watchlists: WatchLists, hosts: Hosts) -> Router {
    Router::new()
        .route("/", get(movers_board))
        .route("/sources", get(overview))
        .route("/country/{name}", get(country_page))
        .route("/changes", get(timeline))
        .route("/changes.csv", get(timeline_csv))
        .route("/matrix", get(matrix_page))
        .route("/matrix.csv", get(matrix_csv))
        .route("/source", get(source_history))
        .route("/compare", get(compare_versions))
        .route("/feed.atom", get(atom_feed))
        .route("/api/changes", get(api_changes))
        .route("/api/sources", get(api_sources))
        .route("/api/movers", get(api_movers))
        .route("/api/country/{name}", get(api_country))
        .route("/api/matrix", get(api_matrix))
        .fallback(not_found)
        .with_state(Arc::new(App { store, watchlists }))
        .layer(axum::middleware::from_fn_with_state(
            hosts,
            server::refuse_other_hosts,
        ))
        // Every answer carries the security headers, the 404s, 405s, 400s and 421s that no
        // page handler wrote included.
        .layer(axum::middleware::map_response(security_headers))
}

async fn not_found() -> Response {
    problem(
        StatusCode::NOT_FOUND,
        "There is no such page; the dashboard's pages are /, /sources, /changes, /matrix and /country/NAME.",
    )
}

/// The Content-Security-Policy (no script, no framing), `nosniff` and no referrer, on any
/// response that lacks them.
async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in [
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(html::CONTENT_SECURITY_POLICY),
        ),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ),
    ] {
        headers.entry(name).or_insert(value);
    }
    response
}

/// Serves the dashboard on a bound `listener` within `limits` until `shutdown` resolves,
/// answering for the Host names of its address and `allowed_hosts` (see [`Hosts`]).
pub async fn serve(
    store: StoreHandle,
    watchlists: WatchLists,
    listener: tokio::net::TcpListener,
    allowed_hosts: &[String],
    limits: &Limits,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let hosts = Hosts::for_listener(listener.local_addr()?, allowed_hosts);
    let router = router(store, watchlists, hosts);
    server::serve("dashboard", router, listener, limits, shutdown).await
}

/// A 200 with its content type; the security headers are the router's layer's
/// ([`security_headers`]), for every answer alike.
fn with_headers(content_type: &'static str, body: String) -> Response {
    let mut response = (StatusCode::OK, body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// A dashboard page without a period; printed, it says when it was made.
fn page(title: &str, body: &str) -> Response {
    period_page(title, None, body)
}

/// A dashboard page, which printed says its period (if it has one) and when it was made.
fn period_page(title: &str, period: Option<&str>, body: &str) -> Response {
    let body = format!("{}{body}", html::printed_line(period, Utc::now()));
    with_headers("text/html; charset=utf-8", html::page(title, true, &body))
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
    if let (Some(start), Some(end)) = (since, until) {
        let text = |key: &str| non_empty(key).unwrap_or_default();
        crate::model::period::check_order((text("since"), start), (text("until"), end))?;
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
            let verb = if to > from { "raised" } else { "lowered" };
            if m.kind == diff::ChangeKind::Unconfirmed {
                format!(
                    "{} <span class=\"{class}\" title=\"{verb} on the title; the text does not say it yet\">{arrow}</span> <span class=\"muted unconfirmed\">unconfirmed</span> {}",
                    badge(from),
                    badge(to)
                )
            } else {
                format!(
                    "{} <span class=\"{class}\" title=\"{verb}\">{arrow}</span> {}",
                    badge(from),
                    badge(to)
                )
            }
        }
        (None, Some(to)) => format!("<span class=\"muted\">new</span> {}", badge(to)),
        (Some(from), None) => format!("{} <span class=\"muted\">withdrawn</span>", badge(from)),
        (None, None) => "<span class=\"muted\">withdrawn</span>".to_owned(),
    }
}

/// A source's current level as a short badge, "withdrawn", or "none yet" before its first version.
fn level_cell(s: &SourceOverview) -> String {
    match (s.withdrawn, s.level, &s.level_label) {
        (true, _, _) => "<span class=\"level\">withdrawn</span>".to_owned(),
        (false, Some(n), Some(label)) => html::level_chip(&crate::model::advisory::Level {
            number: n,
            label: label.clone(),
        }),
        _ => "<span class=\"muted\">none yet</span>".to_owned(),
    }
}

/// When a change was seen, with the publisher's issued date beside it: "issued 2026-02-11
/// (first seen 2026-02-12 08:15 UTC)", "issued 2026-02-11 (archived, first seen 2026-02-12)",
/// or the first-seen date alone when the page gives no issued date.
fn when_cell(at: &str, archived: bool, issued: Option<chrono::NaiveDate>) -> String {
    match (issued, archived) {
        (Some(issued), true) => format!(
            "issued {issued} <span class=\"muted\">(archived, first seen {})</span>",
            escape(crate::present::words::day(at))
        ),
        (Some(issued), false) => format!(
            "issued {issued} <span class=\"muted\">(first seen {})</span>",
            escape(&html::short_time(at))
        ),
        (None, true) => format!(
            "{} <span class=\"muted\">(archived, first seen)</span>",
            escape(crate::present::words::day(at))
        ),
        (None, false) => escape(&html::short_time(at)),
    }
}

fn period_form(action: &str, params: &HashMap<String, String>) -> String {
    let value = |key: &str| escape(params.get(key).map(String::as_str).unwrap_or(""));
    format!(
        "<form class=\"filters\" method=\"get\" action=\"{action}\">\
         <label>Last days<input name=\"days\" value=\"{}\" placeholder=\"7\" size=\"5\"></label>\
         <label>Since<input name=\"since\" value=\"{}\" placeholder=\"2026-02-01\"></label>\
         <label>Until (included)<input name=\"until\" value=\"{}\" placeholder=\"2026-02-12\"></label>\
         {}{}{}<button type=\"submit\">Show</button></form>",
        value("days"),
        value("since"),
        value("until"),
        region_field(params),
        watch_field(params),
        map_field(params)
    )
}

/// A form's region menu: every region, each with its sub-regions (and intermediate regions)
/// under it, the page's own selected.
fn region_field(params: &HashMap<String, String>) -> String {
    let chosen = region_from(params).ok().flatten();
    let mut out =
        String::from("<label>Region<select name=\"region\"><option value=\"\">anywhere</option>");
    let every = WorldRegion::every();
    for (index, region) in every.iter().enumerate() {
        let selected = if Some(*region) == chosen {
            " selected"
        } else {
            ""
        };
        match region.tier() {
            Tier::Region => {
                if index > 0 {
                    out.push_str("</optgroup>");
                }
                let _ = write!(
                    out,
                    "<optgroup label=\"{name}\"><option value=\"{name}\"{selected}>{name} (all)</option>",
                    name = escape(region.name())
                );
            }
            Tier::SubRegion => {
                let _ = write!(
                    out,
                    "<option value=\"{name}\"{selected}>{name}</option>",
                    name = escape(region.name())
                );
            }
        }
    }
    if !every.is_empty() {
        out.push_str("</optgroup>");
    }
    out.push_str("</select></label>");
    out
}

/// A form's hidden `map` field, so that the movers board keeps its map's choice.
fn map_field(params: &HashMap<String, String>) -> String {
    match params
        .get("map")
        .map(|m| m.trim())
        .filter(|m| !m.is_empty())
    {
        Some(choice) => format!(
            "<input type=\"hidden\" name=\"map\" value=\"{}\">",
            escape(choice)
        ),
        None => String::new(),
    }
}

/// A form's hidden `watch` field and its words, so that a filtered page stays filtered.
fn watch_field(params: &HashMap<String, String>) -> String {
    match params
        .get("watch")
        .map(|w| w.trim())
        .filter(|w| !w.is_empty())
    {
        Some(name) => format!(
            "<span class=\"muted\">watch-list {name}</span><input type=\"hidden\" name=\"watch\" value=\"{name}\">",
            name = escape(name)
        ),
        None => String::new(),
    }
}

/// Filters from a query string, as the report takes them. The period is the last 30 days
/// unless `days`, `since` or `until` say otherwise. A `country` that is no country is an
/// error naming the nearest, never an empty list.
fn query_from(app: &App, params: &HashMap<String, String>) -> Result<ReportQuery, String> {
    let now = Utc::now();
    let non_empty = |key: &str| params.get(key).map(|v| v.trim()).filter(|v| !v.is_empty());
    let (since, until) = period_from(params, now, 30)?;
    if let Some(country) = non_empty("country") {
        crate::model::country::check_search(country).map_err(|e| e.to_string())?;
    }
    Ok(ReportQuery {
        since,
        until,
        sources: Vec::new(),
        source_prefix: non_empty("government")
            .or_else(|| non_empty("source"))
            .map(str::to_owned),
        watch: app.watch_from(params)?.cloned(),
        region: region_from(params)?,
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
        kind: non_empty("kind").map(report::check_kind).transpose()?,
        direction: non_empty("direction")
            .map(|d| {
                report::Direction::parse(d)
                    .ok_or_else(|| format!("`{d}` is not a direction; use raised or lowered"))
            })
            .transpose()?,
        text: non_empty("q").map(str::to_owned),
        order: non_empty("sort")
            .map(|o| {
                report::Order::parse(o)
                    .ok_or_else(|| format!("`{o}` is not an order; use importance or time"))
            })
            .transpose()?
            .unwrap_or_default(),
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
