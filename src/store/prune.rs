//! Retention: what `prune` removes (failures, sent and dead deliveries, and optionally versions
//! older than a cutoff, then the page bodies nothing refers to any more), and the cap on the
//! failure bodies a broken page keeps, applied by every failed check that stores a body.

use super::*;

/// The distinct bodies of failures a source keeps, newest first: a broken page whose bytes
/// change on every fetch would otherwise store a body at every check. `reprocess` re-reads
/// these; older failures keep their row, without a body.
pub const FAILURE_BODIES_KEPT: i64 = 3;

/// What a prune removed (or, for a dry run, would remove), per table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Pruned {
    /// Rows of `failures`.
    pub failures: usize,
    /// Sent and dead rows of `deliveries`.
    pub deliveries: usize,
    /// Rows of `snapshots` (only with `versions`).
    pub versions: usize,
    /// Rows of `changes` (only with `versions`).
    pub changes: usize,
    /// Rows of `bodies` that no version and no remaining failure refers to.
    pub bodies: usize,
}

/// Keeps only the newest [`FAILURE_BODIES_KEPT`] distinct failure bodies of a source: older
/// failures lose their `body_hash`, and a body nothing else refers to is removed.
pub(super) fn cap_failure_bodies(tx: &Connection, source: SourceId) -> rusqlite::Result<()> {
    let dropped: Vec<String> = tx
        .prepare_cached(
            "SELECT DISTINCT body_hash FROM failures
             WHERE source_id = ?1 AND body_hash IS NOT NULL AND body_hash NOT IN (
                 SELECT body_hash FROM failures WHERE source_id = ?1 AND body_hash IS NOT NULL
                 GROUP BY body_hash ORDER BY MAX(id) DESC LIMIT ?2)",
        )?
        .query_map(params![source.0, FAILURE_BODIES_KEPT], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut forget = tx.prepare_cached(
        "UPDATE failures SET body_hash = NULL WHERE source_id = ?1 AND body_hash = ?2",
    )?;
    for hash in &dropped {
        forget.execute(params![source.0, hash])?;
    }
    let mut delete = tx.prepare_cached(
        "DELETE FROM bodies WHERE hash = ?1
           AND NOT EXISTS (SELECT 1 FROM snapshots WHERE body_hash = ?1)
           AND NOT EXISTS (SELECT 1 FROM failures WHERE body_hash = ?1)",
    )?;
    for hash in &dropped {
        delete.execute([hash])?;
    }
    Ok(())
}

impl Store {
    /// Removes failures and sent or dead deliveries from before `cutoff`, with `versions` also
    /// the versions last seen before it (never a source's latest) and the changes that refer
    /// to them, then every body that no version and no failure refers to; all in one
    /// transaction. A dry run counts the same rows and rolls back. After a prune, pages SQLite
    /// can give back are freed when the file's `auto_vacuum` is incremental.
    pub fn prune(
        &mut self,
        cutoff: DateTime<Utc>,
        versions: bool,
        dry_run: bool,
    ) -> Result<Pruned, StoreError> {
        let path = self.path.clone();
        let wrap = sqlite(&path);
        let cutoff = format_time(cutoff);
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(&wrap)?;
        let mut pruned = Pruned {
            failures: tx
                .execute("DELETE FROM failures WHERE at < ?1", [&cutoff])
                .map_err(&wrap)?,
            deliveries: tx
                .execute(
                    "DELETE FROM deliveries WHERE status IN ('sent', 'dead')
                       AND COALESCE(sent_at, created_at) < ?1",
                    [&cutoff],
                )
                .map_err(&wrap)?,
            ..Pruned::default()
        };
        if versions {
            tx.execute_batch(
                "CREATE TEMP TABLE IF NOT EXISTS pruned_versions (id INTEGER PRIMARY KEY);
                 DELETE FROM temp.pruned_versions;",
            )
            .map_err(&wrap)?;
            tx.execute(
                "INSERT INTO temp.pruned_versions (id)
                 SELECT id FROM snapshots s WHERE last_seen_at < ?1
                   AND id < (SELECT MAX(id) FROM snapshots l WHERE l.source_id = s.source_id)",
                [&cutoff],
            )
            .map_err(&wrap)?;
            // Changes refer to versions: they go first.
            pruned.changes = tx
                .execute(
                    "DELETE FROM changes WHERE from_snapshot IN (SELECT id FROM temp.pruned_versions)
                        OR to_snapshot IN (SELECT id FROM temp.pruned_versions)",
                    [],
                )
                .map_err(&wrap)?;
            pruned.versions = tx
                .execute(
                    "DELETE FROM snapshots WHERE id IN (SELECT id FROM temp.pruned_versions)",
                    [],
                )
                .map_err(&wrap)?;
            tx.execute_batch("DROP TABLE temp.pruned_versions;")
                .map_err(&wrap)?;
        }
        pruned.bodies = tx
            .execute(
                "DELETE FROM bodies WHERE
                   NOT EXISTS (SELECT 1 FROM snapshots WHERE body_hash = bodies.hash)
                   AND NOT EXISTS (SELECT 1 FROM failures WHERE body_hash = bodies.hash)",
                [],
            )
            .map_err(&wrap)?;
        if dry_run {
            tx.rollback().map_err(&wrap)?;
            return Ok(pruned);
        }
        tx.commit().map_err(&wrap)?;
        // Gives the freed pages back to the file system; a no-op unless `auto_vacuum` is
        // incremental (new databases are).
        self.conn
            .execute_batch("PRAGMA incremental_vacuum;")
            .map_err(&wrap)?;
        Ok(pruned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::super::tests::setup;

    fn advisory(summary: &str) -> Advisory {
        super::super::tests::advisory(2, summary)
    }

    fn check(source: SourceId, at: DateTime<Utc>, body: &str, outcome: Outcome) -> CheckRecord {
        CheckRecord {
            source,
            checked_at: at,
            http_status: Some(200),
            content_hash: Some(content_hash(body.as_bytes())),
            body: Some(Body::new(body.as_bytes())),
            outcome,
            deliveries: Vec::new(),
            validators: None,
            dark: None,
        }
    }

    fn broken(source: SourceId, at: DateTime<Utc>, body: &str) -> CheckRecord {
        check(
            source,
            at,
            body,
            Outcome::Failed {
                kind: FailureKind::Extraction,
                message: "selector matched nothing".into(),
            },
        )
    }

    fn count(store: &Store, sql: &str) -> i64 {
        store.conn.query_row(sql, [], |r| r.get(0)).expect("count")
    }

    #[test]
    fn a_broken_page_with_changing_bytes_keeps_only_the_newest_bodies() {
        let (_dir, mut store, id) = setup();
        for n in 0..5 {
            store
                .record(&broken(id, Utc::now(), &format!("broken page, nonce {n}")))
                .expect("record");
        }
        assert_eq!(count(&store, "SELECT COUNT(*) FROM failures"), 5);
        assert_eq!(
            count(&store, "SELECT COUNT(*) FROM bodies"),
            FAILURE_BODIES_KEPT
        );
        // The newest failures keep theirs, for `reprocess`.
        assert_eq!(
            count(
                &store,
                "SELECT COUNT(*) FROM failures WHERE body_hash IS NOT NULL AND id > 2"
            ),
            FAILURE_BODIES_KEPT
        );
    }

    #[test]
    fn a_failure_body_that_a_version_shares_stays() {
        let (_dir, mut store, id) = setup();
        let now = Utc::now();
        store
            .record(&check(
                id,
                now,
                "same page",
                Outcome::NewVersion {
                    previous: None,
                    profile: "p".into(),
                    advisory: advisory("a"),
                    change: None,
                    archived: false,
                },
            ))
            .expect("version");
        store
            .record(&broken(id, now, "same page"))
            .expect("failure");
        for n in 0..5 {
            store
                .record(&broken(id, now, &format!("other {n}")))
                .expect("failure");
        }
        let kept = count(
            &store,
            "SELECT COUNT(*) FROM snapshots s JOIN bodies b ON b.hash = s.body_hash",
        );
        assert_eq!(kept, 1);
    }

    #[test]
    fn prune_removes_old_failures_and_orphans_and_a_dry_run_nothing() {
        let (_dir, mut store, id) = setup();
        let old = Utc::now() - chrono::Duration::days(500);
        let first = store
            .record(&check(
                id,
                old,
                "version one",
                Outcome::NewVersion {
                    previous: None,
                    profile: "p".into(),
                    advisory: advisory("one"),
                    change: None,
                    archived: false,
                },
            ))
            .expect("version");
        let Recorded::Stored {
            snapshot: Some(first),
            ..
        } = first
        else {
            panic!("not stored: {first:?}");
        };
        store
            .record(&check(
                id,
                old + chrono::Duration::days(1),
                "version two",
                Outcome::NewVersion {
                    previous: Some(first),
                    profile: "p".into(),
                    advisory: advisory("two"),
                    change: None,
                    archived: false,
                },
            ))
            .expect("version");
        store.record(&broken(id, old, "old broken")).expect("f");
        store
            .record(&broken(id, Utc::now(), "new broken"))
            .expect("f");
        let cutoff = Utc::now() - chrono::Duration::days(400);

        let dry = store.prune(cutoff, true, true).expect("dry run");
        assert_eq!(
            dry,
            Pruned {
                failures: 1,
                deliveries: 0,
                versions: 1,
                changes: 0,
                bodies: 2,
            }
        );
        assert_eq!(count(&store, "SELECT COUNT(*) FROM failures"), 2);
        assert_eq!(count(&store, "SELECT COUNT(*) FROM bodies"), 4);

        let kept_versions = store.prune(cutoff, false, false).expect("prune");
        assert_eq!(kept_versions.versions, 0);
        assert_eq!(kept_versions.bodies, 1);
        assert_eq!(count(&store, "SELECT COUNT(*) FROM snapshots"), 2);
        let pruned = store.prune(cutoff, true, false).expect("prune versions");
        assert_eq!(pruned.versions, 1);
        // The latest version stays, however old.
        assert_eq!(count(&store, "SELECT COUNT(*) FROM snapshots"), 1);
        assert_eq!(
            count(
                &store,
                "SELECT COUNT(*) FROM snapshots s LEFT JOIN bodies b ON b.hash = s.body_hash
                 WHERE b.hash IS NULL"
            ),
            0
        );
        assert_eq!(count(&store, "PRAGMA auto_vacuum"), 2);
    }
}
