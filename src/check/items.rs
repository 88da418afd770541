//! The countries of a feed or an index: each recorded as a source of its own; one that
//! appears after the first check is a new advisory, one that disappears a withdrawn one, one
//! that comes back a reinstated one.

use std::sync::Arc;

use crate::config::Source;
use crate::read::document::{Document, Extracted, Item};
use crate::read::extract;
use crate::store::{
    Body, CheckRecord, Latest, Outcome, Recorded, SourceId, SourceSpec, StoreError,
};

use super::steps::*;

/// The placeholder version of an advisory that is no longer published.
fn withdrawn_version(level: &crate::model::advisory::Level) -> Extracted {
    Extracted {
        profile: "withdrawn".to_owned(),
        advisory: crate::model::advisory::Advisory {
            level: level.clone(),
            indicators: Vec::new(),
            reasons: Vec::new(),
            summary: String::new(),
            issued: None,
            change_note: None,
            areas: Vec::new(),
            withdrawn: true,
            partial: false,
            text_level: None,
            full_name: None,
        },
    }
}

/// The page of a feed's country as it is stored and shown: its own link, redacted (an API may
/// repeat its key in the links it gives), else the feed's URL.
fn child_url(item: &Item, source: &Source) -> String {
    match &item.url {
        Some(url) => crate::config::source_url::redact_url_text(url),
        None => source.url.shown().to_owned(),
    }
}

/// Checks every country of a feed or index: each is recorded as a source of its own, a
/// country that appears after the first check is a new advisory, and one that disappears is a
/// withdrawn one.
pub(super) async fn check_items(
    source: &Arc<Source>,
    id: SourceId,
    latest: &Latest,
    page: crate::net::fetch::Page,
    key: String,
    facts: Facts<'_>,
) -> Result<Vec<Checked>, StoreError> {
    let Facts {
        store, checked_at, ..
    } = facts;
    let target = Target::of(source, id);
    let reader = source.reader.clone();
    let status = page.status;
    let validators = page.validators.clone();
    let (document, raw) = tokio::task::spawn_blocking(move || {
        (extract::read_document(&reader, &page.text), page.bytes)
    })
    .await
    .expect("reading never panics");
    let every_country = source.country == "*";
    let wanted = crate::read::feed::slug(&source.country);
    let wanted_code = crate::model::country::resolve(&source.country).map(|c| c.code);
    let items = match document {
        Ok(Document::Many(items)) => Ok(items),
        Ok(Document::One(_)) => Err("the document holds one advisory, not a list".to_owned()),
        Err(message) => Err(message),
    }
    .and_then(|items| {
        let items: Vec<Item> = items
            .into_iter()
            .filter(|i| {
                every_country
                    || i.key == wanted
                    || i.country.eq_ignore_ascii_case(&source.country)
                    || wanted_code.is_some_and(|code| {
                        crate::model::country::identify(&i.key, &i.country)
                            .is_some_and(|c| c.code == code)
                    })
            })
            .collect();
        if items.is_empty() {
            Err(format!(
                "the document names no country `{}`",
                source.country
            ))
        } else {
            Ok(items)
        }
    });
    let items = match items {
        Ok(items) => items,
        Err(message) => {
            let body = Some(Body::new(&raw));
            let checked = record_unreadable(facts, target, &message, status, body).await?;
            return Ok(vec![checked]);
        }
    };

    // Each country is a source of its own.
    let specs: Vec<SourceSpec> = items
        .iter()
        .map(|item| SourceSpec {
            name: format!("{}/{}", source.name, item.key),
            country: crate::model::country::display_name(&item.key, &item.country),
            url: child_url(item, source),
            government: source.government.clone(),
            collection: false,
        })
        .collect();
    let prefix = format!("{}/", source.name);
    let (ids, known) = store
        .call(move |s| {
            let ids = s.sync_sources(&specs)?;
            let known = s.children(&prefix)?;
            Ok((ids, known))
        })
        .await?;
    let all_ids: Vec<SourceId> = known.iter().map(|(_, id)| *id).collect();
    let mut latest_children = store.call(move |s| s.latest(&all_ids)).await?;
    // The first successful read of the document is the baseline: its countries are first
    // versions, not new advisories.
    let baseline = latest.last_success_never();

    let mut checked = Vec::with_capacity(items.len());
    let mut present = std::collections::HashSet::new();
    for item in items {
        let name = format!("{}/{}", source.name, item.key);
        let child_id = ids[&name];
        present.insert(child_id);
        let url = child_url(&item, source);
        let country = crate::model::country::display_name(&item.key, &item.country);
        let child = Target {
            id: child_id,
            name: &name,
            country: &country,
            url: &url,
            government: source.government.as_deref(),
            reader: None,
        };
        let mut child_latest = latest_children
            .remove(&child_id)
            .unwrap_or_else(Latest::never_checked);
        match item.outcome {
            Err(message) => {
                checked.push(record_unreadable(facts, child, &message, status, None).await?);
            }
            Ok(extracted) => {
                if child_latest.snapshot.is_none() && !baseline {
                    // A country the publisher added: compared with "not published".
                    let mut placeholder = withdrawn_version(&extracted.advisory.level);
                    placeholder.advisory.level.label = crate::model::diff::NOT_PUBLISHED.to_owned();
                    let origin = Origin::item(status);
                    record_extracted(facts, child, child_latest, placeholder, origin).await?;
                    child_latest = reload(store, child_id).await?;
                }
                let origin = Origin::item(status);
                checked
                    .push(record_extracted(facts, child, child_latest, extracted, origin).await?);
            }
        }
    }
    // Countries the publisher no longer lists.
    for (name, child_id) in known {
        if present.contains(&child_id) {
            continue;
        }
        let Some(mut child_latest) = latest_children.remove(&child_id) else {
            continue;
        };
        let Some(last) = previous_advisory(store, &mut child_latest).await? else {
            continue;
        };
        if last.withdrawn {
            continue;
        }
        let placeholder = withdrawn_version(&last.level);
        let country = store
            .call({
                let name = name.clone();
                move |s| s.source_country(&name)
            })
            .await?
            .unwrap_or_default();
        let url = source.url.shown().to_owned();
        let child = Target {
            id: child_id,
            name: &name,
            country: &country,
            url: &url,
            government: source.government.as_deref(),
            reader: None,
        };
        let origin = Origin::item(status);
        checked.push(record_extracted(facts, child, child_latest, placeholder, origin).await?);
    }

    // The document itself read right.
    let record = CheckRecord {
        source: id,
        checked_at,
        http_status: Some(status),
        content_hash: Some(key),
        body: None,
        outcome: Outcome::Fetched,
        deliveries: Vec::new(),
        validators: Some(validators),
        dark: facts.notes.dark_watch(target),
    };
    if let Recorded::Stored { dark, .. } = store.record(record).await? {
        log_dark(&source.name, dark);
    }
    Ok(checked)
}
