//! Publishing reports: the report of a period rendered from the database, written to a file
//! atomically (a reader never sees half a report), by `report --output` and by the daemon on its
//! `[report]` schedule.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use chrono::{DateTime, Utc};

use crate::present::report::{Detail, Report, ReportFormat, ReportQuery};
use crate::store::StoreHandle;

/// Renders the report of `query` from the database, with as much of each change as `detail`
/// says.
pub async fn render(
    store: &StoreHandle,
    query: &ReportQuery,
    format: ReportFormat,
    detail: Detail,
    now: DateTime<Utc>,
) -> anyhow::Result<String> {
    let (since, until) = (query.since, query.until);
    let changes = store
        .call(move |s| s.changes_in(None, since, until))
        .await?;
    let mut report = Report::build(changes, query, now);
    report.detail = detail;
    Ok(report.render(format))
}

/// Writes `text` to `path` through a temporary file in the same folder and a rename, so a
/// reader sees the old report or the new one, never half of one, and a failed write leaves the
/// old one as it was. The file gets the mode the process's umask gives a new file (0644 under
/// umask 022), as any program's output would, not the temporary file's 0600.
pub fn write_atomically(path: &Path, text: &str) -> anyhow::Result<()> {
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map_or_else(|| "report".into(), |n| n.to_string_lossy().into_owned());
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // The mode a new file asks for; the kernel takes the umask off it.
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut file = builder
        .tempfile_in(folder)
        .with_context(|| format!("cannot create a file in {}", folder.display()))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.as_file().sync_all())
        .with_context(|| format!("cannot write the report next to {}", path.display()))?;
    file.persist(path)
        .with_context(|| format!("cannot move the report into {}", path.display()))?;
    Ok(())
}
