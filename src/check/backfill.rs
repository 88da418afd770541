//! `backfill`: the versions a page's advisory-history panel lists, stored before the first
//! check.

use std::sync::Arc;

use chrono::Utc;

use crate::config::Source;
use crate::config::channels::NotifySettings;
use crate::read::document::Extracted;
use crate::read::extract;
use crate::store::{StoreError, StoreHandle, StoredChange};

use super::cycle::*;
use super::steps::*;

/// What `backfill` stored.
#[derive(Debug, Clone, Default)]
pub struct Backfilled {
    /// Versions from the history panel, oldest first.
    pub from_history: usize,
    /// Changes between them and up to the current version.
    pub changes: Vec<StoredChange>,
}

/// Stores the versions a page's history panel lists as dated versions, then the current page,
/// so a new installation starts with a real timeline. Only for a source with no versions yet.
pub async fn backfill(
    source: &Arc<Source>,
    store: &StoreHandle,
    page: crate::net::fetch::Page,
) -> Result<Result<Backfilled, String>, StoreError> {
    let ids = register_sources(store, std::slice::from_ref(source)).await?;
    let id = ids[&source.name];
    let latest = reload(store, id).await?;
    if latest.snapshot.is_some() {
        return Ok(Err(format!(
            "source `{}` already has versions; backfill fills the timeline of a source before its first check",
            source.name
        )));
    }
    let html = page.text.clone();
    let panel = tokio::task::spawn_blocking(move || extract::history_panel(&html))
        .await
        .expect("reading never panics");
    let (entries, current) = (panel.entries, panel.issued);
    let silent = NotifySettings::default();
    let notes = Notes {
        notify: &silent,
        batch: "backfill",
        archived: true,
    };
    let target = Target::of(source, id);
    let mut done = Backfilled::default();
    let now = Utc::now();
    for advisory in entries {
        // The newest entry is the current version, which the page itself gives in full.
        if advisory.issued.is_some() && advisory.issued == current {
            continue;
        }
        let Some(date) = advisory.issued else {
            continue;
        };
        let at = chrono::TimeZone::from_utc_datetime(
            &Utc,
            &date.and_hms_opt(12, 0, 0).expect("noon exists"),
        );
        if at >= now {
            continue;
        }
        let latest = reload(store, id).await?;
        let extracted = Extracted {
            profile: "history-panel".to_owned(),
            advisory,
        };
        let origin = Origin::item(200);
        if let Checked::Changed(change) = record_extracted(
            Facts {
                store,
                notes,
                checked_at: at,
            },
            target,
            latest,
            extracted,
            origin,
        )
        .await?
        {
            done.changes.push(*change);
        }
        done.from_history += 1;
    }
    let latest = reload(store, id).await?;
    for checked in process_page(
        source,
        id,
        latest,
        page,
        Facts {
            store,
            notes,
            checked_at: now,
        },
        None,
    )
    .await?
    {
        if let Checked::Changed(change) = checked {
            done.changes.push(*change);
        }
    }
    Ok(Ok(done))
}
