//! `advisory-watch daemon`: checks on cron schedules and delivers notifications, for months.
//!
//! This module owns the long-running process: one scheduler that starts a check of the sources
//! that are due (never one already running; missed ticks run once), one outbox worker that
//! delivers queued notifications with retries, the single-instance lock on the database, and
//! the shutdown on SIGTERM or SIGINT (no new work, in-flight work given `daemon.grace`, then
//! exit 0). What a check does is `run`'s; what a delivery does is `notify`'s; when a source is
//! due is `schedule`'s.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, Utc};
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;

use crate::check::{self as run, Checker, CycleReport};
use crate::config::{Config, Source};
use crate::model::schedule::jitter_for;
use crate::notify::{self, Sender};
use crate::store::StoreHandle;

/// The longest the scheduler sleeps before looking at the wall clock again, so that a machine
/// that slept through ticks catches up soon after it wakes.
const MAX_SLEEP: Duration = Duration::from_secs(30);

/// The longest the outbox worker waits before looking for due deliveries again.
const MAX_WORKER_SLEEP: Duration = Duration::from_secs(30);

/// Holds the database's daemon lock for as long as it lives; the lock file is removed when
/// it is dropped (a clean exit). A file left by a crash holds no lock and is taken over.
#[derive(Debug)]
pub struct InstanceLock {
    _file: File,
    path: PathBuf,
}

impl Drop for InstanceLock {
    fn drop(&mut self) {
        // Removed while still locked, so no second daemon can take the old file in between.
        let _ = std::fs::remove_file(&self.path);
    }
}

impl InstanceLock {
    /// Takes the lock that allows one daemon per database, or says who holds it.
    pub fn acquire(db: &Path) -> anyhow::Result<InstanceLock> {
        let mut name = db.as_os_str().to_owned();
        name.push(".daemon-lock");
        let path = PathBuf::from(name);
        // A daemon that stops removes its file while holding the lock; a file locked after it
        // was removed is no longer the lock, so open the new one and try again.
        for _ in 0..3 {
            let file = File::options()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&path)
                .with_context(|| format!("cannot open the daemon lock file {}", path.display()))?;
            match file.try_lock() {
                Ok(()) if same_file(&file, &path) => return Ok(InstanceLock { _file: file, path }),
                Ok(()) => continue,
                Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!(
                    "another advisory-watch daemon is already running on {} (it holds {}); stop it first, or give this one another --db",
                    db.display(),
                    path.display()
                ),
                Err(std::fs::TryLockError::Error(e)) => {
                    return Err(e).with_context(|| format!("cannot lock {}", path.display()));
                }
            }
        }
        anyhow::bail!(
            "the daemon lock file {} keeps being replaced; is another daemon starting and stopping?",
            path.display()
        )
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Whether the open `file` is the one at `path` now.
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(open), Ok(named)) => open.dev() == named.dev() && open.ino() == named.ino(),
        _ => false,
    }
}

/// What the daemon needs.
pub struct Daemon {
    config: Arc<Config>,
    checker: Checker,
    sender: Sender,
}

impl Daemon {
    /// Opens the database on `db` and builds the clients.
    pub fn new(config: Config, db: &Path) -> anyhow::Result<Daemon> {
        let checker = Checker {
            fetcher: crate::net::fetch::Fetcher::new(&config.fetch)?,
            store: StoreHandle::open(db)?,
            concurrency: config.fetch.concurrency,
            notify: Arc::new(config.notify.clone()),
        };
        let sender = Sender::new(&config.fetch.user_agent, config.notify_timeout)?;
        Ok(Daemon {
            config: Arc::new(config),
            checker,
            sender,
        })
    }

    /// One cycle of every source, then one pass over the due deliveries: `daemon --once`.
    pub async fn once(&self) -> anyhow::Result<CycleReport> {
        self.checker.store.call(|s| s.release_claims()).await?;
        run::retire_unconfigured(&self.checker.store, &self.config.sources).await?;
        let report = run::check(&self.config.sources, &self.checker).await?;
        log_cycle(&report);
        let pass =
            notify::deliver_due(&self.checker.store, &self.sender, &self.checker.notify).await?;
        tracing::info!(
            sent = pass.sent,
            retrying = pass.retrying,
            dead = pass.dead,
            "deliveries"
        );
        self.checkpoint().await;
        Ok(report)
    }

    /// Runs until `shutdown` turns true, then gives in-flight work `daemon.grace` to finish.
    pub async fn run(&self, mut shutdown: watch::Receiver<bool>) -> anyhow::Result<()> {
        let sources = self.config.sources.clone();
        tracing::info!(
            sources = sources.len(),
            channels = self.checker.notify.channels.len(),
            schedule = %self.config.schedule.cron,
            "daemon started"
        );
        run::retire_unconfigured(&self.checker.store, &sources).await?;
        let released = self.checker.store.call(|s| s.release_claims()).await?;
        if released > 0 {
            tracing::info!(
                released,
                "took over deliveries a stopped process had claimed"
            );
        }
        let wake_worker = Arc::new(Notify::new());
        let _wake_calls = super::wake::listen(self.checker.store.path(), Arc::clone(&wake_worker));
        let mut worker = {
            let (store, sender, settings) = (
                self.checker.store.clone(),
                self.sender.clone(),
                Arc::clone(&self.checker.notify),
            );
            let (wake, shutdown) = (Arc::clone(&wake_worker), shutdown.clone());
            tokio::spawn(deliver_forever(store, sender, settings, wake, shutdown))
        };

        let mut next_report = self
            .config
            .report
            .as_ref()
            .and_then(|r| r.cron.next_after(Utc::now()));
        let running: Arc<Mutex<HashSet<String>>> = Arc::default();
        let slots = Arc::new(tokio::sync::Semaphore::new(self.checker.concurrency.max(1)));
        let mut cycles = JoinSet::new();
        let mut due: HashMap<String, DateTime<Utc>> = HashMap::new();
        let now = Utc::now();
        for source in &sources {
            if let Some(at) = self.next_due(source, now) {
                due.insert(source.name.clone(), at);
            }
        }

        loop {
            let now = Utc::now();
            let ready: Vec<Arc<Source>> = {
                let running = running.lock().expect("running set");
                sources
                    .iter()
                    .filter(|s| due.get(&s.name).is_some_and(|at| *at <= now))
                    .filter(|s| !running.contains(&s.name))
                    .cloned()
                    .collect()
            };
            if !ready.is_empty() {
                for source in &ready {
                    // The next tick after now: ticks missed while asleep run once, not once each.
                    match self.next_due(source, now) {
                        Some(at) => due.insert(source.name.clone(), at),
                        None => due.remove(&source.name),
                    };
                }
                running
                    .lock()
                    .expect("running set")
                    .extend(ready.iter().map(|s| s.name.clone()));
                // Each source runs and finishes on its own, so a stalled host holds back only
                // its own sources; `fetch.concurrency` bounds them all together. The sources of
                // one tick share a batch, so a digest still collects what they find.
                let batch = crate::notify::Event::new_id();
                for source in ready {
                    let (checker, running, wake, slots, batch) = (
                        self.checker.clone(),
                        Arc::clone(&running),
                        Arc::clone(&wake_worker),
                        Arc::clone(&slots),
                        batch.clone(),
                    );
                    cycles.spawn(async move {
                        let outcome = match slots.acquire().await {
                            Ok(_slot) => {
                                run::check_in_batch(std::slice::from_ref(&source), &checker, &batch)
                                    .await
                            }
                            Err(_) => return,
                        };
                        running.lock().expect("running set").remove(&source.name);
                        match outcome {
                            Ok(report) => {
                                log_check(&report);
                                wake.notify_one();
                            }
                            Err(e) => tracing::error!(source = %source.name, error = %e, "check failed; the next tick tries again"),
                        }
                    });
                }
            }
            if let (Some(settings), Some(at)) = (&self.config.report, next_report)
                && at <= now
            {
                next_report = settings.cron.next_after(now);
                let (store, settings) = (self.checker.store.clone(), settings.clone());
                cycles.spawn(async move { publish_report(&store, &settings).await });
            }
            // Reap finished cycles without waiting.
            while cycles.try_join_next().is_some() {}

            let next = due.values().chain(next_report.iter()).min().copied();
            let sleep = next
                .and_then(|at| (at - Utc::now()).to_std().ok())
                .unwrap_or(Duration::ZERO)
                .min(MAX_SLEEP);
            let sleep = if next.is_none() {
                MAX_SLEEP
            } else {
                sleep.max(Duration::from_millis(20))
            };
            tokio::select! {
                _ = tokio::time::sleep(sleep) => {}
                _ = shutdown.changed() => break,
            }
            if *shutdown.borrow() {
                break;
            }
        }

        let grace = self.config.daemon.grace;
        tracing::info!(in_flight = cycles.len(), ?grace, "stopping: no new checks");
        let finished = tokio::time::timeout(grace, async {
            while cycles.join_next().await.is_some() {}
            let _ = (&mut worker).await;
        })
        .await;
        if finished.is_err() {
            tracing::warn!(
                ?grace,
                "in-flight work abandoned after the grace time; nothing stored is lost"
            );
            cycles.abort_all();
            worker.abort();
        }
        self.checkpoint().await;
        tracing::info!("daemon stopped");
        Ok(())
    }

    fn next_due(&self, source: &Source, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let schedule = source
            .schedule
            .as_ref()
            .unwrap_or(&self.config.schedule.cron);
        let jitter = jitter_for(&source.name, self.config.schedule.jitter);
        schedule.next_after(now).map(|at| {
            chrono::Duration::from_std(jitter)
                .ok()
                .and_then(|jitter| at.checked_add_signed(jitter))
                .unwrap_or(at)
        })
    }

    async fn checkpoint(&self) {
        if let Err(e) = self.checker.store.call(|s| s.checkpoint()).await {
            tracing::warn!(error = %e, "could not checkpoint the database");
        }
    }
}

async fn publish_report(store: &StoreHandle, settings: &crate::config::ReportSettings) {
    let now = Utc::now();
    let query = crate::present::report::ReportQuery {
        since: crate::present::report::parse_when(&settings.since, now).ok(),
        ..Default::default()
    };
    let outcome = async {
        let text = crate::present::publish::render(
            store,
            &query,
            settings.format,
            crate::present::report::Detail::Standard,
            now,
        )
        .await?;
        crate::present::publish::write_atomically(&settings.path, &text)
    }
    .await;
    match outcome {
        Ok(()) => tracing::info!(path = %settings.path.display(), "report published"),
        Err(e) => {
            tracing::error!(path = %settings.path.display(), error = %format!("{e:#}"), "report not published; the next tick tries again")
        }
    }
}

/// Logs one source's check: at info level what an operator wants to hear of (a change, a
/// failure, a first version), the rest at debug level.
fn log_check(report: &CycleReport) {
    if report.changes.is_empty() && report.failures.is_empty() && report.first_versions.is_empty() {
        tracing::debug!(checked = report.checked, "check finished: unchanged");
    } else {
        log_cycle(report);
    }
}

fn log_cycle(report: &CycleReport) {
    tracing::info!(
        checked = report.checked,
        changes = report.changes.len(),
        unchanged = report.unchanged,
        first_versions = report.first_versions.len(),
        failures = report.failures.len(),
        "cycle finished"
    );
    for change in &report.changes {
        tracing::info!(source = %change.source, headline = %change.change.headline, "change");
    }
}

async fn deliver_forever(
    store: StoreHandle,
    sender: Sender,
    settings: Arc<crate::config::channels::NotifySettings>,
    wake: Arc<Notify>,
    mut shutdown: watch::Receiver<bool>,
) {
    if settings.channels.is_empty() {
        return;
    }
    loop {
        let wait = match notify::deliver_due(&store, &sender, &settings).await {
            Ok(pass) => pass
                .next_due
                .map(|at| (at - Utc::now()).to_std().unwrap_or(Duration::ZERO))
                .unwrap_or(MAX_WORKER_SLEEP)
                .clamp(Duration::from_millis(50), MAX_WORKER_SLEEP),
            Err(e) => {
                tracing::error!(error = %e, "delivery pass failed");
                MAX_WORKER_SLEEP
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = wake.notified() => {}
            _ = shutdown.changed() => return,
        }
        if *shutdown.borrow() {
            return;
        }
    }
}

/// A receiver that turns true on SIGTERM or SIGINT.
pub fn shutdown_signal() -> anyhow::Result<watch::Receiver<bool>> {
    let (tx, rx) = watch::channel(false);
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("cannot listen for SIGTERM")?;
    tokio::spawn(async move {
        tokio::select! {
            _ = terminate.recv() => tracing::info!("SIGTERM received"),
            _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT received"),
        }
        let _ = tx.send(true);
    });
    Ok(rx)
}
