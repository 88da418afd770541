//! `advisory-watch diff`: compare two saved pages.

use std::io::Write;

use crate::present::listing;
use crate::present::listing::Format;
use crate::read::extract;

use super::{Cli, Status, automatic_profiles, load_config, read_input, resolve_profile};

/// Runs the command, writing its output to `out`.
pub(super) async fn run(
    cli: &Cli,
    profile: &Option<String>,
    old: &str,
    new: &str,
    format: &Format,
    out: &mut (dyn Write + Send),
) -> anyhow::Result<Status> {
    let config = load_config(cli, false)?;
    let (old_page, old_kind) = read_input(&config, old).await?;
    let (new_page, new_kind) = read_input(&config, new).await?;
    let chain = |kind, page: &str| {
        resolve_profile(
            &config,
            profile
                .as_deref()
                .unwrap_or_else(|| automatic_profiles(kind, page)),
        )
    };
    let old_advisory = extract::extract(&old_page, &chain(old_kind, &old_page)?)
        .map_err(|f| anyhow::anyhow!("{old}: {f}"))?
        .advisory;
    let new_advisory = extract::extract(&new_page, &chain(new_kind, &new_page)?)
        .map_err(|f| anyhow::anyhow!("{new}: {f}"))?
        .advisory;
    let change = crate::model::diff::compare(&old_advisory, &new_advisory);
    let rendered = listing::pair_diff(change.as_ref(), &old_advisory, &new_advisory, *format);
    write!(out, "{rendered}")?;
    Ok(Status::Ok)
}
