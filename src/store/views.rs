//! The queries behind what people read: every source's state, a source's versions, changes
//! and failures, the changes of a period, the level points of the charts, and the stored bodies
//! for `reprocess`.

use super::*;
use crate::model::government::Government;

/// One source's state for `sources` and `status`.
#[derive(Debug, Clone, Serialize)]
pub struct SourceOverview {
    /// Name.
    pub name: String,
    /// Whose advice it is.
    pub government: Government,
    /// A feed or index, whose countries are sources of their own: never a reading itself.
    pub collection: bool,
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
    /// The current version came from an archive: `version_seen` is a day, not a time of day.
    pub version_archived: bool,
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
    /// The last check was an `import` or `backfill` of archived pages: its time is the day of
    /// the archive, not a time of day.
    pub last_checked_archived: bool,
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
    /// Whose advice it is.
    pub government: Government,
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
    /// The version came from an archive: `first_seen_at` is a day, not a time of day.
    pub archived: bool,
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

/// A source's government: the one recorded with it, else the one of the built-in profile that
/// read its version (a database written before sources recorded theirs).
pub fn government_of(recorded: Option<&str>, profile: Option<&str>) -> Government {
    let label = recorded
        .filter(|g| !g.trim().is_empty())
        .or_else(|| profile.and_then(crate::model::profile::builtin_government))
        .unwrap_or("");
    Government::named(label)
}

impl Store {
    /// Every source's state, with its latest version, in name order; sources the
    /// configuration no longer names are left out (their history stays).
    pub fn overview(&self) -> Result<Vec<SourceOverview>, StoreError> {
        let mut statement = self
            .conn
            .prepare_cached(
                "SELECT s.id, s.name, s.country, s.url, s.last_checked_at, s.last_success_at, s.state,
                        s.consecutive_failures, s.last_error_message,
                        l.advisory,
                        (SELECT MAX(detected_at) FROM changes WHERE source_id = s.id),
                        s.last_error_at, s.last_error_kind, l.profile, l.first_seen_at,
                        COALESCE(l.archived = 1 AND l.last_seen_at = s.last_checked_at, 0),
                        s.government, s.collection, COALESCE(l.archived, 0)
                 FROM sources s
                 LEFT JOIN snapshots l ON l.id = (SELECT MAX(id) FROM snapshots WHERE source_id = s.id)
                 WHERE s.retired = 0
                 ORDER BY s.name",
            )
            .map_err(|e| self.err(e))?;
        let rows = statement
            .query_map([], |r| {
                Ok((
                    SourceOverview {
                        name: r.get(1)?,
                        government: government_of(
                            r.get::<_, Option<String>>(16)?.as_deref(),
                            r.get::<_, Option<String>>(13)?.as_deref(),
                        ),
                        collection: r.get(17)?,
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
                        version_archived: r.get(18)?,
                        issued: None,
                        withdrawn: false,
                        state: r.get(6)?,
                        consecutive_failures: r.get(7)?,
                        last_error: r.get(8)?,
                        last_change: r.get(10)?,
                        last_error_at: r.get(11)?,
                        last_error_kind: r.get(12)?,
                        last_checked_archived: r.get(15)?,
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
                        COALESCE(c.uid, ''), new.archived, s.government, new.profile
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
            Option<String>,
            String,
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
                        r.get(10)?,
                        r.get(11)?,
                    ))
                },
            )
            .and_then(|rows| rows.collect())
            .map_err(|e| self.err(e))?;
        rows.into_iter()
            .map(
                |(
                    id,
                    source,
                    country,
                    url,
                    detected_at,
                    change,
                    old,
                    new,
                    uid,
                    archived,
                    government,
                    profile,
                )| {
                    Ok(StoredChange {
                        id: ChangeId(id),
                        uid,
                        source,
                        government: government_of(government.as_deref(), Some(&profile)),
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
                        COALESCE(json_extract(sn.advisory, '$.withdrawn'), 0), sn.archived
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
                    archived: r.get(5)?,
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
                "SELECT at, last_seen_at, http_status, body_hash, codec, packed FROM (
                    SELECT sn.first_seen_at AS at, sn.last_seen_at, sn.http_status, sn.body_hash, b.codec, b.packed, sn.id AS ord, 0 AS k
                    FROM snapshots sn JOIN bodies b ON b.hash = sn.body_hash WHERE sn.source_id = ?1
                    UNION ALL
                    SELECT f.at, f.at, f.http_status, f.body_hash, b.codec, b.packed, f.id, 1
                    FROM failures f JOIN bodies b ON b.hash = f.body_hash
                    WHERE f.source_id = ?1 AND f.kind = 'extraction'
                 ) ORDER BY at, k, ord",
            )
            .map_err(|e| self.err(e))?;
        type Row = (String, String, Option<u16>, String, String, Vec<u8>);
        let rows: Vec<Row> = statement
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
                |(at, last_seen_at, http_status, body_hash, codec, packed)| {
                    let raw =
                        Body::unpack(&codec, &packed).map_err(|message| StoreError::Corrupt {
                            path: self.path.clone(),
                            what: "page body",
                            message,
                        })?;
                    Ok(Observation {
                        at,
                        last_seen_at,
                        http_status,
                        body_hash,
                        raw,
                    })
                },
            )
            .collect()
    }
}
