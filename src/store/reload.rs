//! The running daemon's configuration as `status` reports it: when the configuration it runs
//! was loaded, and whether a reload (SIGHUP) failed since. One row in `daemon_config`, written
//! by the daemon at start and at each reload, deleted when it stops cleanly (a row left by a
//! crash is replaced by the next start).

use super::*;

/// What the daemon last loaded, and the last reload that failed since.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfigLoad {
    /// The configuration file.
    pub origin: String,
    /// When the configuration the daemon runs was loaded.
    pub loaded_at: String,
    /// When a reload failed after that, if one did.
    pub failed_at: Option<String>,
    /// That reload's error.
    pub error: Option<String>,
}

impl Store {
    /// Records that the daemon runs the configuration of `origin`, loaded `at`; a failed reload
    /// recorded before is cleared.
    pub fn record_config_loaded(
        &mut self,
        origin: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO daemon_config (id, origin, loaded_at, failed_at, error)
                 VALUES (1, ?1, ?2, NULL, NULL)
                 ON CONFLICT (id) DO UPDATE SET origin = ?1, loaded_at = ?2,
                     failed_at = NULL, error = NULL",
                params![origin, format_time(at)],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Records a reload that failed `at` with `error`; the configuration loaded before runs on.
    pub fn record_config_failed(
        &mut self,
        at: DateTime<Utc>,
        error: &str,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE daemon_config SET failed_at = ?1, error = ?2 WHERE id = 1",
                params![
                    format_time(at),
                    crate::config::source_url::redact_urls_in(error)
                ],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Forgets the daemon's configuration: it stopped.
    pub fn clear_config_load(&mut self) -> Result<(), StoreError> {
        self.conn
            .execute("DELETE FROM daemon_config", [])
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// What the running daemon loaded, if a daemon runs (or crashed) on this database.
    pub fn config_load(&self) -> Result<Option<ConfigLoad>, StoreError> {
        self.conn
            .query_row(
                "SELECT origin, loaded_at, failed_at, error FROM daemon_config WHERE id = 1",
                [],
                |r| {
                    Ok(ConfigLoad {
                        origin: r.get(0)?,
                        loaded_at: r.get(1)?,
                        failed_at: r.get(2)?,
                        error: r.get(3)?,
                    })
                },
            )
            .optional()
            .map_err(|e| self.err(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_reload_is_kept_until_the_next_load_and_the_stop_forgets_all() {
        let dir = tempfile::tempdir().expect("dir");
        let mut store = Store::open(&dir.path().join("db.sqlite")).expect("open");
        assert_eq!(store.config_load().expect("read"), None);
        let start = DateTime::parse_from_rfc3339("2026-01-02T03:04:05Z")
            .expect("time")
            .with_timezone(&Utc);
        store
            .record_config_loaded("/etc/aw.toml", start)
            .expect("loaded");
        let later = start + chrono::Duration::minutes(5);
        store
            .record_config_failed(later, "configuration /etc/aw.toml: unknown field `x`")
            .expect("failed");
        let load = store.config_load().expect("read").expect("a row");
        assert_eq!(load.loaded_at, "2026-01-02T03:04:05.000Z");
        assert_eq!(load.failed_at.as_deref(), Some("2026-01-02T03:09:05.000Z"));
        assert!(
            load.error
                .as_deref()
                .is_some_and(|e| e.contains("unknown field"))
        );
        store
            .record_config_loaded("/etc/aw.toml", later)
            .expect("reloaded");
        let load = store.config_load().expect("read").expect("a row");
        assert_eq!((load.failed_at, load.error), (None, None));
        store.clear_config_load().expect("clear");
        assert_eq!(store.config_load().expect("read"), None);
    }
}
