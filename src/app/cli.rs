//! The command line: arguments, and what each command does with the library.
//!
//! This module owns the clap definitions (the README's usage is this module's `--help`), the
//! choice of configuration (the file, or the built-in defaults for commands that need no
//! sources), and the mapping of each command onto `run`, `store`, `extract`, `diff` and
//! `report`. Exit codes are decided in `main.rs` from the [`Status`] and error returned here.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};

use crate::app::daemon::{self, Daemon, InstanceLock};
use crate::check::run::{self, Checker};
use crate::config::{Config, ConfigError};
use crate::model::profile::Profile;
use crate::net::fetch::{self, Fetcher};
use crate::notify::{self, Sender};
use crate::present::report::{self, Format, Plain, ReportFormat, ReportQuery};
use crate::read::archive;
use crate::read::extract::{self, Attempt};
use crate::store::StoreHandle;

/// The State Department's feed of every advisory.
pub const STATE_DEPT_FEED: &str = "https://travel.state.gov/_res/rss/TAsTWs.xml";

/// The configuration file read when `--config` is not given.
pub const DEFAULT_CONFIG: &str = "config.toml";

/// Watches government travel advisories and says what changed.
///
/// Fetches advisory pages, extracts the level, the risk indicators and the summary with CSS
/// selectors, stores every version in SQLite, and reports what changed in an analyst's words.
#[derive(Debug, Parser)]
#[command(name = "advisory-watch", version, max_term_width = 100)]
pub struct Cli {
    /// Configuration file [default: config.toml]
    #[arg(
        long,
        global = true,
        value_name = "FILE",
        env = "ADVISORY_WATCH_CONFIG"
    )]
    pub config: Option<PathBuf>,

    /// SQLite database, instead of the configuration's storage.path
    #[arg(long, global = true, value_name = "FILE")]
    pub db: Option<PathBuf>,

    /// More log output on stderr (-v: debug, -vv: trace)
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,

    /// Only errors on stderr
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// What to do
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Fetch now (all sources when none is named), store, compare, print the changes
    Check {
        /// Sources to check, by name
        sources: Vec<String>,
        /// Output format
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Print the fields a profile reads from a file or URL; stores nothing
    Extract {
        /// Profile, or comma-separated list of profiles, to read with (html, json or rss);
        /// by default chosen from the input's content: HTML state-dept,aggregator; Markdown
        /// state-dept-legacy-md,fcdo-page-md; plain text state-dept-text,aggregator-text; an
        /// RSS feed state-dept-rss
        #[arg(long)]
        profile: Option<String>,
        /// A file path (Markdown is turned into HTML) or an http(s) URL
        input: String,
        /// Output format (json or text)
        #[arg(long, value_enum, default_value_t = Plain::Json)]
        format: Plain,
    },
    /// Compare two saved pages
    Diff {
        /// Profile to read both pages with; by default chosen from each page's content, as
        /// for `extract`
        #[arg(long)]
        profile: Option<String>,
        /// The older page (file path or URL)
        old: String,
        /// The newer page (file path or URL)
        new: String,
        /// Output format
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// The versions and changes of one source
    History {
        /// The source's name
        source: String,
        /// Output format (text or json)
        #[arg(long, value_enum, default_value_t = Plain::Text)]
        format: Plain,
    },
    /// Each source with its last check, level, indicators and state
    Sources {
        /// Output format (text or json)
        #[arg(long, value_enum, default_value_t = Plain::Text)]
        format: Plain,
    },
    /// The changes of a period, most important first, as text, Markdown, HTML, JSON, CSV or Atom
    Report {
        /// From: a span back from now ("7d", "24h", "2w") or a date ("2026-11-01")
        #[arg(long, default_value = "7d")]
        since: String,
        /// Until: a date (included), or a span back from now [default: now]
        #[arg(long)]
        until: Option<String>,
        /// Only these sources (repeat the option for several)
        #[arg(long = "source", value_name = "SOURCE")]
        sources: Vec<String>,
        /// Only these countries (repeat the option for several)
        #[arg(long = "country", value_name = "COUNTRY")]
        countries: Vec<String>,
        /// Only changes whose level before or after is at least this
        #[arg(long, value_parser = clap::value_parser!(u8).range(1..=4))]
        min_level: Option<u8>,
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
    },
    /// Serve a read-only dashboard of sources and changes
    Serve {
        /// Address to listen on; keep it on 127.0.0.1 unless a proxy with access control is in front
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
    },
    /// Health of every source: last success, failures in a row, last error
    Status {
        /// Output format (text or json)
        #[arg(long, value_enum, default_value_t = Plain::Text)]
        format: Plain,
    },
    /// Store an archive's dated files (YYYY-MM-DD.html|md|xml|json) as versions of a source
    Import {
        /// The configured source the files are versions of
        #[arg(long)]
        source: String,
        /// The folder of dated files
        dir: PathBuf,
        /// Output format
        #[arg(long, value_enum, default_value_t = Plain::Text)]
        format: Plain,
    },
    /// List every country a feed or index names; optionally write a source entry for each
    Discover {
        /// The feed or index (default: the State Department's RSS feed)
        #[arg(long, default_value = STATE_DEPT_FEED)]
        url: String,
        /// How to read it: a profile with items
        #[arg(long, default_value = "state-dept-rss")]
        profile: String,
        /// Write a source entry (TOML) per country to this new file
        #[arg(long, value_name = "FILE")]
        write: Option<PathBuf>,
        /// Output format (text or json)
        #[arg(long, value_enum, default_value_t = Plain::Text)]
        format: Plain,
    },
    /// Store the versions a page's advisory-history panel lists, before the first check
    Backfill {
        /// The configured source
        source: String,
    },
    /// What each source says now about one country, side by side
    Compare {
        /// The country
        country: String,
        /// Output format (text or json)
        #[arg(long, value_enum, default_value_t = Plain::Text)]
        format: Plain,
    },
    /// Write a consistent copy of the database to FILE, also while the daemon runs
    Backup {
        /// The copy to write; must not exist yet
        file: PathBuf,
    },
    /// Re-extract stored pages with the current profiles, without fetching
    Reprocess {
        /// Sources to reprocess (all when none is named)
        sources: Vec<String>,
    },
    /// Run checks on the configured schedules and deliver notifications until SIGTERM
    Daemon {
        /// Run one cycle of every source, deliver what is due, and exit (for cron and timers)
        #[arg(long)]
        once: bool,
    },
    /// List queued, sent and dead notifications, or re-queue one
    Deliveries {
        /// Re-queue a delivery
        #[command(subcommand)]
        action: Option<DeliveriesAction>,
        /// Only deliveries in this state
        #[arg(long, value_enum)]
        status: Option<DeliveryStatus>,
        /// How many, newest first
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// Output format (text or json)
        #[arg(long, value_enum, default_value_t = Plain::Text)]
        format: Plain,
    },
    /// Send a sample notification through one channel
    Notify {
        /// What to do
        #[command(subcommand)]
        action: NotifyAction,
    },
    /// Validate the configuration and list its sources and profiles
    ConfigCheck,
    /// Run the main job on bundled pages: a loopback server, two checks, the change
    Demo,
}

/// `deliveries` subcommands.
#[derive(Debug, Subcommand)]
pub enum DeliveriesAction {
    /// Put a delivery back in the queue, due now; its delivery id stays the same
    Retry {
        /// The delivery's number, as `deliveries` lists it
        id: i64,
    },
}

/// `notify` subcommands.
#[derive(Debug, Subcommand)]
pub enum NotifyAction {
    /// Send a sample notification (the bundled Mali change) through CHANNEL, now
    Test {
        /// The channel's name
        channel: String,
    },
}

/// Delivery states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DeliveryStatus {
    /// Not yet delivered; will be tried (again).
    Pending,
    /// Delivered.
    Sent,
    /// Given up after the configured attempts, or refused for good.
    Dead,
}

impl DeliveryStatus {
    fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Dead => "dead",
        }
    }
}

/// How a command ended, for the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Everything worked.
    Ok,
    /// Some source (or page) failed; the rest was done.
    SourceFailed,
}

/// Runs a command, writing its output to `out`.
pub async fn run(cli: Cli, out: &mut (dyn Write + Send)) -> anyhow::Result<Status> {
    match &cli.command {
        Command::Demo => {
            crate::app::demo::run(out).await?;
            Ok(Status::Ok)
        }
        Command::ConfigCheck => {
            let config = load_config(&cli, true)?;
            config_check(&config, out)?;
            Ok(Status::Ok)
        }
        Command::Check { sources, format } => {
            let config = load_config(&cli, true)?;
            let selected = config.select_sources(sources).map_err(anyhow::Error::msg)?;
            if selected.is_empty() {
                bail!(
                    "{} configures no [[sources]]; add one (see the README)",
                    config.origin
                );
            }
            let checker = Checker {
                fetcher: Fetcher::new(&config.fetch)?,
                store: open_store(&cli, &config)?,
                concurrency: config.fetch.concurrency,
                notify: Arc::new(config.notify.clone()),
            };
            let report = run::check(&selected, &checker).await?;
            if !config.notify.channels.is_empty() {
                // One attempt now, through the channels whose secrets are set; the daemon
                // retries what fails, and sends what waits for a secret once it is set.
                let sendable = config.sendable_notify();
                let sender = Sender::new(&config.fetch.user_agent, config.notify_timeout)?;
                notify::deliver_due(&checker.store, &sender, &sendable).await?;
            }
            match format {
                Format::Json => writeln!(
                    out,
                    "{}",
                    serde_json::to_string_pretty(&report::cycle_json(&report))?
                )?,
                Format::Markdown => write!(out, "{}", report::cycle_markdown(&report))?,
                Format::Text => write!(out, "{}", report::cycle_text(&report))?,
            }
            Ok(if report.failures.is_empty() {
                Status::Ok
            } else {
                Status::SourceFailed
            })
        }
        Command::Extract {
            profile,
            input,
            format,
        } => {
            let config = load_config(&cli, false)?;
            let (page, kind) = read_input(&config, input).await?;
            let profile = profile
                .clone()
                .unwrap_or_else(|| automatic_profiles(kind, &page).to_owned());
            let names: Vec<String> = profile.split(',').map(|n| n.trim().to_owned()).collect();
            let reader = config.profiles.reader(&names, "--profile")?;
            let profiles = match reader {
                crate::model::profile::Reader::Page(profiles) => profiles,
                other => {
                    // A feed, an index or a JSON document: every advisory it holds.
                    let document =
                        extract::read_document(&other, &page).map_err(anyhow::Error::msg)?;
                    let value = report::document_json(&document);
                    match format {
                        Plain::Json => writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?,
                        _ => write!(out, "{}", report::document_text(&document))?,
                    }
                    return Ok(Status::Ok);
                }
            };
            let outcome = extract::extract(&page, &profiles);
            let attempt = match &outcome {
                Ok(extracted) => Attempt::from_extracted(extracted),
                Err(failure) => failure
                    .best()
                    .cloned()
                    .unwrap_or_else(|| Attempt::empty(&profile)),
            };
            match (format, &outcome) {
                (Plain::Text, Ok(extracted)) => write!(
                    out,
                    "{}",
                    report::fields_text(&extracted.profile, &extracted.advisory)
                )?,
                (Plain::Text, Err(failure)) => writeln!(out, "{input}: {failure}")?,
                _ => writeln!(
                    out,
                    "{}",
                    serde_json::to_string_pretty(&report::attempt_json(&attempt))?
                )?,
            }
            if let Err(failure) = &outcome {
                tracing::error!("{input}: {failure}");
                return Ok(Status::SourceFailed);
            }
            Ok(Status::Ok)
        }
        Command::Diff {
            profile,
            old,
            new,
            format,
        } => {
            let config = load_config(&cli, false)?;
            let (old_page, old_kind) = read_input(&config, old).await?;
            let (new_page, new_kind) = read_input(&config, new).await?;
            let chain = |kind, page: &str| {
                resolve_profile(
                    &config,
                    profile
                        .as_deref()
                        .unwrap_or_else(|| automatic_profiles(kind, page)),
                )
            };
            let old_advisory = extract::extract(&old_page, &chain(old_kind, &old_page)?)
                .map_err(|f| anyhow::anyhow!("{old}: {f}"))?
                .advisory;
            let new_advisory = extract::extract(&new_page, &chain(new_kind, &new_page)?)
                .map_err(|f| anyhow::anyhow!("{new}: {f}"))?
                .advisory;
            let change = crate::model::diff::compare(&old_advisory, &new_advisory);
            let rendered =
                report::pair_diff(change.as_ref(), &old_advisory, &new_advisory, *format);
            write!(out, "{rendered}")?;
            Ok(Status::Ok)
        }
        Command::History { source, format } => {
            let config = load_config(&cli, false)?;
            let store = open_existing_store(&cli, &config)?;
            let name = source.clone();
            let found = store
                .call(move |store| {
                    let Some(id) = store.source_id(&name)? else {
                        return Ok(None);
                    };
                    Ok(Some((
                        store.snapshots(id)?,
                        store.changes(Some(id))?,
                        store.failures(id)?,
                    )))
                })
                .await?;
            let Some((snapshots, changes, failures)) = found else {
                // Suggest `check` only for a source it can check.
                if config.select_sources(std::slice::from_ref(source)).is_ok() {
                    bail!(
                        "the database {} has no history of `{source}` yet; run `advisory-watch check {source}` first",
                        store.path().display()
                    );
                }
                bail!(
                    "no source is named `{source}`, in the database {} or in {}; `advisory-watch sources` lists the sources with a history",
                    store.path().display(),
                    config.origin
                );
            };
            match format {
                Plain::Json => writeln!(
                    out,
                    "{}",
                    serde_json::to_string_pretty(&report::history_json(
                        source, &snapshots, &changes, &failures
                    ))?
                )?,
                _ => write!(
                    out,
                    "{}",
                    report::history_text(source, &snapshots, &changes, &failures)
                )?,
            }
            Ok(Status::Ok)
        }
        Command::Sources { format } => {
            let config = load_config(&cli, false)?;
            let store = open_existing_store(&cli, &config)?;
            let sources = store.call(|store| store.overview()).await?;
            match format {
                Plain::Json => writeln!(
                    out,
                    "{}",
                    serde_json::to_string_pretty(&report::sources_json(&sources))?
                )?,
                _ => write!(out, "{}", report::sources_text(&sources))?,
            }
            Ok(health(&sources))
        }
        Command::Daemon { once } => {
            let config = load_config(&cli, true)?;
            if config.sources.is_empty() {
                bail!(
                    "{} configures no [[sources]]; add one (see the README)",
                    config.origin
                );
            }
            config.require_secrets(None)?;
            let db = storage_path(&cli, &config);
            let _lock = InstanceLock::acquire(&db)?;
            let daemon = Daemon::new(config, &db)?;
            if *once {
                let report = daemon.once().await?;
                write!(out, "{}", report::cycle_text(&report))?;
                return Ok(if report.failures.is_empty() {
                    Status::Ok
                } else {
                    Status::SourceFailed
                });
            }
            daemon.run(daemon::shutdown_signal()?).await?;
            Ok(Status::Ok)
        }
        Command::Deliveries {
            action,
            status,
            limit,
            format,
        } => {
            let config = load_config(&cli, false)?;
            let store = match action {
                // Re-queueing writes; listing only reads.
                Some(_) => StoreHandle::open(&existing_store_path(&cli, &config)?)?,
                None => open_existing_store(&cli, &config)?,
            };
            if let Some(DeliveriesAction::Retry { id }) = action {
                let id = *id;
                if !store
                    .call(move |s| s.requeue_delivery(id, chrono::Utc::now()))
                    .await?
                {
                    bail!(
                        "there is no delivery number {id}; `advisory-watch deliveries` lists them"
                    );
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
                    serde_json::to_string_pretty(&report::deliveries_json(&rows))?
                )?,
                _ => write!(out, "{}", report::deliveries_text(&rows))?,
            }
            Ok(Status::Ok)
        }
        Command::Notify {
            action: NotifyAction::Test { channel },
        } => {
            let config = load_config(&cli, true)?;
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
        Command::Report {
            since,
            until,
            sources,
            countries,
            min_level,
            format,
            brief,
            full,
            output,
        } => {
            let config = load_config(&cli, false)?;
            if *brief
                && !matches!(
                    format,
                    ReportFormat::Text | ReportFormat::Markdown | ReportFormat::Html
                )
            {
                bail!(
                    "--brief is a text, markdown or html report; drop --brief for json, csv or atom"
                );
            }
            let detail = match (brief, full) {
                (true, _) => report::Detail::Brief,
                (_, true) => report::Detail::Full,
                _ => report::Detail::Standard,
            };
            let now = chrono::Utc::now();
            let query = ReportQuery {
                since: Some(report::parse_when(since, now).map_err(anyhow::Error::msg)?),
                until: until
                    .as_deref()
                    .map(|u| report::parse_until(u, now))
                    .transpose()
                    .map_err(anyhow::Error::msg)?,
                sources: sources.clone(),
                countries: countries.clone(),
                min_level: *min_level,
                ..ReportQuery::default()
            };
            let store = open_existing_store(&cli, &config)?;
            let rendered =
                crate::present::publish::render(&store, &query, *format, detail, now).await?;
            match output {
                Some(path) => {
                    crate::present::publish::write_atomically(path, &rendered)?;
                    writeln!(out, "Wrote the report to {}.", path.display())?;
                }
                None => write!(out, "{rendered}")?,
            }
            Ok(Status::Ok)
        }
        Command::Serve { listen } => {
            let config = load_config(&cli, false)?;
            let store = open_existing_store(&cli, &config)?;
            let mut stop = daemon::shutdown_signal()?;
            if !listen.ip().is_loopback() {
                tracing::warn!(
                    "{listen} is reachable from other machines, and the dashboard has no access control of its own: put it behind a proxy that has, or listen on 127.0.0.1"
                );
            }
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .with_context(|| format!("cannot serve the dashboard on {listen}"))?;
            let bound = listener
                .local_addr()
                .with_context(|| format!("cannot serve the dashboard on {listen}"))?;
            writeln!(out, "Dashboard on http://{bound}/ (Ctrl-C to stop)")?;
            out.flush()?;
            crate::present::dashboard::serve(store, listener, async move {
                let _ = stop.changed().await;
            })
            .await
            .with_context(|| format!("cannot serve the dashboard on {bound}"))?;
            Ok(Status::Ok)
        }
        Command::Status { format } => {
            let config = load_config(&cli, false)?;
            let store = open_existing_store(&cli, &config)?;
            let sources = store.call(|store| store.overview()).await?;
            match format {
                Plain::Json => writeln!(
                    out,
                    "{}",
                    serde_json::to_string_pretty(&report::status_json(&sources))?
                )?,
                _ => write!(out, "{}", report::status_text(&sources))?,
            }
            Ok(health(&sources))
        }
        Command::Import {
            source,
            dir,
            format,
        } => {
            let config = load_config(&cli, true)?;
            let selected = config
                .select_sources(std::slice::from_ref(source))
                .map_err(anyhow::Error::msg)?;
            let files = archive::dated_files(dir, chrono::Utc::now())?;
            let mut documents = Vec::with_capacity(files.len());
            for file in &files {
                documents.push((file.observed, archive::read(&file.path)?));
            }
            let store = open_store(&cli, &config)?;
            let bar = indicatif::ProgressBar::with_draw_target(
                Some(documents.len() as u64),
                indicatif::ProgressDrawTarget::stderr(),
            );
            bar.set_style(
                indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len}")
                    .expect("a valid template")
                    .progress_chars("=> "),
            );
            bar.set_message(format!("importing into {source}"));
            let imported = run::import(&selected[0], &store, documents, |n| {
                bar.set_position(n as u64)
            })
            .await?;
            bar.finish_and_clear();
            match format {
                Plain::Json => {
                    let report = run::CycleReport {
                        checked: imported.files,
                        changes: imported.changes.clone(),
                        failures: imported.failures.clone(),
                        first_versions: Vec::new(),
                        unchanged: 0,
                    };
                    writeln!(
                        out,
                        "{}",
                        serde_json::to_string_pretty(&report::cycle_json(&report))?
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
        Command::Discover {
            url,
            profile,
            write,
            format,
        } => {
            let config = load_config(&cli, false)?;
            let reader = config
                .profiles
                .reader(std::slice::from_ref(profile), "--profile")?;
            if !reader.has_items() {
                bail!(
                    "profile `{profile}` reads one advisory per document; discover needs a feed or index (state-dept-rss, canada, auswaertiges-amt, hong-kong-ota)"
                );
            }
            let (text, _) = read_input(&config, url).await?;
            let items = match extract::read_document(&reader, &text).map_err(anyhow::Error::msg)? {
                extract::Document::Many(items) => items,
                extract::Document::One(_) => bail!("{url} holds one advisory, not a list"),
            };
            if let Some(path) = write {
                if path.exists() {
                    bail!(
                        "{} already exists; give a new file name (nothing was written)",
                        path.display()
                    );
                }
                std::fs::write(
                    path,
                    report::discovered_sources_toml(&items, url, profile, reader.kind()),
                )
                .with_context(|| format!("cannot write {}", path.display()))?;
            }
            match format {
                Plain::Json => writeln!(
                    out,
                    "{}",
                    serde_json::to_string_pretty(&report::discovered_json(&items))?
                )?,
                _ => write!(out, "{}", report::discovered_text(&items))?,
            }
            if let Some(path) = write {
                writeln!(
                    out,
                    "Wrote {} [[sources]] entries to {}.",
                    items.len(),
                    path.display()
                )?;
            }
            Ok(Status::Ok)
        }
        Command::Backfill { source } => {
            let config = load_config(&cli, true)?;
            let selected = config
                .select_sources(std::slice::from_ref(source))
                .map_err(anyhow::Error::msg)?;
            let source = &selected[0];
            let fetcher = Fetcher::new(&config.fetch)?;
            let page = match fetcher.get(&source.url, None).await? {
                fetch::Fetched::Page(page) => page,
                fetch::Fetched::NotModified => {
                    bail!("{} answered 304 to a plain request", source.url)
                }
            };
            let store = open_store(&cli, &config)?;
            let done = run::backfill(source, &store, page)
                .await?
                .map_err(anyhow::Error::msg)?;
            writeln!(
                out,
                "Stored {} earlier version{} of {} from its history panel, then the current page.",
                done.from_history,
                if done.from_history == 1 { "" } else { "s" },
                source.name
            )?;
            for change in &done.changes {
                writeln!(
                    out,
                    "  {}  {}",
                    &change.detected_at[..10],
                    change.change.headline
                )?;
            }
            Ok(Status::Ok)
        }
        Command::Compare { country, format } => {
            let config = load_config(&cli, false)?;
            let store = open_existing_store(&cli, &config)?;
            let sources = store.call(|store| store.overview()).await?;
            let containers: std::collections::HashSet<String> = sources
                .iter()
                .filter_map(|s| s.name.split_once('/').map(|(parent, _)| parent.to_owned()))
                .collect();
            let mut matching: Vec<report::Side> =
                crate::present::brief::sources_about(country, sources)
                    .into_iter()
                    .filter(|s| !containers.contains(&s.name))
                    .map(|source| report::Side {
                        government: government_of(&config, &source.name),
                        source,
                    })
                    .collect();
            matching.sort_by(|a, b| {
                (&a.government, &a.source.name).cmp(&(&b.government, &b.source.name))
            });
            let country =
                crate::model::country::resolve(country).map_or(country.as_str(), |c| c.name);
            if matching.is_empty() {
                let hint = crate::model::country::suggest(country)
                    .filter(|c| {
                        crate::model::country::resolve(country).is_none_or(|r| r.code != c.code)
                    })
                    .map(|c| format!(" (did you mean {}?)", c.name))
                    .unwrap_or_default();
                bail!(
                    "no source in {} is about `{country}`{hint}; `advisory-watch sources` lists them",
                    store.path().display()
                );
            }
            match format {
                Plain::Json => writeln!(
                    out,
                    "{}",
                    serde_json::to_string_pretty(&report::compare_json(country, &matching))?
                )?,
                _ => write!(out, "{}", report::compare_text(country, &matching))?,
            }
            Ok(Status::Ok)
        }
        Command::Backup { file } => {
            let config = load_config(&cli, false)?;
            if file.exists() {
                bail!(
                    "{} already exists; give a new file name (nothing was written)",
                    file.display()
                );
            }
            let store = open_existing_store(&cli, &config)?;
            let target = file.clone();
            store.call(move |store| store.backup(&target)).await?;
            writeln!(
                out,
                "Wrote a consistent copy of {} to {}.",
                store.path().display(),
                file.display()
            )?;
            Ok(Status::Ok)
        }
        Command::Reprocess { sources } => {
            let config = load_config(&cli, true)?;
            let selected = config.select_sources(sources).map_err(anyhow::Error::msg)?;
            let store = open_store(&cli, &config)?;
            let mut results = Vec::new();
            for source in &selected {
                results.push(run::reprocess(source, &store).await?);
            }
            write!(out, "{}", report::reprocessed_text(&results))?;
            Ok(Status::Ok)
        }
    }
}

/// `SourceFailed` when any source is failing or broken: what `sources` and `status` exit with.
fn health(sources: &[crate::store::SourceOverview]) -> Status {
    if sources
        .iter()
        .any(|s| s.state == "failing" || s.state == "broken")
    {
        Status::SourceFailed
    } else {
        Status::Ok
    }
}

/// Loads the configuration. Without `--config`, a missing `config.toml` means the built-in
/// defaults, unless the command needs sources (`required`).
fn load_config(cli: &Cli, required: bool) -> Result<Config, ConfigError> {
    let path = cli
        .config
        .clone()
        .unwrap_or_else(|| PathBuf::from(DEFAULT_CONFIG));
    if cli.config.is_none() && !required && !path.exists() {
        return Ok(Config::builtin(PathBuf::from(
            crate::config::defaults::STORAGE_PATH,
        )));
    }
    Config::load(&path)
}

fn storage_path(cli: &Cli, config: &Config) -> PathBuf {
    cli.db
        .clone()
        .unwrap_or_else(|| config.storage_path.clone())
}

fn open_store(cli: &Cli, config: &Config) -> anyhow::Result<StoreHandle> {
    let path = storage_path(cli, config);
    Ok(StoreHandle::open(&path)?)
}

/// The government a stored source reads, from its configured profile (a feed's country is
/// `<source>/<key>`); the profile names when the profile does not say, `-` for a source no
/// longer configured.
fn government_of(config: &Config, stored_name: &str) -> String {
    let configured = stored_name.split('/').next().unwrap_or(stored_name);
    let Some(source) = config.sources.iter().find(|s| s.name == configured) else {
        return "-".to_owned();
    };
    source
        .profile_names
        .iter()
        .find_map(|name| config.profiles.government(name))
        .map_or_else(
            || format!("profile {}", source.profile_names.join(", ")),
            str::to_owned,
        )
}

/// Opens the database for reading commands, read-only, refusing to create an empty one by
/// mistake.
fn open_existing_store(cli: &Cli, config: &Config) -> anyhow::Result<StoreHandle> {
    let path = existing_store_path(cli, config)?;
    Ok(StoreHandle::open_read_only(&path)?)
}

/// The database's path, when there is a database there.
fn existing_store_path(cli: &Cli, config: &Config) -> anyhow::Result<PathBuf> {
    let path = storage_path(cli, config);
    if !path.exists() {
        bail!(
            "no database at {}; run `advisory-watch check` first, or pass --db FILE",
            path.display()
        );
    }
    Ok(path)
}

fn resolve_profile(config: &Config, names: &str) -> anyhow::Result<Vec<Arc<Profile>>> {
    // `diff` compares two pages: HTML profiles only.
    let names: Vec<String> = names.split(',').map(|n| n.trim().to_owned()).collect();
    Ok(config.profiles.resolve_names(&names, "--profile")?)
}

/// The profiles tried when none is named, from what the input is: a page of either
/// travel.state.gov layout or an aggregator's; a Markdown capture of a State Department or
/// FCDO page; a plain-text capture; the State Department's feed.
fn automatic_profiles(kind: archive::TextKind, text: &str) -> &'static str {
    match kind {
        archive::TextKind::Markdown => "state-dept-legacy-md,fcdo-page-md",
        archive::TextKind::Plain => "state-dept-text,aggregator-text",
        archive::TextKind::Markup if text.contains("<rss") => "state-dept-rss",
        archive::TextKind::Markup => "state-dept,aggregator",
    }
}

/// A file or URL's text, Markdown and plain text turned into HTML, and what it was.
async fn read_input(config: &Config, input: &str) -> anyhow::Result<(String, archive::TextKind)> {
    if input.starts_with("http://") || input.starts_with("https://") {
        let url =
            reqwest::Url::parse(input).with_context(|| format!("`{input}` is not a valid URL"))?;
        let fetcher = Fetcher::new(&config.fetch)?;
        return match fetcher.get(&url, None).await? {
            fetch::Fetched::Page(page) => {
                let kind = archive::kind_of(page.text.as_bytes());
                Ok((archive::as_html(kind, &page.text), kind))
            }
            fetch::Fetched::NotModified => {
                bail!("{input} answered 304 Not Modified to a plain request")
            }
        };
    }
    let path = Path::new(input);
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let kind = archive::kind_of(&bytes);
    let text = fetch::decode(&bytes, None);
    Ok((archive::as_html(kind, &text), kind))
}

fn config_check(config: &Config, out: &mut (dyn Write + Send)) -> anyhow::Result<()> {
    writeln!(out, "{}: valid", config.origin)?;
    writeln!(out, "database: {}", config.storage_path.display())?;
    writeln!(
        out,
        "fetch: timeout {:?}, concurrency {}, user agent {:?}",
        config.fetch.timeout, config.fetch.concurrency, config.fetch.user_agent
    )?;
    writeln!(
        out,
        "{} source{}:",
        config.sources.len(),
        if config.sources.len() == 1 { "" } else { "s" }
    )?;
    for source in &config.sources {
        writeln!(
            out,
            "  {:<24} {:<24} {} [{}]",
            source.name,
            source.country,
            source.url,
            source.profile_names.join(", ")
        )?;
    }
    if !config.notify.channels.is_empty() {
        writeln!(out, "notification channels:")?;
        for channel in &config.notify.channels {
            match channel.waiting_for() {
                None => writeln!(out, "  {}", channel.name)?,
                Some(what) => writeln!(
                    out,
                    "  {:<24} waits for {what}: `daemon` and `notify test` refuse to start without it",
                    channel.name
                )?,
            }
        }
    }
    writeln!(out, "profiles:")?;
    for (name, description) in config.profiles.describe() {
        writeln!(out, "  {name:<20} {description}")?;
    }
    Ok(())
}
