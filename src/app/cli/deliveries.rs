//! `advisory-watch deliveries`: list queued, sent and dead notifications, or re-queue one.

use std::io::Write;

use anyhow::bail;

use crate::present::listing;
use crate::present::listing::Plain;
use crate::store::StoreHandle;

use super::{
    Cli, DeliveriesAction, DeliveryStatus, Status, existing_store_path, load_config,
    open_existing_store,
};

/// Runs the command, writing its output to `out`.
pub(super) async fn run(
    cli: &Cli,
    action: &Option<DeliveriesAction>,
    status: &Option<DeliveryStatus>,
    limit: &usize,
    format: &Plain,
    out: &mut (dyn Write + Send),
) -> anyhow::Result<Status> {
    let config = load_config(cli, false)?;
    let store = match action {
        // Re-queueing writes; listing only reads.
        Some(_) => StoreHandle::open(&existing_store_path(cli, &config)?)?,
        None => open_existing_store(cli, &config)?,
    };
    if let Some(DeliveriesAction::Retry { id }) = action {
        let id = *id;
        if !store
            .call(move |s| s.requeue_delivery(id, chrono::Utc::now()))
            .await?
        {
            bail!("there is no delivery number {id}; `advisory-watch deliveries` lists them");
        }
        writeln!(
            out,
            "Delivery {id} is queued again; the daemon (or the next check) sends it."
        )?;
        return Ok(Status::Ok);
    }
    let status = status.map(DeliveryStatus::as_str);
    let limit = *limit;
    let rows = store.call(move |s| s.deliveries(status, limit)).await?;
    match format {
        Plain::Json => writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&listing::deliveries_json(&rows))?
        )?,
        _ => write!(out, "{}", listing::deliveries_text(&rows))?,
    }
    Ok(Status::Ok)
}
