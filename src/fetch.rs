//! Fetching pages over HTTP(S).
//!
//! This module owns the HTTP client (reqwest on rustls, built once per run): the User-Agent,
//! the timeouts, the redirect policy (at most [`MAX_REDIRECTS`], http and https only), the body
//! size limit, transparent gzip/brotli/deflate, and decoding the body with the page's declared
//! charset. A failure is returned as a [`FetchError`] that names the URL; deciding what a
//! failure means for a source is `run`'s job.

use std::sync::Once;
use std::time::Duration;

use reqwest::{Url, header};

use crate::config::FetchSettings;

/// Redirects followed before giving up.
pub const MAX_REDIRECTS: usize = 10;

/// The largest body read; a larger one is abandoned.
pub const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

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
    /// The body was cut short or too large.
    #[error("{url}: {message}")]
    Body {
        /// The URL.
        url: String,
        /// Details.
        message: String,
    },
    /// Any other request failure.
    #[error("{url}: {message}")]
    Request {
        /// The URL.
        url: String,
        /// Details.
        message: String,
    },
}

impl FetchError {
    /// The HTTP status, when the server answered.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            FetchError::Status { code, .. } => Some(*code),
            _ => None,
        }
    }
}

/// A reusable HTTP client with the configured settings.
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    timeout: Duration,
}

static CRYPTO: Once = Once::new();

/// Makes ring the process's TLS crypto provider (once); every TLS client needs one.
pub fn install_crypto() {
    CRYPTO.call_once(|| {
        // Fails only when another provider was installed first, which is as good.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

impl Fetcher {
    /// Builds the client.
    pub fn new(settings: &FetchSettings) -> Result<Fetcher, FetchError> {
        install_crypto();
        let redirects = reqwest::redirect::Policy::custom(|attempt| {
            if attempt.previous().len() >= MAX_REDIRECTS {
                attempt.error(format!("more than {MAX_REDIRECTS} redirects"))
            } else if !matches!(attempt.url().scheme(), "http" | "https") {
                let to = attempt.url().to_string();
                attempt.error(format!(
                    "refused a redirect to {to}: only http and https are fetched"
                ))
            } else {
                attempt.follow()
            }
        });
        let client = reqwest::Client::builder()
            .user_agent(settings.user_agent.clone())
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout.min(Duration::from_secs(10)))
            .redirect(redirects)
            .build()
            .map_err(|e| FetchError::Request {
                url: String::new(),
                message: format!("cannot build the HTTP client: {e}"),
            })?;
        Ok(Fetcher {
            client,
            timeout: settings.timeout,
        })
    }

    /// Fetches one page.
    pub async fn get(&self, url: &Url) -> Result<Page, FetchError> {
        let shown = url.to_string();
        let mut response = self
            .client
            .get(url.clone())
            .send()
            .await
            .map_err(|e| self.classify(&shown, e))?;
        let status = response.status();
        if !status.is_success() {
            return Err(FetchError::Status {
                url: shown,
                status: status.to_string(),
                code: status.as_u16(),
            });
        }
        let final_url = response.url().clone();
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let mut bytes = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| self.classify(&shown, e))?
        {
            if bytes.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(FetchError::Body {
                    url: shown,
                    message: format!(
                        "the body is larger than {} MiB; abandoned",
                        MAX_BODY_BYTES / (1024 * 1024)
                    ),
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        let text = decode(&bytes, content_type.as_deref());
        Ok(Page {
            status: status.as_u16(),
            final_url,
            bytes,
            text,
        })
    }

    fn classify(&self, url: &str, error: reqwest::Error) -> FetchError {
        let url = url.to_owned();
        let message = error_chain(&error);
        if error.is_timeout() {
            FetchError::Timeout {
                url,
                timeout: self.timeout,
            }
        } else if error.is_redirect() {
            FetchError::Redirect { url, message }
        } else if error.is_connect() {
            FetchError::Connect { url, message }
        } else if error.is_body() || error.is_decode() {
            FetchError::Body {
                url,
                message: format!("the body could not be read: {message}"),
            }
        } else {
            FetchError::Request { url, message }
        }
    }
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

/// Decodes a body with the charset its Content-Type declares, else the one a `<meta>` tag in
/// its first kilobytes declares, else UTF-8 (bytes that are not UTF-8 become U+FFFD).
pub fn decode(bytes: &[u8], content_type: Option<&str>) -> String {
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
