//! `advisory-watch deliveries`: list queued, sent and dead notifications, or re-queue one or
//! every dead one (and wake the daemon, if one runs, to send them now).

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
    if let Some(DeliveriesAction::Retry { id, dead }) = action {
        let now = chrono::Utc::now();
        let queued = match id {
            Some(id) if !*dead => {
                let id = *id;
                if !store.call(move |s| s.requeue_delivery(id, now)).await? {
                    bail!(
                        "there is no delivery number {id}; `advisory-watch deliveries` lists them"
                    );
                }
                format!("Delivery {id} is queued again")
            }
            _ => match store.call(move |s| s.requeue_dead(now)).await? {
                0 => {
                    writeln!(out, "No delivery is dead.")?;
                    return Ok(Status::Ok);
                }
                1 => "The dead delivery is queued again".to_owned(),
                n => format!("{n} dead deliveries are queued again"),
            },
        };
        if crate::app::wake::wake_daemon(store.path()).await {
            writeln!(out, "{queued}; the daemon is sending now.")?;
        } else {
            writeln!(
                out,
                "{queued}; no daemon runs on this database, so the next `check` or `daemon` sends it."
            )?;
        }
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
    // A dead delivery needs someone: `--status dead` is what a monitoring check runs.
    if status == Some("dead") && store.call(|s| s.any_dead()).await? {
        return Ok(Status::SourceFailed);
    }
    Ok(Status::Ok)
}
