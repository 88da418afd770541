//! `import`: the dated files of an archive folder, oldest first, through the same steps as a
//! check, marked archived.

use std::sync::Arc;

use chrono::Utc;

use crate::config::Source;
use crate::config::channels::NotifySettings;
use crate::net::fetch::Validators;
use crate::store::{StoreError, StoreHandle, StoredChange};

use super::cycle::*;

/// What `import` did.
#[derive(Debug, Clone, Default)]
pub struct Imported {
    /// Files read.
    pub files: usize,
    /// New versions stored.
    pub versions: usize,
    /// Changes found.
    pub changes: Vec<StoredChange>,
    /// Files that did not read right.
    pub failures: Vec<SourceFailure>,
}

/// Stores dated documents (an archive's files, oldest first) as versions of a source, as if
/// each had been fetched at its date. Notifies no one: this is history. `progress` is called
/// after each file.
pub async fn import(
    source: &Arc<Source>,
    store: &StoreHandle,
    documents: Vec<(chrono::DateTime<Utc>, Vec<u8>)>,
    progress: impl Fn(usize),
) -> Result<Imported, StoreError> {
    let ids = register_sources(store, std::slice::from_ref(source)).await?;
    let id = ids[&source.name];
    let silent = NotifySettings::default();
    let notes = Notes {
        notify: &silent,
        batch: "import",
        archived: true,
    };
    let mut imported = Imported::default();
    for (index, (at, bytes)) in documents.into_iter().enumerate() {
        let latest = reload(store, id).await?;
        let page = crate::net::fetch::Page {
            status: 200,
            final_url: source.url.fetch_url().clone(),
            text: crate::net::fetch::decode(&bytes, None),
            bytes,
            validators: Validators::default(),
        };
        for checked in process_page(
            source,
            id,
            latest,
            page,
            Facts {
                store,
                notes,
                checked_at: at,
            },
            None,
        )
        .await?
        {
            match checked {
                Checked::Unchanged => {}
                Checked::FirstVersion(_) => imported.versions += 1,
                Checked::Changed(change) => {
                    imported.versions += 1;
                    imported.changes.push(*change);
                }
                Checked::Failed(failure) => imported.failures.push(failure),
            }
        }
        imported.files += 1;
        progress(index + 1);
    }
    Ok(imported)
}
