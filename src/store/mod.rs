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
//!
//! By concern: `schema` (the migrations), `record` (what a check writes, in one transaction),
//! `outbox` (deliveries), `prune` (retention), `views` (the queries behind what people read),
//! `cycle` (what a cycle stored, as reported), `event` (what a notification carries), `reload`
//! (the running daemon's configuration, for `status`) and `health` (what the daemon's
//! `/metrics` and `/readyz` read). This file opens the
//! database and keeps the connection on its thread.

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::model::advisory::Advisory;
use crate::model::diff::Change;

pub mod cycle;
pub mod event;
mod health;
mod outbox;
mod prune;
mod record;
mod reload;
mod schema;
mod views;

use schema::MIGRATIONS;

pub use health::{HealthFacts, SourceHealth};
pub use outbox::{DeliveryRow, DueDelivery};
pub use prune::{FAILURE_BODIES_KEPT, Pruned};
pub use record::{
    Body, CODEC, CheckRecord, DarkWatch, FailureKind, Latest, LatestSnapshot, NewDelivery, Outcome,
    Recorded, SourceSpec, Validators, content_hash,
};
pub use reload::ConfigLoad;
pub use views::{
    LevelPoint, Observation, RebuiltFailure, RebuiltVersion, SourceOverview, StoredChange,
    StoredFailure, StoredSnapshot, government_of,
};

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
    /// The file has an older schema, which a read-only command does not upgrade.
    #[error(
        "the database at {path} has schema version {found}; run `advisory-watch migrate` to upgrade it to {supported}"
    )]
    NeedsMigration {
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
    /// The path names a directory (or a FIFO, a socket, a device), not a database file.
    #[error(
        "database {path} is {what}, not a database file; pass --db FILE or set storage.path to a file"
    )]
    NotAFile {
        /// The path.
        path: String,
        /// What is there.
        what: &'static str,
    },
    /// The store's thread is gone.
    #[error("the database thread stopped unexpectedly")]
    ThreadGone,
}

/// Refuses a path that is there but is no regular file (SQLite would say "disk I/O error" of a
/// directory, or wait on a FIFO). A path that is not there yet is the caller's to create.
fn refuse_non_file(path: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::FileTypeExt;
    let Ok(metadata) = std::fs::metadata(path) else {
        return Ok(());
    };
    let file_type = metadata.file_type();
    let what = if file_type.is_file() {
        return Ok(());
    } else if file_type.is_dir() {
        "a directory"
    } else if file_type.is_fifo() {
        "a FIFO"
    } else if file_type.is_socket() {
        "a socket"
    } else if file_type.is_block_device() || file_type.is_char_device() {
        "a device"
    } else {
        "something other than a file"
    };
    Err(StoreError::NotAFile {
        path: path.display().to_string(),
        what,
    })
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

/// Work for the store's thread: a call, or a check to record (checks waiting together are
/// committed together).
enum Job {
    Call(Box<dyn FnOnce(&mut Store) + Send>),
    Record(
        Box<CheckRecord>,
        tokio::sync::oneshot::Sender<Result<Recorded, StoreError>>,
    ),
}

/// The most checks one group commit writes.
const GROUP_COMMIT_MAX: usize = 64;

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

/// Where an upgrade keeps the file as it was at schema `version`: `FILE.v{version}.bak`.
pub fn backup_path(path: &Path, version: i64) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".v{version}.bak"));
    PathBuf::from(name)
}

/// The schema's migrations, in order, for tests that build a database as an earlier release
/// left it (the first `k` entries, then `PRAGMA user_version = k`).
#[doc(hidden)]
pub fn migrations() -> &'static [&'static str] {
    MIGRATIONS
}

/// Wraps SQLite's errors with the database's path.
fn sqlite(path: &str) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
    move |source| StoreError::Sqlite {
        path: path.to_owned(),
        source,
    }
}

/// The error for a file written by a newer advisory-watch.
fn too_new(path: &str, found: i64) -> StoreError {
    StoreError::TooNew {
        path: path.to_owned(),
        found,
        supported: MIGRATIONS.len() as i64,
    }
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
                    let mut next = receiver.recv().ok();
                    while let Some(job) = next.take() {
                        match job {
                            Job::Call(call) => call(&mut store),
                            Job::Record(record, reply) => {
                                // Group commit: the checks already waiting are written in
                                // the same transaction.
                                let mut batch = vec![(record, reply)];
                                while batch.len() < GROUP_COMMIT_MAX {
                                    match receiver.try_recv() {
                                        Ok(Job::Record(record, reply)) => {
                                            batch.push((record, reply));
                                        }
                                        Ok(other) => {
                                            next = Some(other);
                                            break;
                                        }
                                        Err(_) => break,
                                    }
                                }
                                let records: Vec<&CheckRecord> =
                                    batch.iter().map(|(r, _)| r.as_ref()).collect();
                                match store.record_many(&records) {
                                    Ok(results) => {
                                        for ((_, reply), result) in batch.into_iter().zip(results) {
                                            let _ = reply.send(result);
                                        }
                                    }
                                    Err(error) => {
                                        let message = error.to_string();
                                        for (_, reply) in batch {
                                            let _ = reply.send(Err(StoreError::Corrupt {
                                                path: store.path.clone(),
                                                what: "group commit",
                                                message: message.clone(),
                                            }));
                                        }
                                    }
                                }
                            }
                        }
                        if next.is_none() {
                            next = receiver.recv().ok();
                        }
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
            .send(Job::Call(Box::new(move |store| {
                let _ = reply.send(f(store));
            })))
            .map_err(|_| StoreError::ThreadGone)?;
        answer.await.map_err(|_| StoreError::ThreadGone)?
    }

    /// Records one check (see [`Store::record`]); checks waiting together are committed
    /// together.
    pub async fn record(&self, record: CheckRecord) -> Result<Recorded, StoreError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Job::Record(Box::new(record), reply))
            .map_err(|_| StoreError::ThreadGone)?;
        answer.await.map_err(|_| StoreError::ThreadGone)?
    }
}

impl Store {
    /// Opens (creating if needed) the database file, in WAL mode with a busy timeout, and
    /// applies pending migrations.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        refuse_non_file(path)?;
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
        // Switching a new file to WAL takes a lock that SQLite does not wait for: when several
        // processes open one new database at once, try again for a while.
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            match conn.execute_batch(
                // `auto_vacuum` takes effect only before the first table is created (or at
                // a VACUUM): new files give pages freed by `prune` back incrementally.
                "PRAGMA auto_vacuum = INCREMENTAL; PRAGMA journal_mode = WAL;
                 PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
            ) {
                Ok(()) => break,
                Err(rusqlite::Error::SqliteFailure(e, _))
                    if matches!(
                        e.code,
                        rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                    ) && std::time::Instant::now() < deadline =>
                {
                    std::thread::sleep(Duration::from_millis(10 + fastrand::u64(..20)));
                }
                Err(e) => return Err(wrap(e)),
            }
        }
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
    /// the file is read as immutable. A database with an older schema is refused with a
    /// message that says to run `advisory-watch migrate` (a read-only command never changes
    /// the file; every query assumes the current schema, so no older one is compatible).
    pub fn open_read_only(path: &Path) -> Result<Store, StoreError> {
        refuse_non_file(path)?;
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
            return Err(too_new(&display, version));
        }
        if version < supported {
            return Err(StoreError::NeedsMigration {
                path: display,
                found: version,
                supported,
            });
        }
        Ok(Store {
            conn,
            path: display,
        })
    }

    /// The schema version of the database at `path` (read without changing it) and the one this
    /// program writes.
    pub fn schema_version(path: &Path) -> Result<(i64, i64), StoreError> {
        refuse_non_file(path)?;
        let display = path.display().to_string();
        let conn = Connection::open_with_flags(
            sqlite_uri(path, false),
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_URI,
        )
        .map_err(sqlite(&display))?;
        let version = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(sqlite(&display))?;
        Ok((version, MIGRATIONS.len() as i64))
    }

    /// What `PRAGMA integrity_check` says of the database at `path`: `Ok` when it is sound,
    /// else SQLite's findings (the first few).
    pub fn integrity_check(path: &Path) -> Result<Result<(), String>, StoreError> {
        refuse_non_file(path)?;
        let display = path.display().to_string();
        let conn = Connection::open_with_flags(
            sqlite_uri(path, false),
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_URI,
        )
        .map_err(sqlite(&display))?;
        let findings: Vec<String> = conn
            .prepare("PRAGMA integrity_check(5)")
            .and_then(|mut s| {
                s.query_map([], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()
            })
            .map_err(sqlite(&display))?;
        Ok(if findings == ["ok"] {
            Ok(())
        } else {
            Err(findings.join("; "))
        })
    }

    /// Replaces the database at `path` with a copy of `from` (SQLite's backup API, so readers
    /// of `path` see the old or the new file, never half of either), after copying the
    /// database there as it was to `keep` when it exists. Neither file is migrated.
    pub fn restore(path: &Path, from: &Path, keep: Option<&Path>) -> Result<(), StoreError> {
        refuse_non_file(path)?;
        refuse_non_file(from)?;
        let display = path.display().to_string();
        let mut conn = Connection::open(path).map_err(sqlite(&display))?;
        conn.busy_timeout(Duration::from_secs(10))
            .map_err(sqlite(&display))?;
        if let Some(keep) = keep {
            conn.backup(
                rusqlite::MAIN_DB,
                keep,
                None::<fn(rusqlite::backup::Progress)>,
            )
            .map_err(sqlite(&display))?;
        }
        conn.restore(
            rusqlite::MAIN_DB,
            from,
            None::<fn(rusqlite::backup::Progress)>,
        )
        .map_err(sqlite(&display))
    }

    /// Copies the database at `path` to `target` with SQLite's backup API, whatever its schema
    /// version, changing nothing: `backup` of a file a read-only open refuses.
    pub fn copy_file(path: &Path, target: &Path) -> Result<(), StoreError> {
        refuse_non_file(path)?;
        let display = path.display().to_string();
        let conn = Connection::open_with_flags(
            sqlite_uri(path, false),
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_URI,
        )
        .map_err(sqlite(&display))?;
        conn.busy_timeout(Duration::from_secs(10))
            .map_err(sqlite(&display))?;
        conn.backup(
            rusqlite::MAIN_DB,
            target,
            None::<fn(rusqlite::backup::Progress)>,
        )
        .map_err(sqlite(&display))
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
        let path = self.path.clone();
        let version: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(sqlite(&path))?;
        if version > MIGRATIONS.len() as i64 {
            return Err(too_new(&path, version));
        }
        if version == MIGRATIONS.len() as i64 {
            return Ok(());
        }
        if version > 0 {
            // The file as it was, before any schema change: `FILE.v{N}.bak`.
            let target = backup_path(Path::new(&path), version);
            self.backup(&target).map_err(|e| StoreError::Corrupt {
                path: path.clone(),
                what: "schema",
                message: format!(
                    "cannot keep a copy at {} before upgrading from schema version {version}, so it was not upgraded: {e}",
                    target.display()
                ),
            })?;
            tracing::info!(db = %path, backup = %target.display(), from = version, to = MIGRATIONS.len(), "upgrading the database schema");
        }
        // What a migration may call to scrub credentials out of stored text.
        self.conn
            .create_scalar_function(
                "redact_urls",
                1,
                rusqlite::functions::FunctionFlags::SQLITE_UTF8
                    | rusqlite::functions::FunctionFlags::SQLITE_DETERMINISTIC,
                |context| {
                    let text: Option<String> = context.get(0)?;
                    Ok(text.map(|t| crate::config::source_url::redact_urls_in(&t).into_owned()))
                },
            )
            .map_err(sqlite(&path))?;
        // A migration may rebuild a table, which SQLite documents doing with foreign keys off
        // (they cannot be switched inside a transaction); they must hold again at the end.
        self.conn
            .execute_batch("PRAGMA foreign_keys = OFF;")
            .map_err(sqlite(&path))?;
        let migrated = self.apply_migrations();
        self.conn
            .execute_batch("PRAGMA foreign_keys = ON;")
            .map_err(sqlite(&path))?;
        migrated
    }

    /// Applies the migrations this file lacks, in one transaction.
    fn apply_migrations(&mut self) -> Result<(), StoreError> {
        let path = self.path.clone();
        let wrap = sqlite(&path);
        // Another process may be migrating the same file: decide under the write lock.
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(&wrap)?;
        let version: i64 = tx
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(&wrap)?;
        if version > MIGRATIONS.len() as i64 {
            return Err(too_new(&path, version));
        }
        for sql in &MIGRATIONS[version as usize..] {
            tx.execute_batch(sql).map_err(&wrap)?;
        }
        let broken: i64 = tx
            .query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |r| {
                r.get(0)
            })
            .map_err(&wrap)?;
        if broken > 0 {
            return Err(StoreError::Corrupt {
                path: path.clone(),
                what: "migration",
                message: format!("{broken} rows refer to rows that do not exist"),
            });
        }
        tx.pragma_update(None, "user_version", MIGRATIONS.len() as i64)
            .map_err(&wrap)?;
        tx.commit().map_err(&wrap)
    }

    /// Moves the write-ahead log into the database file, for a clean stop.
    pub fn checkpoint(&mut self) -> Result<(), StoreError> {
        self.conn
            .execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::advisory::{Indicator, Level};

    /// A version at `level` with one indicator; shared with the other files' tests.
    pub(super) fn advisory(level: u8, summary: &str) -> Advisory {
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
            text_level: None,
            full_name: None,
        }
    }

    /// A new database with one source, `us-mali`; shared with the other files' tests.
    pub(super) fn setup() -> (tempfile::TempDir, Store, SourceId) {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut store = Store::open(&dir.path().join("t.db")).expect("open");
        let ids = store
            .sync_sources(&[SourceSpec {
                name: "us-mali".into(),
                country: "Mali".into(),
                url: "http://127.0.0.1/mali".into(),
                ..SourceSpec::default()
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
            dark: None,
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
    fn a_group_commit_keeps_each_check_all_or_nothing() {
        let (_dir, mut store, id) = setup();
        let first = new_version(id, None, advisory(3, "a"));
        // The second believed there was no version yet either: stale, and alone refused.
        let stale = new_version(id, None, advisory(4, "b"));
        let results = store.record_many(&[&first, &stale]).expect("one commit");
        assert!(matches!(results[0], Ok(Recorded::Stored { .. })));
        assert!(matches!(results[1], Ok(Recorded::Stale)));
        let versions = store.snapshots(id).expect("snapshots");
        assert_eq!(versions.len(), 1);
        assert_eq!(versions[0].advisory.level.number, 3);
    }

    #[test]
    fn the_stale_version_guard_is_compiled_once_for_every_source() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut store = Store::open(&dir.path().join("t.db")).expect("open");
        let specs: Vec<SourceSpec> = (0..5)
            .map(|i| SourceSpec {
                name: format!("s{i}"),
                country: "Mali".into(),
                url: "http://127.0.0.1/".into(),
                ..SourceSpec::default()
            })
            .collect();
        let ids = store.sync_sources(&specs).expect("sync");
        let records: Vec<CheckRecord> = ids
            .values()
            .map(|&id| new_version(id, None, advisory(3, "a")))
            .collect();
        store
            .record_many(&records.iter().collect::<Vec<_>>())
            .expect("one commit");
        let guard = store
            .conn
            .prepare_cached(record::LATEST_VERSION_ID)
            .expect("cached");
        assert_eq!(guard.get_status(rusqlite::StatementStatus::RePrepare), 0);
    }

    #[test]
    fn syncing_sources_again_keeps_ids_and_takes_new_urls_and_new_sources() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut store = Store::open(&dir.path().join("t.db")).expect("open");
        let spec = |name: &str, url: &str| SourceSpec {
            name: name.into(),
            country: "Mali".into(),
            url: url.into(),
            ..SourceSpec::default()
        };
        let first = store
            .sync_sources(&[spec("a", "http://x/a"), spec("b", "http://x/b")])
            .expect("sync");
        let again = store
            .sync_sources(&[spec("a", "http://x/a"), spec("b", "http://x/b")])
            .expect("sync again");
        assert_eq!(first, again);
        let moved = store
            .sync_sources(&[spec("b", "http://y/b"), spec("c", "http://x/c")])
            .expect("sync a change");
        assert_eq!(moved["b"], first["b"]);
        assert!(!first.values().any(|id| *id == moved["c"]));
        let url: String = store
            .conn
            .query_row("SELECT url FROM sources WHERE name = 'b'", [], |r| r.get(0))
            .expect("url");
        assert_eq!(url, "http://y/b");
    }

    #[test]
    fn bodies_of_either_codec_come_back() {
        let page = "<p>Level 4: Do Not Travel</p>".repeat(50);
        let lz4 = Body::new(page.as_bytes());
        assert_eq!(
            Body::unpack(record::CODEC, &lz4.packed).expect("lz4"),
            page.as_bytes()
        );
        // Rows written before migration 6 are deflated.
        let mut encoder =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut encoder, page.as_bytes()).expect("deflate");
        let deflated = encoder.finish().expect("deflate");
        assert_eq!(
            Body::unpack("deflate", &deflated).expect("deflate"),
            page.as_bytes()
        );
        assert!(
            Body::unpack("zstd", &deflated)
                .expect_err("unknown")
                .contains("`zstd`")
        );
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
    fn upgrading_a_database_keeps_every_stored_page_and_reference() {
        // A database as version 6 left it: a version and an unreadable page, with their bodies.
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("v6.db");
        {
            let conn = Connection::open(&path).expect("open");
            for sql in &MIGRATIONS[..6] {
                conn.execute_batch(sql).expect("old migration");
            }
            conn.execute_batch(
                "PRAGMA user_version = 6;
                 INSERT INTO sources (id, name, country, url) VALUES (1, 'us-mali', 'Mali', 'http://x/');",
            )
            .expect("source");
            let body = Body::new(b"page one");
            conn.execute(
                "INSERT INTO bodies (hash, size, packed, codec) VALUES ('h1', 8, ?1, ?2)",
                params![body.packed, record::CODEC],
            )
            .expect("body");
            let mut encoder =
                flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
            std::io::Write::write_all(&mut encoder, b"page two").expect("deflate");
            conn.execute(
                "INSERT INTO bodies (hash, size, packed) VALUES ('h2', 8, ?1)",
                params![encoder.finish().expect("deflate")],
            )
            .expect("old body");
            conn.execute_batch(
                "INSERT INTO snapshots (source_id, first_seen_at, last_seen_at, http_status, body_hash, profile, fields_hash, level, advisory)
                 VALUES (1, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', 200, 'h2', 'p', 'f', 3, '{}');
                 INSERT INTO failures (source_id, at, kind, message, http_status, body_hash)
                 VALUES (1, '2026-01-02T00:00:00.000Z', 'extraction', 'unreadable', 200, 'h1');",
            )
            .expect("rows");
        }
        let store = Store::open(&path).expect("upgrade");
        let pages: Vec<Vec<u8>> = store
            .observations(SourceId(1))
            .expect("observations")
            .into_iter()
            .map(|o| o.raw)
            .collect();
        assert_eq!(pages, [b"page two".to_vec(), b"page one".to_vec()]);
        let version: i64 = store
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .expect("version");
        assert_eq!(version, MIGRATIONS.len() as i64);
        // Foreign keys are on again, and a version still cannot name a missing body.
        let orphan = store.conn.execute(
            "INSERT INTO snapshots (source_id, first_seen_at, last_seen_at, body_hash, profile, fields_hash, level, advisory)
             VALUES (1, 'a', 'a', 'missing', 'p', 'f', 1, '{}')",
            [],
        );
        assert!(orphan.is_err(), "the reference to bodies still holds");
    }

    #[test]
    fn upgrading_scrubs_credentials_that_older_releases_stored() {
        let scrub = MIGRATIONS
            .iter()
            .position(|m| m.contains("redact_urls(url)"))
            .expect("the scrubbing migration");
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("old.db");
        let secret_url = "http://user:s3cret@127.0.0.1:9/feed?token=abc123&page=2";
        {
            let conn = Connection::open(&path).expect("open");
            for sql in &MIGRATIONS[..scrub] {
                conn.execute_batch(sql).expect("old migration");
            }
            conn.pragma_update(None, "user_version", scrub as i64)
                .expect("version");
            conn.execute(
                "INSERT INTO sources (id, name, country, url, last_error_message) VALUES (1, 'us-mali', 'Mali', ?1, ?2)",
                params![secret_url, format!("cannot connect to {secret_url}: refused")],
            )
            .expect("source");
            conn.execute(
                "INSERT INTO failures (source_id, at, kind, message) VALUES (1, 'a', 'fetch', ?1)",
                params![format!("error sending request for url ({secret_url})")],
            )
            .expect("failure");
            conn.execute(
                "INSERT INTO deliveries (key, channel, event_id, event, batch, next_attempt_at, created_at, last_error)
                 VALUES ('e:c', 'c', 'e', ?1, 'b', 'a', 'a', ?2)",
                params![
                    serde_json::json!({"url": secret_url, "headline": "x"}).to_string(),
                    format!("{secret_url} answered HTTP 500")
                ],
            )
            .expect("delivery");
        }
        let mut store = Store::open(&path).expect("upgrade");
        let url: String = store
            .conn
            .query_row("SELECT url FROM sources", [], |r| r.get(0))
            .expect("url");
        assert_eq!(url, "http://…@127.0.0.1:9/feed?token=…&page=2");
        let event: String = store
            .conn
            .query_row("SELECT event FROM deliveries", [], |r| r.get(0))
            .expect("event");
        let event: serde_json::Value = serde_json::from_str(&event).expect("still JSON");
        assert_eq!(event["url"], url);
        store.checkpoint().expect("checkpoint");
        drop(store);
        for file in std::fs::read_dir(dir.path()).expect("dir").flatten() {
            if file.file_name().to_string_lossy().contains(".bak") {
                continue;
            }
            let bytes = std::fs::read(file.path()).expect("read");
            for secret in ["s3cret", "abc123"] {
                assert!(
                    !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                    "{secret} left in {}",
                    file.path().display()
                );
            }
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
                    ..SourceSpec::default()
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
