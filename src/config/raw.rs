//! The configuration file as written: one serde struct per table, every one with
//! `deny_unknown_fields`, so that a misspelt key is an error that names it. Validation and
//! compilation into [`super::Config`] are `validate`'s.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

use crate::config::channels::EventKind;
use crate::model::profile::RawProfile;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConfig {
    #[serde(default)]
    pub(super) storage: RawStorage,
    #[serde(default)]
    pub(super) fetch: RawFetch,
    #[serde(default)]
    pub(super) sources: Vec<RawSource>,
    #[serde(default)]
    pub(super) profiles: BTreeMap<String, RawProfile>,
    #[serde(default)]
    pub(super) schedule: RawSchedule,
    #[serde(default)]
    pub(super) daemon: RawDaemon,
    #[serde(default)]
    pub(super) notify: RawNotify,
    #[serde(default)]
    pub(super) report: Option<RawReport>,
    #[serde(default)]
    pub(super) watchlists: BTreeMap<String, RawWatchList>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWatchList {
    pub(super) countries: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawReport {
    pub(super) cron: String,
    pub(super) path: PathBuf,
    pub(super) since: Option<String>,
    pub(super) format: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSchedule {
    pub(super) cron: Option<String>,
    pub(super) jitter: Option<String>,
    pub(super) allow_fast: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDaemon {
    pub(super) grace: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawNotify {
    pub(super) max_attempts: Option<u32>,
    pub(super) retry_initial: Option<String>,
    pub(super) retry_max: Option<String>,
    pub(super) timeout: Option<String>,
    pub(super) failing_after: Option<u32>,
    pub(super) failing_for: Option<String>,
    pub(super) failing_reminder: Option<String>,
    #[serde(default)]
    pub(super) webhook: Vec<RawWebhook>,
    #[serde(default)]
    pub(super) email: Vec<RawEmail>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFilter {
    #[serde(default)]
    pub(super) sources: Vec<String>,
    #[serde(default)]
    pub(super) countries: Vec<String>,
    pub(super) min_level: Option<u8>,
    pub(super) on: Option<Vec<EventKind>>,
    pub(super) watch: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWebhook {
    pub(super) name: String,
    pub(super) url: Option<String>,
    pub(super) url_env: Option<String>,
    pub(super) secret_env: Option<String>,
    pub(super) format: Option<String>,
    #[serde(flatten)]
    pub(super) filter: RawFilter,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawEmail {
    pub(super) name: String,
    pub(super) smtp_host: String,
    pub(super) smtp_port: Option<u16>,
    pub(super) tls: Option<String>,
    pub(super) username_env: Option<String>,
    pub(super) password_env: Option<String>,
    pub(super) from: String,
    pub(super) to: Vec<String>,
    #[serde(default)]
    pub(super) digest: bool,
    #[serde(flatten)]
    pub(super) filter: RawFilter,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawStorage {
    pub(super) path: Option<PathBuf>,
    pub(super) keep: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFetch {
    pub(super) user_agent: Option<String>,
    pub(super) timeout: Option<String>,
    pub(super) concurrency: Option<usize>,
    pub(super) per_host: Option<usize>,
    pub(super) per_host_delay: Option<String>,
    pub(super) retries: Option<u32>,
    pub(super) retry_initial: Option<String>,
    pub(super) max_retry_after: Option<String>,
    pub(super) max_body: Option<String>,
    pub(super) max_redirects: Option<usize>,
    pub(super) headers_env: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSource {
    pub(super) name: String,
    pub(super) country: String,
    #[serde(default)]
    pub(super) url: Option<String>,
    #[serde(default)]
    pub(super) url_env: Option<String>,
    #[serde(default)]
    pub(super) headers_env: Option<BTreeMap<String, String>>,
    #[serde(default)]
    pub(super) profile: Option<ProfileNames>,
    #[serde(default)]
    pub(super) schedule: Option<String>,
    #[serde(default)]
    pub(super) kind: Option<String>,
    #[serde(default)]
    pub(super) government: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum ProfileNames {
    One(String),
    Many(Vec<String>),
}
