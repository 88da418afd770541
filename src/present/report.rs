//! How changes, sources and histories are shown: text for a terminal, JSON for programs,
//! Markdown for a ticket or a chat message.
//!
//! This module owns every rendering and the documented JSON shapes. It does no IO and reads no
//! clock: callers hand it stored values and print what it returns. Page text is hostile:
//! Markdown output escapes it.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

pub use crate::config::ReportFormat;
use crate::model::diff::{self, Change, ChangeClass};
pub use crate::model::period::{last_day, parse_until, parse_when};
use crate::present::briefing::{brief_html, brief_markdown, brief_text};
pub use crate::present::change::{card, change_json, change_markdown, change_text};
pub(crate) use crate::present::change::{
    change_fields_json, details_markdown, details_text, humans, ids,
};
use crate::present::words::plural;
pub use crate::present::words::{
    escape_markdown, made_words, markdown_link, period_words, shown_time, when_words,
};
use crate::store::{StoredChange, format_time};

/// Which changes a report covers.
#[derive(Debug, Clone, Default)]
pub struct ReportQuery {
    /// From (inclusive).
    pub since: Option<DateTime<Utc>>,
    /// To (exclusive): [`parse_until`] makes a date the end of that day.
    pub until: Option<DateTime<Utc>>,
    /// Only these sources (a feed's name covers its countries).
    pub sources: Vec<String>,
    /// Only these countries: names, aliases, ISO codes or parts of names
    /// ([`crate::model::country::matches`]).
    pub countries: Vec<String>,
    /// Only changes whose level before or after is at least this.
    pub min_level: Option<u8>,
    /// Only changes of this kind: one of [`diff::KIND_FILTERS`] (`level`, `publication`,
    /// `details`, `indicators`, `reasons`, `areas`, `summary` for summary only, `reissue`).
    pub kind: Option<String>,
    /// Only one government's sources, by any of its names ("United Kingdom", "FCDO", "UK"), or
    /// sources whose name starts with this ("us-", a source's name); case does not matter.
    pub source_prefix: Option<String>,
    /// Only levels raised, or only lowered.
    pub direction: Option<Direction>,
    /// Only changes whose headline or summary holds these words (case does not matter).
    pub text: Option<String>,
    /// The order: by importance (the default) or by time.
    pub order: Order,
    /// Only the countries of this watch-list.
    pub watch: Option<crate::config::WatchList>,
    /// Only the countries of this region or sub-region of the world.
    pub region: Option<crate::model::geography::WorldRegion>,
}

/// How a report orders its changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Order {
    /// Level moves first (by the level reached), then indicator, reason and area changes,
    /// then summary-only changes, then reissues; newest first within each.
    #[default]
    Importance,
    /// Newest first.
    Time,
}

impl Order {
    /// `importance` or `time`, as a query string says it.
    pub fn parse(text: &str) -> Option<Order> {
        match text.trim().to_ascii_lowercase().as_str() {
            "importance" | "" => Some(Order::Importance),
            "time" | "newest" => Some(Order::Time),
            _ => None,
        }
    }
}

/// Checks a `kind` filter's word: one of [`diff::KIND_FILTERS`].
pub fn check_kind(kind: &str) -> Result<String, String> {
    let kind = kind.trim().to_ascii_lowercase();
    if diff::KIND_FILTERS.contains(&kind.as_str()) {
        Ok(kind)
    } else {
        Err(format!(
            "`{kind}` is not a kind of change; use one of {}",
            diff::KIND_FILTERS.join(", ")
        ))
    }
}

/// Which way a level moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Direction {
    /// Level raised.
    Raised,
    /// Level lowered.
    Lowered,
}

impl Direction {
    /// `raised` or `lowered`, as a query string says it.
    pub fn parse(text: &str) -> Option<Direction> {
        match text.trim().to_ascii_lowercase().as_str() {
            "raised" | "up" => Some(Direction::Raised),
            "lowered" | "down" => Some(Direction::Lowered),
            _ => None,
        }
    }
}

/// How much of each change a report shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Detail {
    /// Every format as it is; Markdown one line per change, short enough for a chat message.
    #[default]
    Standard,
    /// One line per country that changed level or indicators, then a count of summary-only
    /// updates (text, Markdown and HTML).
    Brief,
    /// Markdown with each change's facts and summary diff.
    Full,
}

/// The changes of a period, filtered and ordered by what matters most: level raised first,
/// then indicators (or areas) added, then the rest; newest first within each.
#[derive(Debug, Clone)]
pub struct Report {
    /// When it was made.
    pub generated_at: DateTime<Utc>,
    /// The period's start.
    pub since: Option<DateTime<Utc>>,
    /// The period's end.
    pub until: Option<DateTime<Utc>>,
    /// How much of each change to show.
    pub detail: Detail,
    /// The region or sub-region its countries lie in, when the query named one.
    pub region: Option<crate::model::geography::WorldRegion>,
    /// The watch-list its countries are on, when the query named one.
    pub watch: Option<String>,
    /// The changes, in order.
    pub changes: Vec<StoredChange>,
}

/// How much a change matters, 0 most: 0 a level move, 1 indicators, reasons or areas, 2 the
/// summary only, 3 a reissue ([`Change::importance`]'s group).
pub fn rank(change: &Change) -> u8 {
    change.importance().group - 1
}

/// The coarse kinds of a change, as the `kind` filter names them, in a fixed order.
pub(super) fn kinds(change: &Change) -> Vec<&'static str> {
    let mut kinds: Vec<&'static str> = Vec::new();
    for class in change.classes() {
        if !kinds.contains(&class.group()) {
            kinds.push(class.group());
        }
    }
    kinds
}

impl Report {
    /// Filters and orders changes for a report.
    pub fn build(changes: Vec<StoredChange>, query: &ReportQuery, now: DateTime<Utc>) -> Report {
        let mut changes: Vec<StoredChange> = changes
            .into_iter()
            .filter(|c| {
                query.sources.is_empty()
                    || query
                        .sources
                        .iter()
                        .any(|s| &c.source == s || c.source.starts_with(&format!("{s}/")))
            })
            .filter(|c| {
                query.countries.is_empty()
                    || query
                        .countries
                        .iter()
                        .any(|country| crate::model::country::matches(country, &c.country))
            })
            .filter(|c| query.watch.as_ref().is_none_or(|w| w.covers(&c.country)))
            .filter(|c| query.region.is_none_or(|r| r.covers(&c.country)))
            .filter(|c| {
                query.min_level.is_none_or(|min| {
                    c.change.level_from.number.max(c.change.level_to.number) >= min
                })
            })
            .filter(|c| query.kind.as_deref().is_none_or(|k| c.change.is_of_kind(k)))
            .filter(|c| {
                query.source_prefix.as_deref().is_none_or(|prefix| {
                    c.government.answers_to(prefix)
                        || c.source
                            .to_lowercase()
                            .starts_with(&prefix.trim().to_lowercase())
                })
            })
            .filter(|c| match query.direction {
                None => true,
                Some(Direction::Raised) => c.change.classes().contains(&ChangeClass::LevelRaised),
                Some(Direction::Lowered) => c.change.classes().contains(&ChangeClass::LevelLowered),
            })
            .filter(|c| {
                query.text.as_deref().is_none_or(|text| {
                    let words = text.trim().to_lowercase();
                    words.is_empty()
                        || c.change.headline.to_lowercase().contains(&words)
                        || c.new.summary.to_lowercase().contains(&words)
                        || c.old.summary.to_lowercase().contains(&words)
                })
            })
            .collect();
        changes.sort_by(|a, b| {
            let by_importance = match query.order {
                Order::Importance => a.change.importance().cmp(&b.change.importance()),
                Order::Time => std::cmp::Ordering::Equal,
            };
            by_importance
                .then_with(|| b.detected_at.cmp(&a.detected_at))
                .then_with(|| a.source.cmp(&b.source))
        });
        Report {
            generated_at: now,
            since: query.since,
            until: query.until,
            detail: Detail::Standard,
            region: query.region,
            watch: query.watch.as_ref().map(|w| w.name.clone()),
            changes,
        }
    }

    /// "from 2026-11-18 to 2026-11-25"; the last day is included.
    pub fn period(&self) -> String {
        period_words(self.since, self.until)
    }

    /// The filters that narrowed the countries, as the titles say them before the period:
    /// "in Western Africa on the sahel watch-list ", or empty.
    pub fn scope_words(&self) -> String {
        let mut words = String::new();
        if let Some(region) = self.region {
            words.push_str(&format!("in {} ", region.name()));
        }
        if let Some(watch) = &self.watch {
            // A configured name, shown on one line and bounded as a source's is.
            let watch = crate::model::name::one_line_bounded(watch, 80);
            words.push_str(&format!("on the {watch} watch-list "));
        }
        words
    }

    /// The filters and the period: "in Western Africa from 2026-11-18 to 2026-11-25".
    pub fn scope(&self) -> String {
        self.scope_words() + &self.period()
    }

    /// "No advisory changed in Africa since 2026-11-18.", with the filters' words as the
    /// format needs them (`scope_words` escaped for Markdown).
    fn empty_sentence(&self, scope_words: &str) -> String {
        format!("No advisory changed {scope_words}{}.", self.period())
    }

    /// Renders the report.
    pub fn render(&self, format: ReportFormat) -> String {
        if self.detail == Detail::Brief {
            let mut brief = crate::present::brief::Brief::of(&self.changes, self.since, self.until);
            brief.scope = self.scope_words();
            match format {
                ReportFormat::Markdown => return brief_markdown(&brief),
                ReportFormat::Html => return brief_html(&brief, self.generated_at),
                ReportFormat::Text => return brief_text(&brief),
                _ => {}
            }
        }
        match format {
            ReportFormat::Text => self.text(),
            ReportFormat::Markdown if self.detail == Detail::Full => self.markdown(),
            ReportFormat::Markdown => self.markdown_short(),
            ReportFormat::Html => self.html(),
            ReportFormat::Json => {
                serde_json::to_string_pretty(&self.json()).expect("json serializes") + "\n"
            }
            ReportFormat::Csv => self.csv(),
            ReportFormat::Atom => {
                crate::present::atom::feed(&self.changes, &format_time(self.generated_at), None)
            }
        }
    }

    /// How many changes are level moves, changes of indicators, reasons or areas (without a
    /// level move), summary only and reissued.
    fn counts(&self) -> [usize; 4] {
        let by = |r| self.changes.iter().filter(|c| rank(&c.change) == r).count();
        [by(0), by(1), by(2), by(3)]
    }

    /// "1 level move, 2 indicator, reason or area changes, 0 summary-only, 0 reissued".
    fn count_words(&self) -> String {
        let [level, details, summary, reissued] = self.counts();
        format!(
            "{level} level move{}, {details} indicator, reason or area change{}, {summary} summary-only, {reissued} reissued",
            plural(level),
            plural(details)
        )
    }

    fn text(&self) -> String {
        if self.changes.is_empty() {
            return self.empty_sentence(&self.scope_words()) + "\n";
        }
        let mut out = format!(
            "Travel advisory changes {}: {} change{} ({})\n\n",
            self.scope(),
            self.changes.len(),
            plural(self.changes.len()),
            self.count_words()
        );
        for change in &self.changes {
            out.push_str(&change_text(change));
            out.push('\n');
        }
        out
    }

    fn markdown(&self) -> String {
        let mut out = format!(
            "## Travel advisory changes {}{}\n\n",
            escape_markdown(&self.scope_words()),
            self.period()
        );
        if self.changes.is_empty() {
            out.push_str(&self.empty_sentence(&escape_markdown(&self.scope_words())));
            out.push('\n');
            return out;
        }
        for change in &self.changes {
            out.push_str(&change_markdown(change));
            out.push('\n');
        }
        out
    }

    /// Markdown for a chat message: one line per change, level and indicator changes first,
    /// summary-only updates counted in one line, and never more than [`MARKDOWN_BUDGET`]
    /// characters (the rest counted, `--full` for all).
    fn markdown_short(&self) -> String {
        let mut out = format!(
            "## Travel advisory changes {}{}\n\n",
            escape_markdown(&self.scope_words()),
            self.period()
        );
        if self.changes.is_empty() {
            out.push_str(&self.empty_sentence(&escape_markdown(&self.scope_words())));
            out.push('\n');
            return out;
        }
        out.push_str(&format!(
            "{} change{}: {}.\n\n",
            self.changes.len(),
            plural(self.changes.len()),
            self.count_words()
        ));
        let (listed, summary_only): (Vec<&StoredChange>, Vec<&StoredChange>) = self
            .changes
            .iter()
            .partition(|c| c.change.moves_level() || c.change.moves_details());
        let closing = "\nEach change in full: `report --format markdown --full`.\n";
        let summary_line = summary_only_line(&summary_only);
        // Room for "- … and 9999 more changes".
        let reserve = closing.len() + summary_line.len() + 40;
        let mut left = listed.len();
        for change in &listed {
            let line = format!(
                "- **{}** ({}): {}{} — {}\n",
                escape_markdown(&crate::present::brief::country_name(&change.country)),
                markdown_link(&change.url, &change.source),
                escape_markdown(&change.change.headline),
                if change.change.note_disagrees {
                    " *(the note disagrees)*"
                } else {
                    ""
                },
                when_words(&change.detected_at, change.archived)
            );
            if out.len() + line.len() + reserve > MARKDOWN_BUDGET {
                break;
            }
            out.push_str(&line);
            left -= 1;
        }
        if left > 0 {
            out.push_str(&format!("- … and {left} more change{}\n", plural(left)));
        }
        out.push_str(&summary_line);
        out.push_str(closing);
        out
    }

    /// The documented JSON schema: `generated_at`, `since`, `until`, `region` (the region
    /// filter that applied, or null), `watch` (the watch-list's name, or null), `count`, and
    /// `changes`,
    /// each a `check --format json` change plus `rank`, `kinds`, `issued`, `summary_diff`.
    pub fn json(&self) -> Value {
        json!({
            "generated_at": format_time(self.generated_at),
            "since": self.since.map(format_time),
            "until": self.until.map(format_time),
            "region": self.region.map(|r| r.name()),
            "watch": self.watch,
            "count": self.changes.len(),
            "changes": self.changes.iter().map(|c| {
                let mut value = change_json(c);
                value["detected_at"] = json!(shown_time(&c.detected_at, c.archived));
                value["uid"] = json!(c.uid);
                value["rank"] = json!(rank(&c.change));
                value["kinds"] = json!(kinds(&c.change));
                value["classes"] = json!(c.change.classes().iter().map(|k| k.id()).collect::<Vec<_>>());
                value["government"] = json!({"id": c.government.id, "name": c.government.name, "short": c.government.short});
                value["areas_added"] = json!(c.change.areas_added);
                value["areas_removed"] = json!(c.change.areas_removed);
                value["summary_diff"] = json!(if c.change.summary_changed {
                    diff::word_diff(&c.old.summary, &c.new.summary).to_text(true, usize::MAX)
                } else {
                    String::new()
                });
                value
            }).collect::<Vec<_>>(),
        })
    }

    /// One row per change, with the columns of [`CSV_COLUMNS`]: lists joined with `;` (the
    /// country's ISO codes too, for a source about several), areas as published with their
    /// level ("Northern Region: 4", a moved one "Northern Region: 3 -> 4"), `detected` the day
    /// alone for an archived version. Cells that a spreadsheet would take for a formula are
    /// prefixed with `'`.
    fn csv(&self) -> String {
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(Vec::new());
        // Writing into a Vec cannot fail.
        let _ = writer.write_record(CSV_COLUMNS);
        let area = |a: &crate::model::advisory::Area| format!("{}: {}", a.name, a.level);
        for c in &self.changes {
            let ch = &c.change;
            let new = ch.kind() == crate::model::diff::ChangeKind::New;
            let row = [
                c.government.name.clone(),
                c.government.id.clone(),
                c.source.clone(),
                c.country.clone(),
                crate::model::country::countries_of(&c.country)
                    .iter()
                    .map(|country| country.code)
                    .collect::<Vec<_>>()
                    .join(";"),
                ch.classes()
                    .iter()
                    .map(|k| k.id())
                    .collect::<Vec<_>>()
                    .join(";"),
                if new {
                    String::new()
                } else {
                    ch.level_from.number.to_string()
                },
                if new {
                    String::new()
                } else {
                    ch.level_from.label.clone()
                },
                ch.level_to.number.to_string(),
                ch.level_to.label.clone(),
                ids(&ch.indicators_added).join(";"),
                ids(&ch.indicators_removed).join(";"),
                ch.reasons_added.join(";"),
                ch.reasons_removed.join(";"),
                ch.areas_added
                    .iter()
                    .map(area)
                    .collect::<Vec<_>>()
                    .join(";"),
                ch.areas_removed
                    .iter()
                    .map(area)
                    .collect::<Vec<_>>()
                    .join(";"),
                ch.areas_changed
                    .iter()
                    .map(|(from, to)| format!("{}: {} -> {}", to.name, from.level, to.level))
                    .collect::<Vec<_>>()
                    .join(";"),
                ch.summary_changed.to_string(),
                ch.issued_to.map(|d| d.to_string()).unwrap_or_default(),
                shown_time(&c.detected_at, c.archived),
                c.archived.to_string(),
                c.url.clone(),
                ch.headline.clone(),
                ch.change_note.clone().unwrap_or_default(),
            ];
            let _ = writer.write_record(row.iter().map(|cell| formula_guard(cell)));
        }
        let bytes = writer.into_inner().unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    fn html(&self) -> String {
        let title = format!("Travel advisory changes {}", self.scope());
        let mut body = crate::present::html::printed_line(Some(&self.period()), self.generated_at);
        body.push_str(&format!(
            "<h1>{}</h1>",
            crate::present::html::escape(&title)
        ));
        body.push_str(&format!(
            "<p class=\"muted\">Made {} by advisory-watch.</p>",
            crate::present::html::escape(&made_words(self.generated_at))
        ));
        if self.changes.is_empty() {
            body.push_str(&format!(
                "<p>{}</p>",
                crate::present::html::escape(&self.empty_sentence(&self.scope_words()))
            ));
            return crate::present::html::page(&title, false, &body);
        }
        let [level, details, summary, reissued] = self.counts();
        body.push_str(&format!(
            "<div class=\"summary\"><span><b>{}</b> change{}</span><span><b>{level}</b> level move{}</span><span><b>{details}</b> indicator, reason or area change{}</span><span><b>{summary}</b> summary-only</span><span><b>{reissued}</b> reissued</span></div>",
            self.changes.len(),
            plural(self.changes.len()),
            plural(level),
            plural(details),
        ));
        for change in &self.changes {
            body.push_str(&card(change, None, false));
        }
        crate::present::html::page(&title, false, &body)
    }
}

/// The columns of `report --format csv` and the dashboard's `/changes.csv`, in order.
pub const CSV_COLUMNS: [&str; 24] = [
    "government",
    "government_id",
    "source",
    "country",
    "country_code",
    "kind",
    "level_from",
    "level_from_label",
    "level_to",
    "level_to_label",
    "indicators_added",
    "indicators_removed",
    "reasons_added",
    "reasons_removed",
    "areas_added",
    "areas_removed",
    "areas_changed",
    "summary_changed",
    "issued",
    "detected",
    "archived",
    "url",
    "headline",
    "change_note",
];

/// The most characters `report --format markdown` prints without `--full`: a chat message's
/// limit is 4,000.
pub const MARKDOWN_BUDGET: usize = 3_900;

/// The short Markdown's line counting the changes of a summary or an issued date only, with
/// their sources named while the line stays under 400 characters ("and 12 other sources").
fn summary_only_line(changes: &[&StoredChange]) -> String {
    if changes.is_empty() {
        return String::new();
    }
    let mut sources: Vec<&str> = changes.iter().map(|c| c.source.as_str()).collect();
    sources.sort_unstable();
    sources.dedup();
    let mut named = String::new();
    let mut shown = 0;
    for source in &sources {
        let escaped = escape_markdown(source);
        if named.len() + escaped.len() > 300 {
            break;
        }
        if !named.is_empty() {
            named.push_str(", ");
        }
        named.push_str(&escaped);
        shown += 1;
    }
    if shown == 0 {
        named = format!("{} sources", sources.len());
    } else if shown < sources.len() {
        let others = sources.len() - shown;
        named.push_str(&format!(" and {others} other source{}", plural(others)));
    }
    format!(
        "\n{} more change{} of a summary or an issued date only ({named}).\n",
        changes.len(),
        plural(changes.len()),
    )
}

/// A cell a spreadsheet would take for a formula (`=`, `+`, `-`, `@`, tab or carriage return
/// first) gets a `'` in front; quoting is the csv writer's.
/// Control characters other than tab and line breaks are dropped.
pub(super) fn formula_guard(text: &str) -> String {
    let text: String = text
        .chars()
        .filter(|c| matches!(c, '\t' | '\n' | '\r') || !c.is_control())
        .collect();
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn until_a_date_includes_that_whole_day() {
        let now = DateTime::parse_from_rfc3339("2026-03-01T08:00:00Z")
            .expect("time")
            .with_timezone(&Utc);
        let until = parse_until("2026-02-12", now).expect("a date");
        assert_eq!(format_time(until), "2026-02-13T00:00:00.000Z");
        let cuba = DateTime::parse_from_rfc3339("2026-02-12T12:00:00Z")
            .expect("time")
            .with_timezone(&Utc);
        assert!(cuba < until, "a change at noon of the last day is inside");
        assert_eq!(
            period_words(
                Some(parse_when("2026-02-01", now).expect("date")),
                Some(until)
            ),
            "from 2026-02-01 to 2026-02-12"
        );
        assert_eq!(parse_until("7d", now), parse_when("7d", now));
    }

    #[test]
    fn csv_cells_that_look_like_formulas_are_guarded() {
        assert_eq!(formula_guard("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(formula_guard("+1"), "'+1");
        assert_eq!(formula_guard("-1"), "'-1");
        assert_eq!(formula_guard("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(formula_guard("Mali\u{1b}[2J"), "Mali[2J");
        assert_eq!(formula_guard("Mali"), "Mali");
    }
}
