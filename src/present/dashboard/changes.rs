//! `/changes`, `/changes.csv`, `/feed.atom` and `/api/changes`: the filtered timeline of
//! changes and its downloads.

use super::*;

pub(super) async fn timeline(
    State(app): State<Arc<App>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let query = match query_from(&app, &params) {
        Ok(query) => query,
        Err(message) => return problem(StatusCode::BAD_REQUEST, &message),
    };
    let report_watch = query.watch.as_ref().map(|w| w.name.clone());
    let report_region = query.region;
    let report = match load_report(&app, query).await {
        Ok(report) => report,
        Err(e) => return store_failed(e),
    };
    let value = |key: &str| escape(params.get(key).map(String::as_str).unwrap_or(""));
    let searched = params
        .get("country")
        .map(|c| c.trim())
        .filter(|c| !c.is_empty());
    let heading = match (searched, &report_watch) {
        (Some(search), _) => match crate::model::country::resolve(search) {
            Some(country) => format!("Changes: {}", country.name),
            None => format!("Changes: countries matching \u{201c}{search}\u{201d}"),
        },
        (None, Some(name)) => format!("Changes: watch-list {name}"),
        (None, None) => "Changes".to_owned(),
    };
    let heading = match report_region {
        Some(region) => format!("{heading} in {}", region.name()),
        None => heading,
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
         <label>Government or source<input name=\"government\" value=\"{}\" placeholder=\"UK, FCDO, uk-mali\" size=\"10\"></label>\
         <label>Direction<select name=\"direction\"><option value=\"\">any</option><option value=\"raised\"{}>raised</option><option value=\"lowered\"{}>lowered</option></select></label>\
         <label>Level at least<select name=\"level\"><option value=\"\">any</option>{}</select></label>\
         <label>Kind<select name=\"kind\"><option value=\"\">any</option>{}</select></label>\
         <label>Text<input name=\"q\" value=\"{}\" placeholder=\"words in headline or summary\"></label>\
         <label>Since<input name=\"since\" value=\"{}\" placeholder=\"30d or 2026-01-01\" size=\"11\"></label>\
         <label>Until (included)<input name=\"until\" value=\"{}\" placeholder=\"2026-02-12\" size=\"11\"></label>\
         <label>Show<select name=\"view\"><option value=\"\">headlines</option><option value=\"full\"{}>everything</option></select></label>\
         {}{}<button type=\"submit\">Show</button></form>",
        value("country"),
        if params.contains_key("government") {
            value("government")
        } else {
            value("source")
        },
        selected("direction", "raised"),
        selected("direction", "lowered"),
        (1..=4)
            .map(|n| format!(
                "<option value=\"{n}\"{}>{n}</option>",
                selected("level", &n.to_string())
            ))
            .collect::<String>(),
        diff::KIND_FILTERS
            .iter()
            .map(|k| format!(
                "<option value=\"{k}\"{}>{}</option>",
                selected("kind", k),
                kind_words(k)
            ))
            .collect::<String>(),
        value("q"),
        value("since"),
        value("until"),
        selected("view", "full"),
        region_field(&params),
        watch_field(&params),
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
    period_page(
        &format!("advisory-watch: {heading}"),
        Some(&report.period()),
        &body,
    )
}

pub(super) async fn timeline_csv(
    State(app): State<Arc<App>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let query = match query_from(&app, &params) {
        Ok(query) => query,
        Err(message) => return problem(StatusCode::BAD_REQUEST, &message),
    };
    match load_report(&app, query).await {
        Ok(report) => {
            let mut response =
                with_headers("text/csv; charset=utf-8", report.render(ReportFormat::Csv));
            if let Ok(value) = HeaderValue::from_str(&format!(
                "attachment; filename=\"{}\"",
                csv_file_name(&report)
            )) {
                response
                    .headers_mut()
                    .insert(header::CONTENT_DISPOSITION, value);
            }
            response
        }
        Err(e) => store_failed(e),
    }
}

/// The download's name, after its period: "advisory-changes-2025-01-01-to-2026-12-31.csv"
/// (the last day included; an open end is the day the report was made).
fn csv_file_name(report: &Report) -> String {
    let to = report.until.map_or_else(
        || report.generated_at.format("%Y-%m-%d").to_string(),
        |until| report::last_day(until).to_string(),
    );
    match report.since {
        Some(since) => format!("advisory-changes-{}-to-{to}.csv", since.format("%Y-%m-%d")),
        None => format!("advisory-changes-until-{to}.csv"),
    }
}

pub(super) async fn atom_feed(State(app): State<Arc<App>>) -> Response {
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

pub(super) async fn api_changes(
    State(app): State<Arc<App>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let query = match query_from(&app, &params) {
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

/// A `kind` filter's word in a menu: "summary" is "summary only".
fn kind_words(kind: &str) -> &str {
    match kind {
        "details" => "indicators, reasons or areas",
        "summary" => "summary only",
        "reissue" => "reissued (date or note only)",
        "publication" => "new or withdrawn",
        other => other,
    }
}
