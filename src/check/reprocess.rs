//! `reprocess`: every stored body of a source read again with its current profiles, and its
//! versions and changes rebuilt in one transaction, without fetching.

use std::sync::Arc;

use crate::config::Source;
use crate::model::diff::{self};
use crate::read::document::Document;
use crate::read::extract;
use crate::store::{RebuiltFailure, RebuiltVersion, StoreError, StoreHandle};

use super::cycle::*;

/// Re-extracts every stored body of a source with its current profiles and rebuilds its
/// versions and changes, in one transaction.
pub async fn reprocess(
    source: &Arc<Source>,
    store: &StoreHandle,
) -> Result<Reprocessed, StoreError> {
    let ids = register_sources(store, std::slice::from_ref(source)).await?;
    let id = ids[&source.name];
    let reader = source.reader.clone();
    let name = source.name.clone();
    store
        .call(move |store| {
            let versions_before = store.snapshots(id)?.len();
            let observations = store.observations(id)?;
            let pages = observations.len();
            let mut versions: Vec<RebuiltVersion> = Vec::new();
            let mut failures: Vec<RebuiltFailure> = Vec::new();
            for observation in observations {
                let text = crate::net::fetch::decode(&observation.raw, None);
                let outcome = match extract::read_document(&reader, &text) {
                    Ok(Document::One(outcome)) => outcome,
                    Ok(Document::Many(_)) => Err(
                        "reprocess re-reads pages; a feed's countries are re-read by the next check"
                            .to_owned(),
                    ),
                    Err(message) => Err(message),
                };
                match outcome {
                    Ok(extracted) => {
                        let previous = versions.last();
                        if previous.is_some_and(|p| p.advisory == extracted.advisory) {
                            if let Some(last) = versions.last_mut() {
                                last.observation.last_seen_at = observation.last_seen_at;
                            }
                            continue;
                        }
                        let change =
                            previous.and_then(|p| diff::compare(&p.advisory, &extracted.advisory));
                        versions.push(RebuiltVersion {
                            observation,
                            profile: extracted.profile,
                            advisory: extracted.advisory,
                            change,
                        });
                    }
                    Err(message) => failures.push(RebuiltFailure {
                        observation,
                        message,
                    }),
                }
            }
            store.replace_history(id, &versions, &failures)?;
            Ok(Reprocessed {
                source: name,
                pages,
                versions_before,
                versions_after: versions.len(),
                failures: failures.len(),
            })
        })
        .await
}
