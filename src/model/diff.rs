//! Semantic comparison of two advisories, and the headline an analyst would write about it.
//!
//! This module owns what counts as a change (the level number, the set of indicators, the set of
//! other reasons, the words of the summary, the issued date, the publisher's change note), the
//! headline grammar ("Level raised from 3 to 4; unrest and health indicators added; summary
//! updated") and the word-level summary diff. It is pure: no IO, no clock. Which versions are
//! compared is `run`'s and `store`'s business; how a change is shown is `report`'s.

use std::time::Duration;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use similar::{ChangeTag, TextDiff};

use crate::model::advisory::{Advisory, Area, Indicator, Level};
use crate::model::note::{LevelClaim, note_claims};

/// How long the word diff of one summary may take before it settles for a coarser result.
const WORD_DIFF_TIMEOUT: Duration = Duration::from_millis(250);

/// What changed between two versions of one advisory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// The level before.
    pub level_from: Level,
    /// The level after.
    pub level_to: Level,
    /// Indicators the new version has and the old one had not, in the new page's order.
    pub indicators_added: Vec<Indicator>,
    /// Indicators the old version had and the new one has not, in the old page's order.
    pub indicators_removed: Vec<Indicator>,
    /// Other reasons added.
    pub reasons_added: Vec<String>,
    /// Other reasons removed.
    pub reasons_removed: Vec<String>,
    /// Whether the words of the summary changed.
    pub summary_changed: bool,
    /// The issued date before.
    pub issued_from: Option<NaiveDate>,
    /// The issued date after.
    pub issued_to: Option<NaiveDate>,
    /// The publisher's new change note, when it changed.
    pub change_note: Option<String>,
    /// Areas with a level of their own that appeared.
    #[serde(default)]
    pub areas_added: Vec<Area>,
    /// Areas that no longer have a level of their own.
    #[serde(default)]
    pub areas_removed: Vec<Area>,
    /// Areas whose level moved: (before, after).
    #[serde(default)]
    pub areas_changed: Vec<(Area, Area)>,
    /// The publisher withdrew the advisory.
    #[serde(default)]
    pub withdrawn: bool,
    /// The publisher published an advisory that was not there before.
    #[serde(default)]
    pub published: bool,
    /// The publisher's new change note names indicators or a level move that this change does
    /// not show (Cambodia 2025: "The “unrest” risk indicator was added", with no unrest in the
    /// text). Reasons never come from the note; the disagreement is shown instead.
    #[serde(default)]
    pub note_disagrees: bool,
    /// A published advisory that had been withdrawn before (not a country new to the
    /// publisher).
    #[serde(default)]
    pub reinstated: bool,
    /// The level the advisory's text still states when the level moved on its title alone
    /// (an unconfirmed move: `level_to` is the title's). `None` for a move the text states too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_level: Option<u8>,
    /// The text now states the level an earlier unconfirmed move gave: the move is confirmed.
    /// A confirmation is no level move of its own (the level did not move again).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub confirmed: bool,
    /// The analyst's one-line account of the change.
    pub headline: String,
}

/// The level label of the placeholder a country new to a feed is compared with.
pub const NOT_PUBLISHED: &str = "not published before";

/// What kind of change a [`Change`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// An advisory that changed.
    Changed,
    /// An advisory the publisher had not published before.
    New,
    /// An advisory the publisher no longer publishes.
    Withdrawn,
    /// A withdrawn advisory published again.
    Reinstated,
    /// An advisory whose level moved on its title while its text still states another level:
    /// an unconfirmed level change (the level is the title's).
    Unconfirmed,
}

impl ChangeKind {
    /// Whether it publishes or withdraws the advisory (new, withdrawn or reinstated), rather
    /// than changing one that stays published.
    pub fn is_publication(self) -> bool {
        matches!(
            self,
            ChangeKind::New | ChangeKind::Withdrawn | ChangeKind::Reinstated
        )
    }
}

impl Change {
    /// What kind of change it is.
    pub fn kind(&self) -> ChangeKind {
        match (self.withdrawn, self.published, self.reinstated) {
            (true, _, _) => ChangeKind::Withdrawn,
            (false, true, false) => ChangeKind::New,
            (false, true, true) => ChangeKind::Reinstated,
            (false, false, _) if self.unconfirmed() => ChangeKind::Unconfirmed,
            (false, false, _) => ChangeKind::Changed,
        }
    }

    /// Whether the level moved on the title alone while the text states another level (an
    /// advisory that stays published; see [`ChangeKind::Unconfirmed`]).
    pub fn unconfirmed(&self) -> bool {
        !self.withdrawn && !self.published && self.level_changed() && self.text_level.is_some()
    }

    /// Whether the level number moved.
    pub fn level_changed(&self) -> bool {
        self.level_from.number != self.level_to.number
    }

    /// Whether the level went up.
    pub fn level_raised(&self) -> bool {
        self.level_to.number > self.level_from.number
    }

    /// Whether any indicator was added or removed.
    pub fn indicators_changed(&self) -> bool {
        !self.indicators_added.is_empty() || !self.indicators_removed.is_empty()
    }

    /// What the change is, every class it belongs to, in a fixed order.
    pub fn classes(&self) -> Vec<ChangeClass> {
        let mut classes = Vec::new();
        match self.kind() {
            ChangeKind::New => classes.push(ChangeClass::New),
            ChangeKind::Withdrawn => classes.push(ChangeClass::Withdrawn),
            ChangeKind::Reinstated => classes.push(ChangeClass::Reinstated),
            // An unconfirmed move is a move of the level all the same (the views mark it).
            ChangeKind::Changed | ChangeKind::Unconfirmed if self.level_raised() => {
                classes.push(ChangeClass::LevelRaised)
            }
            ChangeKind::Changed | ChangeKind::Unconfirmed if self.level_changed() => {
                classes.push(ChangeClass::LevelLowered)
            }
            ChangeKind::Changed | ChangeKind::Unconfirmed => {}
        }
        let publication = self.kind().is_publication();
        // A new or reinstated advisory's indicators and areas are what it was published
        // with, not a change of them.
        if !publication {
            let pairs = [
                (
                    !self.indicators_added.is_empty(),
                    ChangeClass::IndicatorsAdded,
                ),
                (
                    !self.indicators_removed.is_empty(),
                    ChangeClass::IndicatorsRemoved,
                ),
                (!self.reasons_added.is_empty(), ChangeClass::ReasonsAdded),
                (
                    !self.reasons_removed.is_empty(),
                    ChangeClass::ReasonsRemoved,
                ),
                (!self.areas_added.is_empty(), ChangeClass::AreasAdded),
                (!self.areas_removed.is_empty(), ChangeClass::AreasRemoved),
                (!self.areas_changed.is_empty(), ChangeClass::AreasChanged),
            ];
            classes.extend(pairs.iter().filter(|(yes, _)| *yes).map(|(_, c)| *c));
        }
        if classes.is_empty() {
            classes.push(if self.summary_changed {
                ChangeClass::SummaryOnly
            } else {
                ChangeClass::Reissued
            });
        }
        classes
    }

    /// Whether it moves the level, or publishes or withdraws the advisory.
    pub fn moves_level(&self) -> bool {
        self.classes().iter().any(|c| c.moves_level())
    }

    /// Whether it changes indicators, other reasons or areas (with or without a level move).
    pub fn moves_details(&self) -> bool {
        self.classes().iter().any(|c| c.moves_details())
    }

    /// Whether a `kind` filter (one of [`KIND_FILTERS`]) takes it.
    pub fn is_of_kind(&self, kind: &str) -> bool {
        let classes = self.classes();
        match kind {
            "publication" => classes.iter().any(|c| {
                matches!(
                    c,
                    ChangeClass::New | ChangeClass::Withdrawn | ChangeClass::Reinstated
                )
            }),
            "details" => classes.iter().any(|c| c.moves_details()),
            group => classes.iter().any(|c| c.group() == group),
        }
    }

    /// How important it is, for ordering.
    pub fn importance(&self) -> Importance {
        let classes = self.classes();
        if classes.iter().any(|c| c.moves_level()) {
            let reached = if self.withdrawn {
                0
            } else {
                self.level_to.number.min(4)
            };
            return Importance {
                group: 1,
                reached: 4 - reached,
            };
        }
        let group = if classes.iter().any(|c| c.moves_details()) {
            2
        } else if classes.contains(&ChangeClass::SummaryOnly) {
            3
        } else {
            4
        };
        Importance { group, reached: 0 }
    }

    /// Whether an area appeared, went or moved.
    pub fn areas_moved(&self) -> bool {
        !self.areas_added.is_empty()
            || !self.areas_removed.is_empty()
            || !self.areas_changed.is_empty()
    }
}

/// What a change is, decided once here and shown by every view: the board, the indicator
/// table, `/changes` and its filters, the brief, every report format and notifications. A
/// change can be of several classes (a level raised with indicators added is both); summary
/// only and reissued only are what is left when nothing else moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeClass {
    /// The level went up.
    LevelRaised,
    /// The level went down.
    LevelLowered,
    /// An advisory the publisher had not published before.
    New,
    /// An advisory the publisher no longer publishes.
    Withdrawn,
    /// A withdrawn advisory published again.
    Reinstated,
    /// Risk indicators added.
    IndicatorsAdded,
    /// Risk indicators removed.
    IndicatorsRemoved,
    /// Other reasons (causes no indicator names) added.
    ReasonsAdded,
    /// Other reasons removed.
    ReasonsRemoved,
    /// Areas with a level of their own appeared.
    AreasAdded,
    /// Areas with a level of their own went.
    AreasRemoved,
    /// Areas whose level moved.
    AreasChanged,
    /// Only the summary's words changed.
    SummaryOnly,
    /// Only the issued date or the publisher's note changed.
    Reissued,
}

impl ChangeClass {
    /// The class's name, as filters and JSON say it (`level_raised`, `summary_only`).
    pub fn id(self) -> &'static str {
        match self {
            ChangeClass::LevelRaised => "level_raised",
            ChangeClass::LevelLowered => "level_lowered",
            ChangeClass::New => "new",
            ChangeClass::Withdrawn => "withdrawn",
            ChangeClass::Reinstated => "reinstated",
            ChangeClass::IndicatorsAdded => "indicators_added",
            ChangeClass::IndicatorsRemoved => "indicators_removed",
            ChangeClass::ReasonsAdded => "reasons_added",
            ChangeClass::ReasonsRemoved => "reasons_removed",
            ChangeClass::AreasAdded => "areas_added",
            ChangeClass::AreasRemoved => "areas_removed",
            ChangeClass::AreasChanged => "areas_changed",
            ChangeClass::SummaryOnly => "summary_only",
            ChangeClass::Reissued => "reissued",
        }
    }

    /// The coarse group a filter names: `level` (moves, new, withdrawn, reinstated),
    /// `indicators`, `reasons`, `areas`, `summary` (summary only) or `reissue`.
    pub fn group(self) -> &'static str {
        match self {
            ChangeClass::LevelRaised
            | ChangeClass::LevelLowered
            | ChangeClass::New
            | ChangeClass::Withdrawn
            | ChangeClass::Reinstated => "level",
            ChangeClass::IndicatorsAdded | ChangeClass::IndicatorsRemoved => "indicators",
            ChangeClass::ReasonsAdded | ChangeClass::ReasonsRemoved => "reasons",
            ChangeClass::AreasAdded | ChangeClass::AreasRemoved | ChangeClass::AreasChanged => {
                "areas"
            }
            ChangeClass::SummaryOnly => "summary",
            ChangeClass::Reissued => "reissue",
        }
    }

    /// Whether it moves the level (or publishes or withdraws the advisory).
    pub fn moves_level(self) -> bool {
        self.group() == "level"
    }

    /// Whether it is a change of indicators, other reasons or areas.
    pub fn moves_details(self) -> bool {
        matches!(self.group(), "indicators" | "reasons" | "areas")
    }
}

/// The groups a `kind` filter takes, in the order of importance. `details` stands for
/// indicators, reasons and areas together; `publication` for new, withdrawn and reinstated.
pub const KIND_FILTERS: &[&str] = &[
    "level",
    "publication",
    "details",
    "indicators",
    "reasons",
    "areas",
    "summary",
    "reissue",
];

/// How important a change is, for ordering: level moves first (the higher the level
/// reached, the earlier), then indicator, reason and area changes, then summary-only
/// changes, then reissues.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Importance {
    /// 1 level moves, 2 indicators, reasons or areas, 3 summary only, 4 reissued.
    pub group: u8,
    /// Within level moves, 4 minus the level reached (a withdrawal reaches nothing: 4).
    pub reached: u8,
}

/// Compares two successful extractions of one source. `None` when nothing an analyst cares
/// about differs: markup, boilerplate, whitespace, typographic quotes, the level's label
/// wording, and an issued date that did not move forward are no change. The headline is one
/// line whatever the page's words held (a level's label, an area's name).
pub fn compare(old: &Advisory, new: &Advisory) -> Option<Change> {
    compare_fields(old, new).map(|mut change| {
        if let std::borrow::Cow::Owned(line) = crate::model::name::one_line(&change.headline) {
            change.headline = line;
        }
        change
    })
}

fn compare_fields(old: &Advisory, new: &Advisory) -> Option<Change> {
    let mut change = Change {
        level_from: old.level.clone(),
        level_to: new.level.clone(),
        indicators_added: Vec::new(),
        indicators_removed: Vec::new(),
        reasons_added: Vec::new(),
        reasons_removed: Vec::new(),
        summary_changed: false,
        issued_from: old.issued,
        issued_to: new.issued,
        change_note: None,
        areas_added: Vec::new(),
        areas_removed: Vec::new(),
        areas_changed: Vec::new(),
        withdrawn: false,
        published: false,
        note_disagrees: false,
        reinstated: false,
        text_level: None,
        confirmed: false,
        headline: String::new(),
    };
    match (old.withdrawn, new.withdrawn) {
        (true, true) => return None,
        (false, true) => {
            change.withdrawn = true;
            change.headline = "Advisory withdrawn".to_owned();
            return Some(change);
        }
        (true, false) => {
            change.published = true;
            change.reinstated = old.level.label != NOT_PUBLISHED;
            change.indicators_added = new.indicators.clone();
            change.areas_added = new.areas.clone();
            change.change_note = new.change_note.clone();
            change.text_level = new.text_level;
            change.headline = if change.reinstated {
                format!("Advisory reinstated: {}", new.level)
            } else {
                format!("New advisory: {}", new.level)
            };
            if let Some(text) = new.text_level {
                change.headline.push_str(&format!(
                    " (unconfirmed: title says Level {}; text says Level {text})",
                    new.level.number
                ));
            }
            return Some(change);
        }
        (false, false) => {}
    }
    change.indicators_added = new
        .indicators
        .iter()
        .filter(|i| !old.indicators.contains(i))
        .copied()
        .collect();
    change.indicators_removed = old
        .indicators
        .iter()
        .filter(|i| !new.indicators.contains(i))
        .copied()
        .collect();
    change.reasons_added = missing_from(&new.reasons, &old.reasons);
    change.reasons_removed = missing_from(&old.reasons, &new.reasons);
    // A version read from a history panel has no summary to compare.
    change.summary_changed = !old.partial
        && !new.partial
        && comparison_key(&old.summary) != comparison_key(&new.summary);
    let note_changed = match (&old.change_note, &new.change_note) {
        (_, None) => false,
        (None, Some(_)) => true,
        (Some(a), Some(b)) => comparison_key(a) != comparison_key(b),
    };
    change.change_note = note_changed.then(|| new.change_note.clone()).flatten();
    // Only a date that moves forward is a reissue: a date that appears, vanishes or goes
    // back (feeds do that) is not.
    let issued_changed = matches!((old.issued, new.issued), (Some(a), Some(b)) if b > a);
    for area in &new.areas {
        match old.areas.iter().find(|a| same_area(a, area)) {
            None => change.areas_added.push(area.clone()),
            Some(before) if before.level != area.level => {
                change.areas_changed.push((before.clone(), area.clone()));
            }
            Some(_) => {}
        }
    }
    change.areas_removed = old
        .areas
        .iter()
        .filter(|a| !new.areas.iter().any(|n| same_area(a, n)))
        .cloned()
        .collect();

    if change.level_changed() {
        change.text_level = new.text_level;
    }
    // The text caught up with the level its title gave before: no move of its own, and on its
    // own no change at all (the version that says it is stored).
    change.confirmed =
        !change.level_changed() && old.text_level.is_some() && new.text_level.is_none();

    let substantive = change.level_changed()
        || change.indicators_changed()
        || !change.reasons_added.is_empty()
        || !change.reasons_removed.is_empty()
        || change.summary_changed
        || change.areas_moved();
    if !substantive && !issued_changed && !note_changed {
        return None;
    }
    if let Some(note) = change.change_note.as_deref() {
        change.note_disagrees = note_disagrees(note, &change, new);
    }
    change.headline = headline(&change, issued_changed);
    if change.note_disagrees {
        change
            .headline
            .push_str(" (the publisher's note disagrees)");
    }
    Some(change)
}

/// Whether a new change note claims indicators or a level move the change does not show.
fn note_disagrees(note: &str, change: &Change, new: &Advisory) -> bool {
    let claims = note_claims(note);
    let added_missing = claims
        .added
        .iter()
        .any(|i| !change.indicators_added.contains(i) && !new.indicators.contains(i));
    let removed_missing = claims
        .removed
        .iter()
        .any(|i| !change.indicators_removed.contains(i) && new.indicators.contains(i));
    let level_wrong = match claims.level {
        // A text that confirms a move tells of it: "The advisory level was increased to 3."
        Some(LevelClaim::MovedTo(to)) => {
            change.level_to.number != to || !(change.level_changed() || change.confirmed)
        }
        Some(LevelClaim::Moved) => !change.level_changed() && !change.confirmed,
        Some(LevelClaim::Unchanged) => change.level_changed(),
        None => false,
    };
    added_missing || removed_missing || level_wrong
}

fn same_area(a: &Area, b: &Area) -> bool {
    comparison_key(&a.name).eq_ignore_ascii_case(&comparison_key(&b.name))
}

fn missing_from(these: &[String], other: &[String]) -> Vec<String> {
    these
        .iter()
        .filter(|r| !other.iter().any(|o| o.eq_ignore_ascii_case(r)))
        .cloned()
        .collect()
}

/// The headline: its parts joined with "; " in a fixed order, first letter capitalized.
fn headline(change: &Change, issued_changed: bool) -> String {
    let mut parts: Vec<String> = Vec::new();
    if change.level_changed() {
        let verb = if change.level_raised() {
            "raised"
        } else {
            "lowered"
        };
        let mut part = format!(
            "level {verb} from {} to {}",
            change.level_from.number, change.level_to.number
        );
        if let Some(text) = change.text_level {
            let still = if text == change.level_from.number {
                " still"
            } else {
                ""
            };
            part.push_str(&format!(
                " (unconfirmed: title says Level {}; text{still} says Level {text})",
                change.level_to.number
            ));
        }
        parts.push(part);
    }
    let names = |list: &[Indicator]| {
        list.iter()
            .map(|i| i.human().to_owned())
            .collect::<Vec<_>>()
    };
    if !change.indicators_added.is_empty() {
        parts.push(listed(
            &names(&change.indicators_added),
            "indicator",
            "added",
        ));
    }
    if !change.indicators_removed.is_empty() {
        parts.push(listed(
            &names(&change.indicators_removed),
            "indicator",
            "removed",
        ));
    }
    if !change.reasons_added.is_empty() {
        parts.push(listed(&change.reasons_added, "reason", "added"));
    }
    if !change.reasons_removed.is_empty() {
        parts.push(listed(&change.reasons_removed, "reason", "removed"));
    }
    for area in &change.areas_added {
        let noun = if area.level > change.level_to.number {
            "area of increased risk"
        } else {
            "area with its own level"
        };
        parts.push(format!(
            "{noun} added: {} (Level {})",
            area.name, area.level
        ));
    }
    for (before, after) in &change.areas_changed {
        let verb = if after.level > before.level {
            "raised"
        } else {
            "lowered"
        };
        parts.push(format!(
            "area level {verb} from {} to {}: {}",
            before.level, after.level, after.name
        ));
    }
    for area in &change.areas_removed {
        parts.push(format!(
            "area removed: {} (was Level {})",
            area.name, area.level
        ));
    }
    if change.summary_changed {
        parts.push("summary updated".into());
    }
    if parts.is_empty() {
        parts.push(match (issued_changed, change.issued_to) {
            (true, Some(date)) => format!("advisory reissued on {}", date.format("%B %-d, %Y")),
            _ => "publisher's change note updated".into(),
        });
    }
    if change.confirmed {
        parts.push(format!(
            "level {} now confirmed by the text",
            change.level_to.number
        ));
    }
    let mut headline = parts.join("; ");
    if let Some(first) = headline.get(..1) {
        let upper = first.to_uppercase();
        headline.replace_range(..1, &upper);
    }
    headline
}

/// "unrest indicator added", "unrest and health indicators added", "crime, terrorism, and
/// kidnapping indicators removed".
fn listed(items: &[String], noun: &str, verb: &str) -> String {
    let plural = if items.len() == 1 { "" } else { "s" };
    format!("{} {noun}{plural} {verb}", join_english(items))
}

/// Joins words the State Department's way: "a", "a and b", "a, b, and c".
pub fn join_english(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [a, b] => format!("{a} and {b}"),
        [init @ .., last] => format!("{}, and {last}", init.join(", ")),
    }
}

/// The form two summaries are compared in: words only, with typographic quotes, dashes and
/// invisible characters folded, so that markup-only churn is no change.
fn comparison_key(text: &str) -> String {
    let mut key = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !key.is_empty() {
            key.push(' ');
        }
        for c in word.chars() {
            match c {
                '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{2032}' => key.push('\''),
                '\u{201c}' | '\u{201d}' | '\u{201e}' | '\u{2033}' => key.push('"'),
                '\u{2013}' | '\u{2014}' | '\u{2212}' => key.push('-'),
                '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{feff}' | '\u{ad}' => {}
                other => key.push(other),
            }
        }
    }
    key
}

/// Whether a stretch of a word diff is kept, deleted or inserted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Edit {
    /// In both versions.
    Equal,
    /// Only in the old version.
    Delete,
    /// Only in the new version.
    Insert,
}

/// One stretch of a word diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    /// Kept, deleted or inserted.
    pub edit: Edit,
    /// The words, with their whitespace.
    pub text: String,
}

/// A paragraph of a word diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Paragraph {
    /// Its stretches, in order.
    pub segments: Vec<Segment>,
}

impl Paragraph {
    /// Whether any word of it was deleted or inserted.
    pub fn changed(&self) -> bool {
        self.segments.iter().any(|s| s.edit != Edit::Equal)
    }
}

/// The word-level diff of two summaries, paragraph by paragraph.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WordDiff {
    /// The paragraphs, in the new version's order with deleted ones where they stood.
    pub paragraphs: Vec<Paragraph>,
}

impl WordDiff {
    /// Renders the diff as text: deleted words as `[-...-]`, inserted ones as `{+...+}`, runs
    /// of unchanged paragraphs folded into one line when `fold` is set, and at most
    /// `max_changed` changed paragraphs shown.
    pub fn to_text(&self, fold: bool, max_changed: usize) -> String {
        let mut out = String::new();
        let mut folded = 0usize;
        let mut shown = 0usize;
        let changed = self.paragraphs.iter().filter(|p| p.changed()).count();
        let flush_folded = |out: &mut String, folded: &mut usize| {
            if *folded > 0 {
                let s = if *folded == 1 { "" } else { "s" };
                out.push_str(&format!("[{} unchanged paragraph{s}]\n\n", *folded));
                *folded = 0;
            }
        };
        for paragraph in &self.paragraphs {
            if fold && !paragraph.changed() {
                folded += 1;
                continue;
            }
            if paragraph.changed() {
                if shown == max_changed {
                    folded = 0;
                    let more = changed - shown;
                    let s = if more == 1 { "" } else { "s" };
                    out.push_str(&format!("[{more} more changed paragraph{s} not shown]\n\n"));
                    break;
                }
                shown += 1;
            }
            flush_folded(&mut out, &mut folded);
            for segment in &paragraph.segments {
                match segment.edit {
                    Edit::Equal => out.push_str(&segment.text),
                    Edit::Delete => out.push_str(&format!("[-{}-]", segment.text)),
                    Edit::Insert => out.push_str(&format!("{{+{}+}}", segment.text)),
                }
            }
            out.push_str("\n\n");
        }
        flush_folded(&mut out, &mut folded);
        out.truncate(out.trim_end().len());
        out
    }
}

/// The summary diff as unified text, one line per paragraph, for webhooks and tickets.
pub fn unified(old: &str, new: &str) -> String {
    let old = old.replace("\n\n", "\n") + "\n";
    let new = new.replace("\n\n", "\n") + "\n";
    TextDiff::configure()
        .timeout(WORD_DIFF_TIMEOUT)
        .diff_lines(&old, &new)
        .unified_diff()
        .context_radius(1)
        .header("summary before", "summary after")
        .to_string()
}

/// Diffs two summaries paragraph by paragraph, then word by word inside paragraphs that are
/// edits of each other; a paragraph rewritten beyond recognition shows as deleted and inserted
/// whole, which reads better than a confetti of word swaps.
pub fn word_diff(old: &str, new: &str) -> WordDiff {
    let old_paragraphs: Vec<&str> = old.split("\n\n").filter(|p| !p.trim().is_empty()).collect();
    let new_paragraphs: Vec<&str> = new.split("\n\n").filter(|p| !p.trim().is_empty()).collect();
    let deadline = std::time::Instant::now() + WORD_DIFF_TIMEOUT;
    let ops = similar::capture_diff_slices_deadline(
        similar::Algorithm::Patience,
        &old_paragraphs,
        &new_paragraphs,
        Some(deadline),
    );
    let whole = |edit: Edit, text: &str| Paragraph {
        segments: vec![Segment {
            edit,
            text: text.to_owned(),
        }],
    };
    let mut paragraphs = Vec::new();
    for op in ops {
        match op {
            similar::DiffOp::Equal { old_index, len, .. } => {
                for text in &old_paragraphs[old_index..old_index + len] {
                    paragraphs.push(whole(Edit::Equal, text));
                }
            }
            similar::DiffOp::Delete {
                old_index, old_len, ..
            } => {
                for text in &old_paragraphs[old_index..old_index + old_len] {
                    paragraphs.push(whole(Edit::Delete, text));
                }
            }
            similar::DiffOp::Insert {
                new_index, new_len, ..
            } => {
                for text in &new_paragraphs[new_index..new_index + new_len] {
                    paragraphs.push(whole(Edit::Insert, text));
                }
            }
            similar::DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => {
                let olds = &old_paragraphs[old_index..old_index + old_len];
                let news = &new_paragraphs[new_index..new_index + new_len];
                for i in 0..olds.len().max(news.len()) {
                    match (olds.get(i), news.get(i)) {
                        (Some(a), Some(b)) => {
                            let words = TextDiff::configure().deadline(deadline).diff_words(*a, *b);
                            if words.ratio() >= 0.5 {
                                paragraphs.push(words_paragraph(&words));
                            } else {
                                paragraphs.push(whole(Edit::Delete, a));
                                paragraphs.push(whole(Edit::Insert, b));
                            }
                        }
                        (Some(a), None) => paragraphs.push(whole(Edit::Delete, a)),
                        (None, Some(b)) => paragraphs.push(whole(Edit::Insert, b)),
                        (None, None) => {}
                    }
                }
            }
        }
    }
    WordDiff { paragraphs }
}

fn words_paragraph<'a>(diff: &TextDiff<'a, 'a, 'a, str>) -> Paragraph {
    let mut paragraph = Paragraph {
        segments: Vec::new(),
    };
    for change in diff.iter_all_changes() {
        let edit = match change.tag() {
            ChangeTag::Equal => Edit::Equal,
            ChangeTag::Delete => Edit::Delete,
            ChangeTag::Insert => Edit::Insert,
        };
        let value = change.value();
        match paragraph.segments.last_mut() {
            Some(last) if last.edit == edit => last.text.push_str(value),
            _ => paragraph.segments.push(Segment {
                edit,
                text: value.to_owned(),
            }),
        }
    }
    tidy_whitespace(&mut paragraph);
    coalesce_runs(&mut paragraph);
    paragraph
}

/// Joins a run of alternating deletions and insertions separated only by spaces into one
/// deletion followed by one insertion: "[-that began in September 2025-]{+resumed in November
/// 2026+}" instead of a word-by-word zipper.
fn coalesce_runs(paragraph: &mut Paragraph) {
    let segments = std::mem::take(&mut paragraph.segments);
    let is_gap = |s: &Segment| s.edit == Edit::Equal && s.text.trim().is_empty();
    let mut out: Vec<Segment> = Vec::with_capacity(segments.len());
    let mut i = 0;
    while i < segments.len() {
        if segments[i].edit == Edit::Equal {
            out.push(segments[i].clone());
            i += 1;
            continue;
        }
        // Extend the run over changes and the blank gaps between them.
        let mut end = i + 1;
        while end < segments.len() {
            if segments[end].edit != Edit::Equal {
                end += 1;
            } else if is_gap(&segments[end])
                && segments.get(end + 1).is_some_and(|n| n.edit != Edit::Equal)
            {
                end += 2;
            } else {
                break;
            }
        }
        let mut deleted = String::new();
        let mut inserted = String::new();
        for segment in &segments[i..end] {
            match segment.edit {
                Edit::Delete => deleted.push_str(&segment.text),
                Edit::Insert => inserted.push_str(&segment.text),
                Edit::Equal => {
                    deleted.push_str(&segment.text);
                    inserted.push_str(&segment.text);
                }
            }
        }
        let starts_blank = segments[i].text.starts_with(char::is_whitespace);
        let ends_blank = segments[end - 1].text.ends_with(char::is_whitespace);
        if starts_blank {
            push_equal(&mut out, " ");
        }
        for (edit, text) in [(Edit::Delete, deleted), (Edit::Insert, inserted)] {
            let text = crate::model::advisory::collapse_whitespace(&text);
            if !text.is_empty() {
                out.push(Segment { edit, text });
            }
        }
        if ends_blank {
            push_equal(&mut out, " ");
        }
        i = end;
    }
    paragraph.segments = out;
}

fn push_equal(out: &mut Vec<Segment>, text: &str) {
    match out.last_mut() {
        Some(last) if last.edit == Edit::Equal => {
            if !last.text.ends_with(char::is_whitespace) {
                last.text.push_str(text);
            }
        }
        _ => out.push(Segment {
            edit: Edit::Equal,
            text: text.to_owned(),
        }),
    }
}

/// Moves whitespace at the edges of deleted and inserted stretches into the neighbouring
/// unchanged text, so markers hug the words: "was [-raised-]{+lowered+} to".
fn tidy_whitespace(paragraph: &mut Paragraph) {
    let mut tidy: Vec<Segment> = Vec::with_capacity(paragraph.segments.len());
    for segment in paragraph.segments.drain(..) {
        if segment.edit == Edit::Equal || segment.text.trim().is_empty() {
            let text = segment.text;
            match tidy.last_mut() {
                Some(last) if last.edit == Edit::Equal => last.text.push_str(&text),
                _ => tidy.push(Segment {
                    edit: Edit::Equal,
                    text,
                }),
            }
            continue;
        }
        tidy.push(segment);
    }
    paragraph.segments = tidy;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn advisory(level: u8, indicators: &[Indicator], summary: &str) -> Advisory {
        Advisory {
            level: Level::with_label(level, String::new()),
            indicators: indicators.to_vec(),
            reasons: vec![],
            summary: summary.into(),
            issued: None,
            change_note: None,
            areas: Vec::new(),
            withdrawn: false,
            partial: false,
            text_level: None,
            full_name: None,
        }
    }

    use Indicator::*;

    #[test]
    fn headline_grammar() {
        let cases: [(Advisory, Advisory, &str); 7] = [
            (
                advisory(3, &[Crime], "a"),
                advisory(4, &[Crime, Unrest, Health], "b"),
                "Level raised from 3 to 4; unrest and health indicators added; summary updated",
            ),
            (
                advisory(4, &[Kidnapping, Terrorism, Crime], "a"),
                advisory(4, &[Crime, Terrorism, Kidnapping, Unrest, Health], "b"),
                "Unrest and health indicators added; summary updated",
            ),
            (
                advisory(3, &[Crime, Terrorism, Kidnapping, Unrest], "a"),
                advisory(4, &[Unrest, Health], "a"),
                "Level raised from 3 to 4; health indicator added; crime, terrorism, and kidnapping indicators removed",
            ),
            (
                advisory(3, &[], "a"),
                advisory(1, &[], "a"),
                "Level lowered from 3 to 1",
            ),
            (
                advisory(2, &[NaturalDisaster], "a"),
                advisory(2, &[WrongfulDetention], "a"),
                "Wrongful detention indicator added; natural disaster indicator removed",
            ),
            (
                advisory(2, &[Crime], "a"),
                Advisory {
                    reasons: vec!["landmines".into()],
                    ..advisory(2, &[Crime], "a")
                },
                "Landmines reason added",
            ),
            (
                Advisory {
                    issued: NaiveDate::from_ymd_opt(2023, 7, 31),
                    ..advisory(2, &[Crime], "a")
                },
                Advisory {
                    issued: NaiveDate::from_ymd_opt(2025, 7, 31),
                    ..advisory(2, &[Crime], "a")
                },
                "Advisory reissued on July 31, 2025",
            ),
        ];
        for (old, new, expected) in cases {
            let change = compare(&old, &new).expect("a change");
            assert_eq!(change.headline, expected);
        }
    }

    #[test]
    fn a_title_that_moves_before_its_text_is_an_unconfirmed_move_and_the_text_catching_up_no_second_one()
     {
        let old = advisory(2, &[Indicator::Terrorism], "Terrorists may attack.");
        let title_moved = Advisory {
            text_level: Some(2),
            ..advisory(3, &[Indicator::Terrorism], "Terrorists may attack.")
        };
        let change = compare(&old, &title_moved).expect("a change");
        assert_eq!(change.kind(), ChangeKind::Unconfirmed);
        assert!(change.unconfirmed());
        assert_eq!((change.level_from.number, change.level_to.number), (2, 3));
        assert_eq!(change.text_level, Some(2));
        assert_eq!(
            change.headline,
            "Level raised from 2 to 3 (unconfirmed: title says Level 3; text still says Level 2)"
        );
        assert_eq!(change.classes(), [ChangeClass::LevelRaised]);
        assert!(change.is_of_kind("level"));

        // The text says level 3 too: a new version, but the level did not move again.
        let caught_up = advisory(3, &[Indicator::Terrorism], "Terrorists may attack.");
        assert_eq!(compare(&title_moved, &caught_up), None);
        // With a new note telling of the move: a reissue that confirms it, which the note
        // does not contradict.
        let noted = Advisory {
            change_note: Some("The advisory level was increased to 3.".into()),
            ..caught_up.clone()
        };
        let confirmation = compare(&title_moved, &noted).expect("a change");
        assert!(confirmation.confirmed && !confirmation.note_disagrees);
        assert!(!confirmation.moves_level());
        assert_eq!(confirmation.kind(), ChangeKind::Changed);
        assert_eq!(confirmation.classes(), [ChangeClass::Reissued]);
        assert_eq!(
            confirmation.headline,
            "Publisher's change note updated; level 3 now confirmed by the text"
        );

        // A title two levels up from a text that states yet another level.
        let apart = Advisory {
            text_level: Some(3),
            ..advisory(4, &[], "")
        };
        assert_eq!(
            compare(&advisory(2, &[], ""), &apart)
                .expect("a change")
                .headline,
            "Level raised from 2 to 4 (unconfirmed: title says Level 4; text says Level 3)"
        );
    }

    #[test]
    fn areas_withdrawals_and_new_advisories() {
        let area = |name: &str, level| Area {
            name: name.into(),
            level,
            reasons: vec!["landmines".into()],
        };
        let old = advisory(1, &[], "a");
        let new = Advisory {
            areas: vec![area("Karlovac and Lika-Senj counties", 2)],
            ..advisory(1, &[], "a")
        };
        let change = compare(&old, &new).expect("a change");
        assert_eq!(
            change.headline,
            "Area of increased risk added: Karlovac and Lika-Senj counties (Level 2)"
        );
        let moved = Advisory {
            areas: vec![area("Karlovac and Lika-Senj counties", 3)],
            ..advisory(1, &[], "a")
        };
        assert_eq!(
            compare(&new, &moved).expect("moved").headline,
            "Area level raised from 2 to 3: Karlovac and Lika-Senj counties"
        );
        let gone = Advisory {
            withdrawn: true,
            ..advisory(1, &[], "")
        };
        assert_eq!(
            compare(&old, &gone).expect("withdrawn").headline,
            "Advisory withdrawn"
        );
        assert_eq!(
            compare(&gone, &old).expect("reinstated").headline,
            "Advisory reinstated: Level 1: Exercise Normal Precautions"
        );
        let mut never = gone.clone();
        never.level.label = NOT_PUBLISHED.to_owned();
        let new_one = compare(&never, &old).expect("new");
        assert_eq!(
            new_one.headline,
            "New advisory: Level 1: Exercise Normal Precautions"
        );
        assert_eq!(new_one.kind(), ChangeKind::New);
        assert_eq!(compare(&gone, &gone), None);
    }

    #[test]
    fn a_note_that_names_a_level_move_the_versions_do_not_show_disagrees() {
        let with_note = |level: u8, note: &str| Advisory {
            change_note: Some(note.into()),
            ..advisory(level, &[Crime], "Text.")
        };
        // (from, to, note, disagrees): real notes from the corpus and the wordings.
        for (from, to, note, disagrees) in [
            (1, 2, "The advisory level was increased to 2.", false),
            (2, 2, "The advisory level was increased to 2.", true),
            (1, 3, "The advisory level was increased to 2.", true),
            (4, 4, "Level increased to 4", true),
            (4, 3, "The advisory level was lowered to Level 3", false),
            (
                2,
                3,
                "The advisory level was raised from Level 2 to Level 3.",
                false,
            ),
            (
                2,
                2,
                "The advisory level was raised from Level 2 to Level 3.",
                true,
            ),
            (
                3,
                1,
                "Updated to reflect lowering the Travel Advisory Level from Level 3 to Level 1 due to ongoing recovery efforts.",
                false,
            ),
            (
                3,
                3,
                "Updated to reflect change to Travel Advisory Level 3.",
                true,
            ),
            (
                3,
                2,
                "Reissued after periodic review with a change in level.",
                false,
            ),
            (
                2,
                2,
                "Reissued after periodic review with a change in level.",
                true,
            ),
            (
                2,
                2,
                "There were no changes to the advisory level or risk indicators. Advisory summary was updated.",
                false,
            ),
            (
                2,
                3,
                "There were no changes to the advisory level or risk indicators. Advisory summary was updated.",
                true,
            ),
            (
                2,
                2,
                "Updated to reflect lower travel advisory level for some provinces in Thailand.",
                false,
            ),
        ] {
            let change = compare(&with_note(from, "Before."), &with_note(to, note))
                .expect("a new note is a change");
            assert_eq!(change.note_disagrees, disagrees, "{from} -> {to}: {note}");
        }
    }

    #[test]
    fn issued_dates_that_go_back_or_vanish_are_no_change() {
        let date = |d| NaiveDate::from_ymd_opt(2025, 10, d);
        let at = |d: Option<NaiveDate>| Advisory {
            issued: d,
            ..advisory(2, &[], "a")
        };
        assert_eq!(compare(&at(date(9)), &at(date(7))), None, "backwards");
        assert_eq!(compare(&at(None), &at(date(7))), None, "appears");
        assert_eq!(compare(&at(date(7)), &at(None)), None, "vanishes");
        assert!(
            compare(&at(date(7)), &at(date(9))).is_some(),
            "forward: a reissue"
        );
        let partial = Advisory {
            partial: true,
            ..advisory(2, &[], "")
        };
        assert_eq!(compare(&partial, &advisory(2, &[], "full text")), None);
    }

    #[test]
    fn markup_and_typography_churn_is_no_change() {
        let old = advisory(
            4,
            &[Crime],
            "Mali\u{2019}s south  is \u{201c}risky\u{201d}.\n\nSecond.",
        );
        let mut new = advisory(4, &[Crime], "Mali's south is \"risky\". Second.");
        new.level.label = "Do not travel".into();
        assert_eq!(compare(&old, &new), None);
    }

    #[test]
    fn indicator_order_alone_is_no_change() {
        let old = advisory(4, &[Kidnapping, Terrorism, Crime], "a");
        let new = advisory(4, &[Crime, Terrorism, Kidnapping], "a");
        assert_eq!(compare(&old, &new), None);
    }

    #[test]
    fn english_lists() {
        let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(join_english(&words(&["a"])), "a");
        assert_eq!(join_english(&words(&["a", "b"])), "a and b");
        assert_eq!(join_english(&words(&["a", "b", "c"])), "a, b, and c");
    }

    #[test]
    fn word_diff_marks_words_and_folds_unchanged_paragraphs() {
        let old = "Alpha paragraph.\n\nThe level was raised today.\n\nOmega paragraph.";
        let new = "Alpha paragraph.\n\nThe level was lowered today.\n\nOmega paragraph.";
        let diff = word_diff(old, new);
        assert_eq!(diff.paragraphs.len(), 3);
        assert_eq!(
            diff.to_text(true, usize::MAX),
            "[1 unchanged paragraph]\n\nThe level was [-raised-]{+lowered+} today.\n\n[1 unchanged paragraph]"
        );
        assert_eq!(
            diff.to_text(false, usize::MAX).lines().next(),
            Some("Alpha paragraph.")
        );
    }
}
