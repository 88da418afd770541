//! The SQLite database: every version of every source, the changes between them, and the
//! failures.
//!
//! This module is the only one that knows SQL. It owns the schema and its migrations (applied
//! at open, never edited once shipped), the write of one check as one transaction, and the
//! queries behind `sources`, `history` and `reprocess`. A version is stored once: a check whose
//! extracted fields equal the latest version's only moves that version's `last_seen_at`. Raw
//! bodies are kept compressed and content-addressed so that `reprocess` can re-extract them.
//! The connection is blocking; async code reaches it through [`StoreHandle`], which keeps it on
//! a thread of its own.

use std::collections::{HashMap, HashSet};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};

use crate::model::advisory::Advisory;
use crate::model::diff::Change;

pub mod cycle;
pub mod event;

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

/// A source's row id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct SourceId(pub i64);

/// A version's row id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct SnapshotId(pub i64);

/// A change's row id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct ChangeId(pub i64);

/// What went wrong with the database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite refused an operation.
    #[error("database {path}: {source}")]
    Sqlite {
        /// The database file.
        path: String,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// The file was written by a newer advisory-watch.
    #[error(
        "database {path} has schema version {found}, newer than this program's {supported}; upgrade advisory-watch"
    )]
    TooNew {
        /// The database file.
        path: String,
        /// Its version.
        found: i64,
        /// Ours.
        supported: i64,
    },
    /// Stored data does not decode.
    #[error("database {path}: stored {what} is damaged: {message}")]
    Corrupt {
        /// The database file.
        path: String,
        /// What was being read.
        what: &'static str,
        /// Details.
        message: String,
    },
    /// The store's thread is gone.
    #[error("the database thread stopped unexpectedly")]
    ThreadGone,
}

/// The schema, one entry per version. Never edit a shipped entry; add a new one.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE sources (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    country TEXT NOT NULL,
    url TEXT NOT NULL,
    last_checked_at TEXT,
    last_success_at TEXT,
    last_status INTEGER,
    last_content_hash TEXT,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    last_error_kind TEXT,
    last_error_message TEXT,
    state TEXT NOT NULL DEFAULT 'new'
);
CREATE TABLE bodies (
    hash TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    deflated BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE snapshots (
    id INTEGER PRIMARY KEY,
    source_id INTEGER NOT NULL REFERENCES sources(id),
    first_seen_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    http_status INTEGER,
    body_hash TEXT REFERENCES bodies(hash),
    profile TEXT NOT NULL,
    fields_hash TEXT NOT NULL,
    level INTEGER NOT NULL,
    advisory TEXT NOT NULL
);
CREATE INDEX snapshots_by_source ON snapshots(source_id, id);
CREATE TABLE changes (
    id INTEGER PRIMARY KEY,
    source_id INTEGER NOT NULL REFERENCES sources(id),
    from_snapshot INTEGER NOT NULL REFERENCES snapshots(id),
    to_snapshot INTEGER NOT NULL UNIQUE REFERENCES snapshots(id),
    detected_at TEXT NOT NULL,
    headline TEXT NOT NULL,
    change TEXT NOT NULL
);
CREATE INDEX changes_by_source ON changes(source_id, id);
CREATE INDEX changes_by_time ON changes(detected_at);
CREATE TABLE failures (
    id INTEGER PRIMARY KEY,
    source_id INTEGER NOT NULL REFERENCES sources(id),
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    message TEXT NOT NULL,
    http_status INTEGER,
    body_hash TEXT REFERENCES bodies(hash)
);
CREATE INDEX failures_by_source ON failures(source_id, id);
"#,
    r#"
ALTER TABLE changes ADD COLUMN uid TEXT;
UPDATE changes SET uid = lower(hex(randomblob(16))) WHERE uid IS NULL;
CREATE UNIQUE INDEX changes_by_uid ON changes(uid);
CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    channel TEXT NOT NULL,
    event_id TEXT NOT NULL,
    event TEXT NOT NULL,
    batch TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT,
    claimed_until TEXT
);
CREATE INDEX deliveries_due ON deliveries(status, next_attempt_at);
"#,
    r#"
ALTER TABLE sources ADD COLUMN etag TEXT;
ALTER TABLE sources ADD COLUMN last_modified TEXT;
ALTER TABLE sources ADD COLUMN last_error_at TEXT;
"#,
    r#"
ALTER TABLE snapshots ADD COLUMN reader INTEGER NOT NULL DEFAULT 1;
"#,
    r#"
ALTER TABLE snapshots ADD COLUMN archived INTEGER NOT NULL DEFAULT 0;
"#,
];

/// A page body ready to store: its hash, size and deflated bytes.
#[derive(Debug, Clone)]
pub struct Body {
    /// Hash of the raw bytes.
    pub hash: String,
    /// Size of the raw bytes.
    pub size: usize,
    /// The raw bytes, deflated.
    pub deflated: Vec<u8>,
}

impl Body {
    /// Hashes and compresses raw page bytes. CPU work: call it off the async runtime.
    pub fn new(raw: &[u8]) -> Body {
        let mut encoder = flate2::write::DeflateEncoder::new(
            Vec::with_capacity(raw.len() / 4),
            flate2::Compression::fast(),
        );
        encoder
            .write_all(raw)
            .expect("writing to a Vec cannot fail");
        Body {
            hash: content_hash(raw),
            size: raw.len(),
            deflated: encoder.finish().expect("finishing a Vec cannot fail"),
        }
    }
}

/// The hash that identifies a page body.
pub fn content_hash(raw: &[u8]) -> String {
    format!("{:032x}", xxhash_rust::xxh3::xxh3_128(raw))
}

/// The source as the configuration names it, for [`Store::sync_sources`].
#[derive(Debug, Clone)]
pub struct SourceSpec {
    /// Unique name.
    pub name: String,
    /// Country.
    pub country: String,
    /// URL.
    pub url: String,
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

    fn parse(text: &str) -> FailureKind {
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

/// A delivery claimed for sending.
#[derive(Debug, Clone)]
pub struct DueDelivery {
    /// Row id.
    pub id: i64,
    /// Delivery id (`<event id>:<channel>`).
    pub key: String,
    /// The channel.
    pub channel: String,
    /// The event, as JSON.
    pub event: String,
    /// The cycle it came from.
    pub batch: String,
    /// Attempts so far.
    pub attempts: u32,
}

/// A delivery as `deliveries` lists it.
#[derive(Debug, Clone, Serialize)]
pub struct DeliveryRow {
    /// Row id, for `deliveries retry`.
    pub id: i64,
    /// Delivery id (`<event id>:<channel>`), the receiver's idempotency key.
    pub delivery_id: String,
    /// The channel.
    pub channel: String,
    /// `pending`, `sent` or `dead`.
    pub status: String,
    /// Attempts so far.
    pub attempts: u32,
    /// When it was queued.
    pub created_at: String,
    /// When it is next tried (pending).
    pub next_attempt_at: String,
    /// When it went through (sent).
    pub sent_at: Option<String>,
    /// The last failure.
    pub last_error: Option<String>,
    /// The event, as JSON.
    #[serde(skip)]
    pub event: String,
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
    },
    /// Another writer stored a newer version of this source meanwhile: compare again.
    Stale,
}

/// One source's state for `sources` and `status`.
#[derive(Debug, Clone, Serialize)]
pub struct SourceOverview {
    /// Name.
    pub name: String,
    /// Country.
    pub country: String,
    /// URL.
    pub url: String,
    /// Last check, successful or not.
    pub last_checked: Option<String>,
    /// Last successful check.
    pub last_success: Option<String>,
    /// Current level.
    pub level: Option<u8>,
    /// Current level label.
    pub level_label: Option<String>,
    /// Current indicators, sorted ids.
    pub indicators: Vec<&'static str>,
    /// Areas of the current version with a level of their own.
    pub areas: Vec<crate::model::advisory::Area>,
    /// The profile that read the current version (which government's scale it is on).
    pub profile: Option<String>,
    /// When the current version was first seen.
    pub version_seen: Option<String>,
    /// The current version's issued date.
    pub issued: Option<chrono::NaiveDate>,
    /// Whether the publisher withdrew the advisory.
    pub withdrawn: bool,
    /// `new` (never checked), `ok`, `failing` (fetch or HTTP failures) or `broken` (the page
    /// no longer reads right).
    pub state: String,
    /// Failures in a row.
    pub consecutive_failures: i64,
    /// The last failure's message.
    pub last_error: Option<String>,
    /// When the last failure happened.
    pub last_error_at: Option<String>,
    /// The last failure's kind.
    pub last_error_kind: Option<String>,
    /// When the last change was detected.
    pub last_change: Option<String>,
}

/// A stored version.
#[derive(Debug, Clone)]
pub struct StoredSnapshot {
    /// Id.
    pub id: SnapshotId,
    /// First seen.
    pub first_seen_at: String,
    /// Last seen.
    pub last_seen_at: String,
    /// The profile that read it.
    pub profile: String,
    /// From an archive (`import`, `backfill`): first seen on that day, at no known time.
    pub archived: bool,
    /// Fields.
    pub advisory: Advisory,
}

/// A stored change, with both versions.
#[derive(Debug, Clone)]
pub struct StoredChange {
    /// Id.
    pub id: ChangeId,
    /// Unique id, stable for the life of the database (Atom entries, event ids).
    pub uid: String,
    /// The source's name.
    pub source: String,
    /// Country.
    pub country: String,
    /// URL.
    pub url: String,
    /// When detected.
    pub detected_at: String,
    /// The version after came from an archive: `detected_at` is the day it was first seen.
    pub archived: bool,
    /// The change.
    pub change: Change,
    /// The version before.
    pub old: Advisory,
    /// The version after.
    pub new: Advisory,
}

/// A version's level and when it held, for charts of level over time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LevelPoint {
    /// The source's name.
    pub source: String,
    /// When the version was first seen.
    pub first_seen_at: String,
    /// When it was last seen.
    pub last_seen_at: String,
    /// Its level, 1-4.
    pub level: u8,
    /// The publisher withdrew the advisory.
    pub withdrawn: bool,
}

/// A stored failure.
#[derive(Debug, Clone, Serialize)]
pub struct StoredFailure {
    /// When.
    pub at: String,
    /// Kind.
    pub kind: FailureKind,
    /// Message.
    pub message: String,
    /// HTTP status.
    pub http_status: Option<u16>,
}

/// A stored body to re-extract, in the order it was observed.
#[derive(Debug, Clone)]
pub struct Observation {
    /// When it was first observed.
    pub at: String,
    /// When it was last observed (for versions).
    pub last_seen_at: String,
    /// Its HTTP status.
    pub http_status: Option<u16>,
    /// Its hash.
    pub body_hash: String,
    /// Its text.
    pub raw: Vec<u8>,
}

/// One rebuilt version for [`Store::replace_history`].
#[derive(Debug, Clone)]
pub struct RebuiltVersion {
    /// The observation it came from.
    pub observation: Observation,
    /// The profile that read it.
    pub profile: String,
    /// Its fields.
    pub advisory: Advisory,
    /// The change from the previous rebuilt version.
    pub change: Option<Change>,
}

/// One rebuilt extraction failure for [`Store::replace_history`].
#[derive(Debug, Clone)]
pub struct RebuiltFailure {
    /// The observation.
    pub observation: Observation,
    /// Why it still fails.
    pub message: String,
}

/// The database.
pub struct Store {
    conn: Connection,
    path: String,
}

/// Formats a time the way the database stores it: RFC 3339, UTC, milliseconds.
pub fn format_time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl Store {
    /// Opens (creating if needed) the database file, in WAL mode with a busy timeout, and
    /// applies pending migrations.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let display = path.display().to_string();
        let wrap = |source| StoreError::Sqlite {
            path: display.clone(),
            source,
        };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| StoreError::Corrupt {
                path: display.clone(),
                what: "folder",
                message: format!("cannot create {}: {e}", parent.display()),
            })?;
        }
        let conn = Connection::open(path).map_err(wrap)?;
        conn.busy_timeout(Duration::from_secs(10)).map_err(wrap)?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
        )
        .map_err(wrap)?;
        let mut store = Store {
            conn,
            path: display,
        };
        store.migrate()?;
        Ok(store)
    }

    /// Opens an existing database for reading only: no migration, no journal-mode change,
    /// nothing written, so a read-only file or folder (a backup mounted read-only, another
    /// user's database) can be read. When the folder does not allow SQLite's shared-memory file,
    /// the file is read as immutable. A database that needs migrating is opened for writing
    /// instead, which migrates it (or says why it cannot).
    pub fn open_read_only(path: &Path) -> Result<Store, StoreError> {
        use rusqlite::OpenFlags;
        let display = path.display().to_string();
        let wrap = |source| StoreError::Sqlite {
            path: display.clone(),
            source,
        };
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let open = |name: &str| -> rusqlite::Result<(Connection, i64)> {
            let conn = Connection::open_with_flags(name, flags)?;
            conn.busy_timeout(Duration::from_secs(10))?;
            let version = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
            Ok((conn, version))
        };
        let (conn, version) = match open(&sqlite_uri(path, false)) {
            Ok(opened) => opened,
            Err(_) => open(&sqlite_uri(path, true)).map_err(wrap)?,
        };
        let supported = MIGRATIONS.len() as i64;
        if version > supported {
            return Err(StoreError::TooNew {
                path: display,
                found: version,
                supported,
            });
        }
        if version < supported {
            drop(conn);
            return Store::open(path);
        }
        Ok(Store {
            conn,
            path: display,
        })
    }

    /// The database file's path, for messages.
    pub fn path(&self) -> &str {
        &self.path
    }

    fn err(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        let supported = MIGRATIONS.len() as i64;
        let path = self.path.clone();
        let wrap = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let too_new = |found| StoreError::TooNew {
            path: path.clone(),
            found,
            supported,
        };
        let version: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(wrap)?;
        if version > supported {
            return Err(too_new(version));
        }
        if version == supported {
            return Ok(());
        }
        // Another process may be migrating the same file: decide under the write lock.
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(wrap)?;
        let version: i64 = tx
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(wrap)?;
        if version > supported {
            return Err(too_new(version));
        }
        for sql in &MIGRATIONS[version as usize..] {
            tx.execute_batch(sql).map_err(wrap)?;
        }
        tx.pragma_update(None, "user_version", supported)
            .map_err(wrap)?;
        tx.commit().map_err(wrap)
    }

    /// Makes the configured sources known to the database (inserting new ones, updating
    /// country and URL of known ones) and returns their ids by name.
    pub fn sync_sources(
        &mut self,
        sources: &[SourceSpec],
    ) -> Result<HashMap<String, SourceId>, StoreError> {
        let path = self.path.clone();
        let wrap = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(wrap)?;
        let mut ids = HashMap::with_capacity(sources.len());
        {
            let mut upsert = tx
                .prepare_cached(
                    "INSERT INTO sources (name, country, url) VALUES (?1, ?2, ?3)
                     ON CONFLICT(name) DO UPDATE SET country = excluded.country, url = excluded.url
                     RETURNING id",
                )
                .map_err(wrap)?;
            for source in sources {
                let id: i64 = upsert
                    .query_row(params![source.name, source.country, source.url], |r| {
                        r.get(0)
                    })
                    .map_err(wrap)?;
                ids.insert(source.name.clone(), SourceId(id));
            }
        }
        tx.commit().map_err(wrap)?;
        Ok(ids)
    }

    /// The latest version and body hash of each given source, in one pass.
    pub fn latest(&self, ids: &[SourceId]) -> Result<HashMap<SourceId, Latest>, StoreError> {
        let mut out = HashMap::with_capacity(ids.len());
        let mut state = self
            .conn
            .prepare_cached(
                "SELECT last_content_hash, state, etag, last_modified, last_success_at IS NOT NULL
                 FROM sources WHERE id = ?1",
            )
            .map_err(|e| self.err(e))?;
        for &id in ids {
            type Row = (Option<String>, String, Option<String>, Option<String>, bool);
            let (content_hash, source_state, etag, last_modified, ever_succeeded): Row = state
                .query_row([id.0], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
                })
                .optional()
                .map_err(|e| self.err(e))?
                .unwrap_or((None, "new".to_owned(), None, None, false));
            let snapshot = self.latest_snapshot(id)?;
            out.insert(
                id,
                Latest {
                    snapshot,
                    content_hash,
                    state: source_state,
                    validators: Validators {
                        etag,
                        last_modified,
                    },
                    ever_succeeded,
                },
            );
        }
        Ok(out)
    }

    fn latest_snapshot(&self, id: SourceId) -> Result<Option<LatestSnapshot>, StoreError> {
        let row: Option<(i64, String, u32)> = self
            .conn
            .prepare_cached(
                "SELECT id, fields_hash, reader FROM snapshots WHERE source_id = ?1 ORDER BY id DESC LIMIT 1",
            )
            .map_err(|e| self.err(e))?
            .query_row([id.0], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()
            .map_err(|e| self.err(e))?;
        Ok(row.map(|(sid, fields_hash, reader)| LatestSnapshot {
            id: SnapshotId(sid),
            fields_hash,
            advisory: None,
            reader,
        }))
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

    fn decode<T: serde::de::DeserializeOwned>(
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

    /// Every source's state, with its latest version, in name order.
    pub fn overview(&self) -> Result<Vec<SourceOverview>, StoreError> {
        let mut statement = self
            .conn
            .prepare_cached(
                "SELECT s.id, s.name, s.country, s.url, s.last_checked_at, s.last_success_at, s.state,
                        s.consecutive_failures, s.last_error_message,
                        l.advisory,
                        (SELECT MAX(detected_at) FROM changes WHERE source_id = s.id),
                        s.last_error_at, s.last_error_kind, l.profile, l.first_seen_at
                 FROM sources s
                 LEFT JOIN snapshots l ON l.id = (SELECT MAX(id) FROM snapshots WHERE source_id = s.id)
                 ORDER BY s.name",
            )
            .map_err(|e| self.err(e))?;
        let rows = statement
            .query_map([], |r| {
                Ok((
                    SourceOverview {
                        name: r.get(1)?,
                        country: r.get(2)?,
                        url: r.get(3)?,
                        last_checked: r.get(4)?,
                        last_success: r.get(5)?,
                        level: None,
                        level_label: None,
                        indicators: Vec::new(),
                        areas: Vec::new(),
                        profile: r.get(13)?,
                        version_seen: r.get(14)?,
                        issued: None,
                        withdrawn: false,
                        state: r.get(6)?,
                        consecutive_failures: r.get(7)?,
                        last_error: r.get(8)?,
                        last_change: r.get(10)?,
                        last_error_at: r.get(11)?,
                        last_error_kind: r.get(12)?,
                    },
                    r.get::<_, Option<String>>(9)?,
                ))
            })
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (mut overview, advisory) = row.map_err(|e| self.err(e))?;
            if let Some(json) = advisory {
                let advisory: Advisory = self.decode(&json, "version")?;
                overview.level = Some(advisory.level.number);
                overview.level_label = Some(advisory.level.label.clone());
                overview.indicators = advisory.sorted_indicator_ids();
                overview.areas = advisory.areas.clone();
                overview.issued = advisory.issued;
                overview.withdrawn = advisory.withdrawn;
            }
            out.push(overview);
        }
        Ok(out)
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

    /// A source's versions, oldest first.
    pub fn snapshots(&self, source: SourceId) -> Result<Vec<StoredSnapshot>, StoreError> {
        let mut statement = self
            .conn
            .prepare_cached(
                "SELECT id, first_seen_at, last_seen_at, profile, advisory, archived FROM snapshots
                 WHERE source_id = ?1 ORDER BY id",
            )
            .map_err(|e| self.err(e))?;
        let rows: Vec<(i64, String, String, String, String, bool)> = statement
            .query_map([source.0], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })
            .and_then(|rows| rows.collect())
            .map_err(|e| self.err(e))?;
        rows.into_iter()
            .map(
                |(id, first_seen_at, last_seen_at, profile, json, archived)| {
                    Ok(StoredSnapshot {
                        id: SnapshotId(id),
                        first_seen_at,
                        last_seen_at,
                        profile,
                        archived,
                        advisory: self.decode(&json, "version")?,
                    })
                },
            )
            .collect()
    }

    /// Changes, oldest first: of one source, or of all when `source` is `None`.
    pub fn changes(&self, source: Option<SourceId>) -> Result<Vec<StoredChange>, StoreError> {
        self.changes_in(source, None, None)
    }

    /// Changes detected from `since` (inclusive) to `until` (exclusive), oldest first: of one
    /// source, or of all.
    pub fn changes_in(
        &self,
        source: Option<SourceId>,
        since: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
    ) -> Result<Vec<StoredChange>, StoreError> {
        let mut statement = self
            .conn
            .prepare_cached(
                "SELECT c.id, s.name, s.country, s.url, c.detected_at, c.change, old.advisory, new.advisory,
                        COALESCE(c.uid, ''), new.archived
                 FROM changes c
                 JOIN sources s ON s.id = c.source_id
                 JOIN snapshots old ON old.id = c.from_snapshot
                 JOIN snapshots new ON new.id = c.to_snapshot
                 WHERE (?1 IS NULL OR c.source_id = ?1)
                   AND (?2 IS NULL OR c.detected_at >= ?2)
                   AND (?3 IS NULL OR c.detected_at < ?3)
                 ORDER BY c.detected_at, c.id",
            )
            .map_err(|e| self.err(e))?;
        type Row = (
            i64,
            String,
            String,
            String,
            String,
            String,
            String,
            String,
            String,
            bool,
        );
        let rows: Vec<Row> = statement
            .query_map(
                params![
                    source.map(|s| s.0),
                    since.map(format_time),
                    until.map(format_time)
                ],
                |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                        r.get(7)?,
                        r.get(8)?,
                        r.get(9)?,
                    ))
                },
            )
            .and_then(|rows| rows.collect())
            .map_err(|e| self.err(e))?;
        rows.into_iter()
            .map(
                |(id, source, country, url, detected_at, change, old, new, uid, archived)| {
                    Ok(StoredChange {
                        id: ChangeId(id),
                        uid,
                        source,
                        country,
                        url,
                        detected_at,
                        archived,
                        change: self.decode(&change, "change")?,
                        old: self.decode(&old, "version")?,
                        new: self.decode(&new, "version")?,
                    })
                },
            )
            .collect()
    }

    /// Every version's level, by source name, oldest first: what charts of level over time
    /// draw. Reads the level column and one field of each version, never the bodies.
    pub fn level_points(&self) -> Result<Vec<LevelPoint>, StoreError> {
        let mut statement = self
            .conn
            .prepare_cached(
                "SELECT s.name, sn.first_seen_at, sn.last_seen_at, sn.level,
                        COALESCE(json_extract(sn.advisory, '$.withdrawn'), 0)
                 FROM snapshots sn JOIN sources s ON s.id = sn.source_id
                 ORDER BY s.name, sn.id",
            )
            .map_err(|e| self.err(e))?;
        statement
            .query_map([], |r| {
                Ok(LevelPoint {
                    source: r.get(0)?,
                    first_seen_at: r.get(1)?,
                    last_seen_at: r.get(2)?,
                    level: r.get(3)?,
                    withdrawn: r.get(4)?,
                })
            })
            .and_then(|rows| rows.collect())
            .map_err(|e| self.err(e))
    }

    /// A source's failures, oldest first.
    pub fn failures(&self, source: SourceId) -> Result<Vec<StoredFailure>, StoreError> {
        let mut statement = self
            .conn
            .prepare_cached(
                "SELECT at, kind, message, http_status FROM failures WHERE source_id = ?1 ORDER BY id",
            )
            .map_err(|e| self.err(e))?;
        statement
            .query_map([source.0], |r| {
                Ok(StoredFailure {
                    at: r.get(0)?,
                    kind: FailureKind::parse(&r.get::<_, String>(1)?),
                    message: r.get(2)?,
                    http_status: r.get(3)?,
                })
            })
            .and_then(|rows| rows.collect())
            .map_err(|e| self.err(e))
    }

    /// Every stored body of a source that `reprocess` re-extracts: the first body of each
    /// version and the body of each extraction failure, in the order they were observed.
    pub fn observations(&self, source: SourceId) -> Result<Vec<Observation>, StoreError> {
        let mut statement = self
            .conn
            .prepare_cached(
                "SELECT at, last_seen_at, http_status, body_hash, deflated FROM (
                    SELECT sn.first_seen_at AS at, sn.last_seen_at, sn.http_status, sn.body_hash, b.deflated, sn.id AS ord, 0 AS k
                    FROM snapshots sn JOIN bodies b ON b.hash = sn.body_hash WHERE sn.source_id = ?1
                    UNION ALL
                    SELECT f.at, f.at, f.http_status, f.body_hash, b.deflated, f.id, 1
                    FROM failures f JOIN bodies b ON b.hash = f.body_hash
                    WHERE f.source_id = ?1 AND f.kind = 'extraction'
                 ) ORDER BY at, k, ord",
            )
            .map_err(|e| self.err(e))?;
        type Row = (String, String, Option<u16>, String, Vec<u8>);
        let rows: Vec<Row> = statement
            .query_map([source.0], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .and_then(|rows| rows.collect())
            .map_err(|e| self.err(e))?;
        rows.into_iter()
            .map(|(at, last_seen_at, http_status, body_hash, deflated)| {
                let mut raw = Vec::with_capacity(deflated.len() * 4);
                flate2::read::DeflateDecoder::new(deflated.as_slice())
                    .read_to_end(&mut raw)
                    .map_err(|e| StoreError::Corrupt {
                        path: self.path.clone(),
                        what: "page body",
                        message: e.to_string(),
                    })?;
                Ok(Observation {
                    at,
                    last_seen_at,
                    http_status,
                    body_hash,
                    raw,
                })
            })
            .collect()
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
                source,
                &version.observation.at,
                &version.observation.last_seen_at,
                version.observation.http_status,
                Some(&version.observation.body_hash),
                &version.profile,
                &version.advisory,
                archived.contains(&version.observation.at),
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

impl Store {
    /// Claims up to `limit` pending deliveries of the given channels that are due at `now`:
    /// they are hidden from other workers for `lease`, and become due again after it if this
    /// process dies before recording an outcome.
    pub fn claim_due_deliveries(
        &mut self,
        now: DateTime<Utc>,
        channels: &[String],
        lease: Duration,
        limit: usize,
    ) -> Result<Vec<DueDelivery>, StoreError> {
        let path = self.path.clone();
        let wrap = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let now_text = format_time(now);
        let until = format_time(now + chrono::Duration::from_std(lease).unwrap_or_default());
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(wrap)?;
        let mut claimed = Vec::new();
        {
            // Per channel, deliveries go out in the order they were queued: a channel's
            // first pending delivery that is not due (or is claimed) holds back the rest.
            let mut select = tx
                .prepare_cached(
                    "SELECT id, key, channel, event, batch, attempts, next_attempt_at, claimed_until
                     FROM deliveries WHERE status = 'pending' ORDER BY id",
                )
                .map_err(wrap)?;
            let rows = select
                .query_map([], |r| {
                    Ok((
                        DueDelivery {
                            id: r.get(0)?,
                            key: r.get(1)?,
                            channel: r.get(2)?,
                            event: r.get(3)?,
                            batch: r.get(4)?,
                            attempts: r.get(5)?,
                        },
                        r.get::<_, String>(6)?,
                        r.get::<_, Option<String>>(7)?,
                    ))
                })
                .map_err(wrap)?;
            let mut held: HashSet<String> = HashSet::new();
            for row in rows {
                let (row, next_attempt_at, claimed_until) = row.map_err(wrap)?;
                if !channels.contains(&row.channel) || held.contains(&row.channel) {
                    continue;
                }
                let due = next_attempt_at <= now_text
                    && claimed_until
                        .as_deref()
                        .is_none_or(|c| c <= now_text.as_str());
                if !due {
                    held.insert(row.channel.clone());
                    continue;
                }
                if claimed.len() < limit {
                    claimed.push(row);
                }
            }
            let mut lease_row = tx
                .prepare_cached("UPDATE deliveries SET claimed_until = ?2 WHERE id = ?1")
                .map_err(wrap)?;
            for row in &claimed {
                lease_row.execute(params![row.id, until]).map_err(wrap)?;
            }
        }
        tx.commit().map_err(wrap)?;
        Ok(claimed)
    }

    /// Records that deliveries went through.
    pub fn mark_sent(&mut self, ids: &[i64], at: DateTime<Utc>) -> Result<(), StoreError> {
        let at = format_time(at);
        self.each_delivery(
            ids,
            "UPDATE deliveries SET status = 'sent', sent_at = ?2, attempts = attempts + 1, last_error = NULL,
                claimed_until = NULL
             WHERE id = ?1",
            &at,
            None,
        )
    }

    /// Records a failed attempt: retried at `next` if given, else dead.
    pub fn mark_failed(
        &mut self,
        ids: &[i64],
        at: DateTime<Utc>,
        message: &str,
        next: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        match next {
            Some(next) => self.each_delivery(
                ids,
                "UPDATE deliveries SET attempts = attempts + 1, last_error = ?2, next_attempt_at = ?3,
                    claimed_until = NULL
                 WHERE id = ?1",
                message,
                Some(&format_time(next)),
            ),
            None => self.each_delivery(
                ids,
                "UPDATE deliveries SET attempts = attempts + 1, last_error = ?2, status = 'dead',
                    next_attempt_at = ?3, claimed_until = NULL WHERE id = ?1",
                message,
                Some(&format_time(at)),
            ),
        }
    }

    fn each_delivery(
        &mut self,
        ids: &[i64],
        sql: &str,
        a: &str,
        b: Option<&str>,
    ) -> Result<(), StoreError> {
        let path = self.path.clone();
        let wrap = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(wrap)?;
        {
            let mut statement = tx.prepare_cached(sql).map_err(wrap)?;
            for id in ids {
                match b {
                    Some(b) => statement.execute(params![id, a, b]),
                    None => statement.execute(params![id, a]),
                }
                .map_err(wrap)?;
            }
        }
        tx.commit().map_err(wrap)
    }

    /// Moves the write-ahead log into the database file, for a clean stop.
    pub fn checkpoint(&mut self) -> Result<(), StoreError> {
        self.conn
            .execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
            .map_err(|e| self.err(e))
    }

    /// Gives back claimed deliveries that were not attempted, so they are due again at once.
    pub fn release(&mut self, ids: &[i64]) -> Result<(), StoreError> {
        self.each_delivery(
            ids,
            "UPDATE deliveries SET claimed_until = NULL WHERE id = ?1 AND ?2 = ?2",
            "",
            None,
        )
    }

    /// Releases every claim on pending deliveries: a starting daemon (which holds the
    /// single-instance lock) takes over what a crashed process was sending. At worst a
    /// delivery goes out twice, under the same delivery id.
    pub fn release_claims(&mut self) -> Result<usize, StoreError> {
        self.conn
            .execute(
                "UPDATE deliveries SET claimed_until = NULL WHERE status = 'pending' AND claimed_until IS NOT NULL",
                [],
            )
            .map_err(|e| self.err(e))
    }

    /// Writes a consistent copy of the database to `target` with SQLite's online backup, which
    /// other processes may keep writing during.
    pub fn backup(&self, target: &Path) -> Result<(), StoreError> {
        self.conn
            .backup(
                rusqlite::MAIN_DB,
                target,
                None::<fn(rusqlite::backup::Progress)>,
            )
            .map_err(|e| self.err(e))
    }

    /// When the next pending delivery is due.
    pub fn next_delivery_due(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let next: Option<String> = self
            .conn
            .query_row(
                "SELECT MIN(MAX(next_attempt_at, COALESCE(claimed_until, ''))) FROM deliveries WHERE status = 'pending'",
                [],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))?;
        Ok(next
            .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
            .map(|t| t.with_timezone(&Utc)))
    }

    /// Deliveries, newest first, optionally of one status.
    pub fn deliveries(
        &self,
        status: Option<&str>,
        limit: usize,
    ) -> Result<Vec<DeliveryRow>, StoreError> {
        let mut statement = self
            .conn
            .prepare_cached(
                "SELECT id, key, channel, status, attempts, created_at, next_attempt_at, sent_at, last_error, event
                 FROM deliveries WHERE ?1 IS NULL OR status = ?1 ORDER BY id DESC LIMIT ?2",
            )
            .map_err(|e| self.err(e))?;
        statement
            .query_map(params![status, limit as i64], |r| {
                Ok(DeliveryRow {
                    id: r.get(0)?,
                    delivery_id: r.get(1)?,
                    channel: r.get(2)?,
                    status: r.get(3)?,
                    attempts: r.get(4)?,
                    created_at: r.get(5)?,
                    next_attempt_at: r.get(6)?,
                    sent_at: r.get(7)?,
                    last_error: r.get(8)?,
                    event: r.get(9)?,
                })
            })
            .and_then(|rows| rows.collect())
            .map_err(|e| self.err(e))
    }

    /// Puts a delivery back in the queue, due now, with its attempts reset. Returns whether
    /// the delivery exists. Its delivery id does not change.
    pub fn requeue_delivery(&mut self, id: i64, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let changed = self
            .conn
            .execute(
                "UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = ?2, claimed_until = NULL
                 WHERE id = ?1",
                params![id, format_time(now)],
            )
            .map_err(|e| self.err(e))?;
        Ok(changed == 1)
    }
}

fn write_check(tx: &Transaction<'_>, record: &CheckRecord) -> rusqlite::Result<Recorded> {
    let recorded = write_outcome(tx, record)?;
    if recorded != Recorded::Stale {
        let at = format_time(record.checked_at);
        let mut insert = tx.prepare_cached(
            "INSERT OR IGNORE INTO deliveries (key, channel, event_id, event, batch, next_attempt_at, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
        )?;
        for delivery in &record.deliveries {
            insert.execute(params![
                format!("{}:{}", delivery.event_id, delivery.channel),
                delivery.channel,
                delivery.event_id,
                delivery.event,
                delivery.batch,
                at
            ])?;
        }
    }
    Ok(recorded)
}

fn write_outcome(tx: &Transaction<'_>, record: &CheckRecord) -> rusqlite::Result<Recorded> {
    let at = format_time(record.checked_at);
    let source = record.source;
    let latest: Option<i64> = tx
        .prepare_cached("SELECT MAX(id) FROM snapshots WHERE source_id = ?1")?
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
                source,
                &at,
                &at,
                record.http_status,
                record.body.as_ref().map(|b| b.hash.as_str()),
                profile,
                advisory,
                *archived,
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
            })
        }
        Outcome::Fetched => {
            mark_success(tx, record, &at)?;
            Ok(Recorded::Stored {
                snapshot: None,
                change: None,
            })
        }
        Outcome::Failed { kind, message } => {
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
            })
        }
    }
}

fn mark_success(tx: &Transaction<'_>, record: &CheckRecord, at: &str) -> rusqlite::Result<()> {
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

fn insert_body(tx: &Transaction<'_>, body: &Body) -> rusqlite::Result<()> {
    tx.prepare_cached("INSERT OR IGNORE INTO bodies (hash, size, deflated) VALUES (?1, ?2, ?3)")?
        .execute(params![body.hash, body.size as i64, body.deflated])?;
    Ok(())
}

#[expect(
    clippy::too_many_arguments,
    reason = "one column each; a struct would only rename them"
)]
fn insert_snapshot(
    tx: &Transaction<'_>,
    source: SourceId,
    first_seen_at: &str,
    last_seen_at: &str,
    http_status: Option<u16>,
    body_hash: Option<&str>,
    profile: &str,
    advisory: &Advisory,
    archived: bool,
) -> rusqlite::Result<i64> {
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
    tx: &Transaction<'_>,
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

type Job = Box<dyn FnOnce(&mut Store) + Send>;

/// A `file:` URI for `path` that SQLite opens read-only, or as immutable (no locks and no
/// shared memory, for a file nothing writes).
fn sqlite_uri(path: &Path, immutable: bool) -> String {
    let mut uri = String::from("file:");
    for &byte in path.as_os_str().as_encoded_bytes() {
        if byte.is_ascii_alphanumeric() || b"/._-~".contains(&byte) {
            uri.push(char::from(byte));
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    uri.push_str(if immutable {
        "?mode=ro&immutable=1"
    } else {
        "?mode=ro"
    });
    uri
}

/// A handle to a [`Store`] that lives on a thread of its own, so that async code never blocks
/// its runtime on SQLite. Cloning the handle shares the thread; the thread ends when the last
/// handle is dropped.
#[derive(Clone)]
pub struct StoreHandle {
    jobs: mpsc::Sender<Job>,
    path: PathBuf,
}

impl StoreHandle {
    /// Opens the database on a new thread.
    pub fn open(path: &Path) -> Result<StoreHandle, StoreError> {
        StoreHandle::open_with(path, Store::open)
    }

    /// Opens an existing database for reading only on a new thread (see
    /// [`Store::open_read_only`]).
    pub fn open_read_only(path: &Path) -> Result<StoreHandle, StoreError> {
        StoreHandle::open_with(path, Store::open_read_only)
    }

    fn open_with(
        path: &Path,
        opener: fn(&Path) -> Result<Store, StoreError>,
    ) -> Result<StoreHandle, StoreError> {
        let (jobs, receiver) = mpsc::channel::<Job>();
        let (ready_tx, ready_rx) = mpsc::channel();
        let owned = path.to_owned();
        std::thread::Builder::new()
            .name("advisory-watch-store".into())
            .spawn(move || match opener(&owned) {
                Ok(mut store) => {
                    let _ = ready_tx.send(Ok(()));
                    while let Ok(job) = receiver.recv() {
                        job(&mut store);
                    }
                }
                Err(e) => {
                    let _ = ready_tx.send(Err(e));
                }
            })
            .map_err(|_| StoreError::ThreadGone)?;
        ready_rx.recv().map_err(|_| StoreError::ThreadGone)??;
        Ok(StoreHandle {
            jobs,
            path: path.to_owned(),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` on the store's thread and waits for its result without blocking the runtime.
    pub async fn call<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move |store| {
                let _ = reply.send(f(store));
            }))
            .map_err(|_| StoreError::ThreadGone)?;
        answer.await.map_err(|_| StoreError::ThreadGone)?
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::advisory::{Indicator, Level};

    fn advisory(level: u8, summary: &str) -> Advisory {
        Advisory {
            level: Level::with_label(level, String::new()),
            indicators: vec![Indicator::Crime],
            reasons: vec![],
            summary: summary.into(),
            issued: None,
            change_note: None,
            areas: Vec::new(),
            withdrawn: false,
            partial: false,
        }
    }

    fn setup() -> (tempfile::TempDir, Store, SourceId) {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut store = Store::open(&dir.path().join("t.db")).expect("open");
        let ids = store
            .sync_sources(&[SourceSpec {
                name: "us-mali".into(),
                country: "Mali".into(),
                url: "http://127.0.0.1/mali".into(),
            }])
            .expect("sync");
        (dir, store, ids["us-mali"])
    }

    fn new_version(
        source: SourceId,
        previous: Option<SnapshotId>,
        advisory: Advisory,
    ) -> CheckRecord {
        CheckRecord {
            source,
            checked_at: Utc::now(),
            http_status: Some(200),
            content_hash: Some("h".into()),
            body: Some(Body::new(advisory.summary.as_bytes())),
            outcome: Outcome::NewVersion {
                previous,
                profile: "p".into(),
                advisory,
                change: None,
                archived: false,
            },
            deliveries: Vec::new(),
            validators: None,
        }
    }

    #[test]
    fn a_stale_comparison_writes_nothing() {
        let (_dir, mut store, id) = setup();
        let first = store
            .record(&new_version(id, None, advisory(3, "a")))
            .expect("first");
        assert!(matches!(
            first,
            Recorded::Stored {
                snapshot: Some(_),
                ..
            }
        ));
        // A second writer that also believed there was no version yet is refused.
        let again = store
            .record(&new_version(id, None, advisory(3, "a")))
            .expect("second");
        assert_eq!(again, Recorded::Stale);
        assert_eq!(store.snapshots(id).expect("snapshots").len(), 1);
    }

    #[test]
    fn two_processes_creating_one_database_at_once_both_succeed() {
        // Regression: both read schema version 0 and both ran the first migration.
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("race.db");
        let openers: Vec<_> = (0..4)
            .map(|_| {
                let path = path.clone();
                std::thread::spawn(move || Store::open(&path).map(|_| ()))
            })
            .collect();
        for opener in openers {
            opener.join().expect("thread").expect("open succeeds");
        }
    }

    #[test]
    fn reopening_keeps_the_schema_and_data() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("t.db");
        {
            let mut store = Store::open(&path).expect("open");
            store
                .sync_sources(&[SourceSpec {
                    name: "a".into(),
                    country: "A".into(),
                    url: "http://x/".into(),
                }])
                .expect("sync");
        }
        let store = Store::open(&path).expect("reopen");
        assert!(store.source_id("a").expect("query").is_some());
    }

    #[test]
    fn stored_bodies_come_back_for_reprocessing() {
        let (_dir, mut store, id) = setup();
        store
            .record(&new_version(id, None, advisory(3, "page one")))
            .expect("record");
        let observations = store.observations(id).expect("observations");
        assert_eq!(observations.len(), 1);
        assert_eq!(observations[0].raw, b"page one");
    }
}
