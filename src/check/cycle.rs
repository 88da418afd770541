//! One check cycle, and re-extraction of stored pages.
//!
//! This module owns the pipeline of a cycle: fetch every selected source (at most
//! `fetch.concurrency` at once), skip extraction when the body and profiles are those of the
//! last check, extract on the blocking pool, compare with the latest stored version, and record
//! each check through the store's thread in one transaction. A source that fails is a value in
//! the [`CycleReport`]; it never stops the cycle. `reprocess` runs stored bodies through the
//! same extract-and-compare steps without fetching.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::Utc;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;

use crate::config::Source;
use crate::config::channels::NotifySettings;
use crate::model::diff::{self, Change};
use crate::net::fetch::{Fetched, Fetcher, Validators};
use crate::notify::{self, Event};
use crate::read::document::{Document, Extracted};
use crate::read::extract;
use crate::store::event::{About, DarkTurn, Outage};

use super::items::check_items;
use crate::store::{
    Body, CheckRecord, DarkWatch, FailureKind, Latest, NewDelivery, Outcome, Recorded, SourceId,
    SourceSpec, StoreError, StoreHandle, StoredChange, content_hash, format_time,
};

pub use crate::store::cycle::{CycleReport, Reprocessed, SourceFailure};

/// How often a check is compared again when another process stored a version meanwhile.
const STALE_RETRIES: usize = 3;

/// How many checks may wait for the database for each one fetching or reading: enough to fill
/// a group commit, few enough that their pages stay a small part of the memory.
const AWAITING_STORE_PER_SLOT: usize = 3;

/// A place among the checks that fetch and read at once (`fetch.concurrency`), held from the
/// request until the page is read; `None` outside a cycle (`import`, `backfill`).
pub(crate) type Slot = Option<OwnedSemaphorePermit>;

pub(crate) enum Checked {
    Unchanged,
    FirstVersion(String),
    Changed(Box<StoredChange>),
    Failed(SourceFailure),
}

/// Retires the stored sources that the configuration (all of `configured`) no longer names:
/// their history stays, but they leave the overview, `status` and the dashboard. A source named
/// again comes back.
pub async fn retire_unconfigured(
    store: &StoreHandle,
    configured: &[Arc<Source>],
) -> Result<usize, StoreError> {
    let names: Vec<String> = configured.iter().map(|s| s.name.clone()).collect();
    store
        .call(move |store| store.retire_unconfigured(&names))
        .await
}

/// Makes the sources known to the database and returns their ids.
pub async fn register_sources(
    store: &StoreHandle,
    sources: &[Arc<Source>],
) -> Result<HashMap<String, SourceId>, StoreError> {
    let specs: Vec<SourceSpec> = sources
        .iter()
        .map(|s| SourceSpec {
            name: s.name.clone(),
            country: s.country.clone(),
            // Redacted; empty (what is stored stays) when its `url_env` is not set.
            url: s.url.stored().unwrap_or_default().to_owned(),
            government: s.government.clone(),
            collection: s.reader.has_items(),
        })
        .collect();
    store.call(move |store| store.sync_sources(&specs)).await
}

/// What a cycle needs besides its sources.
#[derive(Clone)]
pub struct Checker {
    /// The HTTP client.
    pub fetcher: Fetcher,
    /// The database.
    pub store: StoreHandle,
    /// Pages fetched at once.
    pub concurrency: usize,
    /// Channels whose deliveries are queued with each change.
    pub notify: Arc<NotifySettings>,
}

/// What a cycle knows before its first request: each source's id, and its latest version and
/// validators.
pub struct Prepared {
    ids: HashMap<String, SourceId>,
    latest: HashMap<SourceId, Latest>,
}

/// Registers the sources in the database and loads their latest state: the part of a cycle
/// that needs only the database, so that it can run while the HTTP client is being built.
pub async fn prepare(sources: &[Arc<Source>], store: &StoreHandle) -> Result<Prepared, StoreError> {
    let ids = register_sources(store, sources).await?;
    let id_list: Vec<SourceId> = sources.iter().map(|s| ids[&s.name]).collect();
    let latest = store.call(move |store| store.latest(&id_list)).await?;
    Ok(Prepared { ids, latest })
}

/// Checks the given sources once. Only a database failure is an error; a source's failure is
/// part of the report. Deliveries for matching channels are queued in the same transaction as
/// the change (or broken source) they announce. A feed or index source reports each of its
/// countries as a source of its own, named `<source>/<country key>`.
pub async fn check(sources: &[Arc<Source>], checker: &Checker) -> Result<CycleReport, StoreError> {
    check_in_batch(sources, checker, &Event::new_id()).await
}

/// [`check`], with the sources already [`prepare`]d.
pub async fn check_prepared(
    sources: &[Arc<Source>],
    prepared: Prepared,
    checker: &Checker,
) -> Result<CycleReport, StoreError> {
    run_cycle(sources, prepared, checker, &Event::new_id()).await
}

/// [`check`], with the deliveries queued under `batch`: the daemon checks each source on its
/// own, and gives the sources due at one tick one batch, so that a digest channel still gets
/// them in one message.
pub async fn check_in_batch(
    sources: &[Arc<Source>],
    checker: &Checker,
    batch: &str,
) -> Result<CycleReport, StoreError> {
    let prepared = prepare(sources, &checker.store).await?;
    run_cycle(sources, prepared, checker, batch).await
}

async fn run_cycle(
    sources: &[Arc<Source>],
    prepared: Prepared,
    checker: &Checker,
    batch: &str,
) -> Result<CycleReport, StoreError> {
    let batch = batch.to_owned();
    let Prepared { ids, mut latest } = prepared;

    // At most `concurrency` checks fetch and read at once. A check gives its slot back when
    // only the database's answer is left to wait for, so that a commit or a checkpoint never
    // leaves the network and the cores idle; at most `AWAITING_STORE_PER_SLOT` times as many
    // wait for the database, and only checks under way hold memory.
    let concurrency = checker.concurrency.max(1);
    let slots = Arc::new(Semaphore::new(concurrency));
    let in_flight = concurrency * (1 + AWAITING_STORE_PER_SLOT);
    let mut tasks = JoinSet::new();
    let mut queue = sources.iter().enumerate().peekable();
    let mut results: Vec<(usize, Vec<Checked>)> = Vec::with_capacity(sources.len());
    loop {
        let room = tasks.len() < in_flight && queue.peek().is_some();
        let slot = tokio::select! {
            // A free slot first: results are collected while every slot is taken.
            biased;
            slot = Arc::clone(&slots).acquire_owned(), if room => {
                Some(slot.expect("the slots are never closed"))
            }
            joined = tasks.join_next() => {
                // Nothing under way: all slots are free, so the queue is done.
                let Some(joined) = joined else { break };
                let (index, checked) = joined.expect("a check task never panics");
                results.push((index, checked?));
                None
            }
        };
        let Some(slot) = slot else { continue };
        let (index, source) = queue.next().expect("peeked above");
        let id = ids[&source.name];
        let state = latest.remove(&id).unwrap_or_else(Latest::never_checked);
        let (source, checker, batch) = (Arc::clone(source), checker.clone(), batch.clone());
        // Boxed: a check's state is kilobytes, which the task would otherwise copy at each of
        // its steps (spawn, poll, completion).
        tasks.spawn(Box::pin(async move {
            let notes = Notes {
                notify: &checker.notify,
                batch: &batch,
                archived: false,
            };
            let (fetcher, store) = (&checker.fetcher, &checker.store);
            let checked = check_source(&source, id, state, fetcher, store, notes, Some(slot)).await;
            (index, checked)
        }));
    }
    results.sort_by_key(|(index, _)| *index);

    let mut report = CycleReport {
        checked: results.len(),
        ..CycleReport::default()
    };
    for checked in results.into_iter().flat_map(|(_, checked)| checked) {
        match checked {
            Checked::Unchanged => report.unchanged += 1,
            Checked::FirstVersion(name) => report.first_versions.push(name),
            Checked::Changed(change) => report.changes.push(*change),
            Checked::Failed(failure) => report.failures.push(failure),
        }
    }
    Ok(report)
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

async fn check_source(
    source: &Arc<Source>,
    id: SourceId,
    latest: Latest,
    fetcher: &Fetcher,
    store: &StoreHandle,
    notes: Notes<'_>,
    slot: Slot,
) -> Result<Vec<Checked>, StoreError> {
    let checked_at = Utc::now();
    let target = Target::of(source, id);
    let has_items = source.reader.has_items();
    let profiles_key = &source.reader_key;
    // A conditional request only when the last check read the document right with these
    // profiles: a 304 then means "what you have".
    let validators = (latest.state == "ok"
        && (latest.snapshot.is_some() || has_items)
        && !latest.validators.is_empty()
        && latest
            .content_hash
            .as_deref()
            .is_some_and(|key| key.ends_with(profiles_key.as_str())))
    .then(|| latest.validators.clone());
    match fetcher.get_source(source, validators.as_ref()).await {
        Ok(Fetched::Page(page)) => {
            let facts = Facts {
                store,
                notes,
                checked_at,
            };
            process_page(source, id, latest, page, facts, slot).await
        }
        Ok(Fetched::NotModified) => {
            drop(slot);
            // A stale record means another process stored a version meanwhile; it reported it.
            unchanged(
                Facts {
                    store,
                    notes,
                    checked_at,
                },
                target,
                &latest,
                304,
                None,
                None,
                has_items,
            )
            .await?;
            Ok(vec![Checked::Unchanged])
        }
        Err(error) => {
            drop(slot);
            let kind = if error.http_status().is_some() {
                FailureKind::Http
            } else {
                FailureKind::Fetch
            };
            tracing::warn!(source = %source.name, %error, "check failed");
            let record = CheckRecord {
                source: id,
                checked_at,
                http_status: error.http_status(),
                content_hash: None,
                body: None,
                outcome: Outcome::Failed {
                    kind,
                    message: error.to_string(),
                },
                deliveries: Vec::new(),
                validators: None,
                dark: notes.dark_watch(target),
            };
            Ok(vec![failed(store, record, &source.name).await?])
        }
    }
}

/// Processes a page of a source as a check does after fetching it: skip it when it is the
/// last one, read it, compare, record. `import` feeds archived pages through here too.
pub(super) async fn process_page(
    source: &Arc<Source>,
    id: SourceId,
    mut latest: Latest,
    page: crate::net::fetch::Page,
    facts: Facts<'_>,
    slot: Slot,
) -> Result<Vec<Checked>, StoreError> {
    let Facts { store, .. } = facts;
    let target = Target::of(source, id);
    let has_items = source.reader.has_items();
    let profiles_key = &source.reader_key;
    let key = format!("{}:{profiles_key}", content_hash(&page.bytes));
    let status = page.status;
    if latest.content_hash.as_deref() == Some(key.as_str())
        && (latest.snapshot.is_some() || has_items)
    {
        let validators = Some(page.validators.clone());
        let stored = unchanged(
            facts,
            target,
            &latest,
            status,
            Some(key.clone()),
            validators,
            has_items,
        )
        .await?;
        if stored {
            return Ok(vec![Checked::Unchanged]);
        }
        latest = reload(store, id).await?;
    }
    if has_items {
        return check_items(source, id, &latest, page, key, facts).await;
    }

    let reader = source.reader.clone();
    let known_hash = latest.snapshot.as_ref().map(|s| s.fields_hash.clone());
    let (extraction, same_fields, body, raw, page_validators) =
        tokio::task::spawn_blocking(move || {
            let extraction = match extract::read_document(&reader, &page.text) {
                Ok(Document::One(outcome)) => outcome,
                Ok(Document::Many(_)) => Err("the document holds many advisories".to_owned()),
                Err(message) => Err(message),
            };
            let same_fields = matches!(
                (&extraction, &known_hash),
                (Ok(e), Some(hash)) if &e.advisory.fields_hash() == hash
            );
            let body = (!same_fields).then(|| Body::new(&page.bytes));
            (extraction, same_fields, body, page.bytes, page.validators)
        })
        .await
        .expect("extraction never panics");
    // What is left is the database's: another check may fetch and read meanwhile.
    drop(slot);
    let mut latest = latest;
    let extraction = match extraction {
        Ok(extracted) if !same_fields && latest.snapshot.is_some() => {
            // A page that suddenly lost most of what it said is more likely broken than
            // rewritten: no change until it reads right again.
            let previous = previous_advisory(store, &mut latest).await?;
            match previous.and_then(|p| extract::lost_too_much(&p, &extracted.advisory)) {
                Some(why) => Err(why),
                None => Ok(extracted),
            }
        }
        other => other,
    };

    let checked = match extraction {
        Ok(extracted) => {
            let origin = Origin {
                status,
                key: Some(key),
                validators: Some(page_validators),
                body,
                raw: Some(&raw),
            };
            record_extracted(facts, target, latest, extracted, origin).await?
        }
        Err(message) => {
            let body = body.unwrap_or_else(|| Body::new(&raw));
            record_unreadable(facts, target, &message, status, Some(body)).await?
        }
    };
    Ok(vec![checked])
}

/// Records a check that found what the last one found: a 304, or the same body. Returns
/// false, writing nothing, when another process stored a newer version meanwhile.
async fn unchanged(
    facts: Facts<'_>,
    target: Target<'_>,
    latest: &Latest,
    status: u16,
    key: Option<String>,
    validators: Option<Validators>,
    has_items: bool,
) -> Result<bool, StoreError> {
    let Facts {
        store,
        notes,
        checked_at,
    } = facts;
    let outcome = match (&latest.snapshot, has_items) {
        (Some(snapshot), false) => Outcome::Unchanged {
            snapshot: snapshot.id,
        },
        _ => Outcome::Fetched,
    };
    let record = CheckRecord {
        source: target.id,
        checked_at,
        http_status: Some(status),
        content_hash: key,
        body: None,
        outcome,
        deliveries: Vec::new(),
        validators,
        dark: notes.dark_watch(target),
    };
    if !has_items {
        // A page: its record alone, committed together with the checks waiting with it.
        return Ok(store.record(record).await? != Recorded::Stale);
    }
    let name = target.name.to_owned();
    let recorded = store
        .call(move |s| {
            let recorded = s.record(&record)?;
            if recorded != Recorded::Stale {
                s.touch_children(&name, record.checked_at)?;
            }
            Ok(recorded)
        })
        .await?;
    Ok(recorded != Recorded::Stale)
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
