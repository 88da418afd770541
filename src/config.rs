//! The configuration file: what to watch, how to fetch it and where to store it.
//!
//! Loading happens in two steps: TOML is read into raw serde structs that refuse unknown keys,
//! then validated into a [`Config`] whose URLs are parsed and whose profiles are compiled and
//! resolved once, so nothing is re-parsed per check. Every error names the file, the source or
//! profile, and the key. Defaults live in [`defaults`]. Only an invalid configuration stops the
//! program; everything after loading reports failures as values.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;
use serde::Deserialize;

use crate::profile::{Profile, ProfileError, ProfileSet, RawProfile};

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
    /// The profile a source uses when it names none.
    pub const PROFILE: &str = "state-dept";
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
    /// A profile is invalid or unknown.
    #[error("configuration {path}: {source}")]
    Profile {
        /// The file.
        path: String,
        /// The profile error.
        source: ProfileError,
    },
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    storage: RawStorage,
    #[serde(default)]
    fetch: RawFetch,
    #[serde(default)]
    sources: Vec<RawSource>,
    #[serde(default)]
    profiles: BTreeMap<String, RawProfile>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStorage {
    path: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFetch {
    user_agent: Option<String>,
    timeout: Option<String>,
    concurrency: Option<usize>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    name: String,
    country: String,
    url: String,
    #[serde(default)]
    profile: Option<ProfileNames>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum ProfileNames {
    One(String),
    Many(Vec<String>),
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
}

impl Default for FetchSettings {
    fn default() -> Self {
        FetchSettings {
            user_agent: defaults::USER_AGENT.to_owned(),
            timeout: defaults::TIMEOUT,
            concurrency: defaults::CONCURRENCY,
        }
    }
}

/// One watched page.
#[derive(Debug)]
pub struct Source {
    /// Unique name, used on the command line and in the database.
    pub name: String,
    /// The country the advisory is about.
    pub country: String,
    /// The page.
    pub url: Url,
    /// The profile names as configured.
    pub profile_names: Vec<String>,
    /// The compiled profiles to try, in order.
    pub profiles: Vec<Arc<Profile>>,
}

/// A validated configuration.
#[derive(Debug)]
pub struct Config {
    /// Where it was read from, if from a file.
    pub origin: String,
    /// The SQLite file.
    pub storage_path: PathBuf,
    /// Fetch settings.
    pub fetch: FetchSettings,
    /// Watched pages, in file order.
    pub sources: Vec<Arc<Source>>,
    /// Every profile, built-in and user-defined.
    pub profiles: Arc<ProfileSet>,
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
        let raw: RawConfig = toml::from_str(text).map_err(|e| ConfigError::Syntax {
            path: origin.to_owned(),
            message: e.to_string().trim_end().to_owned(),
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

        let fetch = validate_fetch(raw.fetch, origin)?;

        let mut names = HashSet::new();
        let mut sources = Vec::with_capacity(raw.sources.len());
        for (index, source) in raw.sources.into_iter().enumerate() {
            let source = validate_source(source, index, origin, &profiles)?;
            if !names.insert(source.name.clone()) {
                return Err(ConfigError::DuplicateSource {
                    path: origin.to_owned(),
                    name: source.name,
                });
            }
            sources.push(Arc::new(source));
        }

        Ok(Config {
            origin: origin.to_owned(),
            storage_path,
            fetch,
            sources,
            profiles: Arc::new(profiles),
        })
    }

    /// A configuration with no sources and the built-in profiles: what `extract` and `diff`
    /// use when there is no configuration file.
    pub fn builtin(storage_path: PathBuf) -> Config {
        Config {
            origin: "(built-in defaults)".to_owned(),
            storage_path,
            fetch: FetchSettings::default(),
            sources: Vec::new(),
            profiles: Arc::new(ProfileSet::builtin()),
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

fn validate_fetch(raw: RawFetch, origin: &str) -> Result<FetchSettings, ConfigError> {
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
        if !(1..=256).contains(&concurrency) {
            return Err(ConfigError::Setting {
                path: origin.to_owned(),
                key: "fetch.concurrency",
                message: format!("{concurrency} is out of range; use 1 to 256"),
            });
        }
        fetch.concurrency = concurrency;
    }
    Ok(fetch)
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
    Ok(duration)
}

fn validate_source(
    raw: RawSource,
    index: usize,
    origin: &str,
    profiles: &ProfileSet,
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
    let profile_names = match raw.profile {
        None => vec![defaults::PROFILE.to_owned()],
        Some(ProfileNames::One(name)) => vec![name],
        Some(ProfileNames::Many(names)) => names,
    };
    let resolved = profiles
        .resolve_names(&profile_names, &format!("source `{label}`: key `profile`"))
        .map_err(|source| ConfigError::Profile {
            path: origin.to_owned(),
            source,
        })?;
    Ok(Source {
        name: raw.name,
        country: raw.country.trim().to_owned(),
        url,
        profile_names,
        profiles: resolved,
    })
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
        let names: Vec<_> = config.sources[0]
            .profiles
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        assert_eq!(names, ["state-dept-2025", "state-dept-legacy"]);
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
                "[profiles.mine]\nlevel = \"h3\"\nsummary = \"p[\"\n",
                "profile `mine`: key `summary`",
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
        let names: Vec<_> = config.sources[0]
            .profiles
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        assert_eq!(names, ["mine", "state-dept-legacy"]);
    }

    #[test]
    fn shipped_config_loads() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config.toml");
        let config = Config::load(&path).expect("the shipped config.toml is valid");
        assert!(config.sources.len() >= 10, "watches at least ten countries");
        assert!(config.sources.iter().any(|s| s.country == "Mali"));
    }
}
