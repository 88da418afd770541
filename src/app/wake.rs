//! The daemon's wake-up call: a Unix socket beside the database (`<db>.daemon-wake`) that
//! the daemon listens on and `deliveries retry` connects to, so that re-queued deliveries go
//! out at once instead of at the outbox worker's next look (at most 30 seconds later). The
//! socket carries no data and grants nothing: a connection only makes the worker look for due
//! deliveries. Without a running daemon nobody listens, and the deliveries wait for the next
//! pass (`check`, `daemon`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::sync::Notify;

/// The socket's path for a database.
fn socket_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".daemon-wake");
    PathBuf::from(name)
}

/// Listens for wake-up calls while it lives; the socket file is removed when it is dropped.
#[derive(Debug)]
pub struct WakeSocket {
    path: PathBuf,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for WakeSocket {
    fn drop(&mut self) {
        self.task.abort();
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Starts listening beside `db`, notifying `wake` on every connection. The caller holds the
/// daemon's single-instance lock, so a socket file left by a crash is its own to replace. A
/// socket that cannot be made (a path too long for one, a read-only folder) is logged, and the
/// worker wakes on its own schedule.
pub fn listen(db: &Path, wake: Arc<Notify>) -> Option<WakeSocket> {
    let path = socket_path(db);
    let _ = std::fs::remove_file(&path);
    let listener = match tokio::net::UnixListener::bind(&path) {
        Ok(listener) => listener,
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "cannot listen for wake-up calls; re-queued deliveries wait for the worker's next look");
            return None;
        }
    };
    let task = tokio::spawn(async move {
        loop {
            match listener.accept().await {
                Ok(_) => wake.notify_one(),
                Err(e) => {
                    tracing::debug!(error = %e, "wake-up call failed");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
            }
        }
    });
    Some(WakeSocket { path, task })
}

/// Wakes the daemon that runs on `db`, if one does; returns whether one answered.
pub async fn wake_daemon(db: &Path) -> bool {
    let connect = tokio::net::UnixStream::connect(socket_path(db));
    matches!(
        tokio::time::timeout(std::time::Duration::from_secs(2), connect).await,
        Ok(Ok(_))
    )
}
