//! `advisory-watch report`: the changes of a period, most important first, as text, Markdown, HTML,
//! JSON, CSV or Atom.

use std::io::Write;
use std::path::PathBuf;

use anyhow::bail;

use crate::present::report::{self, ReportFormat, ReportQuery};

use super::{Cli, Status, load_config, open_existing_store};

/// The arguments of `report`.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// From: a span back from now ("7d", "24h", "2w") or a date ("2026-11-01")
    #[arg(long, default_value = "7d")]
    since: String,
    /// Until: a date (included), or a span back from now [default: now]
    #[arg(long)]
    until: Option<String>,
    /// Only these sources (repeat the option for several)
    #[arg(long = "source", value_name = "SOURCE")]
    sources: Vec<String>,
    /// Only these countries (repeat the option for several): names, aliases, ISO codes or
    /// parts of names; one that is no country is an error naming the nearest
    #[arg(long = "country", value_name = "COUNTRY")]
    countries: Vec<String>,
    /// Only one government's sources, by any of its names ("United Kingdom", "FCDO", "UK"),
    /// or the sources whose names start with this ("uk-")
    #[arg(long, value_name = "GOVERNMENT")]
    government: Option<String>,
    /// Only the countries of this watch-list (`[watchlists.NAME]` in the configuration)
    #[arg(long, value_name = "NAME")]
    watch: Option<String>,
    /// Only the countries of this UN M49 region or sub-region ("Africa", "Western Africa",
    /// "Latin America and the Caribbean"; case does not matter); an unknown one is an error
    /// listing the valid names
    #[arg(long, value_name = "REGION")]
    region: Option<String>,
    /// Only changes whose level before or after is at least this
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=4))]
    min_level: Option<u8>,
    /// Only changes of this kind: level, publication, details (indicators, reasons or areas),
    /// indicators, reasons, areas, summary (summary only) or reissue
    #[arg(long, value_name = "KIND", value_parser = crate::present::report::check_kind)]
    kind: Option<String>,
    /// The order: importance (level moves by the level reached, then indicator, reason and
    /// area changes, then summary-only changes, then reissues; newest first in each) or time
    #[arg(long, value_enum, default_value_t = crate::present::report::Order::Importance)]
    sort: crate::present::report::Order,
    /// Output format
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    format: ReportFormat,
    /// One line per country that changed level or indicators, then a count of summary-only
    /// updates (text, markdown or html)
    #[arg(long, conflicts_with = "full")]
    brief: bool,
    /// Markdown with each change's facts and summary diff (by default one line per change,
    /// under 4,000 characters)
    #[arg(long)]
    full: bool,
    /// Write to this file instead of standard output
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
}

/// Runs the command, writing its output to `out`.
pub(super) async fn run(
    cli: &Cli,
    args: &ReportArgs,
    out: &mut (dyn Write + Send),
) -> anyhow::Result<Status> {
    let ReportArgs {
        since,
        until,
        sources,
        countries,
        government,
        watch,
        region,
        min_level,
        kind,
        sort,
        format,
        brief,
        full,
        output,
    } = args;
    let config = load_config(cli, false)?;
    if *brief
        && !matches!(
            format,
            ReportFormat::Text | ReportFormat::Markdown | ReportFormat::Html
        )
    {
        bail!("--brief is a text, markdown or html report; drop --brief for json, csv or atom");
    }
    let detail = match (brief, full) {
        (true, _) => report::Detail::Brief,
        (_, true) => report::Detail::Full,
        _ => report::Detail::Standard,
    };
    // A filter that names nothing is a mistake, never an empty report. A configured source's
    // own country name counts, also when the table does not know it.
    let unknown: Vec<String> = countries
        .iter()
        .filter(|c| {
            !config
                .sources
                .iter()
                .any(|s| s.country != "*" && crate::model::country::matches(c, &s.country))
        })
        .filter_map(|c| crate::model::country::check_search(c).err())
        .map(|e| format!("--country {e}"))
        .collect();
    if !unknown.is_empty() {
        bail!("{}", unknown.join("; "));
    }
    let watch = watch
        .as_deref()
        .map(|name| config.watchlists.get(name).cloned())
        .transpose()
        .map_err(|message| anyhow::anyhow!("--watch: {message}"))?;
    let region = region
        .as_deref()
        .map(crate::model::geography::WorldRegion::named)
        .transpose()
        .map_err(|e| anyhow::anyhow!("--region: {e}"))?;
    let now = chrono::Utc::now();
    let start = report::parse_when(since, now).map_err(anyhow::Error::msg)?;
    let end = until
        .as_deref()
        .map(|u| report::parse_until(u, now))
        .transpose()
        .map_err(anyhow::Error::msg)?;
    if let (Some(text), Some(end)) = (until, end) {
        crate::model::period::check_order((since, start), (text, end))
            .map_err(anyhow::Error::msg)?;
    }
    let query = ReportQuery {
        since: Some(start),
        until: end,
        sources: sources.to_vec(),
        countries: countries.to_vec(),
        source_prefix: government.clone(),
        watch,
        region,
        min_level: *min_level,
        kind: kind.clone(),
        order: *sort,
        ..ReportQuery::default()
    };
    let store = open_existing_store(cli, &config)?;
    let rendered = crate::present::publish::render(&store, &query, *format, detail, now).await?;
    match output {
        Some(path) => {
            crate::present::publish::write_atomically(path, &rendered)?;
            writeln!(out, "Wrote the report to {}.", path.display())?;
        }
        None => write!(out, "{rendered}")?,
    }
    Ok(Status::Ok)
}
