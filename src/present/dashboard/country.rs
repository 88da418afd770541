//! `/country/{name}` and `/api/country/{name}`: every government on one country side by side,
//! with the step chart of level over time and each government's scale.

use super::*;

/// The sources about the country a name, alias or ISO code stands for, or a 404 that suggests
/// one.
pub(super) async fn country_sources(
    app: &App,
    name: &str,
) -> Result<
    (
        &'static crate::model::country::Country,
        Vec<brief::GovernmentReadings>,
        Vec<LevelPoint>,
    ),
    Response,
> {
    if crate::model::country::too_long(name) {
        let mut response = page(
            "advisory-watch: no such country",
            &format!(
                "<h1>404 Not Found</h1><p>No country has a name of {} bytes: country names are at most {} bytes.</p>",
                name.len(),
                crate::model::country::MAX_SEARCH
            ),
        );
        *response.status_mut() = StatusCode::NOT_FOUND;
        return Err(response);
    }
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
        let links: Vec<String> = crate::model::country::nearest(name, 3)
            .iter()
            .map(|c| {
                format!(
                    "<a href=\"{}\">{}</a>",
                    escape(&country_link(c.name)),
                    escape(c.name)
                )
            })
            .collect();
        let hint = match links.as_slice() {
            [] => String::new(),
            [one] => format!(" Did you mean {one}?"),
            [rest @ .., last] => format!(" Did you mean {} or {last}?", rest.join(", ")),
        };
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
    let (all, points) = found.map_err(store_failed)?;
    let sources: Vec<SourceOverview> = brief::sources_by_country(&all)
        .remove(country.code)
        .unwrap_or_default();
    let groups = brief::readings(&sources, &all);
    if groups.is_empty() {
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
    Ok((country, groups, points))
}

pub(super) async fn country_page(
    State(app): State<Arc<App>>,
    Path(name): Path<String>,
) -> Response {
    let (country, groups, points) = match country_sources(&app, &name).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let now = Utc::now();
    let readings = groups.iter().map(|g| 1 + g.others.len()).sum::<usize>();
    let mut body = format!(
        "<h1>{} <span class=\"muted\">({})</span></h1>",
        escape(country.name),
        country.code
    );
    let _ = write!(
        body,
        "<p class=\"muted\">{} government{} &middot; {readings} reading{} &middot; <a href=\"/changes?country={}&amp;since=3650d\">every change</a></p>",
        groups.len(),
        if groups.len() == 1 { "" } else { "s" },
        if readings == 1 { "" } else { "s" },
        encode(country.name)
    );
    if let Some((gap, words)) = brief::disagreement(&groups) {
        let _ = write!(
            body,
            "<p class=\"disagree flag\">Governments differ by {gap} levels: {}.</p>",
            escape(&words)
        );
    }
    body.push_str("<div class=\"grid\">");
    for g in &groups {
        let s = &g.current.source;
        let _ = write!(
            body,
            "<section class=\"government\" data-government=\"{}\" data-source=\"{}\"><h2>{}</h2><p class=\"meta\"><a href=\"{}\">official page</a> &middot; <a href=\"{}\">{}</a> &middot; {}</p><p>{}</p>",
            escape(&g.government.id),
            escape(&s.name),
            escape(&g.government.name),
            escape(&s.url),
            escape(&source_link(&s.name)),
            escape(&s.name),
            as_of_words(&g.current),
            level_cell(s)
        );
        if let Some(stale) = g.current.stale {
            let _ = write!(
                body,
                "<p class=\"stale flag\">Stale: {}.</p>",
                escape(stale.words())
            );
        }
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
        if !g.others.is_empty() {
            let _ = write!(
                body,
                "<details class=\"others\"><summary>{} other reading{} of {}</summary><ul>",
                g.others.len(),
                if g.others.len() == 1 { "" } else { "s" },
                escape(&g.government.short)
            );
            for other in &g.others {
                let o = &other.source;
                let _ = write!(
                    body,
                    "<li data-source=\"{}\">{} <a href=\"{}\">{}</a> &middot; {}{}</li>",
                    escape(&o.name),
                    level_cell(o),
                    escape(&source_link(&o.name)),
                    escape(&o.name),
                    as_of_words(other),
                    other
                        .stale
                        .map(|s| format!(
                            " <span class=\"stale\">(stale: {})</span>",
                            escape(s.words())
                        ))
                        .unwrap_or_default()
                );
            }
            body.push_str("</ul></details>");
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
    let lines: Vec<chart::Series> = groups
        .iter()
        .flat_map(|g| {
            std::iter::once((&g.current, true))
                .chain(g.others.iter().map(|r| (r, false)))
                .map(move |(r, current)| (g, r, current))
        })
        .filter_map(|(g, r, current)| {
            series.get(&r.source.name).map(|points| chart::Series {
                government: g.government.clone(),
                source: r.source.name.clone(),
                current,
                points: points.clone(),
            })
        })
        .collect();
    body.push_str(&chart::level_chart(&lines, start, now));
    body.push_str("<h2 style=\"margin-top:18px\">How each government's scale maps onto levels 1-4</h2><table class=\"legend stack\" aria-label=\"How each government's scale maps onto levels 1-4\"><thead><tr><th>Level</th>");
    for g in &groups {
        let _ = write!(body, "<th>{}</th>", escape(&g.government.name));
    }
    body.push_str("</tr></thead><tbody>");
    for level in 1..=4u8 {
        let _ = write!(
            body,
            "<tr><td data-label=\"Level\"><span class=\"level short l{level}\">L{level}</span></td>"
        );
        for g in &groups {
            let words = g
                .government
                .scale()
                .map_or("(its own words: see the level label)", |scale| {
                    scale[usize::from(level - 1)]
                });
            let _ = write!(
                body,
                "<td data-label=\"{}\">{}</td>",
                escape(&g.government.short),
                escape(words)
            );
        }
        body.push_str("</tr>");
    }
    body.push_str("</tbody></table>");
    page(&format!("advisory-watch: {}", country.name), &body)
}

/// "issued 2026-07-09 (first seen 2026-07-10)", or "first seen 2026-07-10".
fn as_of_words(reading: &brief::Reading) -> String {
    let s = &reading.source;
    let seen = s.version_seen.as_deref().map(crate::present::words::day);
    match (s.issued, seen) {
        (Some(issued), Some(seen)) => format!("issued {issued} (first seen {seen})"),
        (Some(issued), None) => format!("issued {issued}"),
        (None, Some(seen)) => format!("first seen {seen}"),
        (None, None) => "-".to_owned(),
    }
}

pub(super) async fn api_country(State(app): State<Arc<App>>, Path(name): Path<String>) -> Response {
    let (country, groups, points) = match country_sources(&app, &name).await {
        Ok(found) => found,
        Err(response) => {
            let status = response.status();
            let suggestion = crate::model::country::suggest(&name).map(|c| c.name);
            let body = serde_json::json!({
                "error": format!("no source is about `{}`", crate::model::country::quoted(&name)),
                "suggestion": suggestion,
            })
            .to_string();
            let mut response = with_headers("application/json", body);
            *response.status_mut() = status;
            return response;
        }
    };
    // Each version's start as stored: an archived one's is a day (never a made-up time).
    let history = |source: &str| {
        points
            .iter()
            .filter(|p| p.source == source)
            .map(|p| {
                serde_json::json!({
                    "from": report::shown_time(&p.first_seen_at, p.archived),
                    "archived": p.archived,
                    "level": (!p.withdrawn).then_some(p.level),
                })
            })
            .collect::<Vec<_>>()
    };
    let reading_json = |r: &brief::Reading| {
        let s = &r.source;
        serde_json::json!({
            "source": s.name,
            "url": s.url,
            "level": s.level,
            "level_label": s.level_label,
            "issued": s.issued,
            "first_seen": s.version_seen.as_deref().map(|at| report::shown_time(at, s.version_archived)),
            "archived": s.version_archived,
            "indicators": s.indicators,
            "areas": s.areas,
            "withdrawn": s.withdrawn,
            "stale": r.stale,
            "history": history(&s.name),
        })
    };
    let value = serde_json::json!({
        "country": country.name,
        "code": country.code,
        "levels_differ_by": brief::disagreement(&groups).map_or(0, |(gap, _)| gap),
        "disagreement": brief::disagreement(&groups).map(|(_, words)| words),
        "sources": groups.iter().flat_map(|g| std::iter::once(&g.current).chain(&g.others).map(move |r| (g, r))).map(|(g, r)| {
            let mut value = reading_json(r);
            value["government"] = serde_json::json!({"id": g.government.id, "name": g.government.name, "short": g.government.short});
            value
        }).collect::<Vec<_>>(),
        "governments": groups.iter().map(|g| {
            let mut current = reading_json(&g.current);
            current["government"] = serde_json::json!({"id": g.government.id, "name": g.government.name, "short": g.government.short});
            current["others"] = serde_json::json!(g.others.iter().map(reading_json).collect::<Vec<_>>());
            current
        }).collect::<Vec<_>>(),
    });
    with_headers(
        "application/json",
        serde_json::to_string_pretty(&value).expect("json serializes"),
    )
}
