//! Notifications: channels, what they receive, and delivering it.
//!
//! This module owns the notification channels (webhooks and email), their filters, the
//! [`Event`] that is written to the outbox in the same transaction as the change it announces,
//! the renderings of an event (webhook JSON, a Slack-compatible `{"text": ...}`, an email with a
//! plain text and an HTML part), and the sending itself: HTTP POST with an HMAC-SHA256
//! signature, SMTP through lettre. Deciding when to send and retry is the outbox worker's job
//! (`deliver_due`, driven by `daemon` and `check`); the rows are `store`'s. Secrets are read
//! from the environment when the configuration is loaded and never printed.

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use lettre::message::MultiPart;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sha2::Sha256;

use crate::config::channels::{
    Channel, Email, Filter, NotifySettings, Secret, SmtpTls, Transport, Webhook, WebhookFormat,
    redact_url,
};
use crate::model::advisory::{Indicator, Level};
use crate::present::html;
use crate::store::{DueDelivery, StoreError, StoreHandle};

/// An error and its causes, `: `-separated.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        text.push_str(&format!(": {inner}"));
        cause = inner.source();
    }
    text
}

/// Whether an event passes a channel's filter.
pub fn accepts(filter: &Filter, event: &Event) -> bool {
    // A feed's name covers its countries (`us-feed` covers `us-feed/mali`).
    let covers = |name: &String| {
        event.source == *name
            || event
                .source
                .strip_prefix(name.as_str())
                .is_some_and(|rest| rest.starts_with('/'))
    };
    if !filter.sources.is_empty() && !filter.sources.iter().any(covers) {
        return false;
    }
    if !filter.countries.is_empty()
        && !filter
            .countries
            .iter()
            .any(|c| c.eq_ignore_ascii_case(&event.country))
    {
        return false;
    }
    if let Some(watch) = &filter.watch
        && !watch.covers(&event.country)
    {
        return false;
    }
    let kinds = event.kinds();
    if !kinds.iter().any(|k| filter.on.contains(k)) {
        return false;
    }
    if let Some(min) = filter.min_level
        && event.kind == EventType::AdvisoryChange
    {
        let highest = event
            .level_from
            .iter()
            .chain(&event.level_to)
            .map(|l| l.number)
            .max()
            .unwrap_or(0);
        if highest < min {
            return false;
        }
    }
    true
}

pub use crate::store::event::{Event, EventType};

/// The documented webhook JSON body of one event.
pub fn webhook_json(event: &Event, delivery_id: &str) -> serde_json::Value {
    let level = |l: &Option<Level>| {
        l.as_ref()
            .map(|l| serde_json::json!({"number": l.number, "label": l.label}))
    };
    serde_json::json!({
        "delivery_id": delivery_id,
        "event_id": event.id,
        "type": event.kind,
        "source": event.source,
        "country": event.country,
        "url": event.url,
        "detected_at": event.detected_at,
        "level_from": level(&event.level_from),
        "level_to": level(&event.level_to),
        "indicators_added": event.indicators_added,
        "indicators_removed": event.indicators_removed,
        "reasons_added": event.reasons_added,
        "reasons_removed": event.reasons_removed,
        "summary_changed": event.summary_changed,
        "summary_diff": event.summary_diff,
        "change_note": event.change_note,
        "issued": event.issued,
        "headline": event.headline,
        "classes": event.classes.iter().map(|c| c.id()).collect::<Vec<_>>(),
        "areas_changed": event.areas_changed,
        "unconfirmed": event.unconfirmed,
        "government": event.government.as_ref().map(|g| serde_json::json!({"id": g.id, "name": g.name})),
        "outage": event.outage,
    })
}

/// The Slack-compatible body: `{"text": "*Mali*: Unrest and health indicators added ..."}`.
pub fn slack_json(event: &Event) -> serde_json::Value {
    let mut text = format!(
        "*{}*: {}",
        slack_escape(&crate::model::name::one_line(&event.country)),
        slack_escape(&crate::model::name::one_line(&event.headline))
    );
    if let (Some(from), Some(to)) = (&event.level_from, &event.level_to) {
        text.push_str(&format!(
            "\nLevel {} → {}{} ({})",
            from.number,
            to.number,
            if event.unconfirmed {
                " unconfirmed"
            } else {
                ""
            },
            slack_escape(&to.label)
        ));
    }
    if let Some(note) = &event.change_note {
        text.push_str(&format!("\n> {}", slack_escape(note)));
    }
    match html::link_target(&event.url) {
        Some(url) => text.push_str(&format!(
            "\n<{}|{}>",
            url.replace(['|', '>'], ""),
            slack_escape(&event.source)
        )),
        None => text.push_str(&format!(
            "\n{} ({})",
            slack_escape(&event.source),
            slack_escape(&event.url)
        )),
    }
    serde_json::json!({ "text": text })
}

fn slack_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The plain-text part of an email about some events.
pub fn email_text(events: &[Event]) -> String {
    let mut out = String::new();
    for event in events {
        out.push_str(&format!("{}\n", event.subject()));
        if let (Some(from), Some(to)) = (&event.level_from, &event.level_to) {
            if from.number == to.number {
                out.push_str(&format!("Level: {to} (unchanged)\n"));
            } else {
                let unconfirmed = if event.unconfirmed {
                    " (unconfirmed: the text does not say it yet)"
                } else {
                    ""
                };
                out.push_str(&format!("Level: {from} -> {to}{unconfirmed}\n"));
            }
        }
        let names = |list: &[Indicator]| {
            list.iter()
                .map(|i| i.human())
                .collect::<Vec<_>>()
                .join(", ")
        };
        if !event.indicators_added.is_empty() {
            out.push_str(&format!(
                "Indicators added: {}\n",
                names(&event.indicators_added)
            ));
        }
        if !event.indicators_removed.is_empty() {
            out.push_str(&format!(
                "Indicators removed: {}\n",
                names(&event.indicators_removed)
            ));
        }
        if let Some(note) = &event.change_note {
            out.push_str(&format!("Publisher's note: {note}\n"));
        }
        if let Some(outage) = &event.outage {
            out.push_str(&format!(
                "Last error: {}\nFailing since: {} ({} failed checks)\nLast read right: {}\n",
                outage.error,
                outage.failing_since,
                outage.failed_checks,
                outage.last_success()
            ));
        }
        out.push_str(&format!(
            "Page: {}\nDetected: {}\n",
            event.url, event.detected_at
        ));
        if let Some(diff) = &event.word_diff {
            out.push_str("\nSummary changes ([-deleted-] {+inserted+}):\n\n");
            out.push_str(&diff.to_text(true, 12));
            out.push('\n');
        }
        out.push_str("\n-- \n");
    }
    out.push_str("Sent by advisory-watch.\n");
    out
}

/// The HTML part of an email about some events: level, indicator chips and the word diff,
/// with every piece of page text escaped.
pub fn email_html(events: &[Event]) -> String {
    let title = match events {
        [one] => one.subject(),
        many => format!("{} advisory updates", many.len()),
    };
    // One heading of the first level: the one event's subject, or the count above each
    // event's own heading.
    let heading = if events.len() == 1 { "h1" } else { "h2" };
    let mut body = String::new();
    if events.len() != 1 {
        body.push_str(&format!("<h1>{}</h1>", html::escape(&title)));
    }
    for event in events {
        body.push_str("<article class=\"card\">");
        body.push_str(&format!(
            "<{heading}>{}</{heading}>",
            html::escape(&event.subject())
        ));
        if let (Some(from), Some(to)) = (&event.level_from, &event.level_to) {
            body.push_str("<p>");
            if from.number != to.number {
                body.push_str(&html::level_badge(from));
                body.push_str(" &rarr; ");
                if event.unconfirmed {
                    body.push_str("<span class=\"muted\">unconfirmed</span> ");
                }
            }
            body.push_str(&html::level_badge(to));
            if from.number == to.number {
                body.push_str(" <span class=\"muted\">unchanged</span>");
            }
            body.push_str("</p>");
        }
        if !event.indicators_added.is_empty() || !event.indicators_removed.is_empty() {
            body.push_str("<p>");
            body.push_str(&html::chips(
                &event.indicators_added,
                &event.indicators_removed,
            ));
            body.push_str("</p>");
        }
        if let Some(note) = &event.change_note {
            body.push_str(&format!("<blockquote>{}</blockquote>", html::escape(note)));
        }
        if let Some(outage) = &event.outage {
            body.push_str(&format!(
                "<p>Last error: {}<br>Failing since {} ({} failed checks); last read right: {}</p>",
                html::escape(&outage.error),
                html::escape(&outage.failing_since),
                outage.failed_checks,
                html::escape(outage.last_success())
            ));
        }
        if let Some(diff) = &event.word_diff {
            body.push_str(&html::word_diff(diff));
        }
        body.push_str(&format!(
            "<p class=\"meta\">{} &middot; detected {}</p></article>",
            html::link(&event.url, &event.source, "noreferrer"),
            html::escape(&event.detected_at)
        ));
    }
    html::page(&title, false, &body)
}

/// Why a delivery did not go through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// Worth trying again later (no answer, 5xx, 408, 429, SMTP 4xx); with the server's
    /// `Retry-After`, if it gave one.
    Transient {
        /// What happened.
        message: String,
        /// The server's wish.
        retry_after: Option<Duration>,
    },
    /// Will not work by retrying (4xx, SMTP 5xx, a bad address).
    Permanent {
        /// What happened.
        message: String,
    },
}

impl SendError {
    /// What happened, without what the outbox will do about it.
    pub fn message(&self) -> &str {
        match self {
            SendError::Transient { message, .. } | SendError::Permanent { message } => message,
        }
    }
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendError::Transient { message, .. } => write!(f, "{message} (will retry)"),
            SendError::Permanent { message } => write!(f, "{message} (permanent)"),
        }
    }
}

/// Sends events and their delivery ids through channels.
#[derive(Debug, Clone)]
pub struct Sender {
    http: reqwest::Client,
    timeout: Duration,
}

/// The signature header value: `sha256=<hex of HMAC-SHA256(secret, body)>`.
pub fn signature(secret: &Secret, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose().as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let mut hex = String::with_capacity(7 + digest.len() * 2);
    hex.push_str("sha256=");
    for byte in digest {
        hex.push_str(&format!("{byte:02x}"));
    }
    hex
}

impl Sender {
    /// A sender whose requests give up after `timeout`.
    pub fn new(
        user_agent: &str,
        timeout: Duration,
    ) -> Result<Sender, crate::net::fetch::FetchError> {
        crate::net::fetch::install_crypto();
        let http = reqwest::Client::builder()
            .user_agent(user_agent)
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| crate::net::fetch::FetchError::Request {
                url: String::new(),
                message: format!("cannot build the HTTP client: {e}"),
            })?;
        Ok(Sender { http, timeout })
    }

    /// Sends `events` (one, or a digest's several) with their delivery ids through `channel`.
    pub async fn send(
        &self,
        channel: &Channel,
        events: &[(String, Event)],
    ) -> Result<(), SendError> {
        match &channel.transport {
            Transport::Webhook(webhook) => {
                for (delivery_id, event) in events {
                    self.post(webhook, delivery_id, event).await?;
                }
                Ok(())
            }
            Transport::Email(email) => {
                let all: Vec<Event> = events.iter().map(|(_, e)| e.clone()).collect();
                let ids: Vec<&str> = events.iter().map(|(id, _)| id.as_str()).collect();
                self.mail(email, &all, &ids).await
            }
        }
    }

    async fn post(
        &self,
        webhook: &Webhook,
        delivery_id: &str,
        event: &Event,
    ) -> Result<(), SendError> {
        let body = match webhook.format {
            WebhookFormat::Json => webhook_json(event, delivery_id),
            WebhookFormat::Slack => slack_json(event),
        };
        let body = serde_json::to_vec(&body).expect("json always serializes");
        let mut request = self
            .http
            .post(webhook.url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("X-Advisory-Delivery", delivery_id)
            .header(
                "X-Advisory-Event",
                serde_json::to_value(event.kind)
                    .map(|v| v.as_str().unwrap_or_default().to_owned())
                    .unwrap_or_default(),
            );
        if let Some(secret) = &webhook.secret {
            request = request.header("X-Advisory-Signature", signature(secret, &body));
        }
        let response = request
            .body(body)
            .send()
            .await
            .map_err(|e| SendError::Transient {
                message: if e.is_timeout() {
                    format!(
                        "{} did not answer within {:?}",
                        redact_url(&webhook.url),
                        self.timeout
                    )
                } else {
                    // Without the URL reqwest would print, which holds the credentials.
                    format!(
                        "cannot reach {}: {}",
                        redact_url(&webhook.url),
                        error_chain(&e.without_url())
                    )
                },
                retry_after: None,
            })?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(crate::net::fetch::parse_retry_after);
        let message = format!("{} answered HTTP {status}", redact_url(&webhook.url));
        if status.is_client_error() && status.as_u16() != 408 && status.as_u16() != 429 {
            Err(SendError::Permanent { message })
        } else {
            Err(SendError::Transient {
                message,
                retry_after,
            })
        }
    }

    async fn mail(&self, email: &Email, events: &[Event], ids: &[&str]) -> Result<(), SendError> {
        let subject = match events {
            [one] => one.subject(),
            many => format!("advisory-watch: {} advisory updates", many.len()),
        };
        let mut builder = Message::builder()
            .from(email.from.clone())
            .subject(subject)
            .message_id(Some(message_id(ids)))
            .date_now()
            .header(DeliveryIdHeader(ids.join(", ")));
        for to in &email.to {
            builder = builder.to(to.clone());
        }
        let message = builder
            .multipart(MultiPart::alternative_plain_html(
                email_text(events),
                email_html(events),
            ))
            .map_err(|e| SendError::Permanent {
                message: format!("cannot build the message: {e}"),
            })?;
        let transport = smtp_transport(email, self.timeout).map_err(|e| SendError::Permanent {
            message: format!("SMTP {}:{}: {e}", email.smtp_host, email.smtp_port),
        })?;
        match transport.send(message).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_permanent() => Err(SendError::Permanent {
                message: format!(
                    "SMTP {}:{} refused the message: {e}",
                    email.smtp_host, email.smtp_port
                ),
            }),
            Err(e) => Err(SendError::Transient {
                message: format!("SMTP {}:{}: {e}", email.smtp_host, email.smtp_port),
                retry_after: None,
            }),
        }
    }
}

/// The `Message-ID` of an email: `<DELIVERY-ID@advisory-watch>` from its (first) delivery id,
/// so that a message sent again after a crash or a retry has the same id, and mail clients and
/// archives see one message. Characters a message id may not hold become `.`; a digest of
/// several deliveries adds their count.
pub fn message_id(delivery_ids: &[&str]) -> String {
    let first = delivery_ids.first().copied().unwrap_or("none");
    let mut local: String = first
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c) {
                c
            } else {
                '.'
            }
        })
        .collect();
    if delivery_ids.len() > 1 {
        local.push_str(&format!(".digest-{}", delivery_ids.len()));
    }
    while local.contains("..") {
        local = local.replace("..", ".");
    }
    format!("<{}@advisory-watch>", local.trim_matches('.'))
}

/// `X-Advisory-Delivery` on emails: the delivery ids a message carries.
#[derive(Debug, Clone)]
struct DeliveryIdHeader(String);

impl lettre::message::header::Header for DeliveryIdHeader {
    fn name() -> lettre::message::header::HeaderName {
        lettre::message::header::HeaderName::new_from_ascii_str("X-Advisory-Delivery")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(DeliveryIdHeader(s.to_owned()))
    }

    fn display(&self) -> lettre::message::header::HeaderValue {
        lettre::message::header::HeaderValue::new(Self::name(), self.0.clone())
    }
}

fn smtp_transport(
    email: &Email,
    timeout: Duration,
) -> Result<AsyncSmtpTransport<Tokio1Executor>, lettre::transport::smtp::Error> {
    let builder = match email.tls {
        SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&email.smtp_host)?,
        SmtpTls::StartTls => {
            AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&email.smtp_host)?
        }
        SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&email.smtp_host),
    };
    let mut builder = builder.port(email.smtp_port).timeout(Some(timeout));
    if let Some((user, password)) = &email.credentials {
        builder = builder.credentials(Credentials::new(
            user.expose().to_owned(),
            password.expose().to_owned(),
        ));
    }
    Ok(builder.build())
}

/// What one pass of the outbox worker did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryPass {
    /// Deliveries sent.
    pub sent: usize,
    /// Deliveries that failed and will be retried.
    pub retrying: usize,
    /// Deliveries marked dead.
    pub dead: usize,
    /// When the next pending delivery is due, if any.
    pub next_due: Option<DateTime<Utc>>,
}

/// How long a claimed delivery stays hidden from other workers before it is due again, in case
/// the process dies while sending.
const CLAIM_LEASE: Duration = Duration::from_secs(120);

/// Sends every due delivery once: claims them (so a second process does not send them too),
/// sends, and records the outcome. Failures are retried later per `settings.retry`.
pub async fn deliver_due(
    store: &StoreHandle,
    sender: &Sender,
    settings: &NotifySettings,
) -> Result<DeliveryPass, StoreError> {
    let now = Utc::now();
    let channels: Vec<String> = settings.channels.iter().map(|c| c.name.clone()).collect();
    let due: Vec<DueDelivery> = store
        .call(move |s| s.claim_due_deliveries(now, &channels, CLAIM_LEASE, 200))
        .await?;
    let mut pass = DeliveryPass::default();
    // Group: a digest channel sends one message per batch; others one per delivery.
    let mut groups: Vec<(usize, Vec<DueDelivery>)> = Vec::new();
    for delivery in due {
        let Some(index) = settings
            .channels
            .iter()
            .position(|c| c.name == delivery.channel)
        else {
            continue;
        };
        let digest = settings.channels[index].is_digest();
        match groups
            .iter_mut()
            .find(|(i, group)| digest && *i == index && group[0].batch == delivery.batch)
        {
            Some((_, group)) => group.push(delivery),
            None => groups.push((index, vec![delivery])),
        }
    }
    // Order is kept per channel and source: what follows a failed delivery about a source on
    // its channel waits for it; the channel's deliveries about other sources go on.
    let mut held: Vec<(usize, String)> = Vec::new();
    for (index, group) in groups {
        let channel = &settings.channels[index];
        if group
            .iter()
            .any(|d| held.contains(&(index, d.source.clone())))
        {
            held.extend(group.iter().map(|d| (index, d.source.clone())));
            let ids: Vec<i64> = group.iter().map(|d| d.id).collect();
            store.call(move |s| s.release(&ids)).await?;
            continue;
        }
        let events: Vec<(String, Event)> = group
            .iter()
            .filter_map(|d| match serde_json::from_str::<Event>(&d.event) {
                Ok(event) => Some((d.key.clone(), event)),
                Err(e) => {
                    tracing::error!(delivery = %d.key, error = %e, "stored event does not decode");
                    None
                }
            })
            .collect();
        let ids: Vec<i64> = group.iter().map(|d| d.id).collect();
        let attempts = group.iter().map(|d| d.attempts).max().unwrap_or(0) + 1;
        let outcome = sender.send(channel, &events).await;
        let when = Utc::now();
        match &outcome {
            Ok(()) => {
                tracing::info!(channel = %channel.name, deliveries = ids.len(), "delivered");
                pass.sent += ids.len();
                store.call(move |s| s.mark_sent(&ids, when)).await?;
            }
            Err(error) => {
                let permanent = matches!(error, SendError::Permanent { .. });
                if !permanent {
                    held.extend(group.iter().map(|d| (index, d.source.clone())));
                }
                let dead = permanent || attempts >= settings.retry.max_attempts;
                let retry_after = match error {
                    SendError::Transient { retry_after, .. } => *retry_after,
                    SendError::Permanent { .. } => None,
                };
                // Checked: a delay past the end of the calendar must not end the worker.
                let next = chrono::Duration::from_std(settings.retry.delay(attempts, retry_after))
                    .ok()
                    .and_then(|delay| when.checked_add_signed(delay))
                    .unwrap_or_else(|| when + chrono::Duration::hours(1));
                if dead {
                    let keys: Vec<&str> = group.iter().map(|d| d.key.as_str()).collect();
                    tracing::error!(
                        channel = %channel.name,
                        delivery = %keys.join(", "),
                        attempts,
                        %error,
                        "delivery is dead; `advisory-watch deliveries retry --dead` sends it again"
                    );
                    pass.dead += ids.len();
                } else {
                    tracing::warn!(channel = %channel.name, attempts, %error, "delivery failed; will retry");
                    pass.retrying += ids.len();
                }
                let message = error.to_string();
                let next_attempt = (!dead).then_some(next);
                store
                    .call(move |s| s.mark_failed(&ids, when, &message, next_attempt))
                    .await?;
            }
        }
    }
    pass.next_due = store.call(|s| s.next_delivery_due()).await?;
    Ok(pass)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::channels::{EventKind, RetryPolicy};

    fn change_event() -> Event {
        let level = |n| Level::with_label(n, String::new());
        Event {
            id: "e1".into(),
            kind: EventType::AdvisoryChange,
            source: "us-mali".into(),
            country: "Mali".into(),
            url: "https://example.org/mali".into(),
            detected_at: "2026-11-25T08:00:00.000Z".into(),
            level_from: Some(level(3)),
            level_to: Some(level(4)),
            indicators_added: vec![Indicator::Unrest],
            indicators_removed: vec![],
            reasons_added: vec![],
            reasons_removed: vec![],
            summary_changed: false,
            summary_diff: String::new(),
            word_diff: None,
            change_note: Some("<script>alert(1)</script>".into()),
            issued: None,
            headline: "Level raised from 3 to 4; unrest indicator added".into(),
            classes: Vec::new(),
            government: None,
            areas_changed: Vec::new(),
            unconfirmed: false,
            outage: None,
        }
    }

    #[test]
    fn an_unconfirmed_move_is_marked_in_every_body() {
        let confirmed = change_event();
        assert_eq!(webhook_json(&confirmed, "d")["unconfirmed"], false);
        let event = Event {
            unconfirmed: true,
            ..change_event()
        };
        assert_eq!(webhook_json(&event, "d")["unconfirmed"], true);
        let slack = slack_json(&event)["text"]
            .as_str()
            .expect("text")
            .to_owned();
        assert!(slack.contains("Level 3 → 4 unconfirmed"), "{slack}");
        assert!(email_text(std::slice::from_ref(&event)).contains("unconfirmed"));
        assert!(email_html(std::slice::from_ref(&event)).contains("unconfirmed"));
    }

    #[test]
    fn filters_by_source_country_level_and_kind() {
        let event = change_event();
        let pass = |filter: Filter| accepts(&filter, &event);
        let on = EventKind::DEFAULT.to_vec();
        assert!(pass(Filter {
            on: on.clone(),
            ..Filter::default()
        }));
        assert!(pass(Filter {
            countries: vec!["mali".into()],
            on: on.clone(),
            ..Filter::default()
        }));
        assert!(!pass(Filter {
            sources: vec!["us-niger".into()],
            on: on.clone(),
            ..Filter::default()
        }));
        assert!(pass(Filter {
            min_level: Some(4),
            on: on.clone(),
            ..Filter::default()
        }));
        assert!(!pass(Filter {
            min_level: Some(4),
            on: vec![EventKind::Summary],
            ..Filter::default()
        }));
        assert!(!pass(Filter {
            on: vec![EventKind::SourceFailure],
            ..Filter::default()
        }));
        let watch = |codes: Vec<&'static str>| {
            Some(crate::config::WatchList {
                name: "list".into(),
                codes,
            })
        };
        assert!(pass(Filter {
            watch: watch(vec!["NE", "ML"]),
            on: on.clone(),
            ..Filter::default()
        }));
        assert!(!pass(Filter {
            watch: watch(vec!["NP"]),
            on: on.clone(),
            ..Filter::default()
        }));
        let failure = Event::for_outage(
            crate::store::event::About {
                source: "us-mali",
                country: "Mali",
                url: "u",
                government: None,
            },
            Utc::now(),
            crate::store::event::DarkTurn::Alerted,
            crate::store::event::Outage::default(),
        );
        assert!(!accepts(
            &Filter {
                on: on.clone(),
                ..Filter::default()
            },
            &failure
        ));
        assert!(accepts(
            &Filter {
                on: vec![EventKind::SourceFailure],
                ..Filter::default()
            },
            &failure
        ));
    }

    #[test]
    fn a_message_id_is_the_delivery_id_made_valid() {
        assert_eq!(
            message_id(&["0af3:analysts"]),
            "<0af3.analysts@advisory-watch>"
        );
        assert_eq!(
            message_id(&["0af3:desk mail", "77:desk mail"]),
            "<0af3.desk.mail.digest-2@advisory-watch>"
        );
    }

    #[test]
    fn signature_is_hmac_sha256_of_the_body() {
        // RFC 4231 test case 2.
        let secret = Secret::new("Jefe");
        assert_eq!(
            signature(&secret, b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(format!("{secret:?}"), "Secret(***)");
    }

    #[test]
    fn retry_delays_grow_and_respect_retry_after() {
        let policy = RetryPolicy {
            max_attempts: 5,
            initial: Duration::from_secs(10),
            max: Duration::from_secs(60),
        };
        let first = policy.delay(1, None);
        assert!(
            first >= Duration::from_secs(10) && first <= Duration::from_secs(12),
            "{first:?}"
        );
        let third = policy.delay(3, None);
        assert!(
            third >= Duration::from_secs(40) && third <= Duration::from_secs(48),
            "{third:?}"
        );
        assert!(policy.delay(10, None) <= Duration::from_secs(72));
        assert!(policy.delay(1, Some(Duration::from_secs(90))) >= Duration::from_secs(90));
    }

    #[test]
    fn only_http_urls_become_links() {
        let mut event = change_event();
        event.url = "javascript:alert(1)".into();
        let html = email_html(std::slice::from_ref(&event));
        assert!(!html.contains("href=\"javascript:"), "{html}");
        assert!(
            html.contains("javascript:alert(1)"),
            "shown as text: {html}"
        );
        let slack = slack_json(&event);
        let text = slack["text"].as_str().unwrap_or_default();
        assert!(!text.contains("<javascript:"), "{text}");
        event.url = "https://example.org/mali".into();
        assert!(email_html(&[event]).contains("href=\"https://example.org/mali\""));
    }

    #[test]
    fn html_escapes_page_text() {
        let html = email_html(&[change_event()]);
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("Level 4: Do Not Travel"));
        let slack = slack_json(&change_event());
        assert!(
            slack["text"]
                .as_str()
                .is_some_and(|t| t.contains("&lt;script&gt;"))
        );
    }
}
