//! `/history/{source}` and `/compare/...`: one source's versions and changes, and two of its
//! versions compared.

use super::*;

/// A version's date for people: "2026-02-12 08:15 UTC", or "archived, first seen 2026-02-12".
pub(super) fn version_date(first_seen_at: &str, archived: bool) -> String {
    report::when_words(first_seen_at, archived)
}

pub(super) async fn source_history(
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
    let _ = write!(
        body,
        "<h2>Versions</h2><table class=\"stack\" aria-label=\"Versions of {}\"><thead><tr><th>First seen</th><th>Last seen</th><th>Level</th><th>Indicators</th><th>Read by</th></tr></thead><tbody>",
        escape(&name)
    );
    for s in snapshots.iter().rev() {
        let ids = s.advisory.sorted_indicator_ids();
        let _ = write!(
            body,
            "<tr><td class=\"nowrap\" data-label=\"First seen\">{}</td><td class=\"nowrap\" data-label=\"Last seen\">{}</td><td data-label=\"Level\">{}</td><td data-label=\"Indicators\">{}</td><td data-label=\"Read by\">{}</td></tr>",
            escape(&version_date(&s.first_seen_at, s.archived)),
            escape(&html::short_time(&s.last_seen_at)),
            html::level_badge(&s.advisory.level),
            html::current_chips(&ids),
            escape(&s.profile)
        );
    }
    body.push_str("</tbody></table>");
    if !failures.is_empty() {
        let _ = write!(
            body,
            "<h2>Failures</h2><table class=\"stack\" aria-label=\"Failures of {}\"><thead><tr><th>When</th><th>Kind</th><th>Message</th></tr></thead><tbody>",
            escape(&name)
        );
        for f in failures.iter().rev().take(50) {
            let _ = write!(
                body,
                "<tr><td data-label=\"When\">{}</td><td data-label=\"Kind\">{}</td><td class=\"message\" data-label=\"Message\">{}</td></tr>",
                escape(&f.at),
                f.kind.as_str(),
                escape(&f.message)
            );
        }
        body.push_str("</tbody></table>");
    }
    page(&format!("advisory-watch: {name}"), &body)
}

pub(super) async fn compare_versions(
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
