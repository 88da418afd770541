//! `advisory-watch demo`: run the main job on bundled pages: a loopback server, two checks, the
//! change.

use std::io::Write;

use super::Status;

/// Runs the command, writing its output to `out`.
pub(super) async fn run(out: &mut (dyn Write + Send)) -> anyhow::Result<Status> {
    crate::app::demo::run(out).await?;
    Ok(Status::Ok)
}
