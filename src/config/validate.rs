//! From the file as written to the settings the program runs with: every value checked, with
//! an error that names the file, the source or profile, and the key; durations, sizes, schedules,
//! URLs, filters and channels parsed once; secrets read from the environment.

use super::raw::*;
use super::*;

pub(super) fn validate_fetch(raw: RawFetch, origin: &str) -> Result<FetchSettings, ConfigError> {
    let mut fetch = FetchSettings::default();
    if let Some(agent) = raw.user_agent {
        if agent.trim().is_empty() || agent.contains(['\r', '\n']) {
            return Err(ConfigError::Setting {
                path: origin.to_owned(),
                key: "fetch.user_agent",
                message: "must be one non-empty line".into(),
            });
        }
        fetch.user_agent = agent;
    }
    if let Some(timeout) = raw.timeout {
        fetch.timeout = parse_duration(&timeout).map_err(|message| ConfigError::Setting {
            path: origin.to_owned(),
            key: "fetch.timeout",
            message,
        })?;
    }
    if let Some(concurrency) = raw.concurrency {
        fetch.concurrency = in_range(origin, "fetch.concurrency", concurrency, 1..=256)?;
    }
    let setting = |key: &'static str, message: String| ConfigError::Setting {
        path: origin.to_owned(),
        key,
        message,
    };
    if let Some(per_host) = raw.per_host {
        fetch.per_host = in_range(origin, "fetch.per_host", per_host, 1..=64)?;
    }
    if let Some(text) = raw.per_host_delay {
        fetch.per_host_delay =
            parse_duration_or_zero(&text).map_err(|m| setting("fetch.per_host_delay", m))?;
    }
    if let Some(retries) = raw.retries {
        fetch.retries = in_range(origin, "fetch.retries", retries, 0..=10)?;
    }
    if let Some(text) = raw.retry_initial {
        fetch.retry_initial =
            parse_duration(&text).map_err(|m| setting("fetch.retry_initial", m))?;
    }
    if let Some(text) = raw.max_retry_after {
        fetch.max_retry_after =
            parse_duration_or_zero(&text).map_err(|m| setting("fetch.max_retry_after", m))?;
    }
    if let Some(text) = raw.max_body {
        fetch.max_body = parse_size(&text).map_err(|m| setting("fetch.max_body", m))?;
    }
    if let Some(redirects) = raw.max_redirects {
        fetch.max_redirects = in_range(origin, "fetch.max_redirects", redirects, 0..=30)?;
    }
    Ok(fetch)
}

/// `value` if it lies in `range`, else an error naming the key and the range.
pub(super) fn in_range<T: PartialOrd + std::fmt::Display>(
    origin: &str,
    key: &'static str,
    value: T,
    range: std::ops::RangeInclusive<T>,
) -> Result<T, ConfigError> {
    if range.contains(&value) {
        Ok(value)
    } else {
        Err(ConfigError::Setting {
            path: origin.to_owned(),
            key,
            message: format!(
                "{value} is out of range; use {} to {}",
                range.start(),
                range.end()
            ),
        })
    }
}

/// Like [`parse_duration`], but "0" and "0s" mean none.
pub(super) fn parse_duration_or_zero(text: &str) -> Result<Duration, String> {
    match text.trim() {
        "0" | "0s" | "0ms" => Ok(Duration::ZERO),
        other => parse_duration(other),
    }
}

/// Parses a size written like "10MB", "512KB", "2 MiB" or "1000000" (bytes; K and M are 1024
/// and 1024²).
pub fn parse_size(text: &str) -> Result<usize, String> {
    let trimmed = text.trim();
    let split = trimmed
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    let number: usize = number
        .parse()
        .map_err(|_| format!("`{text}` is not a size; write it like \"10MB\" or \"512KB\""))?;
    let factor = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1024,
        "m" | "mb" | "mib" => 1024 * 1024,
        "g" | "gb" | "gib" => 1024 * 1024 * 1024,
        _ => return Err(format!("`{text}` has an unknown unit; use B, KB, MB or GB")),
    };
    match number.checked_mul(factor) {
        Some(0) | None => Err(format!("`{text}` is not a usable size")),
        Some(size) => Ok(size),
    }
}

/// A retention period (`storage.keep`, `prune --older-than`): days or more, like "400d".
pub fn parse_keep(text: &str) -> Result<Duration, String> {
    let duration = humantime::parse_duration(text.trim())
        .map_err(|e| format!("`{text}` is not a duration ({e}); write it like \"400d\""))?;
    if duration < Duration::from_secs(86_400) {
        return Err(format!(
            "`{text}` is less than a day; keep at least \"1d\" of history"
        ));
    }
    Ok(duration)
}

/// Parses a duration written like "30s", "2m", "1h 30m" or "500ms".
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let duration = humantime::parse_duration(text.trim()).map_err(|e| {
        format!("`{text}` is not a duration ({e}); write it like \"30s\" or \"2m\"")
    })?;
    if duration.is_zero() {
        return Err(format!(
            "`{text}` is zero; give a positive duration like \"30s\""
        ));
    }
    if duration > defaults::LONGEST_DURATION {
        return Err(format!(
            "`{text}` is longer than any setting needs; give at most \"7d\""
        ));
    }
    Ok(duration)
}

pub(super) fn validate_source(
    raw: RawSource,
    index: usize,
    origin: &str,
    profiles: &ProfileSet,
    fingerprints: &mut HashMap<Vec<String>, String>,
) -> Result<Source, ConfigError> {
    let label = if raw.name.trim().is_empty() {
        format!("#{}", index + 1)
    } else {
        raw.name.clone()
    };
    let error = |key: &'static str, message: String| ConfigError::Source {
        path: origin.to_owned(),
        source_name: label.clone(),
        key,
        message,
    };
    if raw.name.trim().is_empty()
        || raw
            .name
            .chars()
            .any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(error(
            "name",
            format!(
                "{:?} is not a usable name; use letters, digits and dashes, like \"us-mali\"",
                raw.name
            ),
        ));
    }
    if raw.country.trim().is_empty() {
        return Err(error("country", "must not be empty".into()));
    }
    let url = Url::parse(&raw.url)
        .map_err(|e| error("url", format!("`{}` is not a URL ({e})", raw.url)))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(error(
            "url",
            format!(
                "`{}` is not an http(s) URL with a host; only http and https pages are fetched",
                raw.url
            ),
        ));
    }
    let kind = raw.kind.as_deref().unwrap_or("page");
    let default_profile = match kind {
        "page" => defaults::PROFILE,
        "rss" => "state-dept-rss",
        "json" => {
            if raw.profile.is_none() {
                return Err(error(
                    "profile",
                    "a source of kind \"json\" names its JSON profile, such as \"fcdo\" or \"canada\"".into(),
                ));
            }
            ""
        }
        "xml" => {
            if raw.profile.is_none() {
                return Err(error(
                    "profile",
                    "a source of kind \"xml\" names its XML profile, such as \"nederland-wereldwijd\"".into(),
                ));
            }
            ""
        }
        other => {
            return Err(error(
                "kind",
                format!("`{other}` is not a kind; use \"page\", \"rss\", \"json\" or \"xml\""),
            ));
        }
    };
    let profile_names = match raw.profile {
        None => vec![default_profile.to_owned()],
        Some(ProfileNames::One(name)) => vec![name],
        Some(ProfileNames::Many(names)) => names,
    };
    let reader = profiles
        .reader(&profile_names, &format!("source `{label}`: key `profile`"))
        .map_err(|source| ConfigError::Profile {
            path: origin.to_owned(),
            source,
        })?;
    let reader_kind = reader.kind();
    if reader_kind != kind {
        return Err(error(
            "kind",
            format!(
                "the source is of kind \"{kind}\" but profile {} reads {reader_kind} documents; set kind = \"{reader_kind}\" or choose another profile",
                profile_names.join(", ")
            ),
        ));
    }
    if raw.country.trim() == "*" && !reader.has_items() {
        return Err(error(
            "country",
            "\"*\" (every country) needs a feed or index: kind = \"rss\", or a JSON or XML profile with items".into(),
        ));
    }
    let schedule = raw
        .schedule
        .map(|line| line.parse::<Schedule>())
        .transpose()
        .map_err(|e| error("schedule", e.to_string()))?;
    // Whose advice it is: the source's own `government`, else its profiles'.
    let government = raw
        .government
        .as_deref()
        .map(str::trim)
        .filter(|g| !g.is_empty())
        .map(str::to_owned)
        .or_else(|| {
            profile_names
                .iter()
                .find_map(|name| profiles.government(name))
                .map(str::to_owned)
        });
    if raw
        .government
        .as_deref()
        .is_some_and(|g| g.trim().is_empty())
    {
        return Err(error(
            "government",
            "must not be empty; name the government whose advice the source is, like \"Austria (BMEIA)\"".into(),
        ));
    }
    Ok(Source {
        name: raw.name,
        country: raw.country.trim().to_owned(),
        government,
        url,
        // Sources naming the same profiles read the same way: one fingerprint for them all.
        reader_key: fingerprints
            .entry(profile_names.clone())
            .or_insert_with(|| reader.fingerprint())
            .clone(),
        profile_names,
        reader,
        schedule,
    })
}

pub(super) fn validate_report(
    raw: RawReport,
    origin: &str,
    base: &Path,
) -> Result<ReportSettings, ConfigError> {
    let setting = |key: &'static str, message: String| ConfigError::Setting {
        path: origin.to_owned(),
        key,
        message,
    };
    let cron = raw
        .cron
        .parse::<Schedule>()
        .map_err(|e| setting("report.cron", e.to_string()))?;
    let since = raw.since.unwrap_or_else(|| "7d".to_owned());
    crate::model::period::parse_when(&since, chrono::Utc::now())
        .map_err(|m| setting("report.since", m))?;
    let format = {
        use clap::ValueEnum;
        let text = raw.format.as_deref().unwrap_or("html");
        ReportFormat::from_str(text, true).map_err(|_| {
            setting(
                "report.format",
                format!("`{text}` is not a format; use html, markdown, text, json, csv or atom"),
            )
        })?
    };
    let path = if raw.path.is_relative() {
        base.join(raw.path)
    } else {
        raw.path
    };
    Ok(ReportSettings {
        cron,
        path,
        since,
        format,
    })
}

pub(super) fn validate_schedule(
    raw: RawSchedule,
    origin: &str,
) -> Result<ScheduleSettings, ConfigError> {
    let setting = |key: &'static str, message: String| ConfigError::Setting {
        path: origin.to_owned(),
        key,
        message,
    };
    let cron = raw
        .cron
        .as_deref()
        .unwrap_or(defaults::SCHEDULE)
        .parse::<Schedule>()
        .map_err(|e| setting("schedule.cron", e.to_string()))?;
    let jitter = match raw.jitter.as_deref() {
        None => defaults::JITTER,
        Some(text) => parse_duration_or_zero(text).map_err(|m| setting("schedule.jitter", m))?,
    };
    Ok(ScheduleSettings { cron, jitter })
}

/// Where a webhook whose `url_env` is unset points: nowhere (the `.invalid` top-level domain
/// never resolves). Such a channel never sends: its `missing` list is not empty.
pub(super) const UNSET_URL: &str = "http://unset.invalid/";

/// Reads a secret named by a `*_env` key. An unset variable is not an error here: only the
/// commands that send need it, so it is noted in `missing` and the channel's deliveries wait.
pub(super) fn secret_from(variable: &str, key: &str, missing: &mut Vec<String>) -> Option<Secret> {
    let secret = Secret::from_env(variable);
    if secret.is_none() {
        missing.push(format!("{variable} ({key})"));
    }
    secret
}

/// The watch-lists, each country resolved to its ISO code; an unknown one is an error that
/// suggests the nearest.
pub(super) fn validate_watchlists(
    raw: std::collections::BTreeMap<String, RawWatchList>,
    origin: &str,
) -> Result<WatchLists, ConfigError> {
    let mut lists = Vec::with_capacity(raw.len());
    for (name, list) in raw {
        let error = |message: String| ConfigError::WatchList {
            path: origin.to_owned(),
            list: name.clone(),
            key: "countries",
            message,
        };
        if list.countries.is_empty() {
            return Err(error(
                "name at least one country (`countries = [\"Mali\", \"Niger\"]`)".into(),
            ));
        }
        let mut codes = Vec::with_capacity(list.countries.len());
        for entry in &list.countries {
            let country = crate::model::country::resolve_or_suggest(entry)
                .map_err(|unknown| error(unknown.to_string()))?;
            if !codes.contains(&country.code) {
                codes.push(country.code);
            }
        }
        lists.push(WatchList { name, codes });
    }
    Ok(WatchLists::new(lists))
}

pub(super) fn validate_filter(
    raw: RawFilter,
    origin: &str,
    channel: &str,
    sources: &[Arc<Source>],
    watchlists: &WatchLists,
) -> Result<Filter, ConfigError> {
    let error = |key: &'static str, message: String| ConfigError::Channel {
        path: origin.to_owned(),
        channel: channel.to_owned(),
        key,
        message,
    };
    for name in &raw.sources {
        // A configured source, or one country of a configured feed (`us-feed/mali`).
        let known = sources.iter().any(|s| {
            &s.name == name
                || (s.reader.has_items()
                    && name
                        .strip_prefix(s.name.as_str())
                        .is_some_and(|rest| rest.len() > 1 && rest.starts_with('/')))
        });
        if !known {
            return Err(error("sources", format!("no source is named `{name}`")));
        }
    }
    if let Some(level) = raw.min_level
        && !(1..=4).contains(&level)
    {
        return Err(error(
            "min_level",
            format!("{level} is not a level; use 1 to 4"),
        ));
    }
    let watch = raw
        .watch
        .as_deref()
        .map(|name| watchlists.get(name).cloned())
        .transpose()
        .map_err(|message| error("watch", message))?;
    Ok(Filter {
        sources: raw.sources,
        countries: raw.countries,
        min_level: raw.min_level,
        on: raw.on.unwrap_or_else(|| EventKind::DEFAULT.to_vec()),
        watch,
    })
}

pub(super) fn validate_notify(
    raw: RawNotify,
    origin: &str,
    sources: &[Arc<Source>],
    watchlists: &WatchLists,
) -> Result<(NotifySettings, Duration), ConfigError> {
    let setting = |key: &'static str, message: String| ConfigError::Setting {
        path: origin.to_owned(),
        key,
        message,
    };
    let duration = |key: &'static str, value: Option<String>, default: Duration| match value {
        Some(text) => parse_duration(&text).map_err(|m| setting(key, m)),
        None => Ok(default),
    };
    let max_attempts = in_range(
        origin,
        "notify.max_attempts",
        raw.max_attempts.unwrap_or(defaults::MAX_ATTEMPTS),
        1..=100,
    )?;
    let retry = RetryPolicy {
        max_attempts,
        initial: duration(
            "notify.retry_initial",
            raw.retry_initial,
            defaults::DELIVERY_RETRY_INITIAL,
        )?,
        max: duration("notify.retry_max", raw.retry_max, defaults::RETRY_MAX)?,
    };
    let timeout = duration("notify.timeout", raw.timeout, defaults::NOTIFY_TIMEOUT)?;
    let dark = DarkRule {
        failing_after: in_range(
            origin,
            "notify.failing_after",
            raw.failing_after.unwrap_or(defaults::FAILING_AFTER),
            1..=1000,
        )?,
        failing_for: duration("notify.failing_for", raw.failing_for, defaults::FAILING_FOR)?,
        failing_reminder: duration(
            "notify.failing_reminder",
            raw.failing_reminder,
            defaults::FAILING_REMINDER,
        )?,
    };

    let mut channels: Vec<Channel> = Vec::new();
    for webhook in raw.webhook {
        let name = webhook.name.clone();
        let error = |key: &'static str, message: String| ConfigError::Channel {
            path: origin.to_owned(),
            channel: name.clone(),
            key,
            message,
        };
        let mut missing = Vec::new();
        let http_url = |text: &str| {
            Url::parse(text.trim())
                .ok()
                .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
        };
        let url = match (&webhook.url, &webhook.url_env) {
            (Some(text), None) => http_url(text).ok_or_else(|| {
                // Shown without its path: a chat webhook's path is its credential.
                let shown = Url::parse(text)
                    .map(|u| channels::redact_url(&u))
                    .unwrap_or_else(|_| "the value".to_owned());
                error("url", format!("{shown} is not an http(s) URL"))
            })?,
            (None, Some(variable)) => match Secret::from_env(variable) {
                Some(value) => match http_url(value.expose()) {
                    Some(url) => url,
                    None => {
                        missing.push(format!("{variable} (url_env) holding an http(s) URL"));
                        Url::parse(UNSET_URL).expect("a valid placeholder")
                    }
                },
                None => {
                    missing.push(format!("{variable} (url_env)"));
                    Url::parse(UNSET_URL).expect("a valid placeholder")
                }
            },
            _ => {
                return Err(error(
                    "url",
                    "give either `url` or `url_env` (the environment variable that holds the URL; chat webhook URLs are secrets)".into(),
                ));
            }
        };
        let format = match webhook.format.as_deref().unwrap_or("json") {
            "json" => WebhookFormat::Json,
            "slack" => WebhookFormat::Slack,
            other => {
                return Err(error(
                    "format",
                    format!("`{other}` is not a format; use \"json\" or \"slack\""),
                ));
            }
        };
        let secret = webhook
            .secret_env
            .as_deref()
            .and_then(|variable| secret_from(variable, "secret_env", &mut missing));
        let filter = validate_filter(webhook.filter, origin, &name, sources, watchlists)?;
        channels.push(Channel {
            name,
            filter,
            transport: Transport::Webhook(Webhook {
                url,
                secret,
                format,
            }),
            missing,
        });
    }
    for email in raw.email {
        let name = email.name.clone();
        let error = |key: &'static str, message: String| ConfigError::Channel {
            path: origin.to_owned(),
            channel: name.clone(),
            key,
            message,
        };
        let tls = match email.tls.as_deref().unwrap_or("starttls") {
            "tls" => SmtpTls::Tls,
            "starttls" => SmtpTls::StartTls,
            "none" => SmtpTls::None,
            other => {
                return Err(error(
                    "tls",
                    format!("`{other}` is not a choice; use \"tls\", \"starttls\" or \"none\""),
                ));
            }
        };
        let smtp_port = email.smtp_port.unwrap_or(match tls {
            SmtpTls::Tls => 465,
            SmtpTls::StartTls => 587,
            SmtpTls::None => 25,
        });
        if email.smtp_host.trim().is_empty() {
            return Err(error("smtp_host", "must not be empty".into()));
        }
        let from = email
            .from
            .parse()
            .map_err(|e| error("from", format!("`{}` is not an address ({e})", email.from)))?;
        if email.to.is_empty() {
            return Err(error("to", "name at least one recipient".into()));
        }
        let to = email
            .to
            .iter()
            .map(|t| {
                t.parse()
                    .map_err(|e| error("to", format!("`{t}` is not an address ({e})")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut missing = Vec::new();
        let credentials = match (&email.username_env, &email.password_env) {
            (Some(user), Some(password)) => {
                let user = secret_from(user, "username_env", &mut missing);
                let password = secret_from(password, "password_env", &mut missing);
                user.zip(password)
            }
            (None, None) => None,
            _ => {
                return Err(error(
                    "username_env",
                    "username_env and password_env go together".into(),
                ));
            }
        };
        let filter = validate_filter(email.filter, origin, &name, sources, watchlists)?;
        channels.push(Channel {
            name,
            filter,
            transport: Transport::Email(Email {
                smtp_host: email.smtp_host,
                smtp_port,
                tls,
                credentials,
                from,
                to,
                digest: email.digest,
            }),
            missing,
        });
    }
    let mut names = HashSet::new();
    for channel in &channels {
        if channel.name.trim().is_empty() || channel.name.contains(':') {
            return Err(ConfigError::Channel {
                path: origin.to_owned(),
                channel: channel.name.clone(),
                key: "name",
                message: "use a non-empty name without `:`".into(),
            });
        }
        if !names.insert(channel.name.clone()) {
            return Err(ConfigError::Channel {
                path: origin.to_owned(),
                channel: channel.name.clone(),
                key: "name",
                message: "is used by another channel; names must be unique because delivery ids contain them".into(),
            });
        }
    }
    Ok((
        NotifySettings {
            channels,
            retry,
            dark,
        },
        timeout,
    ))
}
