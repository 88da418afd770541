//! `import`: the dated files of an archive folder, oldest first, through the same steps as a
//! check, marked archived.

use std::sync::Arc;

use crate::config::Source;
use crate::config::channels::NotifySettings;
use crate::net::fetch::Validators;
use crate::read::archive::{self, DatedFile};
use crate::store::{FailureKind, StoreError, StoreHandle, StoredChange};

use super::cycle::*;
use super::steps::*;

/// What `import` did.
#[derive(Debug, Clone, Default)]
pub struct Imported {
    /// Files read.
    pub files: usize,
    /// New versions stored.
    pub versions: usize,
    /// Changes found.
    pub changes: Vec<StoredChange>,
    /// Files that could not be read or did not read right.
    pub failures: Vec<SourceFailure>,
}

/// Stores an archive's dated files (oldest first) as versions of a source, as if each had
/// been fetched at its date. Notifies no one: this is history. Each file is read when its turn
/// comes, at most `limit` bytes of it (a page's size limit); a file that cannot be read is a
/// failure naming it, and the rest are imported. `progress` is told how many files are done.
pub async fn import(
    source: &Arc<Source>,
    store: &StoreHandle,
    files: &[DatedFile],
    limit: usize,
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
    for (index, file) in files.iter().enumerate() {
        progress(index);
        let path = file.path.clone();
        let read = tokio::task::spawn_blocking(move || archive::read(&path, limit))
            .await
            .expect("reading a file never panics");
        let bytes = match read {
            Ok(bytes) => bytes,
            Err(error) => {
                tracing::warn!(source = %source.name, "{error}");
                imported.failures.push(SourceFailure {
                    source: source.name.clone(),
                    kind: FailureKind::Fetch,
                    message: error.to_string(),
                });
                continue;
            }
        };
        let at = file.observed;
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
                Checked::Failed(mut failure) => {
                    failure.message = format!("{}: {}", file.path.display(), failure.message);
                    imported.failures.push(failure);
                }
            }
        }
        imported.files += 1;
    }
    progress(files.len());
    Ok(imported)
}
