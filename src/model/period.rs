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

/// Parses `--until` (and the dashboard's `until`): as [`parse_when`], except that a date means
/// the end of that day, so a period "until 2026-02-12" includes what happened on the 12th.
pub fn parse_until(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    match chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
        Ok(date) => date
            .succ_opt()
            .and_then(|next| next.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc())
            .ok_or_else(|| format!("`{text}` is the last day dates go to; give an earlier date")),
        Err(_) => parse_when(text, now),
    }
}

/// The last day a period ending (exclusive) at `until` includes: the day before a midnight,
/// else the day of `until`.
pub fn last_day(until: DateTime<Utc>) -> chrono::NaiveDate {
    let day = until.date_naive();
    if until.time() == chrono::NaiveTime::MIN {
        day.pred_opt().unwrap_or(day)
    } else {
        day
    }
}
