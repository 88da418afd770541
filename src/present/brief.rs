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

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::model::advisory::Indicator;
use crate::model::diff::{Change, ChangeClass, ChangeKind};
use crate::present::words::{day, period_words, shown_time};
use crate::store::{SourceOverview, StoredChange};

pub use crate::model::government::Government;

/// The sources about a country, searched by name, alias, ISO code or part of a name; a source
/// whose country names several ("Mainland China, Hong Kong & Macau") is about each of them.
pub fn sources_about(search: &str, sources: Vec<SourceOverview>) -> Vec<SourceOverview> {
    sources
        .into_iter()
        .filter(|s| crate::model::country::matches(search, &s.country))
        .collect()
}

/// The sources about each country of `countries.tsv`, by code: every source but a feed or
/// index itself, under each country its country names. The country page and the map both
/// take a country's sources from here.
pub fn sources_by_country(all: &[SourceOverview]) -> BTreeMap<&'static str, Vec<SourceOverview>> {
    let mut out: BTreeMap<&'static str, Vec<SourceOverview>> = BTreeMap::new();
    for s in all.iter().filter(|s| !s.collection) {
        for country in crate::model::country::countries_of(&s.country) {
            let sources = out.entry(country.code).or_default();
            if sources.last().is_none_or(|last| last.name != s.name) {
                sources.push(s.clone());
            }
        }
    }
    out
}

/// The name a country is shown by: the table's, when it knows exactly one country by it.
pub fn country_name(name: &str) -> String {
    match crate::model::country::countries_of(name).as_slice() {
        [one] => one.name.to_owned(),
        _ => name.to_owned(),
    }
}

/// Why a reading is not the government's word now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stale {
    /// Another reading of the same government is newer.
    Superseded,
    /// Its source (or the feed or index it comes from) is failing to fetch.
    Failing,
    /// Its source no longer reads right.
    Broken,
}

impl Stale {
    /// In words, for a mark: "older than another reading".
    pub fn words(self) -> &'static str {
        match self {
            Stale::Superseded => "older than another reading of this government",
            Stale::Failing => "its source is failing",
            Stale::Broken => "its source no longer reads right",
        }
    }
}

/// One reading of a government about a country: a source's current version.
#[derive(Debug, Clone, Serialize)]
pub struct Reading {
    /// The source and its current version.
    pub source: SourceOverview,
    /// Why it is stale, if it is.
    pub stale: Option<Stale>,
}

impl Reading {
    /// The day the reading speaks for: its issued date, else the day it was first seen.
    pub fn as_of(&self) -> Option<String> {
        self.source.issued.map(|d| d.to_string()).or_else(|| {
            self.source
                .version_seen
                .as_deref()
                .map(|t| day(t).to_owned())
        })
    }
}

/// What one government says about a country: its freshest reading, and the others folded.
#[derive(Debug, Clone, Serialize)]
pub struct GovernmentReadings {
    /// The government.
    pub government: Government,
    /// Its freshest reading: by issued date, then by the most specific source (a page of its
    /// own before a feed's or index's item), then by when it was first seen.
    pub current: Reading,
    /// Its other readings, freshest first.
    pub others: Vec<Reading>,
}

/// The readings of a country's sources, one group per government, governments by name. A
/// feed or index itself is never a reading; a feed's country is stale while its feed fails.
/// `all` is every source (to find the feed a country comes from).
pub fn readings(sources: &[SourceOverview], all: &[SourceOverview]) -> Vec<GovernmentReadings> {
    let state_of = |s: &SourceOverview| -> Option<Stale> {
        let parent = s
            .name
            .rsplit_once('/')
            .and_then(|(parent, _)| all.iter().find(|p| p.name == parent));
        [Some(s), parent]
            .into_iter()
            .flatten()
            .find_map(|s| match s.state.as_str() {
                "failing" => Some(Stale::Failing),
                "broken" => Some(Stale::Broken),
                _ => None,
            })
    };
    let mut groups: BTreeMap<String, Vec<&SourceOverview>> = BTreeMap::new();
    for s in sources
        .iter()
        .filter(|s| !s.collection && s.level.is_some())
    {
        groups
            .entry(s.government.short.clone())
            .or_default()
            .push(s);
    }
    // How specific a source is: a page of its own (0) before the item of a per-country file
    // (1 sibling) before an item of an index or feed of many countries.
    let siblings = |s: &SourceOverview| -> usize {
        s.name.rsplit_once('/').map_or(0, |(parent, _)| {
            let prefix = format!("{parent}/");
            all.iter().filter(|o| o.name.starts_with(&prefix)).count()
        })
    };
    let mut out = Vec::new();
    for (_, mut group) in groups {
        // Freshest first: a source that reads now before a failing or broken one, then the
        // issued date, then the most specific source, then first seen.
        group.sort_by(|a, b| {
            state_of(a)
                .is_some()
                .cmp(&state_of(b).is_some())
                .then(b.issued.cmp(&a.issued))
                .then(siblings(a).cmp(&siblings(b)))
                .then(b.version_seen.cmp(&a.version_seen))
                .then(a.name.cmp(&b.name))
        });
        let newest = group[0].issued;
        let mut readings = group.into_iter().map(|s| Reading {
            source: s.clone(),
            stale: state_of(s).or_else(|| {
                (s.issued.is_some() && newest.is_some() && s.issued < newest)
                    .then_some(Stale::Superseded)
                    .or_else(|| {
                        (s.issued.is_none() && newest.is_some()).then_some(Stale::Superseded)
                    })
            }),
        });
        let current = readings.next().expect("a group has a reading");
        out.push(GovernmentReadings {
            government: current.source.government.clone(),
            current,
            others: readings.collect(),
        });
    }
    out
}

/// Governments whose current, fresh readings differ by 2 levels or more: the gap, and the
/// highest and lowest, in words ("Germany says 1 (as of 2026-07-09); United States says 3 (as
/// of 2025-09-11)"). Stale and withdrawn readings never count.
pub fn disagreement(groups: &[GovernmentReadings]) -> Option<(u8, String)> {
    let fresh = fresh_levels(groups);
    let (high, top) = fresh.iter().max_by_key(|(_, l)| *l)?;
    let (low, bottom) = fresh.iter().min_by_key(|(_, l)| *l)?;
    let gap = top - bottom;
    if gap < 2 {
        return None;
    }
    let says = |g: &GovernmentReadings, level: u8| {
        format!(
            "{} says {level} (as of {})",
            g.government.short,
            g.current
                .as_of()
                .unwrap_or_else(|| "an unknown date".to_owned())
        )
    };
    Some((gap, format!("{}; {}", says(low, *bottom), says(high, *top))))
}

/// The governments whose current reading is fresh and not withdrawn, with its level.
fn fresh_levels(groups: &[GovernmentReadings]) -> Vec<(&GovernmentReadings, u8)> {
    groups
        .iter()
        .filter(|g| g.current.stale.is_none() && !g.current.source.withdrawn)
        .filter_map(|g| g.current.source.level.map(|l| (g, l)))
        .collect()
}

/// How many levels the governments' current, fresh readings span (0 when they agree or only
/// one speaks), the same gap [`disagreement`] flags from 2; `None` when no fresh reading is
/// left. Stale and withdrawn readings never count.
pub fn spread(groups: &[GovernmentReadings]) -> Option<u8> {
    let fresh = fresh_levels(groups);
    let top = fresh.iter().map(|(_, l)| *l).max()?;
    let bottom = fresh.iter().map(|(_, l)| *l).min()?;
    Some(top - bottom)
}

/// One level move (or publication) of one source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Move {
    /// Level before; `None` for a new advisory.
    pub from: Option<u8>,
    /// Level after; `None` when withdrawn.
    pub to: Option<u8>,
    /// When it was detected (RFC 3339), or the day it was first seen for an archived version.
    pub at: String,
    /// From an archive: `at` is a day, not a time.
    pub archived: bool,
    /// The publisher's issued date of the version after, if the page gives one.
    pub issued: Option<NaiveDate>,
    /// `changed`, `unconfirmed` (the level moved on the title alone), `new`, `withdrawn` or
    /// `reinstated`.
    pub kind: ChangeKind,
    /// What else moved with it: "+health", "−crime", "+armed conflict", "areas changed".
    pub details: Vec<String>,
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
    /// The official page.
    pub url: String,
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

    /// Whether the level ends where it started: a bounce, which matters less than a net move.
    pub fn bounced(&self) -> bool {
        self.net_steps() == 0
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

/// A change of indicators, other reasons or areas, with or without a level move.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndicatorChange {
    /// The country, as the table names it.
    pub country: String,
    /// The source.
    pub source: String,
    /// Its government.
    pub government: Government,
    /// The official page.
    pub url: String,
    /// What the change is, every class of it.
    pub classes: Vec<ChangeClass>,
    /// Indicators added.
    pub added: Vec<Indicator>,
    /// Indicators removed.
    pub removed: Vec<Indicator>,
    /// Other reasons added, as published.
    pub reasons_added: Vec<String>,
    /// Other reasons removed.
    pub reasons_removed: Vec<String>,
    /// Areas that appeared, went or moved.
    pub areas_moved: bool,
    /// The level moved too (the change is also a row of the movers).
    pub level_moved: bool,
    /// The headline.
    pub headline: String,
    /// When it was detected (RFC 3339), or the day it was first seen for an archived version.
    pub at: String,
    /// From an archive: `at` is a day, not a time.
    pub archived: bool,
    /// The publisher's issued date of the version after, if the page gives one.
    pub issued: Option<NaiveDate>,
}

/// Every change of a period, grouped the way an analyst reads them.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Movers {
    /// Level raises.
    pub raised: usize,
    /// Level decreases.
    pub lowered: usize,
    /// Advisories published or withdrawn (or published again).
    pub new_or_withdrawn: usize,
    /// One row per source that moved, net moves first (biggest first), then bounces.
    pub rows: Vec<Mover>,
    /// Every change of indicators, other reasons or areas, with or without a level move,
    /// newest first.
    pub indicator_changes: Vec<IndicatorChange>,
    /// Changes of the summary's words only.
    pub summary_only: usize,
    /// Changes of the issued date or the publisher's note only.
    pub reissued: usize,
}

/// What moved besides the level, in words: "+health", "−crime", "+armed conflict", "areas
/// changed".
pub fn detail_words(change: &Change) -> Vec<String> {
    if change.kind().is_publication() {
        return Vec::new();
    }
    let mut words: Vec<String> = change
        .indicators_added
        .iter()
        .map(|i| format!("+{}", i.human()))
        .chain(
            change
                .indicators_removed
                .iter()
                .map(|i| format!("−{}", i.human())),
        )
        .chain(change.reasons_added.iter().map(|r| format!("+{r}")))
        .chain(change.reasons_removed.iter().map(|r| format!("−{r}")))
        .collect();
    if change.areas_moved() {
        words.push("areas changed".to_owned());
    }
    words
}

impl Movers {
    /// The movers of a period's changes (any order).
    pub fn of(changes: &[StoredChange]) -> Movers {
        let mut changes: Vec<&StoredChange> = changes.iter().collect();
        changes.sort_by(|a, b| a.detected_at.cmp(&b.detected_at).then(a.id.0.cmp(&b.id.0)));
        let mut movers = Movers::default();
        let mut rows: BTreeMap<&str, Mover> = BTreeMap::new();
        for c in &changes {
            let kind = c.change.kind();
            let classes = c.change.classes();
            let level_moved = classes.iter().any(|k| k.moves_level());
            if level_moved {
                for class in &classes {
                    match class {
                        ChangeClass::LevelRaised => movers.raised += 1,
                        ChangeClass::LevelLowered => movers.lowered += 1,
                        ChangeClass::New | ChangeClass::Withdrawn | ChangeClass::Reinstated => {
                            movers.new_or_withdrawn += 1
                        }
                        _ => {}
                    }
                }
                let row = rows.entry(&c.source).or_insert_with(|| Mover {
                    country: country_name(&c.country),
                    source: c.source.clone(),
                    government: c.government.clone(),
                    url: c.url.clone(),
                    moves: Vec::new(),
                });
                row.moves.push(Move {
                    from: (kind != ChangeKind::New && kind != ChangeKind::Reinstated)
                        .then_some(c.change.level_from.number),
                    to: (kind != ChangeKind::Withdrawn).then_some(c.change.level_to.number),
                    at: shown_time(&c.detected_at, c.archived),
                    archived: c.archived,
                    issued: c.change.issued_to,
                    kind,
                    details: detail_words(&c.change),
                });
            }
            if classes.iter().any(|k| k.moves_details()) {
                movers.indicator_changes.push(IndicatorChange {
                    country: country_name(&c.country),
                    source: c.source.clone(),
                    government: c.government.clone(),
                    url: c.url.clone(),
                    classes: classes.clone(),
                    added: c.change.indicators_added.clone(),
                    removed: c.change.indicators_removed.clone(),
                    reasons_added: c.change.reasons_added.clone(),
                    reasons_removed: c.change.reasons_removed.clone(),
                    areas_moved: c.change.areas_moved(),
                    level_moved,
                    headline: c.change.headline.clone(),
                    at: shown_time(&c.detected_at, c.archived),
                    archived: c.archived,
                    issued: c.change.issued_to,
                });
            }
            if classes.contains(&ChangeClass::SummaryOnly) {
                movers.summary_only += 1;
            }
            if classes.contains(&ChangeClass::Reissued) {
                movers.reissued += 1;
            }
        }
        movers.rows = rows.into_values().collect();
        movers.rows.sort_by(|a, b| {
            a.bounced()
                .cmp(&b.bounced())
                .then(b.net_steps().abs().cmp(&a.net_steps().abs()))
                .then(b.biggest_step().cmp(&a.biggest_step()))
                .then(a.country.cmp(&b.country))
                .then(a.source.cmp(&b.source))
        });
        movers.indicator_changes.reverse();
        movers
    }

    /// Whether nothing moved at all.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
            && self.indicator_changes.is_empty()
            && self.summary_only == 0
            && self.reissued == 0
    }
}

/// One line of the brief: a country that changed level or indicators.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BriefLine {
    /// The country.
    pub country: String,
    /// Its sources' level moves.
    pub movers: Vec<Mover>,
    /// Its changes of indicators, reasons or areas without a level move (those with one are
    /// told with the move).
    pub indicators: Vec<IndicatorChange>,
}

impl BriefLine {
    /// How the line ranks: a net move first (the biggest first), then a bounce that nets to
    /// zero (the biggest swing first), then indicator changes alone.
    fn rank(&self) -> (u8, i16) {
        let net = self.movers.iter().map(|m| m.net_steps().abs()).max();
        let swing = self.movers.iter().map(Mover::biggest_step).max();
        match (net, swing) {
            (Some(net), _) if net > 0 => (0, -net),
            (Some(_), Some(swing)) => (1, -swing),
            _ => (2, 0),
        }
    }
}

/// The brief of a period: level moves first (raised and lowered together, biggest first), then
/// countries whose indicators changed, then a count of summary-only updates.
#[derive(Debug, Clone, Serialize)]
pub struct Brief {
    /// "from 2026-02-06 to 2026-02-12".
    pub period: String,
    /// The filters that narrowed its countries, before the period in its titles ("in Western
    /// Africa "), or empty.
    pub scope: String,
    /// One line per country.
    pub lines: Vec<BriefLine>,
    /// Changes of the summary's words only.
    pub summary_only: usize,
    /// Changes of the issued date or note only.
    pub reissued: usize,
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
        for change in movers
            .indicator_changes
            .into_iter()
            .rev()
            .filter(|c| !c.level_moved)
        {
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
        lines.sort_by(|a, b| a.rank().cmp(&b.rank()).then(a.country.cmp(&b.country)));
        Brief {
            period: period_words(since, until),
            scope: String::new(),
            lines,
            summary_only: movers.summary_only,
            reissued: movers.reissued,
        }
    }
}

/// A move in words: "1 → 3", "new at 2", "withdrawn (was 3)".
pub fn move_words(m: &Move) -> String {
    match (m.from, m.to) {
        (Some(from), Some(to)) if m.kind == ChangeKind::Unconfirmed => {
            format!("{from} → {to} unconfirmed")
        }
        (Some(from), Some(to)) => format!("{from} → {to}"),
        (None, Some(to)) => format!("new at {to}"),
        (Some(from), None) => format!("withdrawn (was {from})"),
        (None, None) => "withdrawn".to_owned(),
    }
}

/// A source's moves in words: "2 → 3 (+health) on 2026-02-12", or every step and the net
/// effect when it moved more than once: "1 → 3 → 1 (net 0)", with what else moved.
pub fn mover_words(mover: &Mover) -> String {
    let mut details: Vec<&str> = Vec::new();
    for word in mover.moves.iter().flat_map(|m| &m.details) {
        if !details.contains(&word.as_str()) {
            details.push(word);
        }
    }
    let details = if details.is_empty() {
        String::new()
    } else {
        format!(" ({})", details.join(", "))
    };
    if let [one] = mover.moves.as_slice() {
        return format!("{}{details} on {}", move_words(one), day(&one.at));
    }
    let mut steps: Vec<String> = Vec::new();
    for (index, m) in mover.moves.iter().enumerate() {
        let level = |l: Option<u8>| l.map_or("none".to_owned(), |l| l.to_string());
        if index == 0 {
            steps.push(level(m.from));
        }
        steps.push(if m.kind == ChangeKind::Unconfirmed {
            format!("{} unconfirmed", level(m.to))
        } else {
            level(m.to)
        });
    }
    let net = mover.net_steps();
    format!(
        "{}{details} from {} to {} (net {})",
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

/// Indicator and reason changes in words: "+unrest, +health, −crime, +armed conflict".
pub fn indicator_words(change: &IndicatorChange) -> String {
    let mut words: Vec<String> = change
        .added
        .iter()
        .map(|i| format!("+{}", i.human()))
        .chain(change.removed.iter().map(|i| format!("−{}", i.human())))
        .chain(change.reasons_added.iter().map(|r| format!("+{r}")))
        .chain(change.reasons_removed.iter().map(|r| format!("−{r}")))
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
            text_level: None,
            full_name: None,
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
            government: Government::named(if source.starts_with("uk") { "uk" } else { "us" }),
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
    fn an_unconfirmed_move_is_one_move_marked_unconfirmed() {
        let title_moved = Advisory {
            text_level: Some(2),
            ..advisory(3, &[], "a")
        };
        let changes = vec![change(
            1,
            "us-feed/sweden",
            "Sweden",
            "2026-02-12",
            advisory(2, &[], "a"),
            title_moved,
        )];
        let movers = Movers::of(&changes);
        assert_eq!((movers.raised, movers.rows.len()), (1, 1));
        let one = &movers.rows[0];
        assert_eq!(one.moves[0].kind, ChangeKind::Unconfirmed);
        assert_eq!(mover_words(one), "2 → 3 unconfirmed on 2026-02-12");
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
            ["Mali", "Cuba"],
            "a net move comes before a bounce that nets to zero"
        );
        assert_eq!(
            brief.lines[0].indicators.len(),
            1,
            "Mali's indicator change joins its line"
        );
        assert_eq!(brief.summary_only, 2);
    }

    #[test]
    fn a_level_move_with_indicators_added_shows_in_both_sections() {
        let changes = vec![change(
            1,
            "us-mali",
            "Mali",
            "2026-02-12",
            advisory(1, &[], "a"),
            advisory(2, &[Indicator::Health], "b"),
        )];
        let movers = Movers::of(&changes);
        assert_eq!(movers.raised, 1);
        assert_eq!(
            movers.indicator_changes.len(),
            1,
            "the indicator table has it"
        );
        assert!(movers.indicator_changes[0].level_moved);
        assert_eq!(movers.summary_only, 0, "a level move is never summary only");
        assert_eq!(
            mover_words(&movers.rows[0]),
            "1 → 2 (+health) on 2026-02-12"
        );
        let brief = Brief::of(&changes, None, None);
        assert_eq!(brief.lines.len(), 1);
        assert!(
            brief.lines[0].indicators.is_empty(),
            "told once, with the move"
        );
    }

    #[test]
    fn a_change_of_reasons_or_areas_is_never_summary_only() {
        let mut new = advisory(2, &[], "b");
        new.reasons = vec!["Armed conflict".into()];
        let mut areas = advisory(2, &[], "a");
        areas.areas = vec![crate::model::advisory::Area {
            name: "The Northern Region".into(),
            level: 4,
            reasons: Vec::new(),
        }];
        let changes = vec![
            change(
                1,
                "us-mali",
                "Mali",
                "2026-02-12",
                advisory(2, &[], "a"),
                new,
            ),
            change(
                2,
                "us-peru",
                "Peru",
                "2026-02-12",
                advisory(2, &[], "a"),
                areas,
            ),
        ];
        let movers = Movers::of(&changes);
        assert_eq!(movers.summary_only, 0);
        assert_eq!(movers.indicator_changes.len(), 2);
        let words: Vec<String> = movers
            .indicator_changes
            .iter()
            .map(indicator_words)
            .collect();
        assert!(words.contains(&"+Armed conflict".to_owned()), "{words:?}");
        assert!(words.contains(&"areas moved".to_owned()), "{words:?}");
    }
}
