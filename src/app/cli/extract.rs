//! `advisory-watch extract`: print the fields a profile reads from a file or URL; stores nothing.

use std::io::Write;

use crate::present::listing;
use crate::present::listing::Plain;
use crate::read::extract::{self, Attempt};

use super::{Cli, Status, automatic_profiles, load_config, read_input};

/// Runs the command, writing its output to `out`.
pub(super) async fn run(
    cli: &Cli,
    profile: &Option<String>,
    input: &str,
    format: &Plain,
    out: &mut (dyn Write + Send),
) -> anyhow::Result<Status> {
    let config = load_config(cli, false)?;
    let (page, kind) = read_input(&config, input).await?;
    let profile = profile
        .clone()
        .unwrap_or_else(|| automatic_profiles(kind, &page).to_owned());
    let names: Vec<String> = profile.split(',').map(|n| n.trim().to_owned()).collect();
    let reader = config.profiles.reader(&names, "--profile")?;
    let profiles = match reader {
        crate::model::profile::Reader::Page(profiles) => profiles,
        other => {
            // A feed, an index or a JSON document: every advisory it holds.
            let document = extract::read_document(&other, &page).map_err(anyhow::Error::msg)?;
            let value = listing::document_json(&document);
            match format {
                Plain::Json => writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?,
                _ => write!(out, "{}", listing::document_text(&document))?,
            }
            return Ok(Status::Ok);
        }
    };
    if cli.verbose > 0 {
        // Which region the profiles use, and whether this page was read from it.
        let kind = crate::read::archive::kind_of(page.as_bytes());
        let html = match kind {
            crate::read::archive::TextKind::Markup => None,
            kind => crate::read::archive::as_html(kind, &page).ok(),
        };
        let mut stderr = std::io::stderr().lock();
        for line in crate::read::page_region::describe(html.as_deref().unwrap_or(&page), &profiles)
        {
            writeln!(stderr, "{line}")?;
        }
    }
    let outcome = extract::extract(&page, &profiles);
    let attempt = match &outcome {
        Ok(extracted) => Attempt::from_extracted(extracted),
        Err(failure) => failure
            .best()
            .cloned()
            .unwrap_or_else(|| Attempt::empty(&profile)),
    };
    // A URL given on the command line is named as every other: redacted.
    let shown = crate::config::source_url::redact_urls_in(input);
    match (format, &outcome) {
        (Plain::Text, Ok(extracted)) => write!(
            out,
            "{}",
            listing::fields_text(&extracted.profile, &extracted.advisory)
        )?,
        (Plain::Text, Err(failure)) => writeln!(out, "{shown}: {failure}")?,
        _ => writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&listing::attempt_json(&attempt))?
        )?,
    }
    if let Err(failure) = &outcome {
        tracing::error!("{shown}: {failure}");
        return Ok(Status::SourceFailed);
    }
    Ok(Status::Ok)
}
