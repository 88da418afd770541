//! `/sources` and `/api/sources`: every source with its level, previous level, "level changed
//! on", a sparkline and its areas, sortable.

use super::*;

/// Each source's versions as chart points, by source name.
pub(super) fn series_by_source(points: Vec<LevelPoint>) -> HashMap<String, Points> {
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
pub(super) fn previous_level(
    points: &[(DateTime<Utc>, Option<u8>)],
) -> (Option<u8>, Option<DateTime<Utc>>) {
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
pub(super) fn areas_words(level: Option<u8>, areas: &[crate::model::advisory::Area]) -> String {
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

/// Where a row's country links: its country page, or, for a feed or index (country `*`, every
/// country; a database written before feeds were marked can still list one), its own history.
fn country_cell_link(s: &SourceOverview) -> String {
    if s.collection || s.country.trim() == "*" {
        source_link(&s.name)
    } else {
        country_link(&brief::country_name(&s.country))
    }
}

pub(super) async fn overview(
    State(app): State<Arc<App>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let found = app
        .store
        .call(|s| Ok((s.overview()?, s.level_points()?)))
        .await;
    let (mut sources, points) = match found {
        Ok(found) => found,
        Err(e) => return store_failed(e),
    };
    let watch = match app.watch_from(&params) {
        Ok(watch) => watch,
        Err(message) => return problem(StatusCode::BAD_REQUEST, &message),
    };
    // A feed or index is where readings come from, never a reading itself.
    sources.retain(|s| !s.collection && watch.is_none_or(|w| w.covers(&s.country)));
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
    let mut body = match watch {
        Some(w) => format!("<h1>Sources: watch-list {}</h1>", escape(&w.name)),
        None => String::from("<h1>Sources</h1>"),
    };
    let _ = write!(
        body,
        "<div class=\"summary\"><span><b>{}</b> sources</span><span><b>{broken}</b> not reading right</span></div>",
        sources.len()
    );
    let header = |key: &str, words: &str| {
        if sort == key {
            format!("<th aria-sort=\"descending\">{words} &#9662;</th>")
        } else {
            let watch = watch.map_or(String::new(), |w| format!("&watch={}", encode(&w.name)));
            format!(
                "<th><a href=\"/sources?sort={key}{}\">{words}</a></th>",
                escape(&watch)
            )
        }
    };
    let _ = write!(
        body,
        "<table class=\"sources stack sortable\" aria-label=\"Sources\"><thead><tr>{}<th>Source</th>{}{}{}<th>Trend</th><th>Areas</th><th>Indicators</th><th>Last check</th></tr></thead><tbody>",
        header("name", "Country"),
        header("level", "Level"),
        header("previous", "Previous"),
        header("changed", "Level changed on"),
    );
    for row in &rows {
        let s = row.source;
        let flagged = s.state == "broken" || s.state == "failing";
        let level = level_cell(s);
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
            "<tr{}><td class=\"name\" data-label=\"Country\"><a href=\"{}\">{}</a></td><td class=\"name\" data-label=\"Source\"><a href=\"{}\">{}</a>{state}</td><td data-label=\"Level\">{level}</td><td data-label=\"Previous\">{}</td><td data-label=\"Level changed on\">{}</td><td data-label=\"Trend\">{}</td><td data-label=\"Areas\">{}</td><td data-label=\"Indicators\">{}</td><td data-label=\"Last check\">{}</td></tr>",
            if flagged { " class=\"broken\"" } else { "" },
            escape(&country_cell_link(s)),
            escape(&s.country),
            escape(&source_link(&s.name)),
            escape(&s.name),
            row.previous.map_or("-".to_owned(), |l| format!("L{l}")),
            row.changed_on
                .map_or("-".to_owned(), |t| t.format("%Y-%m-%d").to_string()),
            chart::sparkline(points, start, now, &words),
            escape(&areas_words(s.level, &s.areas)),
            html::current_chips(&s.indicators),
            escape(&s.last_checked.as_deref().map_or("never".to_owned(), |at| {
                report::when_words(at, s.last_checked_archived)
            }))
        );
    }
    body.push_str("</tbody></table>");
    page("advisory-watch: sources", &body)
}

pub(super) async fn api_sources(State(app): State<Arc<App>>) -> Response {
    match app.store.call(|s| s.overview()).await {
        Ok(mut sources) => with_headers(
            "application/json",
            serde_json::to_string_pretty(&listing::sources_json({
                sources.retain(|s| !s.collection);
                &sources
            }))
            .expect("json serializes"),
        ),
        Err(e) => store_failed(e),
    }
}
