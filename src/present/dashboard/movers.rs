//! `/` and `/api/movers`: the movers board, every level change of a period with its counters
//! and net effects, then indicator changes and the count of summary-only updates.

use super::*;

pub(super) async fn load_movers(
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

pub(super) async fn movers_board(
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

pub(super) async fn api_movers(
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
