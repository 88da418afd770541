//! Periods: what `--since` and `--until` (and a report's `since`) say, as a moment. Pure: the
//! current time is a parameter.

use chrono::{DateTime, Utc};

/// Parses `--since` and `--until`: a span back from `now` ("7d", "24h", "2w") or a date
/// ("2026-11-01", midnight UTC) or an RFC 3339 time.
pub fn parse_when(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let text = text.trim();
    if let Ok(date) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(date
            .and_hms_opt(0, 0, 0)
            .expect("midnight exists")
            .and_utc());
    }
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Ok(time.with_timezone(&Utc));
    }
    let span = match text.strip_suffix('w') {
        Some(weeks) if weeks.parse::<u64>().is_ok() => weeks
            .parse::<u64>()
            .ok()
            .and_then(|weeks| weeks.checked_mul(7 * 86_400))
            .map(std::time::Duration::from_secs),
        _ => humantime::parse_duration(text).ok(),
    }
    .ok_or_else(|| {
        format!("`{text}` is neither a span like \"7d\" nor a date like \"2026-11-01\"")
    })?;
    chrono::Duration::from_std(span)
        .ok()
        .and_then(|span| now.checked_sub_signed(span))
        .ok_or_else(|| {
            format!("`{text}` reaches back further than dates go; give a span like \"30d\" or a date like \"2026-11-01\"")
        })
}
