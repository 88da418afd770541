//! `advisory-watch import`: store an archive's dated files (YYYY-MM-DD.html|md|xml|json) as
//! versions of a source.

use std::io::Write;
use std::path::Path;

use crate::check;
use crate::present::listing;
use crate::present::listing::Plain;
use crate::read::archive;

use super::{Cli, Status, load_config, open_store};

/// Runs the command, writing its output to `out`.
pub(super) async fn run(
    cli: &Cli,
    source: &str,
    dir: &Path,
    format: &Plain,
    out: &mut (dyn Write + Send),
) -> anyhow::Result<Status> {
    let config = load_config(cli, true)?;
    let selected = config
        .select_sources(&[source.to_owned()])
        .map_err(anyhow::Error::msg)?;
    let files = archive::dated_files(dir, chrono::Utc::now())?;
    let store = open_store(cli, &config)?;
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(files.len() as u64),
        indicatif::ProgressDrawTarget::stderr(),
    );
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len}")
            .expect("a valid template")
            .progress_chars("=> "),
    );
    bar.set_message(format!("importing into {source}"));
    let imported = check::import(&selected[0], &store, &files, config.fetch.max_body, |n| {
        bar.set_position(n as u64)
    })
    .await?;
    bar.finish_and_clear();
    match format {
        Plain::Json => {
            let report = check::CycleReport {
                checked: imported.files,
                changes: imported.changes.clone(),
                failures: imported.failures.clone(),
                first_versions: Vec::new(),
                unchanged: 0,
            };
            writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&listing::cycle_json(&report))?
            )?;
        }
        _ => {
            writeln!(
                out,
                "Imported {} files into {source}: {} versions, {} changes, {} unreadable.",
                imported.files,
                imported.versions,
                imported.changes.len(),
                imported.failures.len()
            )?;
            for change in &imported.changes {
                writeln!(
                    out,
                    "  {}  {}: {}",
                    &change.detected_at[..10],
                    change.source,
                    change.change.headline
                )?;
            }
            for failure in &imported.failures {
                writeln!(out, "  unreadable: {}", failure.message)?;
            }
        }
    }
    Ok(if imported.failures.is_empty() {
        Status::Ok
    } else {
        Status::SourceFailed
    })
}
