//! Fetching pages over HTTP(S), politely and persistently.
//!
//! This module owns the HTTP client (reqwest on rustls, built once per run): the User-Agent,
//! the timeouts, the redirect policy (at most `max_redirects`, http and https only), the body
//! size limit, transparent gzip/brotli/deflate, decoding the body with the page's declared
//! charset, conditional requests (ETag and Last-Modified; a 304 is [`Fetched::NotModified`]),
//! retries with exponential backoff and jitter on connection errors, timeouts and 5xx (429 and
//! 503 honour `Retry-After`), and per-host politeness: at most `per_host` requests at a time to
//! one host, `per_host_delay` apart. A source's secret headers (`headers_env`) go with its
//! requests, marked sensitive, and never across a redirect to another host. A failure is
//! returned as a [`FetchError`] that names the URL as it may be shown (credentials and
//! secret-looking parameters hidden, reqwest's own text too); deciding what a failure means
//! for a source is `check`'s job.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Once};
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::{StatusCode, Url, header};
use tokio::sync::Semaphore;
use tokio::time::Instant;

use crate::config::source_url::{SecretHeader, redact_url_text, redact_urls_in};
use crate::config::{FetchSettings, Source};

pub use crate::store::Validators;

/// A fetched page.
#[derive(Debug, Clone)]
pub struct Page {
    /// The HTTP status (2xx).
    pub status: u16,
    /// The URL after redirects.
    pub final_url: Url,
    /// The raw body.
    pub bytes: Vec<u8>,
    /// The body decoded to text with its declared charset.
    pub text: String,
    /// Its validators.
    pub validators: Validators,
}

/// What a request brought.
#[derive(Debug, Clone)]
pub enum Fetched {
    /// The page.
    Page(Page),
    /// The server says the page is the one the validators describe (304).
    NotModified,
}

/// Why a page could not be fetched.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The server answered with a status other than 2xx.
    #[error("{url} answered HTTP {status}")]
    Status {
        /// The URL.
        url: String,
        /// The status line's code and reason.
        status: String,
        /// The numeric status.
        code: u16,
        /// The server's `Retry-After`, if any.
        retry_after: Option<Duration>,
    },
    /// No complete answer within the timeout.
    #[error("{url} did not answer within {timeout:?}")]
    Timeout {
        /// The URL.
        url: String,
        /// The configured limit.
        timeout: Duration,
    },
    /// The connection failed.
    #[error("cannot connect to {url}: {message}")]
    Connect {
        /// The URL.
        url: String,
        /// Details.
        message: String,
    },
    /// Too many redirects, or a redirect to something other than http(s).
    #[error("{url}: {message}")]
    Redirect {
        /// The URL.
        url: String,
        /// Details.
        message: String,
    },
    /// The body was cut short.
    #[error("{url}: {message}")]
    Body {
        /// The URL.
        url: String,
        /// Details.
        message: String,
    },
    /// The body was larger than allowed.
    #[error(
        "{url}: the body is larger than the limit of {limit} bytes (fetch.max_body); abandoned"
    )]
    TooLarge {
        /// The URL.
        url: String,
        /// The limit.
        limit: usize,
    },
    /// Any other request failure.
    #[error("{url}: {message}")]
    Request {
        /// The URL.
        url: String,
        /// Details.
        message: String,
    },
    /// The server asked to wait longer than `fetch.max_retry_after`.
    #[error(
        "{url} answered HTTP {code} and asked to wait {wait:?} (Retry-After), longer than fetch.max_retry_after; the next check tries again"
    )]
    WaitTooLong {
        /// The URL.
        url: String,
        /// The status.
        code: u16,
        /// What the server asked for.
        wait: Duration,
    },
    /// Every attempt failed; the last failure.
    #[error("{last} (gave up after {attempts} attempts)")]
    GaveUp {
        /// Attempts made.
        attempts: u32,
        /// The last failure.
        last: Box<FetchError>,
    },
}

impl FetchError {
    /// The HTTP status, when the server answered.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            FetchError::Status { code, .. } | FetchError::WaitTooLong { code, .. } => Some(*code),
            FetchError::GaveUp { last, .. } => last.http_status(),
            _ => None,
        }
    }

    /// Whether another attempt may succeed: no answer, a cut body, 5xx, 408 and 429.
    fn is_retryable(&self) -> bool {
        match self {
            FetchError::Timeout { .. } | FetchError::Connect { .. } | FetchError::Body { .. } => {
                true
            }
            FetchError::Status { code, .. } => *code >= 500 || *code == 408 || *code == 429,
            _ => false,
        }
    }

    fn retry_after(&self) -> Option<Duration> {
        match self {
            FetchError::Status {
                retry_after, code, ..
            } if *code == 429 || *code == 503 => *retry_after,
            _ => None,
        }
    }
}

/// One host's politeness state: how many requests may be under way, and when the next may
/// start.
#[derive(Debug)]
struct HostSlot {
    permits: Semaphore,
    next_start: tokio::sync::Mutex<Instant>,
}

/// Hears how long each request took, to its answer or its failure (the daemon's metrics).
#[derive(Clone)]
pub struct FetchObserver(pub Arc<dyn Fn(Duration) + Send + Sync>);

impl std::fmt::Debug for FetchObserver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FetchObserver")
    }
}

/// A reusable HTTP client with the configured settings, shared by every check of a run.
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    /// The client for requests with secret headers: one that follows no redirect to another
    /// host (reqwest drops `Authorization` there, but not `X-Api-Key`). Built when first needed.
    guarded: Arc<std::sync::OnceLock<reqwest::Client>>,
    settings: Arc<FetchSettings>,
    hosts: Arc<Mutex<HashMap<String, Arc<HostSlot>>>>,
    observer: Option<FetchObserver>,
}

static CRYPTO: Once = Once::new();

/// Makes ring the process's TLS crypto provider (once); every TLS client needs one.
pub fn install_crypto() {
    CRYPTO.call_once(|| {
        // Fails only when another provider was installed first, which is as good.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// Builds a client with the configured settings; `same_host` refuses redirects to another
/// host (or port, or scheme).
fn client(settings: &FetchSettings, same_host: bool) -> Result<reqwest::Client, FetchError> {
    let max_redirects = settings.max_redirects;
    let redirects = reqwest::redirect::Policy::custom(move |attempt| {
        let crossed = same_host
            && attempt.previous().first().is_some_and(|first| {
                first.host_str() != attempt.url().host_str()
                    || first.port_or_known_default() != attempt.url().port_or_known_default()
                    || first.scheme() != attempt.url().scheme()
            });
        if attempt.previous().len() > max_redirects {
            attempt.error(format!(
                "more than {max_redirects} redirects (fetch.max_redirects)"
            ))
        } else if !matches!(attempt.url().scheme(), "http" | "https") {
            let to = redact_url_text(attempt.url().as_str());
            attempt.error(format!(
                "refused a redirect to {to}: only http and https are fetched"
            ))
        } else if crossed {
            let to = redact_url_text(attempt.url().as_str());
            attempt.error(format!(
                "refused a redirect to {to}: the request carries headers from headers_env, which go to the configured host only"
            ))
        } else {
            attempt.follow()
        }
    });
    reqwest::Client::builder()
        .user_agent(settings.user_agent.clone())
        .timeout(settings.timeout)
        .connect_timeout(settings.timeout.min(Duration::from_secs(10)))
        .redirect(redirects)
        // A redirect to another host must not learn the source's URL (and its query).
        .referer(false)
        .build()
        .map_err(|e| FetchError::Request {
            url: String::new(),
            message: format!("cannot build the HTTP client: {e}"),
        })
}

impl Fetcher {
    /// Builds the client.
    pub fn new(settings: &FetchSettings) -> Result<Fetcher, FetchError> {
        install_crypto();
        Ok(Fetcher {
            client: client(settings, false)?,
            guarded: Arc::default(),
            settings: Arc::new(settings.clone()),
            hosts: Arc::default(),
            observer: None,
        })
    }

    /// The same client, telling `observer` how long each request takes (the wait for the
    /// host's turn and the pauses between retries not counted).
    pub fn observed(mut self, observer: FetchObserver) -> Fetcher {
        self.observer = Some(observer);
        self
    }

    /// Fetches one page, conditionally when `validators` are given, retrying what may pass.
    /// Errors show the URL redacted.
    pub async fn get(
        &self,
        url: &Url,
        validators: Option<&Validators>,
    ) -> Result<Fetched, FetchError> {
        let shown = redact_url_text(url.as_str());
        self.request(url, &shown, &[], validators).await
    }

    /// Fetches a source's page with its secret headers; errors show its URL as configured to
    /// be shown (a part from `url_env` as `…`).
    pub async fn get_source(
        &self,
        source: &Source,
        validators: Option<&Validators>,
    ) -> Result<Fetched, FetchError> {
        let url = &source.url;
        self.request(url.fetch_url(), url.shown(), &source.headers, validators)
            .await
    }

    async fn request(
        &self,
        url: &Url,
        shown: &str,
        headers: &[SecretHeader],
        validators: Option<&Validators>,
    ) -> Result<Fetched, FetchError> {
        let slot = self.slot(url);
        let mut attempts = 0u32;
        loop {
            attempts += 1;
            let outcome = {
                let _permit = self.take_turn(&slot).await;
                let started = Instant::now();
                let outcome = self.attempt(url, shown, headers, validators).await;
                if let Some(observer) = &self.observer {
                    (observer.0)(started.elapsed());
                }
                outcome
            };
            let error = match outcome {
                Ok(fetched) => return Ok(fetched),
                Err(error) => error,
            };
            let wrap = |error: FetchError| {
                if attempts > 1 {
                    FetchError::GaveUp {
                        attempts,
                        last: Box::new(error),
                    }
                } else {
                    error
                }
            };
            if !error.is_retryable() || attempts > self.settings.retries {
                return Err(wrap(error));
            }
            let wait = match error.retry_after() {
                Some(wait) if wait > self.settings.max_retry_after => {
                    return Err(wrap(FetchError::WaitTooLong {
                        url: shown.to_owned(),
                        code: error.http_status().unwrap_or_default(),
                        wait,
                    }));
                }
                Some(wait) => wait,
                None => backoff(self.settings.retry_initial, attempts),
            };
            tracing::debug!(url = shown, attempts, ?wait, %error, "retrying");
            tokio::time::sleep(wait).await;
        }
    }

    fn slot(&self, url: &Url) -> Arc<HostSlot> {
        let host = format!(
            "{}:{}",
            url.host_str().unwrap_or(""),
            url.port_or_known_default().unwrap_or(0)
        );
        let mut hosts = self.hosts.lock().expect("host table");
        Arc::clone(hosts.entry(host).or_insert_with(|| {
            Arc::new(HostSlot {
                permits: Semaphore::new(self.settings.per_host.max(1)),
                next_start: tokio::sync::Mutex::new(Instant::now()),
            })
        }))
    }

    /// Waits for the host's turn: a free place among `per_host`, and `per_host_delay` since the
    /// previous request to it started.
    async fn take_turn<'a>(&self, slot: &'a HostSlot) -> tokio::sync::SemaphorePermit<'a> {
        let permit = slot
            .permits
            .acquire()
            .await
            .expect("the semaphore is never closed");
        let delay = self.settings.per_host_delay;
        if !delay.is_zero() {
            let mut next = slot.next_start.lock().await;
            tokio::time::sleep_until(*next).await;
            *next = Instant::now() + delay;
        }
        permit
    }

    /// The client for a request: the guarded one when it carries secret headers.
    fn client_for(&self, headers: &[SecretHeader]) -> Result<&reqwest::Client, FetchError> {
        if headers.is_empty() {
            return Ok(&self.client);
        }
        if let Some(client) = self.guarded.get() {
            return Ok(client);
        }
        let built = client(&self.settings, true)?;
        Ok(self.guarded.get_or_init(|| built))
    }

    async fn attempt(
        &self,
        url: &Url,
        shown: &str,
        headers: &[SecretHeader],
        validators: Option<&Validators>,
    ) -> Result<Fetched, FetchError> {
        let shown = shown.to_owned();
        let mut request = self.client_for(headers)?.get(url.clone());
        for header in headers {
            // Checked at load; marked sensitive, so that no debug output of a request shows it.
            if let Ok(mut value) = header::HeaderValue::from_str(header.value.expose()) {
                value.set_sensitive(true);
                request = request.header(header.name.as_str(), value);
            }
        }
        if let Some(validators) = validators {
            if let Some(etag) = &validators.etag {
                request = request.header(header::IF_NONE_MATCH, etag);
            }
            if let Some(date) = &validators.last_modified {
                request = request.header(header::IF_MODIFIED_SINCE, date);
            }
        }
        let mut response = request.send().await.map_err(|e| self.classify(&shown, e))?;
        let status = response.status();
        if status == StatusCode::NOT_MODIFIED && validators.is_some_and(|v| !v.is_empty()) {
            return Ok(Fetched::NotModified);
        }
        if status.is_redirection() {
            // reqwest follows every http(s) redirect it can read; one that is left has no
            // Location, or one that is no URL, or is a status that is not followed.
            return Err(FetchError::Redirect {
                message: unfollowed(
                    response.url(),
                    status,
                    response.headers().get(header::LOCATION),
                ),
                url: shown,
            });
        }
        if !status.is_success() {
            let retry_after = response
                .headers()
                .get(header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(parse_retry_after);
            return Err(FetchError::Status {
                url: shown,
                status: status.to_string(),
                code: status.as_u16(),
                retry_after,
            });
        }
        let limit = self.settings.max_body;
        if response
            .content_length()
            .is_some_and(|length| length > limit as u64)
        {
            return Err(FetchError::TooLarge { url: shown, limit });
        }
        let final_url = response.url().clone();
        let header_text = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v: &header::HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        let content_type = header_text(header::CONTENT_TYPE);
        let validators = Validators {
            etag: header_text(header::ETAG),
            last_modified: header_text(header::LAST_MODIFIED),
        };
        // Sized once from the announced length (at most the limit), not grown by doubling.
        let announced = response.content_length().map_or(0, |n| n as usize);
        let mut bytes = Vec::with_capacity(announced.min(limit));
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| self.classify(&shown, e))?
        {
            if bytes.len() + chunk.len() > limit {
                return Err(FetchError::TooLarge { url: shown, limit });
            }
            bytes.extend_from_slice(&chunk);
        }
        let text = decode(&bytes, content_type.as_deref());
        Ok(Fetched::Page(Page {
            status: status.as_u16(),
            final_url,
            bytes,
            text,
            validators,
        }))
    }

    fn classify(&self, url: &str, error: reqwest::Error) -> FetchError {
        let url = url.to_owned();
        // Without the URL reqwest would print (credentials and all), and any URL its causes
        // quote redacted.
        let (timeout, redirect, connect, body) = (
            error.is_timeout(),
            error.is_redirect(),
            error.is_connect(),
            error.is_body() || error.is_decode() || error.is_request(),
        );
        let message = redact_urls_in(&error_chain(&error.without_url())).into_owned();
        if timeout {
            FetchError::Timeout {
                url,
                timeout: self.settings.timeout,
            }
        } else if redirect {
            FetchError::Redirect { url, message }
        } else if connect {
            FetchError::Connect { url, message }
        } else if body {
            FetchError::Body {
                url,
                message: format!("the answer was cut short: {message}"),
            }
        } else {
            FetchError::Request { url, message }
        }
    }
}

/// Why a redirection answer was not followed, its `Location` quoted (at most 200 characters,
/// control characters escaped).
fn unfollowed(url: &Url, status: StatusCode, location: Option<&header::HeaderValue>) -> String {
    let Some(location) = location else {
        return format!("answered HTTP {status} without a Location header; nothing to follow");
    };
    // A Location may carry a secret of its own (a signed URL): redacted like any URL shown.
    let text = redact_url_text(&String::from_utf8_lossy(location.as_bytes()));
    let mut quoted: String = text
        .chars()
        .take(200)
        .flat_map(char::escape_debug)
        .collect();
    if text.chars().count() > 200 {
        quoted.push_str(&format!("... ({} bytes)", location.len()));
    }
    match std::str::from_utf8(location.as_bytes()).map(|l| url.join(l)) {
        Err(_) => format!(
            "answered HTTP {status} with a malformed Location header \"{quoted}\" (not UTF-8); nothing to follow"
        ),
        Ok(Err(e)) => format!(
            "answered HTTP {status} with a malformed Location header \"{quoted}\" ({e}); nothing to follow"
        ),
        Ok(Ok(target)) if !matches!(target.scheme(), "http" | "https") => {
            format!("refused a redirect to {quoted}: only http and https are fetched")
        }
        Ok(Ok(_)) => format!(
            "answered HTTP {status} with Location \"{quoted}\", which is not followed (only 301, 302, 303, 307 and 308 are)"
        ),
    }
}

/// The delay before retry number `attempt` (1-based): `initial`, doubled each time, capped at
/// a minute, with up to 20% random jitter.
fn backoff(initial: Duration, attempt: u32) -> Duration {
    let base = initial
        .saturating_mul(1u32 << attempt.saturating_sub(1).min(10))
        .min(Duration::from_secs(60));
    base + base.mul_f64(fastrand::f64() * 0.2)
}

/// Reads `Retry-After`: seconds, or an HTTP date.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    if let Ok(seconds) = value.trim().parse::<u64>() {
        return Some(Duration::from_secs(seconds.min(24 * 3600)));
    }
    let date = DateTime::parse_from_rfc2822(value.trim()).ok()?;
    Some(
        (date.with_timezone(&Utc) - Utc::now())
            .to_std()
            .unwrap_or(Duration::ZERO),
    )
}

/// The error and its causes on one line.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    message
}

/// Decodes a body. What the bytes say comes first, so that a declared charset that changes
/// while the bytes stay the same never changes the text: a byte-order mark; else UTF-8 when
/// the bytes are valid UTF-8 (a declared legacy charset would only turn them into mojibake);
/// else the charset the Content-Type declares, else the one a `<meta>` tag in the first
/// kilobytes declares, else UTF-8 (bytes that are not UTF-8 become U+FFFD).
pub fn decode(bytes: &[u8], content_type: Option<&str>) -> String {
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, _) = encoding.decode_without_bom_handling(&bytes[bom..]);
        return text.into_owned();
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return text.to_owned();
    }
    let declared = content_type
        .and_then(charset_of)
        .or_else(|| sniff_meta_charset(&bytes[..bytes.len().min(2048)]));
    let encoding = declared
        .and_then(|label| encoding_rs::Encoding::for_label(label.as_bytes()))
        .unwrap_or(encoding_rs::UTF_8);
    let (text, _, _) = encoding.decode(bytes);
    text.into_owned()
}

fn charset_of(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (key, value) = param.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches('"').to_owned())
    })
}

fn sniff_meta_charset(head: &[u8]) -> Option<String> {
    let head = String::from_utf8_lossy(head).to_lowercase();
    let at = head.find("charset=")? + "charset=".len();
    let value: String = head[at..]
        .trim_start_matches(['"', '\''])
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'))
        .collect();
    (!value.is_empty()).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bytes_decide_before_a_declared_charset() {
        let utf8 = "Mali’s “unrest”".as_bytes();
        for declared in [
            None,
            Some("text/html; charset=iso-8859-1"),
            Some("text/html; charset=utf-8"),
        ] {
            assert_eq!(decode(utf8, declared), "Mali’s “unrest”", "{declared:?}");
        }
        let latin1 = b"caf\xe9";
        assert_eq!(
            decode(latin1, Some("text/html; charset=iso-8859-1")),
            "café"
        );
        let meta = b"<meta charset=\"windows-1252\">caf\xe9";
        assert_eq!(decode(meta, None), "<meta charset=\"windows-1252\">café");
        let bom = b"\xef\xbb\xbfcaf\xc3\xa9";
        assert_eq!(decode(bom, Some("text/html; charset=iso-8859-1")), "café");
        let utf16 = b"\xff\xfec\0a\0f\0\xe9\0";
        assert_eq!(decode(utf16, Some("text/html; charset=iso-8859-1")), "café");
    }

    #[test]
    fn a_redirect_that_is_not_followed_says_why() {
        let url = Url::parse("https://example.org/advice?token=1").expect("url");
        let found = StatusCode::FOUND;
        let value = |text: &str| header::HeaderValue::from_str(text).expect("header");
        let malformed = unfollowed(&url, found, Some(&value("http://[::1/x")));
        assert!(
            malformed.contains("malformed Location header \"http://[::1/x\""),
            "{malformed}"
        );
        let long = format!("http://[{}", "a".repeat(5000));
        let cut = unfollowed(&url, found, Some(&value(&long)));
        assert!(cut.contains("(5008 bytes)") && cut.len() < 400, "{cut}");
        let bytes = header::HeaderValue::from_bytes(b"/caf\xe9").expect("header");
        assert!(unfollowed(&url, found, Some(&bytes)).contains("not UTF-8"));
        assert!(
            unfollowed(&url, found, Some(&value("ftp://example.org/x")))
                .contains("only http and https are fetched")
        );
        assert!(unfollowed(&url, found, None).contains("without a Location header"));
        assert!(
            unfollowed(&url, StatusCode::MULTIPLE_CHOICES, Some(&value("/other")))
                .contains("which is not followed")
        );
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after("soon"), None);
        let later = (Utc::now() + chrono::Duration::seconds(30)).to_rfc2822();
        assert!(parse_retry_after(&later).is_some_and(|d| d <= Duration::from_secs(30)));
    }

    #[test]
    fn backoff_doubles_with_bounded_jitter() {
        let first = backoff(Duration::from_secs(1), 1);
        assert!(first >= Duration::from_secs(1) && first <= Duration::from_millis(1200));
        let third = backoff(Duration::from_secs(1), 3);
        assert!(third >= Duration::from_secs(4) && third <= Duration::from_millis(4800));
        assert!(backoff(Duration::from_secs(10), 20) <= Duration::from_secs(72));
    }

    #[test]
    fn declared_charsets_are_honoured() {
        let cafe = b"caf\xe9";
        assert_eq!(
            decode(cafe, Some("text/html; charset=windows-1252")),
            "café"
        );
        let page = b"<html><head><meta charset=\"windows-1252\"></head><body>caf\xe9</body></html>";
        assert!(decode(page, Some("text/html")).contains("café"));
        assert_eq!(decode("café".as_bytes(), None), "café");
    }
}
