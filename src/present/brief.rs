//! The analyst's morning brief: who moved in a period, and what every government says about one
//! country.
//!
//! This module owns the views an analyst briefs from: the movers of a period (every level
//! change, with counters and the net effect of a level that went up and back down), the brief
//! (one line per country that changed level or indicators, then a count of summary-only
//! updates), which government a source speaks for and how its scale maps onto 1-4, and the
//! sources about one country (through `country`'s one table). It renders nothing: `report`,
//! `html` and `dashboard` do. Pure: stored values in, views out; no IO and no clock.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::model::advisory::Indicator;
use crate::model::diff::ChangeKind;
use crate::store::{SourceOverview, StoredChange};

/// The government a source speaks for, told by its profile or, failing that, its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Government {
    /// The US State Department.
    Us,
    /// The UK's FCDO.
    Uk,
    /// Global Affairs Canada.
    Canada,
    /// Another publisher, on the State Department's scale.
    Other,
}

impl Government {
    /// Which government a source (its name, and the profile that read its latest version)
    /// speaks for.
    pub fn of(source: &str, profile: Option<&str>) -> Government {
        let profile = profile.unwrap_or("");
        let name = source.to_ascii_lowercase();
        if profile.starts_with("fcdo") || name.starts_with("uk") || name.starts_with("fcdo") {
            Government::Uk
        } else if profile == "canada" || name.starts_with("ca-") || name.starts_with("canada") {
            Government::Canada
        } else if profile.starts_with("state-dept") || name.starts_with("us") {
            Government::Us
        } else {
            Government::Other
        }
    }

    /// The name shown ("United Kingdom (FCDO)").
    pub fn name(self) -> &'static str {
        match self {
            Government::Us => "United States (State Department)",
            Government::Uk => "United Kingdom (FCDO)",
            Government::Canada => "Canada (Global Affairs)",
            Government::Other => "Other publisher",
        }
    }

    /// A short name for a line of text ("UK").
    pub fn short(self) -> &'static str {
        match self {
            Government::Us => "US",
            Government::Uk => "UK",
            Government::Canada => "Canada",
            Government::Other => "Other",
        }
    }

    /// How the government's own scale maps onto levels 1-4, level 1 first.
    pub fn scale(self) -> [&'static str; 4] {
        match self {
            Government::Us | Government::Other => [
                "Exercise normal precautions",
                "Exercise increased caution",
                "Reconsider travel",
                "Do not travel",
            ],
            Government::Uk => [
                "No advice against travel",
                "Advises against all or all but essential travel to parts of the country",
                "Advises against all but essential travel to the whole country (or to every part of it)",
                "Advises against all travel to the whole country",
            ],
            Government::Canada => [
                "Take normal security precautions",
                "Exercise a high degree of caution",
                "Avoid non-essential travel",
                "Avoid all travel",
            ],
        }
    }
}

/// The sources about a country, searched by name, alias, ISO code or part of a name; a source
/// whose country names several ("Mainland China, Hong Kong & Macau") is about each of them.
pub fn sources_about(search: &str, sources: Vec<SourceOverview>) -> Vec<SourceOverview> {
    sources
        .into_iter()
        .filter(|s| crate::model::country::matches(search, &s.country))
        .collect()
}

/// The name a country is shown by: the table's, when it knows exactly one country by it.
pub fn country_name(name: &str) -> String {
    match crate::model::country::countries_of(name).as_slice() {
        [one] => one.name.to_owned(),
        _ => name.to_owned(),
    }
}

/// One level move (or publication) of one source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Move {
    /// Level before; `None` for a new advisory.
    pub from: Option<u8>,
    /// Level after; `None` when withdrawn.
    pub to: Option<u8>,
    /// When it was detected (RFC 3339), or first seen for an archived version.
    pub at: String,
    /// From an archive: `at` is a day, not a time.
    pub archived: bool,
    /// `changed`, `new`, `withdrawn` or `reinstated`.
    pub kind: ChangeKind,
}

/// A source's level moves in a period, with their net effect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mover {
    /// The country, as the table names it.
    pub country: String,
    /// The source's name.
    pub source: String,
    /// Its government.
    pub government: Government,
    /// Its moves, oldest first.
    pub moves: Vec<Move>,
}

impl Mover {
    /// The level before the first move and after the last one.
    pub fn net(&self) -> (Option<u8>, Option<u8>) {
        (
            self.moves.first().and_then(|m| m.from),
            self.moves.last().and_then(|m| m.to),
        )
    }

    /// The net change in levels (0 for a level that went up and back down; new and withdrawn
    /// advisories count from and to nothing).
    pub fn net_steps(&self) -> i16 {
        let (from, to) = self.net();
        i16::from(to.unwrap_or(0)) - i16::from(from.unwrap_or(0))
    }

    /// The largest single move, in levels.
    pub fn biggest_step(&self) -> i16 {
        self.moves
            .iter()
            .map(|m| (i16::from(m.to.unwrap_or(0)) - i16::from(m.from.unwrap_or(0))).abs())
            .max()
            .unwrap_or(0)
    }
}

/// A change of indicators (or areas) without a level move.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndicatorChange {
    /// The country, as the table names it.
    pub country: String,
    /// The source.
    pub source: String,
    /// Indicators added.
    pub added: Vec<Indicator>,
    /// Indicators removed.
    pub removed: Vec<Indicator>,
    /// Areas that appeared, went or moved.
    pub areas_moved: bool,
    /// The headline.
    pub headline: String,
    /// When.
    pub at: String,
    /// From an archive.
    pub archived: bool,
}

/// Every level change of a period, and what else moved.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Movers {
    /// Level raises.
    pub raised: usize,
    /// Level decreases.
    pub lowered: usize,
    /// Advisories published or withdrawn (or published again).
    pub new_or_withdrawn: usize,
    /// One row per source that moved, biggest net move first.
    pub rows: Vec<Mover>,
    /// Indicator (or area) changes without a level move, newest first.
    pub indicator_changes: Vec<IndicatorChange>,
    /// Sources whose only changes in the period were to their summary (or issued date, or
    /// note).
    pub summary_only: usize,
}

fn moved_level(change: &StoredChange) -> bool {
    change.change.kind() != ChangeKind::Changed || change.change.level_changed()
}

fn moved_indicators(change: &StoredChange) -> bool {
    change.change.indicators_changed() || change.change.areas_moved()
}

impl Movers {
    /// The movers of a period's changes (any order).
    pub fn of(changes: &[StoredChange]) -> Movers {
        let mut changes: Vec<&StoredChange> = changes.iter().collect();
        changes.sort_by(|a, b| a.detected_at.cmp(&b.detected_at).then(a.id.0.cmp(&b.id.0)));
        let mut movers = Movers::default();
        let mut rows: BTreeMap<&str, Mover> = BTreeMap::new();
        let mut others: BTreeMap<&str, bool> = BTreeMap::new();
        for c in &changes {
            let kind = c.change.kind();
            if moved_level(c) {
                match kind {
                    ChangeKind::Changed if c.change.level_raised() => movers.raised += 1,
                    ChangeKind::Changed => movers.lowered += 1,
                    _ => movers.new_or_withdrawn += 1,
                }
                let row = rows.entry(&c.source).or_insert_with(|| Mover {
                    country: country_name(&c.country),
                    source: c.source.clone(),
                    government: Government::of(&c.source, None),
                    moves: Vec::new(),
                });
                row.moves.push(Move {
                    from: (kind != ChangeKind::New && kind != ChangeKind::Reinstated)
                        .then_some(c.change.level_from.number),
                    to: (kind != ChangeKind::Withdrawn).then_some(c.change.level_to.number),
                    at: c.detected_at.clone(),
                    archived: c.archived,
                    kind,
                });
                others.insert(&c.source, false);
            } else if moved_indicators(c) {
                movers.indicator_changes.push(IndicatorChange {
                    country: country_name(&c.country),
                    source: c.source.clone(),
                    added: c.change.indicators_added.clone(),
                    removed: c.change.indicators_removed.clone(),
                    areas_moved: c.change.areas_moved(),
                    headline: c.change.headline.clone(),
                    at: c.detected_at.clone(),
                    archived: c.archived,
                });
                others.insert(&c.source, false);
            } else {
                others.entry(&c.source).or_insert(true);
            }
        }
        movers.summary_only = others.values().filter(|only| **only).count();
        movers.rows = rows.into_values().collect();
        movers.rows.sort_by(|a, b| {
            b.net_steps()
                .abs()
                .cmp(&a.net_steps().abs())
                .then(b.biggest_step().cmp(&a.biggest_step()))
                .then(a.country.cmp(&b.country))
                .then(a.source.cmp(&b.source))
        });
        movers.indicator_changes.reverse();
        movers
    }

    /// Whether nothing moved at all.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty() && self.indicator_changes.is_empty() && self.summary_only == 0
    }
}

/// One line of the brief: a country that changed level or indicators.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BriefLine {
    /// The country.
    pub country: String,
    /// Its sources' level moves.
    pub movers: Vec<Mover>,
    /// Its indicator changes without a level move.
    pub indicators: Vec<IndicatorChange>,
}

impl BriefLine {
    fn size(&self) -> i16 {
        self.movers
            .iter()
            .map(|m| m.net_steps().abs().max(m.biggest_step()))
            .max()
            .unwrap_or(0)
    }
}

/// The brief of a period: level moves first (raised and lowered together, biggest first), then
/// countries whose indicators changed, then a count of summary-only updates.
#[derive(Debug, Clone, Serialize)]
pub struct Brief {
    /// "from 2026-02-06 to 2026-02-12".
    pub period: String,
    /// One line per country.
    pub lines: Vec<BriefLine>,
    /// Advisories that updated their summary only.
    pub summary_only: usize,
}

impl Brief {
    /// The brief of a period's changes.
    pub fn of(
        changes: &[StoredChange],
        since: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
    ) -> Brief {
        let movers = Movers::of(changes);
        let mut lines: BTreeMap<String, BriefLine> = BTreeMap::new();
        for mover in movers.rows {
            lines
                .entry(mover.country.clone())
                .or_insert_with(|| BriefLine {
                    country: mover.country.clone(),
                    movers: Vec::new(),
                    indicators: Vec::new(),
                })
                .movers
                .push(mover);
        }
        for change in movers.indicator_changes.into_iter().rev() {
            lines
                .entry(change.country.clone())
                .or_insert_with(|| BriefLine {
                    country: change.country.clone(),
                    movers: Vec::new(),
                    indicators: Vec::new(),
                })
                .indicators
                .push(change);
        }
        let mut lines: Vec<BriefLine> = lines.into_values().collect();
        lines.sort_by(|a, b| {
            b.size()
                .cmp(&a.size())
                .then(b.movers.is_empty().cmp(&a.movers.is_empty()).reverse())
                .then(a.country.cmp(&b.country))
        });
        Brief {
            period: crate::present::report::period_words(since, until),
            lines,
            summary_only: movers.summary_only,
        }
    }
}

/// A move in words: "1 → 3", "new at 2", "withdrawn (was 3)".
pub fn move_words(m: &Move) -> String {
    match (m.from, m.to) {
        (Some(from), Some(to)) => format!("{from} → {to}"),
        (None, Some(to)) => format!("new at {to}"),
        (Some(from), None) => format!("withdrawn (was {from})"),
        (None, None) => "withdrawn".to_owned(),
    }
}

/// A source's moves in words: "2 → 3 on 2026-02-12", or every step and the net effect when
/// it moved more than once: "1 → 3 → 1 (net 0)".
pub fn mover_words(mover: &Mover) -> String {
    if let [one] = mover.moves.as_slice() {
        return format!("{} on {}", move_words(one), day(&one.at));
    }
    let mut steps: Vec<String> = Vec::new();
    for (index, m) in mover.moves.iter().enumerate() {
        let level = |l: Option<u8>| l.map_or("none".to_owned(), |l| l.to_string());
        if index == 0 {
            steps.push(level(m.from));
        }
        steps.push(level(m.to));
    }
    let net = mover.net_steps();
    format!(
        "{} from {} to {} (net {})",
        steps.join(" → "),
        day(&mover.moves[0].at),
        day(&mover.moves[mover.moves.len() - 1].at),
        if net > 0 {
            format!("+{net}")
        } else {
            net.to_string()
        }
    )
}

/// The day of a stored time ("2026-02-12").
pub fn day(rfc3339: &str) -> &str {
    rfc3339.get(..10).unwrap_or(rfc3339)
}

/// Indicator changes in words: "+unrest, +health, −crime".
pub fn indicator_words(change: &IndicatorChange) -> String {
    let mut words: Vec<String> = change
        .added
        .iter()
        .map(|i| format!("+{}", i.human()))
        .chain(change.removed.iter().map(|i| format!("−{}", i.human())))
        .collect();
    if change.areas_moved {
        words.push("areas moved".to_owned());
    }
    words.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::advisory::{Advisory, Level};
    use crate::store::ChangeId;

    fn advisory(level: u8, indicators: &[Indicator], summary: &str) -> Advisory {
        Advisory {
            level: Level::with_label(level, String::new()),
            indicators: indicators.to_vec(),
            reasons: Vec::new(),
            summary: summary.to_owned(),
            issued: None,
            change_note: None,
            areas: Vec::new(),
            withdrawn: false,
            partial: false,
        }
    }

    fn change(
        id: i64,
        source: &str,
        country: &str,
        at: &str,
        old: Advisory,
        new: Advisory,
    ) -> StoredChange {
        StoredChange {
            id: ChangeId(id),
            uid: format!("u{id}"),
            source: source.to_owned(),
            country: country.to_owned(),
            url: String::new(),
            detected_at: format!("{at}T12:00:00.000Z"),
            archived: true,
            change: crate::model::diff::compare(&old, &new).expect("a change"),
            old,
            new,
        }
    }

    #[test]
    fn up_and_back_down_shows_its_net_effect_and_both_moves() {
        let changes = vec![
            change(
                1,
                "us-cuba",
                "Cuba",
                "2026-02-12",
                advisory(1, &[], "a"),
                advisory(3, &[], "a"),
            ),
            change(
                2,
                "us-cuba",
                "Cuba",
                "2026-02-14",
                advisory(3, &[], "a"),
                advisory(1, &[], "a"),
            ),
            change(
                3,
                "uk-mali",
                "Mali",
                "2026-02-13",
                advisory(3, &[], "a"),
                advisory(4, &[], "a"),
            ),
            change(
                4,
                "us-mali",
                "Mali",
                "2026-02-13",
                advisory(4, &[], "a"),
                advisory(4, &[Indicator::Unrest], "a"),
            ),
            change(
                5,
                "us-peru",
                "Peru",
                "2026-02-13",
                advisory(2, &[], "a"),
                advisory(2, &[], "b"),
            ),
            change(
                6,
                "uk-peru",
                "Peru",
                "2026-02-13",
                advisory(2, &[], "a"),
                advisory(2, &[], "b"),
            ),
        ];
        let movers = Movers::of(&changes);
        assert_eq!(
            (movers.raised, movers.lowered, movers.new_or_withdrawn),
            (2, 1, 0)
        );
        assert_eq!(movers.summary_only, 2);
        assert_eq!(
            movers.rows[0].source, "uk-mali",
            "a net move before a net 0"
        );
        assert_eq!(
            mover_words(&movers.rows[1]),
            "1 → 3 → 1 from 2026-02-12 to 2026-02-14 (net 0)"
        );
        assert_eq!(indicator_words(&movers.indicator_changes[0]), "+unrest");

        let brief = Brief::of(&changes, None, None);
        let countries: Vec<&str> = brief.lines.iter().map(|l| l.country.as_str()).collect();
        assert_eq!(
            countries,
            ["Cuba", "Mali"],
            "Cuba moved 2 levels on the way"
        );
        assert_eq!(
            brief.lines[1].indicators.len(),
            1,
            "Mali's indicator change joins its line"
        );
        assert_eq!(brief.summary_only, 2);
    }

    #[test]
    fn governments_and_their_scales() {
        assert_eq!(
            Government::of("uk-mali", Some("fcdo-page-md")),
            Government::Uk
        );
        assert_eq!(Government::of("mali-fcdo", Some("fcdo")), Government::Uk);
        assert_eq!(
            Government::of("us-feed/mali", Some("state-dept-rss")),
            Government::Us
        );
        assert_eq!(
            Government::of("canada/mali", Some("canada")),
            Government::Canada
        );
        assert_eq!(
            Government::Uk.scale()[3],
            "Advises against all travel to the whole country"
        );
    }
}
