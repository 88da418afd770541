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

/// What validating one source needs besides its entry.
#[derive(Clone, Copy)]
pub(super) struct SourceContext<'a> {
    /// Its position in the file, for an error about a source without a usable name.
    pub(super) index: usize,
    /// The file, for errors.
    pub(super) origin: &'a str,
    /// Every profile.
    pub(super) profiles: &'a ProfileSet,
    /// `[fetch] headers_env`: header names and the variables holding their values.
    pub(super) headers: &'a [(String, String)],
    /// `[schedule] allow_fast`: a schedule may fire more often than once a minute.
    pub(super) allow_fast: bool,
}

/// A `headers_env` table (`{ Authorization = "ADVISORY_TOKEN" }`): each header's name checked,
/// with the variable that holds its value. `source` names the source whose table it is, or
/// `None` for `[fetch]`'s.
pub(super) fn validate_headers(
    raw: Option<std::collections::BTreeMap<String, String>>,
    origin: &str,
    source: Option<&str>,
) -> Result<Vec<(String, String)>, ConfigError> {
    let error = |message: String| match source {
        Some(name) => ConfigError::Source {
            path: origin.to_owned(),
            source_name: name.to_owned(),
            key: "headers_env",
            message,
        },
        None => ConfigError::Setting {
            path: origin.to_owned(),
            key: "fetch.headers_env",
            message,
        },
    };
    let mut headers = Vec::new();
    for (name, variable) in raw.unwrap_or_default() {
        if reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
            return Err(error(format!(
                "{:?} is not a header name; write it like `Authorization` or `X-Api-Key`",
                crate::model::name::one_line_bounded(&name, 40)
            )));
        }
        let reserved = [
            "host",
            "content-length",
            "transfer-encoding",
            "connection",
            "if-none-match",
            "if-modified-since",
        ];
        if reserved.contains(&name.to_ascii_lowercase().as_str()) {
            return Err(error(format!(
                "`{name}` is set by the program itself; only headers such as `Authorization` or `X-Api-Key` may come from the environment"
            )));
        }
        if variable.trim().is_empty() || variable.contains(['=', '\0']) {
            return Err(error(format!(
                "`{name}`: name the environment variable that holds the value, like `{name} = \"ADVISORY_TOKEN\"`"
            )));
        }
        headers.push((name, variable));
    }
    Ok(headers)
}

/// The source's URL from `url` and `url_env`: written out (`url`), all from the environment
/// (`url_env`), or written out with its secret part from the environment (`url` holding
/// `{secret}`, and `url_env`). A variable that is not set, or whose value makes no http(s)
/// URL, is noted in `missing`: only the commands that fetch need it.
fn source_url(
    raw: &RawSource,
    missing: &mut Vec<String>,
    error: impl Fn(&'static str, String) -> ConfigError,
) -> Result<SourceUrl, ConfigError> {
    use super::source_url::{SECRET_PLACEHOLDER, redact_url_text};
    let http = |text: &str| {
        Url::parse(text.trim())
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
    };
    // A URL in an error is redacted like every other, whatever its scheme, and kept short.
    let shown = |text: &str| {
        crate::model::name::one_line_bounded(&redact_url_text(text.trim()), 200).into_owned()
    };
    match (&raw.url, &raw.url_env) {
        (Some(text), None) => {
            let url = Url::parse(text.trim())
                .map_err(|e| error("url", format!("`{}` is not a URL ({e})", shown(text))))?;
            if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
                return Err(error(
                    "url",
                    format!(
                        "`{}` is not an http(s) URL with a host; only http and https pages are fetched",
                        shown(text)
                    ),
                ));
            }
            Ok(SourceUrl::new(url))
        }
        (None, Some(variable)) => {
            let value = Secret::from_env(variable);
            match value.as_ref().map(|v| http(v.expose())) {
                Some(Some(url)) => Ok(SourceUrl::new(url)),
                Some(None) => {
                    missing.push(format!("{variable} (url_env) holding an http(s) URL"));
                    Ok(SourceUrl::unset(variable))
                }
                None => {
                    missing.push(format!("{variable} (url_env)"));
                    Ok(SourceUrl::unset(variable))
                }
            }
        }
        (Some(template), Some(variable)) => {
            if !template.contains(SECRET_PLACEHOLDER) {
                return Err(error(
                    "url",
                    format!(
                        "with `url_env`, `url` marks where the variable's value goes with `{SECRET_PLACEHOLDER}` (`https://api.example.org/feed?key={SECRET_PLACEHOLDER}`); or leave `url` out to take the whole URL from the variable"
                    ),
                ));
            }
            // What is shown: the placeholder as `…`, checked to make an http(s) URL.
            let marker = "aw-secret-part";
            let probe = template.replace(SECRET_PLACEHOLDER, marker);
            if http(&probe).is_none() {
                return Err(error(
                    "url",
                    format!(
                        "`{}` is not an http(s) URL with a host; only http and https pages are fetched",
                        shown(template)
                    ),
                ));
            }
            let shown_url = template
                .trim()
                .replace(SECRET_PLACEHOLDER, super::source_url::HIDDEN);
            let Some(value) = Secret::from_env(variable) else {
                missing.push(format!("{variable} (url_env)"));
                return Ok(SourceUrl::unset(variable));
            };
            match http(&template.replace(SECRET_PLACEHOLDER, value.expose())) {
                Some(url) => Ok(SourceUrl::with_secret_part(url, shown_url)),
                None => {
                    missing.push(format!(
                        "{variable} (url_env) holding what makes `url` an http(s) URL"
                    ));
                    Ok(SourceUrl::unset(variable))
                }
            }
        }
        (None, None) => Err(error(
            "url",
            "give `url`, or `url_env` (the environment variable that holds the URL, when it holds a credential)".into(),
        )),
    }
}

pub(super) fn validate_source(
    raw: RawSource,
    context: SourceContext<'_>,
    fingerprints: &mut HashMap<Vec<String>, String>,
) -> Result<Source, ConfigError> {
    let SourceContext {
        index,
        origin,
        profiles,
        ..
    } = context;
    let usable = crate::model::name::check_source_name(&raw.name);
    let label = match &usable {
        Ok(()) => raw.name.clone(),
        Err(_) if raw.name.trim().is_empty() => format!("#{}", index + 1),
        // An unusable name is shown short and escaped: it may be 10 KB, or hold a line feed.
        Err(_) => format!(
            "#{} {:?}",
            index + 1,
            crate::model::name::bounded(&raw.name, 40)
        ),
    };
    let error = |key: &'static str, message: String| ConfigError::Source {
        path: origin.to_owned(),
        source_name: label.clone(),
        key,
        message,
    };
    if let Err(why) = usable {
        return Err(error(
            "name",
            format!(
                "not a usable name: {why}; {}",
                crate::model::name::NAME_RULE
            ),
        ));
    }
    if raw.country.trim().is_empty() {
        return Err(error("country", "must not be empty".into()));
    }
    let mut missing = Vec::new();
    let url = source_url(&raw, &mut missing, error)?;
    let own_headers = validate_headers(raw.headers_env.clone(), origin, Some(&label))?;
    let mut header_variables: Vec<(String, String)> = context
        .headers
        .iter()
        .filter(|(name, _)| {
            !own_headers
                .iter()
                .any(|(own, _)| own.eq_ignore_ascii_case(name))
        })
        .cloned()
        .collect();
    header_variables.extend(own_headers);
    let mut headers = Vec::with_capacity(header_variables.len());
    for (name, variable) in header_variables {
        match Secret::from_env(&variable) {
            Some(value) if reqwest::header::HeaderValue::from_str(value.expose()).is_ok() => {
                headers.push(SecretHeader { name, value });
            }
            Some(_) => missing.push(format!(
                "{variable} (headers_env.{name}) holding one line of visible characters"
            )),
            None => missing.push(format!("{variable} (headers_env.{name})")),
        }
    }
    // Credentials in the URL become an Authorization header of their own: with one from
    // headers_env as well, the request would carry two.
    let fetched = url.fetch_url();
    if (!fetched.username().is_empty() || fetched.password().is_some())
        && headers
            .iter()
            .any(|h| h.name.eq_ignore_ascii_case("authorization"))
    {
        return Err(error(
            "headers_env",
            "sets Authorization while the URL carries a user name and password, so a request would send two Authorization headers; keep one of them".into(),
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
        .as_deref()
        .map(|line| fast_checked(line, "schedule", context.allow_fast))
        .transpose()
        .map_err(|message| error("schedule", message))?;
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
        headers,
        missing,
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

/// A cron line of a check's schedule (`key` names it): a schedule that fires more often than
/// once a minute is refused unless `allow_fast` (`[schedule] allow_fast = true`, for tests and
/// servers one runs), and logged as a warning when allowed.
pub(super) fn fast_checked(line: &str, key: &str, allow_fast: bool) -> Result<Schedule, String> {
    let schedule = line.parse::<Schedule>().map_err(|e| e.to_string())?;
    if schedule.fires_more_than_once_a_minute() {
        if !allow_fast {
            return Err(format!(
                "`{schedule}` fires more than once a minute; a publisher's server may block a client that asks this often, so a check more often than once a minute needs `allow_fast = true` in [schedule] (for tests and servers you run)"
            ));
        }
        tracing::warn!(
            "{key} `{schedule}` fires more than once a minute (allowed by schedule.allow_fast); a publisher's server may block a client that asks this often"
        );
    }
    Ok(schedule)
}

/// `[schedule]`, and whether it allows schedules that fire more than once a minute.
pub(super) fn validate_schedule(
    raw: RawSchedule,
    origin: &str,
) -> Result<(ScheduleSettings, bool), ConfigError> {
    let setting = |key: &'static str, message: String| ConfigError::Setting {
        path: origin.to_owned(),
        key,
        message,
    };
    let allow_fast = raw.allow_fast.unwrap_or(false);
    let cron = fast_checked(
        raw.cron.as_deref().unwrap_or(defaults::SCHEDULE),
        "schedule.cron",
        allow_fast,
    )
    .map_err(|m| setting("schedule.cron", m))?;
    let jitter = match raw.jitter.as_deref() {
        None => defaults::JITTER,
        Some(text) => parse_duration_or_zero(text).map_err(|m| setting("schedule.jitter", m))?,
    };
    Ok((ScheduleSettings { cron, jitter }, allow_fast))
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
