//! `advisory-watch daemon`: checks on cron schedules and delivers notifications, for months.
//!
//! This module owns the long-running process: one scheduler that starts a check of the sources
//! that are due (never one already running; missed ticks run once), one outbox worker that
//! delivers queued notifications with retries, the single-instance lock on the database file
//! (whatever name it is reached by), and
//! the shutdown on SIGTERM or SIGINT (no new work, in-flight work given `daemon.grace`, then
//! exit 0), the reload on SIGHUP (the file read and validated again, then its sources,
//! schedules, channels and profiles taken up; checks under way finish with the configuration
//! they started with; a broken file is logged and recorded for `status`, and the old
//! configuration runs on), and what systemd hears (`READY=1`, `RELOADING=1`, `STOPPING=1`,
//! watchdog pings from the scheduler loop), and `--listen` (served by `health`). What a check
//! does is `run`'s; what a delivery does
//! is `notify`'s; when a source is due is `schedule`'s.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::Write as _;
use std::mem::ManuallyDrop;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{DateTime, Utc};
use tokio::sync::{Notify, mpsc, watch};
use tokio::task::JoinSet;

use super::health::{self, Health};
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

/// How long the scheduler may go without going round its loop before `/readyz` says it is
/// stuck: twice its longest sleep.
const SCHEDULER_SILENCE: Duration = Duration::from_secs(2 * MAX_SLEEP.as_secs());

/// Holds the database's daemon lock for as long as it lives: an exclusive `flock` on
/// `<the database's canonical path>.daemon-lock`, which records the holder's pid (a symbolic
/// link to the database finds the same lock file), and one on the database file itself (so a
/// hard link, another name of the same file, finds the same lock). SQLite's own locks are POSIX
/// (`fcntl`) locks, which Linux keeps apart from `flock`s. The lock file is removed when this is
/// dropped (a clean exit); a file left by a crash holds no lock and is taken over.
#[derive(Debug)]
pub struct InstanceLock {
    _file: File,
    path: PathBuf,
    /// The database file, locked, and never closed: closing any descriptor of a file drops every
    /// POSIX lock this process holds on it, SQLite's included. Its `flock` ends with the process.
    _database: Option<ManuallyDrop<File>>,
}

impl Drop for InstanceLock {
    fn drop(&mut self) {
        // Removed while still locked, so no second daemon can take the old file in between.
        let _ = std::fs::remove_file(&self.path);
    }
}

impl InstanceLock {
    /// Takes the lock that allows one daemon per database file, or says who holds it. A missing
    /// database file is created empty (SQLite takes an empty file as a new database), so that
    /// the file itself can be locked.
    pub fn acquire(db: &Path) -> anyhow::Result<InstanceLock> {
        InstanceLock::take(db, true)
    }

    /// The same lock, for a command about to replace the database file (`restore`): a missing
    /// file is not created.
    pub fn acquire_for_replacing(db: &Path) -> anyhow::Result<InstanceLock> {
        InstanceLock::take(db, false)
    }

    fn take(db: &Path, create: bool) -> anyhow::Result<InstanceLock> {
        if let Some(parent) = db.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        let database = match File::open(db) {
            Ok(file) => Some(file),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => Some(
                File::options()
                    .write(true)
                    .create(true)
                    .truncate(false)
                    .open(db)
                    .with_context(|| format!("cannot create the database {}", db.display()))?,
            ),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                return Err(e)
                    .with_context(|| format!("cannot open the database {}", db.display()));
            }
        };
        let canonical = canonical_path(db);
        let mut name = canonical.as_os_str().to_owned();
        name.push(".daemon-lock");
        let path = PathBuf::from(name);
        let mut lock = None;
        // A daemon that stops removes its file while holding the lock; a file locked after it
        // was removed is no longer the lock, so open the new one and try again.
        for _ in 0..3 {
            let file = File::options()
                .create(true)
                .truncate(false)
                .read(true)
                .write(true)
                .open(&path)
                .with_context(|| format!("cannot open the daemon lock file {}", path.display()))?;
            match file.try_lock() {
                Ok(()) if same_file(&file, &path) => {
                    lock = Some(file);
                    break;
                }
                Ok(()) => continue,
                Err(std::fs::TryLockError::WouldBlock) => {
                    let pid = std::fs::read_to_string(&path)
                        .ok()
                        .and_then(|text| text.trim().parse::<u32>().ok())
                        .or_else(|| flock_holder(&file));
                    anyhow::bail!(
                        "another advisory-watch daemon is already running on {} ({}, which holds {}); stop it first, or give this one another --db",
                        canonical.display(),
                        pid.map_or("its pid unknown".to_owned(), |pid| format!("pid {pid}")),
                        path.display()
                    )
                }
                Err(std::fs::TryLockError::Error(e)) => {
                    return Err(e).with_context(|| format!("cannot lock {}", path.display()));
                }
            }
        }
        let Some(mut file) = lock else {
            anyhow::bail!(
                "the daemon lock file {} keeps being replaced; is another daemon starting and stopping?",
                path.display()
            )
        };
        let _ = file.set_len(0);
        let _ = writeln!(file, "{}", std::process::id());
        let mut lock = InstanceLock {
            _file: file,
            path,
            _database: None,
        };
        if let Some(database) = database {
            match database.try_lock() {
                Ok(()) => lock._database = Some(ManuallyDrop::new(database)),
                Err(std::fs::TryLockError::WouldBlock) => {
                    let pid = flock_holder(&database);
                    // Never closed, as above; `lock` removes its own file as it goes.
                    let _ = ManuallyDrop::new(database);
                    anyhow::bail!(
                        "another advisory-watch daemon is already running on {} under another of its names, a hard link ({} holds a lock on the file itself); stop it first, or give this one another --db",
                        canonical.display(),
                        pid.map_or("a process whose pid is unknown".to_owned(), |pid| format!(
                            "pid {pid}"
                        ))
                    )
                }
                Err(std::fs::TryLockError::Error(e)) => {
                    let _ = ManuallyDrop::new(database);
                    return Err(e).with_context(|| format!("cannot lock {}", db.display()));
                }
            }
        }
        Ok(lock)
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The database's path with every symbolic link resolved (of its folder, when the file is not
/// there yet), so that each name of it finds the same lock file.
fn canonical_path(db: &Path) -> PathBuf {
    std::fs::canonicalize(db)
        .ok()
        .or_else(|| {
            let parent = db.parent().filter(|p| !p.as_os_str().is_empty())?;
            Some(std::fs::canonicalize(parent).ok()?.join(db.file_name()?))
        })
        .unwrap_or_else(|| db.to_owned())
}

/// The pid that holds a `flock` on `file`, as Linux's `/proc/locks` says
/// (`1: FLOCK  ADVISORY  WRITE 1234 08:01:131 0 EOF`: pid, then device and inode).
fn flock_holder(file: &File) -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    let metadata = file.metadata().ok()?;
    let (dev, inode) = (metadata.dev(), metadata.ino());
    // glibc's encoding of a device number.
    let major = ((dev >> 32) & 0xffff_f000) | ((dev >> 8) & 0x0fff);
    let minor = ((dev >> 12) & 0xffff_ff00) | (dev & 0xff);
    let locks = std::fs::read_to_string("/proc/locks").ok()?;
    locks.lines().find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        // A waiter's line reads `1: -> FLOCK ...`.
        if fields.get(1) != Some(&"FLOCK") {
            return None;
        }
        let pid = fields.get(4)?.parse().ok()?;
        let mut id = fields.get(5)?.split(':');
        let held = (
            u64::from_str_radix(id.next()?, 16).ok()?,
            u64::from_str_radix(id.next()?, 16).ok()?,
            id.next()?.parse::<u64>().ok()?,
        );
        (held == (major, minor, inode)).then_some(pid)
    })
}

/// Whether the open `file` is the one at `path` now.
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(open), Ok(named)) => open.dev() == named.dev() && open.ino() == named.ino(),
        _ => false,
    }
}

/// What the daemon runs with: a configuration and the clients built from it. A reload builds a
/// new one and the scheduler and the outbox worker take it up; a check already started keeps the
/// one it started with (its own clone).
#[derive(Clone)]
struct Live {
    config: Arc<Config>,
    checker: Checker,
    sender: Sender,
}

impl Live {
    fn build(config: Config, store: StoreHandle, health: &Arc<Health>) -> anyhow::Result<Live> {
        let checker = Checker {
            fetcher: crate::net::fetch::Fetcher::new(&config.fetch)?
                .observed(health.fetch_observer()),
            store,
            concurrency: config.fetch.concurrency,
            notify: Arc::new(config.notify.clone()),
        };
        let sender = Sender::new(&config.fetch.user_agent, config.notify_timeout)?;
        Ok(Live {
            config: Arc::new(config),
            checker,
            sender,
        })
    }

    fn names(&self) -> HashSet<&str> {
        self.config
            .sources
            .iter()
            .map(|s| s.name.as_str())
            .collect()
    }
}

/// What the daemon needs.
pub struct Daemon {
    live: Live,
    /// The configuration file that SIGHUP re-reads.
    config_path: PathBuf,
    /// The counters and heartbeat behind `/metrics` and `/readyz`.
    health: Arc<Health>,
    /// Where `/healthz`, `/readyz` and `/metrics` are served (`--listen`), if anywhere.
    listening: Option<health::Listening>,
}

impl Daemon {
    /// Opens the database on `db` and builds the clients for `config`, read from `config_path`.
    pub fn new(config: Config, db: &Path, config_path: &Path) -> anyhow::Result<Daemon> {
        let health = Arc::new(Health::new(SCHEDULER_SILENCE));
        Ok(Daemon {
            live: Live::build(config, StoreHandle::open(db)?, &health)?,
            config_path: config_path.to_owned(),
            health,
            listening: None,
        })
    }

    /// Serves `/healthz`, `/readyz` and `/metrics` as `listening` says while the daemon runs.
    pub fn serve_health(&mut self, listening: health::Listening) {
        self.listening = Some(listening);
    }

    /// One cycle of every source, then one pass over the due deliveries: `daemon --once`.
    pub async fn once(&self) -> anyhow::Result<CycleReport> {
        let Live {
            config,
            checker,
            sender,
        } = &self.live;
        checker.store.call(|s| s.release_claims()).await?;
        run::retire_unconfigured(&checker.store, &config.sources).await?;
        let report = run::check(&config.sources, checker).await?;
        log_cycle(&report);
        let pass = notify::deliver_due(&checker.store, sender, &checker.notify).await?;
        tracing::info!(
            sent = pass.sent,
            retrying = pass.retrying,
            dead = pass.dead,
            "deliveries"
        );
        checkpoint(&checker.store).await;
        Ok(report)
    }

    /// Runs until `shutdown` turns true, then gives in-flight work `daemon.grace` to finish.
    /// Each message on `reload` re-reads the configuration file (SIGHUP).
    pub async fn run(
        self,
        mut shutdown: watch::Receiver<bool>,
        mut reload: mpsc::Receiver<()>,
    ) -> anyhow::Result<()> {
        let store = self.live.checker.store.clone();
        tracing::info!(
            sources = self.live.config.sources.len(),
            channels = self.live.checker.notify.channels.len(),
            schedule = %self.live.config.schedule.cron,
            "daemon started"
        );
        run::retire_unconfigured(&store, &self.live.config.sources).await?;
        let released = store.call(|s| s.release_claims()).await?;
        if released > 0 {
            tracing::info!(
                released,
                "took over deliveries a stopped process had claimed"
            );
        }
        let origin = self.live.config.origin.clone();
        store
            .call(move |s| s.record_config_loaded(&origin, Utc::now()))
            .await?;
        let health = Arc::clone(&self.health);
        let mut health_server = self.listening.map(|listening| {
            let (health, store, mut stop) = (Arc::clone(&health), store.clone(), shutdown.clone());
            tokio::spawn(async move {
                let stopped = async move {
                    let _ = stop.wait_for(|stop| *stop).await;
                };
                if let Err(e) = health::serve(health, store, listening, stopped).await {
                    tracing::error!(error = %e, "health and metrics stopped serving");
                }
            })
        });
        // The scheduler owns the sender; the worker and every check hold a receiver, so a
        // reload reaches them without a restart.
        let (current, _) = watch::channel(self.live);
        let wake_worker = Arc::new(Notify::new());
        // `deliveries retry` wakes the worker through a socket beside the database.
        let _wake_calls = super::wake::listen(store.path(), Arc::clone(&wake_worker));
        let mut worker = tokio::spawn(deliver_forever(
            current.subscribe(),
            Arc::clone(&wake_worker),
            shutdown.clone(),
        ));

        let mut next_report = {
            let live = current.borrow();
            live.config
                .report
                .as_ref()
                .and_then(|r| r.cron.next_after(Utc::now()))
        };
        let mut next_prune = Instant::now();
        let running: Arc<Mutex<HashSet<String>>> = Arc::default();
        let mut slots = Arc::new(tokio::sync::Semaphore::new(
            current.borrow().checker.concurrency.max(1),
        ));
        let mut cycles = JoinSet::new();
        let mut due: HashMap<String, DateTime<Utc>> = HashMap::new();
        {
            let (live, now) = (current.borrow(), Utc::now());
            for source in &live.config.sources {
                if let Some(at) = next_due(&live.config, source, now) {
                    due.insert(source.name.clone(), at);
                }
            }
        }
        // A stuck scheduler stops pinging, and systemd (`WatchdogSec=`) restarts the service.
        let watchdog = sd_notify::watchdog_enabled().map(|limit| limit / 2);
        let mut pinged = Instant::now();
        tell_systemd(&[
            sd_notify::NotifyState::Ready,
            sd_notify::NotifyState::Status(&format!(
                "watching {} sources",
                current.borrow().config.sources.len()
            )),
        ]);

        loop {
            let now = Utc::now();
            health.tick(now);
            let live = current.borrow().clone();
            let ready: Vec<Arc<Source>> = {
                let running = running.lock().expect("running set");
                live.config
                    .sources
                    .iter()
                    .filter(|s| due.get(&s.name).is_some_and(|at| *at <= now))
                    .filter(|s| !running.contains(&s.name))
                    .cloned()
                    .collect()
            };
            if !ready.is_empty() {
                for source in &ready {
                    // The next tick after now: ticks missed while asleep run once, not once each.
                    match next_due(&live.config, source, now) {
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
                    let (checker, running, wake, slots, batch, current, health) = (
                        live.checker.clone(),
                        Arc::clone(&running),
                        Arc::clone(&wake_worker),
                        Arc::clone(&slots),
                        batch.clone(),
                        current.subscribe(),
                        Arc::clone(&health),
                    );
                    cycles.spawn(async move {
                        let outcome = match slots.acquire().await {
                            // A source the configuration dropped while it waited is not
                            // checked (nor brought back from retirement).
                            Ok(_) if !current.borrow().names().contains(source.name.as_str()) => {
                                running.lock().expect("running set").remove(&source.name);
                                return;
                            }
                            Ok(_slot) => {
                                run::check_in_batch(std::slice::from_ref(&source), &checker, &batch)
                                    .await
                            }
                            Err(_) => return,
                        };
                        running.lock().expect("running set").remove(&source.name);
                        match outcome {
                            Ok(report) => {
                                log_check(&source.name, &report);
                                health.record(&report);
                                wake.notify_one();
                            }
                            Err(e) => {
                                health.record_failed_check();
                                tracing::error!(source = %source.name, error = %e, "check failed; the next tick tries again");
                            }
                        }
                    });
                }
            }
            if let (Some(settings), Some(at)) = (&live.config.report, next_report)
                && at <= now
            {
                next_report = settings.cron.next_after(now);
                let (store, settings) = (store.clone(), settings.clone());
                cycles.spawn(async move { publish_report(&store, &settings).await });
            }
            if let Some(keep) = live.config.storage_keep
                && next_prune <= Instant::now()
            {
                next_prune = Instant::now() + crate::config::defaults::PRUNE_EVERY;
                let store = store.clone();
                cycles.spawn(async move { super::retention::prune_daily(&store, keep).await });
            }
            // Reap finished cycles without waiting.
            while cycles.try_join_next().is_some() {}

            if let Some(every) = watchdog
                && pinged.elapsed() >= every
            {
                tell_systemd(&[sd_notify::NotifyState::Watchdog]);
                pinged = Instant::now();
            }

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
            let sleep = match watchdog {
                Some(every) => sleep.min(every.saturating_sub(pinged.elapsed())),
                None => sleep,
            };
            tokio::select! {
                _ = tokio::time::sleep(sleep) => {}
                _ = shutdown.changed() => break,
                Some(()) = reload.recv() => {
                    tell_systemd(&reloading());
                    let outcome = reload_config(&self.config_path, &live, &store, &health).await;
                    let status = match outcome {
                        Ok(new) => {
                            let status = format!("watching {} sources", new.config.sources.len());
                            reschedule(&live.config, &new.config, &mut due, Utc::now());
                            next_report = new
                                .config
                                .report
                                .as_ref()
                                .and_then(|r| r.cron.next_after(Utc::now()));
                            if new.checker.concurrency != live.checker.concurrency {
                                // Checks already waiting keep their places in the old bound.
                                slots = Arc::new(tokio::sync::Semaphore::new(
                                    new.checker.concurrency.max(1),
                                ));
                            }
                            current.send_replace(new);
                            wake_worker.notify_one();
                            status
                        }
                        Err(message) => {
                            format!("configuration reload failed: {message}")
                        }
                    };
                    tell_systemd(&[
                        sd_notify::NotifyState::Ready,
                        sd_notify::NotifyState::Status(&status),
                    ]);
                }
            }
            if *shutdown.borrow() {
                break;
            }
        }

        tell_systemd(&[sd_notify::NotifyState::Stopping]);
        let grace = current.borrow().config.daemon.grace;
        tracing::info!(in_flight = cycles.len(), ?grace, "stopping: no new checks");
        let finished = tokio::time::timeout(grace, async {
            while cycles.join_next().await.is_some() {}
            let _ = (&mut worker).await;
            if let Some(server) = &mut health_server {
                let _ = server.await;
            }
        })
        .await;
        if finished.is_err() {
            tracing::warn!(
                ?grace,
                "in-flight work abandoned after the grace time; nothing stored is lost"
            );
            cycles.abort_all();
            worker.abort();
            if let Some(server) = &health_server {
                server.abort();
            }
        }
        if let Err(e) = store.call(|s| s.clear_config_load()).await {
            tracing::warn!(error = %e, "could not clear the daemon's configuration record");
        }
        checkpoint(&store).await;
        tracing::info!("daemon stopped");
        Ok(())
    }
}

/// Reads and validates the configuration file again and builds what runs with it; retires the
/// sources it no longer names and records the load. A broken file is logged and recorded, and
/// its error returned: the old configuration runs on.
async fn reload_config(
    path: &Path,
    old: &Live,
    store: &StoreHandle,
    health: &Arc<Health>,
) -> Result<Live, String> {
    let built = {
        let (path, store, health) = (path.to_owned(), store.clone(), Arc::clone(health));
        tokio::task::spawn_blocking(move || -> anyhow::Result<Live> {
            let config = Config::load(&path)?;
            if config.sources.is_empty() {
                anyhow::bail!(
                    "{} configures no [[sources]]; add one (see the README)",
                    config.origin
                );
            }
            config.require_secrets(None)?;
            config.require_fetch_secrets(&config.sources)?;
            Live::build(config, store, &health)
        })
        .await
        .map_err(anyhow::Error::from)
        .and_then(|built| built)
    };
    let new = match built {
        Ok(new) => new,
        Err(e) => {
            let message = format!("{e:#}");
            tracing::error!(
                file = %path.display(),
                error = %message,
                "configuration reload failed; the configuration loaded before keeps running"
            );
            let recorded = message.clone();
            if let Err(e) = store
                .call(move |s| s.record_config_failed(Utc::now(), &recorded))
                .await
            {
                tracing::warn!(error = %e, "could not record the failed reload");
            }
            return Err(message);
        }
    };
    if new.config.storage_path != old.config.storage_path {
        tracing::warn!(
            from = %old.config.storage_path.display(),
            to = %new.config.storage_path.display(),
            "`storage.path` changed; the daemon keeps the database it opened until it restarts"
        );
    }
    let recorded = async {
        run::retire_unconfigured(store, &new.config.sources).await?;
        let origin = new.config.origin.clone();
        store
            .call(move |s| s.record_config_loaded(&origin, Utc::now()))
            .await
    }
    .await;
    if let Err(e) = recorded {
        // The new configuration runs; only `status` is behind.
        tracing::warn!(error = %e, "could not record the reload in the database");
    }
    let (before, after) = (old.names(), new.names());
    let mut added: Vec<&str> = after.difference(&before).copied().collect();
    let mut removed: Vec<&str> = before.difference(&after).copied().collect();
    added.sort_unstable();
    removed.sort_unstable();
    tracing::info!(
        file = %path.display(),
        sources = new.config.sources.len(),
        added = %added.join(", "),
        removed = %removed.join(", "),
        channels = new.checker.notify.channels.len(),
        "configuration reloaded"
    );
    Ok(new)
}

/// Brings the due times up to a new configuration: a source whose schedule and jitter are the
/// same keeps its next tick, a new or rescheduled one gets the next tick after `now`, a removed
/// one is dropped.
fn reschedule(
    old: &Config,
    new: &Config,
    due: &mut HashMap<String, DateTime<Utc>>,
    now: DateTime<Utc>,
) {
    let timing = |config: &Config, source: &Source| {
        let cron = source.schedule.as_ref().unwrap_or(&config.schedule.cron);
        (cron.to_string(), config.schedule.jitter)
    };
    let before: HashMap<&str, (String, Duration)> = old
        .sources
        .iter()
        .map(|s| (s.name.as_str(), timing(old, s)))
        .collect();
    let mut next = HashMap::with_capacity(new.sources.len());
    for source in &new.sources {
        let kept = (before.get(source.name.as_str()) == Some(&timing(new, source)))
            .then(|| due.get(&source.name).copied())
            .flatten();
        if let Some(at) = kept.or_else(|| next_due(new, source, now)) {
            next.insert(source.name.clone(), at);
        }
    }
    *due = next;
}

/// When `source` is due next after `now` under `config`: its schedule's tick plus its jitter.
fn next_due(config: &Config, source: &Source, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let schedule = source.schedule.as_ref().unwrap_or(&config.schedule.cron);
    let jitter = jitter_for(&source.name, config.schedule.jitter);
    schedule.next_after(now).map(|at| {
        chrono::Duration::from_std(jitter)
            .ok()
            .and_then(|jitter| at.checked_add_signed(jitter))
            .unwrap_or(at)
    })
}

async fn checkpoint(store: &StoreHandle) {
    if let Err(e) = store.call(|s| s.checkpoint()).await {
        tracing::warn!(error = %e, "could not checkpoint the database");
    }
}

/// Tells systemd (`Type=notify`) how the service is; nothing without `NOTIFY_SOCKET`.
fn tell_systemd(states: &[sd_notify::NotifyState<'_>]) {
    if let Err(e) = sd_notify::notify(states) {
        tracing::warn!(error = %e, "cannot notify systemd");
    }
}

/// `RELOADING=1` with the time systemd needs to tell this reload from an earlier one.
fn reloading() -> Vec<sd_notify::NotifyState<'static>> {
    let mut states = vec![sd_notify::NotifyState::Reloading];
    if let Ok(now) = sd_notify::NotifyState::monotonic_usec_now() {
        states.push(now);
    }
    states
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
fn log_check(source: &str, report: &CycleReport) {
    if report.changes.is_empty() && report.failures.is_empty() && report.first_versions.is_empty() {
        tracing::debug!(
            source,
            checked = report.checked,
            "check finished: unchanged"
        );
    } else {
        let _check = tracing::info_span!("check", source).entered();
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

/// The outbox worker: delivers what is due through the channels of the current configuration,
/// until `shutdown`. Without channels it waits for a reload that brings some.
async fn deliver_forever(
    mut current: watch::Receiver<Live>,
    wake: Arc<Notify>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let live = current.borrow_and_update().clone();
        let wait = if live.checker.notify.channels.is_empty() {
            MAX_WORKER_SLEEP
        } else {
            match notify::deliver_due(&live.checker.store, &live.sender, &live.checker.notify).await
            {
                Ok(pass) => pass
                    .next_due
                    .map(|at| (at - Utc::now()).to_std().unwrap_or(Duration::ZERO))
                    .unwrap_or(MAX_WORKER_SLEEP)
                    .clamp(Duration::from_millis(50), MAX_WORKER_SLEEP),
                Err(e) => {
                    tracing::error!(error = %e, "delivery pass failed");
                    MAX_WORKER_SLEEP
                }
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = wake.notified() => {}
            _ = current.changed() => {}
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

/// A receiver that gets a message on each SIGHUP (several before it is read count as one).
/// Listening starts here: before, SIGHUP would end the process.
pub fn reload_signal() -> anyhow::Result<mpsc::Receiver<()>> {
    let (tx, rx) = mpsc::channel(1);
    let mut hangup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
        .context("cannot listen for SIGHUP")?;
    tokio::spawn(async move {
        while hangup.recv().await.is_some() {
            tracing::info!("SIGHUP received: reloading the configuration");
            let _ = tx.try_send(());
        }
    });
    Ok(rx)
}
