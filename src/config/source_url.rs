//! A source's URL and the secret headers sent with it, and what of them may be shown.
//!
//! A source URL may carry credentials: a user name and password (`https://user:pass@host/`),
//! a query parameter whose name says it is a secret (`?token=...`, `?api_key=...`,
//! `X-Amz-Signature=...`), or a part taken from the environment (`url_env`). Every output
//! (logs, failure messages, the database, reports, the dashboard, notifications) gets the
//! URL from [`redact_url_text`], through [`SourceUrl`]'s `Display` or its [`SourceUrl::shown`]
//! form; only `net::fetch` asks for [`SourceUrl::fetch_url`]. Messages that quote URLs
//! (reqwest's, a redirect's `Location`) go through [`redact_urls_in`]. Headers from
//! `headers_env` are [`Secret`]s: read from the environment at load, never shown.

use std::borrow::Cow;
use std::fmt;

use reqwest::Url;

use super::channels::Secret;

/// What stands for a hidden part of a URL.
pub const HIDDEN: &str = "…";

/// Whether a query parameter's name looks like it holds a secret: `key`, `token`, `secret`,
/// `sig`, `signature`, `password`, `passwd`, `auth`, `api_key`, `access_token` and the like,
/// in any case, alone or as a word of a longer name (`x-api-key`, `X-Amz-Signature`,
/// `client_secret`, `authToken`). `keyword`, `author` or `monkey` are not.
pub fn is_secret_name(name: &str) -> bool {
    const WORDS: [&str; 16] = [
        "key",
        "token",
        "secret",
        "sig",
        "signature",
        "password",
        "passwd",
        "pwd",
        "pass",
        "auth",
        "apikey",
        "jwt",
        "session",
        "sessionid",
        "credential",
        "credentials",
    ];
    const INSIDE: [&str; 9] = [
        "token",
        "secret",
        "passw",
        "apikey",
        "signature",
        "credential",
        "authkey",
        "accesskey",
        "privatekey",
    ];
    let name = percent_decoded(name).to_lowercase();
    name.split(|c: char| !c.is_alphanumeric())
        .any(|word| WORDS.contains(&word))
        || INSIDE.iter().any(|inside| name.contains(inside))
}

/// `%XX` escapes and `+` decoded, for reading a parameter's name.
fn percent_decoded(text: &str) -> Cow<'_, str> {
    if !text.contains(['%', '+']) {
        return Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    let hex = |b: u8| (b as char).to_digit(16);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(high), Some(low)) => {
                    out.push((high * 16 + low) as u8);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' => out.push(b' '),
            other => out.push(other),
        }
        i += 1;
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

/// `name=value&...` with the value of every secret-looking name replaced by [`HIDDEN`].
fn redact_parameters(parameters: &str, out: &mut String) {
    for (index, pair) in parameters.split('&').enumerate() {
        if index > 0 {
            out.push('&');
        }
        match pair.split_once('=') {
            Some((name, value)) if !value.is_empty() && is_secret_name(name) => {
                out.push_str(name);
                out.push('=');
                out.push_str(HIDDEN);
            }
            _ => out.push_str(pair),
        }
    }
}

/// A URL as it may be shown and stored: a user name and password become `…@`, and the value of
/// every query (or fragment) parameter whose name looks like a secret ([`is_secret_name`])
/// becomes `…`; the rest stays as written. Works on text, so that a URL that does not parse
/// (in a message) is redacted alike: `http://user:s3cret@host/a?token=abc&page=2` is shown
/// as `http://…@host/a?token=…&page=2`.
pub fn redact_url_text(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    let rest = match url.find("://") {
        Some(at) => {
            out.push_str(&url[..at + 3]);
            &url[at + 3..]
        }
        None => url,
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, rest) = rest.split_at(authority_end);
    match authority.rfind('@') {
        Some(at) => {
            out.push_str(HIDDEN);
            out.push_str(&authority[at..]);
        }
        None => out.push_str(authority),
    }
    let (before_fragment, fragment) = match rest.split_once('#') {
        Some((before, fragment)) => (before, Some(fragment)),
        None => (rest, None),
    };
    match before_fragment.split_once('?') {
        Some((path, query)) => {
            out.push_str(path);
            out.push('?');
            redact_parameters(query, &mut out);
        }
        None => out.push_str(before_fragment),
    }
    if let Some(fragment) = fragment {
        out.push('#');
        redact_parameters(fragment, &mut out);
    }
    out
}

/// `text` with every `http://` or `https://` URL in it redacted as [`redact_url_text`] does:
/// for messages that quote URLs (reqwest's errors, a redirect's `Location`, a configuration
/// error). A URL ends at whitespace, a quote, `<`, `>`, `)` or a backslash; punctuation that
/// ends a sentence after it stays outside.
pub fn redact_urls_in(text: &str) -> Cow<'_, str> {
    let lower = text.to_ascii_lowercase();
    let starts: Vec<usize> = lower
        .match_indices("http")
        .map(|(at, _)| at)
        .filter(|&at| {
            let tail = &lower[at..];
            tail.starts_with("http://") || tail.starts_with("https://")
        })
        .collect();
    if starts.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for start in starts {
        if start < copied {
            continue;
        }
        out.push_str(&text[copied..start]);
        let tail = &text[start..];
        let mut end = tail
            .find(|c: char| c.is_whitespace() || "\"'<>)`\\".contains(c))
            .unwrap_or(tail.len());
        while end > 0 && tail[..end].ends_with([':', ',', '.', ';', '!', '?']) {
            end -= 1;
        }
        out.push_str(&redact_url_text(&tail[..end]));
        copied = start + end;
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// Where a source whose `url_env` is not set points: nowhere (`.invalid` never resolves).
/// Such a source cannot be fetched: the commands that fetch refuse to start.
pub(super) const UNSET_URL: &str = "http://unset.invalid/";

/// What a source's `url` marks as the place of the value of its `url_env`.
pub const SECRET_PLACEHOLDER: &str = "{secret}";

/// A source's URL: the one to fetch, which may hold credentials, and the one to show. Its
/// `Display` and `Debug` show the redacted form only.
#[derive(Clone, PartialEq, Eq)]
pub struct SourceUrl {
    fetch: Url,
    shown: String,
    known: bool,
}

impl SourceUrl {
    /// A URL written out in the configuration: shown redacted.
    pub fn new(url: Url) -> SourceUrl {
        SourceUrl {
            shown: redact_url_text(url.as_str()),
            fetch: url,
            known: true,
        }
    }

    /// A URL with a part from the environment: `shown` says where that part goes (`…`).
    pub(super) fn with_secret_part(fetch: Url, shown: String) -> SourceUrl {
        SourceUrl {
            fetch,
            shown: redact_url_text(&shown),
            known: true,
        }
    }

    /// The URL of a source whose `url_env` is not set: it cannot be fetched, and is shown as
    /// waiting for `variable`.
    pub(super) fn unset(variable: &str) -> SourceUrl {
        SourceUrl {
            fetch: Url::parse(UNSET_URL).expect("a valid placeholder"),
            shown: format!("(from the environment variable {variable}, which is not set)"),
            known: false,
        }
    }

    /// The URL to request, credentials and all: for `net::fetch` alone.
    pub fn fetch_url(&self) -> &Url {
        &self.fetch
    }

    /// The URL as every output shows it, and the database stores it.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    /// The URL to store, when it is known (its `url_env` is set).
    pub fn stored(&self) -> Option<&str> {
        self.known.then_some(self.shown.as_str())
    }
}

impl fmt::Display for SourceUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown)
    }
}

impl fmt::Debug for SourceUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SourceUrl({:?})", self.shown)
    }
}

/// A header sent with every request for a source, its value from the environment
/// (`headers_env = { Authorization = "ADVISORY_TOKEN" }`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretHeader {
    /// The header's name, as configured.
    pub name: String,
    /// Its value, read at load.
    pub value: Secret,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_looking_names() {
        for name in [
            "key",
            "token",
            "TOKEN",
            "secret",
            "sig",
            "signature",
            "password",
            "passwd",
            "api_key",
            "apikey",
            "apiKey",
            "access_token",
            "auth",
            "x-api-key",
            "X-Amz-Signature",
            "X-Amz-Credential",
            "client_secret",
            "authToken",
            "subscription-key",
            "x%2Dapi%2Dkey",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
        for name in [
            "page", "country", "keyword", "author", "monkey", "lang", "q",
        ] {
            assert!(!is_secret_name(name), "{name}");
        }
    }

    #[test]
    fn credentials_and_secret_parameters_are_hidden() {
        let cases = [
            (
                "http://user:s3cret@127.0.0.1:8080/feed?token=abc123&page=2",
                "http://…@127.0.0.1:8080/feed?token=…&page=2",
            ),
            ("https://x.org/a?b=1", "https://x.org/a?b=1"),
            ("https://x.org/", "https://x.org/"),
            (
                "https://x.org/a?X-Amz-Signature=ff&X-Amz-Date=1#access_token=zz",
                "https://x.org/a?X-Amz-Signature=…&X-Amz-Date=1#access_token=…",
            ),
            ("https://user@x.org/", "https://…@x.org/"),
            ("https://x.org/a?key=", "https://x.org/a?key="),
        ];
        for (url, shown) in cases {
            assert_eq!(redact_url_text(url), shown, "{url}");
            let parsed = Url::parse(url).expect("a URL");
            assert_eq!(SourceUrl::new(parsed.clone()).to_string(), shown);
            assert!(!format!("{:?}", SourceUrl::new(parsed)).contains("s3cret"));
        }
    }

    #[test]
    fn urls_in_messages_are_redacted() {
        let message = "error sending request for url (http://u:s3cret@127.0.0.1:9/x?token=abc123): connection refused";
        assert_eq!(
            redact_urls_in(message),
            "error sending request for url (http://…@127.0.0.1:9/x?token=…): connection refused"
        );
        assert_eq!(
            redact_urls_in("cannot connect to https://h/?sig=abc: refused."),
            "cannot connect to https://h/?sig=…: refused."
        );
        assert!(matches!(redact_urls_in("no url here"), Cow::Borrowed(_)));
        assert_eq!(
            redact_urls_in("HTTPS://A:B@h/ and http://h/?key=1"),
            "HTTPS://…@h/ and http://h/?key=…"
        );
    }
}
