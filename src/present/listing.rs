//! What the other commands print: a cycle's changes and failures (`check`), the fields a
//! profile reads (`extract`), two pages compared (`diff`), sources, histories, health,
//! deliveries, discovered countries, governments side by side (`compare`), as text for a
//! terminal, JSON for programs (the documented shapes) and Markdown for chat. Pure renderings
//! of stored values; the period report is `report`'s.

use serde_json::{Value, json};

use crate::model::advisory::Advisory;
use crate::model::diff::{self, Change};
use crate::model::name::one_line;
use crate::present::report::*;
use crate::present::words::plural;
use crate::read::extract::Attempt;
use crate::store::cycle::{CycleReport, Reprocessed};
use crate::store::{ConfigLoad, SourceOverview, StoredChange, StoredFailure, StoredSnapshot};

/// Output formats of the commands that print records rather than changes (`extract`,
/// `history`, `sources`, `status`, `compare`, `import`, `discover`, `deliveries`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Plain {
    /// For people at a terminal.
    Text,
    /// For programs; the documented schema.
    Json,
}

/// Output formats of `check` and `diff`, whose changes also read well as Markdown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For people at a terminal.
    Text,
    /// For programs; the documented schema.
    Json,
    /// For tickets and chat.
    Markdown,
}

/// The JSON of `check --format json`: `{"changes": [...], "failures": [...], "checked": N}`.
pub fn cycle_json(report: &CycleReport) -> Value {
    json!({
        "changes": report.changes.iter().map(change_json).collect::<Vec<_>>(),
        "failures": report.failures,
        "first_versions": report.first_versions,
        "checked": report.checked,
    })
}

/// The text of `check`: each change in full, then failures, then one line of counts.
pub fn cycle_text(report: &CycleReport) -> String {
    let mut out = String::new();
    for change in &report.changes {
        out.push_str(&change_text(change));
        out.push('\n');
    }
    if !report.first_versions.is_empty() {
        out.push_str(&format!(
            "First version stored for {} (nothing to compare with yet).\n",
            report.first_versions.join(", ")
        ));
    }
    if !report.failures.is_empty() {
        out.push_str("Failures:\n");
        for failure in &report.failures {
            out.push_str(&format!(
                "  {} ({}): {}\n",
                one_line(&failure.source),
                failure.kind.as_str(),
                one_line(&failure.message)
            ));
        }
    }
    out.push_str(&format!(
        "Checked {} source{}: {} changed, {} unchanged, {} new, {} failed.\n",
        report.checked,
        plural(report.checked),
        report.changes.len(),
        report.unchanged,
        report.first_versions.len(),
        report.failures.len()
    ));
    out
}

/// The Markdown of `check --format markdown`.
pub fn cycle_markdown(report: &CycleReport) -> String {
    let mut out = String::new();
    if report.changes.is_empty() {
        out.push_str("No advisory changed.\n");
    }
    for change in &report.changes {
        out.push_str(&change_markdown(change));
        out.push('\n');
    }
    if !report.failures.is_empty() {
        out.push_str("**Failures**\n\n");
        for failure in &report.failures {
            out.push_str(&format!(
                "- `{}` ({}): {}\n",
                failure.source,
                failure.kind.as_str(),
                escape_markdown(&failure.message)
            ));
        }
        out.push('\n');
    }
    out
}

/// The fields as `extract --format json` prints them: `level` (number or null),
/// `level_label`, `indicators` (sorted ids), `reasons`, `summary`, `issued`, `change_note`,
/// `missing` (required fields not found) and `profile`.
pub fn attempt_json(attempt: &Attempt) -> Value {
    let mut sorted = ids(&attempt.indicators);
    sorted.sort_unstable();
    json!({
        "profile": attempt.profile,
        "level": attempt.level.as_ref().map(|l| l.number),
        "level_label": attempt.level.as_ref().map(|l| l.label.clone()),
        "indicators": sorted,
        "reasons": attempt.reasons,
        "summary": attempt.summary,
        "issued": attempt.issued,
        "change_note": attempt.change_note,
        "missing": attempt.missing.iter().map(|m| m.field).collect::<Vec<_>>(),
        "problems": attempt.missing,
    })
}

/// The output of `diff`: the change between two pages, or a plain "no change".
pub fn pair_diff(
    change: Option<&Change>,
    old: &Advisory,
    new: &Advisory,
    format: Format,
) -> String {
    let Some(change) = change else {
        return match format {
            Format::Json => "null\n".to_owned(),
            _ => "No change: level, indicators, reasons, summary, issued date and change note are the same.\n".to_owned(),
        };
    };
    match format {
        Format::Json => {
            let mut value = change_fields_json(change);
            value["summary_diff"] =
                json!(diff::word_diff(&old.summary, &new.summary).to_text(true, usize::MAX));
            format!("{}\n", serde_json::to_string_pretty(&value).expect("json"))
        }
        Format::Markdown => format!(
            "### {}\n\n{}",
            escape_markdown(&change.headline),
            details_markdown(change, old, new)
        ),
        Format::Text => format!("{}\n{}", change.headline, details_text(change, old, new)),
    }
}

/// The extracted fields for a person.
pub fn fields_text(profile: &str, advisory: &Advisory) -> String {
    let indicators = if advisory.indicators.is_empty() {
        "none".to_owned()
    } else {
        humans(&advisory.indicators)
    };
    let mut out = format!(
        "profile:    {profile}\nlevel:      {}\nindicators: {indicators}\n",
        advisory.level
    );
    if !advisory.reasons.is_empty() {
        out.push_str(&format!("reasons:    {}\n", advisory.reasons.join(", ")));
    }
    if let Some(issued) = advisory.issued {
        out.push_str(&format!("issued:     {issued}\n"));
    }
    if let Some(note) = &advisory.change_note {
        out.push_str(&format!("note:       {note}\n"));
    }
    out.push_str("summary:\n");
    for paragraph in advisory.summary.split("\n\n") {
        out.push_str(&format!("  {paragraph}\n"));
    }
    out
}

/// The table of `sources`.
pub fn sources_text(sources: &[SourceOverview]) -> String {
    if sources.is_empty() {
        return "No sources in the database yet; run `advisory-watch check` first.\n".to_owned();
    }
    let mut out = format!(
        "{:<22} {:<20} {:<8} {:<6} {:<26} {}\n",
        "SOURCE", "COUNTRY", "STATE", "LEVEL", "LAST CHECKED", "INDICATORS"
    );
    for s in sources {
        let level = s.level.map_or("-".to_owned(), |l| l.to_string());
        let indicators = if s.indicators.is_empty() {
            "-".to_owned()
        } else {
            s.indicators.join(",")
        };
        // One line each, whatever a feed or an older release stored.
        out.push_str(&format!(
            "{:<22} {:<20} {:<8} {:<6} {:<26} {}\n",
            one_line(&s.name),
            one_line(&s.country),
            s.state,
            level,
            s.last_checked.as_deref().unwrap_or("never"),
            indicators
        ));
        if let Some(error) = s.last_error.as_deref().filter(|_| s.state != "ok") {
            out.push_str(&format!("    last error: {}\n", one_line(error)));
        }
    }
    out
}

/// The JSON of `sources --format json`.
pub fn sources_json(sources: &[SourceOverview]) -> Value {
    Value::Array(
        sources
            .iter()
            .map(|s| {
                json!({
                    "name": s.name,
                    "country": s.country,
                    "url": s.url,
                    "last_checked": s.last_checked,
                    "last_success": s.last_success,
                    "level": s.level,
                    "level_label": s.level_label,
                    "indicators": s.indicators,
                    "state": s.state,
                    "consecutive_failures": s.consecutive_failures,
                    "last_error": s.last_error,
                    "last_change": s.last_change,
                })
            })
            .collect(),
    )
}

/// The text of `history`: versions and failures in time order, each change's headline under
/// the version it led to.
pub fn history_text(
    source: &str,
    snapshots: &[StoredSnapshot],
    changes: &[StoredChange],
    failures: &[StoredFailure],
) -> String {
    enum Entry<'a> {
        Version(&'a StoredSnapshot, Option<&'a StoredChange>),
        Failure(&'a StoredFailure),
    }
    let mut entries: Vec<(&str, Entry<'_>)> = Vec::new();
    for (index, snapshot) in snapshots.iter().enumerate() {
        let change = (index > 0)
            .then(|| {
                changes
                    .iter()
                    .find(|c| c.new == snapshot.advisory && c.old == snapshots[index - 1].advisory)
            })
            .flatten();
        entries.push((&snapshot.first_seen_at, Entry::Version(snapshot, change)));
    }
    for failure in failures {
        entries.push((&failure.at, Entry::Failure(failure)));
    }
    entries.sort_by(|a, b| a.0.cmp(b.0));
    let mut out = format!(
        "History of {source}: {} versions, {} changes, {} failures\n",
        snapshots.len(),
        changes.len(),
        failures.len()
    );
    for (at, entry) in entries {
        match entry {
            Entry::Version(snapshot, change) => {
                let indicators = if snapshot.advisory.indicators.is_empty() {
                    "none".to_owned()
                } else {
                    humans(&snapshot.advisory.indicators)
                };
                out.push_str(&format!(
                    "{at}  {}; indicators: {indicators} (seen until {}, read by {})\n",
                    snapshot.advisory.level, snapshot.last_seen_at, snapshot.profile
                ));
                if let Some(change) = change {
                    out.push_str(&format!("    change: {}\n", change.change.headline));
                }
            }
            Entry::Failure(failure) => {
                out.push_str(&format!(
                    "{at}  failed ({}): {}\n",
                    failure.kind.as_str(),
                    failure.message
                ));
            }
        }
    }
    out
}

/// The JSON of `history --format json`.
pub fn history_json(
    source: &str,
    snapshots: &[StoredSnapshot],
    changes: &[StoredChange],
    failures: &[StoredFailure],
) -> Value {
    json!({
        "source": source,
        "versions": snapshots.iter().map(|s| {
            let mut version = json!({
                "id": s.id.0,
                "first_seen": s.first_seen_at,
                "last_seen": s.last_seen_at,
                "profile": s.profile,
                "level": s.advisory.level.number,
                "level_label": s.advisory.level.label,
                "indicators": s.advisory.sorted_indicator_ids(),
                "reasons": s.advisory.reasons,
                "issued": s.advisory.issued,
                "change_note": s.advisory.change_note,
                "areas": s.advisory.areas,
            });
            // Only for a feed's country whose name was too long to name a source.
            if let Some(full) = &s.advisory.full_name {
                version["full_name"] = json!(full);
            }
            version
        }).collect::<Vec<_>>(),
        "changes": changes.iter().map(change_json).collect::<Vec<_>>(),
        "failures": failures,
    })
}

/// The text of `reprocess`.
pub fn reprocessed_text(results: &[Reprocessed]) -> String {
    let mut out = String::new();
    for r in results {
        out.push_str(&format!(
            "{}: re-read {} stored page{}; versions {} -> {}; {} page{} still unreadable\n",
            r.source,
            r.pages,
            plural(r.pages),
            r.versions_before,
            r.versions_after,
            r.failures,
            plural(r.failures)
        ));
    }
    out
}

/// The table of `deliveries`.
pub fn deliveries_text(rows: &[crate::store::DeliveryRow]) -> String {
    if rows.is_empty() {
        return "No deliveries.\n".to_owned();
    }
    let mut out = format!(
        "{:>6}  {:<8} {:<16} {:>8}  {:<26} {}\n",
        "ID", "STATUS", "CHANNEL", "ATTEMPTS", "WHEN", "HEADLINE"
    );
    for row in rows {
        let headline = serde_json::from_str::<crate::store::event::Event>(&row.event)
            .map(|e| e.subject())
            .unwrap_or_else(|_| "(event unreadable)".to_owned());
        let when = match row.status.as_str() {
            "sent" => row.sent_at.clone().unwrap_or_default(),
            "pending" => format!("next {}", row.next_attempt_at),
            _ => row.next_attempt_at.clone(),
        };
        out.push_str(&format!(
            "{:>6}  {:<8} {:<16} {:>8}  {:<26} {}\n",
            row.id, row.status, row.channel, row.attempts, when, headline
        ));
        if let Some(error) = row.last_error.as_deref().filter(|_| row.status != "sent") {
            out.push_str(&format!("        last error: {}\n", one_line(error)));
        }
    }
    out
}

/// The JSON of `deliveries --format json`.
pub fn deliveries_json(rows: &[crate::store::DeliveryRow]) -> Value {
    Value::Array(
        rows.iter()
            .map(|row| {
                let mut value = serde_json::to_value(row).expect("a row serializes");
                value["event"] = serde_json::from_str(&row.event).unwrap_or(Value::Null);
                value
            })
            .collect(),
    )
}

/// The table of `status`: per source, whether it works, since when, and its last error.
pub fn status_text(sources: &[SourceOverview]) -> String {
    if sources.is_empty() {
        return "No sources in the database yet; run `advisory-watch check` first.\n".to_owned();
    }
    let mut out = format!(
        "{:<22} {:<8} {:<26} {:>8}  {}\n",
        "SOURCE", "STATE", "LAST SUCCESS", "FAILURES", "LAST ERROR"
    );
    for s in sources {
        let error = match (&s.last_error_at, &s.last_error_kind, &s.last_error) {
            (Some(at), Some(kind), Some(message)) => {
                format!("{at} {kind}: {}", one_line(message))
            }
            _ => "-".to_owned(),
        };
        out.push_str(&format!(
            "{:<22} {:<8} {:<26} {:>8}  {}\n",
            one_line(&s.name),
            s.state,
            s.last_success.as_deref().unwrap_or("never"),
            s.consecutive_failures,
            error
        ));
    }
    let failing = sources.iter().filter(|s| s.state == "failing").count();
    let broken = sources.iter().filter(|s| s.state == "broken").count();
    out.push_str(&format!(
        "{} source{}: {} ok, {failing} failing (fetch or HTTP errors), {broken} broken (the page no longer reads right).\n",
        sources.len(),
        plural(sources.len()),
        sources.iter().filter(|s| s.state == "ok").count()
    ));
    out
}

/// The line `status` adds when the running daemon's last reload failed: what failed, when, and
/// which configuration runs instead; nothing when the last load worked. An error of several
/// lines (TOML's shows the line at fault) has its first on that line and the rest indented
/// below.
pub fn reload_text(load: &ConfigLoad) -> Option<String> {
    let (Some(at), Some(error)) = (&load.failed_at, &load.error) else {
        return None;
    };
    let mut lines = error.lines();
    let mut out = format!(
        "configuration reload failed at {at}: {}; running the configuration loaded at {}\n",
        lines.next().unwrap_or_default().trim_end(),
        load.loaded_at
    );
    for line in lines.filter(|l| !l.trim().is_empty()) {
        out.push_str(&format!("  {}\n", line.trim_end()));
    }
    Some(out)
}

/// The JSON of `status --format json`.
pub fn status_json(sources: &[SourceOverview]) -> Value {
    Value::Array(
        sources
            .iter()
            .map(|s| {
                json!({
                    "name": s.name,
                    "state": s.state,
                    "last_checked": s.last_checked,
                    "last_success": s.last_success,
                    "consecutive_failures": s.consecutive_failures,
                    "last_error": s.last_error,
                    "last_error_kind": s.last_error_kind,
                    "last_error_at": s.last_error_at,
                })
            })
            .collect(),
    )
}

/// The table of `discover`.
pub fn discovered_text(items: &[crate::read::extract::Item]) -> String {
    let mut out = format!("{:<40} {:<6} {}\n", "COUNTRY", "LEVEL", "KEY");
    for item in items {
        let level = item
            .outcome
            .as_ref()
            .map_or("?".to_owned(), |e| e.advisory.level.number.to_string());
        out.push_str(&format!("{:<40} {:<6} {}\n", item.country, level, item.key));
    }
    out.push_str(&format!("{} countries.\n", items.len()));
    out
}

/// The JSON of `discover --format json`.
pub fn discovered_json(items: &[crate::read::extract::Item]) -> Value {
    Value::Array(
        items
            .iter()
            .map(|item| {
                let advisory = item.outcome.as_ref().ok().map(|e| &e.advisory);
                json!({
                    "key": item.key,
                    "country": item.country,
                    "url": item.url,
                    "level": advisory.map(|a| a.level.number),
                    "level_label": advisory.map(|a| a.level.label.clone()),
                    "error": item.outcome.as_ref().err(),
                })
            })
            .collect(),
    )
}

/// `[[sources]]` entries for discovered countries: each advisory's own page where the feed
/// names one (the State Department's feed), else the country item of the feed or index itself,
/// read with the same profile. Names are `us-<key>` for the State Department's feed and
/// `<profile>-<key>` otherwise; countries carry the table's name where it knows them.
pub fn discovered_sources_toml(
    items: &[crate::read::extract::Item],
    feed: &str,
    profile: &str,
    kind: &str,
) -> String {
    let quote = |text: &str| serde_json::to_string(text).expect("a string serializes");
    let mut out = format!(
        "# Sources discovered from {feed} by `advisory-watch discover`.\n# Copy the ones you want into config.toml.\n\n"
    );
    let prefix = if profile == "state-dept-rss" {
        "us"
    } else {
        profile
    };
    for item in items {
        out.push_str("[[sources]]\n");
        out.push_str(&format!(
            "name = {}\n",
            quote(&format!("{prefix}-{}", item.key))
        ));
        out.push_str(&format!(
            "country = {}\n",
            quote(&crate::model::country::display_name(
                &item.key,
                &item.country
            ))
        ));
        match &item.url {
            Some(url) if url.starts_with("http") && profile == "state-dept-rss" => {
                out.push_str(&format!(
                    "url = {}\nprofile = \"state-dept\"\n\n",
                    quote(url)
                ));
            }
            _ => {
                out.push_str(&format!(
                    "url = {}\nkind = \"{kind}\"\nprofile = {}\n\n",
                    quote(feed),
                    quote(profile)
                ));
            }
        }
    }
    out
}

/// One government's advisory on the country `compare` was asked about.
#[derive(Debug, Clone)]
pub struct Side {
    /// The government whose advice the source reads ("Germany (Auswärtiges Amt)").
    pub government: String,
    /// The source and its current version.
    pub source: SourceOverview,
}

impl Side {
    /// The date the advice is as of: its issued date, else the day it was last read.
    pub fn as_of(&self) -> Option<String> {
        self.source.issued.map(|d| d.to_string()).or_else(|| {
            self.source
                .last_success
                .as_deref()
                .and_then(|t| t.get(..10))
                .map(|d| format!("{d} (read)"))
        })
    }
}

/// The side-by-side view of `compare COUNTRY`: one line per government's source, with the
/// level mapped onto 1-4 and the government's own words.
pub fn compare_text(country: &str, sides: &[Side]) -> String {
    let mut out = format!("What each source says about {country}:\n");
    out.push_str(&format!(
        "{:<40} {:<16} {:<6} {:<52} {:<18} {}\n",
        "GOVERNMENT", "SOURCE", "LEVEL", "IN ITS OWN WORDS", "AS OF", "INDICATORS"
    ));
    for side in sides {
        let s = &side.source;
        let level = if s.withdrawn {
            "-".to_owned()
        } else {
            s.level.map_or("?".to_owned(), |l| l.to_string())
        };
        let label = if s.withdrawn {
            "withdrawn".to_owned()
        } else {
            s.level_label.clone().unwrap_or_default()
        };
        out.push_str(&format!(
            "{:<40} {:<16} {:<6} {:<52} {:<18} {}\n",
            side.government,
            s.name,
            level,
            label,
            side.as_of().unwrap_or_else(|| "-".to_owned()),
            if s.indicators.is_empty() {
                "-".to_owned()
            } else {
                s.indicators.join(",")
            }
        ));
    }
    out
}

/// The JSON of `compare --format json`.
pub fn compare_json(country: &str, sides: &[Side]) -> Value {
    json!({
        "country": country,
        "code": crate::model::country::resolve(country).map(|c| c.code),
        "sources": sides.iter().map(|side| {
            let s = &side.source;
            json!({
                "government": side.government,
                "source": s.name,
                "country": s.country,
                "level": s.level,
                "level_label": s.level_label,
                "issued": s.issued,
                "as_of": side.as_of(),
                "indicators": s.indicators,
                "withdrawn": s.withdrawn,
                "state": s.state,
                "last_checked": s.last_checked,
            })
        }).collect::<Vec<_>>(),
    })
}

/// The fields of every advisory a document holds, for `extract` with a JSON or feed profile:
/// one object like a page's, or `{"items": [{key, country, url, fields or error}]}`.
pub fn document_json(document: &crate::read::extract::Document) -> Value {
    match document {
        crate::read::extract::Document::One(Ok(extracted)) => {
            attempt_json(&Attempt::from_extracted(extracted))
        }
        crate::read::extract::Document::One(Err(message)) => json!({ "error": message }),
        crate::read::extract::Document::Many(items) => json!({
            "items": items.iter().map(|item| {
                let mut value = json!({"key": item.key, "country": item.country, "url": item.url});
                match &item.outcome {
                    Ok(extracted) => value["fields"] = attempt_json(&Attempt::from_extracted(extracted)),
                    Err(message) => value["error"] = json!(message),
                }
                value
            }).collect::<Vec<_>>(),
        }),
    }
}

/// The text of `extract` with a JSON or feed profile.
pub fn document_text(document: &crate::read::extract::Document) -> String {
    match document {
        crate::read::extract::Document::One(Ok(extracted)) => {
            fields_text(&extracted.profile, &extracted.advisory)
        }
        crate::read::extract::Document::One(Err(message)) => format!("does not read: {message}\n"),
        crate::read::extract::Document::Many(items) => {
            let mut out = String::new();
            for item in items {
                match &item.outcome {
                    Ok(extracted) => out.push_str(&format!(
                        "{} ({}): {}; indicators: {}\n",
                        item.country,
                        item.key,
                        extracted.advisory.level,
                        if extracted.advisory.indicators.is_empty() {
                            "none".to_owned()
                        } else {
                            humans(&extracted.advisory.indicators)
                        }
                    )),
                    Err(message) => out.push_str(&format!(
                        "{} ({}): does not read: {message}\n",
                        item.country, item.key
                    )),
                }
            }
            out.push_str(&format!("{} advisories.\n", items.len()));
            out
        }
    }
}
