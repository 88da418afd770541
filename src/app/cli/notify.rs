//! `advisory-watch notify`: send a sample notification through one channel.

use std::io::Write;

use anyhow::bail;

use crate::notify::Sender;

use super::{Cli, NotifyAction, Status, load_config};

/// Runs the command, writing its output to `out`.
pub(super) async fn run(
    cli: &Cli,
    action: &NotifyAction,
    out: &mut (dyn Write + Send),
) -> anyhow::Result<Status> {
    let NotifyAction::Test { channel } = action;
    let config = load_config(cli, true)?;
    let Some(target) = config.notify.channels.iter().find(|c| &c.name == channel) else {
        let names: Vec<&str> = config
            .notify
            .channels
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        bail!(
            "no notification channel named `{channel}` in {} (configured: {})",
            config.origin,
            if names.is_empty() {
                "none".to_owned()
            } else {
                names.join(", ")
            }
        );
    };
    config.require_secrets(Some(channel))?;
    let event = crate::app::demo::sample_event()?;
    let sender = Sender::new(&config.fetch.user_agent, config.notify_timeout)?;
    let delivery_id = event.delivery_id(&target.name);
    match sender.send(target, &[(delivery_id.clone(), event)]).await {
        Ok(()) => {
            writeln!(
                out,
                "Sent a test notification through `{channel}` (delivery id {delivery_id})."
            )?;
            Ok(Status::Ok)
        }
        Err(e) => {
            // Nothing is queued for a test: say what happened, not "will retry".
            writeln!(
                out,
                "The test notification through `{channel}` failed: {}",
                e.message()
            )?;
            Ok(Status::SourceFailed)
        }
    }
}
