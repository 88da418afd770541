//! The outbox: deliveries claimed with a lease, in order per channel and source, and what
//! became of each (sent, retry at, dead), for the delivery worker and for `deliveries`.

use super::*;

/// A delivery claimed for sending.
#[derive(Debug, Clone)]
pub struct DueDelivery {
    /// Row id.
    pub id: i64,
    /// Delivery id (`<event id>:<channel>`).
    pub key: String,
    /// The channel.
    pub channel: String,
    /// The source the event is about: deliveries of one channel about one source go out in
    /// order.
    pub source: String,
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
            // Per channel and source, deliveries go out in the order they were queued: the
            // first pending delivery about a source that is not due (or is claimed) holds back
            // the channel's later ones about that source, and nothing else.
            let mut select = tx
                .prepare_cached(
                    "SELECT id, key, channel, event, batch, attempts, next_attempt_at, claimed_until,
                            COALESCE(json_extract(event, '$.source'), '')
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
                            source: r.get(8)?,
                            event: r.get(3)?,
                            batch: r.get(4)?,
                            attempts: r.get(5)?,
                        },
                        r.get::<_, String>(6)?,
                        r.get::<_, Option<String>>(7)?,
                    ))
                })
                .map_err(wrap)?;
            let mut held: HashSet<(String, String)> = HashSet::new();
            for row in rows {
                let (row, next_attempt_at, claimed_until) = row.map_err(wrap)?;
                let order = (row.channel.clone(), row.source.clone());
                if !channels.contains(&row.channel) || held.contains(&order) {
                    continue;
                }
                let due = next_attempt_at <= now_text
                    && claimed_until
                        .as_deref()
                        .is_none_or(|c| c <= now_text.as_str());
                if !due {
                    held.insert(order);
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
        let message = &*crate::config::source_url::redact_urls_in(message);
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

    /// Puts every dead delivery back in the queue, due now, with its attempts reset; returns
    /// how many.
    pub fn requeue_dead(&mut self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        self.conn
            .execute(
                "UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = ?1, claimed_until = NULL
                 WHERE status = 'dead'",
                params![format_time(now)],
            )
            .map_err(|e| self.err(e))
    }

    /// Whether any delivery is dead.
    pub fn any_dead(&self) -> Result<bool, StoreError> {
        self.conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM deliveries WHERE status = 'dead')",
                [],
                |r| r.get(0),
            )
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
