//! `/matrix`, `/matrix.csv` and `/api/matrix`: every country a row, every government a column,
//! each cell the level of the government's current reading with its stale and areas-higher
//! marks; sortable by links in the column headers, kept by watch-list and region.

use super::*;
use crate::present::matrix::{Cell, Matrix, Sort};

/// The matrix of a query string's `watch`, `region` and `sort`, or the message of a 400.
async fn load_matrix(
    app: &App,
    params: &HashMap<String, String>,
) -> Result<Result<Matrix, String>, StoreError> {
    let filters = app
        .watch_from(params)
        .and_then(|watch| Ok((watch.cloned(), region_from(params)?)));
    let (watch, region) = match filters {
        Ok(filters) => filters,
        Err(message) => return Ok(Err(message)),
    };
    let all = app.store.call(|s| s.overview()).await?;
    let mut matrix = Matrix::of(&all, watch.as_ref(), region);
    let sort = params.get("sort").map_or("", String::as_str);
    Ok(Sort::parse(sort, &matrix.governments).map(|sort| {
        matrix.sort_by(sort);
        matrix
    }))
}

/// The page's filters (`watch`, `region`) with `sort`, as a query string.
fn matrix_query(params: &HashMap<String, String>, sort: &str) -> String {
    let mut parts = Vec::new();
    for key in ["watch", "region"] {
        if let Some(v) = params.get(key).map(|v| v.trim()).filter(|v| !v.is_empty()) {
            parts.push(format!("{key}={}", encode(v)));
        }
    }
    if sort != "country" {
        parts.push(format!("sort={}", encode(sort)));
    }
    parts.join("&")
}

pub(super) async fn matrix_page(
    State(app): State<Arc<App>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let matrix = match load_matrix(&app, &params).await {
        Ok(Ok(matrix)) => matrix,
        Ok(Err(message)) => return problem(StatusCode::BAD_REQUEST, &message),
        Err(e) => return store_failed(e),
    };
    let mut heading = "Matrix".to_owned();
    if let Some(region) = matrix.region {
        let _ = write!(heading, " in {}", region.name());
    }
    if let Some(watch) = &matrix.watch {
        let _ = write!(heading, ": watch-list {watch}");
    }
    let mut body = format!("<h1>{}</h1>", escape(&heading));
    let same = matrix_query(&params, matrix.sort.key());
    let _ = write!(
        body,
        "<p class=\"muted\"><span class=\"count\">{} countr{}</span> &middot; {} government{} &middot; <a href=\"{}\" download>CSV of these rows</a> &middot; <a href=\"{}\">JSON</a></p>",
        matrix.rows.len(),
        if matrix.rows.len() == 1 { "y" } else { "ies" },
        matrix.governments.len(),
        if matrix.governments.len() == 1 {
            ""
        } else {
            "s"
        },
        escape(&with_query("/matrix.csv", &same)),
        escape(&with_query("/api/matrix", &same)),
    );
    let _ = write!(
        body,
        "<form class=\"filters\" method=\"get\" action=\"/matrix\">{}{}{}<button type=\"submit\">Show</button></form>",
        region_field(&params),
        watch_field(&params),
        if matrix.sort == Sort::Country {
            String::new()
        } else {
            format!(
                "<input type=\"hidden\" name=\"sort\" value=\"{}\">",
                escape(matrix.sort.key())
            )
        },
    );
    if matrix.rows.is_empty() {
        body.push_str("<p class=\"empty\">No government reads a country with these filters.</p>");
        return page(&format!("advisory-watch: {heading}"), &body);
    }
    body.push_str(
        "<p class=\"muted matrix-key\">Each cell is the government's current reading, as the country page shows it; it links to the source's page. \
         <span class=\"stale\">stale</span>: older than another reading of that government, or its source is failing or no longer reads right. \
         <span class=\"areas-higher\"><span aria-hidden=\"true\">&#9650;</span> areas</span>: the government rates some areas higher than the whole country. \
         Spread: how many levels the fresh readings span.</p>",
    );
    let sorted_by = match &matrix.sort {
        Sort::Country => "country".to_owned(),
        Sort::Highest => "highest level".to_owned(),
        Sort::Spread => "spread".to_owned(),
        Sort::Government(id) => matrix
            .governments
            .iter()
            .find(|g| &g.id == id)
            .map_or_else(|| id.clone(), |g| format!("{}'s level", g.short)),
    };
    let _ = write!(
        body,
        "<div class=\"matrix-wrap\"><table class=\"matrix\"><caption>Current level of each country (rows) by government (columns){}, sorted by {}</caption><thead><tr>",
        matrix
            .region
            .map(|r| format!(" in {}", escape(r.name())))
            .unwrap_or_default(),
        escape(&sorted_by)
    );
    let header = |key: &str, words: &str, attributes: &str| {
        let (aria, arrow) = match (key == matrix.sort.key(), key) {
            (true, "country") => (" aria-sort=\"ascending\"", " &#9652;"),
            (true, _) => (" aria-sort=\"descending\"", " &#9662;"),
            (false, _) => ("", ""),
        };
        let query = matrix_query(&params, key);
        format!(
            "<th scope=\"col\"{aria}{attributes}><a href=\"{}\">{}</a>{arrow}</th>",
            escape(&with_query("/matrix", &query)),
            escape(words)
        )
    };
    body.push_str(&header("country", "Country", ""));
    for g in &matrix.governments {
        body.push_str(&header(
            &g.id,
            &g.short,
            &format!(
                " data-government=\"{}\" title=\"{}\"",
                escape(&g.id),
                escape(&g.name)
            ),
        ));
    }
    body.push_str(&header(
        "highest",
        "Highest",
        " title=\"the highest level of the row's readings\"",
    ));
    body.push_str(&header(
        "spread",
        "Spread",
        " title=\"how many levels the fresh readings span, as the country page's flag counts them\"",
    ));
    body.push_str("</tr></thead><tbody>");
    for row in &matrix.rows {
        let _ = write!(
            body,
            "<tr data-code=\"{}\"{}><th scope=\"row\" data-label=\"Country\"><a href=\"{}\">{}</a></th>",
            escape(row.country.code),
            row.placement
                .map(|p| format!(" data-region=\"{}\"", escape(p.narrowest())))
                .unwrap_or_default(),
            escape(&country_link(row.country.name)),
            escape(row.country.name),
        );
        for (g, cell) in matrix.governments.iter().zip(&row.cells) {
            body.push_str(&cell_html(g, cell.as_ref()));
        }
        let _ = write!(
            body,
            "<td data-label=\"Highest\" class=\"highest\"{}>{}</td><td data-label=\"Spread\" class=\"spread\"{}>{}</td></tr>",
            row.highest
                .map(|l| format!(" data-highest=\"{l}\""))
                .unwrap_or_default(),
            row.highest.map_or_else(no_value, |l| format!(
                "<span class=\"level short l{l}\">L{l}</span>",
                l = l.clamp(1, 4)
            )),
            row.spread
                .map(|s| format!(" data-spread=\"{s}\""))
                .unwrap_or_default(),
            row.spread.map_or_else(no_value, |s| s.to_string()),
        );
    }
    body.push_str("</tbody></table></div>");
    page(&format!("advisory-watch: {heading}"), &body)
}

/// A path with a query string, if there is one.
fn with_query(path: &str, query: &str) -> String {
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    }
}

/// "–", read out as "no reading".
fn no_value() -> String {
    "<span aria-hidden=\"true\">&ndash;</span><span class=\"vh\">no reading</span>".to_owned()
}

/// One government's cell: its level as a badge linked to the source's page, "withdrawn", or
/// "–" without a reading; the stale and areas-higher marks.
fn cell_html(g: &brief::Government, cell: Option<&Cell>) -> String {
    let Some(cell) = cell else {
        return format!(
            "<td data-label=\"{short}\" data-government=\"{id}\" class=\"none\">{}</td>",
            no_value(),
            short = escape(&g.short),
            id = escape(&g.id),
        );
    };
    let s = &cell.reading.source;
    let as_of = cell
        .reading
        .as_of()
        .map(|day| format!(", as of {day}"))
        .unwrap_or_default();
    let mut out = format!(
        "<td data-label=\"{short}\" data-government=\"{id}\" data-source=\"{source}\"{level}{stale}>",
        short = escape(&g.short),
        id = escape(&g.id),
        source = escape(&s.name),
        level = cell
            .level()
            .map(|l| format!(" data-level=\"{l}\""))
            .unwrap_or_else(|| " data-withdrawn=\"true\"".to_owned()),
        stale = cell
            .stale()
            .map(|st| format!(
                " data-stale=\"{}\"",
                match st {
                    brief::Stale::Superseded => "superseded",
                    brief::Stale::Failing => "failing",
                    brief::Stale::Broken => "broken",
                }
            ))
            .unwrap_or_default(),
    );
    match cell.level() {
        Some(level) => {
            let _ = write!(
                out,
                "<a class=\"level short l{n}\" href=\"{href}\" title=\"{title}\">L{n}</a>",
                n = level.clamp(1, 4),
                href = escape(&source_link(&s.name)),
                title = escape(&format!(
                    "{}: {}{as_of} ({})",
                    g.short,
                    s.level_label
                        .clone()
                        .unwrap_or_else(|| format!("level {level}")),
                    s.name
                )),
            );
        }
        None => {
            let _ = write!(
                out,
                "<a class=\"withdrawn\" href=\"{}\" title=\"{}\">withdrawn</a>",
                escape(&source_link(&s.name)),
                escape(&format!("{}: withdrawn{as_of} ({})", g.short, s.name)),
            );
        }
    }
    if let Some(stale) = cell.stale() {
        let _ = write!(
            out,
            " <span class=\"stale\" title=\"Stale: {}\">stale</span>",
            escape(stale.words())
        );
    }
    if let Some(level) = cell.areas_higher {
        let names = cell.highest_areas();
        let _ = write!(
            out,
            " <span class=\"areas-higher\" data-areas-level=\"{level}\" title=\"{}\"><span aria-hidden=\"true\">&#9650;</span> areas<span class=\"vh\"> up to level {level}</span></span>",
            escape(&format!(
                "Some areas at level {level}{}",
                if names.is_empty() {
                    String::new()
                } else {
                    format!(": {}", names.join(", "))
                }
            )),
        );
    }
    out.push_str("</td>");
    out
}

pub(super) async fn matrix_csv(
    State(app): State<Arc<App>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    match load_matrix(&app, &params).await {
        Ok(Ok(matrix)) => {
            let mut response = with_headers("text/csv; charset=utf-8", matrix.csv());
            let name = match matrix.region {
                Some(region) => format!(
                    "advisory-matrix-{}.csv",
                    region
                        .name()
                        .to_lowercase()
                        .split(|c: char| !c.is_ascii_alphanumeric())
                        .filter(|w| !w.is_empty())
                        .collect::<Vec<_>>()
                        .join("-")
                ),
                None => "advisory-matrix.csv".to_owned(),
            };
            if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
                response
                    .headers_mut()
                    .insert(header::CONTENT_DISPOSITION, value);
            }
            response
        }
        Ok(Err(message)) => problem(StatusCode::BAD_REQUEST, &message),
        Err(e) => store_failed(e),
    }
}

pub(super) async fn api_matrix(
    State(app): State<Arc<App>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    match load_matrix(&app, &params).await {
        Ok(Ok(matrix)) => with_headers(
            "application/json",
            serde_json::to_string_pretty(&matrix.json()).expect("json serializes"),
        ),
        Ok(Err(message)) => bad_request_json(&message),
        Err(e) => store_failed(e),
    }
}
