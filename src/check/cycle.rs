//! One check cycle, and re-extraction of stored pages.
//!
//! This module owns the pipeline of a cycle: fetch every selected source (at most
//! `fetch.concurrency` at once), skip extraction when the body and profiles are those of the
//! last check, extract on the blocking pool, compare with the latest stored version, and record
//! each check through the store's thread in one transaction. A source that fails is a value in
//! the [`CycleReport`]; it never stops the cycle. `reprocess` runs stored bodies through the
//! same extract-and-compare steps without fetching. Recording what a check read, which a feed's
//! countries (`items`), `import` and `backfill` share, is `steps`'.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::Utc;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;

use crate::config::Source;
use crate::config::channels::NotifySettings;
use crate::net::fetch::{Fetched, Fetcher, Validators};
use crate::notify::Event;
use crate::read::document::Document;
use crate::read::extract;

use super::items::check_items;
use super::steps::{
    Checked, Facts, Notes, Origin, Target, failed, previous_advisory, record_extracted,
    record_unreadable, reload,
};
use crate::store::{
    Body, CheckRecord, FailureKind, Latest, Outcome, Recorded, SourceId, SourceSpec, StoreError,
    StoreHandle, content_hash,
};

pub use crate::store::cycle::{CycleReport, Reprocessed, SourceFailure};

/// How many checks may wait for the database for each one fetching or reading: enough to fill
/// a group commit, few enough that their pages stay a small part of the memory.
const AWAITING_STORE_PER_SLOT: usize = 3;

/// A place among the checks that fetch and read at once (`fetch.concurrency`), held from the
/// request until the page is read; `None` outside a cycle (`import`, `backfill`).
pub(crate) type Slot = Option<OwnedSemaphorePermit>;

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
