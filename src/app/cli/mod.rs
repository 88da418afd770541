//! The command line: arguments, and what each command does with the library.
//!
//! This module owns the clap definitions (the README's usage is this module's `--help`), the
//! choice of configuration (the file, or the built-in defaults for commands that need no
//! sources), and the dispatch of each command to its own file (`check.rs`, `report.rs`, ...),
//! whose `run` maps it onto the layers below. Exit codes are decided in `main.rs` from the
//! [`Status`] and error returned here.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};

use crate::config::{Config, ConfigError};
use crate::model::profile::Profile;
use crate::net::fetch::{self, Fetcher};
use crate::present::listing::{Format, Plain};
use crate::read::archive;
use crate::store::StoreHandle;

/// The State Department's feed of every advisory.
pub const STATE_DEPT_FEED: &str = "https://travel.state.gov/_res/rss/TAsTWs.xml";

/// The configuration file read when `--config` is not given.
pub const DEFAULT_CONFIG: &str = "config.toml";

// One file per command, each with its own `run`.
mod backfill;
mod backup;
mod check;
mod compare;
mod config_check;
mod daemon;
mod deliveries;
mod demo;
mod diff;
mod discover;
mod extract;
mod history;
mod import;
mod migrate;
mod notify;
mod overview;
mod prune;
mod report;
mod reprocess;
mod restore;
mod serve;

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

    /// Log lines on stderr as text or as one JSON object each
    #[arg(
        long,
        global = true,
        value_enum,
        value_name = "FORMAT",
        default_value_t = LogFormat::Text,
        env = "ADVISORY_WATCH_LOG_FORMAT"
    )]
    pub log_format: LogFormat,

    /// What to do
    #[command(subcommand)]
    pub command: Command,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// One line of text per event (under journald: a `<N>` priority, no timestamp)
    Text,
    /// One JSON object per line: timestamp, level, fields, target
    Json,
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
    Report(report::ReportArgs),
    /// Serve a read-only dashboard of sources and changes
    Serve {
        /// Address to listen on; keep it on 127.0.0.1 unless a proxy with access control is in front
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
        /// `--allowed-host` and the limits
        #[command(flatten)]
        http: serve::HttpArgs,
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
    /// Remove old failures, sent and dead deliveries, and page bodies nothing refers to
    Prune {
        /// Remove what is older than this [default: storage.keep, else 400d]
        #[arg(long, value_name = "AGE", value_parser = crate::config::parse_keep)]
        older_than: Option<std::time::Duration>,
        /// Also remove versions older than AGE (never a source's latest) and their changes
        #[arg(long)]
        versions: bool,
        /// Print how many rows each table would lose, and remove nothing
        #[arg(long)]
        dry_run: bool,
    },
    /// Upgrade the database to this release's schema, keeping the old file as DB.vN.bak
    Migrate,
    /// Replace the database with FILE after an integrity check, keeping the old one; refused
    /// while a daemon runs
    Restore {
        /// The copy to restore (from `backup`, a `.bak` or Litestream)
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
        /// Serve /healthz, /readyz and /metrics (Prometheus) on ADDR, e.g. 127.0.0.1:9187 (off
        /// by default)
        #[arg(long, value_name = "ADDR", conflicts_with = "once")]
        listen: Option<std::net::SocketAddr>,
        /// `--allowed-host` and the limits
        #[command(flatten)]
        http: serve::HttpArgs,
    },
    /// List queued, sent and dead notifications, or re-queue them
    ///
    /// With `--status dead`, exits 2 when any delivery is dead.
    Deliveries {
        /// Re-queue deliveries
        #[command(subcommand)]
        action: Option<DeliveriesAction>,
        /// Only deliveries in this state (`dead`: exit 2 when there is any)
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
    /// Put a delivery (or every dead one) back in the queue, due now, and wake the daemon;
    /// delivery ids stay the same
    Retry {
        /// The delivery's number, as `deliveries` lists it
        #[arg(required_unless_present = "dead", conflicts_with = "dead")]
        id: Option<i64>,
        /// Every dead delivery
        #[arg(long)]
        dead: bool,
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
    /// Some source (or page) failed; the rest was done. (`deliveries --status dead`: some
    /// delivery is dead.)
    SourceFailed,
}

/// Runs a command, writing its output to `out`.
pub async fn run(cli: Cli, out: &mut (dyn Write + Send)) -> anyhow::Result<Status> {
    match &cli.command {
        Command::Demo => demo::run(out).await,
        Command::ConfigCheck => config_check::run(&cli, out).await,
        Command::Check { sources, format } => check::run(&cli, sources, format, out).await,
        Command::Extract {
            profile,
            input,
            format,
        } => extract::run(&cli, profile, input, format, out).await,
        Command::Diff {
            profile,
            old,
            new,
            format,
        } => diff::run(&cli, profile, old, new, format, out).await,
        Command::History { source, format } => history::run(&cli, source, format, out).await,
        Command::Sources { format } => {
            overview::run(&cli, overview::View::Sources, format, out).await
        }
        Command::Daemon { once, listen, http } => daemon::run(&cli, once, listen, http, out).await,
        Command::Deliveries {
            action,
            status,
            limit,
            format,
        } => deliveries::run(&cli, action, status, limit, format, out).await,
        Command::Notify { action } => notify::run(&cli, action, out).await,
        Command::Report(args) => report::run(&cli, args, out).await,
        Command::Serve { listen, http } => serve::run(&cli, listen, http, out).await,
        Command::Status { format } => {
            overview::run(&cli, overview::View::Status, format, out).await
        }
        Command::Import {
            source,
            dir,
            format,
        } => import::run(&cli, source, dir, format, out).await,
        Command::Discover {
            url,
            profile,
            write,
            format,
        } => discover::run(&cli, url, profile, write, format, out).await,
        Command::Backfill { source } => backfill::run(&cli, source, out).await,
        Command::Compare { country, format } => compare::run(&cli, country, format, out).await,
        Command::Backup { file } => backup::run(&cli, file, out).await,
        Command::Migrate => migrate::run(&cli, out).await,
        Command::Restore { file } => restore::run(&cli, file, out).await,
        Command::Reprocess { sources } => reprocess::run(&cli, sources, out).await,
        Command::Prune {
            older_than,
            versions,
            dry_run,
        } => prune::run(&cli, *older_than, *versions, *dry_run, out).await,
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
/// The configuration file: `--config`, else `config.toml`.
fn config_file(cli: &Cli) -> PathBuf {
    cli.config
        .clone()
        .unwrap_or_else(|| PathBuf::from(DEFAULT_CONFIG))
}

fn load_config(cli: &Cli, required: bool) -> Result<Config, ConfigError> {
    let path = config_file(cli);
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
        let url = reqwest::Url::parse(input).with_context(|| {
            format!(
                "`{}` is not a valid URL",
                crate::config::source_url::redact_url_text(input)
            )
        })?;
        let fetcher = Fetcher::new(&config.fetch)?;
        return match fetcher.get(&url, None).await? {
            fetch::Fetched::Page(page) => {
                let kind = archive::kind_of(page.text.as_bytes());
                Ok((as_html(kind, page.text), kind))
            }
            fetch::Fetched::NotModified => bail!(
                "{} answered 304 Not Modified to a plain request",
                crate::config::source_url::redact_url_text(input)
            ),
        };
    }
    let path = Path::new(input);
    // A file named on the command line is read as an archive's: a regular file only (a FIFO
    // never blocks), at most the page size limit.
    let bytes = archive::read_bytes(path, config.fetch.max_body)?;
    let kind = archive::kind_of(&bytes);
    let text = fetch::decode(&bytes, None);
    Ok((as_html(kind, text), kind))
}

/// Markdown and plain text turned into HTML; Markdown that will not be is kept as it is, for
/// the reader to refuse with the reason.
fn as_html(kind: archive::TextKind, text: String) -> String {
    archive::as_html(kind, &text).unwrap_or(text)
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
            "  {:<24} {:<24} {} [{}] {}",
            source.name,
            source.country,
            source.url,
            source.profile_names.join(", "),
            source.government.as_deref().map_or_else(
                || "(no government: set `government = \"...\"` on the source or its profile)"
                    .to_owned(),
                |g| crate::model::government::Government::named(g).short,
            )
        )?;
        if !source.missing.is_empty() {
            writeln!(
                out,
                "  {:<24} waits for {}: `check`, `daemon` and `backfill` refuse to fetch it without {}",
                "",
                source.missing.join(", "),
                if source.missing.len() == 1 {
                    "it"
                } else {
                    "them"
                }
            )?;
        }
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
    if !config.watchlists.is_empty() {
        writeln!(out, "watch-lists:")?;
        for list in config.watchlists.iter() {
            writeln!(out, "  {:<24} {}", list.name, list.codes.join(", "))?;
        }
    }
    writeln!(out, "profiles:")?;
    for (name, description) in config.profiles.describe() {
        writeln!(out, "  {name:<20} {description}")?;
    }
    Ok(())
}
