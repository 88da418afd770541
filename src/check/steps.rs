//! The steps of one check that every way in shares (a cycle's `check_source`, a feed's
//! `items`, `import`, `backfill`): the facts of one check (`Facts`: where it is
//! recorded, whom it notifies, when), the advisory it records about (`Target`) and the page it
//! came from (`Origin`); recording an advisory that read right (compared with the latest
//! version, read again first when an older reader read it, with its change and deliveries in
//! one transaction) or a document that did not; and what a check came to (`Checked`).

use chrono::Utc;

use crate::config::Source;
use crate::config::channels::NotifySettings;
use crate::model::diff::{self, Change};
use crate::net::fetch::Validators;
use crate::notify::{self, Event};
use crate::read::document::{Document, Extracted};
use crate::read::extract;
use crate::store::cycle::SourceFailure;
use crate::store::event::{About, DarkTurn, Outage};
use crate::store::{
    Body, CheckRecord, DarkWatch, FailureKind, Latest, NewDelivery, Outcome, Recorded, SourceId,
    StoreError, StoreHandle, StoredChange, format_time,
};

/// How often a check is compared again when another process stored a version meanwhile.
const STALE_RETRIES: usize = 3;

pub(crate) enum Checked {
    Unchanged,
    FirstVersion(String),
    Changed(Box<StoredChange>),
    Failed(SourceFailure),
}

/// The channels and cycle batch that deliveries are queued for.
#[derive(Clone, Copy)]
pub(crate) struct Notes<'a> {
    pub(super) notify: &'a NotifySettings,
    pub(super) batch: &'a str,
    /// The pages come from an archive (`import`, `backfill`), not a check.
    pub(super) archived: bool,
}

impl Notes<'_> {
    /// What the check of `target` needs to tell, in its transaction, whether the source went
    /// dark or reads again: the rule and the channels that take its `source_failure` events.
    /// `None` for archived pages, which say nothing about the source now.
    pub(super) fn dark_watch(&self, target: Target<'_>) -> Option<DarkWatch> {
        if self.archived {
            return None;
        }
        let about = About {
            source: target.name,
            country: target.country,
            url: target.url,
            government: target.government,
        };
        let probe = Event::for_outage(about, Utc::now(), DarkTurn::Alerted, Outage::default());
        Some(DarkWatch {
            rule: self.notify.dark,
            source: target.name.to_owned(),
            country: target.country.to_owned(),
            url: target.url.to_owned(),
            government: target.government.map(str::to_owned),
            channels: self
                .notify
                .channels
                .iter()
                .filter(|c| notify::accepts(&c.filter, &probe))
                .map(|c| c.name.clone())
                .collect(),
            batch: self.batch.to_owned(),
        })
    }

    /// Deliveries of `event` to every channel whose filter accepts it.
    fn deliveries(&self, event: &Event) -> Vec<NewDelivery> {
        let channels: Vec<&str> = self
            .notify
            .channels
            .iter()
            .filter(|c| notify::accepts(&c.filter, event))
            .map(|c| c.name.as_str())
            .collect();
        if channels.is_empty() {
            return Vec::new();
        }
        let json = serde_json::to_string(event).expect("an event always serializes");
        channels
            .into_iter()
            .map(|channel| NewDelivery {
                channel: channel.to_owned(),
                event_id: event.id.clone(),
                event: json.clone(),
                batch: self.batch.to_owned(),
            })
            .collect()
    }
}

/// The facts every step of one check shares: where it is recorded, whom it notifies, and when
/// it happened.
#[derive(Clone, Copy)]
pub(crate) struct Facts<'a> {
    pub(super) store: &'a StoreHandle,
    pub(super) notes: Notes<'a>,
    pub(super) checked_at: chrono::DateTime<Utc>,
}

/// The advisory a check records about: a configured source, or one country of a feed.
#[derive(Clone, Copy)]
pub(super) struct Target<'a> {
    pub(super) id: SourceId,
    pub(super) name: &'a str,
    pub(super) country: &'a str,
    pub(super) url: &'a str,
    /// Whose advice it is, as configured.
    pub(super) government: Option<&'a str>,
    /// How its page is read, to read a version stored by an older release again; `None` for
    /// a feed's or index's country, whose body is the whole document.
    pub(super) reader: Option<&'a crate::model::profile::Reader>,
}

impl<'a> Target<'a> {
    /// A configured source as the target of its own check.
    pub(super) fn of(source: &'a Source, id: SourceId) -> Target<'a> {
        Target {
            id,
            name: &source.name,
            country: &source.country,
            url: source.url.shown(),
            government: source.government.as_deref(),
            reader: Some(&source.reader),
        }
    }
}

/// The page a version came from, for storage.
pub(super) struct Origin<'a> {
    pub(super) status: u16,
    pub(super) key: Option<String>,
    pub(super) validators: Option<Validators>,
    pub(super) body: Option<Body>,
    pub(super) raw: Option<&'a [u8]>,
}

impl Origin<'_> {
    /// An advisory that is one item of a larger document (a feed's country, a history
    /// entry): its page belongs to the document, not to it.
    pub(super) fn item(status: u16) -> Origin<'static> {
        Origin {
            status,
            key: None,
            validators: None,
            body: None,
            raw: None,
        }
    }
}

/// Records a document that did not read right: an extraction failure, which counts towards
/// the source going dark like any other failure.
pub(super) async fn record_unreadable(
    facts: Facts<'_>,
    target: Target<'_>,
    message: &str,
    status: u16,
    body: Option<Body>,
) -> Result<Checked, StoreError> {
    let Facts {
        store,
        notes,
        checked_at,
    } = facts;
    tracing::warn!(source = %target.name, %message, "extraction failed");
    let record = CheckRecord {
        source: target.id,
        checked_at,
        http_status: Some(status),
        content_hash: None,
        body,
        outcome: Outcome::Failed {
            kind: FailureKind::Extraction,
            message: message.to_owned(),
        },
        deliveries: Vec::new(),
        validators: None,
        dark: notes.dark_watch(target),
    };
    failed(store, record, target.name).await
}

/// Records an advisory that read right: a new version with its change and deliveries, or only
/// a "seen again". Compares again when another process stored a version meanwhile.
pub(super) async fn record_extracted(
    facts: Facts<'_>,
    target: Target<'_>,
    mut latest: Latest,
    extracted: Extracted,
    origin: Origin<'_>,
) -> Result<Checked, StoreError> {
    let Facts {
        store,
        notes,
        checked_at,
    } = facts;
    let mut body = origin.body;
    for _ in 0..STALE_RETRIES {
        if latest
            .snapshot
            .as_ref()
            .is_some_and(|s| s.fields_hash != extracted.advisory.fields_hash())
        {
            previous_advisory(store, &mut latest).await?;
            if let Some(reader) = target.reader {
                reread_previous(store, reader, &mut latest).await?;
            }
        }
        let uid = change_uid(store, target, &latest, &extracted).await?;
        let (mut outcome, change) = compare_with_latest(&latest, &extracted, uid);
        if let Outcome::NewVersion { archived, .. } = &mut outcome {
            *archived = notes.archived;
        }
        let is_new = matches!(outcome, Outcome::NewVersion { .. });
        if is_new && body.is_none() {
            body = origin.raw.map(Body::new);
        }
        let mut deliveries = Vec::new();
        if let (Some((uid, change)), Some(Some(previous))) = (
            &change,
            latest.snapshot.as_ref().map(|s| s.advisory.as_ref()),
        ) {
            let event = Event::for_change(
                uid.clone(),
                About {
                    source: target.name,
                    country: target.country,
                    url: target.url,
                    government: target.government,
                },
                checked_at,
                change,
                &previous.summary,
                &extracted.advisory.summary,
            );
            deliveries.extend(notes.deliveries(&event));
        }
        let record = CheckRecord {
            source: target.id,
            checked_at,
            http_status: Some(origin.status),
            content_hash: origin.key.clone(),
            body: if is_new { body.clone() } else { None },
            outcome,
            deliveries,
            validators: origin.validators.clone(),
            dark: notes.dark_watch(target),
        };
        match store.record(record).await? {
            Recorded::Stale => latest = reload(store, target.id).await?,
            Recorded::Stored {
                change: change_id,
                dark,
                ..
            } => {
                log_dark(target.name, dark);
                return Ok(match (change, change_id, &latest.snapshot) {
                    (Some((uid, change)), Some(change_id), Some(previous)) => {
                        Checked::Changed(Box::new(StoredChange {
                            id: change_id,
                            uid,
                            source: target.name.to_owned(),
                            government: crate::store::government_of(
                                target.government,
                                Some(&extracted.profile),
                            ),
                            country: target.country.to_owned(),
                            url: target.url.to_owned(),
                            detected_at: format_time(checked_at),
                            archived: notes.archived,
                            change,
                            old: previous
                                .advisory
                                .clone()
                                .unwrap_or_else(|| extracted.advisory.clone()),
                            new: extracted.advisory,
                        }))
                    }
                    _ if latest.snapshot.is_none() => Checked::FirstVersion(target.name.to_owned()),
                    _ => Checked::Unchanged,
                });
            }
        }
    }
    Err(StoreError::Corrupt {
        path: store.path().display().to_string(),
        what: "version chain",
        message: format!(
            "source `{}` kept changing under another writer; check again",
            target.name
        ),
    })
}

/// The id a change from `latest` to `extracted` would take ([`Event::change_id`]): derived
/// from the source, both versions' fields and how often the source moved so before, so that
/// twins agree. Empty when the fields are the same (no change).
async fn change_uid(
    store: &StoreHandle,
    target: Target<'_>,
    latest: &Latest,
    extracted: &Extracted,
) -> Result<String, StoreError> {
    let to = extracted.advisory.fields_hash();
    let Some(from) = latest
        .snapshot
        .as_ref()
        .map(|s| s.fields_hash.clone())
        .filter(|from| *from != to)
    else {
        return Ok(String::new());
    };
    let id = target.id;
    let (from_hash, to_hash) = (from.clone(), to.clone());
    let occurrence = store
        .call(move |s| s.transition_count(id, &from_hash, &to_hash))
        .await?;
    Ok(Event::change_id(target.name, &from, &to, occurrence))
}

/// What a check of `extracted` stores after `latest`; a change is named `uid`.
pub(super) fn compare_with_latest(
    latest: &Latest,
    extracted: &Extracted,
    uid: String,
) -> (Outcome, Option<(String, Change)>) {
    match &latest.snapshot {
        Some(snapshot) if snapshot.fields_hash == extracted.advisory.fields_hash() => (
            Outcome::Unchanged {
                snapshot: snapshot.id,
            },
            None,
        ),
        previous => {
            let change = previous
                .as_ref()
                .and_then(|p| p.advisory.as_ref().map(|a| (a, p.reader)))
                .and_then(|(p, reader)| {
                    diff::compare(p, &extracted.advisory).filter(|change| {
                        // A version read by an older reader: what differs may be only how this
                        // release reads the same page. Levels were read right before, so a
                        // level move is still the publisher's; anything else is taken as a
                        // re-reading and stored without a change.
                        reader >= extract::READER_VERSION
                            || change.level_changed()
                            || change.withdrawn
                            || change.published
                    })
                })
                .map(|change| (uid, change));
            (
                Outcome::NewVersion {
                    previous: previous.as_ref().map(|p| p.id),
                    profile: extracted.profile.clone(),
                    advisory: extracted.advisory.clone(),
                    change: change.clone(),
                    archived: false,
                },
                change,
            )
        }
    }
}

/// The fields of the latest version, loaded on first use and kept in `latest`.
pub(super) async fn previous_advisory(
    store: &StoreHandle,
    latest: &mut Latest,
) -> Result<Option<crate::model::advisory::Advisory>, StoreError> {
    let Some(snapshot) = latest.snapshot.as_mut() else {
        return Ok(None);
    };
    if snapshot.advisory.is_none() {
        let id = snapshot.id;
        snapshot.advisory = Some(store.call(move |s| s.advisory(id)).await?);
    }
    Ok(snapshot.advisory.clone())
}

/// A version an older release read is read again from its stored body with this release's
/// reader, so that the comparison is like with like: a level this release reads otherwise on
/// the same bytes is the reader's correction, never the publisher's move. Kept as it was when
/// the body is not stored or no longer reads.
pub(super) async fn reread_previous(
    store: &StoreHandle,
    reader: &crate::model::profile::Reader,
    latest: &mut Latest,
) -> Result<(), StoreError> {
    let Some(snapshot) = latest.snapshot.as_mut() else {
        return Ok(());
    };
    if snapshot.reader >= extract::READER_VERSION || reader.has_items() {
        return Ok(());
    }
    let id = snapshot.id;
    let Some(raw) = store.call(move |s| s.snapshot_body(id)).await? else {
        return Ok(());
    };
    let reader = reader.clone();
    let reread = tokio::task::spawn_blocking(move || {
        let text = crate::net::fetch::decode(&raw, None);
        match extract::read_document(&reader, &text) {
            Ok(Document::One(Ok(extracted))) => Some(extracted.advisory),
            _ => None,
        }
    })
    .await
    .expect("reading never panics");
    if let Some(advisory) = reread {
        snapshot.advisory = Some(advisory);
        snapshot.reader = extract::READER_VERSION;
    }
    Ok(())
}

pub(super) async fn reload(store: &StoreHandle, id: SourceId) -> Result<Latest, StoreError> {
    let mut map = store.call(move |s| s.latest(&[id])).await?;
    Ok(map.remove(&id).unwrap_or_else(Latest::never_checked))
}

/// The one line that tells an operator a source went dark, is still dark, or is back.
pub(super) fn log_dark(source: &str, turn: Option<DarkTurn>) {
    match turn {
        Some(DarkTurn::Alerted) => {
            tracing::error!(source = %source, "source has gone dark; source_failure alert queued")
        }
        Some(DarkTurn::Reminded) => {
            tracing::warn!(source = %source, "source is still dark; reminder queued")
        }
        Some(DarkTurn::Recovered) => {
            tracing::info!(source = %source, "source reads again; source_recovered queued")
        }
        None => {}
    }
}

pub(super) async fn failed(
    store: &StoreHandle,
    record: CheckRecord,
    source: &str,
) -> Result<Checked, StoreError> {
    let Outcome::Failed { kind, message } = record.outcome.clone() else {
        unreachable!("failed() is given failures only");
    };
    if let Recorded::Stored { dark, .. } = store.record(record).await? {
        log_dark(source, dark);
    }
    Ok(Checked::Failed(SourceFailure {
        source: source.to_owned(),
        kind,
        message,
    }))
}
