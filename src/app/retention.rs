//! Retention as the daemon applies it: with `storage.keep` set, once at start and then daily,
//! the same prune as `advisory-watch prune --older-than KEEP` (versions and changes kept). What
//! is removed is the store's (`Store::prune`); this module only says when, and logs it.

use std::time::Duration;

use chrono::Utc;

use crate::store::{Pruned, StoreError, StoreHandle};

/// Prunes what is older than `older_than` (versions too with `versions`); a dry run only counts.
pub async fn prune(
    store: &StoreHandle,
    older_than: Duration,
    versions: bool,
    dry_run: bool,
) -> Result<Pruned, StoreError> {
    let cutoff =
        Utc::now() - chrono::Duration::from_std(older_than).unwrap_or(chrono::Duration::MAX / 2);
    store
        .call(move |store| store.prune(cutoff, versions, dry_run))
        .await
}

/// The daemon's daily prune: logs what it removed, or why it could not.
pub async fn prune_daily(store: &StoreHandle, keep: Duration) {
    match prune(store, keep, false, false).await {
        Ok(p) => tracing::info!(
            failures = p.failures,
            deliveries = p.deliveries,
            bodies = p.bodies,
            "pruned what is older than storage.keep"
        ),
        Err(e) => tracing::warn!(error = %e, "could not prune the database; trying again tomorrow"),
    }
}
