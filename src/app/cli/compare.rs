//! `advisory-watch compare`: what each source says now about one country, side by side.

use std::io::Write;

use anyhow::bail;

use crate::present::listing;
use crate::present::listing::Plain;

use super::{Cli, Status, load_config, open_existing_store};

/// Runs the command, writing its output to `out`.
pub(super) async fn run(
    cli: &Cli,
    country: &str,
    format: &Plain,
    out: &mut (dyn Write + Send),
) -> anyhow::Result<Status> {
    let config = load_config(cli, false)?;
    let store = open_existing_store(cli, &config)?;
    let sources = store.call(|store| store.overview()).await?;
    let mut matching: Vec<listing::Side> = crate::present::brief::sources_about(country, sources)
        .into_iter()
        .filter(|s| !s.collection)
        .map(|source| listing::Side {
            government: source.government.name.clone(),
            source,
        })
        .collect();
    matching.sort_by(|a, b| (&a.government, &a.source.name).cmp(&(&b.government, &b.source.name)));
    let country = crate::model::country::resolve(country).map_or(country, |c| c.name);
    if matching.is_empty() {
        let hint = crate::model::country::suggest(country)
            .filter(|c| crate::model::country::resolve(country).is_none_or(|r| r.code != c.code))
            .map(|c| format!(" (did you mean {}?)", c.name))
            .unwrap_or_default();
        bail!(
            "no source in {} is about `{country}`{hint}; `advisory-watch sources` lists them",
            store.path().display()
        );
    }
    match format {
        Plain::Json => writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&listing::compare_json(country, &matching))?
        )?,
        _ => write!(out, "{}", listing::compare_text(country, &matching))?,
    }
    Ok(Status::Ok)
}
