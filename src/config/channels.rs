//! The notification channels as configured: webhooks and email, their filters, their secrets
//! (read from the environment at load, never shown), and the outbox's retry policy. Sending is
//! `notify`'s job; these are the settings it is given.

use std::fmt;
use std::time::Duration;

use lettre::message::Mailbox;
use reqwest::Url;
use serde::{Deserialize, Serialize};

/// A webhook URL as it may be shown: scheme, host and port only. A chat webhook's path and
/// query are its credentials (`https://hooks.slack.com/services/T0/B0/XXXX`), and so is a
/// user name and password in it; logs, `deliveries`, `notify test` and the database get
/// `https://hooks.slack.com/…`.
pub fn redact_url(url: &Url) -> String {
    let mut shown = format!("{}://{}", url.scheme(), url.host_str().unwrap_or(""));
    if let Some(port) = url.port() {
        shown.push_str(&format!(":{port}"));
    }
    if url.path() == "/" && url.query().is_none() && url.fragment().is_none() {
        shown.push('/');
    } else {
        shown.push_str("/…");
    }
    shown
}

/// A secret read from the environment. Its `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Reads the variable `name`; `None` when it is not set or empty.
    pub fn from_env(name: &str) -> Option<Secret> {
        std::env::var(name)
            .ok()
            .filter(|v| !v.is_empty())
            .map(Secret)
    }

    /// A secret given directly (tests, and values that did not come from the environment).
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The secret itself, for the one place that uses it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// What a channel can be notified of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// The level moved.
    Level,
    /// Indicators (or other reasons) were added or removed.
    Indicators,
    /// Areas with a level of their own appeared, went or moved.
    Areas,
    /// The summary's words changed.
    Summary,
    /// Only the issued date or the publisher's note changed.
    Reissue,
    /// A source went dark: it failed `failing_after` checks in a row, or for `failing_for`,
    /// whether it could not be reached, answered an error status or did not read right (and,
    /// later, reads again). `extraction_failure`, its name before, is taken as this.
    #[serde(alias = "extraction_failure")]
    SourceFailure,
}

impl EventKind {
    /// The kinds a channel gets when its `on` is not set.
    pub const DEFAULT: [EventKind; 4] = [
        EventKind::Level,
        EventKind::Indicators,
        EventKind::Areas,
        EventKind::Summary,
    ];
}

/// Which events a channel receives.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only these sources (all when empty); a feed's name covers its countries.
    pub sources: Vec<String>,
    /// Only these countries, compared without case (all when empty).
    pub countries: Vec<String>,
    /// Only changes where the level before or after is at least this.
    pub min_level: Option<u8>,
    /// Only these kinds.
    pub on: Vec<EventKind>,
    /// Only the countries of this watch-list (`watch = "sahel"`).
    pub watch: Option<super::WatchList>,
}

/// The body format of a webhook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookFormat {
    /// The documented JSON event.
    Json,
    /// `{"text": "..."}`, accepted by Slack and compatible chat tools.
    Slack,
}

/// A webhook channel.
#[derive(Debug, Clone)]
pub struct Webhook {
    /// Where to POST.
    pub url: Url,
    /// The HMAC key, from the environment.
    pub secret: Option<Secret>,
    /// The body format.
    pub format: WebhookFormat,
}

/// How an SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// TLS from the first byte (usually port 465).
    Tls,
    /// STARTTLS upgrade (usually port 587).
    StartTls,
    /// No TLS: only for a relay on the same machine or network.
    None,
}

/// An email channel.
#[derive(Debug, Clone)]
pub struct Email {
    /// SMTP host.
    pub smtp_host: String,
    /// SMTP port.
    pub smtp_port: u16,
    /// Connection security.
    pub tls: SmtpTls,
    /// User name and password, from the environment.
    pub credentials: Option<(Secret, Secret)>,
    /// The sender.
    pub from: Mailbox,
    /// The recipients.
    pub to: Vec<Mailbox>,
    /// One message per cycle instead of one per change.
    pub digest: bool,
}

/// How a channel delivers.
#[derive(Debug, Clone)]
pub enum Transport {
    /// HTTP POST.
    Webhook(Webhook),
    /// SMTP.
    Email(Email),
}

/// A configured notification channel.
#[derive(Debug, Clone)]
pub struct Channel {
    /// Unique name; part of every delivery id.
    pub name: String,
    /// What it receives.
    pub filter: Filter,
    /// How it delivers.
    pub transport: Transport,
    /// The environment variables it needs that are not set, each with its key
    /// (`ADVISORY_WEBHOOK_SECRET (secret_env)`). A channel with any cannot send: its
    /// deliveries are queued and wait.
    pub missing: Vec<String>,
}

impl Channel {
    /// Why the channel cannot send now, if it cannot: the unset variables it needs.
    pub fn waiting_for(&self) -> Option<String> {
        match self.missing.as_slice() {
            [] => None,
            [one] => Some(format!("the environment variable {one}")),
            many => Some(format!("the environment variables {}", many.join(", "))),
        }
    }

    /// Whether several deliveries of one cycle go out as one message.
    pub fn is_digest(&self) -> bool {
        matches!(&self.transport, Transport::Email(email) if email.digest)
    }
}

/// Retry policy of the outbox.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts before a delivery is marked dead.
    pub max_attempts: u32,
    /// Delay before the first retry; doubled each time.
    pub initial: Duration,
    /// The longest delay between attempts.
    pub max: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 10,
            initial: Duration::from_secs(30),
            max: Duration::from_secs(3600),
        }
    }
}

impl RetryPolicy {
    /// The delay after `attempts` failed attempts: exponential, capped, with up to 20% random
    /// jitter, and never shorter than the server's `Retry-After`.
    pub fn delay(&self, attempts: u32, retry_after: Option<Duration>) -> Duration {
        let exponent = attempts.saturating_sub(1).min(30);
        let base = self.initial.saturating_mul(1u32 << exponent).min(self.max);
        let jitter = base.mul_f64(fastrand::f64() * 0.2);
        (base + jitter).max(retry_after.unwrap_or_default())
    }
}

/// When a source that keeps failing counts as gone dark, and how often it is told again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DarkRule {
    /// Consecutive failed checks that make a source dark.
    pub failing_after: u32,
    /// Time since the last success (or since the failures began, when it never read right)
    /// that makes a source dark, whatever the count.
    pub failing_for: Duration,
    /// While it stays dark, the alert is sent again this often.
    pub failing_reminder: Duration,
}

impl Default for DarkRule {
    fn default() -> Self {
        DarkRule {
            failing_after: super::defaults::FAILING_AFTER,
            failing_for: super::defaults::FAILING_FOR,
            failing_reminder: super::defaults::FAILING_REMINDER,
        }
    }
}

/// Every channel, the retry policy and the rule for sources gone dark.
#[derive(Debug, Clone, Default)]
pub struct NotifySettings {
    /// The channels, in configuration order.
    pub channels: Vec<Channel>,
    /// How failed deliveries are retried.
    pub retry: RetryPolicy,
    /// When a failing source raises a `source_failure` event.
    pub dark: DarkRule,
}
