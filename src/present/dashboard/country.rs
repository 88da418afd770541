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
pub(super) fn disagreement(
    sources: &[SourceOverview],
) -> Option<(u8, &SourceOverview, &SourceOverview)> {
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

pub(super) async fn country_page(
    State(app): State<Arc<App>>,
    Path(name): Path<String>,
) -> Response {
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
        let level = level_cell(s);
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

pub(super) async fn api_country(State(app): State<Arc<App>>, Path(name): Path<String>) -> Response {
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
