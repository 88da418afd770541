//! `/` and `/api/movers`: the movers board, every level change of a period with its counters
//! and net effects, the world map of current levels (the countries that moved outlined), then
//! indicator changes and the count of summary-only updates. The map shows every country; a
//! watch-list narrows the table and so the outlines.

use super::*;

pub(super) async fn load_movers(
    app: &App,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    watch: Option<&WatchList>,
    region: Option<WorldRegion>,
) -> Result<Movers, StoreError> {
    let mut changes = app
        .store
        .call(move |s| s.changes_in(None, since, until))
        .await?;
    changes.retain(|c| {
        watch.is_none_or(|w| w.covers(&c.country)) && region.is_none_or(|r| r.covers(&c.country))
    });
    Ok(Movers::of(&changes))
}

pub(super) async fn movers_board(
    State(app): State<Arc<App>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let now = Utc::now();
    let (since, until) = match period_from(&params, now, 7) {
        Ok(period) => period,
        Err(message) => return problem(StatusCode::BAD_REQUEST, &message),
    };
    let watch = match app.watch_from(&params) {
        Ok(watch) => watch,
        Err(message) => return problem(StatusCode::BAD_REQUEST, &message),
    };
    let region = match region_from(&params) {
        Ok(region) => region,
        Err(message) => return problem(StatusCode::BAD_REQUEST, &message),
    };
    let movers = match load_movers(&app, since, until, watch, region).await {
        Ok(movers) => movers,
        Err(e) => return store_failed(e),
    };
    let period = report::period_words(since, until);
    let mut body = match region {
        Some(region) => format!(
            "<h1>Movers in {} {}</h1>",
            escape(region.name()),
            escape(&period)
        ),
        None => format!("<h1>Movers {}</h1>", escape(&period)),
    };
    body.push_str(&period_form("/", &params));
    // Every count links to the rows it counts, over the same period.
    let period_query = period_query(&params);
    let counter = |name: &str, filter: &str, n: usize, words: &str| {
        format!(
            "<a class=\"counter\" href=\"{}\" data-counter=\"{name}\"><b>{n}</b> {words}</a>",
            escape(&format!("/changes?{filter}&{period_query}"))
        )
    };
    let _ = write!(
        body,
        "<div class=\"summary\">{}{}{}{}</div>",
        counter("raised", "direction=raised", movers.raised, "raised"),
        counter("lowered", "direction=lowered", movers.lowered, "lowered"),
        counter(
            "new-or-withdrawn",
            "kind=publication",
            movers.new_or_withdrawn,
            "new or withdrawn"
        ),
        counter(
            "details",
            "kind=details",
            movers.indicator_changes.len(),
            &format!(
                "indicator, reason or area change{}",
                crate::present::words::plural(movers.indicator_changes.len())
            )
        ),
    );
    match map_section(&app, &params, &movers).await {
        Ok(section) => body.push_str(&section),
        Err(response) => return response,
    }
    if movers.rows.is_empty() {
        let _ = write!(
            body,
            "<p class=\"empty\">No level changed {}.</p>",
            escape(&period)
        );
    } else {
        body.push_str("<table class=\"movers stack\" aria-label=\"Level moves\"><thead><tr><th>Country</th><th>Government</th><th>Source</th><th>Level</th><th>When</th></tr></thead><tbody>");
        for row in &movers.rows {
            let (moves, when) = if let [one] = row.moves.as_slice() {
                (move_cell(one), when_cell(&one.at, one.archived, one.issued))
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
                        .map(|m| when_cell(&m.at, m.archived, m.issued))
                        .collect::<Vec<_>>()
                        .join("<br>"),
                )
            };
            let _ = write!(
                body,
                "<tr class=\"mover\" data-source=\"{}\"><td class=\"name\" data-label=\"Country\"><a href=\"{}\">{}</a></td><td data-label=\"Government\">{}</td><td class=\"name\" data-label=\"Source\"><a href=\"{}\">{}</a> <a class=\"official\" href=\"{}\">official page</a></td><td data-label=\"Level\">{moves}{}</td><td data-label=\"When\">{when}</td></tr>",
                escape(&row.source),
                escape(&country_link(&row.country)),
                escape(&row.country),
                escape(&row.government.short),
                escape(&source_link(&row.source)),
                escape(&row.source),
                escape(&row.url),
                details_cell(row),
            );
        }
        body.push_str("</tbody></table>");
    }
    body.push_str("<h2 style=\"margin-top:22px\">Indicator, reason and area changes</h2>");
    if movers.indicator_changes.is_empty() {
        body.push_str("<p class=\"muted\">No indicator, reason or area changed.</p>");
    } else {
        body.push_str("<table class=\"indicators stack\" aria-label=\"Indicator, reason and area changes\"><thead><tr><th>Country</th><th>Government</th><th>Source</th><th>What changed</th><th>Headline</th><th>When</th></tr></thead><tbody>");
        for c in &movers.indicator_changes {
            let reasons = c
                .reasons_added
                .iter()
                .map(|r| format!("+{r}"))
                .chain(c.reasons_removed.iter().map(|r| format!("−{r}")))
                .collect::<Vec<_>>();
            let _ = write!(
                body,
                "<tr data-source=\"{}\" data-classes=\"{}\"><td class=\"name\" data-label=\"Country\"><a href=\"{}\">{}</a></td><td data-label=\"Government\">{}</td><td class=\"name\" data-label=\"Source\"><a href=\"{}\">{}</a> <a class=\"official\" href=\"{}\">official page</a></td><td data-label=\"What changed\">{}{}{}{}</td><td data-label=\"Headline\">{}</td><td data-label=\"When\">{}</td></tr>",
                escape(&c.source),
                c.classes
                    .iter()
                    .map(|k| k.id())
                    .collect::<Vec<_>>()
                    .join(" "),
                escape(&country_link(&c.country)),
                escape(&c.country),
                escape(&c.government.short),
                escape(&source_link(&c.source)),
                escape(&c.source),
                escape(&c.url),
                html::chips(&c.added, &c.removed),
                if reasons.is_empty() {
                    String::new()
                } else {
                    format!(
                        " <span class=\"reasons\">{}</span>",
                        escape(&reasons.join(", "))
                    )
                },
                if c.areas_moved {
                    " <span class=\"muted\">areas changed</span>"
                } else {
                    ""
                },
                if c.level_moved {
                    " <span class=\"muted\">(with a level move)</span>"
                } else {
                    ""
                },
                escape(&c.headline),
                when_cell(&c.at, c.archived, c.issued)
            );
        }
        body.push_str("</tbody></table>");
    }
    let _ = write!(
        body,
        "<p class=\"summary-only\"><a href=\"{}\" data-counter=\"summary-only\"><b>{}</b> summary-only update{}</a> &middot; <a href=\"{}\" data-counter=\"reissued\"><b>{}</b> reissue{} (issued date or note only)</a>.</p>",
        escape(&format!("/changes?kind=summary&{period_query}")),
        movers.summary_only,
        if movers.summary_only == 1 { "" } else { "s" },
        escape(&format!("/changes?kind=reissue&{period_query}")),
        movers.reissued,
        if movers.reissued == 1 { "" } else { "s" },
    );
    period_page("advisory-watch: movers", Some(&period), &body)
}

/// The world map of current levels, its choices and its legend: `?map=` a government's id,
/// `highest` (the default) or `differ`; the countries whose level moved in the period are
/// outlined.
async fn map_section(
    app: &App,
    params: &HashMap<String, String>,
    movers: &Movers,
) -> Result<String, Response> {
    let all = app
        .store
        .call(|s| s.overview())
        .await
        .map_err(store_failed)?;
    let moved: Vec<&str> = movers
        .rows
        .iter()
        .filter(|row| {
            row.moves
                .iter()
                .any(|m| matches!((m.from, m.to), (Some(a), Some(b)) if a != b))
        })
        .flat_map(|row| crate::model::country::countries_of(&row.country))
        .map(|c| c.code)
        .collect();
    let mut governments: Vec<Government> = Vec::new();
    let countries: Vec<map::Country> = brief::sources_by_country(&all)
        .into_iter()
        .filter_map(|(code, sources)| {
            let country = crate::model::country::all()
                .iter()
                .find(|c| c.code == code)?;
            let readings = brief::readings(&sources, &all)
                .into_iter()
                .map(|g| map::Reading {
                    level: g
                        .current
                        .source
                        .level
                        .filter(|_| !g.current.source.withdrawn),
                    stale: g.current.stale.is_some(),
                    government: g.government,
                })
                .collect::<Vec<_>>();
            for r in &readings {
                if !governments.contains(&r.government) {
                    governments.push(r.government.clone());
                }
            }
            Some(map::Country {
                code,
                name: country.name,
                href: Some(country_link(country.name)),
                readings,
                moved: moved.contains(&code),
            })
        })
        .collect();
    governments.sort_by(|a, b| a.short.cmp(&b.short));
    let asked = params
        .get("map")
        .map(|v| v.trim())
        .filter(|v| !v.is_empty());
    let choice = match asked {
        None | Some("highest") => map::Choice::Highest,
        Some("differ") => map::Choice::Differ,
        Some(word) => match governments
            .iter()
            .find(|g| g.id == word || g.answers_to(word))
        {
            Some(g) => map::Choice::Government(g.clone()),
            None => {
                let ids: Vec<&str> = governments.iter().map(|g| g.id.as_str()).collect();
                return Err(problem(
                    StatusCode::BAD_REQUEST,
                    &format!(
                        "`{word}` is not a map; use highest, differ or a government of this database: {}",
                        if ids.is_empty() {
                            "(none yet)".to_owned()
                        } else {
                            ids.join(", ")
                        }
                    ),
                ));
            }
        },
    };
    let drawn = map::world_map(&countries, &choice);
    let mut out = String::from(
        "<section class=\"world\" aria-labelledby=\"world-heading\"><h2 id=\"world-heading\">Current levels</h2><nav class=\"map-choice\" aria-label=\"Colour the map by\">",
    );
    let link = |key: &str, words: &str| {
        let mut query: Vec<String> = params
            .iter()
            .filter(|(k, v)| k.as_str() != "map" && !v.trim().is_empty())
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect();
        query.sort();
        query.push(format!("map={}", encode(key)));
        format!(
            "<a href=\"{}\"{}>{}</a>",
            escape(&format!("/?{}", query.join("&"))),
            if key == choice.key() {
                " aria-current=\"true\""
            } else {
                ""
            },
            escape(words)
        )
    };
    out.push_str(&link("highest", "Highest of all"));
    for g in &governments {
        out.push_str(&link(&g.id, &g.short));
    }
    out.push_str(&link("differ", "Where governments differ"));
    out.push_str("</nav>");
    let _ = write!(
        out,
        "<p class=\"skip\"><a href=\"#after-map\">Skip the map's {} country links</a></p>",
        countries.len()
    );
    out.push_str(&drawn.svg);
    out.push_str(&drawn.legend);
    out.push_str("</section><span id=\"after-map\"></span>");
    Ok(out)
}

/// What moved with a source's level moves: " (+health, areas changed)".
fn details_cell(row: &brief::Mover) -> String {
    let mut words: Vec<&str> = Vec::new();
    for word in row.moves.iter().flat_map(|m| &m.details) {
        if !words.contains(&word.as_str()) {
            words.push(word);
        }
    }
    if words.is_empty() {
        String::new()
    } else {
        format!(
            " <span class=\"details\">({})</span>",
            escape(&words.join(", "))
        )
    }
}

/// The period of a page as a query string, for links to the rows a count counts: the
/// page's own `days`, `since` and `until`, or its default of the last 7 days.
fn period_query(params: &HashMap<String, String>) -> String {
    let mut parts = Vec::new();
    for key in ["days", "since", "until", "watch", "region"] {
        if let Some(v) = params.get(key).filter(|v| !v.trim().is_empty()) {
            parts.push(format!("{key}={}", encode(v)));
        }
    }
    if parts.is_empty() {
        parts.push("days=7".to_owned());
    }
    parts.join("&")
}

pub(super) async fn api_movers(
    State(app): State<Arc<App>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let now = Utc::now();
    let (since, until) = match period_from(&params, now, 7) {
        Ok(period) => period,
        Err(message) => return bad_request_json(&message),
    };
    let watch = match app.watch_from(&params) {
        Ok(watch) => watch,
        Err(message) => return bad_request_json(&message),
    };
    let region = match region_from(&params) {
        Ok(region) => region,
        Err(message) => return bad_request_json(&message),
    };
    match load_movers(&app, since, until, watch, region).await {
        Ok(movers) => {
            let mut value = serde_json::to_value(&movers).expect("json serializes");
            value["since"] = serde_json::json!(since.map(crate::store::format_time));
            value["until"] = serde_json::json!(until.map(crate::store::format_time));
            value["region"] = serde_json::json!(region.map(|r| r.name()));
            with_headers(
                "application/json",
                serde_json::to_string_pretty(&value).expect("json serializes"),
            )
        }
        Err(e) => store_failed(e),
    }
}
