//! `advisory-watch discover`: list every country a feed or index names; optionally write a source
//! entry for each.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use anyhow::bail;

use crate::present::listing;
use crate::present::listing::Plain;
use crate::read::document::Document;
use crate::read::extract;

use super::{Cli, Status, load_config, read_input};

/// Runs the command, writing its output to `out`.
pub(super) async fn run(
    cli: &Cli,
    url: &str,
    profile: &str,
    write: &Option<PathBuf>,
    format: &Plain,
    out: &mut (dyn Write + Send),
) -> anyhow::Result<Status> {
    let config = load_config(cli, false)?;
    let reader = config.profiles.reader(&[profile.to_owned()], "--profile")?;
    if !reader.has_items() {
        bail!(
            "profile `{profile}` reads one advisory per document; discover needs a feed or index (state-dept-rss, canada, auswaertiges-amt, hong-kong-ota)"
        );
    }
    let (text, _) = read_input(&config, url).await?;
    let items = match extract::read_document(&reader, &text).map_err(anyhow::Error::msg)? {
        Document::Many(items) => items,
        Document::One(_) => bail!("{url} holds one advisory, not a list"),
    };
    if let Some(path) = write {
        if path.exists() {
            bail!(
                "{} already exists; give a new file name (nothing was written)",
                path.display()
            );
        }
        std::fs::write(
            path,
            listing::discovered_sources_toml(&items, url, profile, reader.kind()),
        )
        .with_context(|| format!("cannot write {}", path.display()))?;
    }
    match format {
        Plain::Json => writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&listing::discovered_json(&items))?
        )?,
        _ => write!(out, "{}", listing::discovered_text(&items))?,
    }
    if let Some(path) = write {
        writeln!(
            out,
            "Wrote {} [[sources]] entries to {}.",
            items.len(),
            path.display()
        )?;
    }
    Ok(Status::Ok)
}
