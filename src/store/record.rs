//! What one check writes: the sources' rows, the latest version of each, and the write of a
//! check as one transaction (its version, its change and the change's deliveries, with a guard
//! against a version stored meanwhile by another process); compressed, content-addressed
//! bodies; and the rebuilding of a history by `reprocess`.

use super::*;
use crate::config::channels::DarkRule;
use crate::config::source_url::redact_urls_in;
use crate::store::event::{About, DarkTurn, Event, Outage};

/// A page's HTTP validators, sent back on the next request so that an unchanged page costs a
/// 304 and no download.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validators {
    /// The `ETag` header.
    pub etag: Option<String>,
    /// The `Last-Modified` header.
    pub last_modified: Option<String>,
}

impl Validators {
    /// Whether there is anything to send.
    pub fn is_empty(&self) -> bool {
        self.etag.is_none() && self.last_modified.is_none()
    }
}

/// A page body ready to store: its hash, size and compressed bytes.
#[derive(Debug, Clone)]
pub struct Body {
    /// Hash of the raw bytes.
    pub hash: String,
    /// Size of the raw bytes.
    pub size: usize,
    /// The raw bytes, compressed with [`CODEC`].
    pub packed: Vec<u8>,
}

/// How bodies are compressed now: LZ4 (a block with its size in front), several times faster
/// than deflate on a cold cycle. Rows written before migration 6 say `deflate` and stay
/// readable.
pub const CODEC: &str = "lz4";

impl Body {
    /// Hashes and compresses raw page bytes. CPU work: call it off the async runtime.
    pub fn new(raw: &[u8]) -> Body {
        Body {
            hash: content_hash(raw),
            size: raw.len(),
            packed: lz4_flex::compress_prepend_size(raw),
        }
    }

    /// The raw bytes of a stored body, whatever codec wrote it.
    pub fn unpack(codec: &str, packed: &[u8]) -> Result<Vec<u8>, String> {
        match codec {
            "lz4" => lz4_flex::decompress_size_prepended(packed).map_err(|e| e.to_string()),
            "deflate" => {
                let mut raw = Vec::with_capacity(packed.len() * 4);
                flate2::read::DeflateDecoder::new(packed)
                    .read_to_end(&mut raw)
                    .map_err(|e| e.to_string())?;
                Ok(raw)
            }
            other => Err(format!(
                "the body is compressed with `{other}`, which this version does not read"
            )),
        }
    }
}

/// The hash that identifies a page body.
pub fn content_hash(raw: &[u8]) -> String {
    format!("{:032x}", xxhash_rust::xxh3::xxh3_128(raw))
}

/// The source as the configuration names it, for [`Store::sync_sources`].
#[derive(Debug, Clone, Default)]
pub struct SourceSpec {
    /// Unique name.
    pub name: String,
    /// Country.
    pub country: String,
    /// URL, as it may be shown (credentials redacted); empty when it is not known (its
    /// `url_env` is not set), which keeps the stored one.
    pub url: String,
    /// The government whose advice it is, as its configuration or profile names it.
    pub government: Option<String>,
    /// A feed or index: its countries are sources of their own (`<name>/<key>`).
    pub collection: bool,
}

/// What the store knows of a source's latest state, loaded once per cycle.
#[derive(Debug, Clone)]
pub struct Latest {
    /// The latest version, if any.
    pub snapshot: Option<LatestSnapshot>,
    /// Hash of the last body fetched successfully.
    pub content_hash: Option<String>,
    /// The source's state: `new`, `ok`, `failing` or `broken`.
    pub state: String,
    /// The validators of the last page that read right, for a conditional request.
    pub validators: Validators,
    /// Whether any check of it ever succeeded.
    pub ever_succeeded: bool,
}

impl Latest {
    /// The state of a source no check has reached yet.
    pub fn never_checked() -> Latest {
        Latest {
            snapshot: None,
            content_hash: None,
            state: "new".to_owned(),
            validators: Validators::default(),
            ever_succeeded: false,
        }
    }

    /// Whether no check of the source ever succeeded: its next success is its baseline.
    pub fn last_success_never(&self) -> bool {
        !self.ever_succeeded
    }
}

/// The latest version of a source.
#[derive(Debug, Clone)]
pub struct LatestSnapshot {
    /// Its id.
    pub id: SnapshotId,
    /// Hash of its extracted fields.
    pub fields_hash: String,
    /// Its fields, loaded only when a comparison needs them ([`Store::advisory`]).
    pub advisory: Option<Advisory>,
    /// The version of the reader that read it ([`crate::read::extract::READER_VERSION`]).
    pub reader: u32,
}

/// Why a check failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// The page could not be fetched (connection, timeout, body).
    Fetch,
    /// The server answered with an error status.
    Http,
    /// The page was fetched but the profile could not read it.
    Extraction,
}

impl FailureKind {
    /// The stored and printed name.
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::Fetch => "fetch",
            FailureKind::Http => "http",
            FailureKind::Extraction => "extraction",
        }
    }

    pub(super) fn parse(text: &str) -> FailureKind {
        match text {
            "http" => FailureKind::Http,
            "extraction" => FailureKind::Extraction,
            _ => FailureKind::Fetch,
        }
    }
}

/// The outcome of one check, to record.
#[derive(Debug, Clone)]
#[expect(
    clippy::large_enum_variant,
    reason = "one short-lived value per check; boxing would only add an allocation"
)]
pub enum Outcome {
    /// The extracted fields equal the latest version's.
    Unchanged {
        /// The latest version, as the caller saw it.
        snapshot: SnapshotId,
    },
    /// A new version, with the change from the previous one if there was one.
    NewVersion {
        /// The version the change was computed against.
        previous: Option<SnapshotId>,
        /// The profile that read it.
        profile: String,
        /// Its fields.
        advisory: Advisory,
        /// The change from `previous`, if any, and its unique id.
        change: Option<(String, Change)>,
        /// From an archive (`import`, `backfill`): its time is the day it was first seen, not a
        /// check's.
        archived: bool,
    },
    /// A document of many advisories read right; its countries are recorded on their own.
    Fetched,
    /// The check failed.
    Failed {
        /// Why.
        kind: FailureKind,
        /// The message shown to operators.
        message: String,
    },
}

/// One check, to record in one transaction.
#[derive(Debug, Clone)]
pub struct CheckRecord {
    /// The source.
    pub source: SourceId,
    /// When.
    pub checked_at: DateTime<Utc>,
    /// The HTTP status, if a response came.
    pub http_status: Option<u16>,
    /// Hash of the body, if one came.
    pub content_hash: Option<String>,
    /// The body to keep: for a new version or an extraction failure.
    pub body: Option<Body>,
    /// What happened.
    pub outcome: Outcome,
    /// Notifications to queue with it, in the same transaction.
    pub deliveries: Vec<NewDelivery>,
    /// The page's validators to keep for the next conditional request (`None`: keep the
    /// stored ones, as after a 304).
    pub validators: Option<Validators>,
    /// A live check watches whether its source went dark or reads again (`None`: an archived
    /// page, which says nothing about the source now).
    pub dark: Option<DarkWatch>,
}

/// What the transaction of a live check needs to tell, from the source's row, whether the
/// source has gone dark (or is still dark at its reminder, or reads again), and to queue that
/// event for the channels that asked for `source_failure`.
#[derive(Debug, Clone)]
pub struct DarkWatch {
    /// The thresholds.
    pub rule: DarkRule,
    /// The source's name.
    pub source: String,
    /// Its country.
    pub country: String,
    /// Its page.
    pub url: String,
    /// Whose advice it is, as configured.
    pub government: Option<String>,
    /// The channels whose filters accept this source's `source_failure` events.
    pub channels: Vec<String>,
    /// The cycle, for digests.
    pub batch: String,
}

/// A notification to queue in the outbox.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    /// The channel's name.
    pub channel: String,
    /// The event's id; with the channel, the delivery's id.
    pub event_id: String,
    /// The event, as JSON.
    pub event: String,
    /// The cycle it came from, for digests.
    pub batch: String,
}

/// What recording a check did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorded {
    /// Stored; the new version and change, if any.
    Stored {
        /// The new version.
        snapshot: Option<SnapshotId>,
        /// The new change.
        change: Option<ChangeId>,
        /// The source went dark, is reminded of, or reads again after an alert.
        dark: Option<DarkTurn>,
    },
    /// Another writer stored a newer version of this source meanwhile: compare again.
    Stale,
}

fn write_check(tx: &Connection, record: &CheckRecord) -> rusqlite::Result<Recorded> {
    let mut recorded = write_outcome(tx, record)?;
    if let Recorded::Stored { dark, .. } = &mut recorded {
        if let Some(watch) = &record.dark {
            *dark = watch_dark(tx, record, watch)?;
        }
        for delivery in &record.deliveries {
            insert_delivery(tx, delivery, record.checked_at)?;
        }
    }
    Ok(recorded)
}

fn insert_delivery(
    tx: &Connection,
    delivery: &NewDelivery,
    at: DateTime<Utc>,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT OR IGNORE INTO deliveries (key, channel, event_id, event, batch, next_attempt_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
    )?
    .execute(params![
        format!("{}:{}", delivery.event_id, delivery.channel),
        delivery.channel,
        delivery.event_id,
        delivery.event,
        delivery.batch,
        format_time(at)
    ])?;
    Ok(())
}

/// Keeps a source's dark state, after its check's outcome is written: a failure starts (or
/// continues) a run of failures, and the alert goes out once the run crosses either threshold,
/// and again every reminder interval; a success after an alert sends the recovery. The source's
/// row decides, in the check's own transaction, so an alert is queued exactly once however many
/// processes check and however often one restarts.
fn watch_dark(
    tx: &Connection,
    record: &CheckRecord,
    watch: &DarkWatch,
) -> rusqlite::Result<Option<DarkTurn>> {
    let at = format_time(record.checked_at);
    let (failures, last_success, dark_since, alerted, error, kind, status) = tx
        .prepare_cached(
            "SELECT consecutive_failures, last_success_at, dark_since, dark_alerted_at,
                    last_error_message, last_error_kind, last_status
             FROM sources WHERE id = ?1",
        )?
        .query_row([record.source.0], |r| {
            Ok((
                r.get::<_, u32>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, Option<u16>>(6)?,
            ))
        })?;
    let parse = |text: &str| {
        DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    };
    let elapsed = |since: &str| {
        parse(since)
            .and_then(|since| (record.checked_at - since).to_std().ok())
            .unwrap_or_default()
    };
    let failed = matches!(record.outcome, Outcome::Failed { .. });
    let since = dark_since.clone().unwrap_or_else(|| at.clone());
    let turn = match (failed, &alerted) {
        (true, None) => {
            let reference = last_success.as_deref().unwrap_or(&since);
            (failures >= watch.rule.failing_after || elapsed(reference) >= watch.rule.failing_for)
                .then_some(DarkTurn::Alerted)
        }
        (true, Some(last_alert)) => {
            (elapsed(last_alert) >= watch.rule.failing_reminder).then_some(DarkTurn::Reminded)
        }
        (false, Some(_)) => Some(DarkTurn::Recovered),
        (false, None) => None,
    };
    if failed {
        tx.prepare_cached(
            "UPDATE sources SET dark_since = COALESCE(dark_since, ?2),
                dark_alerted_at = CASE WHEN ?3 THEN ?2 ELSE dark_alerted_at END
             WHERE id = ?1",
        )?
        .execute(params![record.source.0, at, turn.is_some()])?;
    } else if dark_since.is_some() || alerted.is_some() {
        tx.prepare_cached(
            "UPDATE sources SET dark_since = NULL, dark_alerted_at = NULL WHERE id = ?1",
        )?
        .execute([record.source.0])?;
    }
    let Some(turn) = turn else {
        return Ok(None);
    };
    // A recovery tells of the run that ended: the last failure is the row's before this
    // success was written, which the success does not overwrite.
    let outage = Outage {
        error: error.unwrap_or_default(),
        error_kind: kind.unwrap_or_else(|| "fetch".to_owned()),
        http_status: if failed { record.http_status } else { status }
            .filter(|s| !(200..400).contains(s)),
        last_success_at: if failed {
            last_success
        } else {
            Some(at.clone())
        },
        failing_since: since.clone(),
        failed_checks: if failed {
            failures
        } else {
            tx.prepare_cached("SELECT COUNT(*) FROM failures WHERE source_id = ?1 AND at >= ?2")?
                .query_row(params![record.source.0, since], |r| r.get(0))?
        },
        reminder: false,
    };
    let about = About {
        source: &watch.source,
        country: &watch.country,
        url: &watch.url,
        government: watch.government.as_deref(),
    };
    let event = Event::for_outage(about, record.checked_at, turn, outage);
    if !watch.channels.is_empty() {
        let json = serde_json::to_string(&event).expect("an event always serializes");
        for channel in &watch.channels {
            insert_delivery(
                tx,
                &NewDelivery {
                    channel: channel.clone(),
                    event_id: event.id.clone(),
                    event: json.clone(),
                    batch: watch.batch.clone(),
                },
                record.checked_at,
            )?;
        }
    }
    Ok(Some(turn))
}

/// The id of a source's latest version: the stale-version guard of every check. `+?1`: the
/// bundled SQLite (built with STAT4) would otherwise compile the statement again for every new
/// source id, as its plan might depend on the value; the plan is the same index search.
pub(super) const LATEST_VERSION_ID: &str = "SELECT MAX(id) FROM snapshots WHERE source_id = +?1";

fn write_outcome(tx: &Connection, record: &CheckRecord) -> rusqlite::Result<Recorded> {
    let at = format_time(record.checked_at);
    let source = record.source;
    let latest: Option<i64> = tx
        .prepare_cached(LATEST_VERSION_ID)?
        .query_row([source.0], |r| r.get(0))?;
    match &record.outcome {
        Outcome::Unchanged { snapshot } => {
            if latest != Some(snapshot.0) {
                return Ok(Recorded::Stale);
            }
            tx.prepare_cached("UPDATE snapshots SET last_seen_at = ?2 WHERE id = ?1")?
                .execute(params![snapshot.0, at])?;
            mark_success(tx, record, &at)?;
            Ok(Recorded::Stored {
                snapshot: None,
                change: None,
                dark: None,
            })
        }
        Outcome::NewVersion {
            previous,
            profile,
            advisory,
            change,
            archived,
        } => {
            if latest != previous.map(|p| p.0) {
                return Ok(Recorded::Stale);
            }
            if let Some(body) = &record.body {
                insert_body(tx, body)?;
            }
            let id = insert_snapshot(
                tx,
                SnapshotRow {
                    source,
                    first_seen_at: &at,
                    last_seen_at: &at,
                    http_status: record.http_status,
                    body_hash: record.body.as_ref().map(|b| b.hash.as_str()),
                    profile,
                    advisory,
                    archived: *archived,
                },
            )?;
            let change_id = match (previous, change) {
                (Some(from), Some((uid, change))) => {
                    Some(insert_change(tx, source, from.0, id, &at, uid, change)?)
                }
                _ => None,
            };
            mark_success(tx, record, &at)?;
            Ok(Recorded::Stored {
                snapshot: Some(SnapshotId(id)),
                change: change_id.map(ChangeId),
                dark: None,
            })
        }
        Outcome::Fetched => {
            mark_success(tx, record, &at)?;
            Ok(Recorded::Stored {
                snapshot: None,
                change: None,
                dark: None,
            })
        }
        Outcome::Failed { kind, message } => {
            // Whatever quoted a URL, the database keeps it redacted.
            let message = redact_urls_in(message);
            if let Some(body) = &record.body {
                insert_body(tx, body)?;
            }
            tx.prepare_cached(
                "INSERT INTO failures (source_id, at, kind, message, http_status, body_hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                source.0,
                at,
                kind.as_str(),
                message,
                record.http_status,
                record.body.as_ref().map(|b| &b.hash)
            ])?;
            if record.body.is_some() {
                super::prune::cap_failure_bodies(tx, source)?;
            }
            let state = if *kind == FailureKind::Extraction {
                "broken"
            } else {
                "failing"
            };
            tx.prepare_cached(
                "UPDATE sources SET last_checked_at = ?2, last_status = ?3, state = ?4,
                    consecutive_failures = consecutive_failures + 1,
                    last_error_kind = ?5, last_error_message = ?6, last_error_at = ?2,
                    etag = CASE WHEN ?4 = 'broken' THEN NULL ELSE etag END,
                    last_modified = CASE WHEN ?4 = 'broken' THEN NULL ELSE last_modified END,
                    last_content_hash = CASE WHEN ?4 = 'broken' THEN NULL ELSE last_content_hash END
                 WHERE id = ?1",
            )?
            .execute(params![
                source.0,
                at,
                record.http_status,
                state,
                kind.as_str(),
                message
            ])?;
            Ok(Recorded::Stored {
                snapshot: None,
                change: None,
                dark: None,
            })
        }
    }
}

fn mark_success(tx: &Connection, record: &CheckRecord, at: &str) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "UPDATE sources SET last_checked_at = ?2, last_success_at = ?2, last_status = ?3,
            last_content_hash = COALESCE(?4, last_content_hash), state = 'ok', consecutive_failures = 0
         WHERE id = ?1",
    )?
    .execute(params![record.source.0, at, record.http_status, record.content_hash])?;
    if let Some(validators) = &record.validators {
        tx.prepare_cached("UPDATE sources SET etag = ?2, last_modified = ?3 WHERE id = ?1")?
            .execute(params![
                record.source.0,
                validators.etag,
                validators.last_modified
            ])?;
    }
    Ok(())
}

fn insert_body(tx: &Connection, body: &Body) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT OR IGNORE INTO bodies (hash, size, packed, codec) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![body.hash, body.size as i64, body.packed, CODEC])?;
    Ok(())
}

/// A version's row, as written.
struct SnapshotRow<'a> {
    source: SourceId,
    first_seen_at: &'a str,
    last_seen_at: &'a str,
    http_status: Option<u16>,
    body_hash: Option<&'a str>,
    profile: &'a str,
    advisory: &'a Advisory,
    archived: bool,
}

fn insert_snapshot(tx: &Connection, row: SnapshotRow<'_>) -> rusqlite::Result<i64> {
    let SnapshotRow {
        source,
        first_seen_at,
        last_seen_at,
        http_status,
        body_hash,
        profile,
        advisory,
        archived,
    } = row;
    let json = serde_json::to_string(advisory).expect("an advisory always serializes");
    tx.prepare_cached(
        "INSERT INTO snapshots (source_id, first_seen_at, last_seen_at, http_status, body_hash, profile, fields_hash, level, advisory, reader, archived)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) RETURNING id",
    )?
    .query_row(
        params![
            source.0,
            first_seen_at,
            last_seen_at,
            http_status,
            body_hash,
            profile,
            advisory.fields_hash(),
            advisory.level.number,
            json,
            crate::read::extract::READER_VERSION,
            archived
        ],
        |r| r.get(0),
    )
}

fn insert_change(
    tx: &Connection,
    source: SourceId,
    from: i64,
    to: i64,
    at: &str,
    uid: &str,
    change: &Change,
) -> rusqlite::Result<i64> {
    let json = serde_json::to_string(change).expect("a change always serializes");
    tx.prepare_cached(
        "INSERT INTO changes (source_id, from_snapshot, to_snapshot, detected_at, headline, change, uid)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
    )?
    .query_row(
        params![source.0, from, to, at, change.headline, json, uid],
        |r| r.get(0),
    )
}

impl Store {
    /// How many stored changes of `source` went from a version whose fields hash to `from` to
    /// one hashing to `to`: the occurrence that [`crate::store::event::Event::change_id`]
    /// takes.
    pub fn transition_count(
        &self,
        source: SourceId,
        from: &str,
        to: &str,
    ) -> Result<u64, StoreError> {
        self.conn
            .prepare_cached(
                "SELECT COUNT(*) FROM changes c
                 JOIN snapshots f ON f.id = c.from_snapshot
                 JOIN snapshots t ON t.id = c.to_snapshot
                 WHERE c.source_id = ?1 AND f.fields_hash = ?2 AND t.fields_hash = ?3",
            )
            .and_then(|mut s| s.query_row(params![source.0, from, to], |r| r.get::<_, i64>(0)))
            .map(|n| n as u64)
            .map_err(|e| self.err(e))
    }
}

impl Store {
    /// Makes the configured sources known to the database (inserting new ones, updating
    /// country and URL of known ones; a new URL forgets the old one's validators, which say
    /// nothing of it) and returns their ids by name. Sources the database
    /// already knows as configured cost one read and no write.
    pub fn sync_sources(
        &mut self,
        sources: &[SourceSpec],
    ) -> Result<HashMap<String, SourceId>, StoreError> {
        let path = self.path.clone();
        let wrap = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let names = serde_json::to_string(&sources.iter().map(|s| &s.name).collect::<Vec<_>>())
            .expect("a list of names always serializes");
        let mut ids = HashMap::with_capacity(sources.len());
        type Known = (String, String, Option<String>, bool, bool);
        let mut known: HashMap<String, Known> = HashMap::with_capacity(sources.len());
        {
            let mut statement = self
                .conn
                .prepare_cached(
                    "SELECT s.name, s.id, s.country, s.url, s.government, s.collection, s.retired
                     FROM json_each(?1) AS wanted JOIN sources s ON s.name = wanted.value",
                )
                .map_err(wrap)?;
            let mut rows = statement.query([names]).map_err(wrap)?;
            while let Some(row) = rows.next().map_err(wrap)? {
                let name: String = row.get(0).map_err(wrap)?;
                ids.insert(name.clone(), SourceId(row.get(1).map_err(wrap)?));
                known.insert(
                    name,
                    (
                        row.get(2).map_err(wrap)?,
                        row.get(3).map_err(wrap)?,
                        row.get(4).map_err(wrap)?,
                        row.get(5).map_err(wrap)?,
                        row.get(6).map_err(wrap)?,
                    ),
                );
            }
        }
        let changed: Vec<&SourceSpec> = sources
            .iter()
            .filter(|s| {
                known
                    .get(&s.name)
                    .is_none_or(|(country, url, government, collection, retired)| {
                        *country != s.country
                            || (*url != s.url && !s.url.is_empty())
                            || *government != s.government
                            || *collection != s.collection
                            || *retired
                    })
            })
            .collect();
        if changed.is_empty() {
            return Ok(ids);
        }
        let tx = self.conn.transaction().map_err(wrap)?;
        {
            let mut upsert = tx
                .prepare_cached(
                    "INSERT INTO sources (name, country, url, government, collection) VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT(name) DO UPDATE SET country = excluded.country,
                        url = CASE excluded.url WHEN '' THEN url ELSE excluded.url END,
                        etag = CASE WHEN excluded.url IN ('', url) THEN etag END,
                        last_modified = CASE WHEN excluded.url IN ('', url) THEN last_modified END,
                        government = excluded.government, collection = excluded.collection, retired = 0
                     RETURNING id",
                )
                .map_err(wrap)?;
            for source in changed {
                let id: i64 = upsert
                    .query_row(
                        params![
                            source.name,
                            source.country,
                            source.url,
                            source.government,
                            source.collection
                        ],
                        |r| r.get(0),
                    )
                    .map_err(wrap)?;
                ids.insert(source.name.clone(), SourceId(id));
            }
        }
        tx.commit().map_err(wrap)?;
        Ok(ids)
    }

    /// Marks every source the configuration no longer names as retired (kept in history, left
    /// out of the overview), and a named one as current again. `configured` holds the names of
    /// the configured sources; a feed's countries (`<name>/<key>`) follow their feed. Returns
    /// how many sources changed state.
    pub fn retire_unconfigured(&mut self, configured: &[String]) -> Result<usize, StoreError> {
        let names = serde_json::to_string(configured).expect("a list of names always serializes");
        self.conn
            .execute(
                "UPDATE sources SET retired = NOT EXISTS (
                     SELECT 1 FROM json_each(?1) AS w
                     WHERE sources.name = w.value
                        OR substr(sources.name, 1, length(w.value) + 1) = w.value || '/')
                 WHERE retired != NOT EXISTS (
                     SELECT 1 FROM json_each(?1) AS w
                     WHERE sources.name = w.value
                        OR substr(sources.name, 1, length(w.value) + 1) = w.value || '/')",
                [names],
            )
            .map_err(|e| self.err(e))
    }

    /// The latest version and body hash of each given source, in one statement.
    pub fn latest(&self, ids: &[SourceId]) -> Result<HashMap<SourceId, Latest>, StoreError> {
        let list = serde_json::to_string(&ids.iter().map(|id| id.0).collect::<Vec<_>>())
            .expect("a list of numbers always serializes");
        let mut statement = self
            .conn
            .prepare_cached(
                "SELECT s.id, s.last_content_hash, s.state, s.etag, s.last_modified,
                        s.last_success_at IS NOT NULL, n.id, n.fields_hash, n.reader
                 FROM json_each(?1) AS wanted
                 JOIN sources s ON s.id = wanted.value
                 LEFT JOIN snapshots n
                   ON n.id = (SELECT MAX(id) FROM snapshots WHERE source_id = s.id)",
            )
            .map_err(|e| self.err(e))?;
        let mut rows = statement.query([list]).map_err(|e| self.err(e))?;
        let mut out = HashMap::with_capacity(ids.len());
        while let Some(row) = rows.next().map_err(|e| self.err(e))? {
            let read = |row: &rusqlite::Row<'_>| -> rusqlite::Result<(SourceId, Latest)> {
                let snapshot = match row.get::<_, Option<i64>>(6)? {
                    Some(id) => Some(LatestSnapshot {
                        id: SnapshotId(id),
                        fields_hash: row.get(7)?,
                        advisory: None,
                        reader: row.get(8)?,
                    }),
                    None => None,
                };
                let latest = Latest {
                    snapshot,
                    content_hash: row.get(1)?,
                    state: row.get(2)?,
                    validators: Validators {
                        etag: row.get(3)?,
                        last_modified: row.get(4)?,
                    },
                    ever_succeeded: row.get(5)?,
                };
                Ok((SourceId(row.get(0)?), latest))
            };
            let (id, latest) = read(row).map_err(|e| self.err(e))?;
            out.insert(id, latest);
        }
        // A source the database does not know yet has never been checked.
        for &id in ids {
            out.entry(id).or_insert_with(Latest::never_checked);
        }
        Ok(out)
    }

    /// The fields of a stored version.
    pub fn advisory(&self, id: SnapshotId) -> Result<Advisory, StoreError> {
        let json: String = self
            .conn
            .prepare_cached("SELECT advisory FROM snapshots WHERE id = ?1")
            .map_err(|e| self.err(e))?
            .query_row([id.0], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        self.decode(&json, "version")
    }

    /// The body a version was first read from, when it is stored.
    pub fn snapshot_body(&self, id: SnapshotId) -> Result<Option<Vec<u8>>, StoreError> {
        let found: Option<(String, Vec<u8>)> = self
            .conn
            .prepare_cached(
                "SELECT b.codec, b.packed FROM snapshots sn JOIN bodies b ON b.hash = sn.body_hash
                 WHERE sn.id = ?1",
            )
            .map_err(|e| self.err(e))?
            .query_row([id.0], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()
            .map_err(|e| self.err(e))?;
        found
            .map(|(codec, packed)| {
                Body::unpack(&codec, &packed).map_err(|message| StoreError::Corrupt {
                    path: self.path.clone(),
                    what: "page body",
                    message,
                })
            })
            .transpose()
    }

    pub(super) fn decode<T: serde::de::DeserializeOwned>(
        &self,
        json: &str,
        what: &'static str,
    ) -> Result<T, StoreError> {
        serde_json::from_str(json).map_err(|e| StoreError::Corrupt {
            path: self.path.clone(),
            what,
            message: e.to_string(),
        })
    }

    /// Records one check in one transaction. Returns [`Recorded::Stale`], writing nothing,
    /// when the source's latest version is no longer the one the caller compared against.
    pub fn record(&mut self, record: &CheckRecord) -> Result<Recorded, StoreError> {
        let path = self.path.clone();
        let wrap = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(wrap)?;
        let recorded = write_check(&tx, record).map_err(wrap)?;
        if recorded != Recorded::Stale {
            tx.commit().map_err(wrap)?;
        }
        Ok(recorded)
    }

    /// Writes several checks in one transaction (group commit): each is still all or nothing
    /// (a savepoint of its own, with its stale-version guard), and none is visible, nor
    /// answered, before the one commit. What a crash loses is checked again next time; no
    /// delivery is ever sent for a check that was not committed.
    pub fn record_many(
        &mut self,
        records: &[&CheckRecord],
    ) -> Result<Vec<Result<Recorded, StoreError>>, StoreError> {
        let path = self.path.clone();
        let wrap = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let mut tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(wrap)?;
        let mut results = Vec::with_capacity(records.len());
        for record in records {
            let outcome = (|| {
                let savepoint = tx.savepoint()?;
                let recorded = write_check(&savepoint, record)?;
                if recorded != Recorded::Stale {
                    savepoint.commit()?;
                }
                Ok(recorded)
            })();
            results.push(outcome.map_err(wrap));
        }
        tx.commit().map_err(wrap)?;
        Ok(results)
    }

    /// The sources whose names start with `prefix` (a feed's countries: `us-feed/`).
    pub fn children(&self, prefix: &str) -> Result<Vec<(String, SourceId)>, StoreError> {
        let mut statement = self
            .conn
            .prepare_cached(
                "SELECT name, id FROM sources WHERE substr(name, 1, length(?1)) = ?1 ORDER BY name",
            )
            .map_err(|e| self.err(e))?;
        statement
            .query_map([prefix], |r| Ok((r.get(0)?, SourceId(r.get(1)?))))
            .and_then(|rows| rows.collect())
            .map_err(|e| self.err(e))
    }

    /// The country of a source, by name.
    pub fn source_country(&self, name: &str) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row("SELECT country FROM sources WHERE name = ?1", [name], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Records that every country of a feed was seen again (its document did not change).
    pub fn touch_children(&mut self, parent: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        let prefix = format!("{parent}/");
        let at = format_time(at);
        let path = self.path.clone();
        let wrap = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(wrap)?;
        tx.execute(
            "UPDATE snapshots SET last_seen_at = ?2 WHERE id IN (
                SELECT MAX(s.id) FROM snapshots s JOIN sources c ON c.id = s.source_id
                WHERE substr(c.name, 1, length(?1)) = ?1 GROUP BY s.source_id)",
            params![prefix, at],
        )
        .map_err(wrap)?;
        tx.execute(
            "UPDATE sources SET last_checked_at = ?2, last_success_at = ?2
             WHERE substr(name, 1, length(?1)) = ?1 AND state = 'ok'",
            params![prefix, at],
        )
        .map_err(wrap)?;
        tx.commit().map_err(wrap)
    }

    /// A source's id by name, if the database knows it.
    pub fn source_id(&self, name: &str) -> Result<Option<SourceId>, StoreError> {
        self.conn
            .query_row("SELECT id FROM sources WHERE name = ?1", [name], |r| {
                r.get(0)
            })
            .optional()
            .map(|id| id.map(SourceId))
            .map_err(|e| self.err(e))
    }

    /// Replaces a source's versions, changes and extraction failures with rebuilt ones, in one
    /// transaction: what `reprocess` writes. Bodies are kept.
    pub fn replace_history(
        &mut self,
        source: SourceId,
        versions: &[RebuiltVersion],
        failures: &[RebuiltFailure],
    ) -> Result<(), StoreError> {
        let path = self.path.clone();
        let wrap = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(wrap)?;
        // Versions from an archive stay archived: their times are the days of the files.
        let archived: std::collections::HashSet<String> = tx
            .prepare("SELECT first_seen_at FROM snapshots WHERE source_id = ?1 AND archived")
            .and_then(|mut statement| {
                statement
                    .query_map([source.0], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()
            })
            .map_err(wrap)?;
        tx.execute("DELETE FROM changes WHERE source_id = ?1", [source.0])
            .map_err(wrap)?;
        tx.execute("DELETE FROM snapshots WHERE source_id = ?1", [source.0])
            .map_err(wrap)?;
        tx.execute(
            "DELETE FROM failures WHERE source_id = ?1 AND kind = 'extraction' AND body_hash IS NOT NULL",
            [source.0],
        )
        .map_err(wrap)?;
        let mut previous: Option<i64> = None;
        for version in versions {
            let id = insert_snapshot(
                &tx,
                SnapshotRow {
                    source,
                    first_seen_at: &version.observation.at,
                    last_seen_at: &version.observation.last_seen_at,
                    http_status: version.observation.http_status,
                    body_hash: Some(&version.observation.body_hash),
                    profile: &version.profile,
                    advisory: &version.advisory,
                    archived: archived.contains(&version.observation.at),
                },
            )
            .map_err(wrap)?;
            if let (Some(from), Some(change)) = (previous, &version.change) {
                let uid = format!("{:032x}", fastrand::u128(..));
                insert_change(&tx, source, from, id, &version.observation.at, &uid, change)
                    .map_err(wrap)?;
            }
            previous = Some(id);
        }
        for failure in failures {
            tx.execute(
                "INSERT INTO failures (source_id, at, kind, message, http_status, body_hash)
                 VALUES (?1, ?2, 'extraction', ?3, ?4, ?5)",
                params![
                    source.0,
                    failure.observation.at,
                    failure.message,
                    failure.observation.http_status,
                    failure.observation.body_hash
                ],
            )
            .map_err(wrap)?;
        }
        // The source's state follows its newest observation.
        let newest_failure = failures.iter().map(|f| f.observation.at.as_str()).max();
        let newest_version = versions
            .iter()
            .map(|v| v.observation.last_seen_at.as_str())
            .max();
        let broken = match (newest_failure, newest_version) {
            (Some(f), Some(v)) => f > v,
            (Some(_), None) => true,
            _ => false,
        };
        tx.execute(
            "UPDATE sources SET state = CASE
                WHEN ?2 THEN 'broken'
                WHEN state = 'broken' THEN 'ok'
                ELSE state END,
                consecutive_failures = CASE WHEN ?2 OR state != 'broken' THEN consecutive_failures ELSE 0 END
             WHERE id = ?1",
            params![source.0, broken],
        )
        .map_err(wrap)?;
        tx.commit().map_err(wrap)
    }
}
