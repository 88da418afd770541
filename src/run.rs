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
use serde::Serialize;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::config::Source;
use crate::diff::{self, Change};
use crate::extract::{self, Extracted};
use crate::fetch::{Fetched, Fetcher};
use crate::notify::{Event, NotifySettings};
use crate::store::{
    Body, CheckRecord, FailureKind, Latest, NewDelivery, Outcome, RebuiltFailure, RebuiltVersion,
    Recorded, SourceId, SourceSpec, StoreError, StoreHandle, StoredChange, content_hash,
    format_time,
};

/// How often a check is compared again when another process stored a version meanwhile.
const STALE_RETRIES: usize = 3;

/// A source whose check failed.
#[derive(Debug, Clone, Serialize)]
pub struct SourceFailure {
    /// The source's name.
    pub source: String,
    /// fetch, http or extraction.
    pub kind: FailureKind,
    /// What went wrong, with the URL or selector.
    pub message: String,
}

/// What one cycle found.
#[derive(Debug, Clone, Default)]
pub struct CycleReport {
    /// Sources checked.
    pub checked: usize,
    /// Changes, in configuration order.
    pub changes: Vec<StoredChange>,
    /// Failures, in configuration order.
    pub failures: Vec<SourceFailure>,
    /// Sources whose first version was stored (no change to report yet).
    pub first_versions: Vec<String>,
    /// Sources checked without a change.
    pub unchanged: usize,
}

enum Checked {
    Unchanged,
    FirstVersion,
    Changed(Box<StoredChange>),
    Failed(SourceFailure),
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
            url: s.url.to_string(),
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

/// Checks the given sources once. Only a database failure is an error; a source's failure is
/// part of the report. Deliveries for matching channels are queued in the same transaction as
/// the change (or broken source) they announce.
pub async fn check(sources: &[Arc<Source>], checker: &Checker) -> Result<CycleReport, StoreError> {
    let (store, concurrency) = (&checker.store, checker.concurrency);
    let batch = Event::new_id();
    let ids = register_sources(store, sources).await?;
    let id_list: Vec<SourceId> = sources.iter().map(|s| ids[&s.name]).collect();
    let mut latest = store.call(move |store| store.latest(&id_list)).await?;

    let permits = Arc::new(Semaphore::new(concurrency.max(1)));
    let mut tasks = JoinSet::new();
    for (index, source) in sources.iter().enumerate() {
        let id = ids[&source.name];
        let state = latest.remove(&id).unwrap_or_else(empty_latest);
        let (source, checker, permits, batch) = (
            Arc::clone(source),
            checker.clone(),
            Arc::clone(&permits),
            batch.clone(),
        );
        tasks.spawn(async move {
            let _permit = permits
                .acquire_owned()
                .await
                .expect("the semaphore is never closed");
            let notes = Notes {
                notify: &checker.notify,
                batch: &batch,
            };
            let checked =
                check_source(&source, id, state, &checker.fetcher, &checker.store, notes).await;
            (index, checked)
        });
    }

    let mut results: Vec<(usize, Checked)> = Vec::with_capacity(sources.len());
    while let Some(joined) = tasks.join_next().await {
        let (index, checked) = joined.expect("a check task never panics");
        results.push((index, checked?));
    }
    results.sort_by_key(|(index, _)| *index);

    let mut report = CycleReport {
        checked: results.len(),
        ..CycleReport::default()
    };
    for (index, checked) in results {
        match checked {
            Checked::Unchanged => report.unchanged += 1,
            Checked::FirstVersion => report.first_versions.push(sources[index].name.clone()),
            Checked::Changed(change) => report.changes.push(*change),
            Checked::Failed(failure) => report.failures.push(failure),
        }
    }
    Ok(report)
}

/// A fingerprint of a source's profiles. With the body's hash it identifies "the same page read
/// the same way": when that equals the last check's, extraction is skipped, and only then is a
/// conditional request made.
fn profiles_key(source: &Source) -> String {
    let mut profiles = String::new();
    for profile in &source.profiles {
        profiles.push_str(&format!("{profile:?}"));
    }
    content_hash(profiles.as_bytes())
}

fn empty_latest() -> Latest {
    Latest {
        snapshot: None,
        content_hash: None,
        state: "new".to_owned(),
        validators: crate::fetch::Validators::default(),
    }
}

/// The channels and cycle batch that deliveries are queued for.
#[derive(Clone, Copy)]
struct Notes<'a> {
    notify: &'a NotifySettings,
    batch: &'a str,
}

impl Notes<'_> {
    /// Deliveries of `event` to every channel whose filter accepts it.
    fn deliveries(&self, event: &Event) -> Vec<NewDelivery> {
        let channels: Vec<&str> = self
            .notify
            .channels
            .iter()
            .filter(|c| c.filter.accepts(event))
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

async fn check_source(
    source: &Arc<Source>,
    id: SourceId,
    mut latest: Latest,
    fetcher: &Fetcher,
    store: &StoreHandle,
    notes: Notes<'_>,
) -> Result<Checked, StoreError> {
    let checked_at = Utc::now();
    let profiles_key = profiles_key(source);
    // A conditional request only when the last check read the page right with these profiles:
    // a 304 then means "the version you have".
    let validators = (latest.state == "ok"
        && latest.snapshot.is_some()
        && !latest.validators.is_empty()
        && latest
            .content_hash
            .as_deref()
            .is_some_and(|key| key.ends_with(&profiles_key)))
    .then(|| latest.validators.clone());
    let page = match fetcher.get(&source.url, validators.as_ref()).await {
        Ok(Fetched::Page(page)) => page,
        Ok(Fetched::NotModified) => {
            let snapshot = latest
                .snapshot
                .as_ref()
                .expect("validators are sent only with a stored version")
                .id;
            let record = CheckRecord {
                source: id,
                checked_at,
                http_status: Some(304),
                content_hash: None,
                body: None,
                outcome: Outcome::Unchanged { snapshot },
                deliveries: Vec::new(),
                validators: None,
            };
            // Stale: another process stored a newer version meanwhile; it reported it.
            store.call(move |s| s.record(&record)).await?;
            return Ok(Checked::Unchanged);
        }
        Err(error) => {
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
            };
            return failed(store, record, &source.name).await;
        }
    };

    let key = format!("{}:{profiles_key}", content_hash(&page.bytes));
    let page_validators = page.validators.clone();
    let status = page.status;
    if latest.content_hash.as_deref() == Some(key.as_str())
        && let Some(snapshot) = &latest.snapshot
    {
        let record = CheckRecord {
            source: id,
            checked_at,
            http_status: Some(status),
            content_hash: Some(key.clone()),
            body: None,
            outcome: Outcome::Unchanged {
                snapshot: snapshot.id,
            },
            deliveries: Vec::new(),
            validators: Some(page_validators.clone()),
        };
        if store.call(move |s| s.record(&record)).await? != Recorded::Stale {
            return Ok(Checked::Unchanged);
        }
        latest = reload(store, id).await?;
    }

    let profiles = source.profiles.clone();
    let known = latest
        .snapshot
        .as_ref()
        .map(|s| (s.fields_hash.clone(), s.advisory.clone()));
    let (extraction, body, raw) = tokio::task::spawn_blocking(move || {
        let extraction = extract::extract(&page.text, &profiles)
            .map_err(|failure| failure.to_string())
            .and_then(|extracted| {
                // A page that suddenly lost most of what it said is more likely broken than
                // rewritten: no change until it reads right again.
                match known
                    .as_ref()
                    .and_then(|(_, previous)| extract::lost_too_much(previous, &extracted.advisory))
                {
                    Some(why) => Err(why),
                    None => Ok(extracted),
                }
            });
        let same_fields = matches!(
            (&extraction, &known),
            (Ok(e), Some((hash, _))) if &e.advisory.fields_hash() == hash
        );
        let body = (!same_fields).then(|| Body::new(&page.bytes));
        (extraction, body, page.bytes)
    })
    .await
    .expect("extraction never panics");

    let extracted = match extraction {
        Ok(found) => found,
        Err(message) => {
            tracing::warn!(source = %source.name, %message, "extraction failed");
            // Operators hear of a broken source once, when it breaks.
            let deliveries = if latest.state == "broken" {
                Vec::new()
            } else {
                let event = Event::for_extraction(
                    &source.name,
                    &source.country,
                    source.url.as_str(),
                    checked_at,
                    false,
                    &message,
                );
                notes.deliveries(&event)
            };
            let record = CheckRecord {
                source: id,
                checked_at,
                http_status: Some(status),
                content_hash: None,
                body: Some(body.unwrap_or_else(|| Body::new(&raw))),
                outcome: Outcome::Failed {
                    kind: FailureKind::Extraction,
                    message,
                },
                deliveries,
                validators: None,
            };
            return failed(store, record, &source.name).await;
        }
    };

    let mut body = body;
    for _ in 0..STALE_RETRIES {
        let (outcome, change) = compare_with_latest(&latest, &extracted);
        let is_new = matches!(outcome, Outcome::NewVersion { .. });
        if is_new && body.is_none() {
            body = Some(Body::new(&raw));
        }
        let mut deliveries = Vec::new();
        if let (Some((uid, change)), Some(previous)) = (&change, &latest.snapshot) {
            let event = Event::for_change(
                uid.clone(),
                &source.name,
                &source.country,
                source.url.as_str(),
                checked_at,
                change,
                &previous.advisory.summary,
                &extracted.advisory.summary,
            );
            deliveries.extend(notes.deliveries(&event));
        }
        if latest.state == "broken" {
            let event = Event::for_extraction(
                &source.name,
                &source.country,
                source.url.as_str(),
                checked_at,
                true,
                "",
            );
            deliveries.extend(notes.deliveries(&event));
        }
        let record = CheckRecord {
            source: id,
            checked_at,
            http_status: Some(status),
            content_hash: Some(key.clone()),
            body: if is_new { body.clone() } else { None },
            outcome,
            deliveries,
            validators: Some(page_validators.clone()),
        };
        match store.call(move |s| s.record(&record)).await? {
            Recorded::Stale => latest = reload(store, id).await?,
            Recorded::Stored {
                change: change_id, ..
            } => {
                return Ok(match (change, change_id, &latest.snapshot) {
                    (Some((_, change)), Some(change_id), Some(previous)) => {
                        tracing::info!(source = %source.name, headline = %change.headline, "change detected");
                        Checked::Changed(Box::new(StoredChange {
                            id: change_id,
                            source: source.name.clone(),
                            country: source.country.clone(),
                            url: source.url.to_string(),
                            detected_at: format_time(checked_at),
                            change,
                            old: previous.advisory.clone(),
                            new: extracted.advisory,
                        }))
                    }
                    _ if latest.snapshot.is_none() => Checked::FirstVersion,
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
            source.name
        ),
    })
}

fn compare_with_latest(
    latest: &Latest,
    extracted: &Extracted,
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
                .and_then(|p| diff::compare(&p.advisory, &extracted.advisory))
                .map(|change| (Event::new_id(), change));
            (
                Outcome::NewVersion {
                    previous: previous.as_ref().map(|p| p.id),
                    profile: extracted.profile.clone(),
                    advisory: extracted.advisory.clone(),
                    change: change.clone(),
                },
                change,
            )
        }
    }
}

async fn reload(store: &StoreHandle, id: SourceId) -> Result<Latest, StoreError> {
    let mut map = store.call(move |s| s.latest(&[id])).await?;
    Ok(map.remove(&id).unwrap_or_else(empty_latest))
}

async fn failed(
    store: &StoreHandle,
    record: CheckRecord,
    source: &str,
) -> Result<Checked, StoreError> {
    let Outcome::Failed { kind, message } = record.outcome.clone() else {
        unreachable!("failed() is given failures only");
    };
    store.call(move |s| s.record(&record)).await?;
    Ok(Checked::Failed(SourceFailure {
        source: source.to_owned(),
        kind,
        message,
    }))
}

/// What `reprocess` did to one source.
#[derive(Debug, Clone, Serialize)]
pub struct Reprocessed {
    /// The source.
    pub source: String,
    /// Stored bodies re-read.
    pub pages: usize,
    /// Versions before.
    pub versions_before: usize,
    /// Versions after.
    pub versions_after: usize,
    /// Pages that still do not read.
    pub failures: usize,
}

/// Re-extracts every stored body of a source with its current profiles and rebuilds its
/// versions and changes, in one transaction.
pub async fn reprocess(
    source: &Arc<Source>,
    store: &StoreHandle,
) -> Result<Reprocessed, StoreError> {
    let ids = register_sources(store, std::slice::from_ref(source)).await?;
    let id = ids[&source.name];
    let profiles = source.profiles.clone();
    let name = source.name.clone();
    store
        .call(move |store| {
            let versions_before = store.snapshots(id)?.len();
            let observations = store.observations(id)?;
            let pages = observations.len();
            let mut versions: Vec<RebuiltVersion> = Vec::new();
            let mut failures: Vec<RebuiltFailure> = Vec::new();
            for observation in observations {
                let text = crate::fetch::decode(&observation.raw, None);
                match extract::extract(&text, &profiles) {
                    Ok(extracted) => {
                        let previous = versions.last();
                        if previous.is_some_and(|p| p.advisory == extracted.advisory) {
                            if let Some(last) = versions.last_mut() {
                                last.observation.last_seen_at = observation.last_seen_at;
                            }
                            continue;
                        }
                        let change =
                            previous.and_then(|p| diff::compare(&p.advisory, &extracted.advisory));
                        versions.push(RebuiltVersion {
                            observation,
                            profile: extracted.profile,
                            advisory: extracted.advisory,
                            change,
                        });
                    }
                    Err(failure) => failures.push(RebuiltFailure {
                        observation,
                        message: failure.to_string(),
                    }),
                }
            }
            store.replace_history(id, &versions, &failures)?;
            Ok(Reprocessed {
                source: name,
                pages,
                versions_before,
                versions_after: versions.len(),
                failures: failures.len(),
            })
        })
        .await
}
