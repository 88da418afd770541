//! The configuration file: what to watch, how to fetch it and where to store it.
//!
//! Loading happens in two steps: TOML is read into raw serde structs that refuse unknown keys,
//! then validated into a [`Config`] whose URLs are parsed and whose profiles are compiled and
//! resolved once, so nothing is re-parsed per check. Every error names the file, the source or
//! profile, and the key. Defaults live in [`defaults`]. Only an invalid configuration stops the
//! program; everything after loading reports failures as values.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;

use crate::model::profile::{ProfileError, ProfileSet, Reader};
use crate::model::schedule::Schedule;
use channels::{
    Channel, DarkRule, Email, EventKind, Filter, NotifySettings, RetryPolicy, Secret, SmtpTls,
    Transport, Webhook, WebhookFormat,
};
use source_url::{SecretHeader, SourceUrl};

pub mod channels;
mod raw;
pub mod source_url;
mod validate;
mod watchlists;

use raw::*;
use validate::*;
pub use validate::{parse_duration, parse_keep, parse_size};
pub use watchlists::{WatchList, WatchLists};

/// Output formats of `report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// For a terminal.
    Text,
    /// For a ticket or a chat message.
    Markdown,
    /// One self-contained page: inline CSS, no external requests.
    Html,
    /// The documented report schema.
    Json,
    /// One row per change.
    Csv,
    /// An Atom feed, one entry per change.
    Atom,
}

/// Every default value of the configuration, in one place.
pub mod defaults {
    use std::time::Duration;

    /// The SQLite file, relative to the configuration file's folder.
    pub const STORAGE_PATH: &str = "advisory-watch.db";
    /// The User-Agent header sent with every request.
    pub const USER_AGENT: &str = concat!(
        "advisory-watch/",
        env!("CARGO_PKG_VERSION"),
        " (+https://github.com/advisory-watch/advisory-watch)"
    );
    /// How long one request may take in all.
    pub const TIMEOUT: Duration = Duration::from_secs(30);
    /// How many pages are fetched at once.
    pub const CONCURRENCY: usize = 4;
    /// How many requests one host gets at once.
    pub const PER_HOST: usize = 1;
    /// The pause between two requests to one host.
    pub const PER_HOST_DELAY: Duration = Duration::ZERO;
    /// Retries of a failed request (connection error, timeout, 5xx, 429) within one check.
    pub const RETRIES: u32 = 2;
    /// The delay before the first retry; doubled each time.
    pub const RETRY_INITIAL: Duration = Duration::from_secs(1);
    /// The longest `Retry-After` waited for within a check.
    pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);
    /// The largest body read.
    pub const MAX_BODY: usize = 10 * 1024 * 1024;
    /// Redirects followed.
    pub const MAX_REDIRECTS: usize = 10;
    /// The profile a source uses when it names none.
    pub const PROFILE: &str = "state-dept";
    /// When the daemon checks: every 30 minutes.
    pub const SCHEDULE: &str = "*/30 * * * *";
    /// The largest random delay of a source after its tick.
    pub const JITTER: Duration = Duration::from_secs(30);
    /// How long the daemon waits for in-flight work after SIGTERM.
    pub const GRACE: Duration = Duration::from_secs(10);
    /// Attempts before a delivery is marked dead.
    pub const MAX_ATTEMPTS: u32 = 10;
    /// Delay before the first retry of a delivery.
    pub const DELIVERY_RETRY_INITIAL: Duration = Duration::from_secs(30);
    /// The longest any duration setting may be: longer ones are mistakes ("400000y").
    pub const LONGEST_DURATION: Duration = Duration::from_secs(7 * 86_400);
    /// The longest delay between two attempts of a delivery.
    pub const RETRY_MAX: Duration = Duration::from_secs(3600);
    /// How long one webhook or SMTP exchange may take.
    pub const NOTIFY_TIMEOUT: Duration = Duration::from_secs(30);
    /// Consecutive failed checks after which a source has gone dark (an hour and a half on
    /// the default schedule).
    pub const FAILING_AFTER: u32 = 3;
    /// Time without a successful check after which a source has gone dark, however few checks
    /// failed (a source checked twice a day).
    pub const FAILING_FOR: Duration = Duration::from_secs(6 * 3600);
    /// How often the alert about a source that stays dark is sent again.
    pub const FAILING_REMINDER: Duration = Duration::from_secs(24 * 3600);
    /// How old a failure, a sent delivery or (with `--versions`) a version must be for
    /// `prune` to remove it, when neither `--older-than` nor `storage.keep` says.
    pub const KEEP: Duration = Duration::from_secs(400 * 86_400);
    /// How often the daemon prunes, when `storage.keep` is set.
    pub const PRUNE_EVERY: Duration = Duration::from_secs(86_400);
}

/// What is wrong with a configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("cannot read the configuration {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The TOML does not parse or has an unknown key or a wrong type.
    #[error("configuration {path}: {message}")]
    Syntax {
        /// The file.
        path: String,
        /// The TOML parser's account, with line and key.
        message: String,
    },
    /// A source entry is invalid.
    #[error("configuration {path}: source `{source_name}`: key `{key}`: {message}")]
    Source {
        /// The file.
        path: String,
        /// The source's name (or its position when it has none).
        source_name: String,
        /// The key at fault.
        key: &'static str,
        /// What is wrong.
        message: String,
    },
    /// Two sources share a name.
    #[error(
        "configuration {path}: source name `{name}` is used twice; names must be unique because the command line and the database refer to sources by name"
    )]
    DuplicateSource {
        /// The file.
        path: String,
        /// The repeated name.
        name: String,
    },
    /// A channel needs an environment variable that is not set, and the command sends.
    #[error(
        "configuration {path}: channel `{channel}` needs {what}, which is not set; secrets are read from the environment, never from the configuration file, and this command sends notifications"
    )]
    MissingSecret {
        /// The file.
        path: String,
        /// The channel.
        channel: String,
        /// The variables, with their keys.
        what: String,
    },
    /// A source needs an environment variable that is not set, and the command fetches it.
    #[error(
        "configuration {path}: source `{source_name}` needs {what}, which is not set; secrets are read from the environment, never from the configuration file, and this command fetches the source"
    )]
    MissingSourceSecret {
        /// The file.
        path: String,
        /// The source.
        source_name: String,
        /// The variables, with their keys.
        what: String,
    },
    /// A source's name is one a feed or index gives one of its countries.
    #[error(
        "configuration {path}: source name `{name}` collides with the countries of the feed or index `{feed}`, which are named `{feed}/<country>`; rename `{name}` (without the `{feed}/` prefix)"
    )]
    SourceNameCollision {
        /// The file.
        path: String,
        /// The source whose name collides.
        name: String,
        /// The feed or index whose children it collides with.
        feed: String,
    },
    /// A `[fetch]` or `[storage]` value is invalid.
    #[error("configuration {path}: key `{key}`: {message}")]
    Setting {
        /// The file.
        path: String,
        /// The key, with its table (`fetch.timeout`).
        key: &'static str,
        /// What is wrong.
        message: String,
    },
    /// A notification channel is invalid.
    #[error("configuration {path}: notification channel `{channel}`: key `{key}`: {message}")]
    Channel {
        /// The file.
        path: String,
        /// The channel's name.
        channel: String,
        /// The key at fault.
        key: &'static str,
        /// What is wrong.
        message: String,
    },
    /// A watch-list is invalid.
    #[error("configuration {path}: key `watchlists.{list}.{key}`: watch-list `{list}`: {message}")]
    WatchList {
        /// The file.
        path: String,
        /// The list's name.
        list: String,
        /// The key at fault, in its table.
        key: &'static str,
        /// What is wrong.
        message: String,
    },
    /// A profile is invalid or unknown.
    #[error("configuration {path}: {source}")]
    Profile {
        /// The file.
        path: String,
        /// The profile error.
        source: ProfileError,
    },
}

/// How pages are fetched.
#[derive(Debug, Clone)]
pub struct FetchSettings {
    /// The User-Agent header.
    pub user_agent: String,
    /// The limit for one request.
    pub timeout: Duration,
    /// Pages fetched at once.
    pub concurrency: usize,
    /// Requests to one host at once.
    pub per_host: usize,
    /// Pause between two requests to one host.
    pub per_host_delay: Duration,
    /// Retries of a failed request within one check.
    pub retries: u32,
    /// Delay before the first retry.
    pub retry_initial: Duration,
    /// The longest `Retry-After` waited for.
    pub max_retry_after: Duration,
    /// The largest body read, in bytes.
    pub max_body: usize,
    /// Redirects followed.
    pub max_redirects: usize,
}

impl Default for FetchSettings {
    fn default() -> Self {
        FetchSettings {
            user_agent: defaults::USER_AGENT.to_owned(),
            timeout: defaults::TIMEOUT,
            concurrency: defaults::CONCURRENCY,
            per_host: defaults::PER_HOST,
            per_host_delay: defaults::PER_HOST_DELAY,
            retries: defaults::RETRIES,
            retry_initial: defaults::RETRY_INITIAL,
            max_retry_after: defaults::MAX_RETRY_AFTER,
            max_body: defaults::MAX_BODY,
            max_redirects: defaults::MAX_REDIRECTS,
        }
    }
}

/// One watched page.
#[derive(Debug)]
pub struct Source {
    /// Unique name, used on the command line and in the database.
    pub name: String,
    /// The country the advisory is about; `*` for every country of a feed or index.
    pub country: String,
    /// The page: shown and stored redacted; only `net::fetch` asks for the whole URL.
    pub url: SourceUrl,
    /// Headers sent with every request for it, their values from the environment
    /// (`headers_env` of `[fetch]` and its own).
    pub headers: Vec<SecretHeader>,
    /// The environment variables it needs that are not set, each with its key
    /// (`ADVISORY_TOKEN (headers_env.Authorization)`). A source with any cannot be fetched:
    /// the commands that fetch it refuse to start ([`Config::require_fetch_secrets`]).
    pub missing: Vec<String>,
    /// The government whose advice it is: its `government` key, else its profile's; `None`
    /// when neither says.
    pub government: Option<String>,
    /// The profile names as configured.
    pub profile_names: Vec<String>,
    /// How its documents are read.
    pub reader: Reader,
    /// The reader's fingerprint ([`Reader::fingerprint`]): with a body's hash it identifies
    /// "the same page read the same way".
    pub reader_key: String,
    /// Its own schedule, instead of `[schedule] cron`.
    pub schedule: Option<Schedule>,
}

/// When the daemon checks.
#[derive(Debug, Clone)]
pub struct ScheduleSettings {
    /// The schedule of every source without one of its own.
    pub cron: Schedule,
    /// The largest random delay of a source after its tick.
    pub jitter: Duration,
}

/// How the daemon behaves.
#[derive(Debug, Clone)]
pub struct DaemonSettings {
    /// How long in-flight work may take after SIGTERM or SIGINT.
    pub grace: Duration,
}

/// A validated configuration.
#[derive(Debug)]
pub struct Config {
    /// Where it was read from, if from a file.
    pub origin: String,
    /// The SQLite file.
    pub storage_path: PathBuf,
    /// `storage.keep`: what the daemon prunes daily (`None`: it does not prune).
    pub storage_keep: Option<Duration>,
    /// Fetch settings.
    pub fetch: FetchSettings,
    /// Watched pages, in file order.
    pub sources: Vec<Arc<Source>>,
    /// Every profile, built-in and user-defined.
    pub profiles: Arc<ProfileSet>,
    /// When the daemon checks.
    pub schedule: ScheduleSettings,
    /// Daemon behaviour.
    pub daemon: DaemonSettings,
    /// Notification channels.
    pub notify: NotifySettings,
    /// How long one webhook or SMTP exchange may take.
    pub notify_timeout: Duration,
    /// The report the daemon publishes, if any.
    pub report: Option<ReportSettings>,
    /// The named lists of countries, for `report --watch`, the dashboard and channels.
    pub watchlists: WatchLists,
}

/// The report the daemon writes on a schedule.
#[derive(Debug, Clone)]
pub struct ReportSettings {
    /// When.
    pub cron: Schedule,
    /// The file to write (replaced atomically).
    pub path: PathBuf,
    /// The period: a span back from the time of writing ("7d").
    pub since: String,
    /// The format.
    pub format: ReportFormat,
}

impl Config {
    /// Reads and validates a configuration file. A relative storage path is taken relative to
    /// the file's folder.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        Config::parse(&text, &path.display().to_string(), base)
    }

    /// Validates configuration text; `origin` names it in errors, `base` anchors relative
    /// paths.
    pub fn parse(text: &str, origin: &str, base: &Path) -> Result<Config, ConfigError> {
        // The parser quotes the line at fault, which may hold a URL with its credentials.
        let raw: RawConfig = toml::from_str(text).map_err(|e| ConfigError::Syntax {
            path: origin.to_owned(),
            message: source_url::redact_urls_in(e.to_string().trim_end()).into_owned(),
        })?;
        let profiles = ProfileSet::with_user_profiles(&raw.profiles).map_err(|source| {
            ConfigError::Profile {
                path: origin.to_owned(),
                source,
            }
        })?;

        let storage_path = raw
            .storage
            .path
            .unwrap_or_else(|| PathBuf::from(defaults::STORAGE_PATH));
        let storage_path = if storage_path.is_relative() {
            base.join(storage_path)
        } else {
            storage_path
        };

        let storage_keep = raw
            .storage
            .keep
            .map(|text| {
                parse_keep(&text).map_err(|message| ConfigError::Setting {
                    path: origin.to_owned(),
                    key: "storage.keep",
                    message,
                })
            })
            .transpose()?;
        let mut raw_fetch = raw.fetch;
        let fetch_headers = validate_headers(raw_fetch.headers_env.take(), origin, None)?;
        let fetch = validate_fetch(raw_fetch, origin)?;
        let (schedule, allow_fast) = validate_schedule(raw.schedule, origin)?;

        // The sources that may have countries of their own (`<feed>/<key>`), for the error
        // about a name that would be one of them.
        let collections: Vec<String> = raw
            .sources
            .iter()
            .filter(|s| s.country.trim() == "*" || s.kind.as_deref().is_some_and(|k| k != "page"))
            .map(|s| s.name.clone())
            .collect();
        let mut names = HashSet::new();
        let mut sources = Vec::with_capacity(raw.sources.len());
        let mut fingerprints = HashMap::new();
        for (index, source) in raw.sources.into_iter().enumerate() {
            // `<feed>/<key>` names a feed's country: no other source may share its history.
            if let Some(feed) = collections
                .iter()
                .find(|c| source.name.starts_with(&format!("{c}/")))
            {
                return Err(ConfigError::SourceNameCollision {
                    path: origin.to_owned(),
                    name: source.name,
                    feed: feed.clone(),
                });
            }
            let context = SourceContext {
                index,
                origin,
                profiles: &profiles,
                headers: &fetch_headers,
                allow_fast,
            };
            let source = validate_source(source, context, &mut fingerprints)?;
            if !names.insert(source.name.clone()) {
                return Err(ConfigError::DuplicateSource {
                    path: origin.to_owned(),
                    name: source.name,
                });
            }
            sources.push(Arc::new(source));
        }

        let grace = match raw.daemon.grace {
            Some(text) => parse_duration(&text).map_err(|message| ConfigError::Setting {
                path: origin.to_owned(),
                key: "daemon.grace",
                message,
            })?,
            None => defaults::GRACE,
        };
        let watchlists = validate_watchlists(raw.watchlists, origin)?;
        let (notify, notify_timeout) = validate_notify(raw.notify, origin, &sources, &watchlists)?;
        let report = raw
            .report
            .map(|raw| validate_report(raw, origin, base))
            .transpose()?;

        Ok(Config {
            origin: origin.to_owned(),
            storage_path,
            storage_keep,
            fetch,
            sources,
            profiles: Arc::new(profiles),
            schedule,
            daemon: DaemonSettings { grace },
            notify,
            notify_timeout,
            report,
            watchlists,
        })
    }

    /// Refuses to go on when a channel (`only` that one, or any) lacks an environment variable
    /// it needs: what the commands that send (`daemon`, `notify test`) check first.
    pub fn require_secrets(&self, only: Option<&str>) -> Result<(), ConfigError> {
        for channel in &self.notify.channels {
            if only.is_some_and(|name| name != channel.name) {
                continue;
            }
            if let Some(what) = channel.waiting_for() {
                return Err(ConfigError::MissingSecret {
                    path: self.origin.clone(),
                    channel: channel.name.clone(),
                    what,
                });
            }
        }
        Ok(())
    }

    /// Refuses to go on when one of `sources` lacks an environment variable it needs (its
    /// `url_env` or a `headers_env` variable): what the commands that fetch (`check`,
    /// `daemon`, `backfill`) check first. The others read the database and need none.
    pub fn require_fetch_secrets(&self, sources: &[Arc<Source>]) -> Result<(), ConfigError> {
        for source in sources {
            let what = match source.missing.as_slice() {
                [] => continue,
                [one] => format!("the environment variable {one}"),
                many => format!("the environment variables {}", many.join(", ")),
            };
            return Err(ConfigError::MissingSourceSecret {
                path: self.origin.clone(),
                source_name: source.name.clone(),
                what,
            });
        }
        Ok(())
    }

    /// The notification settings with only the channels that can send now; each channel left
    /// out is logged once, with the variables its deliveries wait for.
    pub fn sendable_notify(&self) -> NotifySettings {
        let mut settings = self.notify.clone();
        settings.channels.retain(|channel| match channel.waiting_for() {
            None => true,
            Some(what) => {
                tracing::warn!(
                    "deliveries through channel `{}` wait for {what}; they stay queued and go out once it is set (the daemon or the next check sends them)",
                    channel.name
                );
                false
            }
        });
        settings
    }

    /// A configuration with no sources and the built-in profiles: what `extract` and `diff`
    /// use when there is no configuration file.
    pub fn builtin(storage_path: PathBuf) -> Config {
        Config {
            origin: "(built-in defaults)".to_owned(),
            storage_path,
            storage_keep: None,
            fetch: FetchSettings::default(),
            sources: Vec::new(),
            profiles: Arc::new(ProfileSet::builtin()),
            schedule: ScheduleSettings {
                cron: defaults::SCHEDULE
                    .parse()
                    .expect("the default schedule parses"),
                jitter: defaults::JITTER,
            },
            daemon: DaemonSettings {
                grace: defaults::GRACE,
            },
            notify: NotifySettings::default(),
            notify_timeout: defaults::NOTIFY_TIMEOUT,
            report: None,
            watchlists: WatchLists::default(),
        }
    }

    /// The sources named on the command line, in that order, or all when none is named.
    pub fn select_sources(&self, names: &[String]) -> Result<Vec<Arc<Source>>, String> {
        if names.is_empty() {
            return Ok(self.sources.clone());
        }
        names
            .iter()
            .map(|name| {
                self.sources
                    .iter()
                    .find(|s| &s.name == name)
                    .cloned()
                    .ok_or_else(|| {
                        let known: Vec<_> = self.sources.iter().map(|s| s.name.as_str()).collect();
                        format!(
                            "no source named `{name}` in {} (configured: {})",
                            self.origin,
                            if known.is_empty() {
                                "none".to_owned()
                            } else {
                                known.join(", ")
                            }
                        )
                    })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, "test.toml", Path::new("/etc/advisory-watch"))
    }

    #[test]
    fn minimal_source_gets_defaults() {
        let config = parse(
            r#"
            [[sources]]
            name = "us-mali"
            country = "Mali"
            url = "https://travel.state.gov/mali.html"
            "#,
        )
        .expect("valid");
        assert_eq!(
            config.storage_path,
            Path::new("/etc/advisory-watch/advisory-watch.db")
        );
        assert_eq!(config.fetch.concurrency, 4);
        assert_eq!(
            config.sources[0].reader.names(),
            ["state-dept-2025", "state-dept-legacy"]
        );
    }

    #[test]
    fn errors_name_the_source_and_key() {
        let cases = [
            (
                "[[sources]]\nname = \"a\"\ncountry = \"A\"\nurl = \"ftp://x.org/\"\n",
                "source `a`: key `url`",
            ),
            (
                "[[sources]]\nname = \"a\"\ncountry = \"A\"\nurl = \"https://x.org/\"\nprofile = \"nope\"\n",
                "source `a`: key `profile`: profile `nope` is not defined",
            ),
            (
                "[[sources]]\nname = \"a\"\ncountry = \"A\"\nurl = \"https://x.org/\"\n[[sources]]\nname = \"a\"\ncountry = \"B\"\nurl = \"https://y.org/\"\n",
                "source name `a` is used twice",
            ),
            (
                "[[sources]]\nname = \"a\"\ncountry = \"A\"\nurl = \"https://x.org/\"\ncolour = \"red\"\n",
                "unknown field `colour`",
            ),
            (
                "[fetch]\ntimeout = \"soon\"\n",
                "key `fetch.timeout`: `soon` is not a duration",
            ),
            ("[fetch]\nconcurrency = 0\n", "key `fetch.concurrency`"),
            (
                "[report]\ncron = \"daily\"\npath = \"r.html\"\n",
                "key `report.cron`",
            ),
            (
                "[report]\ncron = \"0 6 * * *\"\npath = \"r.html\"\nformat = \"pdf\"\n",
                "key `report.format`: `pdf` is not a format",
            ),
            (
                "[schedule]\ncron = \"every hour\"\n",
                "key `schedule.cron`: `every hour` is not a cron schedule (it has 2 fields); write 5 fields \"minute hour day-of-month month day-of-week\"",
            ),
            (
                "[[sources]]\nname = \"a\"\ncountry = \"A\"\nurl = \"https://x.org/\"\nschedule = \"* * 32 * *\"\n",
                "source `a`: key `schedule`",
            ),
            (
                "[[notify.webhook]]\nname = \"hook\"\nurl = \"https://x.org/\"\nformat = \"xml\"\n",
                "notification channel `hook`: key `format`",
            ),
            (
                "[[notify.email]]\nname = \"mail\"\nsmtp_host = \"x\"\nfrom = \"not an address\"\nto = [\"a@b.org\"]\n",
                "notification channel `mail`: key `from`",
            ),
            (
                "[[notify.webhook]]\nname = \"hook\"\nurl = \"https://x.org/\"\nsources = [\"nope\"]\n",
                "notification channel `hook`: key `sources`: no source is named `nope`",
            ),
            (
                "[[notify.webhook]]\nname = \"hook\"\nurl = \"https://x.org/\"\non = [\"weather\"]\n",
                "unknown variant `weather`",
            ),
            (
                "[profiles.mine]\nlevel = \"h3\"\nsummary = \"p[\"\n",
                "profile `mine`: key `summary`",
            ),
            (
                "[watchlists.sahel]\ncountries = [\"Mali\", \"Mlai\"]\n",
                "key `watchlists.sahel.countries`: watch-list `sahel`: `Mlai` is not a country; did you mean Mali?",
            ),
            (
                "[watchlists.sahel]\ncountries = []\n",
                "watch-list `sahel`: name at least one country",
            ),
            (
                "[watchlists.sahel]\ncountry = [\"Mali\"]\n",
                "unknown field `country`",
            ),
            (
                "[watchlists.sahel]\ncountries = [\"Mali\"]\n[[notify.webhook]]\nname = \"hook\"\nurl = \"https://x.org/\"\nwatch = \"asia\"\n",
                "notification channel `hook`: key `watch`: no watch-list is called `asia`; the configured ones are sahel",
            ),
        ];
        for (text, expected) in cases {
            let message = parse(text).expect_err(text).to_string();
            assert!(
                message.contains(expected),
                "{message:?} should contain {expected:?}"
            );
            assert!(message.starts_with("configuration test.toml"), "{message}");
        }
    }

    #[test]
    fn source_names_follow_one_rule_and_errors_name_it() {
        let source = |name: &str| {
            format!("[[sources]]\nname = \"{name}\"\ncountry = \"A\"\nurl = \"https://x.org/\"\n")
        };
        let long = "a".repeat(10_000);
        for (name, why) in [
            ("..", "holds `..`"),
            ("a..b", "holds `..`"),
            ("-rf", "starts with `-`"),
            ("us/mali", "`/` is only for a feed's countries"),
            (long.as_str(), "10000 characters"),
        ] {
            let message = parse(&source(name)).expect_err(name).to_string();
            assert!(message.contains("key `name`"), "{message}");
            assert!(message.contains(why), "{message}");
            assert!(message.contains("at most 100 characters"), "{message}");
            assert!(message.len() < 600, "the name is shown short: {message}");
        }
        parse(&source(&"a".repeat(100))).expect("100 characters are fine");
    }

    #[test]
    fn a_schedule_faster_than_once_a_minute_needs_allow_fast() {
        let message = parse("[schedule]\ncron = \"* * * * * *\"\n")
            .expect_err("per second")
            .to_string();
        assert!(
            message.contains("key `schedule.cron`") && message.contains("allow_fast = true"),
            "{message}"
        );
        let per_source = "[[sources]]\nname = \"a\"\ncountry = \"A\"\nurl = \"https://x.org/\"\nschedule = \"*/5 * * * * *\"\n";
        let message = parse(per_source).expect_err("every 5 s").to_string();
        assert!(
            message.contains("source `a`: key `schedule`") && message.contains("allow_fast"),
            "{message}"
        );
        parse(&format!(
            "[schedule]\ncron = \"* * * * * *\"\nallow_fast = true\n{per_source}"
        ))
        .expect("allowed");
        parse("[schedule]\ncron = \"* * * * *\"\n").expect("once a minute is fine");
    }

    #[test]
    fn secrets_of_a_source_come_from_the_environment_and_are_needed_to_fetch() {
        let config = parse(
            "[fetch]\nheaders_env = { Authorization = \"AW_UNIT_UNSET_TOKEN\" }\n\
             [[sources]]\nname = \"api\"\ncountry = \"A\"\nurl_env = \"AW_UNIT_UNSET_URL\"\n\
             [[sources]]\nname = \"plain\"\ncountry = \"B\"\nurl = \"https://u:s3cret@x.org/?token=abc123\"\nheaders_env = {}\n",
        )
        .expect("loads without the variables");
        let api = &config.sources[0];
        assert_eq!(api.url.stored(), None);
        let message = config
            .require_fetch_secrets(&config.sources)
            .expect_err("unset")
            .to_string();
        assert!(
            message.contains("source `api` needs the environment variables AW_UNIT_UNSET_URL (url_env), AW_UNIT_UNSET_TOKEN (headers_env.Authorization)"),
            "{message}"
        );
        let plain = &config.sources[1];
        assert_eq!(plain.url.to_string(), "https://…@x.org/?token=…");
        assert!(!format!("{plain:?}").contains("s3cret"));
        assert_eq!(plain.url.fetch_url().password(), Some("s3cret"));

        for (text, expected) in [
            (
                "[[sources]]\nname = \"a\"\ncountry = \"A\"\nurl = \"ftp://u:s3cret@x.org/?key=abc123\"\n",
                "`ftp://…@x.org/?key=…` is not an http(s) URL",
            ),
            (
                "[[sources]]\nname = \"a\"\ncountry = \"A\"\nurl = \"https://x.org/\"\nurl_env = \"X\"\n",
                "marks where the variable's value goes with `{secret}`",
            ),
            (
                "[[sources]]\nname = \"a\"\ncountry = \"A\"\n",
                "source `a`: key `url`: give `url`, or `url_env`",
            ),
            (
                "[fetch]\nheaders_env = { \"Bad Header\" = \"X\" }\n",
                "key `fetch.headers_env`: \"Bad Header\" is not a header name",
            ),
            (
                "[[sources]]\nname = \"a\"\ncountry = \"A\"\nurl = \"https://x.org/\"\nheaders_env = { Host = \"X\" }\n",
                "source `a`: key `headers_env`: `Host` is set by the program itself",
            ),
            (
                "[[sources]]\nname = \"a\"\ncountry = \"A\"\nurl = \"http://u:s3cret@x.org/?token=abc123\" 5\n",
                "http://…@x.org/?token=…",
            ),
            // PATH: a variable every test process has, standing for a token.
            (
                "[[sources]]\nname = \"a\"\ncountry = \"A\"\nurl = \"https://u:s3cret@x.org/\"\nheaders_env = { Authorization = \"PATH\" }\n",
                "source `a`: key `headers_env`: sets Authorization while the URL carries a user name and password",
            ),
        ] {
            let message = parse(text).expect_err(text).to_string();
            assert!(
                message.contains(expected),
                "{message:?} should contain {expected:?}"
            );
            assert!(
                !message.contains("s3cret") && !message.contains("abc123"),
                "{message}"
            );
        }
    }

    #[test]
    fn profile_may_be_a_list_tried_in_order() {
        let config = parse(
            r#"
            [[sources]]
            name = "x"
            country = "X"
            url = "https://x.org/"
            profile = ["mine", "state-dept-legacy"]
            [profiles.mine]
            level = "h3.risk-level"
            summary = "div.summary"
            "#,
        )
        .expect("valid");
        assert_eq!(
            config.sources[0].reader.names(),
            ["mine", "state-dept-legacy"]
        );
    }

    #[test]
    fn a_channel_may_name_a_feed_or_one_of_its_countries() {
        let text = |names: &str| {
            format!(
                "[[sources]]\nname = \"us-feed\"\ncountry = \"*\"\nkind = \"rss\"\nurl = \"https://x.org/feed\"\n\n\
                 [[notify.webhook]]\nname = \"hook\"\nurl = \"https://x.org/hook\"\nsources = [{names}]\n"
            )
        };
        parse(&text("\"us-feed\", \"us-feed/mali\"")).expect("valid");
        let message = parse(&text("\"us-feedx/mali\""))
            .expect_err("unknown")
            .to_string();
        assert!(
            message.contains("no source is named `us-feedx/mali`"),
            "{message}"
        );
    }

    #[test]
    fn a_watch_list_holds_its_countries_codes_by_any_of_their_names() {
        let config = parse(
            "[watchlists.sahel]\ncountries = [\"Mali\", \"NE\", \"Burkina Faso\", \"mali\"]\n\
             [[notify.webhook]]\nname = \"hook\"\nurl = \"https://x.org/\"\nwatch = \"sahel\"\n",
        )
        .expect("valid");
        let sahel = config.watchlists.get("sahel").expect("configured");
        assert_eq!(sahel.codes, ["ML", "NE", "BF"]);
        assert_eq!(config.notify.channels[0].filter.watch.as_ref(), Some(sahel));
    }

    #[test]
    fn shipped_config_loads() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config.toml");
        let config = Config::load(&path).expect("the shipped config.toml is valid");
        assert!(config.sources.len() >= 10, "watches at least ten countries");
        assert!(config.sources.iter().any(|s| s.country == "Mali"));
        let sahel = config
            .watchlists
            .get("sahel")
            .expect("a watch-list example");
        assert_eq!(sahel.codes, ["ML", "NE", "BF", "TD", "MR"]);
    }
}
