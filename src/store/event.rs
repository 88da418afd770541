//! The event a notification carries, as the outbox stores it: written as JSON in the same
//! transaction as the change it announces, so that what is delivered later, after any restart,
//! is exactly what was detected. Rendering and sending it are `notify`'s job.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::config::channels::EventKind;
use crate::model::advisory::{Indicator, Level};
use crate::model::diff::{Change, ChangeClass, WordDiff};
use crate::model::government::Government;
use crate::store::format_time;

/// What an event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventType {
    /// An advisory changed.
    AdvisoryChange,
    /// A source went dark: it kept failing (unreachable, an error status, or unreadable).
    SourceFailure,
    /// A source that went dark reads again.
    SourceRecovered,
    /// A source stopped reading right: what releases before `source_failure` stored, still
    /// delivered as stored.
    ExtractionFailure,
    /// A source reads right again (stored by earlier releases).
    ExtractionRecovered,
    /// `notify test`.
    Test,
}

/// What a notification says: stored in the outbox as JSON when the change is stored, so that
/// what is delivered later, after any restart, is exactly what was detected.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Unique event id; with the channel name, the delivery id.
    pub id: String,
    /// What it is about.
    #[serde(rename = "type")]
    pub kind: EventType,
    /// The source.
    pub source: String,
    /// Its country.
    pub country: String,
    /// Its page.
    pub url: String,
    /// When it was detected (RFC 3339).
    pub detected_at: String,
    /// The level before.
    pub level_from: Option<Level>,
    /// The level after.
    pub level_to: Option<Level>,
    /// Indicators added.
    pub indicators_added: Vec<Indicator>,
    /// Indicators removed.
    pub indicators_removed: Vec<Indicator>,
    /// Other reasons added.
    pub reasons_added: Vec<String>,
    /// Other reasons removed.
    pub reasons_removed: Vec<String>,
    /// Whether the summary changed.
    pub summary_changed: bool,
    /// The summary diff, unified, line per paragraph.
    pub summary_diff: String,
    /// The summary diff, word by word.
    pub word_diff: Option<WordDiff>,
    /// The publisher's new note.
    pub change_note: Option<String>,
    /// The issued date after.
    pub issued: Option<chrono::NaiveDate>,
    /// The analyst's line (or the failure's message).
    pub headline: String,
    /// What the change is ([`crate::model::diff::Change::classes`]); empty for failures and
    /// for events stored before classes were recorded.
    #[serde(default)]
    pub classes: Vec<ChangeClass>,
    /// Whose advice it is, when known.
    #[serde(default)]
    pub government: Option<Government>,
    /// Areas that appeared, went or moved, as published.
    #[serde(default)]
    pub areas_changed: Vec<String>,
    /// The level moved on the title alone, the text still stating another
    /// ([`crate::model::diff::ChangeKind::Unconfirmed`]).
    #[serde(default)]
    pub unconfirmed: bool,
    /// For `source_failure` and `source_recovered`: how the source failed.
    #[serde(default)]
    pub outage: Option<Outage>,
}

/// How a source that went dark failed: what a `source_failure` (or `source_recovered`) event
/// tells its reader.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outage {
    /// The last failure's message (for a recovery: the last failure before it).
    pub error: String,
    /// `fetch` (no answer), `http` (an error status) or `extraction` (unreadable).
    pub error_kind: String,
    /// The last error status, if the server answered.
    pub http_status: Option<u16>,
    /// When the source last read right (RFC 3339); `None`: never.
    pub last_success_at: Option<String>,
    /// When the run of failures began.
    pub failing_since: String,
    /// Failed checks in a row.
    pub failed_checks: u32,
    /// Whether this is a reminder: the source is still dark.
    pub reminder: bool,
}

/// What became of a source that keeps failing, as its check recorded it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DarkTurn {
    /// It crossed the threshold: the alert went out.
    Alerted,
    /// It stayed dark for the reminder interval: the alert went out again.
    Reminded,
    /// It read again after an alert.
    Recovered,
}

impl Outage {
    /// "never" or the time of the last success.
    pub fn last_success(&self) -> &str {
        self.last_success_at.as_deref().unwrap_or("never")
    }
}

/// The advisory an event is about: its source, country and page.
#[derive(Debug, Clone, Copy)]
pub struct About<'a> {
    /// The source's name.
    pub source: &'a str,
    /// Its country.
    pub country: &'a str,
    /// Its page.
    pub url: &'a str,
    /// Whose advice it is, as configured.
    pub government: Option<&'a str>,
}

impl Event {
    /// A fresh event id, for what no twin needs to agree on (`notify test`, a cycle's batch).
    pub fn new_id() -> String {
        format!("{:032x}", fastrand::u128(..))
    }

    /// The id of the change of `source` from the version whose fields hash to `from` to the
    /// one hashing to `to` ([`crate::model::advisory::Advisory::fields_hash`]), the
    /// `occurrence`-th time (0 first) the source's stored changes moved so. Twins (daemons
    /// with separate databases watching the same sources) derive the same id, so a receiver
    /// can drop the second copy by its `X-Advisory-Delivery`; the occurrence keeps a source
    /// that goes A→B→A→B from naming both A→B changes alike (times would not do: twins see
    /// the page at different moments).
    pub fn change_id(source: &str, from: &str, to: &str, occurrence: u64) -> String {
        derived_id(&["change", source, from, to, &occurrence.to_string()])
    }

    /// The id of a `source_failure` or `source_recovered` event of the run of failures that
    /// began at `failing_since`: the alert and the recovery by the run, a reminder also by
    /// the failed checks it counts. The moment counts to the second, so that twins checking
    /// on the same schedule agree, and a run of failures is told apart from the next one.
    pub fn outage_id(
        source: &str,
        turn: DarkTurn,
        failing_since: &str,
        failed_checks: u32,
    ) -> String {
        let since = failing_since.get(..19).unwrap_or(failing_since);
        let (kind, count) = match turn {
            DarkTurn::Alerted => ("source_failure", String::new()),
            DarkTurn::Reminded => ("source_failure_reminder", failed_checks.to_string()),
            DarkTurn::Recovered => ("source_recovered", String::new()),
        };
        derived_id(&["outage", source, kind, since, &count])
    }

    /// The event announcing a change of the advisory `about`, with the summaries of the two
    /// versions for its word diff.
    pub fn for_change(
        id: String,
        about: About<'_>,
        detected_at: DateTime<Utc>,
        change: &Change,
        old_summary: &str,
        new_summary: &str,
    ) -> Event {
        let About {
            source,
            country,
            url,
            government,
        } = about;
        let areas_changed: Vec<String> = change
            .areas_added
            .iter()
            .map(|a| format!("+{} (Level {})", a.name, a.level))
            .chain(change.areas_changed.iter().map(|(before, after)| {
                format!("{} (Level {} → {})", after.name, before.level, after.level)
            }))
            .chain(
                change
                    .areas_removed
                    .iter()
                    .map(|a| format!("−{} (was Level {})", a.name, a.level)),
            )
            .collect();
        let word_diff = change
            .summary_changed
            .then(|| crate::model::diff::word_diff(old_summary, new_summary));
        Event {
            id,
            kind: EventType::AdvisoryChange,
            source: source.to_owned(),
            country: country.to_owned(),
            url: url.to_owned(),
            detected_at: format_time(detected_at),
            level_from: Some(change.level_from.clone()),
            level_to: Some(change.level_to.clone()),
            indicators_added: change.indicators_added.clone(),
            indicators_removed: change.indicators_removed.clone(),
            reasons_added: change.reasons_added.clone(),
            reasons_removed: change.reasons_removed.clone(),
            summary_changed: change.summary_changed,
            summary_diff: if change.summary_changed {
                crate::model::diff::unified(old_summary, new_summary)
            } else {
                String::new()
            },
            word_diff,
            change_note: change.change_note.clone(),
            issued: change.issued_to,
            headline: change.headline.clone(),
            classes: change.classes(),
            government: government.map(Government::named),
            areas_changed,
            unconfirmed: change.unconfirmed(),
            outage: None,
        }
    }

    /// The event announcing that the source `about` went dark (`turn` alerted or reminded) or
    /// reads again (recovered), at `at`.
    pub fn for_outage(
        about: About<'_>,
        at: DateTime<Utc>,
        turn: DarkTurn,
        outage: Outage,
    ) -> Event {
        let source = about.source;
        let headline = match turn {
            DarkTurn::Alerted | DarkTurn::Reminded => format!(
                "{source} {} failed {} check{} in a row since {}: {}; last read right: {}",
                if turn == DarkTurn::Reminded {
                    "is still dark:"
                } else {
                    "has gone dark:"
                },
                outage.failed_checks,
                if outage.failed_checks == 1 { "" } else { "s" },
                outage.failing_since,
                outage.error,
                outage.last_success()
            ),
            DarkTurn::Recovered => format!(
                "{source} reads again after failing since {}",
                outage.failing_since
            ),
        };
        Event {
            id: Event::outage_id(source, turn, &outage.failing_since, outage.failed_checks),
            kind: if turn == DarkTurn::Recovered {
                EventType::SourceRecovered
            } else {
                EventType::SourceFailure
            },
            source: source.to_owned(),
            country: about.country.to_owned(),
            url: about.url.to_owned(),
            detected_at: format_time(at),
            level_from: None,
            level_to: None,
            indicators_added: Vec::new(),
            indicators_removed: Vec::new(),
            reasons_added: Vec::new(),
            reasons_removed: Vec::new(),
            summary_changed: false,
            summary_diff: String::new(),
            word_diff: None,
            change_note: None,
            issued: None,
            headline,
            classes: Vec::new(),
            government: about.government.map(Government::named),
            areas_changed: Vec::new(),
            unconfirmed: false,
            outage: Some(Outage {
                reminder: turn == DarkTurn::Reminded,
                ..outage
            }),
        }
    }

    /// The kinds this event counts as, for filters.
    pub fn kinds(&self) -> Vec<EventKind> {
        match self.kind {
            EventType::SourceFailure
            | EventType::SourceRecovered
            | EventType::ExtractionFailure
            | EventType::ExtractionRecovered => vec![EventKind::SourceFailure],
            EventType::Test => vec![
                EventKind::Level,
                EventKind::Indicators,
                EventKind::Areas,
                EventKind::Summary,
                EventKind::Reissue,
                EventKind::SourceFailure,
            ],
            EventType::AdvisoryChange if !self.classes.is_empty() => {
                let mut kinds = Vec::new();
                for class in &self.classes {
                    let kind = match class.group() {
                        "level" => EventKind::Level,
                        "indicators" | "reasons" => EventKind::Indicators,
                        "areas" => EventKind::Areas,
                        "summary" => EventKind::Summary,
                        _ => EventKind::Reissue,
                    };
                    if !kinds.contains(&kind) {
                        kinds.push(kind);
                    }
                }
                // A channel that asks for summary changes gets every one, also those that came
                // with other changes.
                if self.summary_changed && !kinds.contains(&EventKind::Summary) {
                    kinds.push(EventKind::Summary);
                }
                kinds
            }
            EventType::AdvisoryChange => {
                let mut kinds = Vec::new();
                if let (Some(from), Some(to)) = (&self.level_from, &self.level_to)
                    && from.number != to.number
                {
                    kinds.push(EventKind::Level);
                }
                if !self.indicators_added.is_empty()
                    || !self.indicators_removed.is_empty()
                    || !self.reasons_added.is_empty()
                    || !self.reasons_removed.is_empty()
                {
                    kinds.push(EventKind::Indicators);
                }
                if self.summary_changed {
                    kinds.push(EventKind::Summary);
                }
                if kinds.is_empty() {
                    kinds.push(EventKind::Reissue);
                }
                kinds
            }
        }
    }

    /// The delivery id of this event on a channel: stable across retries and restarts.
    pub fn delivery_id(&self, channel: &str) -> String {
        format!("{}:{channel}", self.id)
    }

    /// The email subject and chat line: country and headline, as one line of at most
    /// [`SUBJECT_LIMIT`] characters (an event stored by an older release may hold a country
    /// with a line feed, or a megabyte-long one).
    pub fn subject(&self) -> String {
        let subject = self.subject_words();
        crate::model::name::one_line_bounded(&subject, SUBJECT_LIMIT).into_owned()
    }

    fn subject_words(&self) -> String {
        match self.kind {
            EventType::AdvisoryChange | EventType::Test => {
                format!("{}: {}", self.country, self.headline)
            }
            EventType::SourceFailure if self.outage.as_ref().is_some_and(|o| o.reminder) => {
                format!("advisory-watch: {} is still dark", self.source)
            }
            EventType::SourceFailure => format!("advisory-watch: {} has gone dark", self.source),
            EventType::SourceRecovered => format!("advisory-watch: {} reads again", self.source),
            EventType::ExtractionFailure => format!("advisory-watch: {} is broken", self.source),
            EventType::ExtractionRecovered => {
                format!("advisory-watch: {} reads correctly again", self.source)
            }
        }
    }
}

/// The most characters of an email's subject: a line of an email header may not pass 998
/// bytes (RFC 5322), and lettre folds a long subject only at its spaces.
pub const SUBJECT_LIMIT: usize = 200;

/// 32 hex digits of xxh3-128 over `parts`, each ended by a NUL (no part holds one).
fn derived_id(parts: &[&str]) -> String {
    let mut bytes = Vec::new();
    for part in parts {
        bytes.extend_from_slice(part.as_bytes());
        bytes.push(0);
    }
    format!("{:032x}", xxhash_rust::xxh3::xxh3_128(&bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_id_depends_on_source_versions_and_occurrence_only() {
        let first = Event::change_id("mali", "aaa", "bbb", 0);
        assert_eq!(first, Event::change_id("mali", "aaa", "bbb", 0));
        assert_eq!(first.len(), 32);
        assert_ne!(first, Event::change_id("mali", "aaa", "bbb", 1));
        assert_ne!(first, Event::change_id("mali", "bbb", "aaa", 0));
        assert_ne!(first, Event::change_id("niger", "aaa", "bbb", 0));
    }

    #[test]
    fn outage_ids_agree_within_the_second_and_differ_by_turn_and_reminder() {
        let since = "2026-03-01T10:15:02.120Z";
        let alert = Event::outage_id("mali", DarkTurn::Alerted, since, 3);
        assert_eq!(
            alert,
            Event::outage_id("mali", DarkTurn::Alerted, "2026-03-01T10:15:02.900Z", 4)
        );
        assert_ne!(
            alert,
            Event::outage_id("mali", DarkTurn::Alerted, "2026-03-01T10:15:03.000Z", 3)
        );
        assert_ne!(
            alert,
            Event::outage_id("mali", DarkTurn::Recovered, since, 3)
        );
        let reminder = Event::outage_id("mali", DarkTurn::Reminded, since, 6);
        assert_ne!(alert, reminder);
        assert_ne!(
            reminder,
            Event::outage_id("mali", DarkTurn::Reminded, since, 9)
        );
    }
}
