//! What the daemon's `/readyz` and `/metrics` read at scrape time: the outbox by state, the
//! oldest pending delivery, each configured source's last success and run of failures, the
//! file's size, and a write check that takes the write lock and gives it back.

use super::*;

/// A source's health, as `/metrics` shows it.
#[derive(Debug, Clone)]
pub struct SourceHealth {
    /// The source's name.
    pub name: String,
    /// Its last successful check.
    pub last_success_at: Option<DateTime<Utc>>,
    /// Failed checks since the last success.
    pub consecutive_failures: i64,
}

/// What `/metrics` and `/readyz` read from the database.
#[derive(Debug, Clone, Default)]
pub struct HealthFacts {
    /// Deliveries by state: pending, sent, dead (each present, zero when none).
    pub deliveries: Vec<(&'static str, i64)>,
    /// When the oldest pending delivery was queued.
    pub oldest_pending_created: Option<DateTime<Utc>>,
    /// The earliest time a pending delivery is due.
    pub earliest_pending_due: Option<DateTime<Utc>>,
    /// Every source the configuration names (not retired).
    pub sources: Vec<SourceHealth>,
    /// The database's size in bytes (pages times page size, the write-ahead log included).
    pub database_bytes: i64,
}

fn parse_time(text: Option<String>) -> Option<DateTime<Utc>> {
    text.and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
        .map(|t| t.with_timezone(&Utc))
}

impl Store {
    /// Reads the facts behind the daemon's `/metrics` and `/readyz`.
    pub fn health_facts(&self) -> Result<HealthFacts, StoreError> {
        let wrap = sqlite(&self.path);
        let mut deliveries = vec![("pending", 0), ("sent", 0), ("dead", 0)];
        let mut by_state = self
            .conn
            .prepare_cached("SELECT status, COUNT(*) FROM deliveries GROUP BY status")
            .map_err(&wrap)?;
        let rows = by_state
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
            .map_err(&wrap)?;
        for row in rows {
            let (state, count) = row.map_err(&wrap)?;
            if let Some(slot) = deliveries.iter_mut().find(|(s, _)| *s == state) {
                slot.1 = count;
            }
        }
        let (created, due): (Option<String>, Option<String>) = self
            .conn
            .query_row(
                "SELECT MIN(created_at), MIN(next_attempt_at) FROM deliveries WHERE status = 'pending'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(&wrap)?;
        let mut select = self
            .conn
            .prepare_cached(
                "SELECT name, last_success_at, consecutive_failures FROM sources
                 WHERE retired = 0 ORDER BY name",
            )
            .map_err(&wrap)?;
        let sources = select
            .query_map([], |r| {
                Ok(SourceHealth {
                    name: r.get(0)?,
                    last_success_at: parse_time(r.get(1)?),
                    consecutive_failures: r.get(2)?,
                })
            })
            .map_err(&wrap)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(&wrap)?;
        let database_bytes = self
            .conn
            .query_row(
                "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()",
                [],
                |r| r.get(0),
            )
            .map_err(&wrap)?;
        Ok(HealthFacts {
            deliveries,
            oldest_pending_created: parse_time(created),
            earliest_pending_due: parse_time(due),
            sources,
            database_bytes,
        })
    }

    /// Whether the database takes writes: takes the write lock and gives it back, writing
    /// nothing.
    pub fn check_writable(&mut self) -> Result<(), StoreError> {
        self.conn
            .execute_batch("BEGIN IMMEDIATE; ROLLBACK;")
            .map_err(sqlite(&self.path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_database_is_writable_and_has_no_deliveries_and_a_size() {
        let dir = tempfile::tempdir().expect("dir");
        let mut store = Store::open(&dir.path().join("db.sqlite")).expect("open");
        store.check_writable().expect("writable");
        let facts = store.health_facts().expect("facts");
        assert_eq!(
            facts.deliveries,
            vec![("pending", 0), ("sent", 0), ("dead", 0)]
        );
        assert!(facts.oldest_pending_created.is_none());
        assert!(facts.sources.is_empty());
        assert!(facts.database_bytes > 0);
    }
}
