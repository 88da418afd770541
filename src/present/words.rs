//! How things are said in every format: a period ("from 2026-11-18 to 2026-11-25"), a stored
//! time as a day or in words, counts and their plurals, and Markdown made safe for page text.
//! The bottom of `present`'s files: it imports only `html`'s escaping of links and the model.
//! Pure.

use chrono::{DateTime, Utc};

use crate::model::period::last_day;
use crate::present::html;

/// The day of a stored time ("2026-02-12").
pub fn day(rfc3339: &str) -> &str {
    rfc3339.get(..10).unwrap_or(rfc3339)
}

/// "from 2026-11-18 to 2026-11-25" for a period, with its last day included.
pub fn period_words(since: Option<DateTime<Utc>>, until: Option<DateTime<Utc>>) -> String {
    let day = |t: &DateTime<Utc>| t.format("%Y-%m-%d").to_string();
    match (&since, &until) {
        (Some(a), Some(b)) => format!("from {} to {}", day(a), last_day(*b)),
        (Some(a), None) => format!("since {}", day(a)),
        (None, Some(b)) => format!("until {}", last_day(*b)),
        (None, None) => "of all time".to_owned(),
    }
}

/// A stored time as the JSON, the CSV and the dashboard's API give it: RFC 3339 for a version a
/// check saw, the day alone ("2025-11-10") for one from an archive, whose time of day is
/// unknown (the store keeps noon of that day, which no view shows).
pub fn shown_time(detected_at: &str, archived: bool) -> String {
    if archived {
        day(detected_at).to_owned()
    } else {
        detected_at.to_owned()
    }
}

/// When a report was made, for its header: "1 December 2026, 15:54 UTC".
pub fn made_words(at: DateTime<Utc>) -> String {
    at.format("%-d %B %Y, %H:%M UTC").to_string()
}

/// When a change was seen, in words: "2026-02-12 08:15 UTC", or "archived, first seen
/// 2026-02-12" for a version from an archive, whose time of day is unknown.
pub fn when_words(detected_at: &str, archived: bool) -> String {
    if archived {
        format!("archived, first seen {}", day(detected_at))
    } else {
        html::short_time(detected_at)
    }
}

/// "3 summary-only updates; 1 reissue (issued date or note only)." for a brief's last line;
/// empty when there is neither.
pub fn summary_only_sentence(summary_only: usize, reissued: usize) -> String {
    let mut parts = Vec::new();
    if summary_only > 0 {
        parts.push(format!(
            "{summary_only} summary-only update{}",
            plural(summary_only)
        ));
    }
    if reissued > 0 {
        parts.push(format!(
            "{reissued} reissue{} (issued date or note only)",
            plural(reissued)
        ));
    }
    if parts.is_empty() {
        String::new()
    } else {
        parts.join("; ") + "."
    }
}

/// "s" for any count but one.
pub fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Escapes text taken from a page so Markdown shows it as written and runs no markup.
pub fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// `[text](url)` when `url` is an http(s) URL (normalized: `<`, `>` and spaces are
/// percent-encoded, and so are parentheses), else the text and the URL as escaped text.
pub fn markdown_link(url: &str, text: &str) -> String {
    match html::link_target(url) {
        Some(target) => format!(
            "[{}]({})",
            escape_markdown(text),
            target.replace('(', "%28").replace(')', "%29")
        ),
        None => format!("{}: {}", escape_markdown(text), escape_markdown(url)),
    }
}
