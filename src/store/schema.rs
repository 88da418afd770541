//! The schema: every migration, in order. A shipped migration is never edited; a change to
//! the schema is a new entry at the end, applied when a database is opened. A migration may
//! call `redact_urls(text)` ([`crate::config::source_url::redact_urls_in`]), which
//! `Store::migrate` registers on the connection.

/// The schema, one entry per version. Never edit a shipped entry; add a new one.
pub(super) const MIGRATIONS: &[&str] = &[
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
    r#"
ALTER TABLE bodies RENAME COLUMN deflated TO packed;
ALTER TABLE bodies ADD COLUMN codec TEXT NOT NULL DEFAULT 'deflate';
"#,
    // Bodies in a table with row ids: a body of many kilobytes made the b-tree of a
    // `WITHOUT ROWID` table (keyed by the hash) split and copy on every insert. Run with
    // foreign keys off, as SQLite documents for rebuilding a table; they are checked at the end.
    r#"
CREATE TABLE bodies_by_row (
    hash TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    packed BLOB NOT NULL,
    codec TEXT NOT NULL DEFAULT 'deflate'
);
INSERT INTO bodies_by_row (hash, size, packed, codec) SELECT hash, size, packed, codec FROM bodies;
DROP TABLE bodies;
ALTER TABLE bodies_by_row RENAME TO bodies;
"#,
    // Who publishes each source's advice, whether it is a feed or index whose countries are
    // sources of their own, and whether the configuration still names it.
    r#"
ALTER TABLE sources ADD COLUMN government TEXT;
ALTER TABLE sources ADD COLUMN collection INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sources ADD COLUMN retired INTEGER NOT NULL DEFAULT 0;
"#,
    // The running daemon's configuration: when it was loaded, and the last reload (SIGHUP) that
    // failed since, for `status`. One row, written by the daemon, deleted when it stops.
    r#"
CREATE TABLE daemon_config (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    origin TEXT NOT NULL,
    loaded_at TEXT NOT NULL,
    failed_at TEXT,
    error TEXT
);
"#,
    // A source gone dark: when its current run of failures began (cleared by a success), and
    // when its `source_failure` alert last went out (null: not alerted), so that a restart
    // neither sends it again nor forgets the recovery.
    r#"
ALTER TABLE sources ADD COLUMN dark_since TEXT;
ALTER TABLE sources ADD COLUMN dark_alerted_at TEXT;
"#,
    // Retention: `prune` and the cap on failure bodies ask whether anything still refers to a
    // body; without these each question scanned every version and failure.
    r#"
CREATE INDEX snapshots_by_body ON snapshots(body_hash);
CREATE INDEX failures_by_body ON failures(body_hash);
"#,
    // Credentials in source URLs: earlier releases stored a source's URL, and the messages and
    // events quoting it, as configured (`http://user:pass@host/?token=...`). Every one is
    // redacted as they are stored now; `secure_delete` overwrites the old text in the file's
    // pages instead of leaving it in free space.
    r#"
PRAGMA secure_delete = ON;
UPDATE sources SET url = redact_urls(url) WHERE url IS NOT redact_urls(url);
UPDATE sources SET last_error_message = redact_urls(last_error_message)
    WHERE last_error_message IS NOT redact_urls(last_error_message);
UPDATE failures SET message = redact_urls(message) WHERE message IS NOT redact_urls(message);
UPDATE deliveries SET event = redact_urls(event) WHERE event IS NOT redact_urls(event);
UPDATE deliveries SET last_error = redact_urls(last_error)
    WHERE last_error IS NOT redact_urls(last_error);
UPDATE daemon_config SET error = redact_urls(error) WHERE error IS NOT redact_urls(error);
PRAGMA secure_delete = OFF;
"#,
];
